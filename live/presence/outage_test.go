package presence

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// outageRig is two nodes on an embedded NATS server that can be stopped and started again
// on the same port.
type outageRig struct {
	t        *testing.T
	port     int
	srv      *natspubsub.Server
	psA, psB *natspubsub.PubSub
}

func newOutageRig(t *testing.T) *outageRig {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &outageRig{t: t, port: port}
	r.start()
	t.Cleanup(func() {
		if r.srv != nil {
			r.srv.Shutdown()
		}
	})
	conn := func(node string) *natspubsub.PubSub {
		p, err := natspubsub.Connect(context.Background(), natspubsub.Options{URL: r.srv.ClientURL(), NodeID: node, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	r.psA, r.psB = conn("a"), conn("b")
	return r
}

func (r *outageRig) start() {
	r.t.Helper()
	var err error
	// The port of a server just stopped can stay busy for a moment.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r.srv, err = natspubsub.StartServer(natspubsub.ServerOptions{Port: r.port, Logger: quiet})
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		r.t.Fatal(err)
	}
}

// down stops the server and waits until both nodes know their link is down.
func (r *outageRig) down() time.Time {
	r.t.Helper()
	r.srv.Shutdown()
	r.srv = nil
	at := time.Now()
	eventually(r.t, "both links down", func() bool {
		upA, _ := r.psA.LinkState()
		upB, _ := r.psB.LinkState()
		return !upA && !upB
	})
	return at
}

// up starts the server again and waits until both links are up.
func (r *outageRig) up() {
	r.t.Helper()
	r.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		upA, _ := r.psA.LinkState()
		upB, _ := r.psB.LinkState()
		if upA && upB {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("links not up again within 10s of the restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// listJSON is List in a form comparable across nodes (remote metas went through JSON).
func listJSON(t *testing.T, tr *Tracker, topic string) string {
	t.Helper()
	b, err := json.Marshal(tr.List(topic))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// diffs returns every presence_diff r has received so far.
func (r *recorder) diffs(t *testing.T) []Diff {
	t.Helper()
	var out []Diff
	for {
		select {
		case m := <-r.ch:
			if m.Event != DiffEvent {
				continue
			}
			var d Diff
			if err := m.Decode(&d); err != nil {
				t.Fatalf("decode %s: %v", m.Payload, err)
			}
			out = append(out, d)
		default:
			return out
		}
	}
}

// TestNATSOutageShowsNoLeaves stops NATS under two nodes for 10 s, more than three times
// the default Timeout (3 s), and starts it again: neither node may see a presence leave (or
// come back), and both end up listing the same presences.
func TestNATSOutageShowsNoLeaves(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s outage")
	}
	r := newOutageRig(t)
	// Default heartbeat and timeout: what a deployment runs.
	newDefault := func(ps pubsub.PubSub, node string) *Tracker {
		tr, err := New(ps, Options{NodeID: node, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tr.Close() })
		return tr
	}
	trA, trB := newDefault(r.psA, "a"), newDefault(r.psB, "b")
	onA, onB := listen(t, r.psA, "shoppers"), listen(t, r.psB, "shoppers")
	syncNodes(t, r.psA, r.psB)
	for _, p := range []struct {
		tr   *Tracker
		key  string
		meta Meta
	}{
		{trA, "cart-1", Meta{"path": "/drops", "items": []int{1}}},
		{trA, "cart-2", Meta{"path": "/checkout"}},
		{trB, "cart-3", Meta{"path": "/drops"}},
	} {
		if _, err := p.tr.Track(context.Background(), "shoppers", p.key, p.meta); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "both nodes list the three presences", func() bool {
		return len(trA.List("shoppers")) == 3 && len(trB.List("shoppers")) == 3
	})
	want := listJSON(t, trA, "shoppers")
	onA.diffs(t)
	onB.diffs(t)

	const outage = 10 * time.Second
	began := r.down()
	// Watch both lists through the outage: nothing may disappear.
	for time.Since(began) < outage {
		if a, b := len(trA.List("shoppers")), len(trB.List("shoppers")); a != 3 || b != 3 {
			t.Fatalf("%v into the outage: a lists %d keys, b lists %d, want 3", time.Since(began).Round(time.Millisecond), a, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.up()
	back := time.Now()
	t.Logf("NATS down for %v", back.Sub(began).Round(time.Millisecond))
	// And after it: a node that expired its peers right after the link returned, or one
	// Timeout later because their heartbeats did not arrive, would show it here.
	for time.Since(back) < 4*time.Second {
		if a, b := len(trA.List("shoppers")), len(trB.List("shoppers")); a != 3 || b != 3 {
			t.Fatalf("%v after the outage: a lists %d keys, b lists %d, want 3", time.Since(back).Round(time.Millisecond), a, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for node, rec := range map[string]*recorder{"a": onA, "b": onB} {
		if ds := rec.diffs(t); len(ds) != 0 {
			t.Errorf("node %s saw %d presence diffs over the outage, want none: %+v", node, len(ds), ds)
		}
	}
	if a, b := listJSON(t, trA, "shoppers"), listJSON(t, trB, "shoppers"); a != want || b != want {
		t.Errorf("lists after the outage:\na: %s\nb: %s\nwant: %s", a, b, want)
	}
}

// TestNATSOutageRepairsMissedChanges changes presences while NATS is down: the deltas are
// lost or late, and the other node must still end up with the same list, having seen
// exactly the changes (and no leave of a presence that stayed).
func TestNATSOutageRepairsMissedChanges(t *testing.T) {
	r := newOutageRig(t)
	opts := func(node string) Options {
		return Options{NodeID: node, Heartbeat: 250 * time.Millisecond, Timeout: 1500 * time.Millisecond, Logger: quiet}
	}
	trA, err := New(r.psA, opts("a"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trA.Close() })
	trB, err := New(r.psB, opts("b"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { trB.Close() })
	onB := listen(t, r.psB, "shoppers")
	syncNodes(t, r.psA, r.psB)

	refs := map[string]string{}
	for _, key := range []string{"stays", "leaves", "changes"} {
		ref, err := trA.Track(context.Background(), "shoppers", key, Meta{"status": "available"})
		if err != nil {
			t.Fatal(err)
		}
		refs[key] = ref
	}
	if _, err := trB.Track(context.Background(), "shoppers", "on-b", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b lists a's presences", func() bool { return len(trB.List("shoppers")) == 4 })
	onB.diffs(t)

	began := r.down()
	trA.Untrack("shoppers", refs["leaves"])
	if err := trA.Update("shoppers", refs["changes"], Meta{"status": "busy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := trA.Track(context.Background(), "shoppers", "joins", nil); err != nil {
		t.Fatal(err)
	}
	for time.Since(began) < 3*time.Second { // twice the Timeout
		time.Sleep(50 * time.Millisecond)
	}
	r.up()
	eventually(t, "b catches up with a", func() bool { return listJSON(t, trA, "shoppers") == listJSON(t, trB, "shoppers") })
	time.Sleep(2 * time.Second) // more than a Timeout: nothing else may happen
	if a, b := listJSON(t, trA, "shoppers"), listJSON(t, trB, "shoppers"); a != b {
		t.Fatalf("lists differ after the outage:\na: %s\nb: %s", a, b)
	}
	left, joined := map[string]int{}, map[string]int{}
	for _, d := range onB.diffs(t) {
		for k, p := range d.Leaves {
			left[k] += len(p.Metas)
		}
		for k, p := range d.Joins {
			joined[k] += len(p.Metas)
			if k == "changes" && p.Metas[0]["status"] != "busy" {
				t.Errorf("joined meta of the updated presence = %v", p.Metas[0])
			}
		}
	}
	wantLeft, wantJoined := map[string]int{"leaves": 1, "changes": 1}, map[string]int{"joins": 1, "changes": 1}
	if !equalCounts(left, wantLeft) || !equalCounts(joined, wantJoined) {
		t.Errorf("b's diffs after the outage: leaves %v joins %v, want leaves %v joins %v", left, joined, wantLeft, wantJoined)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestKilledNodeRemovedWithinFiveSeconds kills a node, with default options, in the two
// ways a node dies: its process is gone (no goodbye, its NATS connection drops), or it hangs
// (no goodbye, no heartbeat, its connection stays open). The survivor, whose own link is
// fine, must remove its presences within 5 s.
func TestKilledNodeRemovedWithinFiveSeconds(t *testing.T) {
	for _, c := range []struct {
		name      string
		closeConn bool
	}{{"process gone", true}, {"hung", false}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			psA, psB := twoNodes(t)
			trA, err := New(psA, Options{NodeID: "a", Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			trB, err := New(psB, Options{NodeID: "b", Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { trB.Close() })
			onB := listen(t, psB, "shoppers")
			syncNodes(t, psA, psB)
			for _, key := range []string{"c1", "c2"} {
				if _, err := trA.Track(context.Background(), "shoppers", key, nil); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, "b lists a's presences", func() bool { return len(trB.List("shoppers")) == 2 })
			onB.diffs(t)

			trA.kill()
			killed := time.Now()
			if c.closeConn {
				psA.Close()
			}
			deadline := killed.Add(5 * time.Second)
			for len(trB.List("shoppers")) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("b still lists %v 5s after a was killed", trB.List("shoppers"))
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("removed %v after the kill", time.Since(killed).Round(time.Millisecond))
			left := 0
			for _, d := range onB.diffs(t) {
				left += len(d.Leaves)
			}
			if left != 2 {
				t.Errorf("b saw %d keys leave, want 2", left)
			}
		})
	}
}

// kill stops the tracker the way a crash does: no goodbye, no more heartbeats, presences
// left behind. The tracker must not be used afterwards.
func (t *Tracker) kill() {
	t.ps.Unsubscribe(t.opts.GossipTopic, (*gossipSub)(t))
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	close(t.stop)
	<-t.done
	t.cancel()
	t.probes.Wait()
}
