package app

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
)

// The admin pages' board is one snapshot until the inventory or the shoppers change.
func TestAdminBoardShared(t *testing.T) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "b.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 2)), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps := pubsub.NewLocal()
	inv, err := inventory.Load(ctx, st, ps, inventory.Options{Logger: quiet, ReconcileEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer inv.Close()
	tracker, err := presence.New(ps, presence.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer tracker.Close()
	boards := newAdminBoards(inv, tracker)
	if err := ps.Subscribe(ShoppersTopic, boards); err != nil {
		t.Fatal(err)
	}
	defer ps.Unsubscribe(ShoppersTopic, boards)

	first := boards.get()
	if again := boards.get(); again != first {
		t.Fatal("nothing changed, and the board is another snapshot")
	}
	if first.Value().Shoppers != 0 || len(first.Value().Products) == 0 {
		t.Fatalf("first board %+v", first.Value())
	}
	steps := []struct {
		name   string
		change func() error
		check  func(AdminBoard) bool
	}{
		{"a shopper arrives", func() error {
			_, err := tracker.Track(ctx, ShoppersTopic, "cart-1", presence.Meta{"path": "/drops", "items": []int64{1}})
			return err
		}, func(b AdminBoard) bool { return b.Shoppers == 1 && b.InCart[1] == 1 }},
		{"a product is released", func() error { return inv.Release(ctx, 1) },
			func(b AdminBoard) bool { return b.Shoppers == 1 && b.Products[0].Released }},
	}
	prev := first
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		next := boards.get()
		if next == prev || !s.check(next.Value()) {
			t.Fatalf("%s: board %+v (a new snapshot: %v)", s.name, next.Value(), next != prev)
		}
		if boards.get() != next {
			t.Fatalf("%s: the board changed again without a change", s.name)
		}
		prev = next
	}
}
