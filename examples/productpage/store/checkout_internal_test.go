package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckToken(t *testing.T) {
	tests := []struct {
		v  string
		ok bool
	}{
		{"", false},
		{"a", true},
		{strings.Repeat("é", 64), true}, // 128 bytes
		{strings.Repeat("x", 129), false},
		{"a\xffb", false},
		{"a\x00b", false},
		{"Zm9vYmFyX-_", true},
	}
	for _, tt := range tests {
		err := checkToken("cart id", tt.v)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("checkToken(%q) = %v, want ok=%v", tt.v, err, tt.ok)
		}
	}
}

func TestCheckLinesOrder(t *testing.T) {
	line := func(id int64, available int, released bool) cartLine {
		return cartLine{item: OrderItem{ItemID: id, ProductID: 1}, available: available, released: released}
	}
	tests := []struct {
		name  string
		lines []cartLine
		err   error
	}{
		{"empty", nil, ErrCartEmpty},
		{"fine", []cartLine{line(1, 1, true), line(2, 9, true)}, nil},
		{"out of stock", []cartLine{line(1, 1, true), line(2, 0, true)}, ErrOutOfStock},
		{"unreleased", []cartLine{line(1, 1, false)}, ErrNotReleased},
		{"out of stock wins over an earlier unreleased item", []cartLine{line(1, 5, false), line(2, 0, true)}, ErrOutOfStock},
	}
	for _, tt := range tests {
		if err := checkLines(tt.lines); !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("%s: checkLines = %v, want %v", tt.name, err, tt.err)
		}
	}
}

// TestNewOrderNeedsEveryDecrement: the order is refused (and the caller rolls back with
// ErrPurchaseFailed) unless the conditional update took a unit of every item.
func TestNewOrderNeedsEveryDecrement(t *testing.T) {
	lines := []cartLine{
		{item: OrderItem{ItemID: 2, PriceUSD: 30}, available: 1, released: true},
		{item: OrderItem{ItemID: 1, PriceUSD: 12}, available: 4, released: true},
	}
	now := time.Now()
	if _, ok := newOrder("c", "k", now, lines, map[int64]Stock{2: {ItemID: 2}}); ok {
		t.Error("order built with one decrement missing")
	}
	if _, ok := newOrder("c", "k", now, lines, map[int64]Stock{2: {ItemID: 2}, 7: {ItemID: 7, Count: 3}}); ok {
		t.Error("order built with a decrement of an item not in the cart")
	}
	o, ok := newOrder("c", "k", now, lines, map[int64]Stock{2: {ItemID: 2, Version: 5}, 1: {ItemID: 1, Count: 3, Version: 9}})
	if !ok || o.TotalUSD != 42 || len(o.Items) != 2 || o.Items[0].ItemID != 2 || o.Items[0].Remaining != 0 || o.Items[1].Remaining != 3 ||
		o.Items[0].Version != 5 || o.Items[1].Version != 9 {
		t.Errorf("newOrder = %+v, %v", o, ok)
	}
}
