package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/internal/browsertest"
)

// liveServer is the whole app served on a real loopback port. kill drops it the way a
// crash does: the listener and every connection (WebSockets included) close at once,
// with no close frames.
type liveServer struct {
	addr string
	app  *app.App
	srv  *http.Server

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// officialScript is where a test serves the official phoenix_live_view client bundle.
const officialScript = "/test/official-client.js"

// startLive opens the SQLite file at dbPath (seeding the fixture when fixture is true) and
// serves the app on addr ("127.0.0.1:0" picks a port). With a client bundle, pages load it
// instead of Glint's own client.
func startLive(t *testing.T, dbPath, addr string, fixture bool, bundle []byte) *liveServer {
	t.Helper()
	a := openApp(t, dbPath, fixture, bundle)
	var handler http.Handler = a
	if bundle != nil {
		mux := http.NewServeMux()
		serveOfficial(mux, bundle)
		mux.Handle("/", a)
		handler = mux
	}
	return serveApp(t, a, handler, addr)
}

// openApp opens the SQLite file at dbPath (seeding the fixture when fixture is true) and
// builds the app on it; with a client bundle, pages load officialScript instead of Glint's
// own client.
func openApp(t *testing.T, dbPath string, fixture bool, bundle []byte) *app.App {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, dbPath, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if fixture {
		ps, items := storetest.Fixture()
		if err := st.Reset(ctx, ps, items); err != nil {
			t.Fatal(err)
		}
	}
	cfg := app.Config{Store: st, AdminPassword: testPassword, Secret: testSecret,
		Rand: rand.New(rand.NewPCG(1, 1)), Logger: quietLogger()}
	if bundle != nil {
		cfg.ScriptURL = officialScript
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// serveOfficial serves the official client bundle at officialScript on mux.
func serveOfficial(mux *http.ServeMux, bundle []byte) {
	mux.HandleFunc("GET "+officialScript, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(bundle)
	})
}

// serveApp serves handler (built around a) on addr until the test ends or kill.
func serveApp(t testing.TB, a *app.App, handler http.Handler, addr string) *liveServer {
	t.Helper()
	ln := browsertest.Listen(t, addr)
	s := &liveServer{addr: ln.Addr().String(), app: a, conns: map[net.Conn]struct{}{}}
	s.srv = &http.Server{Handler: handler, ConnState: func(c net.Conn, state http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch state {
		case http.StateNew:
			s.conns[c] = struct{}{}
		case http.StateClosed:
			delete(s.conns, c)
		}
	}}
	go s.srv.Serve(ln)
	t.Cleanup(s.kill)
	return s
}

func (s *liveServer) url() string { return "http://" + s.addr }

// kill closes the listener and every connection at once, then releases the app.
func (s *liveServer) kill() {
	s.srv.Close() // listener and non-hijacked connections
	s.mu.Lock()
	for c := range s.conns { // hijacked WebSockets too
		c.Close()
	}
	s.conns = map[net.Conn]struct{}{}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.app.Close(ctx)
}

// adminPost calls the admin API as an operator would.
func adminPost(t *testing.T, base, path string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, nil)
	req.SetBasicAuth(admin.User, testPassword)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
}

// waitJS polls a JavaScript boolean expression until it is true.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("timed out waiting for %s (%s), err %v; page:\n%s", what, expr, err, html)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const (
	jsConnected = `!!document.querySelector("[data-phx-main].phx-connected")`
	// jsMark tags the window; a page reload would lose the tag.
	jsMark     = `window.__sneakersMark = "kept"; true`
	jsNoReload = `window.__sneakersMark === "kept"`
)

// openDrops opens /drops in a new tab of the browser, waits for the live view to connect
// and marks the window so that a reload would show.
func openDrops(t *testing.T, browser context.Context, base string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/drops")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the live view to connect", jsConnected)
	waitJS(t, ctx, "the mark", jsMark)
	return ctx
}

