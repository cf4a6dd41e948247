package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

// Product is a snapshot of one product and its items, in id order.
type Product struct {
	store.Product
	Items []Item // the product's sizes in id order
}

// Item is a snapshot of one item with its level.
type Item struct {
	store.Item
	Level Level // LevelOf(AvailableCount)
}

// Options configures Load. The zero value is ready to use.
type Options struct {
	// Rand drives the reducer's choice of items. Nil means a randomly seeded source.
	Rand *rand.Rand
	// Logger receives operational logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Inventory is the in-memory catalog. It is safe for concurrent use.
type Inventory struct {
	st     store.Store
	ps     pubsub.PubSub
	logger *slog.Logger

	mu       sync.RWMutex
	products []store.Product         // by Order, then ID
	items    map[int64]*store.Item   // by item id
	byProd   map[int64][]*store.Item // by product id, items in id order
	prodIdx  map[int64]int           // product id → index in products

	reducer reducerState

	// repl receives the other nodes' changes (see replication.go).
	repl *replicaSub
}

// Load builds an inventory from the store's catalog. Changes are broadcast on ps.
func Load(ctx context.Context, st store.Store, ps pubsub.PubSub, opts Options) (*Inventory, error) {
	if st == nil || ps == nil {
		return nil, errors.New("inventory: nil store or pubsub")
	}
	inv := &Inventory{st: st, ps: ps, logger: opts.Logger}
	if inv.logger == nil {
		inv.logger = slog.Default()
	}
	r := opts.Rand
	if r == nil {
		r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	inv.reducer.rand = r
	if err := inv.Reload(ctx); err != nil {
		return nil, err
	}
	if err := inv.startReplication(); err != nil {
		return nil, err
	}
	return inv, nil
}

// Reload replaces the in-memory catalog with the store's. Subscribers are not notified: it
// is meant for start-up and tests.
func (inv *Inventory) Reload(ctx context.Context) error {
	products, items, err := inv.st.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("inventory: load catalog: %w", err)
	}
	byID := make(map[int64]*store.Item, len(items))
	byProd := make(map[int64][]*store.Item, len(products))
	prodIdx := make(map[int64]int, len(products))
	for i, p := range products {
		prodIdx[p.ID] = i
	}
	for i := range items {
		it := &items[i]
		if _, ok := prodIdx[it.ProductID]; !ok {
			return fmt.Errorf("inventory: item %d belongs to unknown product %d", it.ID, it.ProductID)
		}
		byID[it.ID] = it
		byProd[it.ProductID] = append(byProd[it.ProductID], it)
	}
	inv.mu.Lock()
	inv.products, inv.items, inv.byProd, inv.prodIdx = products, byID, byProd, prodIdx
	inv.mu.Unlock()
	return nil
}

// Products returns a snapshot of every product in display order (Order ascending), each with
// its items in id order. The caller owns the result.
func (inv *Inventory) Products() []Product {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	out := make([]Product, len(inv.products))
	for i, p := range inv.products {
		out[i] = inv.snapshotLocked(p)
	}
	return out
}

// Product returns a snapshot of one product, or false if it is unknown.
func (inv *Inventory) Product(id int64) (Product, bool) {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	i, ok := inv.prodIdx[id]
	if !ok {
		return Product{}, false
	}
	return inv.snapshotLocked(inv.products[i]), true
}

func (inv *Inventory) snapshotLocked(p store.Product) Product {
	items := inv.byProd[p.ID]
	sp := Product{Product: p, Items: make([]Item, len(items))}
	for j, it := range items {
		sp.Items[j] = Item{Item: *it, Level: LevelOf(it.AvailableCount)}
	}
	return sp
}

// Release puts a product on sale: it persists the flag, updates memory, then broadcasts
// EventReleased on the product's topic to this node's views and replicates the change to the
// other nodes, whose inventories update their memory and tell their own views. Releasing a
// released product changes nothing and broadcasts nothing. An unknown id gives an error
// wrapping store.ErrNotFound.
func (inv *Inventory) Release(ctx context.Context, productID int64) error {
	changed, err := inv.st.Release(ctx, productID)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	inv.applyRelease(ctx, productID, changed)
	if changed {
		inv.replicate(ctx, replication{Kind: kindReleased, ProductID: productID})
	}
	return nil
}

// applyRelease marks the product released in memory and, when that is news, tells this
// node's views.
func (inv *Inventory) applyRelease(ctx context.Context, productID int64, notify bool) {
	inv.mu.Lock()
	if i, ok := inv.prodIdx[productID]; ok {
		notify = notify || !inv.products[i].Released
		inv.products[i].Released = true
	}
	inv.mu.Unlock()
	if !notify {
		return
	}
	if err := inv.ps.LocalBroadcast(ctx, Topic(productID), EventReleased, Released{ProductID: productID}); err != nil {
		inv.logger.Error("inventory: broadcast release", "product", productID, "err", err)
	}
}

// Sell sells count units of an item, all or nothing (see store.Store.Sell), then refreshes
// the item in memory and, when its level changed or it is now out, broadcasts
// EventStockChange on its product's topic. It returns the item as it is after the sale.
// Errors wrap store.ErrNotAvailable, store.ErrNotFound or store.ErrInvalid.
func (inv *Inventory) Sell(ctx context.Context, itemID int64, count int) (Item, error) {
	remaining, err := inv.st.Sell(ctx, itemID, count)
	if err != nil {
		return Item{}, fmt.Errorf("inventory: %w", err)
	}
	snap, notify, err := inv.applyStock(ctx, itemID, remaining, false)
	if err != nil {
		return Item{}, err
	}
	inv.replicate(ctx, replication{Kind: kindStock, ProductID: snap.ProductID, ItemID: itemID, Count: remaining, Notify: notify})
	return snap, nil
}

// applyStock lowers an item's count in memory to remaining and, when its level changed or
// it is now out (or, for a replicated change, when the origin node said so), tells this
// node's views with EventStockChange.
func (inv *Inventory) applyStock(ctx context.Context, itemID int64, remaining int, originNotified bool) (Item, bool, error) {
	inv.mu.Lock()
	it, ok := inv.items[itemID]
	if !ok { // the store knows an item memory does not: reload would be needed
		inv.mu.Unlock()
		return Item{}, false, fmt.Errorf("inventory: item %d sold in the store but missing in memory", itemID)
	}
	before := LevelOf(it.AvailableCount)
	// Counts only go down, so a concurrent sale that finished first already holds the
	// lower, newer count: never move it back up.
	if remaining < it.AvailableCount {
		it.AvailableCount = remaining
	}
	after := LevelOf(it.AvailableCount)
	snap := Item{Item: *it, Level: after}
	// Only the sale that took the last unit sees remaining == 0, so "out" goes out once.
	notify := before != after || remaining == 0 || originNotified
	inv.mu.Unlock()
	if notify {
		change := StockChange{ProductID: snap.ProductID, ItemID: snap.ID, Level: after}
		if err := inv.ps.LocalBroadcast(ctx, Topic(snap.ProductID), EventStockChange, change); err != nil {
			inv.logger.Error("inventory: broadcast stock change", "item", itemID, "err", err)
		}
	}
	return snap, notify, nil
}

// inStock returns the ids of the items that have stock, in id order of products.
func (inv *Inventory) inStock(buf []int64) []int64 {
	buf = buf[:0]
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	for _, p := range inv.products {
		for _, it := range inv.byProd[p.ID] {
			if it.AvailableCount > 0 {
				buf = append(buf, it.ID)
			}
		}
	}
	return buf
}

// SoldOut reports whether the item is out of stock; its size button is then disabled.
func (it Item) SoldOut() bool { return it.Level == LevelOut }
