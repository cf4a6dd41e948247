package store

import (
	"context"
	"errors"
	"time"
)

// MaxCartItems is the most items a cart holds; adding one more fails with ErrCartFull.
const MaxCartItems = 50

// Errors of the cart and purchase operations, for errors.Is.
var (
	// ErrCartFull reports an add to a cart that already holds MaxCartItems items.
	ErrCartFull = errors.New("cart is full")
	// ErrCartEmpty reports a purchase of a cart that holds nothing.
	ErrCartEmpty = errors.New("cart is empty")
	// ErrOutOfStock reports a purchase of a cart holding an item with no stock left.
	ErrOutOfStock = errors.New("cart has out-of-stock items")
	// ErrNotReleased reports a purchase of a cart holding an item of an unreleased product.
	ErrNotReleased = errors.New("cart has unreleased items")
	// ErrPurchaseFailed reports a purchase that passed its checks but could not take the
	// stock (a concurrent buyer took the last unit first, or the database refused).
	ErrPurchaseFailed = errors.New("purchase could not be completed")
)

// Order is a completed purchase. Orders are never changed or deleted; a catalog Reset
// keeps them.
type Order struct {
	ID        int64
	CartID    string
	Key       string      // the purchase key that made it; a retry with the same key returns it
	CreatedAt time.Time   // UTC, microsecond precision
	Items     []OrderItem // in the cart's order (newest first)
	TotalUSD  int         // the sum of the items' prices
}

// OrderItem is one unit bought: a copy of the item's catalog data at the time of the sale,
// and the stock left after it.
type OrderItem struct {
	ItemID    int64
	ProductID int64
	Brand     string
	Name      string
	Size      string
	PriceUSD  int
	Remaining int   // the item's available count right after this purchase
	Version   int64 // the item's stock version right after this purchase (see Stock)
}

// Shop is the part of a Store that sells: carts and orders. Implementations are safe for
// concurrent use, also by several stores (nodes) sharing one database.
//
// A cart id is an opaque token chosen by the caller (64 URL-safe characters in practice);
// a cart exists as long as it holds items. Every method refuses, with ErrInvalid, a cart
// id or purchase key that is empty, longer than 128 bytes, not valid UTF-8 or holding a NUL
// byte. A catalog Reset empties every cart.
type Shop interface {
	// Cart returns the item ids of a cart, newest first; an unknown cart is empty.
	Cart(ctx context.Context, cartID string) ([]int64, error)
	// AddToCart puts an item at the front of a cart. It reports false (and no error) when
	// the cart already holds the item, ErrCartFull when the cart holds MaxCartItems, and
	// ErrNotFound for an unknown item.
	AddToCart(ctx context.Context, cartID string, itemID int64) (added bool, err error)
	// RemoveFromCart takes an item out of a cart. It reports false when the cart did not
	// hold it.
	RemoveFromCart(ctx context.Context, cartID string, itemID int64) (removed bool, err error)
	// Purchase buys one unit of every item of the cart in one transaction, records an
	// order and empties the cart, or does nothing. It checks, in this order: an empty cart
	// (ErrCartEmpty), an item with no stock (ErrOutOfStock), an item of an unreleased
	// product (ErrNotReleased); a sale that then fails gives ErrPurchaseFailed. A purchase
	// with a key this cart already bought with returns that order again, with
	// replayed = true, and changes nothing, whatever the cart holds now. Concurrent
	// purchases never sell more units than there are.
	Purchase(ctx context.Context, cartID, key string) (o Order, replayed bool, err error)
	// Order returns an order by id, or ErrNotFound.
	Order(ctx context.Context, orderID int64) (Order, error)
}
