package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wireView is a bare protocol client that joins a /drops view and records every frame the
// server sends, with its size on the wire and arrival time. Unlike livetest it exposes the
// raw bytes, which the size and latency measurements need.
type wireView struct {
	conn  *websocket.Conn
	topic string

	mu     sync.Mutex
	frames []wireFrame
	notify chan struct{}
	done   chan struct{}
	err    error
}

// wireFrame is one server frame: its JSON text, its size on the wire (text plus the
// WebSocket frame header) and when it arrived.
type wireFrame struct {
	at       time.Time
	event    string
	text     string
	wireSize int
}

var (
	containerRe = regexp.MustCompile(`<div id="([^"]+)" data-phx-main data-phx-session="([^"]+)" data-phx-static="([^"]*)"`)
	csrfRe      = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
)

// wsHeaderSize is the size of an unmasked (server to client) WebSocket frame header.
func wsHeaderSize(n int) int {
	switch {
	case n < 126:
		return 2
	case n < 1<<16:
		return 4
	default:
		return 10
	}
}

// dialWire loads base+"/drops" and joins its view over a new WebSocket.
func dialWire(ctx context.Context, base string) (*wireView, error) {
	return dialWireTo(ctx, base, "")
}

// dialWireTo is dialWire; a non-empty redirect makes the join a live navigation to that
// URL (the "redirect" join field) with the /drops session.
func dialWireTo(ctx context.Context, base, redirect string) (*wireView, error) {
	jar, _ := cookiejar.New(nil)
	return dialWirePage(ctx, base, "/drops", jar, redirect)
}

// dialWirePage loads base+path with the cookies of jar (a browser: tabs of one browser
// share it) and joins its view over a new WebSocket.
func dialWirePage(ctx context.Context, base, path string, jar http.CookieJar, redirect string) (*wireView, error) {
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := client.Get(base + path)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	m := containerRe.FindStringSubmatch(string(body))
	c := csrfRe.FindStringSubmatch(string(body))
	if m == nil || c == nil {
		return nil, fmt.Errorf("no live container in the page:\n%s", body)
	}
	u, _ := url.Parse(base)
	wsURL := "ws://" + u.Host + "/live/websocket?_csrf_token=" + url.QueryEscape(c[1]) + "&vsn=2.0.0"
	hdr := http.Header{}
	for _, ck := range jar.Cookies(u) {
		hdr.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: hdr, HTTPClient: client})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 22)
	w := &wireView{conn: conn, topic: "lv:" + m[1], notify: make(chan struct{}, 1), done: make(chan struct{})}
	var static any = m[3]
	if m[3] == "" {
		static = nil
	}
	payload := map[string]any{
		"url": base + path, "params": map[string]any{"_csrf_token": c[1], "_mounts": 0},
		"session": m[2], "static": static, "sticky": false,
	}
	if redirect != "" {
		delete(payload, "url")
		payload["redirect"] = redirect
	}
	join, _ := json.Marshal([]any{"1", "1", w.topic, "phx_join", payload})
	if err := conn.Write(ctx, websocket.MessageText, join); err != nil {
		conn.CloseNow()
		return nil, err
	}
	go w.read()
	if _, err := w.waitFrame(ctx, func(f wireFrame) bool { return f.event == "phx_reply" }); err != nil {
		w.close()
		return nil, fmt.Errorf("join: %w", err)
	}
	return w, nil
}

func (w *wireView) read() {
	defer close(w.done)
	for {
		_, data, err := w.conn.Read(context.Background())
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			w.signal()
			return
		}
		var frame [5]json.RawMessage
		var event string
		if json.Unmarshal(data, &frame) == nil {
			_ = json.Unmarshal(frame[3], &event)
		}
		w.mu.Lock()
		w.frames = append(w.frames, wireFrame{at: time.Now(), event: event, text: string(data), wireSize: len(data) + wsHeaderSize(len(data))})
		w.mu.Unlock()
		w.signal()
	}
}

