package e2e

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/internal/browsertest"
	"github.com/glint-go/glint/live"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testSecret = []byte("js-e2e-test-secret-0123456789abcdef")

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// rig is one headless Chromium tab and a loopback address on which live servers can be
// started and restarted.
type rig struct {
	t    testing.TB
	ctx  context.Context
	addr string
}

func newRig(t testing.TB) *rig {
	ctx := browsertest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &rig{t: t, ctx: ctx, addr: addr}
}

func (r *rig) url(path string) string { return "http://" + r.addr + path }

// start serves the test views on the rig's address; the returned function stops the server
// (it also runs at cleanup).
func (r *rig) start() (stop func()) {
	r.t.Helper()
	return r.startWith(func() *live.Server { return newLive(testSecret) })
}

// startWith serves the server that newServer returns on the rig's address.
func (r *rig) startWith(newServer func() *live.Server) (stop func()) {
	t := r.t
	t.Helper()
	lv := newServer()
	ln := browsertest.Listen(t, r.addr)
	hs := &http.Server{Handler: lv}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := lv.Shutdown(ctx); err != nil {
			t.Errorf("live shutdown: %v", err)
		}
		// Close, not Shutdown: Chromium keeps idle preconnected sockets open.
		if err := hs.Close(); err != nil {
			t.Errorf("http close: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// do runs actions within 30 s, failing the test with the page's HTML.
func (r *rig) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		html, _ := chromedp.Run(r.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		r.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

// until polls a JavaScript condition until it is true.
func (r *rig) until(what, cond string) {
	r.t.Helper()
	r.do(what, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(20*time.Millisecond)))
}

// eval returns a JavaScript expression's value as a string.
func (r *rig) eval(expr string) string {
	r.t.Helper()
	v, err := chromedp.Run(r.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		r.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// serve serves mux, which routes to lv, on a loopback server until the test ends, and
// returns a rig whose tab has loaded the server's root with its view connected.
func serve(t *testing.T, lv *live.Server, mux *http.ServeMux) *rig {
	t.Helper()
	return loadFrom(t, lv, httptest.NewServer(mux))
}

// loadFrom is serve with a started server of the test's own, which routes to lv.
func loadFrom(t *testing.T, lv *live.Server, hs *httptest.Server) *rig {
	t.Helper()
	t.Cleanup(func() {
		lv.Shutdown(context.Background())
		hs.Close()
	})
	r := newRig(t)
	r.do("load", chromedp.Navigate(hs.URL+"/"))
	r.until("connected", `!!document.querySelector("[data-phx-main].phx-connected")`)
	return r
}

// open loads path and waits for the view to be connected.
func (r *rig) open(path string) {
	r.t.Helper()
	r.do("load "+path, chromedp.Navigate(r.url(path)))
	r.until("connected", `!!document.querySelector("[data-phx-main].phx-connected")`)
}

// text is a condition: the element with id shows want.
func text(id, want string) string {
	return `(document.getElementById("` + id + `")||{}).textContent === "` + want + `"`
}
