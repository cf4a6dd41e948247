package storetest

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/glint-go/glint/examples/productpage/store"
)

// Fixture is a small catalog: product 2 sorts before product 1 (by Order), and items are
// listed out of id order to check that stores sort them.
func Fixture() ([]store.Product, []store.Item) {
	products := []store.Product{
		{ID: 1, SKU: "P1", Order: 1, Brand: "B1", Name: "One", Color: "red", PriceUSD: 100, MainImageURL: "/images/one.png"},
		{ID: 2, SKU: "P2", Order: 0, Brand: "B2", Name: "Two", Color: "blue", PriceUSD: 200, MainImageURL: "/images/two.png"},
	}
	items := []store.Item{
		{ID: 2, SKU: "I2", Size: "7", ProductID: 1, AvailableCount: 2},
		{ID: 1, SKU: "I1", Size: "6", ProductID: 1, AvailableCount: 1},
		{ID: 3, SKU: "I3", Size: "8", ProductID: 2, AvailableCount: 3},
	}
	return products, items
}

// Run runs the shared suite. newStore must return a new independent store for each call;
// Run closes it.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	open := func(t *testing.T) store.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		ps, items := Fixture()
		if err := s.Reset(context.Background(), ps, items); err != nil {
			t.Fatalf("Reset(fixture): %v", err)
		}
		return s
	}
	t.Run("CatalogOrder", func(t *testing.T) { testCatalogOrder(t, open(t)) })
	t.Run("Release", func(t *testing.T) { testRelease(t, open(t)) })
	t.Run("Sell", func(t *testing.T) { testSell(t, open(t)) })
	t.Run("Versions", func(t *testing.T) { testVersions(t, open(t)) })
	t.Run("ResetInvalid", func(t *testing.T) { testResetInvalid(t, open(t)) })
	t.Run("Seed", func(t *testing.T) { testSeed(t, open(t)) })
	t.Run("ConcurrentSales", func(t *testing.T) { testConcurrentSales(t, open(t)) })
	t.Run("Cart", func(t *testing.T) { testCart(t, open(t)) })
	t.Run("InvalidTokens", func(t *testing.T) { testInvalidTokens(t, open(t)) })
	t.Run("CartFull", func(t *testing.T) { testCartFull(t, open(t)) })
	t.Run("PurchaseChecks", func(t *testing.T) { testPurchaseChecks(t, open(t)) })
	t.Run("Purchase", func(t *testing.T) { testPurchase(t, open(t)) })
	t.Run("ResetKeepsOrdersClearsCarts", func(t *testing.T) { testResetKeepsOrdersClearsCarts(t, open(t)) })
	t.Run("Reducer", func(t *testing.T) { testReducer(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { RunConcurrent(t, open(t)) })
}

func catalog(t *testing.T, s store.Store) ([]store.Product, []store.Item) {
	t.Helper()
	ps, items, err := s.Catalog(context.Background())
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	return ps, items
}

// unversioned returns a copy of items without their versions, to compare with a catalog
// given to Reset (which ignores them).
func unversioned(items []store.Item) []store.Item {
	out := slices.Clone(items)
	for i := range out {
		out[i].Version = 0
	}
	return out
}

// versionOf returns an item's stock version from Catalog.
func versionOf(t *testing.T, s store.Store, itemID int64) int64 {
	t.Helper()
	_, items := catalog(t, s)
	for _, it := range items {
		if it.ID == itemID {
			return it.Version
		}
	}
	t.Fatalf("item %d not in the catalog", itemID)
	return 0
}

func counts(t *testing.T, s store.Store) map[int64]int {
	t.Helper()
	_, items := catalog(t, s)
	m := map[int64]int{}
	for _, it := range items {
		m[it.ID] = it.AvailableCount
	}
	return m
}

func testCatalogOrder(t *testing.T, s store.Store) {
	ps, items := catalog(t, s)
	wantPs, wantItems := Fixture()
	if len(ps) != 2 || ps[0].ID != 2 || ps[1].ID != 1 {
		t.Fatalf("products = %+v, want ids [2 1]", ps)
	}
	if !reflect.DeepEqual(ps[1], wantPs[0]) || !reflect.DeepEqual(ps[0], wantPs[1]) {
		t.Errorf("products lost fields: got %+v, want %+v", ps, wantPs)
	}
	wantItems[0], wantItems[1] = wantItems[1], wantItems[0]
	if !reflect.DeepEqual(unversioned(items), wantItems) {
		t.Errorf("items = %+v, want %+v", items, wantItems)
	}
}

func testRelease(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name    string
		id      int64
		changed bool
		err     error
	}{
		{"first release", 1, true, nil},
		{"again is a no-op", 1, false, nil},
		{"unknown product", 99, false, store.ErrNotFound},
		{"zero id", 0, false, store.ErrNotFound},
	}
	for _, tt := range tests {
		changed, err := s.Release(ctx, tt.id)
		if !errors.Is(err, tt.err) || changed != tt.changed {
			t.Errorf("%s: Release(%d) = %v, %v; want %v, %v", tt.name, tt.id, changed, err, tt.changed, tt.err)
		}
	}
	ps, _ := catalog(t, s)
	for _, p := range ps {
		if want := p.ID == 1; p.Released != want {
			t.Errorf("product %d released = %v, want %v", p.ID, p.Released, want)
		}
	}
}

