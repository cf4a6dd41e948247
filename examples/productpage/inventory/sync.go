package inventory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
)

// DefaultReconcileEvery is the default period of the reconciliation with the store.
const DefaultReconcileEvery = 30 * time.Second

const (
	// linkPoll is how often the link to the other nodes is checked for a reconnection.
	linkPoll = 100 * time.Millisecond
	// resyncTimeout bounds one resync.
	resyncTimeout = 10 * time.Second
	// resyncRetry is how soon a failed resync is tried again.
	resyncRetry = time.Second
)

// linker is a PubSub that can tell whether its link to the other nodes works, and since
// when (natspubsub.PubSub's LinkState, also what presence.Link describes).
type linker interface {
	LinkState() (up bool, since time.Time)
}

// syncer is a PubSub that can wait until its server has processed everything sent so far,
// subscriptions included (natspubsub.PubSub's Sync).
type syncer interface {
	Sync(ctx context.Context) error
}

// syncState runs the resyncs: on reconnection, periodically and on request. It holds no
// goroutine while idle (timers call it), so an inventory that is never closed leaks
// nothing but its timers.
type syncState struct {
	resync sync.Mutex // one Resync at a time
	ctx    context.Context
	cancel context.CancelFunc
	quit   chan struct{} // closed by Close
	stop   sync.Once
	link   linker // nil for a PubSub without a link (in-process)
	every  time.Duration
	wg     sync.WaitGroup // the running resync goroutine

	mu       sync.Mutex
	closed   bool
	periodic *time.Timer
	poll     *time.Timer
	retry    *time.Timer
	running  bool      // a goroutine is running resyncs
	pending  string    // the reason of the next resync, "" for none
	wasUp    bool      // the link was up at the last poll
	upSince  time.Time // since when, as LinkState said

	resyncs, corrected, unpublished atomic.Uint64
}

// SyncStats counts what the inventory did to stay equal to the store, since Load.
type SyncStats struct {
	Resyncs     uint64 // resyncs run: on reconnection, periodic, and requested
	Corrected   uint64 // items and products memory held wrong and took from the store
	Unpublished uint64 // changes made here that could not be sent to the other nodes
}

// SyncStats returns the counters.
func (inv *Inventory) SyncStats() SyncStats {
	return SyncStats{Resyncs: inv.sync.resyncs.Load(), Corrected: inv.sync.corrected.Load(), Unpublished: inv.sync.unpublished.Load()}
}

// initSync prepares the sync state; startSync then starts its timers.
func (inv *Inventory) initSync() {
	s := &inv.sync
	s.quit = make(chan struct{})
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.link, _ = inv.ps.(linker)
}

// startSync resyncs from now on when the link to the other nodes comes back, every period
// (when positive; zero means DefaultReconcileEvery), and when asked (RequestResync).
func (inv *Inventory) startSync(every time.Duration) {
	if every == 0 {
		every = DefaultReconcileEvery
	}
	s := &inv.sync
	s.mu.Lock()
	defer s.mu.Unlock()
	if every > 0 {
		s.every = every
		s.periodic = time.AfterFunc(every, inv.onPeriodic)
	}
	if s.link != nil {
		s.wasUp, s.upSince = s.link.LinkState()
		s.poll = time.AfterFunc(linkPoll, inv.onPoll)
	}
}

// stopSync stops the timers and waits for a running resync to end.
func (inv *Inventory) stopSync() {
	s := &inv.sync
	s.stop.Do(func() {
		s.mu.Lock()
		s.closed = true
		for _, t := range []*time.Timer{s.periodic, s.poll, s.retry} {
			if t != nil {
				t.Stop()
			}
		}
		s.mu.Unlock()
		close(s.quit)
		s.cancel()
	})
	s.wg.Wait()
}

func (inv *Inventory) onPeriodic() {
	inv.schedule("periodic")
	s := &inv.sync
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.periodic.Reset(s.every)
	}
}

