package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
)

// BenchmarkSQLiteSell measures one sale: a BEGIN IMMEDIATE transaction with the atomic
// conditional decrement.
func BenchmarkSQLiteSell(b *testing.B) {
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "b.db"), store.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ps := []store.Product{{ID: 1, SKU: "P", Name: "P", MainImageURL: "/p.png"}}
	items := []store.Item{{ID: 1, SKU: "I", Size: "9", ProductID: 1, AvailableCount: 1 << 30}}
	if err := s.Reset(ctx, ps, items); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sell(ctx, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPurchaseSQLite measures checkouts on SQLite: each iteration is one Purchase of a
// cart of 1–3 items (cart i holds 1 + i%3 items), one BEGIN IMMEDIATE transaction that
// checks the cart, takes one unit of each item, records the order and empties the cart.
// The carts are filled (AddToCart) before the timer starts, so only the checkout is
// measured. "serial" runs one buyer at a time; "parallel" runs GOMAXPROCS buyers at once.
// At the end the stock arithmetic is checked: initial stock − units sold == final stock,
// never negative, and one order per successful purchase.
func BenchmarkPurchaseSQLite(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(benchName(parallel), func(b *testing.B) {
			s, err := store.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "b.db"),
				store.SQLiteOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchmarkPurchase(b, s, parallel)
		})
	}
}

// BenchmarkPurchasePostgres is BenchmarkPurchaseSQLite on PostgreSQL (see storetest.PostgresURL),
// in a fresh schema.
func BenchmarkPurchasePostgres(b *testing.B) {
	base := storetest.PostgresURL(b)
	for _, parallel := range []bool{false, true} {
		b.Run(benchName(parallel), func(b *testing.B) {
			s := openPostgres(b, storetest.FreshSchema(b, base, "glint_test"), store.PostgresOptions{})
			defer s.Close()
			benchmarkPurchase(b, s, parallel)
		})
	}
}

func benchName(parallel bool) string {
	if parallel {
		return "parallel"
	}
	return "serial"
}

func benchmarkPurchase(b *testing.B, s store.Store, parallel bool) {
	ctx := context.Background()
	const nItems, stock = 26, 1 << 24
	ps := []store.Product{{ID: 1, SKU: "P", Name: "P", PriceUSD: 120, MainImageURL: "/p.png", Released: true}}
	items := make([]store.Item, nItems)
	for i := range items {
		items[i] = store.Item{ID: int64(i + 1), SKU: fmt.Sprintf("I%d", i+1), Size: "9", ProductID: 1, AvailableCount: stock}
	}
	if err := s.Reset(ctx, ps, items); err != nil {
		b.Fatal(err)
	}
	if b.N > stock/3 {
		b.Fatalf("b.N = %d would sell out the %d units of an item", b.N, stock)
	}
	carts := make([]string, b.N)
	for i := range carts {
		carts[i] = fmt.Sprintf("cart-%08d", i)
		for j := range 1 + i%3 {
			// Offsets 0, 9 and 18 modulo 26 are distinct: no duplicate in a cart.
			if _, err := s.AddToCart(ctx, carts[i], int64((i*7+j*9)%nItems+1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	ordersBefore, err := store.OrderCountForTest(ctx, s)
	if err != nil {
		b.Fatal(err)
	}

	orders := make([]store.Order, b.N)
	errs := make([]error, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1) - 1
				orders[i], _, errs[i] = s.Purchase(ctx, carts[i], "k")
			}
		})
	} else {
		for i := range b.N {
			orders[i], _, errs[i] = s.Purchase(ctx, carts[i], "k")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checkouts/s")

	sold := map[int64]int{}
	succeeded := 0
	for i, err := range errs {
		if err != nil {
			b.Errorf("checkout %d: %v", i, err)
			continue
		}
		succeeded++
		for _, it := range orders[i].Items {
			sold[it.ItemID]++
		}
	}
	_, after, err := s.Catalog(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range after {
		if it.AvailableCount < 0 || stock-sold[it.ID] != it.AvailableCount {
			b.Fatalf("item %d: %d units − %d sold != %d left", it.ID, stock, sold[it.ID], it.AvailableCount)
		}
	}
	ordersAfter, err := store.OrderCountForTest(ctx, s)
	if err != nil {
		b.Fatal(err)
	}
	if ordersAfter-ordersBefore != succeeded {
		b.Fatalf("%d orders recorded for %d successful checkouts", ordersAfter-ordersBefore, succeeded)
	}
}
