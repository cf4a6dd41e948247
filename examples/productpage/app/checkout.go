package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
)

// Checkout is the /checkout live view: the cart's items with their availability, kept live,
// and the purchase.
type Checkout struct {
	shopper
	// Key is the purchase key, sent back by the purchase form: submitting the same form
	// twice, or again after a lost reply, buys once.
	Key string
	// Error is the last failed purchase's message.
	Error string
}

func newCheckout(sp *shop) *Checkout { return &Checkout{shopper: shopper{shop: sp}} }

// newPurchaseKey returns a random purchase key.
func newPurchaseKey() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Mount implements live.View.
func (c *Checkout) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle("Checkout · " + Title)
	c.Key = newPurchaseKey()
	if err := c.mountShopper(ctx, s, c.shop, "/checkout"); err != nil {
		return err
	}
	if s.Connected() {
		if err := subscribeProducts(s, c.shop.inv); err != nil {
			return err
		}
		c.Cart = cart.Build(c.shop.inv, c.items)
	}
	return nil
}

// HandleParams implements live.ParamsHandler: the no-script purchase route reports a
// failure in the URL, as one of a few fixed codes.
func (c *Checkout) HandleParams(ctx context.Context, s *live.Socket, p live.Params) error {
	if code := p.Get("error"); code != "" {
		c.Error = cart.Message(purchaseErrors[code])
	}
	return nil
}

// HandleEvent implements live.EventHandler: "purchase" and the cart's events.
func (c *Checkout) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if ok, err := c.handleCartEvent(ctx, s, e); ok {
		return err
	}
	if e.Name != "purchase" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	key := e.Get("key")
	if key == "" || len(key) > 64 {
		key = c.Key
	}
	o, err := purchase(ctx, c.shop.carts, c.cartID, key)
	if err != nil {
		c.Error = cart.Message(err)
		if errors.Is(err, errPurchaseFailed) {
			return err
		}
		return nil
	}
	c.Error = ""
	s.PushNavigate(completeURL(o.ID), false)
	return nil
}

// HandleInfo implements live.InfoHandler.
func (c *Checkout) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	_, err := c.handleCartInfo(ctx, s, msg)
	if m, ok := msg.(*pubsub.Message); ok && m.Event == cart.EventChanged && len(c.items) > 0 {
		c.Error = "" // the cart changed: an earlier failure may no longer hold
	}
	return err
}

// errPurchaseFailed wraps purchase errors that are failures rather than refusals.
var errPurchaseFailed = errors.New("purchase failed")

// purchaseErrors maps the codes of the no-script route's redirect to their refusals.
var purchaseErrors = map[string]error{
	"empty":      store.ErrCartEmpty,
	"stock":      store.ErrOutOfStock,
	"unreleased": store.ErrNotReleased,
	"failed":     store.ErrPurchaseFailed,
}

// purchaseCode returns the code of a purchase error for a redirect URL.
func purchaseCode(err error) string {
	for code, e := range purchaseErrors {
		if errors.Is(err, e) {
			return code
		}
	}
	return "failed"
}

// purchase buys the cart. A missing cart is an empty one; errors that are not one of the
// four refusals are wrapped with errPurchaseFailed.
func purchase(ctx context.Context, carts *cart.Carts, cartID, key string) (store.Order, error) {
	if cartID == "" {
		return store.Order{}, store.ErrCartEmpty
	}
	o, err := carts.Purchase(ctx, cartID, key)
	if err != nil && !errors.Is(err, store.ErrCartEmpty) && !errors.Is(err, store.ErrOutOfStock) &&
		!errors.Is(err, store.ErrNotReleased) {
		err = fmt.Errorf("%w: %w", errPurchaseFailed, err)
	}
	return o, err
}

func completeURL(orderID int64) string {
	return "/checkout/complete?order=" + strconv.FormatInt(orderID, 10)
}

// Complete is the /checkout/complete live view: the order just made, and the cart.
type Complete struct {
	shopper
	Order    store.Order
	NotFound bool // the URL names no order of this cart
}

func newComplete(sp *shop) *Complete { return &Complete{shopper: shopper{shop: sp}} }

// Mount implements live.View.
func (c *Complete) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Order complete · " + Title)
	if err := c.mountShopper(ctx, s, c.shop, "/checkout/complete"); err != nil {
		return err
	}
	if s.Connected() {
		if err := subscribeProducts(s, c.shop.inv); err != nil {
			return err
		}
		c.Cart = cart.Build(c.shop.inv, c.items)
	}
	id, err := strconv.ParseInt(p.Get("order"), 10, 64)
	if err != nil || c.cartID == "" {
		c.NotFound = true
		return nil
	}
	o, err := c.shop.carts.Order(ctx, c.cartID, id)
	if errors.Is(err, store.ErrNotFound) {
		c.NotFound = true
		return nil
	}
	c.Order = o
	return err
}

// HandleEvent implements live.EventHandler: the cart's events.
func (c *Complete) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if ok, err := c.handleCartEvent(ctx, s, e); ok {
		return err
	}
	return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
}

// HandleInfo implements live.InfoHandler.
func (c *Complete) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	_, err := c.handleCartInfo(ctx, s, msg)
	return err
}
