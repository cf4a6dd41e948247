package inventory

import (
	"context"
	"fmt"

	"github.com/glint-go/glint/examples/productpage/store"
)

// Purchase buys one unit of every item in a cart (see store.Shop.Purchase: one
// transaction, all or nothing, once per key), then applies the sales exactly as Sell does:
// memory is refreshed, this node's views hear of every level change or sell-out, and the
// other nodes are told. A replayed purchase (the same cart and key again) returns the
// recorded order and changes nothing.
func (inv *Inventory) Purchase(ctx context.Context, cartID, key string) (store.Order, error) {
	o, replayed, err := inv.st.Purchase(ctx, cartID, key)
	if err != nil {
		return store.Order{}, fmt.Errorf("inventory: %w", err)
	}
	if replayed {
		return o, nil
	}
	// The sale is committed: what follows must not be cut short by the caller giving up.
	ctx = context.WithoutCancel(ctx)
	for _, it := range o.Items {
		snap, notify, err := inv.applyStock(ctx, it.ItemID, it.Remaining, false)
		if err != nil {
			inv.logger.Error("inventory: purchase not applied in memory", "item", it.ItemID, "err", err)
			continue
		}
		inv.replicate(ctx, replication{Kind: kindStock, ProductID: snap.ProductID, ItemID: it.ItemID, Count: it.Remaining, Notify: notify})
	}
	return o, nil
}

// Item returns a snapshot of one item with its level, and its product without items, or
// false when the item is unknown.
func (inv *Inventory) Item(id int64) (Item, store.Product, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	it, ok := inv.items[id]
	if !ok {
		return Item{}, store.Product{}, false
	}
	p := inv.products[inv.prodIdx[it.ProductID]]
	return Item{Item: *it, Level: LevelOf(it.AvailableCount)}, p, true
}
