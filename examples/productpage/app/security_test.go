package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live/livetest"
)

// browserSignals are the headers a browser adds to a request it sends on a page's behalf.
type browserSignals struct {
	name          string
	origin        string // "" for none; "self" for the server's own origin
	secFetchSite  string // "" for none
	contentType   string // a form post's, or "" for no body
	wantForbidden bool
}

// crossSite are requests another site's page makes the admin's browser send: an
// auto-submitted form, a no-cors fetch, an older browser without Sec-Fetch-Site, a
// sandboxed iframe (Origin null) and a sibling subdomain.
var crossSite = []browserSignals{
	{"form post from another site", "http://evil.example", "cross-site", "application/x-www-form-urlencoded", true},
	{"no-cors fetch from another site", "http://evil.example", "cross-site", "", true},
	{"text/plain form, older browser", "http://evil.example", "", "text/plain", true},
	{"sandboxed frame", "null", "cross-site", "multipart/form-data; boundary=x", true},
	{"sibling subdomain", "http://shop.evil.example", "same-site", "application/x-www-form-urlencoded", true},
	{"foreign Origin only", "http://evil.example", "", "", true},
}

// allowed are the admin's own browser and command-line clients.
var allowed = []browserSignals{
	{"curl", "", "", "", false},
	{"same-origin fetch", "self", "same-origin", "", false},
	{"same-origin, older browser", "self", "", "", false},
	{"typed into the address bar", "", "none", "", false},
}

