package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
)

// officialScriptPath is where the test serves the official client bundle instead of
// Glint's own script.
const officialScriptPath = "/official-client.js"

// liveServer is one counter server listening on a fixed address, so that a restart keeps the
// address the browser reconnects to.
type liveServer struct {
	http  *http.Server
	done  chan error
	close func()
}

func startServer(t *testing.T, addr string, script []byte, start int) *liveServer {
	t.Helper()
	lv := newServer(config{
		Secret:      testSecret,
		Logger:      quietLogger(),
		ScriptURL:   officialScriptPath,
		DrainWindow: time.Millisecond,
		Start:       func() int { return start },
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+officialScriptPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(script)
	})
	mux.Handle("/", lv)

	var ln net.Listener
	var err error
	// The old server's port can take a moment to be free again.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
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
	}
	t.Cleanup(s.close)
	return s
}

// TestOfficialClient drives the counter page with the official phoenix_live_view 1.2.12 and
// phoenix 1.8 clients in headless Chromium: connect, click +, see #count change, restart the
// server on the same address and see the page rejoin without a reload.
func TestOfficialClient(t *testing.T) {
	ctx := browsertest.New(t)
	script := browsertest.Bundle(t, browsertest.OfficialClientEntry)

	// Reserve a free port, then serve on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	const start = 41
	first := startServer(t, addr, script, start)

	began := time.Now()
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		defer func() { t.Logf("%6dms %s", time.Since(began).Milliseconds(), what) }()
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(tctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			t.Fatalf("%s: %v\npage:\n%s", what, err, html)
		}
	}
	// waitCount waits until the view is connected and #count shows want.
	waitCount := func(what string, want int) {
		t.Helper()
		run(what, chromedp.Poll[chromedp.Void](fmt.Sprintf(
			`!!document.querySelector("[data-phx-main].phx-connected") && document.getElementById("count").textContent === %q`,
			strconv.Itoa(want)), chromedp.WithPollingInterval(50*time.Millisecond)))
	}

	// 1) connect
	run("load the page", chromedp.Navigate("http://"+addr+"/"))
	waitCount("first join", start)
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.liveSocket.version()`))
	if err != nil || version != "1.2.12" {
		t.Fatalf("official client version %q (%v), want 1.2.12", version, err)
	}

	// 2) click + and 3) see #count change
	run("click +", chromedp.Click(chromedp.CSS(`button[phx-click="inc"]`)))
	waitCount("#count after +", start+1)
	// The client drops a click on an element still awaiting the ack of its previous event
	// (it carries data-phx-ref-src), so each click waits for its render.
	run("click -", chromedp.Click(chromedp.CSS(`button[phx-click="dec"]`)))
	waitCount("#count after -", start)
	run("click - again", chromedp.Click(chromedp.CSS(`button[phx-click="dec"]`)))
	waitCount("#count after - -", start-1)

	// 4) restart the server on the same address; the page must rejoin, not reload.
	run("set the marker", chromedp.Evaluate[chromedp.Void](`window.__marker = "before-restart"`))
	first.close()
	t.Logf("%6dms first server closed", time.Since(began).Milliseconds())
	// Stay down for a moment, so the client's reconnects meet a refused connection first.
	time.Sleep(300 * time.Millisecond)
	startServer(t, addr, script, start)
	t.Logf("%6dms second server listening", time.Since(began).Milliseconds())
	// The new server remounts the view from its session: the count starts over.
	waitCount("rejoin after the restart", start)
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.__marker)`))
	if err != nil || marker != "before-restart" {
		t.Fatalf("window.__marker = %q (%v) after the restart: the page reloaded instead of rejoining", marker, err)
	}
	run("click + after the restart", chromedp.Click(chromedp.CSS(`button[phx-click="inc"]`)))
	waitCount("#count after + on the new server", start+1)
}
