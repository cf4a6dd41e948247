package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

// agrees reports how memory differs from the store: "" when every item's count and
// version and every product's released flag are equal.
func agrees(ctx context.Context, inv *inventory.Inventory, st store.Store) string {
	ps, items, err := st.Catalog(ctx)
	if err != nil {
		return err.Error()
	}
	for _, p := range ps {
		mp, ok := inv.Product(p.ID)
		if !ok {
			return fmt.Sprintf("product %d missing", p.ID)
		}
		if mp.Released != p.Released {
			return fmt.Sprintf("product %d released: memory %v, store %v", p.ID, mp.Released, p.Released)
		}
	}
	for _, it := range items {
		m, _, ok := inv.Item(it.ID)
		if !ok {
			return fmt.Sprintf("item %d missing", it.ID)
		}
		if m.AvailableCount != it.AvailableCount || m.Version != it.Version {
			return fmt.Sprintf("item %d: memory %d (v%d), store %d (v%d)", it.ID, m.AvailableCount, m.Version, it.AvailableCount, it.Version)
		}
	}
	return ""
}

// waitAgree waits until memory equals the store, and fails after deadline.
func waitAgree(t *testing.T, inv *inventory.Inventory, st store.Store, deadline time.Duration) {
	t.Helper()
	ctx := context.Background()
	end := time.Now().Add(deadline)
	for {
		diff := agrees(ctx, inv, st)
		if diff == "" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("memory still differs from the store after %v: %s", deadline, diff)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// change is a replicated stock change as another node would send it.
func change(item, product int64, count int, version int64) map[string]any {
	return map[string]any{"kind": "stock", "product_id": product, "item_id": item, "count": count, "version": version}
}

func TestStaleReplicationDoesNotRegress(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil) // item 3 (product 2) has 3 units
	before, _, _ := e.inv.Item(3)
	v := before.Version

	// A newer change applies and tells the views of the level change it makes.
	if err := e.ps.Broadcast(ctx, inventory.ReplicationTopic, "change", change(3, 2, 0, v+2)); err != nil {
		t.Fatal(err)
	}
	if it, _, _ := e.inv.Item(3); it.AvailableCount != 0 || it.Version != v+2 {
		t.Fatalf("after the newer change: %+v, want 0 at version %d", it, v+2)
	}
	if got := describe(e.rec.take()); len(got) != 1 || got[0] != `product:2 stock_change {"product_id":2,"item_id":3,"level":"out"}` {
		t.Fatalf("views saw %v, want one stock_change to out", got)
	}

	// An older one, arriving late, and the same one again, change nothing and tell nobody.
	for _, c := range []map[string]any{change(3, 2, 2, v+1), change(3, 2, 0, v+2), change(3, 2, 3, v)} {
		if err := e.ps.Broadcast(ctx, inventory.ReplicationTopic, "change", c); err != nil {
			t.Fatal(err)
		}
	}
	if it, _, _ := e.inv.Item(3); it.AvailableCount != 0 || it.Version != v+2 {
		t.Errorf("stale changes moved memory back: %+v, want 0 at version %d", it, v+2)
	}
	if got := describe(e.rec.take()); len(got) != 0 {
		t.Errorf("views saw %v for stale changes", got)
	}
}

func TestConflictRepairsMemory(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	// Another writer sells item 3's stock (3 units) behind the inventory's back: memory
	// says available, the store says sold out.
	if _, err := e.st.Sell(ctx, 3, 3); err != nil {
		t.Fatal(err)
	}
	if it, _, _ := e.inv.Item(3); it.AvailableCount != 3 {
		t.Fatalf("memory %d before the conflict, want the stale 3", it.AvailableCount)
	}
	if _, err := e.inv.Sell(ctx, 3, 1); !errors.Is(err, store.ErrNotAvailable) {
		t.Fatalf("Sell = %v, want ErrNotAvailable", err)
	}
	if diff := agrees(ctx, e.inv, e.st); diff != "" {
		t.Fatalf("the refused sale did not repair memory: %s", diff)
	}
	if got := describe(e.rec.take()); len(got) != 1 || got[0] != `product:2 stock_change {"product_id":2,"item_id":3,"level":"out"}` {
		t.Errorf("views saw %v, want one stock_change to out", got)
	}
	if s := e.inv.SyncStats(); s.Corrected != 1 {
		t.Errorf("SyncStats = %+v, want 1 correction", s)
	}
	// A refusal that memory agrees with corrects nothing and tells nobody.
	if _, err := e.inv.Sell(ctx, 3, 1); !errors.Is(err, store.ErrNotAvailable) {
		t.Fatalf("Sell = %v, want ErrNotAvailable", err)
	}
	if got := describe(e.rec.take()); len(got) != 0 {
		t.Errorf("views saw %v for a refusal memory agreed with", got)
	}
}

// A reducer whose memory holds stock the store no longer has stops once the refusals have
// corrected memory, instead of selling sold-out items forever.
func TestReducerStopsWhenMemoryIsAboveTheStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	for id, n := range map[int64]int{1: 1, 2: 2, 3: 3} {
		if _, err := e.st.Sell(ctx, id, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.inv.StartReducer(inventory.ReducerConfig{PerTick: 10, Tick: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.inv.WaitReducer(wctx); err != nil {
		t.Fatalf("reducer still running: %v (memory: %s)", err, agrees(ctx, e.inv, e.st))
	}
	if s := e.inv.ReducerStatus(); s.Sales != 0 {
		t.Errorf("reducer sold %d units the store did not have", s.Sales)
	}
	if diff := agrees(ctx, e.inv, e.st); diff != "" {
		t.Error(diff)
	}
}

func TestResyncCorrectsMemoryAndTellsTheViews(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	// Changes memory never heard of: a release and two sales (item 2: 2 → 1, low to low;
	// item 3: 3 → 0, low to out).
	if _, err := e.st.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Sell(ctx, 2, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Sell(ctx, 3, 3); err != nil {
		t.Fatal(err)
	}
	n, err := e.inv.Resync(ctx)
	if err != nil || n != 3 {
		t.Fatalf("Resync = %d, %v; want 3 corrections", n, err)
	}
	if diff := agrees(ctx, e.inv, e.st); diff != "" {
		t.Fatal(diff)
	}
	// Every correction reaches the views, even one that changes no level.
	want := map[string]bool{
		`product:1 released {"product_id":1}`:                               true,
		`product:1 stock_change {"product_id":1,"item_id":2,"level":"low"}`: true,
		`product:2 stock_change {"product_id":2,"item_id":3,"level":"out"}`: true,
	}
	got := describe(e.rec.take())
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected broadcast %s", g)
		}
		delete(want, g)
	}
	if len(want) != 0 {
		t.Errorf("views did not hear of %v (got %v)", want, got)
	}
	// Nothing left to correct.
	if n, err := e.inv.Resync(ctx); err != nil || n != 0 {
		t.Errorf("second Resync = %d, %v; want 0", n, err)
	}
	if got := describe(e.rec.take()); len(got) != 0 {
		t.Errorf("a resync that corrected nothing broadcast %v", got)
	}
}

// A catalog reset behind the inventory's back (new items) is reloaded whole by a resync.
func TestResyncReloadsAResetCatalog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	products := []store.Product{{ID: 1, SKU: "P1", Name: "One", MainImageURL: "/1.png"}}
	items := []store.Item{{ID: 7, SKU: "I7", Size: "9", ProductID: 1, AvailableCount: 600}}
	if err := e.st.Reset(ctx, products, items); err != nil {
		t.Fatal(err)
	}
	if _, err := e.inv.Resync(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := agrees(ctx, e.inv, e.st); diff != "" {
		t.Fatal(diff)
	}
	if ps := e.inv.Products(); len(ps) != 1 || len(ps[0].Items) != 1 || ps[0].Items[0].ID != 7 {
		t.Fatalf("products after reload: %+v", ps)
	}
	if got := describe(e.rec.take()); len(got) != 1 || got[0] != `product:1 stock_change {"product_id":1,"item_id":7,"level":"high"}` {
		t.Errorf("views saw %v, want the new item's stock_change", got)
	}
}

func TestPeriodicReconciliation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	inv, err := inventory.Load(ctx, e.st, pubsub.NewLocal(), inventory.Options{Logger: quiet(), ReconcileEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	if _, err := e.st.Sell(ctx, 3, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	waitAgree(t, inv, e.st, 10*time.Second)
	if s := inv.SyncStats(); s.Resyncs == 0 || s.Corrected != 2 {
		t.Errorf("SyncStats = %+v, want resyncs and 2 corrections", s)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
