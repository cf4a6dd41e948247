package inventory

import (
	"context"
	"errors"
	"fmt"

	"github.com/glint-go/glint/examples/productpage/store"
)

// Purchase buys one unit of every item in a cart (see store.Shop.Purchase: one
// transaction, all or nothing, once per key), then applies the sales exactly as Sell does:
// memory is refreshed, this node's views hear of every level change or sell-out, and the
// other nodes are told. A replayed purchase (the same cart and key again) returns the
// recorded order and changes nothing in the store; memory takes from it only what it
// missed (the first attempt's answer was lost before memory heard of it).
//
// Like Sell, a purchase is never abandoned halfway: a caller whose ctx is already done
// buys nothing, and once the store is asked, the caller's cancellation no longer applies.
// A purchase refused for want of stock, or whose outcome is unknown, requests a resync.
func (inv *Inventory) Purchase(ctx context.Context, cartID, key string) (store.Order, error) {
	if err := ctx.Err(); err != nil {
		return store.Order{}, fmt.Errorf("inventory: purchase: %w", err)
	}
	ctx, cancel := committing(ctx)
	defer cancel()
	o, replayed, err := inv.st.Purchase(ctx, cartID, key)
	if err != nil {
		switch {
		case errors.Is(err, store.ErrCartEmpty), errors.Is(err, store.ErrNotReleased), errors.Is(err, store.ErrInvalid):
		default: // out of stock (memory may say otherwise), failed, or unknown
			inv.RequestResync()
		}
		return store.Order{}, fmt.Errorf("inventory: %w", err)
	}
	for _, it := range o.Items {
		st := store.Stock{ItemID: it.ItemID, Count: it.Remaining, Version: it.Version}
		snap, applied, notify, err := inv.applyStock(ctx, st, it.Remaining == 0 && !replayed)
		if err != nil {
			inv.logger.Error("inventory: purchase not applied in memory", "item", it.ItemID, "err", err)
			inv.RequestResync()
			continue
		}
		if replayed && !applied {
			continue // memory, and so the other nodes, already had it
		}
		inv.replicate(ctx, replication{Kind: kindStock, ProductID: snap.ProductID, ItemID: it.ItemID, Count: it.Remaining, Version: it.Version, Notify: notify})
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
