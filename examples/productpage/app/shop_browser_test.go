package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/internal/browsertest"
)

// openPage opens path in a new tab of browser (sharing its cookies), waits for the live view
// to connect and marks the window so that a reload would show.
func openPage(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the live view to connect", jsConnected)
	waitJS(t, ctx, "the mark", jsMark)
	return ctx
}

// openAdmin opens /admin in a new tab, with the admin's credentials on every request.
func openAdmin(t *testing.T, browser context.Context, base string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin.User+":"+testPassword))
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the admin view to connect", jsConnected)
	return ctx
}

func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
}

// jsCart is true when the page shows a cart of n items (none: no cart at all) whose
// subtotal is subtotal dollars.
func jsCart(n, subtotal int) string {
	if n == 0 {
		return `!document.querySelector(".cart-container")`
	}
	return fmt.Sprintf(`(() => { const h = document.querySelector(".cart-header"), s = document.querySelector(".cart-subtotal");
		return !!h && h.textContent.trim() === "Cart %d" && document.querySelectorAll(".cart-item").length === %d &&
			!!s && s.textContent.trim() === "Subtotal $%d" })()`, n, n, subtotal)
}

func jsCartHas(item int64) string {
	return fmt.Sprintf(`!!document.querySelector(".cart-item[data-item-id='%d']")`, item)
}

func jsItemOut(item int64) string {
	return fmt.Sprintf(`(() => { const c = document.querySelector(".cart-item[data-item-id='%d'] .cart-item__contents"),
		p = document.querySelector(".cart-item[data-item-id='%d'] .cart-item__price");
		return !!c && c.classList.contains("cart-item-out") && !!p && p.classList.contains("cart-item-out") })()`, item, item)
}

const sizeSel = ".size-container__entry[value='%d']"

// TestBrowserShop runs the shop's browser behaviours in headless Chromium: the first four
// with Glint's own client and with the official phoenix_live_view client, the others with
// Glint's client.
func TestBrowserShop(t *testing.T) {
	browsertest.RequireChromium(t)
	official := browsertest.Bundle(t, browsertest.OfficialClientEntry)
	for _, c := range []struct {
		name   string
		bundle []byte
	}{{"glint", nil}, {"official", official}} {
		t.Run(c.name, func(t *testing.T) { shopBehaviours(t, c.bundle) })
	}
	t.Run("glint/CheckoutEverywhere", testCheckoutEverywhere)
	t.Run("glint/DashboardAcrossNodes", testDashboardAcrossNodes)
	t.Run("glint/LastUnitsAcrossNodes", testLastUnitsAcrossNodes)
}

