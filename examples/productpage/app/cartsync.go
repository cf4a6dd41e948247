package app

import (
	"context"
	"sync"
	"time"

	"github.com/glint-go/glint/examples/productpage/cart"
)

// cartSyncPoll is how often cartSync looks at the link.
const cartSyncPoll = 250 * time.Millisecond

// cartSync tells every open cart to read itself again from the store when this node's link
// to the other nodes comes back: the changes announced while it was down never reached this
// node's pages, and the changes made here never reached the others'. The inventory resyncs
// itself the same way; carts have no copy to resync, only pages showing them.
type cartSync struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startCartSync starts watching link (LinkState: up, and since when) for carts.
func startCartSync(link func() (bool, time.Time), ps any, carts *cart.Carts) *cartSync {
	cs := &cartSync{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(cs.done)
		up, since := link()
		t := time.NewTicker(cartSyncPoll)
		defer t.Stop()
		for {
			select {
			case <-cs.stop:
				return
			case <-t.C:
			}
			nowUp, nowSince := link()
			switch {
			case !nowUp:
				up = false
			case !up || !nowSince.Equal(since):
				// Back (or back and gone again between two looks): wait until the link's
				// subscriptions are in place, then tell every cart.
				up, since = true, nowSince
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if s, ok := ps.(interface{ Sync(context.Context) error }); ok {
					s.Sync(ctx)
				}
				carts.AnnounceResync(ctx)
				cancel()
			}
		}
	}()
	return cs
}

// close stops the watcher and waits for it; closing again does nothing.
func (cs *cartSync) close() {
	if cs != nil {
		cs.once.Do(func() { close(cs.stop) })
		<-cs.done
	}
}
