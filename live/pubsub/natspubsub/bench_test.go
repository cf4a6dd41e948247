package natspubsub

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/glint-go/glint/live/pubsub"
)

// BenchmarkBroadcastLatency measures one broadcast's time from Broadcast to a subscriber's
// Deliver: on the same node (served in-process) and on another node (through an embedded
// NATS server on loopback). It reports p50 and p99 in microseconds and NATS bytes per
// message.
//
//	go test -run '^$' -bench BroadcastLatency -benchtime 2000x ./live/pubsub/natspubsub/
func BenchmarkBroadcastLatency(b *testing.B) {
	srv, err := StartServer(ServerOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	ctx := context.Background()
	a, err := Connect(ctx, Options{URL: srv.ClientURL(), NodeID: "a", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	other, err := Connect(ctx, Options{URL: srv.ClientURL(), NodeID: "b", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	// A stock_change as the demo sends it.
	payload := map[string]any{"product_id": 1, "item_id": 7, "level": "low"}
	for _, bc := range []struct {
		name string
		sub  *PubSub
	}{{"same-node", a}, {"two-nodes", other}} {
		b.Run(bc.name, func(b *testing.B) {
			r := &chanSub{ch: make(chan time.Time, 1)}
			if err := bc.sub.Subscribe("product:1", r); err != nil {
				b.Fatal(err)
			}
			defer bc.sub.Unsubscribe("product:1", r)
			_ = a.Sync(ctx)
			_ = bc.sub.Sync(ctx)
			lat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if err := a.Broadcast(ctx, "product:1", "stock_change", payload); err != nil {
					b.Fatal(err)
				}
				select {
				case at := <-r.ch:
					lat = append(lat, at.Sub(start))
				case <-time.After(5 * time.Second):
					b.Fatal("broadcast not delivered within 5s")
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

type chanSub struct{ ch chan time.Time }

func (c *chanSub) ID() string { return "" }
func (c *chanSub) Deliver(*pubsub.Message) {
	select {
	case c.ch <- time.Now():
	default:
	}
}
