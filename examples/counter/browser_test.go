package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
)

// These tests drive the counter page in headless Chromium with two clients: the official
// phoenix_live_view 1.2.12 and phoenix 1.8 clients (bundled from node_modules at test time),
// which makes them the compatibility acceptance tests of docs/protocol.md, and Glint's own
// embedded client (package js), which makes them the acceptance tests of the whole stack.
// The browser's WebSocket frames appear in the test log with -v or on failure.

// officialScriptPath is where the tests serve the official client bundle instead of
// Glint's own script (Options.ScriptURL).
const officialScriptPath = "/official-client.js"

// browserClient is a client script the page loads.
type browserClient struct {
	name string
	// script is served at officialScriptPath; nil keeps the runtime's own /live/glint.js.
	script []byte
}

// forEachClient runs f as a subtest for the official client and for Glint's own.
func forEachClient(t *testing.T, f func(t *testing.T, c browserClient)) {
	t.Run("official", func(t *testing.T) {
		f(t, browserClient{name: "official", script: browsertest.Bundle(t, browsertest.OfficialClientEntry)})
	})
	t.Run("glint", func(t *testing.T) { f(t, browserClient{name: "glint"}) })
}

// browserRig is one headless Chromium tab, a client, and a loopback address on which
// counter servers can be started and restarted.
type browserRig struct {
	t      *testing.T
	ctx    context.Context // the first tab
	client browserClient
	addr   string
	began  time.Time
}

func newBrowserRig(t *testing.T, c browserClient) *browserRig {
	ctx := browsertest.New(t)
	// Reserve a free port; servers listen on it in turn.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &browserRig{t: t, ctx: ctx, client: c, addr: addr, began: time.Now()}
}

// url returns the page's URL.
func (r *browserRig) url() string { return "http://" + r.addr + "/" }

// liveServer is one counter server listening on the rig's address.
type liveServer struct {
	http  *http.Server
	done  chan error
	close func()
}

// start serves a counter whose pages start at start, signing with secret.
func (r *browserRig) start(start int, secret []byte) *liveServer {
	t := r.t
	t.Helper()
	cfg := config{
		Secret:      secret,
		Logger:      quietLogger(),
		DrainWindow: time.Millisecond,
		Start:       func() int { return start },
	}
	mux := http.NewServeMux()
	if r.client.script != nil {
		cfg.ScriptURL = officialScriptPath
		mux.HandleFunc("GET "+officialScriptPath, func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(r.client.script)
		})
	}
	lv := newServer(cfg)
	mux.Handle("/", newHandler(lv))

	ln := browsertest.Listen(t, r.addr)
	s := &liveServer{http: &http.Server{Handler: mux}, done: make(chan error, 1)}
	go func() { s.done <- s.http.Serve(ln) }()
	var closed bool
	s.close = func() {
		if closed {
			return
		}
		closed = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := lv.Shutdown(ctx); err != nil {
			t.Errorf("live shutdown: %v", err)
		}
		// Close, not Shutdown: Chromium keeps preconnected sockets that have sent no request,
		// and http.Server.Shutdown waits 5 s for those.
		if err := s.http.Close(); err != nil {
			t.Errorf("http close: %v", err)
		}
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		t.Logf("%6dms server stopped", time.Since(r.began).Milliseconds())
	}
	t.Cleanup(s.close)
	return s
}

// run runs actions on tab within 30 s, failing the test with the page's HTML.
func (r *browserRig) run(tab context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	r.t.Helper()
	defer func() { r.t.Logf("%6dms %s", time.Since(r.began).Milliseconds(), what) }()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		r.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

// waitText waits until the view is connected and the element with this id shows want. It
// keeps polling across page loads (a poll is cut short when the page navigates).
func (r *browserRig) waitText(tab context.Context, what, id string, want int) {
	r.t.Helper()
	defer func() { r.t.Logf("%6dms %s", time.Since(r.began).Milliseconds(), what) }()
	cond := fmt.Sprintf(`!!document.querySelector("[data-phx-main].phx-connected") && document.getElementById(%q).textContent === "%d"`, id, want)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(tab, deadline)
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			r.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
		}
		time.Sleep(50 * time.Millisecond) // the page navigated: poll the new one
	}
}

func (r *browserRig) click(tab context.Context, event string) {
	r.t.Helper()
	r.run(tab, "click "+event, chromedp.Click(chromedp.CSS(`button[phx-click="`+event+`"]`)))
}

