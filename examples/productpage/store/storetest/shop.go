package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
)

// ShopFixture is the catalog of the cart and purchase tests: product 1 is released and
// product 2 is not; item 12 and item 22 are sold out and item 13 has one unit left.
func ShopFixture() ([]store.Product, []store.Item) {
	products := []store.Product{
		{ID: 1, SKU: "P1", Order: 0, Brand: "B1", Name: "One", Color: "red", PriceUSD: 100, MainImageURL: "/1.png", Released: true},
		{ID: 2, SKU: "P2", Order: 1, Brand: "B2", Name: "Two", Color: "blue", PriceUSD: 250, MainImageURL: "/2.png"},
	}
	items := []store.Item{
		{ID: 11, SKU: "I11", Size: "9", ProductID: 1, AvailableCount: 5},
		{ID: 12, SKU: "I12", Size: "10", ProductID: 1, AvailableCount: 0},
		{ID: 13, SKU: "I13", Size: "11", ProductID: 1, AvailableCount: 1},
		{ID: 21, SKU: "I21", Size: "9", ProductID: 2, AvailableCount: 5},
		{ID: 22, SKU: "I22", Size: "10", ProductID: 2, AvailableCount: 0},
	}
	return products, items
}

// manyItems returns a catalog of one released product with items 1..n, each with stock
// units.
func manyItems(n, stock int) func() ([]store.Product, []store.Item) {
	return func() ([]store.Product, []store.Item) { return manyItemsCatalog(n, stock) }
}

func manyItemsCatalog(n, stock int) ([]store.Product, []store.Item) {
	ps := []store.Product{{ID: 1, SKU: "P", Brand: "B", Name: "Many", PriceUSD: 10, MainImageURL: "/p.png", Released: true}}
	items := make([]store.Item, n)
	for i := range items {
		items[i] = store.Item{ID: int64(i + 1), SKU: fmt.Sprintf("I%d", i+1), Size: "9", ProductID: 1, AvailableCount: stock}
	}
	return ps, items
}

// reset replaces the catalog with the one catalog returns.
func reset(t *testing.T, s store.Store, catalog func() ([]store.Product, []store.Item)) {
	t.Helper()
	ps, items := catalog()
	if err := s.Reset(context.Background(), ps, items); err != nil {
		t.Fatalf("Reset: %v", err)
	}
}

func cart(t *testing.T, s store.Store, cartID string) []int64 {
	t.Helper()
	ids, err := s.Cart(context.Background(), cartID)
	if err != nil {
		t.Fatalf("Cart(%q): %v", cartID, err)
	}
	return ids
}

func fill(t *testing.T, s store.Store, cartID string, items ...int64) {
	t.Helper()
	for _, id := range items {
		if added, err := s.AddToCart(context.Background(), cartID, id); err != nil || !added {
			t.Fatalf("AddToCart(%q, %d) = %v, %v; want true, nil", cartID, id, added, err)
		}
	}
}

func testCart(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, ShopFixture)
	steps := []struct {
		name   string
		remove bool
		cart   string
		item   int64
		want   bool
		err    error
	}{
		{"add", false, "a", 11, true, nil},
		{"add sold-out item", false, "a", 12, true, nil},
		{"add unreleased item", false, "a", 21, true, nil},
		{"add duplicate", false, "a", 12, false, nil},
		{"remove absent", true, "a", 13, false, nil},
		{"remove", true, "a", 12, true, nil},
		{"remove again", true, "a", 12, false, nil},
		{"re-add goes to the front", false, "a", 12, true, nil},
		{"unknown item", false, "a", 42, false, store.ErrNotFound},
		{"zero item", false, "a", 0, false, store.ErrNotFound},
		{"remove unknown item", true, "a", 42, false, nil},
		{"same item in another cart", false, "b", 11, true, nil},
		{"remove from an unknown cart", true, "nobody", 11, false, nil},
	}
	for _, st := range steps {
		var got bool
		var err error
		if st.remove {
			got, err = s.RemoveFromCart(ctx, st.cart, st.item)
		} else {
			got, err = s.AddToCart(ctx, st.cart, st.item)
		}
		if got != st.want || !errors.Is(err, st.err) {
			t.Errorf("%s: (%q, %d) = %v, %v; want %v, %v", st.name, st.cart, st.item, got, err, st.want, st.err)
		}
	}
	for _, c := range []struct {
		cart string
		want []int64
	}{{"a", []int64{12, 21, 11}}, {"b", []int64{11}}, {"nobody", nil}} {
		if got := cart(t, s, c.cart); !slices.Equal(got, c.want) {
			t.Errorf("Cart(%q) = %v, want %v (newest first)", c.cart, got, c.want)
		}
	}
}

