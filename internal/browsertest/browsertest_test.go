package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/glint-go/glint/internal/testenv"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRequireChromiumMissing(t *testing.T) {
	tests := []struct {
		ci, want string
	}{
		{"true", "fatal"},
		{"", "skip"},
		{"false", "skip"},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv(EnvChromium, "/nonexistent/chromium")
			t.Setenv("CI", tt.ci)
			kind, msg := testenv.Outcome(t, func(tb testing.TB) { RequireChromium(tb) })
			if kind != tt.want {
				t.Fatalf("RequireChromium with CI=%q: got %q (%q), want %q", tt.ci, kind, msg, tt.want)
			}
			if !strings.Contains(msg, "Chromium not found") {
				t.Errorf("message %q does not explain the problem", msg)
			}
		})
	}
}

func TestBundleOfficialClient(t *testing.T) {
	js := string(Bundle(t, OfficialClientEntry))
	for _, want := range []string{"phx_join", "window.liveSocket", "1.2.12"} {
		if !strings.Contains(js, want) {
			t.Errorf("bundle of the official client lacks %q (%d bytes)", want, len(js))
		}
	}
}

func TestBundleError(t *testing.T) {
	kind, msg := testenv.Outcome(t, func(tb testing.TB) { Bundle(tb, `import {x} from "no-such-package-glint"`) })
	if kind != "fatal" || !strings.Contains(msg, "no-such-package-glint") {
		t.Fatalf("Bundle with a bad import: got %q %q, want a fatal naming the import", kind, msg)
	}
}

func TestNewRunsScript(t *testing.T) {
	ctx := New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/app.js" {
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(Bundle(t, `console.log("booted", 42); document.getElementById("out").textContent = "ran " + (1 + 1)`))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!DOCTYPE html><html><body><p id="out">waiting</p><script src="/app.js"></script></body></html>`)
	}))
	defer srv.Close()

	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(tctx, chromedp.Poll[string](`document.getElementById("out").textContent === "ran 2" && "ran 2"`))
	if err != nil {
		html, _ := chromedp.Run(tctx, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("script did not run: %v\npage: %s", err, html)
	}
	if got != "ran 2" {
		t.Fatalf("got %q, want %q", got, "ran 2")
	}
}

func TestNewTab(t *testing.T) {
	ctx := New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><title>%s</title>`, r.URL.Query().Get("name"))
	}))
	defer srv.Close()
	tab := NewTab(t, ctx)
	for _, c := range []struct {
		ctx  context.Context
		name string
	}{{ctx, "first"}, {tab, "second"}} {
		tctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
		err := chromedp.Do(tctx, chromedp.Navigate(srv.URL+"/?name="+c.name))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{{ctx, "first"}, {tab, "second"}} {
		title, err := chromedp.Run(c.ctx, chromedp.Title())
		if err != nil || title != c.want {
			t.Errorf("tab title %q (%v), want %q: the tabs are not independent", title, err, c.want)
		}
	}
}

func TestListenWaitsForABusyPort(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := held.Addr().String()
	go func() {
		time.Sleep(200 * time.Millisecond)
		held.Close()
	}()
	ln := Listen(t, addr)
	defer ln.Close()
	if ln.Addr().String() != addr {
		t.Fatalf("listening on %s, want %s", ln.Addr(), addr)
	}
}
