package assets_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/glint-go/glint/examples/productpage/assets"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(assets.Handler())
	defer srv.Close()
	tests := []struct {
		method, path string
		status       int
		ctype        string
		contains     string
	}{
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "grid-template-columns: 2fr 1fr"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "repeat(4, 1fr)"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "#FFB347"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "#FF6961"},
		{"GET", "/assets/app.css", 200, "text/css; charset=utf-8", "line-through"},
		{"GET", "/assets/favicon.svg", 200, "image/svg+xml", "<svg"},
		{"HEAD", "/assets/favicon.svg", 200, "image/svg+xml", ""},
		{"GET", "/favicon.ico", 200, "image/svg+xml", "<svg"},
		{"GET", "/assets/favicon.ico", 404, "", ""},
		{"GET", "/images/hopman.png", 200, "image/svg+xml", "<svg"},
		{"GET", "/images/breezy.png", 200, "image/svg+xml", "Breezy"},
		{"GET", "/images/breezy.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/images/nope.png", 404, "", ""},
		{"GET", "/images/..%2fapp.png", 404, "", ""},
		{"GET", "/images/", 404, "", ""},
		{"GET", "/assets/other.css", 404, "", ""},
		{"POST", "/assets/app.css", 405, "", ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tt.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tt.path, ct, tt.ctype)
		}
		if !strings.Contains(string(body), tt.contains) {
			t.Errorf("%s: body lacks %q", tt.path, tt.contains)
		}
	}
}
