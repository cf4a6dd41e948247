package inventory

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/glint-go/glint/live/pubsub"
)

// ReplicationTopic carries every node's inventory changes to the other nodes.
const ReplicationTopic = "inventory:replication"

const (
	kindReleased = "released"
	kindStock    = "stock"
)

// replication is one change made on one node, as the others apply it.
type replication struct {
	Kind      string `json:"kind"`
	ProductID int64  `json:"product_id"`
	ItemID    int64  `json:"item_id,omitempty"`
	Count     int    `json:"count"`            // available count after a sale
	Notify    bool   `json:"notify,omitempty"` // the origin told its views about the sale
}

// replicaSub is the inventory seen as a subscriber of ReplicationTopic. Its id is unique
// to this node, so BroadcastFrom skips it here and nowhere else.
type replicaSub struct {
	inv *Inventory
	id  string
}

func (r *replicaSub) ID() string { return r.id }

// Deliver applies another node's change. The change is flagged as replicated: it updates
// memory and this node's views, and is never replicated again, so nodes cannot loop.
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
		if _, _, err := r.inv.applyStock(ctx, c.ItemID, c.Count, c.Notify); err != nil {
			r.inv.logger.Warn("inventory: replicated sale not applied", "item", c.ItemID, "err", err)
		}
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
func (inv *Inventory) replicate(ctx context.Context, c replication) {
	if err := inv.ps.BroadcastFrom(ctx, inv.repl.id, ReplicationTopic, "change", c); err != nil {
		inv.logger.Error("inventory: replicate", "kind", c.Kind, "product", c.ProductID, "item", c.ItemID, "err", err)
	}
}
