package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/livetest"
)

// shopApp is the app over the fixture catalog with both products released, and its store
// (for arranging carts the rules would refuse).
func shopApp(t testing.TB, release ...int64) (*app.App, store.Store) {
	t.Helper()
	ctx := context.Background()
	a, st := newAppStore(t, filepath.Join(t.TempDir(), "shop.db"), false)
	for _, id := range release {
		if err := a.Inventory.Release(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	return a, st
}

// tab opens path as a tab of the browser whose cart is cartID.
func tab(t testing.TB, h http.Handler, a *app.App, path, cartID string) *livetest.View {
	t.Helper()
	return livetest.Open(t, h, path, livetest.Header("Cookie", cart.CookieName+"="+a.Cookies.Value(cartID)))
}

func hasCartCount(n int) func(string) bool {
	return func(html string) bool {
		if n == 0 {
			return !strings.Contains(html, `class="cart-container"`)
		}
		return strings.Contains(html, fmt.Sprintf(`<div class="cart-header">Cart %d</div>`, n))
	}
}

func sizeButton(id int64) string { return fmt.Sprintf(".size-container__entry[value='%d']", id) }

// A click on a size adds it live; the same size again changes nothing and says so; another
// tab of the same cart follows, and a removal in one tab removes it in the other.
func TestCartAddRemoveAcrossTabs(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	id := cart.NewID()
	one := tab(t, a, a, "/drops", id)
	two := tab(t, a, a, "/drops", id)
	if one.Has(".cart-container") {
		t.Fatalf("an empty cart renders:\n%s", one.HTML())
	}

	one.Submit(sizeButton(1), nil)
	if !hasCartCount(1)(one.HTML()) {
		t.Fatalf("after one add:\n%s", one.HTML())
	}
	item := one.Find(".cart-item[data-item-id='1']")
	if item.Length() != 1 || !strings.Contains(item.Text(), "B1") || !strings.Contains(item.Text(), "One") ||
		!strings.Contains(item.Text(), "6") || !strings.Contains(item.Text(), "$100") {
		t.Fatalf("cart item:\n%s", one.HTML())
	}
	if got := one.Text(".cart-subtotal"); got != "Subtotal $100" {
		t.Errorf("subtotal %q", got)
	}
	two.WaitFor(hasCartCount(1))

	one.Submit(sizeButton(1), nil)
	if !hasCartCount(1)(one.HTML()) || !strings.Contains(one.Text(".cart-error"), "already in your cart") {
		t.Fatalf("after a duplicate add:\n%s", one.HTML())
	}

	two.Submit(sizeButton(3), nil)
	one.WaitFor(hasCartCount(2))
	ids := one.Find(".cart-item").Map(func(_ int, s *goquery.Selection) string { v, _ := s.Attr("data-item-id"); return v })
	if strings.Join(ids, ",") != "3,1" {
		t.Errorf("cart order %v, want newest first 3,1", ids)
	}
	if got := one.Text(".cart-subtotal"); got != "Subtotal $300" {
		t.Errorf("subtotal %q", got)
	}

	two.Click(".cart-item__remove[data-item-id='3']")
	one.WaitFor(hasCartCount(1))
	two.Click(".cart-item__remove[data-item-id='1']")
	one.WaitFor(hasCartCount(0))
	if one.Errored() || two.Errored() {
		t.Error("a tab reconnected")
	}
}

// Every refusal of an add shows its message, and leaves the cart as it was.
func TestCartAddRefusals(t *testing.T) {
	cases := []struct {
		name    string
		arrange func(t *testing.T, a *app.App)
		value   any // the add_to_cart value's item_id
		want    string
	}{
		{"unreleased", func(*testing.T, *app.App) {}, 1, "not released yet"},
		{"sold out", func(t *testing.T, a *app.App) {
			release(t, a, 1)
			if _, err := a.Inventory.Sell(context.Background(), 1, 1); err != nil {
				t.Fatal(err)
			}
		}, 1, "sold out"},
		{"unknown id", func(t *testing.T, a *app.App) { release(t, a, 1, 2) }, 999, "does not exist"},
		{"non-numeric id", func(t *testing.T, a *app.App) { release(t, a, 1, 2) }, "1; DROP TABLE", "does not exist"},
		{"missing id", func(t *testing.T, a *app.App) { release(t, a, 1, 2) }, nil, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := shopApp(t)
			c.arrange(t, a)
			id := cart.NewID()
			v := tab(t, a, a, "/drops", id)
			payload := map[string]any{}
			if c.value != nil {
				payload["item_id"] = fmt.Sprint(c.value)
			}
			v.PushHook("add_to_cart", payload)
			if got := v.Text(".cart-error"); !strings.Contains(got, c.want) {
				t.Errorf("message %q, want it to say %q", got, c.want)
			}
			if v.Has(".cart-container") {
				t.Errorf("the refused item is in the cart:\n%s", v.HTML())
			}
			if items, err := a.Carts.Items(context.Background(), id); err != nil || len(items) != 0 {
				t.Errorf("stored cart %v, %v", items, err)
			}
		})
	}
}

func release(t *testing.T, a *app.App, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		if err := a.Inventory.Release(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

// A cart holds 50 items; the 51st add is refused with a message.
func TestCartFull(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "big.db"), store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ps := []store.Product{{ID: 1, SKU: "P1", Brand: "B", Name: "Many", Color: "c", PriceUSD: 10, MainImageURL: "/i.png", Released: true}}
	var items []store.Item
	for i := int64(1); i <= store.MaxCartItems+1; i++ {
		items = append(items, store.Item{ID: i, SKU: fmt.Sprintf("I%d", i), Size: fmt.Sprint(i), ProductID: 1, AvailableCount: 5})
	}
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	a := startApp(t, st, nil)
	id := cart.NewID()
	for i := int64(1); i <= store.MaxCartItems; i++ {
		if err := a.Carts.Add(ctx, id, i); err != nil {
			t.Fatal(err)
		}
	}
	v := tab(t, a, a, "/drops", id)
	if !hasCartCount(store.MaxCartItems)(v.HTML()) {
		t.Fatalf("full cart:\n%s", v.Find(".cart-header").Text())
	}
	v.Submit(sizeButton(store.MaxCartItems+1), nil)
	if got := v.Text(".cart-error"); !strings.Contains(got, "full") {
		t.Errorf("message %q", got)
	}
	if !hasCartCount(store.MaxCartItems)(v.HTML()) {
		t.Errorf("the 51st item went in: %s", v.Text(".cart-header"))
	}
}

// A forged, tampered or foreign cart cookie is replaced by a new cart: it never reaches the
// cart it names.
func TestForgedCartCookie(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	victim := cart.NewID()
	if err := a.Carts.Add(context.Background(), victim, 1); err != nil {
		t.Fatal(err)
	}
	good := a.Cookies.Value(victim)
	other, err := cart.NewCookies([]byte("another-secret-of-another-site-0123"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"bare id":       victim,
		"tampered":      good[:len(good)-2] + "xx",
		"other secret":  other.Value(victim),
		"garbage":       "%%%;;;",
		"empty":         "",
		"signed non-id": a.Cookies.Value("short"),
	}
	base := newServer(t, a)
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+"/drops", nil)
			req.Header.Set("Cookie", cart.CookieName+"="+value)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var set *http.Cookie
			for _, c := range resp.Cookies() {
				if c.Name == cart.CookieName {
					set = c
				}
			}
			if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.MaxAge < 364*24*3600 {
				t.Fatalf("no fresh HttpOnly SameSite=Lax year-long cart cookie: %+v", set)
			}
			id, ok := a.Cookies.Verify(set.Value)
			if !ok || id == victim || !cart.ValidID(id) {
				t.Errorf("new cart id %q (ok %v)", id, ok)
			}
			v := livetest.Open(t, a, "/drops", livetest.Header("Cookie", cart.CookieName+"="+value))
			if v.Has(".cart-container") {
				t.Errorf("the forged cookie shows a cart:\n%s", v.HTML())
			}
		})
	}
}

