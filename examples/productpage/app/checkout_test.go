package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/livetest"
)

func alert(msg string) string {
	return `<p class="alert alert-danger" role="alert">Sorry, ` + msg + `.</p>`
}

// An empty cart has nothing to check out.
func TestCheckoutEmpty(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	v := tab(t, a, a, "/checkout", cart.NewID())
	if !strings.Contains(v.HTML(), `<div class="checkout-container"><div>No items to checkout!</div></div>`) {
		t.Fatalf("empty checkout:\n%s", v.HTML())
	}
	if v.Has(".purchase-button") {
		t.Error("a purchase button for an empty cart")
	}
}

// A good cart: the page lists it, the purchase takes one unit of each item, records the
// order, empties the cart in every tab and shows the order.
func TestCheckoutPurchase(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	ctx := context.Background()
	id := cart.NewID()
	for _, item := range []int64{1, 3} {
		if err := a.Carts.Add(ctx, id, item); err != nil {
			t.Fatal(err)
		}
	}
	before := counts(a)
	drops := tab(t, a, a, "/drops", id)
	v := tab(t, a, a, "/checkout", id)
	html := v.HTML()
	for _, want := range []string{`<h2>Your Cart</h2>`, `<div class="product-listing" data-item-id="3">`,
		`<div class="product-listing" data-item-id="1">`, "Size 6", "Size 8", "by B1", "by B2", "$100", "$200"} {
		if !strings.Contains(html, want) {
			t.Errorf("checkout lacks %q", want)
		}
	}
	if got := v.Text(".purchase-button"); got != "PURCHASE" {
		t.Errorf("button %q", got)
	}
	v.Submit(".purchase-form", nil)
	r, ok := v.Redirected()
	if !ok || r.Kind != "live_redirect" || !strings.HasPrefix(r.To, "/checkout/complete?order=") {
		t.Fatalf("redirect %+v %v\n%s", r, ok, v.HTML())
	}
	done := v.FollowRedirect()
	html = done.HTML()
	for _, want := range []string{"Order Complete!", `data-item-id="1"`, `data-item-id="3"`, "Total $300", `href="/"`} {
		if !strings.Contains(html, want) {
			t.Errorf("order page lacks %q:\n%s", want, html)
		}
	}
	drops.WaitFor(hasCartCount(0))
	after := counts(a)
	for item, n := range before {
		want := n
		if item == 1 || item == 3 {
			want--
		}
		if after[item] != want {
			t.Errorf("item %d: %d left, want %d", item, after[item], want)
		}
	}
	// Item 1 had one unit: /drops greys it out.
	drops.WaitFor(func(html string) bool {
		return strings.Contains(html, `size-container__entry--level-out" name="item_id" value="1" disabled`)
	})
}

// counts returns every item's available count, from the inventory.
func counts(a *app.App) map[int64]int {
	m := map[int64]int{}
	for _, p := range a.Inventory.Products() {
		for _, it := range p.Items {
			m[it.ID] = it.AvailableCount
		}
	}
	return m
}

// The purchase's checks come in the book's order, each with its message, and sell nothing.
func TestCheckoutRefusals(t *testing.T) {
	cases := []struct {
		name    string
		arrange func(t *testing.T, st store.Store, a *app.App, id string)
		want    string
	}{
		{"empty", func(*testing.T, store.Store, *app.App, string) {}, "Your cart is empty"},
		{"out of stock", func(t *testing.T, st store.Store, a *app.App, id string) {
			mustAdd(t, st, id, 2, 1)
			if _, err := a.Inventory.Sell(context.Background(), 1, 1); err != nil {
				t.Fatal(err)
			}
		}, "Your cart has out-of-stock shoes"},
		{"unreleased", func(t *testing.T, st store.Store, a *app.App, id string) {
			mustAdd(t, st, id, 3) // product 2 is not released in this test
		}, "Your cart has unreleased shoes"},
		{"out of stock before unreleased", func(t *testing.T, st store.Store, a *app.App, id string) {
			mustAdd(t, st, id, 3, 1)
			if _, err := a.Inventory.Sell(context.Background(), 1, 1); err != nil {
				t.Fatal(err)
			}
		}, "Your cart has out-of-stock shoes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, st := shopApp(t, 1)
			id := cart.NewID()
			c.arrange(t, st, a, id)
			before := counts(a)
			v := tab(t, a, a, "/checkout", id)
			if v.Has(".purchase-button") && !strings.Contains(c.name, "empty") {
				if got := v.Text(".purchase-button"); got != "SOME ITEMS NOT AVAILABLE" {
					t.Errorf("button %q", got)
				}
				if _, disabled := v.Find(".purchase-button").Attr("disabled"); !disabled {
					t.Error("the button is enabled")
				}
			}
			// The button is disabled, but a client can send the event anyway.
			v.PushHook("purchase", map[string]string{"key": "k1"})
			if !strings.Contains(v.HTML(), alert(c.want)) {
				t.Errorf("want %q:\n%s", alert(c.want), v.HTML())
			}
			if _, ok := v.Redirected(); ok {
				t.Error("a refused purchase redirected")
			}
			if after := counts(a); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("stock changed: %v → %v", before, after)
			}
		})
	}
}

