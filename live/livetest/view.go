package livetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/diff/client"
)

// maxFrameBytes bounds a frame the View reads from the server.
const maxFrameBytes = 16 << 20

// heartbeatEvery is how often a View sends the Phoenix heartbeat, as the browser client does.
const heartbeatEvery = 30 * time.Second

// JoinError is a join the server answered with an error reply, such as {"reason":"stale"}
// for a tampered or expired session, or a redirect asked for by the connected Mount.
type JoinError struct {
	// Reason is the response's "reason", or "" when it has none.
	Reason string
	// Redirect is the response's "redirect" or "live_redirect", or nil.
	Redirect *Redirect
	// Response is the whole error response.
	Response json.RawMessage
}

// Error implements error.
func (e *JoinError) Error() string {
	switch {
	case e.Reason != "":
		return "livetest: join refused: " + e.Reason
	case e.Redirect != nil:
		return "livetest: join answered with a " + e.Redirect.Kind + " to " + e.Redirect.To
	}
	return "livetest: join refused: " + string(e.Response)
}

// newJoinError decodes an error reply to a join (docs/protocol.md, Join errors).
func newJoinError(resp json.RawMessage) *JoinError {
	var r struct {
		Reason       string                            `json:"reason"`
		Redirect     *struct{ To, Flash string }       `json:"redirect"`
		LiveRedirect *struct{ To, Kind, Flash string } `json:"live_redirect"`
	}
	json.Unmarshal(resp, &r)
	e := &JoinError{Reason: r.Reason, Response: resp}
	switch {
	case r.Redirect != nil:
		e.Redirect = &Redirect{Kind: "redirect", To: r.Redirect.To, Flash: r.Redirect.Flash}
	case r.LiveRedirect != nil:
		e.Redirect = &Redirect{Kind: "live_redirect", To: r.LiveRedirect.To, Replace: r.LiveRedirect.Kind == "replace", Flash: r.LiveRedirect.Flash}
	}
	return e
}

// Redirect is a navigation the server asked for, by a push or in a reply.
type Redirect struct {
	// Kind is "redirect" (a full page load) or "live_redirect" (live navigation).
	Kind string
	// To is the target path or URL.
	To string
	// Replace is true for a live_redirect of kind "replace".
	Replace bool
	// Flash is the opaque flash token, or "".
	Flash string
}

// View is a connected live view driven over a real WebSocket. Its methods must be called
// from the test's goroutine (or one goroutine at a time); they fail the test with t.Fatalf
// on any protocol error, showing the view's HTML.
type View struct {
	t     testing.TB
	cfg   config
	page  *Page
	topic string
	conn  *websocket.Conn

	cancel context.CancelFunc
	done   chan struct{} // closed when the read loop ends
	hbDone chan struct{} // closed when the heartbeat loop ends
	closer sync.Once

	traceMu  sync.Mutex
	traceOff bool
	recent   []string // the last frames sent (→) and received (←)

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every state change
	nextRef     int
	joinRef     string
	pending     map[string]chan reply
	model       *client.Model
	html        string
	title       string
	renders     int // joins and diffs merged so far
	seen        int // renders the test has already observed
	url         *url.URL
	redirect    *Redirect
	events      []client.Event
	closed      bool   // the server sent phx_close: the view ended normally
	expectCrash bool   // inside ExpectCrash
	errored     bool   // the server sent phx_error: the view crashed
	connErr     error  // the socket is gone
	protoErr    error  // a message broke the protocol; reported by the next method call
	dropped     int    // frames dropped for a stale join_ref
	destroyed   []int  // cids confirmed by cids_destroyed
	referer     string // the URL before the last live navigation, or ""

	uploads     map[string][]*selectedFile // files selected in upload inputs, by upload ref
	nextFileRef int                        // the next file's ref, as the browser numbers them
	uploadEnded map[string]bool            // upload channels the server closed, by topic
}

// Open loads path from an httptest server around h and joins its live view, as a browser
// does. The view and the server are closed by t.Cleanup.
func Open(t testing.TB, h http.Handler, path string, opts ...Option) *View {
	t.Helper()
	return Load(t, h, path, opts...).MustJoin()
}

// OpenURL loads an absolute http URL of a running server and joins its live view.
func OpenURL(t testing.TB, rawURL string, opts ...Option) *View {
	t.Helper()
	return LoadURL(t, rawURL, opts...).MustJoin()
}