// A sold-out item turns grey in every tab of every cart that holds it.
func TestCartItemSellsOutLive(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	ctx := context.Background()
	var tabs []*livetest.View
	for range 3 {
		id := cart.NewID()
		if err := a.Carts.Add(ctx, id, 1); err != nil {
			t.Fatal(err)
		}
		tabs = append(tabs, tab(t, a, a, "/drops", id), tab(t, a, a, "/checkout", id))
	}
	if _, err := a.Inventory.Sell(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	for _, v := range tabs {
		v.WaitFor(func(html string) bool {
			return strings.Contains(html, `cart-item__contents cart-item-out`) && strings.Contains(html, `cart-item__price cart-item-out`)
		})
	}
	for _, v := range tabs[1:2] {
		v.WaitFor(func(html string) bool {
			return strings.Contains(html, "Sorry, this shoe is sold out") && strings.Contains(html, "SOME ITEMS NOT AVAILABLE")
		})
	}
}

// The script-free routes: the size form's POST adds and redirects, a refusal comes back as
// a message, and a post from another site is refused.
func TestCartAddWithoutScript(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	base := newServer(t, a)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(values url.Values, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/cart/add", strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := post(url.Values{"item_id": {"1"}}, base)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/drops" {
		t.Fatalf("add: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(base)
	var cookie string
	for _, c := range jar.Cookies(u) {
		if c.Name == cart.CookieName {
			cookie = c.Value
		}
	}
	id, ok := a.Cookies.Verify(cookie)
	if !ok {
		t.Fatal("no cart cookie after the add")
	}
	if items, _ := a.Carts.Items(context.Background(), id); len(items) != 1 || items[0] != 1 {
		t.Fatalf("cart %v", items)
	}
	for _, c := range []struct {
		values url.Values
		code   string
	}{
		{url.Values{"item_id": {"1"}}, "in-cart"},
		{url.Values{"item_id": {"x"}}, "unknown"},
		{url.Values{}, "unknown"},
	} {
		resp := post(c.values, "")
		if want := "/drops?cart=" + c.code; resp.Header.Get("Location") != want {
			t.Errorf("%v: Location %q, want %q", c.values, resp.Header.Get("Location"), want)
		}
	}
	v := livetest.Open(t, a, "/drops?cart=in-cart", livetest.Header("Cookie", cart.CookieName+"="+cookie))
	if !strings.Contains(v.HTML(), "already in your cart") || !hasCartCount(1)(v.HTML()) {
		t.Errorf("the page after a refused add:\n%s", v.HTML())
	}
	if resp := post(url.Values{"item_id": {"3"}}, "http://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site add: %d", resp.StatusCode)
	}
	if items, _ := a.Carts.Items(context.Background(), id); len(items) != 1 {
		t.Errorf("the cross-site add changed the cart: %v", items)
	}
}
