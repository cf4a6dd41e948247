package app_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/live/pubsub"
)

// freshRender renders /drops from a new inventory loaded from the store: what a brand-new
// visitor would see.
func freshRender(t *testing.T, st store.Store) string {
	t.Helper()
	inv, err := inventory.Load(context.Background(), st, pubsub.NewLocal(), inventory.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := app.DropsTemplate().Execute(&app.Drops{Stock: inv.Snapshot()})
	if err != nil {
		t.Fatal(err)
	}
	return r.HTML(nil)
}

// appOver builds the app over an open store (closed by the app).
func appOver(t *testing.T, st store.Store) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Store: st, AdminPassword: testPassword, Secret: testSecret,
		Rand: rand.New(rand.NewPCG(5, 6)), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	})
	return a
}

func allOut(n int) func(string) bool {
	return func(html string) bool { return strings.Count(html, "size-container__entry--level-out") == n }
}

// Convergence: 200 connected views while the reducer sells everything; every view's final
// HTML equals a fresh render of the store's final state.
func TestConvergence200Views(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "conv.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(11, 12)), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// The seed catalog with stock cut (to keep the race-enabled run short) so that items
	// pass through medium, low and out.
	ps, items := store.Seed(rand.New(rand.NewPCG(11, 12)))
	for i := range items {
		if i%3 == 0 {
			items[i].AvailableCount %= 170
		} else {
			items[i].AvailableCount %= 20
		}
	}
	items[3].AvailableCount = 160
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	a := appOver(t, st)
	if err := a.Inventory.Release(ctx, 1); err != nil { // product 2 is released mid-drop
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()

	const n = 200
	start := time.Now()
	views := make([]*livetest.View, n)
	for i := range views {
		views[i] = livetest.OpenURL(t, srv.URL+"/drops", livetest.Timeout(60*time.Second))
	}
	t.Logf("%d views joined in %v", n, time.Since(start))
	start = time.Now()
	if _, err := a.Inventory.StartReducer(inventory.ReducerConfig{PerTick: 40, Tick: 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if err := a.Inventory.Release(ctx, 2); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := a.Inventory.WaitReducer(wctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("reducer sold out in %v", time.Since(start))
	start = time.Now()
	want := freshRender(t, st)
	if strings.Count(want, "level-out") != len(items) {
		t.Fatalf("store not sold out:\n%s", want)
	}
	for i, v := range views {
		v.WaitFor(allOut(len(items)))
		if got := v.HTML(); got != want {
			t.Fatalf("view %d differs from a fresh render:\n got: %s\nwant: %s", i, got, want)
		}
	}
	t.Logf("views converged in %v", time.Since(start))
}

// 50 goroutines sell one item with stock 100 while views are connected: exactly 100 sales
// succeed, the count ends at 0 and every view shows the item out.
func TestConcurrentSalesReachEveryView(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "c.db"), store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ps := []store.Product{{ID: 1, SKU: "P", Name: "P", MainImageURL: "/images/hopman.png", Released: true}}
	items := []store.Item{{ID: 7, SKU: "I", Size: "9", ProductID: 1, AvailableCount: 100}}
	if err := st.Reset(ctx, ps, items); err != nil {
		t.Fatal(err)
	}
	a := appOver(t, st)
	srv := httptest.NewServer(a)
	defer srv.Close()
	views := make([]*livetest.View, 10)
	for i := range views {
		views[i] = livetest.OpenURL(t, srv.URL+"/drops")
	}
	var mu sync.Mutex
	sold, failures := 0, []error{}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, err := a.Inventory.Sell(ctx, 7, 1)
				mu.Lock()
				switch {
				case errors.Is(err, store.ErrNotAvailable):
					mu.Unlock()
					return
				case err != nil || it.AvailableCount < 0:
					failures = append(failures, fmt.Errorf("sale: %+v, %v", it, err))
				default:
					sold++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if sold != 100 || len(failures) > 0 {
		t.Fatalf("sold %d (want 100), failures %v", sold, failures)
	}
	_, stored, _ := st.Catalog(ctx)
	if stored[0].AvailableCount != 0 {
		t.Errorf("final count %d", stored[0].AvailableCount)
	}
	want := `size-container__entry--level-out" name="item_id" value="7" disabled`
	for _, v := range views {
		v.WaitFor(func(html string) bool { return strings.Contains(html, want) })
	}
}