func testInvalidTokens(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, ShopFixture)
	long := strings.Repeat("x", 128)
	fill(t, s, long, 11) // 128 bytes is fine
	if got := cart(t, s, long); !slices.Equal(got, []int64{11}) {
		t.Fatalf("Cart(128 bytes) = %v", got)
	}
	bad := []struct{ name, v string }{
		{"empty", ""},
		{"129 bytes", long + "x"},
		{"invalid UTF-8", "cart\xff"},
		{"NUL", "ca\x00rt"},
	}
	for _, b := range bad {
		if _, err := s.Cart(ctx, b.v); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Cart(%s id) err = %v, want ErrInvalid", b.name, err)
		}
		if _, err := s.AddToCart(ctx, b.v, 11); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AddToCart(%s id) err = %v, want ErrInvalid", b.name, err)
		}
		if _, err := s.RemoveFromCart(ctx, b.v, 11); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("RemoveFromCart(%s id) err = %v, want ErrInvalid", b.name, err)
		}
		if _, _, err := s.Purchase(ctx, b.v, "k"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Purchase(%s id) err = %v, want ErrInvalid", b.name, err)
		}
		if _, _, err := s.Purchase(ctx, long, b.v); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Purchase(%s key) err = %v, want ErrInvalid", b.name, err)
		}
	}
	if got := cart(t, s, long); !slices.Equal(got, []int64{11}) {
		t.Errorf("refused purchases changed the cart: %v", got)
	}
	if got := counts(t, s)[11]; got != 5 {
		t.Errorf("refused purchases sold: stock %d, want 5", got)
	}
}

func testCartFull(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, manyItems(store.MaxCartItems+10, 1))
	var want []int64
	for id := int64(1); id <= store.MaxCartItems; id++ {
		fill(t, s, "full", id)
		want = append([]int64{id}, want...)
	}
	next := int64(store.MaxCartItems + 1)
	if added, err := s.AddToCart(ctx, "full", next); added || !errors.Is(err, store.ErrCartFull) {
		t.Errorf("add #%d = %v, %v; want false, ErrCartFull", next, added, err)
	}
	if added, err := s.AddToCart(ctx, "full", 7); added || err != nil {
		t.Errorf("duplicate in a full cart = %v, %v; want false, nil", added, err)
	}
	if got := cart(t, s, "full"); !slices.Equal(got, want) {
		t.Errorf("full cart = %v, want %v", got, want)
	}
	if removed, err := s.RemoveFromCart(ctx, "full", 7); !removed || err != nil {
		t.Fatalf("RemoveFromCart = %v, %v", removed, err)
	}
	fill(t, s, "full", next)
	if got := cart(t, s, "full"); len(got) != store.MaxCartItems || got[0] != next {
		t.Errorf("after remove and add: %d items, newest %d; want %d, %d", len(got), got[0], store.MaxCartItems, next)
	}
	// A full cart can still be bought.
	o, _, err := s.Purchase(ctx, "full", "k")
	if err != nil || len(o.Items) != store.MaxCartItems || o.TotalUSD != 10*store.MaxCartItems {
		t.Errorf("Purchase(full cart) = %d items, $%d, %v", len(o.Items), o.TotalUSD, err)
	}
}

func testPurchaseChecks(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, ShopFixture)
	tests := []struct {
		name  string
		items []int64 // added in this order
		key   string
		err   error
	}{
		{"empty cart", nil, "k", store.ErrCartEmpty},
		{"out of stock", []int64{11, 12}, "k", store.ErrOutOfStock},
		{"unreleased", []int64{11, 21}, "k", store.ErrNotReleased},
		{"out of stock before unreleased", []int64{21, 12}, "k", store.ErrOutOfStock},
		{"unreleased and out of stock", []int64{22}, "k", store.ErrOutOfStock},
		{"empty key", []int64{11}, "", store.ErrInvalid},
		{"long key", []int64{11}, strings.Repeat("k", 129), store.ErrInvalid},
	}
	before := counts(t, s)
	for i, tt := range tests {
		id := fmt.Sprintf("checks-%d", i)
		fill(t, s, id, tt.items...)
		o, replayed, err := s.Purchase(ctx, id, tt.key)
		if !errors.Is(err, tt.err) || replayed || o.ID != 0 {
			t.Errorf("%s: Purchase = order %d, replayed %v, %v; want %v", tt.name, o.ID, replayed, err, tt.err)
		}
		want := slices.Clone(tt.items)
		slices.Reverse(want)
		if got := cart(t, s, id); !slices.Equal(got, want) {
			t.Errorf("%s: cart after a refused purchase = %v, want %v", tt.name, got, want)
		}
	}
	if after := counts(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("refused purchases changed the stock: %v, was %v", after, before)
	}
}

