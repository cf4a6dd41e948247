package live

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestJoinRendersConnectedMount(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/?start=7&page=2")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/?start=7&page=2")
	want := `Count: <span id="count">7</span> <button phx-click="inc">+</button> live last= key= target= page=2`
	if got := lv.model.HTML(); got != want {
		t.Errorf("joined HTML\n got %q\nwant %q", got, want)
	}
	resp := lv.click(t, "inc", nil)
	if !strings.Contains(string(resp), `"diff"`) {
		t.Errorf("click reply %s carries no diff", resp)
	}
	if got := lv.model.HTML(); !strings.Contains(got, `<span id="count">8</span>`) {
		t.Errorf("after click: %q", got)
	}
	// A rejoin (reconnect) gets a full render of a fresh mount.
	c2 := ts.dial(t, p)
	lv2 := ts.join(t, c2, p, "/?start=7&page=2")
	if got := lv2.model.HTML(); got != want {
		t.Errorf("rejoin HTML %q", got)
	}
}

func TestJoinRefused(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	other := ts.get(t, "/")
	foreign := newCounterServer(t, Options{Secret: []byte("another secret, another server!!")}).get(t, "/")
	tests := []struct {
		name   string
		topic  string
		mutate func(map[string]any)
		reason string
	}{
		{"tampered session", "lv:" + p.id, func(m map[string]any) { m["session"] = p.session[:len(p.session)-2] + "AA" }, "stale"},
		{"session of another view", "lv:" + p.id, func(m map[string]any) { m["session"] = other.session }, "stale"},
		{"session from another secret", "lv:" + foreign.id, func(m map[string]any) { m["session"] = foreign.session; m["static"] = foreign.static }, "stale"},
		{"garbage session", "lv:" + p.id, func(m map[string]any) { m["session"] = "not a token" }, "stale"},
		{"static of another view", "lv:" + p.id, func(m map[string]any) { m["static"] = other.static }, "stale"},
		{"url of another page", "lv:" + p.id, func(m map[string]any) { m["url"] = ts.http.URL + "/other/x" }, "unauthorized"},
		{"url of no page", "lv:" + p.id, func(m map[string]any) { m["url"] = ts.http.URL + "/live/nothing" }, "unauthorized"},
		{"navigation across groups", "lv:" + p.id, func(m map[string]any) { delete(m, "url"); m["redirect"] = ts.http.URL + "/admin" }, "unauthorized"},
		{"session of the wrong type", "lv:" + p.id, func(m map[string]any) { m["session"] = 5 }, "stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t, p)
			m := joinFor(p, ts.http.URL+"/")
			tt.mutate(m)
			ref := c.send("=", tt.topic, "phx_join", m)
			r := decodeReply(t, c.reply(ref))
			if r.Status != "error" || string(r.Response) != `{"reason":"`+tt.reason+`"}` {
				t.Errorf("reply %s %s, want error %s", r.Status, r.Response, tt.reason)
			}
			// The socket stays usable: a valid join still works.
			ts.join(t, c, p, "/")
		})
	}
}

func TestJoinExpiredSession(t *testing.T) {
	ts := newCounterServer(t, Options{SessionMaxAge: time.Nanosecond})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/"))
	if r := decodeReply(t, c.reply(ref)); string(r.Response) != `{"reason":"stale"}` {
		t.Errorf("expired session: %s %s", r.Status, r.Response)
	}
}

func TestJoinNavigateSameGroup(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	m := joinFor(p, "")
	delete(m, "url")
	m["redirect"] = ts.http.URL + "/other/ana"
	ref := c.send("=", "lv:"+p.id, "phx_join", m)
	r := decodeReply(t, c.reply(ref))
	if r.Status != "ok" || !strings.Contains(string(r.Response), `"0":"ana"`) {
		t.Fatalf("navigate join: %s %s", r.Status, r.Response)
	}
}

func TestCSRFRequiredWithSessionData(t *testing.T) {
	opts := Options{Session: func(r *http.Request) (map[string]string, error) {
		return map[string]string{"user": "ana"}, nil
	}}
	ts := newCounterServer(t, opts)
	p := ts.get(t, "/")
	tests := []struct {
		name   string
		page   *page
		status string
	}{
		{"valid token and cookie", p, "ok"},
		{"no token, no cookie", nil, "error"},
		{"token of another browser", &page{csrf: ts.get(t, "/").csrf, cookies: p.cookies}, "error"},
		{"cookie without token", &page{cookies: p.cookies}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ts.dial(t, tt.page)
			ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/"))
			r := decodeReply(t, c.reply(ref))
			if r.Status != tt.status {
				t.Fatalf("join %s %s, want %s", r.Status, r.Response, tt.status)
			}
			if r.Status == "error" && string(r.Response) != `{"reason":"stale"}` {
				t.Errorf("CSRF failure reply %s, want stale", r.Response)
			}
		})
	}
}

func TestJoinGoldenFrames(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
	})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	topic := "lv:" + p.id
	ref := c.send("=", topic, "phx_join", joinFor(p, ts.http.URL+"/"))
	got := c.reply(ref).raw
	want := `["1","1","` + topic + `","phx_reply",{"status":"ok","response":{"rendered":{"0":"0","s":["Count: "," <button phx-click=\"inc\">+</button>"]},"liveview_version":"1.2.12"}}]`
	if got != want {
		t.Errorf("join reply\n got %s\nwant %s", got, want)
	}
	ref = c.send("1", topic, "event", map[string]any{"type": "click", "event": "inc", "value": map[string]string{"value": ""}})
	got = c.reply(ref).raw
	want = `["1","2","` + topic + `","phx_reply",{"status":"ok","response":{"diff":{"0":"1"}}}]`
	if got != want {
		t.Errorf("click reply\n got %s\nwant %s", got, want)
	}
	ref = c.send("1", topic, "event", map[string]any{"type": "click", "event": "noop", "value": map[string]string{"value": ""}})
	got = c.reply(ref).raw
	want = `["1","3","` + topic + `","phx_reply",{"status":"ok","response":{}}]`
	if got != want {
		t.Errorf("no-change reply\n got %s\nwant %s", got, want)
	}
	c.noFrame(20 * time.Millisecond)
}
