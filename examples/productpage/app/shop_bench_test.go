package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/channel"
)

var wireRef atomic.Int64

// push sends a client event on the view's topic and returns the frame's ref.
func (w *wireView) push(ctx context.Context, payload map[string]any) (string, error) {
	ref := strconv.FormatInt(wireRef.Add(1)+1000, 10)
	frame, _ := json.Marshal([]any{"1", ref, w.topic, "event", payload})
	return ref, w.conn.Write(ctx, websocket.MessageText, frame)
}

// replyTo matches the reply to ref.
func replyTo(ref string) func(wireFrame) bool {
	return func(f wireFrame) bool { return f.event == "phx_reply" && strings.HasPrefix(f.text, `["1","`+ref+`"`) }
}

// stockedCatalog writes the fixture catalog, released, with count units of every item.
func stockedCatalog(tb testing.TB, db string, count int) {
	tb.Helper()
	st, err := store.OpenSQLite(context.Background(), db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	ps, items := storetest.Fixture()
	for i := range ps {
		ps[i].Released = true
	}
	for i := range items {
		items[i].AvailableCount = count
	}
	if err := st.Reset(context.Background(), ps, items); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAddToCart measures an add-to-cart click on /drops: one op is the add (a size
// form's submit) from one tab, answered, and seen by a second tab of the same cart; the
// remove that restores the cart runs off the clock. Metrics: the add's reply frame in bytes
// on the wire (WebSocket header included), and the other tab's latency from the click.
//
// FirstItem adds to an empty cart, which renders nothing: that reply carries the cart's
// markup, once. NextItem adds to a cart that already shows an item, the usual case: the
// reply carries only the new row's values.
func BenchmarkAddToCart(b *testing.B) {
	b.Run("OneNode/FirstItem", func(b *testing.B) { benchAddToCart(b, false, false) })
	b.Run("OneNode/NextItem", func(b *testing.B) { benchAddToCart(b, false, true) })
	b.Run("TwoNodes/NextItem", func(b *testing.B) { benchAddToCart(b, true, true) })
}

func benchAddToCart(b *testing.B, twoNodes, held bool) {
	ctx := context.Background()
	var bases [2]string
	if twoNodes {
		c := newCluster(b)
		stockedCatalog(b, c.db, 1_000_000)
		bases[0], bases[1] = c.node(b, "a").url(), c.node(b, "b").url()
	} else {
		db := filepath.Join(b.TempDir(), "bench.db")
		stockedCatalog(b, db, 1_000_000)
		st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		a, err := app.New(ctx, app.Config{Limits: channel.Unlimited(), Store: st, AdminPassword: testPassword, Secret: testSecret, Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(a)
		b.Cleanup(func() {
			srv.Close()
			a.Close(context.Background())
		})
		bases[0], bases[1] = srv.URL, srv.URL
	}
	jar, _ := cookiejar.New(nil)
	one, err := dialWirePage(ctx, bases[0], "/drops", jar, "")
	if err != nil {
		b.Fatal(err)
	}
	defer one.close()
	two, err := dialWirePage(ctx, bases[1], "/drops", jar, "")
	if err != nil {
		b.Fatal(err)
	}
	defer two.close()
	seen := func(w *wireView) int { return len(w.snapshot()) }
	waitDiff := func(w *wireView, from int, what string) time.Time {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		i, err := w.waitFrame(wctx, func(f wireFrame) bool { return f.event == "diff" && strings.Contains(f.text, what) })
		for err == nil && i < from {
			w.mu.Lock()
			rest := append([]wireFrame(nil), w.frames[from:]...)
			w.mu.Unlock()
			i = -1
			for j, f := range rest {
				if f.event == "diff" && strings.Contains(f.text, what) {
					i = from + j
					break
				}
			}
			if i >= 0 {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		if err != nil {
			b.Fatal(err)
		}
		return w.snapshot()[i].at
	}
	click := func(w *wireView, payload map[string]any) wireFrame {
		ref, err := w.push(ctx, payload)
		if err != nil {
			b.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		i, err := w.waitFrame(wctx, replyTo(ref))
		if err != nil {
			b.Fatal(err)
		}
		return w.snapshot()[i]
	}
	items := fixtureItems
	if held {
		// The cart holds the last fixture item throughout; the ops add the others.
		last := items[len(items)-1]
		items = items[:len(items)-1]
		from := seen(two)
		click(one, map[string]any{"type": "form", "event": "add_to_cart", "value": fmt.Sprint("item_id=", last)})
		waitDiff(two, from, fmt.Sprintf(`"%d"`, last))
	}
	var replyBytes int
	latencies := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		item := items[i%len(items)]
		id := fmt.Sprint(item)
		from := seen(two)
		start := time.Now()
		reply := click(one, map[string]any{"type": "form", "event": "add_to_cart", "value": "item_id=" + id})
		if !strings.Contains(reply.text, `"`+id+`"`) {
			b.Fatalf("the add's reply lacks the item: %s", reply.text)
		}
		replyBytes += reply.wireSize
		at := waitDiff(two, from, `"`+id+`"`)
		latencies = append(latencies, at.Sub(start))

		b.StopTimer()
		from = seen(two)
		click(one, map[string]any{"type": "click", "event": "remove_from_cart", "value": map[string]string{"item_id": id}})
		waitDiff(two, from, `"`)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(replyBytes)/float64(b.N), "reply-B/op")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "other-tab-p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "other-tab-p99-ms")
}

// BenchmarkSellOutToCarts measures a sell-out of an item held by 1,000 connected carts,
// each on its own /drops tab: one op sells the last units and waits until every tab has
// greyed the item out in its cart. Setting up the carts and tabs runs off the clock.
func BenchmarkSellOutToCarts(b *testing.B) {
	const carts = 1000
	var toLast []time.Duration
	for range b.N {
		b.StopTimer()
		toLast = append(toLast, sellOutOnce(b, carts))
	}
	slices.Sort(toLast)
	b.ReportMetric(float64(toLast[len(toLast)/2].Microseconds())/1000, "ms-to-last-cart")
}

func sellOutOnce(b *testing.B, carts int) time.Duration {
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "sellout.db")
	stockedCatalog(b, db, 5)
	st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, app.Config{Limits: channel.Unlimited(), Store: st, AdminPassword: testPassword, Secret: testSecret,
		Rand: rand.New(rand.NewPCG(5, 5)), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer func() {
		srv.Close()
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a.Close(cctx)
	}()
	u, _ := url.Parse(srv.URL)
	tabs := make([]*wireView, carts)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan error, carts)
	for i := range tabs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id := cart.NewID()
			if err := a.Carts.Add(ctx, id, 1); err != nil {
				errs <- err
				return
			}
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(u, []*http.Cookie{{Name: cart.CookieName, Value: a.Cookies.Value(id)}})
			dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			w, err := dialWirePage(dctx, srv.URL, "/drops", jar, "")
			if err != nil {
				errs <- err
				return
			}
			tabs[i] = w
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	defer func() {
		for _, w := range tabs {
			w.close()
		}
	}()
	b.StartTimer()
	start := time.Now()
	if _, err := a.Inventory.Sell(ctx, 1, 5); err != nil {
		b.Fatal(err)
	}
	var last time.Time
	for _, w := range tabs {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		i, err := w.waitFrame(wctx, func(f wireFrame) bool { return f.event == "diff" && strings.Contains(f.text, "cart-item-out") })
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if at := w.snapshot()[i].at; at.After(last) {
			last = at
		}
	}
	b.StopTimer()
	return last.Sub(start)
}
