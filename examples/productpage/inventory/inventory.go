package inventory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
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
	// ReconcileEvery is the period of the reconciliation with the store (see Resync).
	// Zero means DefaultReconcileEvery; negative turns the periodic reconciliation off
	// (the resyncs on reconnection and on conflict still happen).
	ReconcileEvery time.Duration
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
	// snap is the catalog as one shared snapshot, made by the first Snapshot after a
	// change; every change clears it (holding mu).
	snap atomic.Pointer[render.Snapshot[[]Product]]

	reducer reducerState

	// repl receives the other nodes' changes (see replication.go).
	repl *replicaSub
	// sync keeps memory equal to the store when changes are lost (see sync.go).
	sync syncState
}

// Load builds an inventory from the store's catalog. Changes are broadcast on ps. It
// starts the reconciliation with the store (see Resync) and this node's part of the
// reducer (it runs the reducer whenever it holds the lead); Close stops them.
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
	if err := inv.Reload(ctx); err != nil {
		return nil, err
	}
	if err := inv.initReducer(ctx, r); err != nil {
		return nil, err
	}
	inv.initSync()
	if err := inv.startReplication(); err != nil {
		inv.reducer.stop()
		return nil, err
	}
	inv.startSync(opts.ReconcileEvery)
	inv.startReducer()
	return inv, nil
}

// Reload replaces the in-memory catalog with the store's. Subscribers are not notified: it
// is meant for start-up and tests (Resync is the repair that tells the views).
func (inv *Inventory) Reload(ctx context.Context) error {
	products, items, err := inv.st.Catalog(ctx)
	if err != nil {
		return fmt.Errorf("inventory: load catalog: %w", err)
	}
	byID, byProd, prodIdx, err := index(products, items)
	if err != nil {
		return err
	}
	inv.mu.Lock()
	inv.products, inv.items, inv.byProd, inv.prodIdx = products, byID, byProd, prodIdx
	inv.snap.Store(nil)
	inv.mu.Unlock()
	return nil
}

// index builds the lookups of a catalog whose items are in id order.
func index(products []store.Product, items []store.Item) (map[int64]*store.Item, map[int64][]*store.Item, map[int64]int, error) {
	byID := make(map[int64]*store.Item, len(items))
	byProd := make(map[int64][]*store.Item, len(products))
	prodIdx := make(map[int64]int, len(products))
	for i, p := range products {
		prodIdx[p.ID] = i
	}
	for i := range items {
		it := &items[i]
		if _, ok := prodIdx[it.ProductID]; !ok {
			return nil, nil, nil, fmt.Errorf("inventory: item %d belongs to unknown product %d", it.ID, it.ProductID)
		}
		byID[it.ID] = it
		byProd[it.ProductID] = append(byProd[it.ProductID], it)
	}
	return byID, byProd, prodIdx, nil
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

// Snapshot returns what Products returns, as one immutable snapshot that every caller
// shares until the catalog changes: views that render it with a {{template}} call render
// it once between them (see render.Snapshot). Neither the caller nor its templates may
// modify it.
func (inv *Inventory) Snapshot() *render.Snapshot[[]Product] {
	if s := inv.snap.Load(); s != nil {
		return s
	}
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	out := make([]Product, len(inv.products))
	for i, p := range inv.products {
		out[i] = inv.snapshotLocked(p)
	}
	// A change needs mu, held here: the snapshot is current. Of two callers building
	// at once, the first one's is everyone's.
	if s := render.NewSnapshot(out); inv.snap.CompareAndSwap(nil, s) {
		return s
	}
	return inv.snap.Load()
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

// storeTimeout bounds a write to the store once it has started: the caller's cancellation
// does not cut it short (see Sell), this does.
const storeTimeout = 10 * time.Second

// committing returns the context of a store write that must not be abandoned halfway: it
// ignores the caller's cancellation and is bounded by storeTimeout instead.
func committing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

// Release puts a product on sale: it persists the flag, updates memory, then broadcasts
// EventReleased on the product's topic to this node's views and replicates the change to the
// other nodes, whose inventories update their memory and tell their own views. Releasing a
// released product changes nothing and broadcasts nothing. An unknown id gives an error
// wrapping store.ErrNotFound.
//
// A caller whose ctx is already done releases nothing. Once the store is asked, the release
// runs to its end whatever ctx does (see Sell).
func (inv *Inventory) Release(ctx context.Context, productID int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("inventory: release product %d: %w", productID, err)
	}
	ctx, cancel := committing(ctx)
	defer cancel()
	changed, err := inv.st.Release(ctx, productID)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			inv.RequestResync() // it may have been released all the same
		}
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
		inv.snap.Store(nil)
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
//
// A caller whose ctx is already done sells nothing. Once the store is asked, the sale is
// never abandoned halfway: the caller's cancellation no longer applies (the store write is
// bounded by its own timeout), and a sale the store committed is always applied to memory
// and replicated, and answered as a success, even when ctx is done by then. A sale the
// store refuses for want of stock corrects memory when memory held more (and tells the
// views and the other nodes). When the outcome is unknown (the store failed mid-write),
// the error says so and a resync is requested.
func (inv *Inventory) Sell(ctx context.Context, itemID int64, count int) (Item, error) {
	it, _, err := inv.sell(ctx, itemID, func(ctx context.Context) (store.Stock, int64, error) {
		st, err := inv.st.Sell(ctx, itemID, count)
		return st, 0, err
	})
	return it, err
}

// sell runs a sale of an item (write, the store write) and its effects, as Sell describes.
// It returns write's count (the reducer's sales) with the item. A sale the store fenced
// (store.ErrFenced) changes nothing and requests nothing.
func (inv *Inventory) sell(ctx context.Context, itemID int64, write func(context.Context) (store.Stock, int64, error)) (Item, int64, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, 0, fmt.Errorf("inventory: sell item %d: %w", itemID, err)
	}
	ctx, cancel := committing(ctx)
	defer cancel()
	st, n, err := write(ctx)
	switch {
	case errors.Is(err, store.ErrNotAvailable):
		inv.repair(ctx, st)
		return Item{}, 0, fmt.Errorf("inventory: %w", err)
	case errors.Is(err, store.ErrNotFound):
		if _, _, known := inv.Item(itemID); known {
			inv.RequestResync() // memory holds an item the store no longer has
		}
		return Item{}, 0, fmt.Errorf("inventory: %w", err)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrFenced):
		return Item{}, 0, fmt.Errorf("inventory: %w", err)
	case err != nil:
		inv.RequestResync()
		return Item{}, 0, fmt.Errorf("inventory: sale of item %d not confirmed by the store: %w", itemID, err)
	}
	// Only the sale that took the last unit sees a count of 0, so "out" goes out once.
	snap, applied, notify, err := inv.applyStock(ctx, st, st.Count == 0)
	if err != nil {
		inv.RequestResync()
		return Item{}, 0, err
	}
	if !applied {
		// Memory already holds a newer count (another sale's, replicated first).
		inv.logger.Debug("inventory: sale older than memory", "item", itemID, "version", st.Version)
	}
	inv.replicate(ctx, replication{Kind: kindStock, ProductID: snap.ProductID, ItemID: itemID, Count: st.Count, Version: st.Version, Notify: notify})
	return snap, n, nil
}

