package inventory_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a pubsub subscriber that keeps every message it receives.
type recorder struct {
	mu   sync.Mutex
	msgs []*pubsub.Message
}

func (r *recorder) ID() string { return "" }
func (r *recorder) Deliver(m *pubsub.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
}

func (r *recorder) take() []*pubsub.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

type env struct {
	st  *store.SQLite
	ps  *pubsub.Local
	inv *inventory.Inventory
	rec *recorder
}

// newEnv opens a SQLite store holding the given catalog (the fixture when products is nil),
// loads an inventory over it and records every broadcast on the products' topics.
func newEnv(t *testing.T, products []store.Product, items []store.Item) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "inv.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 1)), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if products == nil {
		products, items = storetest.Fixture()
	}
	if err := st.Reset(ctx, products, items); err != nil {
		t.Fatal(err)
	}
	ps := pubsub.NewLocal()
	inv, err := inventory.Load(ctx, st, ps, inventory.Options{Rand: rand.New(rand.NewPCG(2, 2))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inv.Close)
	rec := &recorder{}
	for _, p := range products {
		if err := ps.Subscribe(inventory.Topic(p.ID), rec); err != nil {
			t.Fatal(err)
		}
	}
	return &env{st: st, ps: ps, inv: inv, rec: rec}
}

func TestLevelOf(t *testing.T) {
	tests := []struct {
		count int
		want  inventory.Level
	}{
		{-1, inventory.LevelOut}, {0, inventory.LevelOut}, {1, inventory.LevelLow}, {149, inventory.LevelLow},
		{150, inventory.LevelMedium}, {499, inventory.LevelMedium}, {500, inventory.LevelHigh}, {1200, inventory.LevelHigh},
	}
	for _, tt := range tests {
		if got := inventory.LevelOf(tt.count); got != tt.want {
			t.Errorf("LevelOf(%d) = %q, want %q", tt.count, got, tt.want)
		}
	}
}

func TestLoadSnapshot(t *testing.T) {
	e := newEnv(t, nil, nil)
	ps := e.inv.Products()
	if len(ps) != 2 || ps[0].ID != 2 || ps[1].ID != 1 {
		t.Fatalf("order = %+v, want products [2 1]", ps)
	}
	if len(ps[1].Items) != 2 || ps[1].Items[0].ID != 1 || ps[1].Items[1].ID != 2 || ps[0].Items[0].ID != 3 {
		t.Fatalf("items = %+v / %+v", ps[1].Items, ps[0].Items)
	}
	for _, p := range ps {
		for _, it := range p.Items {
			if it.Level != inventory.LevelLow {
				t.Errorf("item %d level %q, want low", it.ID, it.Level)
			}
		}
	}
	// A snapshot is a copy: changing it changes nothing.
	ps[0].Items[0].AvailableCount = 999
	ps[0].Released = true
	if p, _ := e.inv.Product(2); p.Items[0].AvailableCount != 3 || p.Released {
		t.Errorf("snapshot aliases the inventory: %+v", p)
	}
	if _, ok := e.inv.Product(99); ok {
		t.Error("Product(99) found")
	}
}

