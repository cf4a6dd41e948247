package inventory

import "strconv"

// Events broadcast on a product's topic.
const (
	// EventReleased carries Released when a product goes on sale.
	EventReleased = "released"
	// EventStockChange carries StockChange when an item's level changes, and every time an
	// item sells out.
	EventStockChange = "stock_change"
)

// Topic returns the PubSub topic of a product: "product:{id}".
func Topic(productID int64) string { return "product:" + strconv.FormatInt(productID, 10) }

// Released is the payload of EventReleased.
type Released struct {
	ProductID int64 `json:"product_id"` // the product released
}

// StockChange is the payload of EventStockChange.
type StockChange struct {
	ProductID int64 `json:"product_id"` // the item's product
	ItemID    int64 `json:"item_id"`    // the item sold
	Level     Level `json:"level"`      // its level after the sale
}