func testPurchase(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, ShopFixture)
	fill(t, s, "buyer", 13, 11)
	before, err := s.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	o, replayed, err := s.Purchase(ctx, "buyer", "k1")
	if err != nil || replayed {
		t.Fatalf("Purchase = %+v, %v, %v", o, replayed, err)
	}
	if o.ID < 1 || o.CartID != "buyer" || o.Key != "k1" || o.TotalUSD != 200 {
		t.Errorf("order = %+v, want a positive id, cart buyer, key k1, $200", o)
	}
	if o.CreatedAt.Before(start.Add(-time.Second)) || o.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreatedAt = %v, want about %v", o.CreatedAt, start)
	}
	wantItems := []store.OrderItem{
		{ItemID: 11, ProductID: 1, Brand: "B1", Name: "One", Size: "9", PriceUSD: 100, Remaining: 4, Version: before.Items[11] + 1},
		{ItemID: 13, ProductID: 1, Brand: "B1", Name: "One", Size: "11", PriceUSD: 100, Remaining: 0, Version: before.Items[13] + 1},
	}
	if !reflect.DeepEqual(o.Items, wantItems) {
		t.Errorf("items = %+v, want %+v (newest first)", o.Items, wantItems)
	}
	wantCounts := map[int64]int{11: 4, 12: 0, 13: 0, 21: 5, 22: 0}
	if got := counts(t, s); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("stock = %v, want %v (one unit of each item bought)", got, wantCounts)
	}
	if got := cart(t, s, "buyer"); len(got) != 0 {
		t.Errorf("cart after purchase = %v, want empty", got)
	}
	if got, err := s.Order(ctx, o.ID); err != nil || !reflect.DeepEqual(got, o) {
		t.Errorf("Order(%d) = %+v, %v; want %+v", o.ID, got, err, o)
	}

	// A retry with the same key returns the order and sells nothing, even once the cart
	// holds something again; another key buys the cart as it is now.
	steps := []struct {
		name     string
		fill     []int64
		cart     string
		key      string
		replayed bool
		err      error
	}{
		{"retry", nil, "buyer", "k1", true, nil},
		{"new key, empty cart", nil, "buyer", "k2", false, store.ErrCartEmpty},
		{"retry with a refilled cart", []int64{11}, "buyer", "k1", true, nil},
		{"new key buys the refilled cart", nil, "buyer", "k2", false, nil},
		{"same key, other cart", []int64{11}, "other", "k1", false, nil},
		{"last unit gone", []int64{13}, "late", "k1", false, store.ErrOutOfStock},
	}
	for _, st := range steps {
		fill(t, s, st.cart, st.fill...)
		before := counts(t, s)
		got, replayed, err := s.Purchase(ctx, st.cart, st.key)
		if replayed != st.replayed || !errors.Is(err, st.err) {
			t.Errorf("%s: Purchase(%q, %q) replayed %v, %v; want %v, %v", st.name, st.cart, st.key, replayed, err, st.replayed, st.err)
			continue
		}
		after := counts(t, s)
		switch {
		case st.replayed:
			if !reflect.DeepEqual(got, o) {
				t.Errorf("%s: replay = %+v, want %+v", st.name, got, o)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("%s: replay changed the stock: %v, was %v", st.name, after, before)
			}
		case st.err == nil:
			if got.ID == o.ID || len(got.Items) != 1 || got.Items[0].ItemID != 11 || after[11] != before[11]-1 {
				t.Errorf("%s: order %+v, stock of 11 %d -> %d", st.name, got, before[11], after[11])
			}
		}
	}
	if got := cart(t, s, "buyer"); len(got) != 0 {
		t.Errorf("cart = %v, want empty", got)
	}
	for _, id := range []int64{0, -1, o.ID + 1000} {
		if _, err := s.Order(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Order(%d) err = %v, want ErrNotFound", id, err)
		}
	}
}

