package live

import (
	"context"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testSecret signs every token in these tests.
var testSecret = []byte("0123456789abcdef0123456789abcdef")

// logBuffer collects log output so tests can assert on logged errors.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog waits until the log contains s.
func (l *logBuffer) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(l.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q; log:\n%s", s, l.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testServer is a live Server behind a loopback HTTP server.
type testServer struct {
	*Server
	http *httptest.Server
	log  *logBuffer
}

// newTestServer starts a Server configured by setup (which registers pages) and closes
// it at the end of the test.
func newTestServer(t testing.TB, opts Options, setup func(s *Server)) *testServer {
	t.Helper()
	lb := &logBuffer{}
	if opts.Secret == nil {
		opts.Secret = testSecret
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	opts.Channel.DrainWindow = time.Millisecond
	s := New(opts)
	setup(s)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		hs.Close()
	})
	return &testServer{Server: s, http: hs, log: lb}
}

// page is a parsed disconnected render.
type page struct {
	body    string
	id      string
	session string
	static  string
	csrf    string
	inner   string
	cookies []*http.Cookie
	header  http.Header
}

var (
	containerRe = regexp.MustCompile(`<div id="([^"]+)" data-phx-main data-phx-session="([^"]*)" data-phx-static="([^"]*)">`)
	csrfRe      = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)
)

// get fetches path and parses the live container.
func (ts *testServer) get(t testing.TB, path string) *page {
	t.Helper()
	resp, err := http.Get(ts.http.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	body := string(b)
	m := containerRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET %s: no live container in:\n%s", path, body)
	}
	c := csrfRe.FindStringSubmatch(body)
	if c == nil {
		t.Fatalf("GET %s: no csrf meta tag in:\n%s", path, body)
	}
	start := strings.Index(body, m[0]) + len(m[0])
	end := strings.LastIndex(body, "</div>\n<div class=\"glint-offline\"")
	if end < 0 {
		end = strings.LastIndex(body, "</div>")
	}
	return &page{body: body, id: m[1], session: m[2], static: m[3], csrf: c[1], inner: body[start:end], cookies: resp.Cookies(), header: resp.Header}
}

// frame is a decoded wire frame.
type frame struct {
	JoinRef *string
	Ref     *string
	Topic   string
	Event   string
	Payload json.RawMessage
	raw     string
}

// wsClient is a raw Phoenix Channels v2 client.
type wsClient struct {
	t     testing.TB
	conn  *websocket.Conn
	ref   int
	inbox []frame
}

// dial connects a socket with the page's CSRF token and cookies (p may be nil).
func (ts *testServer) dial(t testing.TB, p *page) *wsClient {
	t.Helper()
	q := url.Values{}
	h := http.Header{}
	if p != nil {
		q.Set("_csrf_token", p.csrf)
		for _, c := range p.cookies {
			h.Add("Cookie", c.String())
		}
	}
	q.Set("vsn", "2.0.0")
	u := "ws" + strings.TrimPrefix(ts.http.URL, "http") + "/live/websocket?" + q.Encode()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(16 << 20)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	return c
}

// send writes a frame and returns its ref.
func (c *wsClient) send(joinRef, topic, event string, payload any) string {
	c.t.Helper()
	c.ref++
	ref := fmt.Sprint(c.ref)
	if joinRef == "=" {
		joinRef = ref
	}
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	jr := "null"
	if joinRef != "" {
		jr = `"` + joinRef + `"`
	}
	msg := fmt.Sprintf(`[%s,"%s",%q,%q,%s]`, jr, ref, topic, event, p)
	c.sendRaw(msg)
	return ref
}

