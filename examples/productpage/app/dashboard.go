package app

import (
	"encoding/json"
	"sort"

	"github.com/glint-go/glint/live/presence"
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