// MustJoin is Join that fails the test on any error.
func (p *Page) MustJoin() *View {
	p.t.Helper()
	v, err := p.Join()
	if err != nil {
		p.t.Fatalf("livetest: joining %s: %v\ndisconnected render:\n%s", p.URL, err, p.content)
	}
	return v
}

// Join connects a WebSocket to the page's server (/live/websocket, with the page's cookies and
// CSRF token) and joins the page's container with the join payload (docs/protocol.md, Join
// payload) built from p's fields. A join refused by the server returns a *JoinError; a failing
// connection returns its error. The View is closed by t.Cleanup; it is also closed when Join
// fails.
func (p *Page) Join() (*View, error) {
	p.t.Helper()
	v := &View{
		t:       p.t,
		cfg:     p.cfg,
		page:    p,
		topic:   "lv:" + p.ID,
		pending: map[string]chan reply{},
		changed: make(chan struct{}),
		model:   client.New(),
		html:    p.content,
		title:   p.Title,
		url:     p.URL,
		done:    make(chan struct{}),
		hbDone:  make(chan struct{}),
	}
	if err := v.dial(); err != nil {
		return nil, err
	}
	p.t.Cleanup(v.Close)
	if err := v.join(0); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

func (v *View) dial() error {
	q := url.Values{}
	q.Set("_csrf_token", v.page.CSRFToken)
	q.Set("_mounts", "0")
	q.Set("_mount_attempts", "0")
	q.Set("_live_referer", "undefined")
	wsURL := *v.page.URL
	wsURL.Scheme = map[string]string{"http": "ws", "https": "wss"}[wsURL.Scheme]
	wsURL.Path = "/live/websocket"
	// vsn comes last, as the official client writes it.
	wsURL.RawQuery = q.Encode() + "&vsn=2.0.0"
	wsURL.Fragment = ""

	h := v.cfg.header.Clone()
	if h.Get("Origin") == "" {
		h.Set("Origin", v.page.URL.Scheme+"://"+v.page.URL.Host)
	}
	// Like a browser, send the cookies the test gave the page (a Header option) together
	// with those the page response set, the latter winning on a name clash.
	cookies := (&http.Request{Header: http.Header{"Cookie": v.cfg.header.Values("Cookie")}}).Cookies()
	for _, c := range v.page.Cookies {
		cookies = slices.DeleteFunc(cookies, func(o *http.Cookie) bool { return o.Name == c.Name })
		cookies = append(cookies, c)
	}
	if len(cookies) > 0 {
		parts := make([]string, len(cookies))
		for i, c := range cookies {
			parts[i] = (&http.Cookie{Name: c.Name, Value: c.Value}).String()
		}
		h.Set("Cookie", strings.Join(parts, "; "))
	}
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.timeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, wsURL.String(), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("livetest: WebSocket upgrade %s: status %d: %w", wsURL.Redacted(), resp.StatusCode, err)
		}
		return fmt.Errorf("livetest: WebSocket upgrade %s: %w", wsURL.Redacted(), err)
	}
	conn.SetReadLimit(maxFrameBytes)
	v.conn = conn
	rctx, rcancel := context.WithCancel(context.Background())
	v.cancel = rcancel
	go v.readLoop(rctx)
	go v.heartbeat(rctx)
	return nil
}

