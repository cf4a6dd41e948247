package app

import (
	"context"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
)

// Drops is the /drops live view: every product in display order, with its sizes' stock levels
// once released. A connected view subscribes to each product's topic and re-reads the
// inventory on every release or stock change; it never reads the store.
type Drops struct {
	Products []inventory.Product // the template's data: a snapshot of the inventory

	inv *inventory.Inventory
}

// NewDrops returns a Drops view reading from inv.
func NewDrops(inv *inventory.Inventory) *Drops { return &Drops{inv: inv} }

// Mount implements live.View.
func (d *Drops) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle(Title)
	d.Products = d.inv.Products()
	if !s.Connected() {
		return nil
	}
	for _, p := range d.Products {
		if err := s.Subscribe(inventory.Topic(p.ID)); err != nil {
			return err
		}
	}
	// A change between the first read and the subscriptions would be missed: read again.
	d.Products = d.inv.Products()
	return nil
}

// HandleInfo implements live.InfoHandler: a release or stock change re-reads the inventory.
func (d *Drops) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	m, ok := msg.(*pubsub.Message)
	if !ok {
		return nil
	}
	switch m.Event {
	case inventory.EventReleased, inventory.EventStockChange:
		d.Products = d.inv.Products()
	}
	return nil
}
