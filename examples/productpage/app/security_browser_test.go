package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/internal/browsertest"
)

// jsRecordViolations, run before any page script, keeps every Content-Security-Policy
// violation the page reports in window.__csp.
const jsRecordViolations = `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.effectiveDirective + " " + e.blockedURI));`

// framedServer is the app on a loopback port, with two test pages outside the app (so
// without its headers): /test/frame, a page framing /drops at the URL of its src
// parameter, and the official client's bundle when one is given. It counts live socket
// upgrades: a framed page that connects is one that loaded and ran.
type framedServer struct {
	*liveServer
	upgrades atomic.Int64
}

func startFramed(t *testing.T, bundle []byte) *framedServer {
	t.Helper()
	a := openApp(t, filepath.Join(t.TempDir(), "sec.db"), true, bundle)
	s := &framedServer{}
	mux := http.NewServeMux()
	if bundle != nil {
		serveOfficial(mux, bundle)
	}
	mux.HandleFunc("GET /test/frame", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><title>framer</title><iframe id="f" src="%s" width="800" height="600" onload="window.__loaded = true"></iframe>`,
			html.EscapeString(r.URL.Query().Get("src")))
	})
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/live/websocket" {
			s.upgrades.Add(1)
		}
		a.ServeHTTP(w, r)
	}))
	s.liveServer = serveApp(t, a, mux, "127.0.0.1:0")
	return s
}

// newRecordingTab opens a tab that records CSP violations on every page it loads.
func newRecordingTab(t *testing.T, browser context.Context, auth bool) context.Context {
	t.Helper()
	ctx := browsertest.NewTab(t, browser)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: jsRecordViolations}); err != nil {
		t.Fatal(err)
	}
	if auth {
		header := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin.User+":"+testPassword))
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": header}}); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

// noViolations fails the test when the page reported a CSP violation.
func noViolations(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		t.Fatalf("%s: reading the violations: %v", where, err)
	}
	if len(got) > 0 {
		t.Fatalf("%s: the Content-Security-Policy blocked %q", where, got)
	}
}

// TestBrowserSecurity runs the shop's pages under their Content-Security-Policy in
// headless Chromium, with Glint's client and with the official phoenix_live_view client:
// the pages connect and work with no violation, the policy is enforced (an injected inline
// script is blocked), and another site cannot frame the shop while the shop itself can.
func TestBrowserSecurity(t *testing.T) {
	browser := browsertest.New(t)
	for _, c := range []struct {
		name   string
		bundle []byte
	}{
		{"glint", nil},
		{"official", browsertest.Bundle(t, browsertest.OfficialClientEntry)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startFramed(t, c.bundle)
			adminPost(t, s.url(), "/admin/api/products/1/release")

			// The shopper's pages: add to cart live, go to checkout.
			shopper := newRecordingTab(t, browser, false)
			navigate(t, shopper, s.url()+"/drops")
			waitJS(t, shopper, "the live view to connect", jsConnected)
			click(t, shopper, fmt.Sprintf(sizeSel, 1))
			waitJS(t, shopper, "the cart", jsCart(1, 100))
			noViolations(t, shopper, "/drops")
			navigate(t, shopper, s.url()+"/checkout")
			waitJS(t, shopper, "the checkout to connect", jsConnected)
			waitJS(t, shopper, "the cart on the checkout", jsCartHas(1))
			noViolations(t, shopper, "/checkout")

			// The admin page: an event over the socket changes the stock live.
			adm := newRecordingTab(t, browser, true)
			navigate(t, adm, s.url()+"/admin")
			waitJS(t, adm, "the admin view to connect", jsConnected)
			click(t, adm, "#sell-2")
			waitJS(t, adm, "the sale", `document.querySelector("#count-2").textContent.trim() === "1"`)
			noViolations(t, adm, "/admin")

			// The policy is enforced: an inline script injected into the page does not run.
			ran, err := chromedp.Run(shopper, chromedp.Evaluate[bool](`(() => { const s = document.createElement("script");
				s.textContent = "window.__inlineRan = true"; document.body.append(s); return window.__inlineRan === true })()`))
			if err != nil {
				t.Fatal(err)
			}
			if ran {
				t.Fatal("an injected inline script ran under the policy")
			}
			waitJS(t, shopper, "the violation report", `window.__csp.some(v => v.startsWith("script-src"))`)

			// Framing. Another site (localhost is another origin than 127.0.0.1) gets no
			// page: the frame loads, but the shop's document never runs, so never connects.
			port := s.addr[strings.LastIndexByte(s.addr, ':'):]
			before := s.upgrades.Load()
			framer := newRecordingTab(t, browser, false)
			navigate(t, framer, "http://localhost"+port+"/test/frame?src="+s.url()+"/drops")
			waitJS(t, framer, "the foreign frame's load event", `window.__loaded === true`)
			time.Sleep(2 * time.Second)
			if n := s.upgrades.Load() - before; n != 0 {
				t.Fatalf("a page framed by another site connected %d live sockets", n)
			}
			// The shop's own page may frame it: the framed page connects.
			navigate(t, framer, s.url()+"/test/frame?src=/drops")
			waitJS(t, framer, "the same-origin frame to connect",
				`(() => { const d = document.querySelector("#f").contentDocument; return !!d && !!d.querySelector("[data-phx-main].phx-connected") })()`)
			if n := s.upgrades.Load() - before; n != 1 {
				t.Fatalf("the same-origin frame connected %d sockets, want 1", n)
			}
		})
	}
}
