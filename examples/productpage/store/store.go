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
	// Version is the item's stock version (see Stock). Catalog reports it; Reset ignores
	// it.
	Version int64
}

// Stock is an item's available count together with its version. Every change of the count
// bumps the version in the same transaction, so that of two Stocks of one item the one
// with the higher version is the newer, whatever order they arrive in. A catalog Reset
// starts every item above the highest version held before it.
type Stock struct {
	ItemID  int64
	Count   int   // available units, never negative
	Version int64 // grows with every change of Count
}

// Versions is the cheap summary a node compares its cached catalog with: every item's
// stock version and every product's released flag.
type Versions struct {
	Items    map[int64]int64 // item id → stock version
	Released map[int64]bool  // product id → released
}

// Store persists the catalog and its stock, and sells it (Shop). Implementations are safe
// for concurrent use.
type Store interface {
	Shop
	ReducerStore
	// Catalog returns every product ordered by Order (then ID) and every item ordered by
	// ID, read in one consistent snapshot.
	Catalog(ctx context.Context) ([]Product, []Item, error)
	// Release marks a product released. It reports whether the product was newly released
	// (false if it already was), or ErrNotFound.
	Release(ctx context.Context, productID int64) (changed bool, err error)
	// Sell takes count units of an item atomically: all of them when at least count are
	// available, otherwise none, failing with ErrNotAvailable. It returns the item's stock
	// after the sale; with ErrNotAvailable it returns the stock that refused the sale, so
	// that a cache holding more can correct itself. An unknown item gives ErrNotFound and
	// count < 1 gives ErrInvalid.
	Sell(ctx context.Context, itemID int64, count int) (Stock, error)
	// Versions returns every item's stock version and every product's released flag, read
	// in one consistent snapshot.
	Versions(ctx context.Context) (Versions, error)
	// Stocks returns the stock of the given items, in item id order. Unknown ids are left
	// out.
	Stocks(ctx context.Context, itemIDs []int64) ([]Stock, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Reset replaces the whole catalog in one transaction. Invalid data (see Validate)
	// gives an error wrapping ErrInvalid and leaves the existing catalog untouched. A reset
	// empties every cart and keeps the orders.
	Reset(ctx context.Context, products []Product, items []Item) error
	// Close releases the store's resources.
	Close() error
}
