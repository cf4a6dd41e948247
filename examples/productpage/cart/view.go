package cart

import (
	"strconv"

	"github.com/glint-go/glint/examples/productpage/inventory"
)

// Line is one item of a cart as the pages show it.
type Line struct {
	ID        int64
	ProductID int64
	Brand     string
	Name      string
	Color     string
	ImageURL  string
	Size      string
	PriceUSD  int
	Released  bool // its product is on sale
	Out       bool // sold out
}

// Key implements render.Keyer: a cart's lines are keyed by item id, so adding one line
// sends that line only.
func (l Line) Key() string { return strconv.FormatInt(l.ID, 10) }

// Available reports whether the line can be bought now.
func (l Line) Available() bool { return l.Released && !l.Out }

// View is a cart as the pages render it.
type View struct {
	Lines       []Line // newest first
	SubtotalUSD int    // the sum of every line's price
}

// Count returns the number of items.
func (v View) Count() int { return len(v.Lines) }

// Unavailable reports whether some item cannot be bought now (sold out or unreleased).
func (v View) Unavailable() bool {
	for _, l := range v.Lines {
		if !l.Available() {
			return true
		}
	}
	return false
}

// Has reports whether the cart holds the item.
func (v View) Has(itemID int64) bool {
	for _, l := range v.Lines {
		if l.ID == itemID {
			return true
		}
	}
	return false
}

// Build makes the view of a cart holding ids, from the inventory's current state. Ids the
// inventory does not know (an item removed from the catalog) are left out.
func Build(inv *inventory.Inventory, ids []int64) View {
	v := View{Lines: make([]Line, 0, len(ids))}
	for _, id := range ids {
		it, p, ok := inv.Item(id)
		if !ok {
			continue
		}
		v.Lines = append(v.Lines, Line{
			ID: id, ProductID: p.ID, Brand: p.Brand, Name: p.Name, Color: p.Color,
			ImageURL: p.MainImageURL, Size: it.Size, PriceUSD: p.PriceUSD,
			Released: p.Released, Out: it.SoldOut(),
		})
		v.SubtotalUSD += p.PriceUSD
	}
	return v
}