// onPoll checks the link. A link that went down and came back between two polls reports
// up with a later since.
func (inv *Inventory) onPoll() {
	s := &inv.sync
	up, since := s.link.LinkState()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	reconnected := false
	switch {
	case !up:
		s.wasUp = false
	case !s.wasUp || !since.Equal(s.upSince):
		s.wasUp, s.upSince = true, since
		reconnected = true
	}
	s.poll.Reset(linkPoll)
	s.mu.Unlock()
	if reconnected {
		inv.schedule("reconnected")
	}
}

// RequestResync asks for a resync from the store soon, in the background. Requests made
// while one is pending are merged into it.
func (inv *Inventory) RequestResync() { inv.schedule("requested") }

// schedule asks for a resync for reason, merged with one already pending, and starts the
// goroutine that runs them unless it runs already.
func (inv *Inventory) schedule(reason string) {
	s := &inv.sync
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.pending == "" || reason == "reconnected" {
		s.pending = reason
	}
	if s.running {
		return
	}
	s.running = true
	s.wg.Add(1)
	go inv.runResyncs()
}

// runResyncs runs the pending resyncs, then ends.
func (inv *Inventory) runResyncs() {
	s := &inv.sync
	defer s.wg.Done()
	for {
		s.mu.Lock()
		reason := s.pending
		s.pending = ""
		if reason == "" || s.closed {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		n, err := inv.resyncFor(reason)
		if err != nil {
			if s.ctx.Err() == nil {
				inv.logger.Warn("inventory: resync failed; retrying", "reason", reason, "err", err)
				inv.retryLater(reason)
			}
			continue
		}
		if n > 0 {
			inv.logger.Info("inventory: resynced from the store", "reason", reason, "corrected", n)
		}
		if reason == "reconnected" {
			// What this node published while it was cut off may not have reached the
			// others: they resync too.
			inv.replicate(s.ctx, replication{Kind: kindResync})
		}
	}
}

// retryLater schedules a failed resync again after resyncRetry.
func (inv *Inventory) retryLater(reason string) {
	s := &inv.sync
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.retry != nil {
		s.retry.Stop()
	}
	s.retry = time.AfterFunc(resyncRetry, func() { inv.schedule(reason) })
}

// linkUp reports whether messages can flow to the other nodes now; without a link (an
// in-process PubSub) they always can.
func (inv *Inventory) linkUp() bool {
	if inv.sync.link == nil {
		return true
	}
	up, _ := inv.sync.link.LinkState()
	return up
}

// pause waits for d, or reports false at once when the inventory is closing.
func (inv *Inventory) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-inv.sync.quit:
		return false
	}
}

// resyncFor runs one resync in the background. After a reconnection it first waits until
// the server has processed this node's renewed subscriptions, so that every change
// committed after the resync reads the store reaches this node as a message.
func (inv *Inventory) resyncFor(reason string) (int, error) {
	ctx, cancel := context.WithTimeout(inv.sync.ctx, resyncTimeout)
	defer cancel()
	if sy, ok := inv.ps.(syncer); ok && reason == "reconnected" {
		if err := sy.Sync(ctx); err != nil {
			return 0, fmt.Errorf("inventory: resync: %w", err)
		}
	}
	return inv.Resync(ctx)
}