// A cart another tab has just bought is empty: the second purchase buys nothing.
func TestCheckoutCartBoughtInAnotherTab(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	id := cart.NewID()
	if err := a.Carts.Add(context.Background(), id, 3); err != nil {
		t.Fatal(err)
	}
	one := tab(t, a, a, "/checkout", id)
	two := tab(t, a, a, "/checkout", id)
	one.Submit(".purchase-form", nil)
	if _, ok := one.Redirected(); !ok {
		t.Fatalf("first purchase:\n%s", one.HTML())
	}
	left := counts(a)[3]
	// The second tab submits its own (stale) form, with its own key.
	two.PushHook("purchase", map[string]string{"key": "another-key"})
	two.WaitFor(func(html string) bool { return strings.Contains(html, alert("Your cart is empty")) })
	if got := counts(a)[3]; got != left {
		t.Errorf("the second purchase sold again: %d → %d", left, got)
	}
}

// The same form submitted twice (a double click, or a retry after a lost reply) buys once
// and leads to the same order.
func TestCheckoutDoubleSubmitBuysOnce(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	id := cart.NewID()
	if err := a.Carts.Add(context.Background(), id, 3); err != nil {
		t.Fatal(err)
	}
	before := counts(a)[3]
	one := tab(t, a, a, "/checkout", id)
	key, _ := one.Find(".purchase-form input[name=key]").Attr("value")
	two := tab(t, a, a, "/checkout", id)
	one.PushHook("purchase", map[string]string{"key": key})
	first, ok := one.Redirected()
	if !ok {
		t.Fatal("no redirect")
	}
	two.PushHook("purchase", map[string]string{"key": key}) // the retry
	second, ok := two.Redirected()
	if !ok || second.To != first.To {
		t.Errorf("retry went to %+v, first to %+v\n%s", second, first, two.HTML())
	}
	if got := counts(a)[3]; got != before-1 {
		t.Errorf("stock %d, want %d", got, before-1)
	}
}

// An order page shows only this browser's orders.
func TestOrderPageIsPrivate(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	id := cart.NewID()
	if err := a.Carts.Add(context.Background(), id, 3); err != nil {
		t.Fatal(err)
	}
	o, err := a.Carts.Purchase(context.Background(), id, "k")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/checkout/complete?order=%d", o.ID)
	if v := tab(t, a, a, path, id); !strings.Contains(v.HTML(), "Order Complete!") {
		t.Errorf("owner's order page:\n%s", v.HTML())
	}
	for _, p := range []string{path, "/checkout/complete?order=x", "/checkout/complete?order=99999", "/checkout/complete"} {
		v := tab(t, a, a, p, cart.NewID())
		if strings.Contains(v.HTML(), "Order Complete!") || !strings.Contains(v.HTML(), "Order not found") {
			t.Errorf("%s from another browser:\n%s", p, v.HTML())
		}
	}
}

// Without script, the purchase form posts to /checkout and redirects to the order.
func TestPurchaseWithoutScript(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	base := newServer(t, a)
	id := cart.NewID()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	jar.SetCookies(u, []*http.Cookie{{Name: cart.CookieName, Value: a.Cookies.Value(id)}})
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	buy := func() string {
		resp, err := client.PostForm(base+"/checkout", url.Values{"key": {"form-key"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return resp.Header.Get("Location")
	}
	if got := buy(); got != "/checkout?error=empty" {
		t.Errorf("empty cart: %q", got)
	}
	if err := a.Carts.Add(context.Background(), id, 3); err != nil {
		t.Fatal(err)
	}
	first := buy()
	if !strings.HasPrefix(first, "/checkout/complete?order=") {
		t.Fatalf("purchase: %q", first)
	}
	if again := buy(); again != first {
		t.Errorf("the same form again went to %q, not %q", again, first)
	}
	v := livetest.Open(t, a, "/checkout?error=empty", livetest.Header("Cookie", cart.CookieName+"="+a.Cookies.Value(id)))
	if !strings.Contains(v.HTML(), alert("Your cart is empty")) {
		t.Errorf("error page:\n%s", v.HTML())
	}
}

func mustAdd(t *testing.T, st store.Store, id string, items ...int64) {
	t.Helper()
	for _, item := range items {
		if _, err := st.AddToCart(context.Background(), id, item); err != nil && !errors.Is(err, store.ErrCartFull) {
			t.Fatal(err)
		}
	}
}