// Snapshot is shared until a change, and then shows it; reading it changes nothing.
func TestSharedSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	first := e.inv.Snapshot()
	if again := e.inv.Snapshot(); again != first {
		t.Fatal("two reads without a change made two snapshots")
	}
	if !reflect.DeepEqual(first.Value(), e.inv.Products()) {
		t.Fatalf("snapshot %+v, products %+v", first.Value(), e.inv.Products())
	}
	steps := []struct {
		name   string
		change func() error
		check  func(ps []inventory.Product) bool
	}{
		{"release", func() error { return e.inv.Release(ctx, 1) }, func(ps []inventory.Product) bool { return ps[1].Released }},
		{"sale", func() error { _, err := e.inv.Sell(ctx, 3, 1); return err }, func(ps []inventory.Product) bool { return ps[0].Items[0].AvailableCount == 2 }},
		{"reload", func() error { return e.inv.Reload(ctx) }, func(ps []inventory.Product) bool { return ps[1].Released }},
	}
	prev := first
	for _, st := range steps {
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		next := e.inv.Snapshot()
		if next == prev {
			t.Fatalf("%s: the snapshot did not change", st.name)
		}
		if !st.check(next.Value()) || !reflect.DeepEqual(next.Value(), e.inv.Products()) {
			t.Fatalf("%s: snapshot %+v, products %+v", st.name, next.Value(), e.inv.Products())
		}
		if prev.Value()[1].Released && st.name == "release" {
			t.Fatalf("%s: the previous snapshot changed too", st.name)
		}
		prev = next
	}
	// Concurrent readers after a change all get one snapshot.
	if err := e.inv.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	got := make([]any, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = e.inv.Snapshot() })
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatal("concurrent readers got different snapshots")
		}
	}
}

func TestRelease(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil, nil)
	if err := e.inv.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msgs := e.rec.take()
	if len(msgs) != 1 || msgs[0].Topic != "product:1" || msgs[0].Event != "released" || string(msgs[0].Payload) != `{"product_id":1}` {
		t.Fatalf("broadcasts = %v", describe(msgs))
	}
	if p, _ := e.inv.Product(1); !p.Released {
		t.Error("memory not updated")
	}
	if ps, _, _ := e.st.Catalog(ctx); !ps[1].Released {
		t.Error("store not updated")
	}
	if err := e.inv.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := e.inv.Release(ctx, 77); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Release(77) = %v, want ErrNotFound", err)
	}
	if msgs := e.rec.take(); len(msgs) != 0 {
		t.Errorf("a repeated or failed release broadcast %v", describe(msgs))
	}
	if p, _ := e.inv.Product(2); p.Released {
		t.Error("product 2 released too")
	}
}

func describe(msgs []*pubsub.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Topic+" "+m.Event+" "+string(m.Payload))
	}
	return out
}

func TestSellBroadcastsOnlyLevelChangesAndOut(t *testing.T) {
	ctx := context.Background()
	products := []store.Product{{ID: 5, SKU: "P5", Name: "Five", MainImageURL: "/5.png"}}
	items := []store.Item{
		{ID: 50, SKU: "I50", Size: "9", ProductID: 5, AvailableCount: 501},
		{ID: 51, SKU: "I51", Size: "10", ProductID: 5, AvailableCount: 700},
	}
	e := newEnv(t, products, items)
	stock := `{"product_id":5,"item_id":50,"level":`
	tests := []struct {
		item      int64
		count     int
		err       error
		remaining int
		broadcast string // "" for none
	}{
		{50, 1, nil, 500, ""},
		{50, 1, nil, 499, stock + `"medium"}`},
		{50, 349, nil, 150, ""},
		{50, 1, nil, 149, stock + `"low"}`},
		{50, 148, nil, 1, ""},
		{50, 2, store.ErrNotAvailable, 0, ""},
		{50, 1, nil, 0, stock + `"out"}`},
		{50, 1, store.ErrNotAvailable, 0, ""},
		{50, 0, store.ErrInvalid, 0, ""},
		{99, 1, store.ErrNotFound, 0, ""},
		{51, 700, nil, 0, `{"product_id":5,"item_id":51,"level":"out"}`}, // high straight to out
	}
	for i, tt := range tests {
		it, err := e.inv.Sell(ctx, tt.item, tt.count)
		if !errors.Is(err, tt.err) {
			t.Fatalf("step %d: Sell(%d, %d) err = %v, want %v", i, tt.item, tt.count, err, tt.err)
		}
		if err == nil && (it.AvailableCount != tt.remaining || it.Level != inventory.LevelOf(tt.remaining)) {
			t.Errorf("step %d: item = %+v, want count %d", i, it, tt.remaining)
		}
		msgs := e.rec.take()
		switch {
		case tt.broadcast == "" && len(msgs) != 0:
			t.Errorf("step %d: unexpected broadcasts %v", i, describe(msgs))
		case tt.broadcast != "" && (len(msgs) != 1 || msgs[0].Event != "stock_change" || msgs[0].Topic != "product:5" || string(msgs[0].Payload) != tt.broadcast):
			t.Errorf("step %d: broadcasts %v, want one stock_change %s", i, describe(msgs), tt.broadcast)
		}
	}
	p, _ := e.inv.Product(5)
	_, stored, _ := e.st.Catalog(ctx)
	for i, it := range p.Items {
		if it.AvailableCount != 0 || stored[i].AvailableCount != 0 || it.Level != inventory.LevelOut {
			t.Errorf("item %d: memory %d (%s), store %d; want 0 out", it.ID, it.AvailableCount, it.Level, stored[i].AvailableCount)
		}
	}
}