func (c *wsClient) sendRaw(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame (from the inbox first).
func (c *wsClient) read(timeout time.Duration) (frame, error) {
	if len(c.inbox) > 0 {
		f := c.inbox[0]
		c.inbox = c.inbox[1:]
		return f, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(b, &arr); err != nil || len(arr) != 5 {
		return frame{}, fmt.Errorf("bad frame %s: %v", b, err)
	}
	f := frame{raw: string(b), Payload: arr[4]}
	json.Unmarshal(arr[0], &f.JoinRef)
	json.Unmarshal(arr[1], &f.Ref)
	json.Unmarshal(arr[2], &f.Topic)
	json.Unmarshal(arr[3], &f.Event)
	return f, nil
}

// next waits for the next frame matching pred, keeping the others in the inbox.
func (c *wsClient) next(pred func(frame) bool) frame {
	c.t.Helper()
	var skipped []frame
	defer func() { c.inbox = append(skipped, c.inbox...) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := c.read(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for a frame: %v (skipped %d frames: %v)", err, len(skipped), skipped)
		}
		if pred(f) {
			return f
		}
		skipped = append(skipped, f)
	}
}

// reply waits for the reply to ref.
func (c *wsClient) reply(ref string) frame {
	c.t.Helper()
	return c.next(func(f frame) bool { return f.Event == "phx_reply" && f.Ref != nil && *f.Ref == ref })
}

// event waits for a frame with this event on topic.
func (c *wsClient) event(topic, event string) frame {
	c.t.Helper()
	return c.next(func(f frame) bool { return f.Topic == topic && f.Event == event })
}

// noFrame asserts that no frame arrives within d.
func (c *wsClient) noFrame(d time.Duration) {
	c.t.Helper()
	if len(c.inbox) > 0 {
		c.t.Fatalf("unexpected frame %s", c.inbox[0].raw)
	}
	f, err := c.read(d)
	if err == nil {
		c.t.Fatalf("unexpected frame %s", f.raw)
	}
}

// replyBody is a phx_reply payload.
type replyBody struct {
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response"`
}

func decodeReply(t testing.TB, f frame) replyBody {
	t.Helper()
	var r replyBody
	if err := json.Unmarshal(f.Payload, &r); err != nil {
		t.Fatalf("bad reply %s: %v", f.raw, err)
	}
	return r
}

// liveView is a joined view on a wsClient, with the client model of its tree.
type liveView struct {
	c       *wsClient
	topic   string
	joinRef string
	model   *client.Model
}

// joinPayload builds a join payload for p.
func joinFor(p *page, u string) map[string]any {
	var static any = p.static
	if p.static == "" {
		static = nil
	}
	return map[string]any{
		"url":     u,
		"params":  map[string]any{"_csrf_token": p.csrf, "_mounts": 0},
		"session": p.session,
		"static":  static,
		"sticky":  false,
	}
}

// join joins p's view and expects an ok reply.
func (ts *testServer) join(t testing.TB, c *wsClient, p *page, path string) *liveView {
	t.Helper()
	topic := "lv:" + p.id
	ref := c.send("=", topic, "phx_join", joinFor(p, ts.http.URL+path))
	r := decodeReply(t, c.reply(ref))
	if r.Status != "ok" {
		t.Fatalf("join: %s %s", r.Status, r.Response)
	}
	var resp struct {
		Rendered json.RawMessage `json:"rendered"`
		Version  string          `json:"liveview_version"`
	}
	if err := json.Unmarshal(r.Response, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Version != "1.2.12" {
		t.Errorf("liveview_version = %q", resp.Version)
	}
	m := client.New()
	if err := m.Join(resp.Rendered); err != nil {
		t.Fatalf("join rendered %s: %v", resp.Rendered, err)
	}
	return &liveView{c: c, topic: topic, joinRef: ref, model: m}
}

// push sends an event and returns the ok reply's response, applying any diff.
func (lv *liveView) push(t testing.TB, event string, payload any) json.RawMessage {
	t.Helper()
	ref := lv.c.send(lv.joinRef, lv.topic, event, payload)
	r := decodeReply(t, lv.c.reply(ref))
	if r.Status != "ok" {
		t.Fatalf("%s: reply %s %s", event, r.Status, r.Response)
	}
	var resp struct {
		Diff json.RawMessage `json:"diff"`
	}
	json.Unmarshal(r.Response, &resp)
	if len(resp.Diff) > 0 {
		if err := lv.model.Apply(resp.Diff); err != nil {
			t.Fatalf("apply %s: %v", resp.Diff, err)
		}
	}
	return r.Response
}

// click sends a click event.
func (lv *liveView) click(t testing.TB, name string, values map[string]string) json.RawMessage {
	t.Helper()
	if values == nil {
		values = map[string]string{"value": ""}
	}
	return lv.push(t, "event", map[string]any{"type": "click", "event": name, "value": values})
}

// waitDiff waits for a diff push and applies it.
func (lv *liveView) waitDiff(t testing.TB) json.RawMessage {
	t.Helper()
	f := lv.c.event(lv.topic, "diff")
	if err := lv.model.Apply(f.Payload); err != nil {
		t.Fatalf("apply %s: %v", f.Payload, err)
	}
	return f.Payload
}

// waitHTML waits (applying diff pushes) until the view's HTML contains s.
func (lv *liveView) waitHTML(t testing.TB, s string) {
	t.Helper()
	for !strings.Contains(lv.model.HTML(), s) {
		lv.waitDiff(t)
	}
}

// mustParse compiles a template for tests.
func mustParse(name, text string) *render.Template {
	return render.Must(render.New(name).Parse(text))
}

func mustHTMLTemplate(text string) *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("layout").Parse(text))
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
