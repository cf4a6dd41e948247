package store

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// maxTokenBytes bounds cart ids and purchase keys.
const maxTokenBytes = 128

// checkToken validates a cart id or purchase key: 1 to 128 bytes of valid UTF-8 without
// NUL (PostgreSQL text cannot hold invalid UTF-8 or NUL, so both stores refuse them alike).
func checkToken(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	case len(v) > maxTokenBytes:
		return fmt.Errorf("%w: %s of %d bytes (at most %d)", ErrInvalid, what, len(v), maxTokenBytes)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	for i := 0; i < len(v); i++ {
		if v[i] == 0 {
			return fmt.Errorf("%w: %s holds a NUL byte", ErrInvalid, what)
		}
	}
	return nil
}

func checkCartID(cartID string) error { return checkToken("cart id", cartID) }

// cartLine is one item of a cart as a purchase sees it: the catalog data an order copies,
// and what the checks need.
type cartLine struct {
	item      OrderItem // Remaining unset
	available int
	released  bool
}

// checkLines applies the purchase checks in their documented order to a cart's lines.
func checkLines(lines []cartLine) error {
	if len(lines) == 0 {
		return ErrCartEmpty
	}
	for _, l := range lines {
		if l.available < 1 {
			return fmt.Errorf("%w: item %d", ErrOutOfStock, l.item.ItemID)
		}
	}
	for _, l := range lines {
		if !l.released {
			return fmt.Errorf("%w: item %d of product %d", ErrNotReleased, l.item.ItemID, l.item.ProductID)
		}
	}
	return nil
}

// newOrder builds the order of a sale of lines (newest first) given each item's stock after
// it. It reports false when remaining misses one of the items, that is when a conditional
// decrement did not happen.
func newOrder(cartID, key string, createdAt time.Time, lines []cartLine, remaining map[int64]Stock) (Order, bool) {
	o := Order{CartID: cartID, Key: key, CreatedAt: createdAt, Items: make([]OrderItem, len(lines))}
	if len(remaining) != len(lines) {
		return Order{}, false
	}
	for i, l := range lines {
		left, ok := remaining[l.item.ItemID]
		if !ok {
			return Order{}, false
		}
		o.Items[i] = l.item
		o.Items[i].Remaining = left.Count
		o.Items[i].Version = left.Version
		o.TotalUSD += l.item.PriceUSD
	}
	return o, true
}
