package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/live/livetest"
)

func openDashboard(t testing.TB, a *app.App) *livetest.View {
	t.Helper()
	return livetest.Open(t, a, "/admin", livetest.Header("Authorization", "Basic "+basic(admin.User, testPassword)))
}

// dashboardShows reports whether the dashboard's HTML shows these shoppers, tabs per path
// and carts per item.
func dashboardShows(shoppers int, tabs map[string]int, carts map[int64]int) func(string) bool {
	return func(html string) bool {
		if !strings.Contains(html, fmt.Sprintf(`<span id="shopper-count" class="admin-item-entry__number">%d</span>`, shoppers)) {
			return false
		}
		for path, n := range tabs {
			want := fmt.Sprintf(`<div class="admin-item-entry" data-path="%s"><span class="admin-item-entry__number">%d</span>`, path, n)
			if n == 0 {
				if strings.Contains(html, fmt.Sprintf(`data-path="%s"`, path)) {
					return false
				}
			} else if !strings.Contains(html, want) {
				return false
			}
		}
		for item, n := range carts {
			if !strings.Contains(html, fmt.Sprintf(`id="admin-item-cart-count-%d">%d</span> in cart`, item, n)) {
				return false
			}
		}
		return true
	}
}

// The dashboard counts unique shoppers, tabs per page and connected carts per item, live,
// as tabs open, carts change and tabs close.
func TestDashboardCountsShoppers(t *testing.T) {
	a, _ := shopApp(t, 1, 2)
	ctx := context.Background()
	dash := openDashboard(t, a)
	dash.WaitFor(dashboardShows(0, map[string]int{"/drops": 0}, map[int64]int{1: 0, 2: 0, 3: 0}))

	alice, bob := cart.NewID(), cart.NewID()
	if err := a.Carts.Add(ctx, alice, 1); err != nil {
		t.Fatal(err)
	}
	aliceDrops := tab(t, a, a, "/drops", alice)
	aliceCheckout := tab(t, a, a, "/checkout", alice)
	bobDrops := tab(t, a, a, "/drops", bob)
	dash.WaitFor(dashboardShows(2, map[string]int{"/drops": 2, "/checkout": 1}, map[int64]int{1: 1, 2: 0, 3: 0}))

	// Bob adds item 1 and 3; Alice adds 3 from her second tab: each cart counts once.
	bobDrops.Submit(sizeButton(1), nil)
	bobDrops.Submit(sizeButton(3), nil)
	aliceDrops.Submit(sizeButton(3), nil)
	dash.WaitFor(dashboardShows(2, map[string]int{"/drops": 2, "/checkout": 1}, map[int64]int{1: 2, 2: 0, 3: 2}))

	aliceCheckout.Close()
	dash.WaitFor(dashboardShows(2, map[string]int{"/drops": 2, "/checkout": 0}, map[int64]int{1: 2, 3: 2}))
	bobDrops.Close()
	dash.WaitFor(dashboardShows(1, map[string]int{"/drops": 1}, map[int64]int{1: 1, 2: 0, 3: 1}))
	aliceDrops.Close()
	dash.WaitFor(dashboardShows(0, map[string]int{"/drops": 0}, map[int64]int{1: 0, 3: 0}))
}

// Unreleased items have no cart count; releasing one shows it, live.
func TestDashboardReleaseIsLive(t *testing.T) {
	a, _ := shopApp(t, 1)
	dash := openDashboard(t, a)
	if dash.Has("#admin-item-cart-count-3") {
		t.Fatal("an unreleased item shows a cart count")
	}
	if err := a.Inventory.Release(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	dash.WaitFor(func(html string) bool {
		return strings.Contains(html, `id="admin-item-cart-count-3">0</span> in cart / 3 available`)
	})
	if _, err := a.Inventory.Sell(context.Background(), 3, 1); err != nil {
		t.Fatal(err)
	}
	dash.WaitFor(func(html string) bool { return strings.Contains(html, `in cart / 2 available`) })
}