// 50 goroutines sell one item with stock 100: exactly 100 sales, the count ends at 0 (never
// negative) in both store and memory, and "out" is broadcast exactly once.
func TestConcurrentSales(t *testing.T) {
	ctx := context.Background()
	products := []store.Product{{ID: 1, SKU: "P", Name: "P", MainImageURL: "/p.png"}}
	items := []store.Item{{ID: 1, SKU: "I", Size: "9", ProductID: 1, AvailableCount: 100}}
	e := newEnv(t, products, items)
	var sold, bad atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, err := e.inv.Sell(ctx, 1, 1)
				if errors.Is(err, store.ErrNotAvailable) {
					return
				}
				if err != nil || it.AvailableCount < 0 {
					bad.Add(1)
					return
				}
				sold.Add(1)
			}
		}()
	}
	wg.Wait()
	if sold.Load() != 100 || bad.Load() != 0 {
		t.Fatalf("sold %d (want 100), failures %d", sold.Load(), bad.Load())
	}
	p, _ := e.inv.Product(1)
	_, stored, _ := e.st.Catalog(ctx)
	if p.Items[0].AvailableCount != 0 || stored[0].AvailableCount != 0 {
		t.Errorf("final count memory %d store %d, want 0", p.Items[0].AvailableCount, stored[0].AvailableCount)
	}
	outs := 0
	for _, m := range e.rec.take() {
		if string(m.Payload) == `{"product_id":1,"item_id":1,"level":"out"}` {
			outs++
		}
	}
	if outs != 1 {
		t.Errorf("out broadcast %d times, want 1", outs)
	}
}