// repair corrects memory with the stock a refused sale reported, when memory held an older
// count, tells this node's views of the correction and the other nodes of the stock.
func (inv *Inventory) repair(ctx context.Context, st store.Stock) {
	snap, applied, _, err := inv.applyStock(ctx, st, true)
	if err != nil || !applied {
		return
	}
	inv.sync.corrected.Add(1)
	inv.logger.Info("inventory: memory corrected by the store", "item", st.ItemID, "count", st.Count, "version", st.Version)
	inv.replicate(ctx, replication{Kind: kindStock, ProductID: snap.ProductID, ItemID: st.ItemID, Count: st.Count, Version: st.Version})
}

// applyStock sets an item's count in memory to st, unless memory already holds that version
// or a newer one (a stale or repeated change never moves the count back). When it applied
// the change and the item's level changed, or force is set, it tells this node's views with
// EventStockChange. It returns the item as memory now holds it.
func (inv *Inventory) applyStock(ctx context.Context, st store.Stock, force bool) (snap Item, applied, notify bool, err error) {
	inv.mu.Lock()
	it, ok := inv.items[st.ItemID]
	if !ok { // the store knows an item memory does not: reload would be needed
		inv.mu.Unlock()
		return Item{}, false, false, fmt.Errorf("inventory: item %d sold in the store but missing in memory", st.ItemID)
	}
	before := LevelOf(it.AvailableCount)
	if st.Version > it.Version {
		it.AvailableCount, it.Version = st.Count, st.Version
		applied = true
		inv.snap.Store(nil)
	}
	after := LevelOf(it.AvailableCount)
	snap = Item{Item: *it, Level: after}
	notify = applied && (before != after || force)
	inv.mu.Unlock()
	if notify {
		change := StockChange{ProductID: snap.ProductID, ItemID: snap.ID, Level: after}
		if err := inv.ps.LocalBroadcast(ctx, Topic(snap.ProductID), EventStockChange, change); err != nil {
			inv.logger.Error("inventory: broadcast stock change", "item", st.ItemID, "err", err)
		}
	}
	return snap, applied, notify, nil
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