func testResetKeepsOrdersClearsCarts(t *testing.T, s store.Store) {
	ctx := context.Background()
	reset(t, s, ShopFixture)
	fill(t, s, "bought", 11, 21)
	if _, err := s.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	o, _, err := s.Purchase(ctx, "bought", "k")
	if err != nil {
		t.Fatal(err)
	}
	fill(t, s, "pending", 11, 13)
	reset(t, s, ShopFixture)
	if got := cart(t, s, "pending"); len(got) != 0 {
		t.Errorf("cart after Reset = %v, want empty", got)
	}
	if got, err := s.Order(ctx, o.ID); err != nil || !reflect.DeepEqual(got, o) {
		t.Errorf("Order after Reset = %+v, %v; want %+v", got, err, o)
	}
	// The key still finds its order: the reset neither forgot nor repeated the sale.
	if got, replayed, err := s.Purchase(ctx, "bought", "k"); err != nil || !replayed || got.ID != o.ID {
		t.Errorf("retry after Reset = order %d, replayed %v, %v; want order %d replayed", got.ID, replayed, err, o.ID)
	}
	fill(t, s, "pending", 11)
}

// RunConcurrent runs the concurrency tests against stores that share one database, as
// several nodes do; a single store is fine. Each test resets the catalog through stores[0].
// The caller closes the stores.
func RunConcurrent(t *testing.T, stores ...store.Store) {
	t.Helper()
	if len(stores) == 0 {
		t.Fatal("RunConcurrent: no stores")
	}
	t.Run("ConcurrentAddsToAlmostFullCart", func(t *testing.T) { testConcurrentAdds(t, stores) })
	t.Run("ConcurrentPurchases", func(t *testing.T) { testConcurrentPurchases(t, stores) })
	t.Run("ConcurrentRetries", func(t *testing.T) { testConcurrentRetries(t, stores) })
}

// race starts n goroutines, releases them at once and waits for them.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// testConcurrentAdds: several adders race for the last place of carts with 49 items;
// exactly one wins each time.
func testConcurrentAdds(t *testing.T, stores []store.Store) {
	const adders = 8
	s0 := stores[0]
	reset(t, s0, manyItems(store.MaxCartItems-1+adders, 1))
	for round := range 5 {
		id := fmt.Sprintf("race-%d", round)
		for item := int64(1); item < store.MaxCartItems; item++ {
			fill(t, s0, id, item)
		}
		added := make([]bool, adders)
		errs := make([]error, adders)
		race(adders, func(i int) {
			added[i], errs[i] = stores[i%len(stores)].AddToCart(context.Background(), id, int64(store.MaxCartItems+i))
		})
		wins := 0
		for i := range adders {
			switch {
			case added[i] && errs[i] == nil:
				wins++
			case !added[i] && errors.Is(errs[i], store.ErrCartFull):
			default:
				t.Errorf("round %d adder %d: %v, %v; want true or ErrCartFull", round, i, added[i], errs[i])
			}
		}
		if n := len(cart(t, s0, id)); wins != 1 || n != store.MaxCartItems {
			t.Errorf("round %d: %d adds won and the cart holds %d; want 1 and %d", round, wins, n, store.MaxCartItems)
		}
	}
}

