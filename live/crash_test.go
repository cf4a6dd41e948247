package live

import (
	"strings"
	"testing"
	"time"
)

func TestCrashInEventSendsPhxErrorAndRejoinRemounts(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/")
	q := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	sibling := ts.join(t, c, q, "/")
	lv.click(t, "inc", nil)
	sibling.click(t, "inc", nil)
	sibling.click(t, "inc", nil)

	c.send(lv.joinRef, lv.topic, "event", map[string]any{"type": "click", "event": "boom", "value": map[string]any{}})
	f := c.event(lv.topic, "phx_error")
	if f.raw != `["`+lv.joinRef+`","`+lv.joinRef+`","`+lv.topic+`","phx_error",{"reason":"channel_crash"}]` {
		t.Errorf("phx_error frame %s", f.raw)
	}
	ts.log.waitLog(t, "boom in event")
	if !strings.Contains(ts.log.String(), "crash_test.go") && !strings.Contains(ts.log.String(), "views_test.go") {
		t.Errorf("crash log has no stack:\n%s", ts.log.String())
	}
	// The sibling view on the same socket is unaffected.
	sibling.click(t, "inc", nil)
	if !strings.Contains(sibling.model.HTML(), `<span id="count">3</span>`) {
		t.Errorf("sibling: %q", sibling.model.HTML())
	}
	// The client rejoins; the view remounts from scratch (after a short backoff).
	lv2 := ts.join(t, c, p, "/")
	if !strings.Contains(lv2.model.HTML(), `<span id="count">0</span>`) {
		t.Errorf("rejoined view: %q", lv2.model.HTML())
	}
	lv2.click(t, "inc", nil)
}

func TestCrashInInfo(t *testing.T) {
	ts := newTestServer(t, Options{}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &refHolder{} }, Template: plainCounterTmpl})
	})
	p := ts.get(t, "/")
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/")
	ref := <-refs
	ref.Send("not a bump") // refHolder's HandleInfo panics on a type assertion.
	c.event(lv.topic, "phx_error")
	if ref.Send(bump{1}) {
		t.Error("Send to a crashed view succeeded")
	}
}

func TestCrashLoopBacksOff(t *testing.T) {
	ts := newCounterServer(t, Options{})
	ts.crashes.base = 40 * time.Millisecond
	p := ts.get(t, "/crash")
	c := ts.dial(t, p)
	var took []time.Duration
	for i := 0; i < 4; i++ {
		start := time.Now()
		ref := c.send("=", "lv:"+p.id, "phx_join", joinFor(p, ts.http.URL+"/crash"))
		r := decodeReply(t, c.reply(ref))
		took = append(took, time.Since(start))
		if r.Status != "error" || string(r.Response) != `{"reason":"join crashed"}` {
			t.Fatalf("join %d: %s %s", i, r.Status, r.Response)
		}
	}
	// 0, then 40, 80, 160 ms at least: each rejoin of a crashing view waits longer.
	for i, want := range []time.Duration{0, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond} {
		if took[i] < want {
			t.Errorf("join %d answered after %v, want at least %v (all: %v)", i, took[i], want, took)
		}
	}
	if got := ts.metrics.crashes.Load(); got != 4 {
		t.Errorf("crash counter %d, want 4", got)
	}
	// Other views are not delayed: the crashing view's next rejoin would wait 320 ms, so a
	// healthy join well under that was not held back (the margin absorbs a loaded machine).
	q := ts.get(t, "/")
	start := time.Now()
	ts.join(t, c, q, "/")
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("a healthy view's join took %v, as if it shared the crashing view's backoff", d)
	}
}

func TestCrashBackoffTable(t *testing.T) {
	cb := newCrashBackoff()
	cb.base, cb.max = time.Millisecond, 5*time.Millisecond
	if d := cb.delay("a"); d != 0 {
		t.Errorf("no crash: %v", d)
	}
	want := []time.Duration{1, 2, 4, 5, 5}
	for i, w := range want {
		cb.record("a")
		if d := cb.delay("a"); d != w*time.Millisecond {
			t.Errorf("after %d crashes: %v, want %v", i+1, d, w*time.Millisecond)
		}
	}
	for i := 0; i < maxCrashRecords+10; i++ {
		cb.record(string(rune(i)))
	}
	if len(cb.byID) > maxCrashRecords {
		t.Errorf("crash table grew to %d", len(cb.byID))
	}
}
