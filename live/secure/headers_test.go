package secure_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/secure"
)

func TestHeaders(t *testing.T) {
	def := map[string]string{
		"Content-Security-Policy":             secure.DefaultPolicy().String(),
		"Content-Security-Policy-Report-Only": "",
		"X-Frame-Options":                     "SAMEORIGIN",
		"X-Content-Type-Options":              "nosniff",
		"Referrer-Policy":                     "strict-origin-when-cross-origin",
		"Strict-Transport-Security":           "",
	}
	with := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range def {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	custom := secure.DefaultPolicy().Set("frame-ancestors", "'none'").String()
	for _, tc := range []struct {
		name string
		opts secure.HeaderOptions
		want map[string]string // "" for absent
	}{
		{"defaults", secure.HeaderOptions{}, def},
		{"custom policy", secure.HeaderOptions{ContentSecurityPolicy: custom, FrameOptions: "DENY"},
			with(map[string]string{"Content-Security-Policy": custom, "X-Frame-Options": "DENY"})},
		{"report only", secure.HeaderOptions{ReportOnly: true},
			with(map[string]string{"Content-Security-Policy": "", "Content-Security-Policy-Report-Only": secure.DefaultPolicy().String()})},
		{"everything off", secure.HeaderOptions{ContentSecurityPolicy: secure.Off, FrameOptions: secure.Off,
			ContentTypeOptions: secure.Off, ReferrerPolicy: secure.Off},
			map[string]string{"Content-Security-Policy": "", "X-Frame-Options": "", "X-Content-Type-Options": "", "Referrer-Policy": ""}},
		{"same-origin referrer, HSTS", secure.HeaderOptions{ReferrerPolicy: "same-origin", StrictTransportSecurity: "max-age=63072000; includeSubDomains"},
			with(map[string]string{"Referrer-Policy": "same-origin", "Strict-Transport-Security": "max-age=63072000; includeSubDomains"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, status := range []int{http.StatusOK, http.StatusNotFound, http.StatusInternalServerError} {
				h := secure.Headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status) // not http.Error, which sets nosniff itself
				}), tc.opts)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/drops", nil))
				if rec.Code != status {
					t.Fatalf("status %d, want %d", rec.Code, status)
				}
				for k, want := range tc.want {
					if got := rec.Header().Get(k); got != want {
						t.Errorf("status %d: %s = %q, want %q", status, k, got, want)
					}
				}
			}
		})
	}
}

// A handler's own value wins over the middleware's, and the handler gets the very
// ResponseWriter the server passed (so Flush and Hijack stay available).
func TestHeadersHandlerOverridesAndWriterPassesThrough(t *testing.T) {
	rec := httptest.NewRecorder()
	h := secure.Headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if w != http.ResponseWriter(rec) {
			t.Errorf("the handler got a wrapped ResponseWriter %T", w)
		}
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Del("Referrer-Policy")
	}), secure.HeaderOptions{})
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options %q, want the handler's DENY", got)
	}
	if got, ok := rec.Header()["Referrer-Policy"]; ok {
		t.Errorf("Referrer-Policy %q, want the handler's deletion", got)
	}
}

// A WebSocket endpoint behind Headers (and SameOrigin) upgrades and echoes.
func TestHeadersKeepWebSocketUpgrade(t *testing.T) {
	ws := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Errorf("Accept: %v", err)
			return
		}
		defer c.CloseNow()
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		c.Write(r.Context(), typ, msg)
		c.Close(websocket.StatusNormalClosure, "")
	})
	srv := httptest.NewServer(secure.Headers(secure.SameOrigin(ws), secure.HeaderOptions{}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.CloseNow()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("upgrade response X-Content-Type-Options %q", got)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.Read(ctx)
	if err != nil || string(msg) != "ping" {
		t.Fatalf("echo %q, %v", msg, err)
	}
}

func TestHeadersRejectControlCharacters(t *testing.T) {
	for _, opts := range []secure.HeaderOptions{
		{ContentSecurityPolicy: "default-src 'self'\r\nSet-Cookie: x=1"},
		{FrameOptions: "DENY\n"},
		{ReferrerPolicy: "no-referrer\x00"},
		{StrictTransportSecurity: "max-age=1\x7f"},
	} {
		func() {
			defer func() {
				if p, _ := recover().(string); !strings.Contains(p, "control character") {
					t.Errorf("%+v: panic %q, want one about a control character", opts, p)
				}
			}()
			secure.Headers(http.NotFoundHandler(), opts)
		}()
	}
}