func (r *browserRig) eval(tab context.Context, expr string) string {
	r.t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
	if err != nil {
		r.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// TestBrowserClickAndRestart: connect, click +, see #count change, restart the server on the same
// address and see the page rejoin without a reload.
func TestBrowserClickAndRestart(t *testing.T) { forEachClient(t, testClickAndRestart) }

func testClickAndRestart(t *testing.T, c browserClient) {
	r := newBrowserRig(t, c)
	const start = 41
	first := r.start(start, testSecret)

	// 1) connect
	r.run(r.ctx, "load the page", chromedp.Navigate(r.url()))
	r.waitText(r.ctx, "first join", "count", start)
	if c.script != nil {
		if v := r.eval(r.ctx, `window.liveSocket.version()`); v != "1.2.12" {
			t.Fatalf("official client version %q, want 1.2.12", v)
		}
	}
	if title := r.eval(r.ctx, `document.title`); title != "Counter" {
		t.Errorf("document.title = %q, want Counter", title)
	}

	// 2) click + and 3) see #count change. The client drops a click on an element still
	// awaiting the ack of its previous event (it carries data-phx-ref-src), so each click
	// waits for its render.
	r.click(r.ctx, "inc")
	r.waitText(r.ctx, "#count after +", "count", start+1)
	r.click(r.ctx, "dec")
	r.waitText(r.ctx, "#count after -", "count", start)
	r.click(r.ctx, "dec")
	r.waitText(r.ctx, "#count after - -", "count", start-1)

	// 4) restart the server on the same address; the page must rejoin, not reload.
	r.run(r.ctx, "set the marker", chromedp.Evaluate[chromedp.Void](`window.__marker = "before-restart"`))
	first.close()
	// Stay down for a moment, so the client's reconnects meet a refused connection first.
	time.Sleep(300 * time.Millisecond)
	r.start(start, testSecret)
	// The new server remounts the view from its session: the count starts over.
	r.waitText(r.ctx, "rejoin after the restart", "count", start)
	if m := r.eval(r.ctx, `String(window.__marker)`); m != "before-restart" {
		t.Fatalf("window.__marker = %q after the restart: the page reloaded instead of rejoining", m)
	}
	r.click(r.ctx, "inc")
	r.waitText(r.ctx, "#count after + on the new server", "count", start+1)
}

// TestBrowserSharedCounter: a click in one tab reaches the other tab as a server
// push (a "diff" frame, not a reply).
func TestBrowserSharedCounter(t *testing.T) { forEachClient(t, testSharedCounter) }

func testSharedCounter(t *testing.T, c browserClient) {
	r := newBrowserRig(t, c)
	r.start(7, testSecret)
	other := browsertest.NewTab(t, r.ctx) // a second tab of the same browser
	for _, tab := range []context.Context{r.ctx, other} {
		r.run(tab, "load a tab", chromedp.Navigate(r.url()))
		r.waitText(tab, "join", "shared", 0)
	}
	steps := []struct {
		tab   context.Context
		event string
		want  int
	}{
		{r.ctx, "inc_shared", 1},
		{other, "dec_shared", 0},
		{other, "inc_shared", 1},
		{r.ctx, "inc_shared", 2},
	}
	for _, st := range steps {
		r.click(st.tab, st.event)
		// The clicking tab gets the value in its reply, the other one in a pushed diff.
		r.waitText(r.ctx, "#shared in the first tab", "shared", st.want)
		r.waitText(other, "#shared in the second tab", "shared", st.want)
	}
	// The private counters did not move.
	r.waitText(r.ctx, "private count untouched", "count", 7)
	r.waitText(other, "private count untouched", "count", 7)
}

// TestBrowserStaleSession: a server restarted with another secret answers the rejoin
// with "stale", and the client reloads the page (docs/protocol.md, Join errors), which
// then works.
func TestBrowserStaleSession(t *testing.T) { forEachClient(t, testStaleSession) }

func testStaleSession(t *testing.T, c browserClient) {
	r := newBrowserRig(t, c)
	first := r.start(3, testSecret)
	r.run(r.ctx, "load the page", chromedp.Navigate(r.url()))
	r.waitText(r.ctx, "first join", "count", 3)
	r.run(r.ctx, "set the marker", chromedp.Evaluate[chromedp.Void](`window.__marker = "old page"`))
	first.close()
	r.start(9, []byte("another secret, so old tokens are stale!"))
	// The reloaded page gets a fresh session from the new server (its pages start at 9).
	r.waitText(r.ctx, "reload after a stale join", "count", 9)
	if m := r.eval(r.ctx, `String(window.__marker)`); m != "undefined" {
		t.Fatalf("window.__marker = %q: the page was not reloaded after the stale join", m)
	}
	r.click(r.ctx, "inc")
	r.waitText(r.ctx, "#count after + on the reloaded page", "count", 10)
}
