package live

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPubSubBroadcastReachesView(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	if err := ts.PubSub().Broadcast(context.Background(), "counter", "set", 42); err != nil {
		t.Fatal(err)
	}
	lv.waitHTML(t, `<span id="count">42</span>`)
}

func TestBurstRendersOnce(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &refHolder{} }, Template: plainCounterTmpl})
	})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	ref := <-refs
	before := ts.metrics.renders.Load()
	const n = 200
	for i := 0; i < n; i++ {
		if !ref.Send(bump{1}) {
			t.Fatalf("Send %d refused", i)
		}
	}
	lv.waitHTML(t, "Count: 200 ")
	renders := ts.metrics.renders.Load() - before
	if renders >= n/2 {
		t.Errorf("%d messages caused %d renders; a burst should coalesce", n, renders)
	}
	t.Logf("%d messages → %d renders", n, renders)
	if (Ref{}).Send(bump{1}) || (Ref{}).SendUpdate("x", nil) || (Ref{}).ID() != "" {
		t.Error("the zero Ref must drop everything")
	}
	if ref.ID() != p.id {
		t.Errorf("Ref.ID %q, want %q", ref.ID(), p.id)
	}
}

// refs hands out the Ref of each connected refHolder.
var refs = make(chan Ref, 16)

// refHolder publishes its Ref when connected and counts bumps.
type refHolder struct{ plainCounter }

func (r *refHolder) Mount(ctx context.Context, s *Socket, p Params) error {
	if s.Connected() {
		refs <- s.Ref()
	}
	return nil
}

func (r *refHolder) HandleInfo(ctx context.Context, s *Socket, msg any) error {
	r.Count += msg.(bump).N
	return nil
}

func TestTimers(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	lv.click(t, "later", nil)
	lv.waitHTML(t, `<span id="count">1</span>`)
	lv.click(t, "tick", nil)
	lv.waitHTML(t, `<span id="count">4</span>`)
	// Leaving ends the view and its timers: no diff arrives afterwards and goleak
	// (TestMain) finds nothing running.
	ref := c.send(lv.joinRef, lv.topic, "phx_leave", map[string]any{})
	c.reply(ref)
	c.event(lv.topic, "phx_close")
	c.inbox = nil
	time.Sleep(30 * time.Millisecond)
	for len(c.inbox) > 0 {
		c.inbox = c.inbox[1:]
	}
	c.noFrame(30 * time.Millisecond)
}

func TestTimerSetStops(t *testing.T) {
	got := make(chan any, 100)
	ts := newTimerSet(func(m any) bool { got <- m; return true }, func() bool { return true })
	cancel := ts.after(time.Hour, "never", false)
	ts.after(time.Millisecond, "once", false)
	stop := ts.after(time.Millisecond, "tick", true)
	if m := <-got; m != "once" && m != "tick" {
		t.Fatalf("got %v", m)
	}
	cancel()
	stop()
	ts.stop()
	if n := ts.len(); n != 0 {
		t.Errorf("%d timers left after stop", n)
	}
	if f := ts.after(time.Millisecond, "late", false); f == nil {
		t.Fatal("nil cancel")
	}
	time.Sleep(10 * time.Millisecond)
	for len(got) > 0 {
		if m := <-got; m == "late" || m == "never" {
			t.Errorf("timer %v fired after stop", m)
		}
	}
}

