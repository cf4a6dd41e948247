package store

import "fmt"

// Validate checks a catalog before it is written: positive unique ids, unique non-empty
// SKUs, items that belong to a listed product, and stock that is not negative. Errors wrap
// ErrInvalid.
func Validate(products []Product, items []Item) error {
	productIDs := make(map[int64]bool, len(products))
	skus := make(map[string]bool, len(products)+len(items))
	for _, p := range products {
		switch {
		case p.ID < 1:
			return fmt.Errorf("%w: product id %d is not positive", ErrInvalid, p.ID)
		case productIDs[p.ID]:
			return fmt.Errorf("%w: duplicate product id %d", ErrInvalid, p.ID)
		case p.SKU == "":
			return fmt.Errorf("%w: product %d has no sku", ErrInvalid, p.ID)
		case skus[p.SKU]:
			return fmt.Errorf("%w: duplicate sku %q", ErrInvalid, p.SKU)
		case p.PriceUSD < 0:
			return fmt.Errorf("%w: product %d has a negative price", ErrInvalid, p.ID)
		}
		productIDs[p.ID] = true
		skus[p.SKU] = true
	}
	itemIDs := make(map[int64]bool, len(items))
	for _, it := range items {
		switch {
		case it.ID < 1:
			return fmt.Errorf("%w: item id %d is not positive", ErrInvalid, it.ID)
		case itemIDs[it.ID]:
			return fmt.Errorf("%w: duplicate item id %d", ErrInvalid, it.ID)
		case it.SKU == "":
			return fmt.Errorf("%w: item %d has no sku", ErrInvalid, it.ID)
		case skus[it.SKU]:
			return fmt.Errorf("%w: duplicate sku %q", ErrInvalid, it.SKU)
		case !productIDs[it.ProductID]:
			return fmt.Errorf("%w: item %d belongs to unknown product %d", ErrInvalid, it.ID, it.ProductID)
		case it.AvailableCount < 0:
			return fmt.Errorf("%w: item %d has negative stock %d", ErrInvalid, it.ID, it.AvailableCount)
		}
		itemIDs[it.ID] = true
		skus[it.SKU] = true
	}
	return nil
}