func (w *wireView) signal() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// waitFrame waits for a frame matching ok and returns its index.
func (w *wireView) waitFrame(ctx context.Context, ok func(wireFrame) bool) (int, error) {
	seen := 0
	for {
		w.mu.Lock()
		for ; seen < len(w.frames); seen++ {
			if ok(w.frames[seen]) {
				w.mu.Unlock()
				return seen, nil
			}
		}
		err := w.err
		w.mu.Unlock()
		if err != nil {
			return 0, err
		}
		select {
		case <-w.notify:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// snapshot returns a copy of the frames received so far.
func (w *wireView) snapshot() []wireFrame {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]wireFrame(nil), w.frames...)
}

func (w *wireView) close() {
	w.conn.Close(websocket.StatusNormalClosure, "")
	<-w.done
}

// lastDiffs returns the diff pushes among frames.
func diffs(frames []wireFrame) []wireFrame {
	var out []wireFrame
	for _, f := range frames {
		if f.event == "diff" {
			out = append(out, f)
		}
	}
	return out
}

func TestWireOneLevelChangeSendsOnlyThatButton(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a := newApp(t, t.TempDir()+"/seed.db", true)
	srv := newServer(t, a)
	for _, id := range []int64{1, 2} {
		if err := a.Inventory.Release(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	w, err := dialWire(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	// Pick an in-stock item and sell it to its next level down.
	var itemID int64
	var count int
	for _, p := range a.Inventory.Products() {
		for _, it := range p.Items {
			if it.AvailableCount > 0 && itemID == 0 {
				itemID, count = it.ID, it.AvailableCount
			}
		}
	}
	target := map[bool]int{true: 149, false: 0}[count >= 150]
	if _, err := a.Inventory.Sell(ctx, itemID, count-target); err != nil {
		t.Fatal(err)
	}
	i, err := w.waitFrame(ctx, func(f wireFrame) bool { return f.event == "diff" })
	if err != nil {
		t.Fatal(err)
	}
	f := w.snapshot()[i]
	t.Logf("level change of item %d (%d → %d): %d bytes on the wire: %s", itemID, count, target, f.wireSize, f.text)
	if f.wireSize > 150 {
		t.Errorf("one level change took %d bytes, goal ≤ 150", f.wireSize)
	}
	// Only the level (and disabled) of one button travel: no statics, no sizes.
	for _, unwanted := range []string{`"s"`, "size-container__entry", `"6.5"`, "coming soon"} {
		if strings.Contains(f.text, unwanted) {
			t.Errorf("diff carries %s: %s", unwanted, f.text)
		}
	}

	// Releasing sends only the new listing's subtree: the other listing's text never travels.
	a2 := newApp(t, t.TempDir()+"/seed2.db", true)
	srv2 := newServer(t, a2)
	w2, err := dialWire(ctx, srv2)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.close()
	if err := a2.Inventory.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	i, err = w2.waitFrame(ctx, func(f wireFrame) bool { return f.event == "diff" })
	if err != nil {
		t.Fatal(err)
	}
	f = w2.snapshot()[i]
	t.Logf("release of product 2: %d bytes: %s", f.wireSize, f.text)
	for _, unwanted := range []string{"Hop Man", "hopman", "Breezy", "SHU6"} {
		if strings.Contains(f.text, unwanted) {
			t.Errorf("release diff carries %q: %s", unwanted, f.text)
		}
	}
	if !strings.Contains(f.text, "size-container") || strings.Count(f.text, `"kc":13`) != 1 {
		t.Errorf("release diff lacks the new size list: %s", f.text)
	}
}

// A /drops session cannot live-navigate into /admin: that page is another session group,
// reachable only through the basic-auth-guarded GET.
func TestWireNoNavigationIntoAdmin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	base := newServer(t, fixtureApp(t))
	tests := []struct {
		to string
		ok bool
	}{
		{base + "/drops", true}, // same group: allowed
		{base + "/admin", false},
	}
	for _, tt := range tests {
		w, err := dialWireTo(ctx, base, tt.to)
		if err != nil {
			t.Fatal(err)
		}
		reply := w.snapshot()[0].text
		w.close()
		if ok := strings.Contains(reply, `"status":"ok"`); ok != tt.ok || strings.Contains(reply, "reducer") {
			t.Errorf("navigate to %s: ok=%v, want %v: %s", tt.to, ok, tt.ok, reply)
		}
	}
}