// join sends phx_join and waits for its reply; mounts is the payload's _mounts.
func (v *View) join(mounts int) error {
	params := map[string]any{
		"_csrf_token":     v.page.CSRFToken,
		"_mounts":         mounts,
		"_mount_attempts": 0,
	}
	payload := map[string]any{
		"params":  params,
		"session": v.page.Session,
		"static":  nullable(v.page.Static),
		"sticky":  false,
	}
	v.mu.Lock()
	if v.page.nested {
		// A nested view's join carries no URL, as the browser clients send it.
		payload["sticky"] = v.page.sticky
	} else if v.referer != "" {
		// After live navigation the client joins with "redirect" instead of "url", on that
		// join and every later rejoin (docs/protocol.md, Join payload).
		payload["redirect"] = v.url.String()
		params["_live_referer"] = v.referer
	} else {
		payload["url"] = v.url.String()
	}
	v.mu.Unlock()
	b, _ := json.Marshal(payload)

	v.mu.Lock()
	ref := v.newRefLocked()
	v.joinRef = ref
	v.closed, v.errored, v.redirect = false, false, nil
	ch := make(chan reply, 1)
	v.pending[ref] = ch
	v.mu.Unlock()

	if err := v.write(frame{JoinRef: str(ref), Ref: str(ref), Topic: v.topic, Event: "phx_join", Payload: b}); err != nil {
		return err
	}
	r, err := v.await(ref, ch)
	if err != nil {
		return err
	}
	if r.crashed {
		return fmt.Errorf("livetest: the view crashed while joining (phx_error)")
	}
	if r.Status != "ok" {
		return newJoinError(r.Response)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.protoErr != nil {
		return v.protoErr
	}
	v.seen = max(v.seen, r.renders)
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (v *View) newRefLocked() string {
	v.nextRef++
	return strconv.Itoa(v.nextRef)
}

func (v *View) write(f frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("livetest: encoding %s: %w", f.Event, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), v.cfg.timeout)
	defer cancel()
	v.tracef("→ %s", b)
	if err := v.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("livetest: sending %s: %w", b, err)
	}
	return nil
}

// await waits for the reply to ref, which the read loop has already applied.
func (v *View) await(ref string, ch chan reply) (reply, error) {
	timer := time.NewTimer(v.cfg.timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r, nil
	case <-v.done:
		v.mu.Lock()
		defer v.mu.Unlock()
		delete(v.pending, ref)
		return reply{}, fmt.Errorf("livetest: socket closed while waiting for the reply to ref %s: %v", ref, v.connErr)
	case <-timer.C:
		v.mu.Lock()
		defer v.mu.Unlock()
		delete(v.pending, ref)
		return reply{}, fmt.Errorf("livetest: no reply to ref %s within %v", ref, v.cfg.timeout)
	}
}

// heartbeat sends the Phoenix heartbeat periodically so long tests keep their socket.
func (v *View) heartbeat(ctx context.Context) {
	defer close(v.hbDone)
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			v.mu.Lock()
			ref := v.newRefLocked()
			v.mu.Unlock()
			if v.write(frame{Ref: str(ref), Topic: "phoenix", Event: "heartbeat"}) != nil {
				return
			}
		}
	}
}

// recentFrames is how many frames failure messages show.
const recentFrames = 12

// maxShownFrame truncates each frame shown in a failure message.
const maxShownFrame = 400

// tracef records a frame for failure messages and logs it when tracing, until the View is
// closed.
func (v *View) tracef(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	v.traceMu.Lock()
	defer v.traceMu.Unlock()
	shown := line
	if len(shown) > maxShownFrame {
		shown = shown[:maxShownFrame] + "…"
	}
	if len(v.recent) == recentFrames {
		copy(v.recent, v.recent[1:])
		v.recent = v.recent[:recentFrames-1]
	}
	v.recent = append(v.recent, shown)
	if v.cfg.trace && !v.traceOff {
		v.t.Logf("%s", line)
	}
}

// Close leaves the socket. It is idempotent and registered with t.Cleanup by Join.
func (v *View) Close() {
	v.closer.Do(func() {
		v.conn.Close(websocket.StatusNormalClosure, "")
		v.cancel()
		<-v.done
		<-v.hbDone
		v.traceMu.Lock()
		v.traceOff = true
		v.traceMu.Unlock()
	})
}

// notifyLocked wakes everything waiting for a state change.
func (v *View) notifyLocked() {
	close(v.changed)
	v.changed = make(chan struct{})
}

// check fails the test if the read loop recorded a protocol error.
func (v *View) check() {
	v.t.Helper()
	v.mu.Lock()
	err := v.protoErr
	v.mu.Unlock()
	if err != nil {
		v.fatalf("%v", err)
	}
}

// fatalf fails the test, showing the view's HTML.
func (v *View) fatalf(format string, args ...any) {
	v.t.Helper()
	v.mu.Lock()
	html := v.html
	v.mu.Unlock()
	v.traceMu.Lock()
	frames := strings.Join(v.recent, "\n")
	v.traceMu.Unlock()
	v.t.Fatalf("livetest: "+format+"\nview %s HTML:\n%s\nlast frames:\n%s", append(args, v.topic, html, frames)...)
}

var errClosedByServer = errors.New("livetest: the server closed the view (phx_close)")
