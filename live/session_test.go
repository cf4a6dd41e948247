package live

import (
	"net/http"
	"strings"
	"testing"
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
