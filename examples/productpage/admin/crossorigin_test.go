package admin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/glint-go/glint/examples/productpage/admin"
)

// fakeSockets records what the sockets API asked of it.
type fakeSockets struct{ disconnected, drained int }

func (f *fakeSockets) Disconnect(context.Context, string) error { f.disconnected++; return nil }
func (f *fakeSockets) Drain() int                               { f.drained++; return 0 }

// BasicAuth refuses, with a JSON 403 and before looking at the credentials, the
// state-changing requests another site's page makes the admin's browser send; the admin's
// own pages, curl and reads pass.
func TestBasicAuthRefusesCrossOrigin(t *testing.T) {
	e := newEnv(t)
	socks := &fakeSockets{}
	sockets := httptest.NewServer(admin.BasicAuth(admin.User, "s3cret", admin.NewSocketsAPI(socks, nil)))
	t.Cleanup(sockets.Close)
	for _, tc := range []struct {
		name                 string
		method, path         string
		origin, secFetchSite string
		password             string
		want                 int
	}{
		{"cross-site sell", "POST", "/admin/api/items/1/sell", "https://evil.example", "cross-site", "s3cret", http.StatusForbidden},
		{"cross-site sell, wrong password", "POST", "/admin/api/items/1/sell", "https://evil.example", "cross-site", "nope", http.StatusForbidden},
		{"cross-site release, older browser", "POST", "/admin/api/products/1/release", "https://evil.example", "", "s3cret", http.StatusForbidden},
		{"same-site reducer start", "POST", "/admin/api/reducer?per_tick=1&tick_ms=1", "https://www.example.test", "same-site", "s3cret", http.StatusForbidden},
		{"cross-site reducer stop", "DELETE", "/admin/api/reducer", "null", "cross-site", "s3cret", http.StatusForbidden},
		{"cross-site disconnect", "POST", "/admin/api/sockets/shopper:x/disconnect", "https://evil.example", "cross-site", "s3cret", http.StatusForbidden},
		{"cross-site drain", "POST", "/admin/api/sockets/drain", "https://evil.example", "cross-site", "s3cret", http.StatusForbidden},
		{"cross-site read", "GET", "/admin/api/inventory", "https://evil.example", "cross-site", "s3cret", http.StatusOK},
		{"curl, wrong password", "POST", "/admin/api/items/1/sell", "", "", "nope", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			beforePs, beforeItems := e.catalog(t)
			base := e.srv.URL
			if strings.HasPrefix(tc.path, "/admin/api/sockets/") {
				base = sockets.URL
			}
			req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader("a=b"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(admin.User, tc.password)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.secFetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tc.secFetchSite)
			}
			status, body := doJSON(t, req)
			if status != tc.want {
				t.Fatalf("status %d %v, want %d", status, body, tc.want)
			}
			if msg, _ := body["error"].(string); tc.want == http.StatusForbidden && !strings.Contains(msg, "cross-origin request refused") {
				t.Fatalf("body %v", body)
			}
			e.inv.StopReducer()
			afterPs, afterItems := e.catalog(t)
			if !reflect.DeepEqual(beforePs, afterPs) || !reflect.DeepEqual(beforeItems, afterItems) {
				t.Fatalf("the refused request changed the store")
			}
			if st := e.inv.ReducerStatus(); st.Sales != 0 {
				t.Fatalf("the reducer ran: %+v", st)
			}
		})
	}
	if socks.disconnected != 0 || socks.drained != 0 {
		t.Fatalf("refused requests reached the sockets: %+v", socks)
	}
	// The admin's own page, and curl, are served.
	for _, origin := range []string{sockets.URL, ""} {
		req, _ := http.NewRequest("POST", sockets.URL+"/admin/api/sockets/drain", nil)
		req.SetBasicAuth(admin.User, "s3cret")
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		if status, body := doJSON(t, req); status != http.StatusOK {
			t.Fatalf("Origin %q drain: %d %v", origin, status, body)
		}
	}
	if socks.drained != 2 {
		t.Fatalf("drains %d, want 2", socks.drained)
	}
}
