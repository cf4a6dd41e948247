package store

import (
	"fmt"
	"math/rand/v2"
)

// Sizes are the 13 sizes every seeded product comes in.
var Sizes = []string{"6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"}

// Seed returns the catalog of a fresh database: two unreleased products with 13 sizes each.
// Each item's stock is 0 with probability 0.1 and otherwise uniform in 201–1200, drawn from r.
func Seed(r *rand.Rand) ([]Product, []Item) {
	products := []Product{
		{ID: 1, SKU: "SHU6000", Order: 0, Brand: "Snks 23", Name: "Hop Man 3", Color: "yellow/blue",
			MainImageURL: "/images/hopman.png", PriceUSD: 120},
		{ID: 2, SKU: "SHU6100", Order: 1, Brand: "Asler", Name: "Breezy Boost 600", Color: "momentum",
			MainImageURL: "/images/breezy.png", PriceUSD: 140},
	}
	items := make([]Item, 0, len(products)*len(Sizes))
	for pi, p := range products {
		for si, size := range Sizes {
			items = append(items, Item{
				ID:             int64(pi*len(Sizes) + si + 1),
				SKU:            fmt.Sprintf("SHU6%d%02d", pi, si+1),
				Size:           size,
				ProductID:      p.ID,
				AvailableCount: seedStock(r),
			})
		}
	}
	return products, items
}

func seedStock(r *rand.Rand) int {
	if r.Float64() < 0.1 {
		return 0
	}
	return 201 + r.IntN(1000)
}