func testSell(t *testing.T, s store.Store) {
	ctx := context.Background()
	tests := []struct {
		name      string
		item      int64
		count     int
		remaining int
		bumped    bool // the sale bumps the item's version
		err       error
	}{
		{"more than available changes nothing", 3, 4, 3, false, store.ErrNotAvailable},
		{"one unit", 3, 1, 2, true, nil},
		{"the rest at once", 3, 2, 0, true, nil},
		{"sold out", 3, 1, 0, false, store.ErrNotAvailable},
		{"unknown item", 42, 1, 0, false, store.ErrNotFound},
		{"zero count", 1, 0, 0, false, store.ErrInvalid},
		{"negative count", 1, -5, 0, false, store.ErrInvalid},
		{"last unit of i1", 1, 1, 0, true, nil},
	}
	for _, tt := range tests {
		var before int64
		if tt.item != 42 {
			before = versionOf(t, s, tt.item)
		}
		st, err := s.Sell(ctx, tt.item, tt.count)
		if !errors.Is(err, tt.err) || st.Count != tt.remaining {
			t.Errorf("%s: Sell(%d, %d) = %+v, %v; want %d left, %v", tt.name, tt.item, tt.count, st, err, tt.remaining, tt.err)
		}
		if tt.item == 42 || errors.Is(err, store.ErrInvalid) {
			continue
		}
		want := before
		if tt.bumped {
			want++
		}
		// A refused sale reports the stock that refused it, version included.
		if st.ItemID != tt.item || st.Version != want {
			t.Errorf("%s: Sell(%d, %d) = %+v; want item %d at version %d", tt.name, tt.item, tt.count, st, tt.item, want)
		}
		if got := versionOf(t, s, tt.item); got != want {
			t.Errorf("%s: stored version %d, want %d", tt.name, got, want)
		}
	}
	if got, want := counts(t, s), map[int64]int{1: 0, 2: 2, 3: 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("counts = %v, want %v", got, want)
	}
}