func listing(n int, cond string) string {
	return fmt.Sprintf(`(() => { const l = document.querySelectorAll(".product-listing")[%d]; return !!l && %s })()`, n, cond)
}

// TestBrowser runs the Sneakers23 demo's browser behaviours in headless Chromium, with Glint's own
// client and with the official phoenix_live_view client.
func TestBrowser(t *testing.T) {
	browser := browsertest.New(t)
	clients := []struct {
		name   string
		bundle []byte
	}{
		{"glint", nil},
		{"official", browsertest.Bundle(t, browsertest.OfficialClientEntry)},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) { browserBehaviours(t, browser, c.bundle) })
	}
}

func browserBehaviours(t *testing.T, browser context.Context, bundle []byte) {

	t.Run("Title", func(t *testing.T) {
		s := startLive(t, filepath.Join(t.TempDir(), "b.db"), "127.0.0.1:0", true, bundle)
		ctx := openDrops(t, browser, s.url())
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatal(err)
		}
		if title != "Sneakers23" {
			t.Errorf("title %q", title)
		}
	})

	t.Run("ReleaseShowsSizes", func(t *testing.T) {
		s := startLive(t, filepath.Join(t.TempDir(), "b.db"), "127.0.0.1:0", true, bundle)
		ctx := openDrops(t, browser, s.url())
		waitJS(t, ctx, "two listings coming soon", `document.querySelectorAll(".product-listing").length === 2 && `+
			listing(0, `l.textContent.includes("coming soon...")`)+" && "+listing(1, `l.textContent.includes("coming soon...")`))
		waitJS(t, ctx, "tag the first listing", listing(0, `(l.__sneakersSame = true)`))
		// The fixture lists p2 (order 0) first; the second listing is p1.
		adminPost(t, s.url(), "/admin/api/products/1/release")
		waitJS(t, ctx, "the second listing to show its sizes",
			listing(1, `!l.textContent.includes("coming soon...") && !!l.querySelector(".size-container")`))
		waitJS(t, ctx, "the first listing to be unchanged",
			listing(0, `l.__sneakersSame === true && l.textContent.includes("coming soon...") && !l.querySelector(".size-container")`))
		waitJS(t, ctx, "no reload", jsNoReload)
	})

	t.Run("SellOutGreysTheSameButton", func(t *testing.T) {
		s := startLive(t, filepath.Join(t.TempDir(), "b.db"), "127.0.0.1:0", true, bundle)
		adminPost(t, s.url(), "/admin/api/products/1/release")
		ctx := openDrops(t, browser, s.url())
		const btn = `document.querySelector(".size-container__entry[value='1']")`
		waitJS(t, ctx, "i1 at level low", `(() => { const b = `+btn+`; return !!b && b.classList.contains("size-container__entry--level-low") && !b.disabled && (b.__sneakersSame = true) })()`)
		adminPost(t, s.url(), "/admin/api/items/1/sell?count=1")
		waitJS(t, ctx, "the same button out and disabled", `(() => { const b = `+btn+`; return b.__sneakersSame === true &&
			b.classList.contains("size-container__entry--level-out") && !b.classList.contains("size-container__entry--level-low") && b.disabled })()`)
		waitJS(t, ctx, "no reload", jsNoReload)
	})

	t.Run("ServerRestart", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "b.db")
		s := startLive(t, db, "127.0.0.1:0", true, bundle)
		ctx := openDrops(t, browser, s.url())
		addr := s.addr
		s.kill()
		waitJS(t, ctx, "the page to notice", `!document.querySelector("[data-phx-main].phx-connected")`)
		s = startLive(t, db, addr, false, bundle) // same port, same database
		waitJS(t, ctx, "the page to reconnect by itself", jsConnected)
		adminPost(t, s.url(), "/admin/api/products/2/release")
		waitJS(t, ctx, "the release made after the restart",
			listing(0, `!l.textContent.includes("coming soon...") && !!l.querySelector(".size-container")`))
		waitJS(t, ctx, "no reload", jsNoReload)
	})
}