// testConcurrentPurchases: 50 buyers, each with its own cart holding the hot item (10 units
// left) and, for every other buyer, a plentiful one, check out at once, spread over the
// stores. Exactly 10 succeed, each taking a different unit; the others fail with
// ErrOutOfStock or ErrPurchaseFailed and keep their carts.
func testConcurrentPurchases(t *testing.T, stores []store.Store) {
	const buyers, hot, plenty = 50, 10, 1000
	ctx := context.Background()
	reset(t, stores[0], func() ([]store.Product, []store.Item) {
		ps, items := manyItemsCatalog(2, plenty)
		items[0].AvailableCount = hot
		return ps, items
	})
	cartOf := func(i int) string { return fmt.Sprintf("buyer-%d", i) }
	for i := range buyers {
		s := stores[i%len(stores)]
		if i%2 == 0 {
			fill(t, s, cartOf(i), 2, 1)
		} else {
			fill(t, s, cartOf(i), 1)
		}
	}
	orders := make([]store.Order, buyers)
	errs := make([]error, buyers)
	race(buyers, func(i int) {
		var replayed bool
		orders[i], replayed, errs[i] = stores[i%len(stores)].Purchase(ctx, cartOf(i), "checkout")
		if replayed {
			errs[i] = fmt.Errorf("unexpected replay of order %d", orders[i].ID)
		}
	})
	sold, withPlenty := 0, 0
	units := map[int]int{} // remaining hot stock after a sale -> buyer
	ids := map[int64]bool{}
	for i := range buyers {
		if err := errs[i]; err != nil {
			if !errors.Is(err, store.ErrOutOfStock) && !errors.Is(err, store.ErrPurchaseFailed) {
				t.Errorf("buyer %d: %v, want ErrOutOfStock or ErrPurchaseFailed", i, err)
			}
			if got := cart(t, stores[0], cartOf(i)); len(got) != 1+(1-i%2) {
				t.Errorf("buyer %d failed but the cart changed: %v", i, got)
			}
			continue
		}
		sold++
		o := orders[i]
		if ids[o.ID] {
			t.Errorf("order id %d given twice", o.ID)
		}
		ids[o.ID] = true
		for _, it := range o.Items {
			if it.ItemID == 1 {
				if prev, dup := units[it.Remaining]; dup {
					t.Errorf("buyers %d and %d both left %d units of the hot item", prev, i, it.Remaining)
				}
				units[it.Remaining] = i
				if it.Remaining < 0 || it.Remaining >= hot {
					t.Errorf("buyer %d: remaining %d outside 0..%d", i, it.Remaining, hot-1)
				}
			} else {
				withPlenty++
			}
		}
		if want := 1 + (1 - i%2); len(o.Items) != want {
			t.Errorf("buyer %d: %d order items, want %d", i, len(o.Items), want)
		}
		if got, err := stores[(i+1)%len(stores)].Order(ctx, o.ID); err != nil || !reflect.DeepEqual(got, o) {
			t.Errorf("buyer %d: Order(%d) = %+v, %v; want %+v", i, o.ID, got, err, o)
		}
	}
	if sold != hot {
		t.Errorf("%d purchases succeeded, want %d", sold, hot)
	}
	if got := counts(t, stores[0]); got[1] != 0 || got[2] != plenty-withPlenty {
		t.Errorf("stock = %v, want 1: 0 and 2: %d", got, plenty-withPlenty)
	}
}

// testConcurrentRetries: one cart checked out many times at once, as a double-clicking or
// retrying client does. With one key it sells once and every call gets that order; with
// different keys one wins and the others find the cart empty.
func testConcurrentRetries(t *testing.T, stores []store.Store) {
	const tries = 10
	ctx := context.Background()
	reset(t, stores[0], manyItems(2, 100))
	for _, sameKey := range []bool{true, false} {
		id := fmt.Sprintf("retry-%v", sameKey)
		fill(t, stores[0], id, 1, 2)
		before := counts(t, stores[0])
		orders := make([]store.Order, tries)
		replays := make([]bool, tries)
		errs := make([]error, tries)
		race(tries, func(i int) {
			key := "same"
			if !sameKey {
				key = fmt.Sprintf("key-%d", i)
			}
			orders[i], replays[i], errs[i] = stores[i%len(stores)].Purchase(ctx, id, key)
		})
		fresh, replayed, empty := 0, 0, 0
		var first store.Order
		for i := range tries {
			switch {
			case errs[i] == nil && !replays[i]:
				fresh++
				first = orders[i]
			case errs[i] == nil && replays[i]:
				replayed++
			case errors.Is(errs[i], store.ErrCartEmpty) && !sameKey:
				empty++
			default:
				t.Errorf("sameKey=%v try %d: replayed %v, %v", sameKey, i, replays[i], errs[i])
			}
		}
		if sameKey && (fresh != 1 || replayed != tries-1) || !sameKey && (fresh != 1 || empty != tries-1) {
			t.Errorf("sameKey=%v: %d sales, %d replays, %d empty carts", sameKey, fresh, replayed, empty)
		}
		for i := range tries {
			if errs[i] == nil && !reflect.DeepEqual(orders[i], first) {
				t.Errorf("sameKey=%v try %d got order %+v, want %+v", sameKey, i, orders[i], first)
			}
		}
		after := counts(t, stores[0])
		if after[1] != before[1]-1 || after[2] != before[2]-1 {
			t.Errorf("sameKey=%v: stock %v -> %v, want one unit of each sold", sameKey, before, after)
		}
	}
}
