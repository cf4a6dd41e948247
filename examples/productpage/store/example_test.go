package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/glint-go/glint/examples/productpage/store"
)

func ExampleOpenSQLite() {
	dir, _ := os.MkdirTemp("", "sneakers")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	// A new file is migrated and seeded; the rand source makes the stock reproducible.
	s, err := store.OpenSQLite(ctx, filepath.Join(dir, "sneakers.db"), store.SQLiteOptions{
		Rand:   rand.New(rand.NewPCG(1, 2)),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	products, items, _ := s.Catalog(ctx)
	fmt.Println(len(products), "products,", len(items), "items; first:", products[0].Name, items[0].SKU, items[0].Size)

	// A sale takes all the units asked for, or none.
	left, _ := s.Sell(ctx, 14, 1)
	_, err = s.Sell(ctx, 14, left.Count+1)
	fmt.Println(errors.Is(err, store.ErrNotAvailable))
	// Output:
	// 2 products, 26 items; first: Hop Man 3 SHU6001 6
	// true
}

func ExampleSQLite_Purchase() {
	dir, _ := os.MkdirTemp("", "sneakers")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.OpenSQLite(ctx, filepath.Join(dir, "sneakers.db"), store.SQLiteOptions{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	// One released product with two sizes, one of them with a single unit left.
	products := []store.Product{{ID: 1, SKU: "SHU6000", Brand: "Snks 23", Name: "Hop Man 3", PriceUSD: 120,
		MainImageURL: "/images/hopman.png", Released: true}}
	items := []store.Item{
		{ID: 1, SKU: "SHU6001", Size: "9", ProductID: 1, AvailableCount: 5},
		{ID: 2, SKU: "SHU6002", Size: "10", ProductID: 1, AvailableCount: 1},
	}
	if err := s.Reset(ctx, products, items); err != nil {
		fmt.Println(err)
		return
	}

	// The cart id is the caller's token; the key names one checkout attempt.
	cart := "cart-token-of-one-visitor"
	s.AddToCart(ctx, cart, 1)
	s.AddToCart(ctx, cart, 2)
	o, replayed, err := s.Purchase(ctx, cart, "checkout-1")
	fmt.Println(err, replayed, len(o.Items), "items for", o.TotalUSD, "USD")
	for _, it := range o.Items { // newest first
		fmt.Printf("  %s %s size %s, %d left\n", it.Brand, it.Name, it.Size, it.Remaining)
	}

	// A retry (say the response was lost) returns the same order and sells nothing more.
	again, replayed, _ := s.Purchase(ctx, cart, "checkout-1")
	fmt.Println(again.ID == o.ID, replayed)

	// The cart is empty now; size 10 is sold out for the next visitor.
	_, _, err = s.Purchase(ctx, cart, "checkout-2")
	fmt.Println(errors.Is(err, store.ErrCartEmpty))
	s.AddToCart(ctx, "another-visitor", 2)
	_, _, err = s.Purchase(ctx, "another-visitor", "checkout-1")
	fmt.Println(errors.Is(err, store.ErrOutOfStock))
	// Output:
	// <nil> false 2 items for 240 USD
	//   Snks 23 Hop Man 3 size 10, 0 left
	//   Snks 23 Hop Man 3 size 9, 4 left
	// true true
	// true
	// true
}
