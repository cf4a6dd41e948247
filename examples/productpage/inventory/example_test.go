package inventory_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

// printer prints every broadcast it receives.
type printer struct{}

func (printer) ID() string { return "" }
func (printer) Deliver(m *pubsub.Message) {
	fmt.Println(m.Topic, m.Event, string(m.Payload))
}

func ExampleInventory_Sell() {
	dir, _ := os.MkdirTemp("", "sneakers")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, _ := store.OpenSQLite(ctx, filepath.Join(dir, "s.db"), store.SQLiteOptions{Logger: quiet})
	defer st.Close()
	st.Reset(ctx,
		[]store.Product{{ID: 1, SKU: "P1", Name: "Hop Man 3", MainImageURL: "/images/hopman.png"}},
		[]store.Item{{ID: 1, SKU: "I1", Size: "9", ProductID: 1, AvailableCount: 151}})

	ps := pubsub.NewLocal()
	inv, _ := inventory.Load(ctx, st, ps, inventory.Options{Logger: quiet})
	defer inv.Close()
	ps.Subscribe(inventory.Topic(1), printer{})

	inv.Release(ctx, 1)
	inv.Sell(ctx, 1, 1)   // 150: still medium, nothing broadcast
	inv.Sell(ctx, 1, 1)   // 149: low
	inv.Sell(ctx, 1, 149) // out
	// Output:
	// product:1 released {"product_id":1}
	// product:1 stock_change {"product_id":1,"item_id":1,"level":"low"}
	// product:1 stock_change {"product_id":1,"item_id":1,"level":"out"}
}