// adminRequest sends method path with the admin's basic auth and the given browser
// signals, and returns the status and the decoded JSON body.
func adminRequest(t *testing.T, base, method, path string, s browserSignals) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if s.contentType != "" {
		body = strings.NewReader("count=5")
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(admin.User, testPassword)
	switch s.origin {
	case "":
	case "self":
		req.Header.Set("Origin", base)
	default:
		req.Header.Set("Origin", s.origin)
	}
	if s.secFetchSite != "" {
		req.Header.Set("Sec-Fetch-Site", s.secFetchSite)
		req.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	if s.contentType != "" {
		req.Header.Set("Content-Type", s.contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s (%s): %d, body %q is not JSON: %v", method, path, s.name, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, v
}

// catalog is the inventory's observable state.
func catalog(inv *inventory.Inventory) string {
	b, _ := json.Marshal(struct {
		Products []inventory.Product
		Reducer  bool
	}{inv.Products(), inv.ReducerStatus().Running})
	return string(b)
}

// Another site's page cannot make the admin's browser, which resends the basic-auth
// credentials by itself, change anything through the admin API.
func TestAdminAPIRefusesCrossSiteRequests(t *testing.T) {
	a, _ := shopApp(t, 1)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	cartID := cart.NewID()
	v := livetest.OpenURL(t, srv.URL+"/drops", livetest.Header("Cookie", cart.CookieName+"="+a.Cookies.Value(cartID)))
	before := catalog(a.Inventory)
	for _, ep := range []struct{ method, path string }{
		{http.MethodPost, "/admin/api/products/2/release"},
		{http.MethodPost, "/admin/api/items/1/sell"},
		{http.MethodPost, "/admin/api/items/3/sell?count=2"},
		{http.MethodPost, "/admin/api/reducer?per_tick=1&tick_ms=1"},
		{http.MethodDelete, "/admin/api/reducer"},
		{http.MethodPost, "/admin/api/sockets/" + app.ShopperSocketID(cartID) + "/disconnect"},
		{http.MethodPost, "/admin/api/sockets/drain"},
		{http.MethodPut, "/admin/api/items/1/sell"},
		{http.MethodPatch, "/admin/api/products/2/release"},
	} {
		for _, s := range crossSite {
			status, body := adminRequest(t, srv.URL, ep.method, ep.path, s)
			if status != http.StatusForbidden {
				t.Errorf("%s %s, %s: status %d %v, want 403", ep.method, ep.path, s.name, status, body)
			}
			if msg, _ := body["error"].(string); !strings.Contains(msg, "cross-origin") {
				t.Errorf("%s %s, %s: body %v, want a cross-origin error", ep.method, ep.path, s.name, body)
			}
		}
	}
	// A refused disconnect would close the shopper's socket at once (in-process PubSub).
	time.Sleep(100 * time.Millisecond)
	if !v.Connected() {
		t.Fatal("a refused disconnect closed the shopper's socket")
	}
	if after := catalog(a.Inventory); after != before {
		t.Fatalf("refused requests changed the inventory:\nbefore %s\nafter  %s", before, after)
	}
	// The same requests from the admin's own page are served: the refusal was the origin's.
	status, body := adminRequest(t, srv.URL, http.MethodPost, "/admin/api/items/1/sell", allowed[1])
	if status != http.StatusOK {
		t.Fatalf("same-origin sell: %d %v", status, body)
	}
	status, body = adminRequest(t, srv.URL, http.MethodPost, "/admin/api/sockets/"+app.ShopperSocketID(cartID)+"/disconnect", allowed[1])
	if status != http.StatusOK {
		t.Fatalf("same-origin disconnect: %d %v", status, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for v.CloseStatus() == -1 {
		if time.Now().After(deadline) {
			t.Fatal("the same-origin disconnect did not close the socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The admin's own browser, curl (the README's commands) and the load tool (basic auth,
// no browser headers) keep using the API; safe methods are never refused.
func TestAdminAPIAllowsSameOriginAndCurl(t *testing.T) {
	a, _ := shopApp(t)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	for i, s := range allowed {
		status, body := adminRequest(t, srv.URL, http.MethodPost, "/admin/api/items/3/sell", s)
		if status != http.StatusOK {
			t.Fatalf("%s sell: %d %v", s.name, status, body)
		}
		if it, _, _ := a.Inventory.Item(3); it.AvailableCount != 3-(i+1) && i < 3 {
			t.Fatalf("%s sell: %d left", s.name, it.AvailableCount)
		}
		if i == 2 {
			break // the fixture's item 3 has 3 units
		}
	}
	for _, s := range allowed {
		status, body := adminRequest(t, srv.URL, http.MethodPost, "/admin/api/products/1/release", s)
		if status != http.StatusOK {
			t.Fatalf("%s release: %d %v", s.name, status, body)
		}
		status, body = adminRequest(t, srv.URL, http.MethodPost, "/admin/api/reducer?per_tick=0&tick_ms=60000", s)
		if status != http.StatusOK {
			t.Fatalf("%s reducer start: %d %v", s.name, status, body)
		}
		status, body = adminRequest(t, srv.URL, http.MethodDelete, "/admin/api/reducer", s)
		if status != http.StatusOK {
			t.Fatalf("%s reducer stop: %d %v", s.name, status, body)
		}
	}
	// Reading is never refused, whatever the origin: it changes nothing, and the answer
	// is not readable by another site's page (no CORS headers).
	for _, s := range append(crossSite, allowed...) {
		status, body := adminRequest(t, srv.URL, http.MethodGet, "/admin/api/inventory", s)
		if status != http.StatusOK {
			t.Errorf("%s GET inventory: %d %v", s.name, status, body)
		}
	}
	// Wrong credentials stay 401 for a same-origin request; cross-site is refused first.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/api/items/1/sell", nil)
	req.SetBasicAuth(admin.User, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %d, want 401", resp.StatusCode)
	}
}

// headerWant are the security headers every response carries.
var headerWant = map[string]string{
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options":        "SAMEORIGIN",
	"Referrer-Policy":        "strict-origin-when-cross-origin",
}

// Every page, the admin surface, the API and the static files carry the security headers;
// the pages cannot be framed by another site.
func TestSecurityHeaders(t *testing.T) {
	a, _ := shopApp(t, 1)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path   string
		auth   bool
		status int
	}{
		{"/drops", false, http.StatusOK},
		{"/checkout", false, http.StatusOK},
		{"/admin", true, http.StatusOK},
		{"/admin", false, http.StatusUnauthorized},
		{"/admin/api/inventory", true, http.StatusOK},
		{"/metrics", true, http.StatusOK},
		{"/assets/app.css", false, http.StatusOK},
		{"/live/glint.js", false, http.StatusOK},
		{"/nope", false, http.StatusNotFound},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
		if tc.auth {
			req.SetBasicAuth(admin.User, testPassword)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		for k, want := range headerWant {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", tc.path, k, got, want)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, d := range []string{"frame-ancestors 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "connect-src 'self'"} {
			if !hasDirective(csp, d) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", tc.path, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-") {
			t.Errorf("GET %s: Content-Security-Policy %q allows unsafe sources", tc.path, csp)
		}
	}
	// The live socket's upgrade still succeeds behind the headers, and events flow.
	cartID := cart.NewID()
	v := livetest.OpenURL(t, srv.URL+"/drops", livetest.Header("Cookie", cart.CookieName+"="+a.Cookies.Value(cartID)))
	v.Submit(sizeButton(1), nil)
	v.WaitFor(hasCartCount(1))
	if items, _ := a.Carts.Items(context.Background(), cartID); len(items) != 1 {
		t.Fatalf("cart after the live add: %v", items)
	}
}

// hasDirective reports whether the policy has exactly this directive (name and sources).
func hasDirective(policy, directive string) bool {
	for d := range strings.SplitSeq(policy, ";") {
		if strings.Join(strings.Fields(d), " ") == directive {
			return true
		}
	}
	return false
}