func shopBehaviours(t *testing.T, bundle []byte) {
	start := func(t *testing.T) (*liveServer, string) {
		db := filepath.Join(t.TempDir(), "shop.db")
		s := startLive(t, db, "127.0.0.1:0", true, bundle)
		adminPost(t, s.url(), "/admin/api/products/1/release")
		adminPost(t, s.url(), "/admin/api/products/2/release")
		return s, db
	}

	t.Run("AddToCart", func(t *testing.T) {
		s, _ := start(t)
		browser := browsertest.New(t)
		ctx := openPage(t, browser, s.url()+"/drops")
		waitJS(t, ctx, "no cart yet", jsCart(0, 0))
		click(t, ctx, fmt.Sprintf(sizeSel, 3))
		waitJS(t, ctx, "the cart with item 3", jsCart(1, 200)+" && "+jsCartHas(3))
		click(t, ctx, fmt.Sprintf(sizeSel, 3))
		waitJS(t, ctx, "the refusal of a duplicate", `(document.querySelector(".cart-error")||{textContent:""}).textContent.includes("already in your cart")`)
		waitJS(t, ctx, "still one item", jsCart(1, 200))
		click(t, ctx, fmt.Sprintf(sizeSel, 2))
		waitJS(t, ctx, "two items, newest first", jsCart(2, 300)+
			` && document.querySelector(".cart-item").dataset.itemId === "2"`)
		waitJS(t, ctx, "no page load", jsNoReload)
	})

	t.Run("TwoTabs", func(t *testing.T) {
		s, _ := start(t)
		browser := browsertest.New(t)
		one := openPage(t, browser, s.url()+"/drops")
		click(t, one, fmt.Sprintf(sizeSel, 3))
		waitJS(t, one, "the cart", jsCart(1, 200))
		two := openPage(t, browser, s.url()+"/drops")
		waitJS(t, two, "the same cart in the second tab", jsCart(1, 200)+" && "+jsCartHas(3))
		click(t, one, fmt.Sprintf(sizeSel, 1))
		waitJS(t, two, "the add made in the first tab", jsCart(2, 300))
		click(t, two, ".cart-item__remove[data-item-id='3']")
		waitJS(t, one, "the removal made in the second tab", jsCart(1, 100)+" && !"+jsCartHas(3))
		waitJS(t, one, "no page load", jsNoReload)
		waitJS(t, two, "no page load", jsNoReload)
	})

	t.Run("ReloadAndRestart", func(t *testing.T) {
		s, db := start(t)
		browser := browsertest.New(t)
		ctx := openPage(t, browser, s.url()+"/drops")
		click(t, ctx, fmt.Sprintf(sizeSel, 3))
		waitJS(t, ctx, "the cart", jsCart(1, 200))
		if _, err := chromedp.Run(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the cart after a reload", jsConnected+" && "+jsCart(1, 200))
		waitJS(t, ctx, "the mark", jsMark)
		addr := s.addr
		s.kill()
		waitJS(t, ctx, "the page to notice", `!document.querySelector("[data-phx-main].phx-connected")`)
		s = startLive(t, db, addr, false, bundle)
		waitJS(t, ctx, "the page to reconnect by itself", jsConnected+" && "+jsCart(1, 200))
		click(t, ctx, fmt.Sprintf(sizeSel, 1))
		waitJS(t, ctx, "an add after the restart", jsCart(2, 300))
		waitJS(t, ctx, "no page load", jsNoReload)
		if _, err := chromedp.Run(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the cart after restart and reload", jsConnected+" && "+jsCart(2, 300))
	})

	t.Run("SoldOutInEveryTab", func(t *testing.T) {
		s, _ := start(t)
		browser := browsertest.New(t)
		one := openPage(t, browser, s.url()+"/drops")
		click(t, one, fmt.Sprintf(sizeSel, 1))
		waitJS(t, one, "the cart", jsCart(1, 100))
		click(t, one, fmt.Sprintf(sizeSel, 3))
		waitJS(t, one, "the cart", jsCart(2, 300))
		two := openPage(t, browser, s.url()+"/drops")
		checkout := openPage(t, browser, s.url()+"/checkout")
		waitJS(t, checkout, "the purchase button", `document.querySelector(".purchase-button").textContent === "PURCHASE"`)
		adminPost(t, s.url(), "/admin/api/items/1/sell?count=1") // its last unit
		for _, ctx := range []context.Context{one, two, checkout} {
			waitJS(t, ctx, "item 1 greyed out", jsItemOut(1)+" && !("+jsItemOut(3)+")")
		}
		waitJS(t, checkout, "the sold-out note and the disabled button", `(() => {
			const l = document.querySelector(".checkout-container .product-listing[data-item-id='1']"), b = document.querySelector(".purchase-button");
			return !!l && l.textContent.includes("Sorry, this shoe is sold out") && b.disabled && b.textContent === "SOME ITEMS NOT AVAILABLE" })()`)
		for _, ctx := range []context.Context{one, two, checkout} {
			waitJS(t, ctx, "no page load", jsNoReload)
		}
	})
}

// Checking out a good cart: stock drops on every open page, the cart empties in every tab,
// and the order page shows the order.
func testCheckoutEverywhere(t *testing.T) {
	s := startLive(t, filepath.Join(t.TempDir(), "shop.db"), "127.0.0.1:0", true, nil)
	adminPost(t, s.url(), "/admin/api/products/1/release")
	adminPost(t, s.url(), "/admin/api/products/2/release")
	browser := browsertest.New(t)
	drops := openPage(t, browser, s.url()+"/drops")
	click(t, drops, fmt.Sprintf(sizeSel, 1))
	waitJS(t, drops, "the cart", jsCart(1, 100))
	click(t, drops, fmt.Sprintf(sizeSel, 3))
	waitJS(t, drops, "the cart", jsCart(2, 300))
	other := openPage(t, browser, s.url()+"/drops")
	adm := openAdmin(t, browser, s.url())
	waitJS(t, adm, "the counts before", `document.querySelector("#count-1").textContent === "1" && document.querySelector("#count-3").textContent === "3"`)

	buyer := openPage(t, browser, s.url()+"/drops")
	click(t, buyer, ".cart-checkout")
	waitJS(t, buyer, "the checkout page", `location.pathname === "/checkout" && `+jsConnected+
		` && document.querySelector(".purchase-button").textContent === "PURCHASE"`)
	click(t, buyer, ".purchase-button")
	waitJS(t, buyer, "the order page", `location.pathname === "/checkout/complete" && `+jsConnected+` && (() => {
		const c = document.querySelector(".checkout-container");
		return c.textContent.includes("Order Complete!") && c.textContent.includes("Total $300") &&
			!!c.querySelector(".order-item[data-item-id='1']") && !!c.querySelector(".order-item[data-item-id='3']") })()`)
	waitJS(t, buyer, "an empty cart on the order page", jsCart(0, 0))
	for _, ctx := range []context.Context{drops, other} {
		waitJS(t, ctx, "the cart emptied", jsCart(0, 0))
		waitJS(t, ctx, "item 1 sold out", `document.querySelector(".size-container__entry[value='1']").disabled`)
		waitJS(t, ctx, "no page load", jsNoReload)
	}
	waitJS(t, adm, "one unit fewer of each", `document.querySelector("#count-1").textContent === "0" && document.querySelector("#count-3").textContent === "2"`)
}

// Two nodes on one store and NATS, a tab of one shopper on each: the dashboard of either
// node counts one shopper, two tabs and the cart's items, and follows a tab closing.
func testDashboardAcrossNodes(t *testing.T) {
	c := newCluster(t)
	a, b := c.node(t, "a"), c.node(t, "b")
	adminPost(t, a.url(), "/admin/api/products/1/release")
	adminPost(t, a.url(), "/admin/api/products/2/release")
	browser := browsertest.New(t)
	// Both nodes are on 127.0.0.1: the browser sends the same cart cookie to both.
	onA := openPage(t, browser, a.url()+"/drops")
	click(t, onA, fmt.Sprintf(sizeSel, 3))
	waitJS(t, onA, "the cart", jsCart(1, 200))
	onB := openPage(t, browser, b.url()+"/checkout")
	waitJS(t, onB, "the same cart on node b", jsCart(1, 200))

	want := func(tabs map[string]int, item3 int) string {
		cond := `document.querySelector("#shopper-count").textContent === "1" && document.querySelector("#admin-item-cart-count-3").textContent === "` +
			fmt.Sprint(item3) + `" && document.querySelector("#admin-item-cart-count-1").textContent === "0"`
		for path, n := range tabs {
			if n == 0 {
				cond += fmt.Sprintf(` && !document.querySelector("[data-path='%s']")`, path)
				continue
			}
			cond += fmt.Sprintf(` && (document.querySelector("[data-path='%s'] .admin-item-entry__number")||{}).textContent === "%d"`, path, n)
		}
		return cond
	}
	dashA, dashB := openAdmin(t, browser, a.url()), openAdmin(t, browser, b.url())
	for _, d := range []context.Context{dashA, dashB} {
		waitJS(t, d, "1 shopper, a tab on each page, item 3 in 1 cart", want(map[string]int{"/drops": 1, "/checkout": 1}, 1))
	}
	click(t, onB, ".cart-item__remove[data-item-id='3']")
	for _, d := range []context.Context{dashA, dashB} {
		waitJS(t, d, "item 3 in no cart", want(map[string]int{"/drops": 1, "/checkout": 1}, 0))
	}
	if err := chromedp.Cancel(onB); err != nil {
		t.Fatal(err)
	}
	for _, d := range []context.Context{dashA, dashB} {
		waitJS(t, d, "the closed tab gone", want(map[string]int{"/drops": 1, "/checkout": 0}, 0))
	}
}

// jsUnavailable is true when the checkout's button says the cart cannot be bought.
const jsUnavailable = `(() => { const b = document.querySelector(".purchase-button"); return !!b && b.disabled && b.textContent === "SOME ITEMS NOT AVAILABLE" })()`

// Fifty buyers, each in a browser of their own and half on each of two nodes, buy the last
// ten units of an item at once: exactly ten succeed, and the others are told why not.
func testLastUnitsAcrossNodes(t *testing.T) {
	const buyers, units = 50, 10
	c := newCluster(t)
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, c.db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ps, items := storetest.Fixture()
	for i := range ps {
		ps[i].Released = true
	}
	for i := range items {
		if items[i].ID == 3 {
			items[i].AvailableCount = units
		}
	}
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, buyers)
	for i := range ids {
		ids[i] = cart.NewID()
		if _, err := st.AddToCart(ctx, ids[i], 3); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	nodes := []*liveServer{c.node(t, "a"), c.node(t, "b")}
	browser := browsertest.New(t)

	tabs := make([]context.Context, buyers)
	for i := range tabs {
		tctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		base := nodes[i%2].url()
		cookie := nodes[0].app.Cookies.Value(ids[i])
		if err := chromedp.Do(tctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		httpOnly := true
		if _, err := chromedp.Call(tctx, network.SetCookie, network.SetCookieParams{Name: cart.CookieName, Value: cookie, URL: base, HTTPOnly: &httpOnly}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(tctx, chromedp.Navigate(base+"/checkout")); err != nil {
			t.Fatal(err)
		}
		tabs[i] = tctx
	}
	for _, tctx := range tabs {
		waitJS(t, tctx, "the checkout page", jsConnected+` && document.querySelector(".purchase-button").textContent === "PURCHASE"`)
	}
	var wg sync.WaitGroup
	for _, tctx := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chromedp.Run(tctx, chromedp.Evaluate[bool](`document.querySelector(".purchase-button").click(), true`))
		}()
	}
	wg.Wait()
	bought, refused := 0, 0
	for i, tctx := range tabs {
		// A buyer is refused by an alert after clicking, or, when the sold-out news reached
		// the page before the click, by the button the page already disabled.
		waitJS(t, tctx, "the outcome", `(location.pathname === "/checkout/complete" && !!document.querySelector(".order-item")) ||
			!!document.querySelector(".alert-danger") || `+jsUnavailable)
		outcome, err := chromedp.Run(tctx, chromedp.Evaluate[string](`location.pathname === "/checkout/complete" ? "bought" :
			document.querySelector(".alert-danger") ? document.querySelector(".alert-danger").textContent : "unavailable"`))
		if err != nil {
			t.Fatal(err)
		}
		switch outcome {
		case "bought":
			bought++
		case "Sorry, Your cart has out-of-stock shoes.", "Sorry, Your purchase could not be completed.", "unavailable":
			refused++
		default:
			t.Errorf("buyer %d: %q", i, outcome)
		}
	}
	if bought != units || refused != buyers-units {
		t.Errorf("%d bought and %d refused, want %d and %d", bought, refused, units, buyers-units)
	}
	for _, n := range nodes {
		it, _, _ := n.app.Inventory.Item(3)
		if it.AvailableCount != 0 {
			t.Errorf("node %s: item 3 has %d left in memory", n.addr, it.AvailableCount)
		}
	}
}
