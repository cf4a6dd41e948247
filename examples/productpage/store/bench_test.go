package store_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/glint-go/glint/examples/productpage/store"
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
