package cart

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

// EventChanged is broadcast on a cart's topic after every change to the cart, with a
// Changed payload. Receivers re-read the cart from the store, so changes that cross on
// the way never leave a tab showing an older cart.
const EventChanged = "cart_changed"

// Topic returns the PubSub topic of a cart: "cart:{id}".
func Topic(id string) string { return "cart:" + id }

// Changed is the payload of EventChanged.
type Changed struct {
	Items []int64 `json:"items"` // the cart's item ids after the change, newest first
}

// Refusals of Add, for errors.Is. Message turns them into what a shopper reads.
var (
	ErrUnknownItem = errors.New("unknown item")
	ErrInCart      = errors.New("item already in the cart")
	ErrSoldOut     = errors.New("item sold out")
	ErrUnreleased  = errors.New("item not released")
	// ErrFailed is wrapped by every error of Add and Remove that is not a refusal: the
	// store failed. Purchase and Order return the store's errors as they are (its
	// refusals and store.ErrNotFound among them).
	ErrFailed = errors.New("cart operation failed")
)

// Message returns the sentence a shopper sees for an error of Add, Remove or Purchase,
// without the final period; other errors give a generic sentence (their details belong in
// the logs, not on the page).
func Message(err error) string {
	switch {
	case errors.Is(err, ErrUnknownItem), errors.Is(err, store.ErrNotFound):
		return "That shoe does not exist"
	case errors.Is(err, ErrInCart):
		return "That shoe is already in your cart"
	case errors.Is(err, ErrSoldOut):
		return "That shoe is sold out"
	case errors.Is(err, ErrUnreleased):
		return "That shoe is not released yet"
	case errors.Is(err, store.ErrCartFull):
		return "Your cart is full: it holds " + strconv.Itoa(store.MaxCartItems) + " shoes at most"
	case errors.Is(err, store.ErrCartEmpty):
		return "Your cart is empty"
	case errors.Is(err, store.ErrOutOfStock):
		return "Your cart has out-of-stock shoes"
	case errors.Is(err, store.ErrNotReleased):
		return "Your cart has unreleased shoes"
	default:
		return "Your purchase could not be completed"
	}
}

// Carts changes carts in the store and tells every tab of a changed cart, on every node.
// It is safe for concurrent use.
type Carts struct {
	shop   store.Shop
	inv    *inventory.Inventory
	ps     pubsub.PubSub
	logger *slog.Logger
}

// New returns the cart operations over shop, checking items against inv and announcing
// changes on ps.
func New(shop store.Shop, inv *inventory.Inventory, ps pubsub.PubSub, logger *slog.Logger) *Carts {
	if logger == nil {
		logger = slog.Default()
	}
	return &Carts{shop: shop, inv: inv, ps: ps, logger: logger}
}

// Items returns the cart's item ids, newest first.
func (c *Carts) Items(ctx context.Context, id string) ([]int64, error) {
	items, err := c.shop.Cart(ctx, id)
	if err != nil {
		return nil, fail(err)
	}
	return items, nil
}

// Add puts an item at the front of the cart. It refuses (see Message) an unknown item, an
// item of an unreleased product, a sold-out item, an item already in the cart and a
// 51st item.
func (c *Carts) Add(ctx context.Context, id string, itemID int64) error {
	it, p, ok := c.inv.Item(itemID)
	switch {
	case !ok:
		return fmt.Errorf("cart: add %d: %w", itemID, ErrUnknownItem)
	case !p.Released:
		return fmt.Errorf("cart: add %d: %w", itemID, ErrUnreleased)
	case it.SoldOut():
		return fmt.Errorf("cart: add %d: %w", itemID, ErrSoldOut)
	}
	added, err := c.shop.AddToCart(ctx, id, itemID)
	if errors.Is(err, store.ErrCartFull) || errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("cart: add %d: %w", itemID, err)
	}
	if err != nil {
		return fail(err)
	}
	if !added {
		return fmt.Errorf("cart: add %d: %w", itemID, ErrInCart)
	}
	c.announce(ctx, id)
	return nil
}

// Remove takes an item out of the cart; removing an item the cart does not hold changes
// nothing.
func (c *Carts) Remove(ctx context.Context, id string, itemID int64) error {
	removed, err := c.shop.RemoveFromCart(ctx, id, itemID)
	if err != nil {
		return fail(err)
	}
	if removed {
		c.announce(ctx, id)
	}
	return nil
}

// Purchase buys the cart (see inventory.Inventory.Purchase) and, when it sold, tells every
// tab that the cart is now empty.
func (c *Carts) Purchase(ctx context.Context, id, key string) (store.Order, error) {
	o, err := c.inv.Purchase(ctx, id, key)
	if err != nil {
		return store.Order{}, fmt.Errorf("cart: purchase: %w", err)
	}
	c.announce(ctx, id)
	return o, nil
}

// Order returns an order of this cart, or an error wrapping store.ErrNotFound when there
// is no such order or it belongs to another cart.
func (c *Carts) Order(ctx context.Context, id string, orderID int64) (store.Order, error) {
	o, err := c.shop.Order(ctx, orderID)
	if err == nil && o.CartID != id {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Order{}, fmt.Errorf("cart: order %d: %w", orderID, err)
	}
	return o, nil
}

// ResyncTopic is the PubSub topic on which every open cart is told to read itself again
// from the store (EventResync): a node whose link to the others went down missed the
// changes announced meanwhile, and the others missed its own.
const ResyncTopic = "carts:resync"

// EventResync is the event of ResyncTopic.
const EventResync = "resync"

// localBroadcaster is a PubSub that can also deliver on this node alone (natspubsub's).
type localBroadcaster interface {
	Local() *pubsub.Local
}

// AnnounceResync tells every open cart, on this node and on every node the link reaches,
// to read itself again from the store. Call it when this node's link to the others comes
// back. Delivery on this node does not depend on the link.
func (c *Carts) AnnounceResync(ctx context.Context) {
	if l, ok := c.ps.(localBroadcaster); ok {
		if err := l.Local().Broadcast(ctx, ResyncTopic, EventResync, nil); err != nil {
			c.logger.Error("cart: local resync", "err", err)
		}
	}
	if err := c.ps.Broadcast(ctx, ResyncTopic, EventResync, nil); err != nil {
		c.logger.Error("cart: announce resync", "err", err)
	}
}

// fail wraps a failure of the store, which is not the shopper's doing.
func fail(err error) error { return fmt.Errorf("cart: %w: %w", ErrFailed, err) }

// announce tells every tab of the cart, on every node, to read it again. The change is
// committed by then, so the caller giving up (a request whose browser went away) must not
// keep the other tabs from hearing of it.
func (c *Carts) announce(ctx context.Context, id string) {
	ctx = context.WithoutCancel(ctx)
	items, err := c.shop.Cart(ctx, id)
	if err != nil {
		c.logger.Error("cart: read after change", "err", err)
		return
	}
	if err := c.ps.Broadcast(ctx, Topic(id), EventChanged, Changed{Items: items}); err != nil {
		c.logger.Error("cart: broadcast change", "err", err)
	}
}
