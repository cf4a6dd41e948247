package live

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSessionDataAndTerminate(t *testing.T) {
	ts := newTestServer(t, Options{Session: func(r *http.Request) (map[string]string, error) {
		return map[string]string{"user": r.URL.Query().Get("as")}, nil
	}}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &whoami{} }, Template: whoamiTmpl})
	})
	p := ts.get(t, "/?as=ana")
	if p.inner != "user=ana connected=false" {
		t.Errorf("dead render %q", p.inner)
	}
	c := ts.dial(t, p)
	// The join URL cannot change the user: the session token carries it.
	lv := ts.join(t, c, p, "/?as=mallory")
	if got := lv.model.HTML(); got != "user=ana connected=true" {
		t.Errorf("connected render %q", got)
	}
	<-refs
	ref := c.send(lv.joinRef, lv.topic, "phx_leave", map[string]any{})
	c.reply(ref)
	if reason := <-terminated; reason != nil {
		t.Errorf("Terminate reason %v after a leave, want nil", reason)
	}
}

func TestSendUpdateFromOutside(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &refBoard{} }, Template: boardTmpl})
	})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	ref := <-refs
	if !ref.SendUpdate("b", "from outside") {
		t.Fatal("SendUpdate refused")
	}
	d := lv.waitDiff(t)
	if !strings.Contains(string(d), `"c":{"2":`) || strings.Contains(string(d), `"c":{"1"`) {
		t.Errorf("diff %s should carry only component 2", d)
	}
	lv.waitHTML(t, "<h2>from outside</h2>")
	ref.SendUpdate("nope", "x")
	ts.log.waitLog(t, "SendUpdate to unknown component")
}

func TestShutdownEndsViews(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &whoami{} }, Template: whoamiTmpl})
	})
	var readers sync.WaitGroup
	for i := 0; i < 2; i++ {
		p := ts.get(t, "/")
		c := ts.dial(t, p)
		ts.join(t, c, p, "/")
		<-refs
		// Read until the server closes, so that the close handshake completes.
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := c.conn.Read(context.Background()); err != nil {
					return
				}
			}
		}()
	}
	if err := ts.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	readers.Wait()
	for i := 0; i < 2; i++ {
		select {
		case <-terminated:
		case <-time.After(5 * time.Second):
			t.Fatalf("view %d not terminated by Shutdown", i)
		}
	}
	if n := ts.metrics.views.Load(); n != 0 {
		t.Errorf("%d views after Shutdown", n)
	}
}
