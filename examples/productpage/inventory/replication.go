package inventory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

// ReplicationTopic carries every node's inventory changes to the other nodes.
const ReplicationTopic = "inventory:replication"

const (
	kindReleased = "released"
	kindStock    = "stock"
	// kindResync asks the other nodes to resync from the store: the sender's link came
	// back, and what it published meanwhile may not have reached them.
	kindResync = "resync"
	// kindReducer says the admin started or stopped the reducer: the leader reads its
	// state now rather than at its next poll.
	kindReducer = "reducer"
)

// Publishing a change is tried this many times, with these pauses between tries, while
// the link is up. A change that still does not go out is left to the other nodes'
// resyncs.
const publishAttempts = 3

var publishBackoff = [publishAttempts - 1]time.Duration{20 * time.Millisecond, 80 * time.Millisecond}

// replication is one change made on one node, as the others apply it.
type replication struct {
	Kind      string `json:"kind"`
	ProductID int64  `json:"product_id,omitempty"`
	ItemID    int64  `json:"item_id,omitempty"`
	Count     int    `json:"count"`             // available count after a sale
	Version   int64  `json:"version,omitempty"` // the stock version of Count (store.Stock)
	Notify    bool   `json:"notify,omitempty"`  // the origin told its views about the sale
}

// replicaSub is the inventory seen as a subscriber of ReplicationTopic. Its id is unique
// to this node, so BroadcastFrom skips it here and nowhere else.
type replicaSub struct {
	inv *Inventory
	id  string
}

func (r *replicaSub) ID() string { return r.id }

// Deliver applies another node's change. The change is flagged as replicated: it updates
// memory and this node's views, and is never replicated again, so nodes cannot loop. A
// stock change older than what memory holds (stale, or delivered twice) changes nothing.
func (r *replicaSub) Deliver(m *pubsub.Message) {
	var c replication
	if err := m.Decode(&c); err != nil {
		r.inv.logger.Warn("inventory: malformed replication ignored", "err", err)
		return
	}
	ctx := context.Background()
	switch c.Kind {
	case kindReleased:
		r.inv.applyRelease(ctx, c.ProductID, false)
	case kindStock:
		if c.Version == 0 {
			// A node without versions (an older release, during a rolling upgrade): its
			// count cannot be ordered, so ask the store instead.
			r.inv.RequestResync()
			return
		}
		st := store.Stock{ItemID: c.ItemID, Count: c.Count, Version: c.Version}
		if _, _, _, err := r.inv.applyStock(ctx, st, c.Notify); err != nil {
			r.inv.logger.Warn("inventory: replicated sale not applied", "item", c.ItemID, "err", err)
			r.inv.RequestResync()
		}
	case kindResync:
		r.inv.RequestResync()
	case kindReducer:
		r.inv.wakeReducer()
	default:
		r.inv.logger.Warn("inventory: unknown replication ignored", "kind", c.Kind)
	}
}

func (inv *Inventory) startReplication() error {
	var b [9]byte
	_, _ = rand.Read(b[:])
	inv.repl = &replicaSub{inv: inv, id: "inventory:" + base64.RawURLEncoding.EncodeToString(b[:])}
	if err := inv.ps.Subscribe(ReplicationTopic, inv.repl); err != nil {
		return fmt.Errorf("inventory: subscribe %s: %w", ReplicationTopic, err)
	}
	return nil
}

// replicate sends a change made here to the other nodes' inventories. On a single node
// (an in-process PubSub) nobody else is subscribed and it costs one lookup.
//
// A publication that fails is retried a couple of times while the link to the other nodes
// is up. When it still fails, or the link is down, the change is not lost for good: the
// store has it, and the other nodes resync when this node's link comes back (it asks them
// to) and at their next periodic reconciliation.
func (inv *Inventory) replicate(ctx context.Context, c replication) {
	var err error
	for attempt := 0; ; attempt++ {
		if err = inv.ps.BroadcastFrom(ctx, inv.repl.id, ReplicationTopic, "change", c); err == nil {
			return
		}
		if attempt+1 >= publishAttempts || !inv.linkUp() || !inv.pause(publishBackoff[attempt]) {
			break
		}
	}
	inv.sync.unpublished.Add(1)
	inv.logger.Warn("inventory: change not replicated; the other nodes will resync", "kind", c.Kind, "product", c.ProductID, "item", c.ItemID, "err", err)
}
