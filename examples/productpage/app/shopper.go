package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
)

// ShoppersTopic is the presence topic every shopper page tracks itself on: the key is the
// cart id, the meta the page's path and the cart's item ids.
const ShoppersTopic = "shoppers"

// sessionCartKey is the live session key that carries the page's cart id, bound into the
// signed session token when the page is first served.
const sessionCartKey = "cart_id"

// cartErrorTTL is how long a refused add or remove stays on screen.
const cartErrorTTL = 5 * time.Second

// shop is what every shopper page needs.
type shop struct {
	inv     *inventory.Inventory
	carts   *cart.Carts
	tracker *presence.Tracker
}

// shopper is embedded in every page that shows the cart: /drops, /checkout and
// /checkout/complete. It loads the cart when the page mounts, keeps it in step with the
// store through the cart's topic and with stock through the product topics, handles the
// cart's events, and tracks the page on ShoppersTopic.
type shopper struct {
	Cart      cart.View // the template's cart
	CartError string    // the last refused cart action, shown for cartErrorTTL

	shop   *shop
	path   string
	cartID string
	items  []int64
	errGen int // numbers CartError, so that only the latest one's timer clears it
}

type clearCartError struct{ gen int }

// mountShopper loads the cart named by the session and, when connected, subscribes to it
// and to every product, and tracks the page.
func (sh *shopper) mountShopper(ctx context.Context, s *live.Socket, sp *shop, path string) error {
	sh.shop, sh.path = sp, path
	sh.cartID = s.Session()[sessionCartKey]
	if !cart.ValidID(sh.cartID) {
		sh.cartID = "" // a page served without a cart cookie shows no cart
		return nil
	}
	if s.Connected() {
		if err := s.Subscribe(cart.Topic(sh.cartID)); err != nil {
			return err
		}
		if err := s.Subscribe(cart.ResyncTopic); err != nil {
			return err
		}
	}
	return sh.reloadCart(ctx, s)
}

// subscribeProducts subscribes to every product's topic, so that a sold-out item greys out.
func subscribeProducts(s *live.Socket, inv *inventory.Inventory) error {
	for _, p := range inv.Products() {
		if err := s.Subscribe(inventory.Topic(p.ID)); err != nil {
			return err
		}
	}
	return nil
}

// reloadCart reads the cart from the store, rebuilds its view and, when connected, tells
// presence what the cart holds.
func (sh *shopper) reloadCart(ctx context.Context, s *live.Socket) error {
	items, err := sh.shop.carts.Items(ctx, sh.cartID)
	if err != nil {
		return err
	}
	sh.items = items
	sh.Cart = cart.Build(sh.shop.inv, items)
	if !s.Connected() || sh.shop.tracker == nil {
		return nil
	}
	ids := make([]int64, len(items))
	copy(ids, items)
	return s.Track(sh.shop.tracker, ShoppersTopic, sh.cartID, presence.Meta{"path": sh.path, "items": ids})
}

// handleCartEvent handles the cart's own events; it reports false for other events.
func (sh *shopper) handleCartEvent(ctx context.Context, s *live.Socket, e live.Event) (bool, error) {
	var err error
	switch e.Name {
	case "add_to_cart":
		err = sh.cartAction(ctx, s, e, sh.shop.carts.Add)
	case "remove_from_cart":
		err = sh.cartAction(ctx, s, e, sh.shop.carts.Remove)
	default:
		return false, nil
	}
	return true, err
}

func (sh *shopper) cartAction(ctx context.Context, s *live.Socket, e live.Event, act func(context.Context, string, int64) error) error {
	if sh.cartID == "" {
		sh.showCartError(s, "Your browser has no cart: allow cookies and reload the page")
		return nil
	}
	id, err := strconv.ParseInt(e.Get("item_id"), 10, 64)
	if err != nil {
		sh.showCartError(s, cart.Message(cart.ErrUnknownItem))
		return nil
	}
	if err := act(ctx, sh.cartID, id); err != nil {
		sh.showCartError(s, cart.Message(err))
		if !isRefusal(err) {
			return err // the store failed: log it too
		}
		return nil
	}
	sh.CartError = ""
	return sh.reloadCart(ctx, s)
}

// isRefusal reports whether err is one of the cart's rules (the shopper's message says
// it all) rather than a failure worth logging.
func isRefusal(err error) bool { return !errors.Is(err, cart.ErrFailed) }

func (sh *shopper) showCartError(s *live.Socket, msg string) {
	sh.errGen++
	sh.CartError = msg
	s.SendAfter(clearCartError{gen: sh.errGen}, cartErrorTTL)
}

// handleCartInfo handles a change of the cart or of stock; it reports false for other
// messages.
func (sh *shopper) handleCartInfo(ctx context.Context, s *live.Socket, msg any) (bool, error) {
	switch m := msg.(type) {
	case clearCartError:
		if m.gen == sh.errGen {
			sh.CartError = ""
		}
		return true, nil
	case *pubsub.Message:
		switch m.Event {
		case cart.EventChanged:
			if m.Topic == cart.Topic(sh.cartID) {
				return true, sh.reloadCart(ctx, s)
			}
		case cart.EventResync:
			if m.Topic == cart.ResyncTopic && sh.cartID != "" {
				return true, sh.reloadCart(ctx, s)
			}
		case inventory.EventReleased, inventory.EventStockChange:
			// Stock and releases change how lines look, not what the cart holds.
			sh.Cart = cart.Build(sh.shop.inv, sh.items)
			return false, nil // the page may want it too
		}
	}
	return false, nil
}
