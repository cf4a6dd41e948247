package app

import (
	"encoding/json"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// PageCount is the number of open tabs on one path, as the dashboard lists them.
type PageCount struct {
	Path string
	Tabs int
}

// Key implements render.Keyer.
func (p PageCount) Key() string { return p.Path }

// Dashboard is what the admin page shows of the shoppers, computed from presence.
type Dashboard struct {
	Shoppers int           // distinct carts with at least one open shopper page
	Pages    []PageCount   // open tabs per path, sorted by path
	InCart   map[int64]int // item id → connected carts holding it, each cart counted once
}

// countShoppers computes the dashboard from the presences of ShoppersTopic.
func countShoppers(list map[string]presence.Presence) Dashboard {
	d := Dashboard{InCart: map[int64]int{}}
	tabs := map[string]int{}
	for _, p := range list {
		if len(p.Metas) == 0 {
			continue
		}
		d.Shoppers++
		held := map[int64]bool{}
		for _, m := range p.Metas {
			if path, ok := m["path"].(string); ok {
				tabs[path]++
			}
			for _, id := range metaItems(m["items"]) {
				held[id] = true
			}
		}
		for id := range held {
			d.InCart[id]++
		}
	}
	d.Pages = make([]PageCount, 0, len(tabs))
	for path, n := range tabs {
		d.Pages = append(d.Pages, PageCount{Path: path, Tabs: n})
	}
	sort.Slice(d.Pages, func(i, j int) bool { return d.Pages[i].Path < d.Pages[j].Path })
	return d
}

// metaItems reads a meta's item ids: []int64 when tracked on this node, a decoded JSON
// array when it came from another node.
func metaItems(v any) []int64 {
	switch ids := v.(type) {
	case []int64:
		return ids
	case []any:
		out := make([]int64, 0, len(ids))
		for _, x := range ids {
			switch n := x.(type) {
			case float64:
				out = append(out, int64(n))
			case json.Number:
				if i, err := n.Int64(); err == nil {
					out = append(out, i)
				}
			case int64:
				out = append(out, n)
			}
		}
		return out
	}
	return nil
}

// AdminBoard is the shop as every admin page shows it: the products with their counts,
// and the shoppers dashboard.
type AdminBoard struct {
	Products []inventory.Product
	Dashboard
}

// adminBoards hands every admin page the same AdminBoard snapshot until the inventory or
// the shoppers change, so that the pages render it once between them. Shoppers are counted
// once per change of ShoppersTopic, by the first page that asks, rather than by every page.
type adminBoards struct {
	inv     *inventory.Inventory
	tracker *presence.Tracker // nil: no shoppers to count
	// changes counts the presence diffs on ShoppersTopic (adminBoards subscribes to it).
	changes atomic.Uint64

	mu      sync.Mutex
	counted uint64                                // changes when dash was counted
	dash    Dashboard                             // the last count
	stock   *render.Snapshot[[]inventory.Product] // the inventory snapshot board was made of
	board   *render.Snapshot[AdminBoard]
}

func newAdminBoards(inv *inventory.Inventory, tracker *presence.Tracker) *adminBoards {
	return &adminBoards{inv: inv, tracker: tracker}
}

// ID implements pubsub.Subscriber.
func (b *adminBoards) ID() string { return "" }

// Deliver implements pubsub.Subscriber: a presence diff on ShoppersTopic. The tracker
// updates its list before it announces the diff, so a count made after this sees it.
func (b *adminBoards) Deliver(*pubsub.Message) { b.changes.Add(1) }

// get returns the current board.
func (b *adminBoards) get() *render.Snapshot[AdminBoard] {
	stock := b.inv.Snapshot()
	changes := b.changes.Load() // before the list is read: a change during the count counts again
	b.mu.Lock()
	defer b.mu.Unlock()
	recount := b.board == nil || changes != b.counted
	if !recount && stock == b.stock {
		return b.board
	}
	if recount {
		b.dash = Dashboard{InCart: map[int64]int{}}
		if b.tracker != nil {
			b.dash = countShoppers(b.tracker.List(ShoppersTopic))
		}
		b.counted = changes
	}
	b.stock = stock
	b.board = render.NewSnapshot(AdminBoard{Products: stock.Value(), Dashboard: b.dash})
	return b.board
}