// A one-shot message that finds the mailbox full is retried until it is taken; a tick is
// dropped; nothing is retried once the view is gone.
func TestTimerSetRetriesOneShotOnFullMailbox(t *testing.T) {
	tests := []struct {
		name      string
		repeat    bool
		alive     bool
		wantTries int32 // at least this many sends, and a delivery iff wantSent
		wantSent  bool
	}{
		{"one-shot retried until taken", false, true, 4, true},
		{"one-shot dropped when the view is gone", false, false, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tries atomic.Int32
			delivered := make(chan any, 1)
			send := func(m any) bool {
				// The mailbox is full for the first three attempts.
				if tries.Add(1) < 4 {
					return false
				}
				delivered <- m
				return true
			}
			ts := newTimerSet(send, func() bool { return tt.alive })
			defer ts.stop()
			ts.after(time.Millisecond, "later", tt.repeat)
			wait := 2 * time.Second
			if !tt.wantSent {
				wait = 100 * time.Millisecond
			}
			select {
			case m := <-delivered:
				if !tt.wantSent {
					t.Fatalf("delivered %v after the view ended", m)
				}
			case <-time.After(wait):
				if tt.wantSent {
					t.Fatalf("not delivered after %d tries", tries.Load())
				}
			}
			if got := tries.Load(); got < tt.wantTries || (!tt.wantSent && got != 1) {
				t.Errorf("%d sends, want %d", got, tt.wantTries)
			}
			// The timer forgets itself just after its send returns: wait for that.
			deadline := time.Now().Add(2 * time.Second)
			for ts.len() != 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if n := ts.len(); n != 0 {
				t.Errorf("%d timers left after the message was settled", n)
			}
		})
	}
}

func TestNavigation(t *testing.T) {
	ts := newCounterServer(t, Options{})
	tests := []struct {
		name   string
		event  string
		values map[string]string
		want   string // reply response
		close  bool
	}{
		{"push navigate", "navigate", map[string]string{"to": "/other/x"}, `{"live_redirect":{"kind":"push","to":"/other/x"}}`, true},
		{"redirect", "redirect", map[string]string{"to": "/login"}, `{"redirect":{"to":"/login"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ts.get(t, "/")
			c := ts.dial(t, p)
			lv := ts.join(t, c, p, "/")
			ref := c.send(lv.joinRef, lv.topic, "event", map[string]any{"type": "click", "event": tt.event, "value": tt.values})
			r := decodeReply(t, c.reply(ref))
			if r.Status != "ok" || string(r.Response) != tt.want {
				t.Errorf("reply %s %s, want %s", r.Status, r.Response, tt.want)
			}
			if tt.close {
				f := c.event(lv.topic, "phx_close")
				if *f.JoinRef != lv.joinRef {
					t.Errorf("phx_close join_ref %s", *f.JoinRef)
				}
			}
		})
	}
}

func TestPushPatchAndLivePatch(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	// A server patch pushes live_patch, then replies with the diff of HandleParams.
	ref := c.send(lv.joinRef, lv.topic, "event", map[string]any{"type": "click", "event": "patch", "value": map[string]string{"page": "5"}})
	f := c.next(func(f frame) bool { return f.Event == "live_patch" || (f.Ref != nil && *f.Ref == ref) })
	if f.Event != "live_patch" || string(f.Payload) != `{"kind":"push","to":"/?page=5"}` {
		t.Fatalf("first frame %s, want the live_patch push", f.raw)
	}
	r := decodeReply(t, c.reply(ref))
	if !strings.Contains(string(r.Response), `"diff"`) {
		t.Fatalf("patch reply %s", r.Response)
	}
	// A client patch to the same page runs HandleParams.
	resp := lv.push(t, "live_patch", map[string]string{"url": ts.http.URL + "/?page=9"})
	if !strings.Contains(string(resp), `"diff"`) {
		t.Errorf("live_patch reply %s", resp)
	}
	// A patch to another page asks the client to navigate.
	if resp := lv.push(t, "live_patch", map[string]string{"url": ts.http.URL + "/other/x"}); string(resp) != `{"link_redirect":true}` {
		t.Errorf("live_patch to another page: %s", resp)
	}
	if resp := lv.push(t, "live_patch", map[string]string{"url": "%zz"}); string(resp) != `{}` {
		t.Errorf("bad live_patch: %s", resp)
	}
	lv.click(t, "inc", nil) // Still alive after the bad one.
}
