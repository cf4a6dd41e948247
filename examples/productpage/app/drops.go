package app

import (
	"context"
	"fmt"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// Drops is the /drops live view: every product in display order, with its sizes' stock levels
// once released, and the shopper's cart. A connected view subscribes to each product's topic
// and re-reads the inventory on every release or stock change; it never reads the store for
// stock. A click on a size adds it to the cart.
//
// The product list is the inventory's shared snapshot (inventory.Snapshot), which the
// template renders with {{template "products" .Stock}}: when a release reaches ten thousand
// open pages, the list is rendered and diffed once, and every page that showed the same
// list before sends the same bytes. Each page's own parts (its cart, its notice) are
// rendered per page as before.
type Drops struct {
	Stock  *render.Snapshot[[]inventory.Product] // the product list, shared by every page
	Notice string                                // a refusal reported by the no-script add route
	shopper

	inv *inventory.Inventory
}

// NewDrops returns a Drops view reading from inv, without a cart (tests of the product
// list alone use it).
func NewDrops(inv *inventory.Inventory) *Drops { return &Drops{inv: inv} }

func newShopDrops(sp *shop) *Drops { return &Drops{inv: sp.inv, shopper: shopper{shop: sp}} }

// Mount implements live.View.
func (d *Drops) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle(Title)
	d.Stock = d.inv.Snapshot()
	if d.shop != nil {
		if err := d.mountShopper(ctx, s, d.shop, "/drops"); err != nil {
			return err
		}
	}
	if !s.Connected() {
		return nil
	}
	if err := subscribeProducts(s, d.inv); err != nil {
		return err
	}
	// A change between the first read and the subscriptions would be missed: read again.
	d.Stock = d.inv.Snapshot()
	if d.shop != nil {
		d.Cart = cart.Build(d.inv, d.items)
	}
	return nil
}

// HandleParams implements live.ParamsHandler: the no-script add route reports a refusal
// in the URL, as one of a few fixed codes.
func (d *Drops) HandleParams(ctx context.Context, s *live.Socket, p live.Params) error {
	d.Notice = noticeMessage(p.Get("cart"))
	return nil
}

// HandleEvent implements live.EventHandler: the cart's events.
func (d *Drops) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if d.shop != nil {
		d.Notice = ""
		if ok, err := d.handleCartEvent(ctx, s, e); ok {
			return err
		}
	}
	return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
}

// HandleInfo implements live.InfoHandler: a release or stock change re-reads the inventory,
// a cart change re-reads the cart.
func (d *Drops) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if d.shop != nil {
		if ok, err := d.handleCartInfo(ctx, s, msg); ok {
			return err
		}
	}
	m, ok := msg.(*pubsub.Message)
	if !ok {
		return nil
	}
	switch m.Event {
	case inventory.EventReleased, inventory.EventStockChange:
		d.Stock = d.inv.Snapshot()
	}
	return nil
}