func TestReducerSellsEverything(t *testing.T) {
	ctx := context.Background()
	ps, items := store.Seed(rand.New(rand.NewPCG(9, 9)))
	total := 0
	for i := range items {
		items[i].AvailableCount %= 40 // keep the run short
		total += items[i].AvailableCount
	}
	e := newEnv(t, ps, items)
	st, err := e.inv.StartReducer(inventory.ReducerConfig{PerTick: 50, Tick: time.Millisecond})
	if err != nil || !st.Running || st.PerTick != 50 || st.TickMS != 1 {
		t.Fatalf("StartReducer = %+v, %v", st, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := e.inv.WaitReducer(wctx); err != nil {
		t.Fatal(err)
	}
	if st := e.inv.ReducerStatus(); st.Running || st.Sales != int64(total) {
		t.Errorf("status after drop = %+v, want not running with %d sales", st, total)
	}
	_, stored, _ := e.st.Catalog(ctx)
	outs := map[int64]bool{}
	for _, m := range e.rec.take() {
		var sc inventory.StockChange
		if m.Event == inventory.EventStockChange && m.Decode(&sc) == nil && sc.Level == inventory.LevelOut {
			outs[sc.ItemID] = true
		}
	}
	for _, it := range stored {
		if it.AvailableCount != 0 {
			t.Errorf("item %d left with %d", it.ID, it.AvailableCount)
		}
		if !outs[it.ID] && items[it.ID-1].AvailableCount > 0 {
			t.Errorf("item %d sold out without an out broadcast", it.ID)
		}
	}
	for _, p := range e.inv.Products() {
		for _, it := range p.Items {
			if it.Level != inventory.LevelOut {
				t.Errorf("memory item %d level %s", it.ID, it.Level)
			}
		}
	}
}

func TestReducerStartStop(t *testing.T) {
	e := newEnv(t, nil, nil)
	if e.inv.StopReducer() {
		t.Error("StopReducer reported a reducer before any start")
	}
	bad := []inventory.ReducerConfig{
		{PerTick: -1}, {PerTick: inventory.MaxPerTick + 1}, {Tick: -time.Second}, {Tick: time.Hour}, {Tick: time.Microsecond},
	}
	for _, c := range bad {
		if _, err := e.inv.StartReducer(c); !errors.Is(err, inventory.ErrBadReducerConfig) {
			t.Errorf("StartReducer(%+v) err = %v", c, err)
		}
	}
	if e.inv.ReducerStatus().Running {
		t.Fatal("a refused config started the reducer")
	}
	st, err := e.inv.StartReducer(inventory.ReducerConfig{Tick: time.Minute})
	if err != nil || st.PerTick != inventory.DefaultPerTick || st.Tick != time.Minute {
		t.Fatalf("StartReducer = %+v, %v", st, err)
	}
	// Restarting replaces the running reducer.
	if st, err = e.inv.StartReducer(inventory.ReducerConfig{PerTick: 3, Tick: time.Minute}); err != nil || st.PerTick != 3 {
		t.Fatalf("restart = %+v, %v", st, err)
	}
	if !e.inv.StopReducer() {
		t.Error("StopReducer did not find the running reducer")
	}
	if st := e.inv.ReducerStatus(); st.Running || st.Sales != 0 {
		t.Errorf("after stop: %+v", st)
	}
	// Nothing was sold: the first tick never came.
	for _, p := range e.inv.Products() {
		for _, it := range p.Items {
			if it.AvailableCount != int(it.ID) {
				t.Errorf("item %d count %d, want %d", it.ID, it.AvailableCount, it.ID)
			}
		}
	}
}

// The reducer picks uniformly among the items that have stock, across products.
func TestReducerPicksUniformly(t *testing.T) {
	products := []store.Product{{ID: 1, SKU: "P1", Name: "A", MainImageURL: "/a.png"}, {ID: 2, SKU: "P2", Name: "B", MainImageURL: "/b.png"}}
	items := []store.Item{
		{ID: 1, SKU: "I1", Size: "6", ProductID: 1, AvailableCount: 100000},
		{ID: 2, SKU: "I2", Size: "7", ProductID: 1, AvailableCount: 100000},
		{ID: 3, SKU: "I3", Size: "6", ProductID: 2, AvailableCount: 100000},
		{ID: 4, SKU: "I4", Size: "7", ProductID: 2, AvailableCount: 0}, // never picked
	}
	e := newEnv(t, products, items)
	if _, err := e.inv.StartReducer(inventory.ReducerConfig{PerTick: 100, Tick: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for e.inv.ReducerStatus().Sales < 1500 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	e.inv.StopReducer()
	total := e.inv.ReducerStatus().Sales
	if total < 1500 {
		t.Fatalf("only %d sales in 30s", total)
	}
	for _, p := range e.inv.Products() {
		for _, it := range p.Items {
			sold := 100000 - it.AvailableCount
			if it.ID == 4 {
				if it.AvailableCount != 0 {
					t.Errorf("item 4 changed")
				}
				continue
			}
			// Expected total/3 each; the standard deviation is about sqrt(total*2/9).
			if frac := float64(sold) / float64(total); frac < 0.27 || frac > 0.40 {
				t.Errorf("item %d got %d of %d sales (%.2f), want about a third", it.ID, sold, total, frac)
			}
		}
	}
}
