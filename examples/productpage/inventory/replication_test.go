package inventory_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// node is one Glint node's inventory on a NATS PubSub, recording what its views would see.
type node struct {
	ps  *natspubsub.PubSub
	inv *inventory.Inventory
	rec *recorder
}

// twoNodes starts an embedded NATS server and two nodes sharing one SQLite store.
func twoNodes(t *testing.T) (*node, *node, store.Store) {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "shared.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ps, items := storetest.Fixture()
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	opts := inventory.Options{Logger: quiet}
	return startNode(t, srv.ClientURL(), "a", st, opts), startNode(t, srv.ClientURL(), "b", st, opts), st
}

// startNode starts a node id on the NATS server at url: its inventory over st, and a
// recorder of the broadcasts on the products' topics. Both end with the test.
func startNode(t *testing.T, url, id string, st store.Store, opts inventory.Options) *node {
	t.Helper()
	ctx := context.Background()
	p, err := natspubsub.Connect(ctx, natspubsub.Options{URL: url, NodeID: id, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	inv, err := inventory.Load(ctx, st, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.Close)
	n := &node{ps: p, inv: inv, rec: &recorder{}}
	for _, pid := range []int64{1, 2} {
		if err := p.Subscribe(inventory.Topic(pid), n.rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// settle waits until cond holds, then a little longer so that duplicates would show.
func settle(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("not within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
}

func TestReplicationAcrossNodes(t *testing.T) {
	a, b, _ := twoNodes(t)
	ctx := context.Background()

	if err := a.inv.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	settle(t, func() bool { p, _ := b.inv.Product(1); return p.Released })
	for name, n := range map[string]*node{"a": a, "b": b} {
		if got := describe(n.rec.take()); len(got) != 1 || got[0] != `product:1 released {"product_id":1}` {
			t.Errorf("node %s views saw %v, want one release", name, got)
		}
	}

	// Item 1 has 1 unit (fixture): the sale makes it out, on both nodes, once each.
	if _, err := a.inv.Sell(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	settle(t, func() bool { p, _ := b.inv.Product(1); return p.Items[0].AvailableCount == 0 })
	for name, n := range map[string]*node{"a": a, "b": b} {
		got := describe(n.rec.take())
		if len(got) != 1 || got[0] != `product:1 stock_change {"product_id":1,"item_id":1,"level":"out"}` {
			t.Errorf("node %s views saw %v, want one stock_change to out", name, got)
		}
	}

	// A sale on b that changes no level tells nobody, but b's count reaches a.
	if _, err := b.inv.Sell(ctx, 3, 1); err != nil { // 3 → 2, still low
		t.Fatal(err)
	}
	settle(t, func() bool { p, _ := a.inv.Product(2); return p.Items[0].AvailableCount == 2 })
	if got := describe(a.rec.take()); len(got) != 0 {
		t.Errorf("a's views saw %v for a sale that changed no level", got)
	}

	// No loops: each node published only its own changes.
	if pa, pb := a.ps.Stats().Published, b.ps.Stats().Published; pa != 2 || pb != 1 {
		t.Errorf("published a=%d b=%d, want 2 and 1 (replicated changes are never re-sent)", pa, pb)
	}
}

// BenchmarkReplicatedSale reports what one sale costs on NATS with two nodes: messages and
// bytes published by the selling node and delivered to the other.
//
//	go test -run '^$' -bench ReplicatedSale -benchtime 2000x ./examples/productpage/inventory/
func BenchmarkReplicatedSale(b *testing.B) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "bench.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ps, items := storetest.Fixture()
	items[0].AvailableCount = 1 << 30
	if err := st.Reset(ctx, ps, items); err != nil {
		b.Fatal(err)
	}
	var invs []*inventory.Inventory
	for _, id := range []string{"a", "b"} {
		p, err := natspubsub.Connect(ctx, natspubsub.Options{URL: srv.ClientURL(), NodeID: id, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		inv, err := inventory.Load(ctx, st, p, inventory.Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		defer inv.Close()
		_ = p.Sync(ctx)
		invs = append(invs, inv)
	}
	itemID := items[0].ID
	before := srv.Traffic()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := invs[0].Sell(ctx, itemID, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	held := func() int {
		p, _ := invs[1].Product(items[0].ProductID)
		for _, it := range p.Items {
			if it.ID == itemID {
				return it.AvailableCount
			}
		}
		return -1
	}
	deadline := time.Now().Add(10 * time.Second)
	for held() != (1<<30)-b.N {
		if time.Now().After(deadline) {
			b.Fatalf("node b holds %d, want %d", held(), (1<<30)-b.N)
		}
		time.Sleep(time.Millisecond)
	}
	after := srv.Traffic()
	n := float64(b.N)
	b.ReportMetric(float64(after.InMsgs-before.InMsgs)/n, "nats-msgs-in/sale")
	b.ReportMetric(float64(after.InBytes-before.InBytes)/n, "nats-bytes-in/sale")
	b.ReportMetric(float64(after.OutMsgs-before.OutMsgs)/n, "nats-msgs-out/sale")
}
