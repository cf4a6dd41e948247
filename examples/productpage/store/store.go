package store

import (
	"context"
	"errors"
)

// ErrNotFound reports an unknown product or item id.
var ErrNotFound = errors.New("not found")

// ErrNotAvailable reports a sale that asked for more units than the item has left.
var ErrNotAvailable = errors.New("not available")

// ErrInvalid reports input a store refuses before touching the database, such as a sale of
// zero units or a catalog with a negative stock.
var ErrInvalid = errors.New("invalid input")

// Product is one sneaker model.
type Product struct {
	ID           int64
	SKU          string
	Order        int // sort key: products are listed by Order ascending
	Brand        string
	Name         string
	Color        string
	PriceUSD     int // whole dollars
	MainImageURL string
	Released     bool
}

// Item is one size of a product together with its availability.
type Item struct {
	ID             int64
	SKU            string
	Size           string // such as "6.5"
	ProductID      int64
	AvailableCount int // never negative
}

// Store persists the catalog and its stock, and sells it (Shop). Implementations are safe
// for concurrent use.
type Store interface {
	Shop
	// Catalog returns every product ordered by Order (then ID) and every item ordered by
	// ID, read in one consistent snapshot.
	Catalog(ctx context.Context) ([]Product, []Item, error)
	// Release marks a product released. It reports whether the product was newly released
	// (false if it already was), or ErrNotFound.
	Release(ctx context.Context, productID int64) (changed bool, err error)
	// Sell takes count units of an item atomically: all of them when at least count are
	// available, otherwise none, failing with ErrNotAvailable. It returns the units left.
	// An unknown item gives ErrNotFound and count < 1 gives ErrInvalid.
	Sell(ctx context.Context, itemID int64, count int) (remaining int, err error)
	// Reset replaces the whole catalog in one transaction. Invalid data (see Validate)
	// gives an error wrapping ErrInvalid and leaves the existing catalog untouched. A reset
	// empties every cart and keeps the orders.
	Reset(ctx context.Context, products []Product, items []Item) error
	// Close releases the store's resources.
	Close() error
}
