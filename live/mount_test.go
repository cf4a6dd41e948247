package live

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

func TestConnectedMountOutcomes(t *testing.T) {
	ps := pubsub.NewLocal()
	ts := newTestServer(t, Options{Channel: channel.Options{PubSub: ps}}, func(s *Server) {
		s.Handle("/fail", Page{New: func() View { return &failing{} }, Template: mustParse("failing", `mode={{.Mode}}`)})
		s.Handle("/other/{name}", Page{New: func() View { return &other{} }, Template: otherTmpl})
	})
	tests := []struct {
		mode   string
		status string
		want   string
	}{
		{"error", "error", `{"reason":"mount failed"}`},
		{"notfound", "error", `{"reason":"reload","status":404,"token":"404"}`},
		{"redirect", "error", `{"redirect":{"to":"/login"}}`},
		{"navigate", "error", `{"live_redirect":{"flash":`},
		{"patch", "ok", `"live_patch":{"kind":"push","to":"/fail?mode=patched"}`},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			p := ts.get(t, "/fail?mode="+tt.mode)
			c := ts.dial(t, p)
			ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/fail?mode="+tt.mode))
			r := decodeReply(t, c.reply(ref))
			if r.Status != tt.status || !strings.Contains(string(r.Response), tt.want) {
				t.Errorf("join: %s %s, want %s containing %s", r.Status, r.Response, tt.status, tt.want)
			}
			// A refused join leaves no subscription behind.
			want := 0
			if r.Status == "ok" {
				want = 1
			}
			if n := ps.Subscribers("failing"); n != want {
				t.Errorf("%d subscribers after the join, want %d", n, want)
			}
			if r.Status == "ok" {
				c.send(ref, "lv:"+p.id, "phx_leave", map[string]any{})
				c.event("lv:"+p.id, "phx_close")
				time.Sleep(20 * time.Millisecond)
			}
			if n := ps.Subscribers("failing"); n != 0 {
				t.Errorf("%d subscribers after the leave", n)
			}
		})
	}
	ts.log.waitLog(t, "no such thing")
}

func TestDeadMountStatus(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/fail", Page{New: func() View { return &failing{} }, Template: mustParse("failing", `mode={{.Mode}}`)})
	})
	tests := []struct {
		mode   string
		status int
	}{
		{"notfound", http.StatusNotFound},
		{"error", http.StatusInternalServerError},
		{"ok", http.StatusOK},
	}
	for _, tt := range tests {
		resp, err := http.Get(ts.http.URL + "/fail?dead=1&mode=" + tt.mode)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("mode %s: status %d, want %d", tt.mode, resp.StatusCode, tt.status)
		}
	}
	if err := (&StatusError{Status: 404, Err: errors.New("x")}); err.Error() != "404 Not Found: x" || !errors.Is(err, err.Err) {
		t.Errorf("StatusError: %v", err)
	}
}

func TestDeadMountPanic(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/fail", Page{New: func() View { return &failing{} }, Template: mustParse("failing", `mode={{.Mode}}`)})
	})
	resp, err := http.Get(ts.http.URL + "/fail?dead=1&mode=panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d", resp.StatusCode)
	}
	ts.log.waitLog(t, "boom in dead mount")
	ts.log.waitLog(t, "views_test.go") // the stack points at the panicking Mount
	// The server keeps serving.
	if p := ts.get(t, "/fail"); p.inner != "mode=" {
		t.Errorf("after a crash: %q", p.inner)
	}
}
