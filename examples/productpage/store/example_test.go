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
	_, err = s.Sell(ctx, 14, left+1)
	fmt.Println(errors.Is(err, store.ErrNotAvailable))
	// Output:
	// 2 products, 26 items; first: Hop Man 3 SHU6001 6
	// true
}
