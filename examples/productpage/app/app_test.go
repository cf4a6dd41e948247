package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/livetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testPassword = "test-password"

var testSecret = []byte("sneakers23-test-secret-0123456789abcdef")

// newApp builds the app over a fresh SQLite file holding the fixture catalog (or the seed
// when seed is true).
func newApp(t testing.TB, dbPath string, seed bool) *app.App {
	t.Helper()
	a, _ := newAppStore(t, dbPath, seed)
	return a
}

// newAppStore is newApp, also returning the app's store.
func newAppStore(t testing.TB, dbPath string, seed bool) (*app.App, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, dbPath, store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 2)), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if !seed {
		ps, items := storetest.Fixture()
		if err := st.Reset(ctx, ps, items); err != nil {
			t.Fatal(err)
		}
	}
	return startApp(t, st, rand.New(rand.NewPCG(3, 4))), st
}

// startApp starts the app over st (with r, which may be nil, for its randomness), closed
// at the end of the test.
func startApp(t testing.TB, st store.Store, r *rand.Rand) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Store: st, AdminPassword: testPassword, Secret: testSecret, Rand: r, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func fixtureApp(t testing.TB) *app.App {
	t.Helper()
	return newApp(t, filepath.Join(t.TempDir(), "drops.db"), false)
}

var fixtureItems = []int64{1, 2, 3}

// 1. A plain GET /drops is 200 with the product list and "coming soon...".
func TestDropsDisconnectedRender(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/drops")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	html := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`<main class="product-list">`, `coming soon...`, `<title>Sneakers23</title>`,
		`<a href="/">`, `/assets/app.css`, `<h4 class="product-soon-1">`, `<h4 class="product-soon-2">`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q:\n%s", want, html)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store, must-revalidate" {
		t.Errorf("Cache-Control = %q", cc)
	}
	// Products in order: p2 (order 0) before p1.
	if i2, i1 := strings.Index(html, `data-product-id="2"`), strings.Index(html, `data-product-id="1"`); i2 < 0 || i1 < i2 {
		t.Errorf("products out of order: p2 at %d, p1 at %d", i2, i1)
	}
}

func TestRootRedirects(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/drops" {
		t.Errorf("GET / = %d to %q, want 302 to /drops", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// 2–4: connected view, release everything, sell everything, all without reconnecting.
func TestDropsLiveView(t *testing.T) {
	ctx := context.Background()
	a := fixtureApp(t)
	page := livetest.Load(t, a, "/drops")
	v := page.MustJoin()
	html := v.HTML()
	// The page body holds the disconnected render verbatim (ContainerHTML re-serializes it).
	if !strings.Contains(page.Body, `data-phx-static="`+page.Static+`">`+html+`</div>`) {
		t.Errorf("connected render differs from the disconnected one:\nlive: %s\npage: %s", html, page.Body)
	}
	if !strings.Contains(html, `<main class="product-list">`) || !strings.Contains(html, "coming soon...") {
		t.Fatalf("connected render:\n%s", html)
	}
	if v.Title() != "Sneakers23" {
		t.Errorf("title %q", v.Title())
	}

	for _, id := range []int64{1, 2} {
		if err := a.Inventory.Release(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	v.WaitFor(func(html string) bool { return !strings.Contains(html, "coming soon...") })
	for _, id := range fixtureItems {
		v.WaitFor(func(html string) bool { return strings.Contains(html, fmt.Sprintf(`name="item_id" value="%d"`, id)) })
	}
	for _, p := range a.Inventory.Products() {
		for _, it := range p.Items {
			if _, err := a.Inventory.Sell(ctx, it.ID, it.AvailableCount); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range fixtureItems {
		want := fmt.Sprintf(`size-container__entry--level-out" name="item_id" value="%d" disabled`, id)
		v.WaitFor(func(html string) bool { return strings.Contains(html, want) })
	}
	if v.Errored() || v.Closed() {
		t.Error("the view reconnected or closed")
	}
}

// newServer serves a on a loopback httptest server and returns its base URL.
func newServer(t testing.TB, a *app.App) string {
	t.Helper()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL
}

// The metrics the load tool reads are behind the admin's basic auth.
func TestMetricsNeedAdmin(t *testing.T) {
	a := fixtureApp(t)
	srv := httptest.NewServer(a)
	defer srv.Close()
	livetest.OpenURL(t, srv.URL+"/drops")
	for _, tc := range []struct {
		password string
		status   int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {testPassword, http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
		if tc.password != "" {
			req.SetBasicAuth(admin.User, tc.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("password %q: status %d, want %d", tc.password, resp.StatusCode, tc.status)
		}
		if tc.status == http.StatusOK && !strings.Contains(string(body), "glint_channel_connections 1\n") {
			t.Fatalf("metrics do not count the one connected view:\n%s", body)
		}
	}
}
