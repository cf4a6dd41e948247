package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/internal/browsertest"
)

// jsImagesDrawn is true when every image of the page has loaded and has a size.
const jsImagesDrawn = `[...document.images].every(i => i.complete && i.naturalWidth > 0)`

// scrollWidth returns the page's scroll width, which exceeds the viewport's width exactly
// when the page scrolls sideways.
func scrollWidth(t *testing.T, ctx context.Context) int {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// viewport resizes the tab's viewport.
func viewport(t *testing.T, ctx context.Context, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
}

// fitsWidth fails the test when the page in ctx scrolls sideways at width, naming the
// elements that stick out.
func fitsWidth(t *testing.T, ctx context.Context, what string, width int) {
	t.Helper()
	if w := scrollWidth(t, ctx); w > width {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > %d).slice(0, 10)
			.map(e => e.tagName + "." + e.className + " right=" + Math.round(e.getBoundingClientRect().right))`, width)))
		t.Errorf("%s at %d px: scrollWidth %d; too wide: %v", what, width, w, wide)
	}
}

// TestBrowserLayout checks the shop's pages in headless Chromium at phone and desktop
// widths: no page scrolls sideways from 390 px up (the cart bar and the admin tables
// included), and each entry of the stock legend is drawn like the size buttons of its level.
func TestBrowserLayout(t *testing.T) {
	a := catalogApp(t)
	s := serveApp(t, a, a, "127.0.0.1:0")
	browser := browsertest.New(t)

	t.Run("Narrow", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		viewport(t, ctx, 390, 844)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url()+"/drops")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the live view to connect", jsConnected)
		waitJS(t, ctx, "the product images", jsImagesDrawn)
		fitsWidth(t, ctx, "/drops", 390)
		// The sizes stay four to a row and the image fills the card's width.
		waitJS(t, ctx, "four sizes a row", `(() => { const b = [...document.querySelectorAll(".product-listing")[0].querySelectorAll(".size-container__entry")];
			return b.length >= 5 && b[3].getBoundingClientRect().top === b[0].getBoundingClientRect().top && b[4].getBoundingClientRect().top > b[0].getBoundingClientRect().top })()`)

		click(t, ctx, ".size-container__entry[value='1']")
		waitJS(t, ctx, "the cart", jsCart(1, 120))
		fitsWidth(t, ctx, "/drops with a cart", 390)
		waitJS(t, ctx, "the cart bar across the screen", `(() => { const r = document.querySelector(".cart-container").getBoundingClientRect();
			return r.left >= 0 && r.right <= 390 && r.width > 300 })()`)

		if err := chromedp.Do(ctx, chromedp.Navigate(s.url()+"/checkout")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "/checkout to connect", jsConnected)
		waitJS(t, ctx, "the checkout's item", `document.querySelectorAll(".checkout-container .product-listing").length === 1`)
		waitJS(t, ctx, "the checkout's image", jsImagesDrawn)
		fitsWidth(t, ctx, "/checkout", 390)

		// Wider screens up to a desktop's never scroll sideways either.
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url()+"/drops")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "/drops to connect again", jsConnected)
		for _, w := range []int64{430, 600, 700, 701, 768, 1024, 1280} {
			viewport(t, ctx, w, 900)
			fitsWidth(t, ctx, "/drops with a cart", int(w))
		}
	})

	t.Run("NarrowAdmin", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		viewport(t, ctx, 390, 844)
		auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(admin.User+":"+testPassword))
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}}); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url()+"/admin")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the admin view to connect", jsConnected)
		fitsWidth(t, ctx, "/admin", 390)
		// The tables scroll inside their cards instead, and their buttons stay reachable.
		waitJS(t, ctx, "the tables in scrolling cards", `(() => { const w = document.querySelector(".admin-table-wrap");
			return !!w && getComputedStyle(w).overflowX === "auto" && w.getBoundingClientRect().right <= 390 })()`)
		click(t, ctx, "#sell-1")
		waitJS(t, ctx, "the sale", `document.getElementById("count-1").textContent === "799"`)
	})

	t.Run("LegendMatchesSizes", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(browser)
		t.Cleanup(cancel)
		viewport(t, ctx, 1280, 800)
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url()+"/drops")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, "the live view to connect", jsConnected)
		// Compared with a size button at rest: no hover, no focus.
		for _, level := range []string{"high", "medium", "low", "out"} {
			expr := fmt.Sprintf(`(() => {
				const e = document.querySelector(".stock-legend li[data-level='%[1]s']"),
					b = document.querySelector(".size-container__entry--level-%[1]s");
				if (!e || !b) return "missing: legend " + !!e + ", button " + !!b;
				const se = getComputedStyle(e), sb = getComputedStyle(b);
				const got = [se.borderTopColor, se.textDecorationLine, e.getBoundingClientRect().width > 0],
					want = [sb.borderTopColor, sb.textDecorationLine, true];
				return JSON.stringify(got) === JSON.stringify(want) ? "" : "legend " + JSON.stringify(got) + ", button " + JSON.stringify(want);
			})()`, level)
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			msg, err := chromedp.Run(tctx, chromedp.Evaluate[string](expr))
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if msg != "" {
				t.Errorf("level %s: %s", level, msg)
			}
		}
		waitJS(t, ctx, "the legend in the first screen", `document.querySelector(".stock-legend").getBoundingClientRect().bottom < 800`)
	})
}
