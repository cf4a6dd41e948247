package presence

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type recorder struct{ ch chan *pubsub.Message }

func (r *recorder) ID() string { return "" }
func (r *recorder) Deliver(m *pubsub.Message) {
	select {
	case r.ch <- m:
	default:
	}
}

func (r *recorder) diff(t *testing.T) Diff {
	t.Helper()
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
			return d
		case <-time.After(5 * time.Second):
			t.Fatal("no presence_diff within 5s")
		}
	}
}

func listen(t *testing.T, ps pubsub.PubSub, topic string) *recorder {
	t.Helper()
	r := &recorder{ch: make(chan *pubsub.Message, 256)}
	if err := ps.Subscribe(topic, r); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Unsubscribe(topic, r) })
	return r
}

func newTracker(t *testing.T, ps pubsub.PubSub, node string) *Tracker {
	t.Helper()
	tr, err := New(ps, Options{NodeID: node, Heartbeat: 50 * time.Millisecond, Timeout: 300 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSingleNodeJoinsAndLeaves(t *testing.T) {
	ps := pubsub.NewLocal()
	tr := newTracker(t, ps, "a")
	r := listen(t, ps, "cart:lobby")

	ctx, cancel := context.WithCancel(context.Background())
	ref1, err := tr.Track(ctx, "cart:lobby", "user-1", Meta{"path": "/drops"})
	if err != nil {
		t.Fatal(err)
	}
	d := r.diff(t)
	if got := d.Joins["user-1"].Metas; len(got) != 1 || got[0]["path"] != "/drops" || got[0]["phx_ref"] != ref1 {
		t.Fatalf("join diff = %+v", d)
	}
	ref2, _ := tr.Track(context.Background(), "cart:lobby", "user-1", Meta{"path": "/admin"})
	r.diff(t)
	if got := tr.List("cart:lobby")["user-1"].Metas; len(got) != 2 {
		t.Fatalf("user-1 has %d metas, want 2 (two connections)", len(got))
	}

	cancel() // the first connection ends
	d = r.diff(t)
	if got := d.Leaves["user-1"].Metas; len(got) != 1 || got[0]["phx_ref"] != ref1 {
		t.Fatalf("leave diff after ctx end = %+v", d)
	}
	tr.Untrack("cart:lobby", ref2)
	d = r.diff(t)
	if _, ok := d.Leaves["user-1"]; !ok {
		t.Fatalf("leave diff after Untrack = %+v", d)
	}
	if l := tr.List("cart:lobby"); len(l) != 0 {
		t.Fatalf("List after all left = %+v", l)
	}
	tr.Untrack("cart:lobby", "unknown-ref") // ignored
	if _, err := tr.Track(context.Background(), "", "k", nil); err == nil {
		t.Error("Track with an empty topic: want an error")
	}
}

func TestTrackAfterClose(t *testing.T) {
	tr, err := New(pubsub.NewLocal(), Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if _, err := tr.Track(context.Background(), "t", "k", nil); err != ErrClosed {
		t.Fatalf("Track after Close = %v, want ErrClosed", err)
	}
}

// twoNodes returns two PubSubs on an embedded NATS server, as two Glint nodes would have.
func twoNodes(t *testing.T) (*natspubsub.PubSub, *natspubsub.PubSub) {
	t.Helper()
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	conn := func(node string) *natspubsub.PubSub {
		p, err := natspubsub.Connect(context.Background(), natspubsub.Options{URL: srv.ClientURL(), NodeID: node, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	return conn("a"), conn("b")
}

// syncNodes waits until the NATS server has processed each node's subscriptions.
func syncNodes(t *testing.T, ps ...*natspubsub.PubSub) {
	t.Helper()
	for _, p := range ps {
		if err := p.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPresenceAcrossNodes(t *testing.T) {
	psA, psB := twoNodes(t)
	trA := newTracker(t, psA, "a")
	trB := newTracker(t, psB, "b")
	onB := listen(t, psB, "shoppers")
	for _, p := range []*natspubsub.PubSub{psA, psB} {
		if err := p.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	ref, err := trA.Track(context.Background(), "shoppers", "cart-7", Meta{"tab": "1"})
	if err != nil {
		t.Fatal(err)
	}
	d := onB.diff(t)
	if got := d.Joins["cart-7"].Metas; len(got) != 1 || got[0]["tab"] != "1" {
		t.Fatalf("node b join diff = %+v", d)
	}
	eventually(t, "b lists a's presence", func() bool { return len(trB.List("shoppers")["cart-7"].Metas) == 1 })

	if _, err := trB.Track(context.Background(), "shoppers", "cart-9", nil); err != nil {
		t.Fatal(err)
	}
	onB.diff(t)
	eventually(t, "a lists b's presence", func() bool { return len(trA.List("shoppers")) == 2 })

	trA.Untrack("shoppers", ref)
	d = onB.diff(t)
	if _, ok := d.Leaves["cart-7"]; !ok {
		t.Fatalf("node b leave diff = %+v", d)
	}
	if l := trB.List("shoppers"); len(l) != 1 || len(l["cart-9"].Metas) != 1 {
		t.Fatalf("b's list after a's leave = %+v", l)
	}
}

func TestDeadNodeIsRemoved(t *testing.T) {
	psA, psB := twoNodes(t)
	trA, err := New(psA, Options{NodeID: "a", Heartbeat: 50 * time.Millisecond, Timeout: 300 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	trB := newTracker(t, psB, "b")
	onB := listen(t, psB, "shoppers")
	_ = psA.Sync(context.Background())
	_ = psB.Sync(context.Background())
	for i, key := range []string{"c1", "c2", "c3"} {
		if _, err := trA.Track(context.Background(), "shoppers", key, Meta{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "b sees a's three presences", func() bool { return len(trB.List("shoppers")) == 3 })
	drain(onB)

	// Node a dies: its NATS connection goes first, so it cannot say goodbye.
	psA.Close()
	died := time.Now()
	trA.Close()
	eventually(t, "b drops the dead node's presences", func() bool { return len(trB.List("shoppers")) == 0 })
	if waited := time.Since(died); waited > 3*time.Second {
		t.Errorf("removal took %v, want a few timeouts (300ms)", waited)
	}
	left := map[string]bool{}
	for len(left) < 3 {
		for k := range onB.diff(t).Leaves {
			left[k] = true
		}
	}
}

func TestGracefulCloseRemovesAtOnce(t *testing.T) {
	psA, psB := twoNodes(t)
	trA, err := New(psA, Options{NodeID: "a", Heartbeat: time.Hour, Timeout: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	trB, err := New(psB, Options{NodeID: "b", Heartbeat: time.Hour, Timeout: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer trB.Close()
	_ = psA.Sync(context.Background())
	_ = psB.Sync(context.Background())
	if _, err := trA.Track(context.Background(), "t", "k", nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b sees the presence", func() bool { return len(trB.List("t")) == 1 })
	trA.Close() // says bye; with hour-long timeouts only the bye can remove it
	eventually(t, "b removes it after bye", func() bool { return len(trB.List("t")) == 0 })
}

func drain(r *recorder) {
	for {
		select {
		case <-r.ch:
		default:
			return
		}
	}
}
