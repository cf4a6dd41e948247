package natspubsub

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestProbe asks whether a topic has a subscriber on another node: yes while b subscribes
// (b answers, and delivers nothing to its subscriber), no once b unsubscribed or closed,
// and "cannot tell" while a's own link is down.
func TestProbe(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	a := connect(t, srv.ClientURL(), "a", Options{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	rec := newRecorder("watch")
	if err := b.Subscribe("node:b", rec); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)
	time.Sleep(10 * time.Millisecond) // b's link has been up a while
	sub, upFor, err := a.Probe(ctx, "node:b")
	if err != nil || !sub || upFor <= 0 {
		t.Fatalf("Probe(subscribed) = %v, %v, %v; want true with b's time up", sub, upFor, err)
	}
	rec.none(t, 100*time.Millisecond)
	if sub, _, err := a.Probe(ctx, "node:nobody"); err != nil || sub {
		t.Errorf("Probe(no subscriber) = %v, %v; want false, nil", sub, err)
	}
	b.Unsubscribe("node:b", rec)
	syncAll(t, b)
	if sub, _, err := a.Probe(ctx, "node:b"); err != nil || sub {
		t.Errorf("Probe after Unsubscribe = %v, %v; want false, nil", sub, err)
	}
	if err := b.Subscribe("node:b", rec); err != nil {
		t.Fatal(err)
	}
	syncAll(t, b)
	b.Close()
	if sub, _, err := a.Probe(ctx, "node:b"); err != nil || sub {
		t.Errorf("Probe after b closed = %v, %v; want false, nil", sub, err)
	}
	srv.Shutdown()
	for up, _ := a.LinkState(); up; up, _ = a.LinkState() {
		time.Sleep(5 * time.Millisecond)
	}
	if _, _, err := a.Probe(ctx, "node:b"); !errors.Is(err, ErrLinkDown) {
		t.Errorf("Probe with the link down err = %v, want ErrLinkDown", err)
	}
}