// Resync makes memory equal to the store where it differs, and tells this node's views of
// every correction: it reads every item's stock version and every product's released flag
// (store.Store.Versions, a cheap query), then fetches and applies the stock of the items
// whose version is newer in the store, and marks released the products memory holds
// unreleased. It returns how many items and products it corrected. A catalog whose items
// or products changed (a store Reset) is reloaded whole, keeping any count memory holds
// at a newer version.
//
// The inventory resyncs by itself when its PubSub's link to the other nodes comes back (a
// PubSub with a LinkState method, such as natspubsub's), every Options.ReconcileEvery,
// and when a change could not be applied (RequestResync). Calling it is safe at any time.
func (inv *Inventory) Resync(ctx context.Context) (int, error) {
	s := &inv.sync
	s.resync.Lock()
	defer s.resync.Unlock()
	s.resyncs.Add(1)
	v, err := inv.st.Versions(ctx)
	if err != nil {
		return 0, fmt.Errorf("inventory: resync: %w", err)
	}
	var stale, release []int64
	reshaped := false
	inv.mu.RLock()
	if len(v.Items) != len(inv.items) || len(v.Released) != len(inv.products) {
		reshaped = true
	}
	for id, version := range v.Items {
		it, ok := inv.items[id]
		if reshaped || !ok {
			reshaped = true
			break
		}
		// A lower version in the store only means memory heard of a newer sale after
		// Versions read: store versions never go back.
		if version > it.Version {
			stale = append(stale, id)
		}
	}
	for id, released := range v.Released {
		i, ok := inv.prodIdx[id]
		if reshaped || !ok {
			reshaped = true
			break
		}
		switch mem := inv.products[i].Released; {
		case released && !mem:
			release = append(release, id)
		case !released && mem: // only a Reset unreleases
			reshaped = true
		}
	}
	inv.mu.RUnlock()
	if reshaped {
		n, err := inv.reloadMerged(ctx)
		s.corrected.Add(uint64(n))
		return n, err
	}
	corrected := 0
	for _, id := range release {
		inv.applyRelease(ctx, id, true)
		corrected++
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		stocks, err := inv.st.Stocks(ctx, stale)
		if err != nil {
			s.corrected.Add(uint64(corrected))
			return corrected, fmt.Errorf("inventory: resync: %w", err)
		}
		for _, st := range stocks {
			if _, applied, _, err := inv.applyStock(ctx, st, true); err == nil && applied {
				corrected++
			}
		}
	}
	s.corrected.Add(uint64(corrected))
	return corrected, nil
}

// reloadMerged replaces memory with the store's catalog, except that an item memory holds
// at a newer version than the catalog read keeps memory's count, and tells this node's
// views of every item and product that changed. It returns how many changed.
func (inv *Inventory) reloadMerged(ctx context.Context) (int, error) {
	products, items, err := inv.st.Catalog(ctx)
	if err != nil {
		return 0, fmt.Errorf("inventory: reload catalog: %w", err)
	}
	var changedItems []store.Item
	// Products newly released, and products otherwise changed: a Reset, which also moves
	// every item to a new version, so their views hear of it through the items.
	var released, reshown []int64
	inv.mu.Lock()
	oldProducts := make(map[int64]store.Product, len(inv.products))
	for _, p := range inv.products {
		oldProducts[p.ID] = p
	}
	for i := range items {
		it := &items[i]
		old, ok := inv.items[it.ID]
		switch {
		case ok && old.Version > it.Version:
			it.AvailableCount, it.Version = old.AvailableCount, old.Version
		case !ok || *old != *it:
			changedItems = append(changedItems, *it)
		}
	}
	for _, p := range products {
		old, ok := oldProducts[p.ID]
		switch {
		case p.Released && (!ok || !old.Released):
			released = append(released, p.ID)
		case !ok || old != p:
			reshown = append(reshown, p.ID)
		}
	}
	byID, byProd, prodIdx, err := index(products, items)
	if err != nil {
		inv.mu.Unlock()
		return 0, err
	}
	inv.products, inv.items, inv.byProd, inv.prodIdx = products, byID, byProd, prodIdx
	inv.snap.Store(nil)
	inv.mu.Unlock()

	for _, id := range released {
		inv.applyRelease(ctx, id, true)
	}
	for _, it := range changedItems {
		change := StockChange{ProductID: it.ProductID, ItemID: it.ID, Level: LevelOf(it.AvailableCount)}
		if err := inv.ps.LocalBroadcast(ctx, Topic(it.ProductID), EventStockChange, change); err != nil {
			inv.logger.Error("inventory: broadcast reload", "item", it.ID, "err", err)
		}
	}
	return len(changedItems) + len(released) + len(reshown), nil
}
