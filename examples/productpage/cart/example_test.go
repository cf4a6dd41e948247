package cart_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
)

func ExampleCookies() {
	cookies, err := cart.NewCookies([]byte("at least sixteen bytes of secret"))
	if err != nil {
		fmt.Println(err)
		return
	}
	id := cart.NewID()
	c := cookies.Cookie(id)
	fmt.Println(c.Name, c.Path, c.HttpOnly, c.SameSite == http.SameSiteLaxMode)

	got, ok := cookies.Verify(c.Value)
	fmt.Println("verified:", ok, got == id)
	_, ok = cookies.Verify(c.Value + "x")
	fmt.Println("tampered:", ok)

	// A browser without a cart gets one, and the handlers after Ensure see it too.
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/drops", nil)
	id = cookies.Ensure(w, r)
	seen, _ := cookies.Read(r)
	fmt.Println("new cart:", cart.ValidID(id), seen == id, len(w.Result().Cookies()))
	// Output:
	// sneakers_cart / true true
	// verified: true true
	// tampered: false
	// new cart: true true 1
}

// printer prints every broadcast it receives.
type printer struct{}

func (printer) ID() string { return "" }
func (printer) Deliver(m *pubsub.Message) {
	fmt.Println("  ", m.Event, string(m.Payload))
}

func ExampleCarts() {
	dir, _ := os.MkdirTemp("", "cart")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "shop.db"), store.SQLiteOptions{Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	st.Reset(ctx,
		[]store.Product{{ID: 1, SKU: "P1", Brand: "Snks 23", Name: "Hop Man 3", PriceUSD: 120,
			MainImageURL: "/images/hopman.png", Released: true}},
		[]store.Item{
			{ID: 1, SKU: "I1", Size: "9", ProductID: 1, AvailableCount: 10},
			{ID: 2, SKU: "I2", Size: "10", ProductID: 1, AvailableCount: 0},
			{ID: 3, SKU: "I3", Size: "11", ProductID: 1, AvailableCount: 10},
		})
	ps := pubsub.NewLocal()
	inv, err := inventory.Load(ctx, st, ps, inventory.Options{Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer inv.Close()
	carts := cart.New(st, inv, ps, quiet)

	id := cart.NewID()
	ps.Subscribe(cart.Topic(id), printer{}) // as every tab of the cart does

	fmt.Println("add 1:", carts.Add(ctx, id, 1))
	fmt.Println("add 3:", carts.Add(ctx, id, 3))
	fmt.Println("add 3:", cart.Message(carts.Add(ctx, id, 3)))
	fmt.Println("add 2:", cart.Message(carts.Add(ctx, id, 2)))
	fmt.Println("remove 1:", carts.Remove(ctx, id, 1))

	items, _ := carts.Items(ctx, id)
	v := cart.Build(inv, items)
	fmt.Println("items:", items, "count:", v.Count(), "subtotal:", v.SubtotalUSD)
	// Output:
	//    cart_changed {"items":[1]}
	// add 1: <nil>
	//    cart_changed {"items":[3,1]}
	// add 3: <nil>
	// add 3: That shoe is already in your cart
	// add 2: That shoe is sold out
	//    cart_changed {"items":[3]}
	// remove 1: <nil>
	// items: [3] count: 1 subtotal: 120
}