// testVersions: Versions sums up the catalog, Stocks reads counts with their versions, a
// Reset starts above every old version, and Ping answers.
func testVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := s.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Sell(ctx, 2, 1); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.Versions(ctx)
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	_, items := catalog(t, s)
	if len(v.Items) != len(items) {
		t.Fatalf("Versions has %d items, the catalog %d", len(v.Items), len(items))
	}
	for _, it := range items {
		if v.Items[it.ID] != it.Version {
			t.Errorf("item %d: Versions says %d, Catalog %d", it.ID, v.Items[it.ID], it.Version)
		}
	}
	if v.Items[2] != v.Items[1]+2 {
		t.Errorf("item 2 at version %d after two sales, item 1 at %d: want 2 apart", v.Items[2], v.Items[1])
	}
	if want := map[int64]bool{1: true, 2: false}; !reflect.DeepEqual(v.Released, want) {
		t.Errorf("Released = %v, want %v", v.Released, want)
	}

	stocks, err := s.Stocks(ctx, []int64{3, 99, 2})
	if err != nil {
		t.Fatalf("Stocks: %v", err)
	}
	want := []store.Stock{{ItemID: 2, Count: 0, Version: v.Items[2]}, {ItemID: 3, Count: 3, Version: v.Items[3]}}
	if !reflect.DeepEqual(stocks, want) {
		t.Errorf("Stocks(3, 99, 2) = %+v, want %+v (id order, unknown left out)", stocks, want)
	}
	if stocks, err := s.Stocks(ctx, nil); err != nil || len(stocks) != 0 {
		t.Errorf("Stocks(none) = %+v, %v", stocks, err)
	}

	ps, fixture := Fixture()
	if err := s.Reset(ctx, ps, fixture); err != nil {
		t.Fatal(err)
	}
	after, err := s.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for id, ver := range after.Items {
		if ver <= v.Items[2] {
			t.Errorf("after Reset item %d is at version %d, not above the old highest %d", id, ver, v.Items[2])
		}
	}
}

func testResetInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	before1, before2 := catalog(t, s)
	tests := []struct {
		name   string
		mutate func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item)
	}{
		{"negative stock", func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item) {
			items[0].AvailableCount = -1
			return ps, items
		}},
		{"orphan item", func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item) {
			items[0].ProductID = 77
			return ps, items
		}},
		{"duplicate item id", func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item) {
			items[1].ID = items[0].ID
			return ps, items
		}},
		{"duplicate sku", func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item) {
			items[1].SKU = ps[0].SKU
			return ps, items
		}},
		{"zero product id", func(ps []store.Product, items []store.Item) ([]store.Product, []store.Item) {
			ps[0].ID = 0
			return ps, items
		}},
	}
	for _, tt := range tests {
		ps, items := tt.mutate(Fixture())
		if err := s.Reset(ctx, ps, items); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: Reset = %v, want ErrInvalid", tt.name, err)
		}
	}
	after1, after2 := catalog(t, s)
	if !reflect.DeepEqual(before1, after1) || !reflect.DeepEqual(before2, after2) {
		t.Errorf("a refused Reset changed the catalog:\nbefore %+v %+v\nafter  %+v %+v", before1, before2, after1, after2)
	}
}

func testSeed(t *testing.T, s store.Store) {
	ps, items := store.Seed(rand.New(rand.NewPCG(1, 2)))
	if err := s.Reset(context.Background(), ps, items); err != nil {
		t.Fatalf("Reset(seed): %v", err)
	}
	gotPs, gotItems := catalog(t, s)
	if !reflect.DeepEqual(gotPs, ps) || !reflect.DeepEqual(unversioned(gotItems), items) {
		t.Errorf("seed did not round-trip:\ngot  %+v\n     %+v\nwant %+v\n     %+v", gotPs, gotItems, ps, items)
	}
}

// testConcurrentSales: 50 goroutines race to sell an item with stock 100, one unit at a
// time, until each sees "not available". Exactly 100 sales succeed and the count ends at 0.
func testConcurrentSales(t *testing.T, s store.Store) {
	ctx := context.Background()
	ps := []store.Product{{ID: 1, SKU: "P", Name: "P", MainImageURL: "/p.png"}}
	items := []store.Item{{ID: 1, SKU: "I", Size: "9", ProductID: 1, AvailableCount: 100}}
	if err := s.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	var sold, negative atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				st, err := s.Sell(ctx, 1, 1)
				if errors.Is(err, store.ErrNotAvailable) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				if st.Count < 0 {
					negative.Add(1)
				}
				sold.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Sell: %v", err)
	}
	if sold.Load() != 100 || negative.Load() != 0 {
		t.Errorf("sold %d (want 100), negative remainders %d (want 0)", sold.Load(), negative.Load())
	}
	if got := counts(t, s)[1]; got != 0 {
		t.Errorf("final count = %d, want 0", got)
	}
}
