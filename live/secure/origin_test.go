package secure_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/glint-go/glint/live/secure"
)

// originCase is a request as a browser or a client sends it to http://shop.example.
type originCase struct {
	name         string
	method       string
	origin       string
	secFetchSite string
	allow        bool
}

var originCases = []originCase{
	// Safe methods are never refused.
	{"GET from another site", "GET", "https://evil.example", "cross-site", true},
	{"HEAD from another site", "HEAD", "https://evil.example", "cross-site", true},
	{"OPTIONS from another site", "OPTIONS", "https://evil.example", "cross-site", true},
	// Non-browser clients send neither header.
	{"curl POST", "POST", "", "", true},
	{"curl DELETE", "DELETE", "", "", true},
	// The site's own pages.
	{"same-origin POST", "POST", "http://shop.example", "same-origin", true},
	{"same-origin PUT", "PUT", "http://shop.example", "same-origin", true},
	{"same-origin POST, browser before Sec-Fetch-Site", "POST", "http://shop.example", "", true},
	{"user-initiated", "POST", "", "none", true},
	// Another site's page.
	{"cross-site form POST", "POST", "https://evil.example", "cross-site", false},
	{"cross-site PATCH", "PATCH", "https://evil.example", "cross-site", false},
	{"cross-site DELETE", "DELETE", "https://evil.example", "cross-site", false},
	{"cross-site, no Origin", "POST", "", "cross-site", false},
	{"same-site sibling", "POST", "https://a.shop.example", "same-site", false},
	{"foreign Origin, browser before Sec-Fetch-Site", "POST", "https://evil.example", "", false},
	{"other port, browser before Sec-Fetch-Site", "POST", "http://shop.example:8081", "", false},
	{"opaque origin", "POST", "null", "", false},
	{"unparsable Origin", "POST", "http://[::1", "", false},
	{"trusted origin", "POST", "https://admin.example", "cross-site", true},
	{"trusted origin, browser before Sec-Fetch-Site", "POST", "https://admin.example", "", true},
	{"trusted origin with a path is another origin", "POST", "https://admin.example/", "cross-site", false},
	{"unknown Sec-Fetch-Site value", "POST", "http://shop.example", "bogus", false},
}

func newRequest(c originCase) *http.Request {
	r := httptest.NewRequest(c.method, "http://shop.example/admin/api/items/1/sell", strings.NewReader("x=1"))
	if c.origin != "" {
		r.Header.Set("Origin", c.origin)
	}
	if c.secFetchSite != "" {
		r.Header.Set("Sec-Fetch-Site", c.secFetchSite)
	}
	return r
}

func TestCrossOriginCheck(t *testing.T) {
	co, err := secure.NewCrossOrigin(secure.CrossOriginOptions{TrustedOrigins: []string{"https://admin.example"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range originCases {
		t.Run(c.name, func(t *testing.T) {
			err := co.Check(newRequest(c))
			if c.allow && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.allow && !errors.Is(err, secure.ErrCrossOrigin) {
				t.Fatalf("Check = %v, want an error wrapping ErrCrossOrigin", err)
			}
		})
	}
}

func TestCrossOriginHandler(t *testing.T) {
	var logs bytes.Buffer
	var denied []error
	co, err := secure.NewCrossOrigin(secure.CrossOriginOptions{
		TrustedOrigins: []string{"https://admin.example"},
		Logger:         slog.New(slog.NewTextHandler(&logs, nil)),
		Deny: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			denied = append(denied, secure.Refusal(r))
			w.WriteHeader(http.StatusTeapot)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range originCases {
		t.Run(c.name, func(t *testing.T) {
			logs.Reset()
			denied = nil
			reached := false
			h := co.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				if err := secure.Refusal(r); err != nil {
					t.Errorf("Refusal of an allowed request: %v", err)
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newRequest(c))
			if c.allow {
				if !reached || rec.Code != http.StatusNoContent || len(denied) != 0 || logs.Len() != 0 {
					t.Fatalf("allowed request: reached %v, status %d, denied %v, logs %q", reached, rec.Code, denied, logs.String())
				}
				return
			}
			if reached {
				t.Fatal("a refused request reached the handler")
			}
			if rec.Code != http.StatusTeapot || len(denied) != 1 || !errors.Is(denied[0], secure.ErrCrossOrigin) {
				t.Fatalf("status %d, Deny saw %v", rec.Code, denied)
			}
			if n := strings.Count(logs.String(), "cross-origin request refused"); n != 1 || !strings.Contains(logs.String(), "level=WARN") ||
				!strings.Contains(logs.String(), "method="+c.method) || !strings.Contains(logs.String(), "path=/admin/api/items/1/sell") {
				t.Fatalf("logs %q, want one warning naming the method and path", logs.String())
			}
		})
	}
}

func TestSameOrigin(t *testing.T) {
	for _, c := range originCases {
		if strings.Contains(c.name, "trusted") {
			continue // SameOrigin trusts no other origin
		}
		t.Run(c.name, func(t *testing.T) {
			reached := false
			h := secure.SameOrigin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, newRequest(c))
			if reached != c.allow {
				t.Fatalf("reached %v, want %v (status %d)", reached, c.allow, rec.Code)
			}
			if !c.allow && (rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "cross-origin request refused")) {
				t.Fatalf("refusal: %d %q", rec.Code, rec.Body.String())
			}
		})
	}
	// A trusted origin of another CrossOrigin is not trusted by SameOrigin.
	h := secure.SameOrigin(http.NotFoundHandler())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, newRequest(originCase{method: "POST", origin: "https://admin.example", secFetchSite: "cross-site"}))
	if rec.Code != http.StatusForbidden {
		t.Fatalf("SameOrigin allowed another origin: %d", rec.Code)
	}
}

func TestNewCrossOriginRejectsBadTrustedOrigins(t *testing.T) {
	for _, o := range []string{"admin.example", "https://", "https://admin.example/path", "https://admin.example?q", "::"} {
		_, err := secure.NewCrossOrigin(secure.CrossOriginOptions{TrustedOrigins: []string{o}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil || !strings.Contains(err.Error(), "trusted origin") {
			t.Errorf("%q: err %v", o, err)
		}
	}
}

func TestRefusalOutsideDeny(t *testing.T) {
	if err := secure.Refusal(httptest.NewRequest("POST", "/", nil)); err != nil {
		t.Fatalf("Refusal of a plain request: %v", err)
	}
}
