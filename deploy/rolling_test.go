package deploy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/jackc/pgx/v5"

	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/livetest"
)

// views is how many browser tabs the rolling-restart test keeps open through HAProxy.
const views = 30

// tab is one browser tab on /drops: its page, loaded once through HAProxy, and the live
// view it keeps joined. When the socket goes away it reconnects as the browser client does
// (a new socket, the same page's session, full-jitter backoff) without loading the page
// again. A join the server refuses would make the browser reload the page: the tab records
// it and stops.
type tab struct {
	page *livetest.Page

	mu       sync.Mutex
	view     *livetest.View
	drops    int             // sockets lost
	gaps     []time.Duration // from noticing a lost socket to the view joined again
	failed   int             // reconnect attempts that failed (no socket, or the join had no answer)
	reloaded error           // the join refused, when one was
}

func (tb *tab) current() *livetest.View {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.view
}

// backoff is the browser client's reconnect delay (js/src/socket.js): full jitter over
// 100 ms·2^n, capped at 10 s.
func backoff(n int) time.Duration {
	window := min(10*time.Second, 100*time.Millisecond<<min(n, 20))
	return time.Duration(rand.Int64N(int64(window)))
}

// keep reconnects the tab's view whenever its socket goes away, until ctx is done.
func (tb *tab) keep(ctx context.Context) {
	for {
		v := tb.current()
		for v.Connected() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		lost := time.Now()
		for attempt := 0; ; attempt++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff(attempt)):
			}
			nv, err := tb.page.Join()
			var refused *livetest.JoinError
			switch {
			case err == nil:
				v.Close()
				tb.mu.Lock()
				tb.view = nv
				tb.drops++
				tb.gaps = append(tb.gaps, time.Since(lost))
				tb.mu.Unlock()
			case errors.As(err, &refused):
				tb.mu.Lock()
				tb.reloaded = err
				tb.mu.Unlock()
				return
			default:
				tb.mu.Lock()
				tb.failed++
				tb.mu.Unlock()
				continue
			}
			break
		}
	}
}

// stock is the shop's state as shoppers see it: every product's released flag and every
// item's level.
type stock struct {
	released map[int64]bool
	level    map[int64]string // by item id; only items of released products
}

func (s stock) String() string {
	var ids []int64
	for id := range s.level {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "released %v; levels", s.released)
	for _, id := range ids {
		fmt.Fprintf(&b, " %d:%s", id, s.level[id])
	}
	return b.String()
}

func (s stock) equal(o stock) bool {
	if len(s.released) != len(o.released) || len(s.level) != len(o.level) {
		return false
	}
	for id, r := range s.released {
		if o.released[id] != r {
			return false
		}
	}
	for id, l := range s.level {
		if o.level[id] != l {
			return false
		}
	}
	return true
}

// levelOf is inventory.LevelOf, restated: the test reads the store's counts itself.
func levelOf(count int) string {
	switch {
	case count <= 0:
		return "out"
	case count < 150:
		return "low"
	case count < 500:
		return "medium"
	}
	return "high"
}

// storeState reads the truth from the database: released flags and available counts.
func storeState(ctx context.Context, db string) (stock, map[int64]int, error) {
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return stock{}, nil, err
	}
	defer conn.Close(ctx)
	s := stock{released: map[int64]bool{}, level: map[int64]string{}}
	counts := map[int64]int{}
	rows, err := conn.Query(ctx, `SELECT i.id, p.id, p.released, a.available_count
		FROM items i JOIN products p ON p.id = i.product_id JOIN availabilities a ON a.item_id = i.id`)
	if err != nil {
		return stock{}, nil, err
	}
	for rows.Next() {
		var item, product int64
		var released bool
		var count int
		if err := rows.Scan(&item, &product, &released, &count); err != nil {
			return stock{}, nil, err
		}
		s.released[product] = released
		counts[item] = count
		if released {
			s.level[item] = levelOf(count)
		}
	}
	return s, counts, rows.Err()
}

// viewState reads what a /drops view shows.
func viewState(html string) (stock, error) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		return stock{}, err
	}
	s := stock{released: map[int64]bool{}, level: map[int64]string{}}
	var bad error
	doc.Find(".product-listing[data-product-id]").Each(func(_ int, p *goquery.Selection) {
		id, err := strconv.ParseInt(p.AttrOr("data-product-id", ""), 10, 64)
		if err != nil {
			bad = fmt.Errorf("product id: %w", err)
			return
		}
		form := p.Find("form.size-container")
		s.released[id] = form.Length() > 0
		form.Find(`button[name="item_id"]`).Each(func(_ int, b *goquery.Selection) {
			item, err := strconv.ParseInt(b.AttrOr("value", ""), 10, 64)
			if err != nil {
				bad = fmt.Errorf("item id: %w", err)
				return
			}
			for _, class := range strings.Fields(b.AttrOr("class", "")) {
				if l, ok := strings.CutPrefix(class, "size-container__entry--level-"); ok {
					s.level[item] = l
				}
			}
		})
	})
	return s, bad
}

// nodeCounts reads a node's in-memory inventory through its admin API.
func (c *cluster) nodeCounts(ctx context.Context, n *node) (released map[int64]bool, counts map[int64]int, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+n.addr+"/admin/api/inventory", nil)
	req.SetBasicAuth("admin", adminPassword)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET /admin/api/inventory on %s: %s", n.name, resp.Status)
	}
	var body struct {
		Products []struct {
			ID       int64 `json:"id"`
			Released bool  `json:"released"`
			Items    []struct {
				ID    int64 `json:"id"`
				Count int   `json:"available_count"`
			} `json:"items"`
		} `json:"products"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, nil, err
	}
	released, counts = map[int64]bool{}, map[int64]int{}
	for _, p := range body.Products {
		released[p.ID] = p.Released
		for _, it := range p.Items {
			counts[it.ID] = it.Count
		}
	}
	return released, counts, nil
}

// traffic is the admin's activity during the rolling restart, all through HAProxy: sales of
// random items. Every request must get an answer from a node (any status but a 5xx).
type traffic struct {
	sent, sold, refused atomic.Int64
	mu                  sync.Mutex
	failures            []string
}

func (tr *traffic) fail(s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.failures = append(tr.failures, s)
}

func (tr *traffic) run(ctx context.Context, c *cluster) {
	tick := time.NewTicker(150 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		item := 1 + rand.IntN(26)
		path := fmt.Sprintf("/admin/api/items/%d/sell?count=%d", item, 1+rand.IntN(40))
		tr.sent.Add(1)
		code, body, err := c.adminDo(ctx, http.MethodPost, path)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			tr.fail(fmt.Sprintf("POST %s: %v", path, err))
		case code == http.StatusOK:
			tr.sold.Add(1)
		case code == http.StatusConflict:
			tr.refused.Add(1) // sold out, or a product not released
		default:
			tr.fail(fmt.Sprintf("POST %s: %d %s", path, code, strings.TrimSpace(body)))
		}
	}
}

// TestRollingRestart runs deploy/'s setup for real: three productpage processes sharing a
// fresh PostgreSQL schema and a NATS cluster (each node embeds a server routed to the
// others), behind HAProxy running deploy/haproxy.cfg. Thirty /drops tabs stay open through
// HAProxy while the admin sells through it and the cluster's reducer sells too. Then every
// node is restarted in turn, the way deploy/README.md tells: SIGTERM (the node turns not
// ready, HAProxy takes it out, then it closes its sockets and exits), start it again on
// the same ports, wait for /readyz and for HAProxy to put it back, next node.
//
// It asserts that no tab was lost or reloaded (every one is joined again at the end, no
// join was refused), that every admin request got an answer, that HAProxy took each node
// out before its sockets closed, and that every node's memory and every tab show what the
// database holds.
func TestRollingRestart(t *testing.T) {
	haproxy := requireHAProxy(t)
	db := storetest.FreshSchema(t, storetest.PostgresURL(t), "glint_deploy")
	bin := buildProductpage(t)
	c := startCluster(t, haproxy, bin, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Something to see change: product 1 is out now, the reducer sells from it, the admin
	// sells too, and product 2 comes out in the middle of the restarts.
	if code, body, err := c.adminDo(ctx, http.MethodPost, "/admin/api/products/1/release"); err != nil || code != http.StatusOK {
		t.Fatalf("release product 1: %d %s %v", code, body, err)
	}
	if code, body, err := c.adminDo(ctx, http.MethodPost, "/admin/api/reducer?per_tick=2&tick_ms=250"); err != nil || code != http.StatusOK {
		t.Fatalf("start the reducer: %d %s %v", code, body, err)
	}

	tabs := make([]*tab, views)
	opened := time.Now()
	for i := range tabs {
		p := livetest.LoadURL(t, c.lb+"/drops", livetest.Timeout(20*time.Second))
		tabs[i] = &tab{page: p, view: p.MustJoin()}
	}
	t.Logf("%d tabs open through HAProxy in %v", views, time.Since(opened).Round(time.Millisecond))
	var wg sync.WaitGroup
	for _, tb := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tb.keep(ctx)
		}()
	}
	var tr traffic
	wg.Add(1)
	go func() {
		defer wg.Done()
		tr.run(ctx, c)
	}()
	stopClients := func() {
		cancel()
		wg.Wait()
	}
	defer stopClients()

	type figures struct {
		out, stopped, ready, back, total time.Duration
	}
	var per []figures
	rollStart := time.Now()
	for i, n := range c.nodes {
		t0 := time.Now()
		c.terminate(n)
		// Not ready at once; HAProxy takes the node out before its drain delay ends, that is
		// before a single socket is closed.
		c.waitLB(n, "DOWN", 30*time.Second)
		out := time.Since(t0)
		if out >= drainDelay {
			t.Errorf("HAProxy took %s out %v after SIGTERM, not within the %v drain delay", n.name, out, drainDelay)
		}
		c.waitExit(n, 60*time.Second)
		stopped := time.Since(t0)
		t1 := time.Now()
		c.start(n)
		c.waitReady(n, 60*time.Second)
		ready := time.Since(t1)
		c.waitLB(n, "UP", 30*time.Second)
		per = append(per, figures{out: out, stopped: stopped, ready: ready, back: time.Since(t1), total: time.Since(t0)})
		if i == 0 {
			if code, body, err := c.adminDo(ctx, http.MethodPost, "/admin/api/products/2/release"); err != nil || code != http.StatusOK {
				t.Fatalf("release product 2: %d %s %v", code, body, err)
			}
		}
	}
	rolled := time.Since(rollStart)

	// Every tab must be joined again: wait for the last reconnects.
	deadline := time.Now().Add(30 * time.Second)
	for {
		down := 0
		for _, tb := range tabs {
			tb.mu.Lock()
			reloaded := tb.reloaded
			tb.mu.Unlock()
			if reloaded != nil {
				t.Fatalf("a tab's join was refused, the browser would reload the page: %v", reloaded)
			}
			if !tb.current().Connected() {
				down++
			}
		}
		if down == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tabs still not joined 30 s after the rolling restart\n%s", down, views, c.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Stop the sales, then wait for every node and every tab to show the database's state.
	stopClients()
	if code, body, err := c.adminDo(context.Background(), http.MethodDelete, "/admin/api/reducer"); err != nil || code != http.StatusOK {
		t.Fatalf("stop the reducer: %d %s %v", code, body, err)
	}
	settle := time.Now()
	var want stock
	var mismatch string
	for {
		mismatch = ""
		s, counts, err := storeState(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		want = s
		for _, n := range c.nodes {
			released, got, err := c.nodeCounts(context.Background(), n)
			if err != nil {
				mismatch = err.Error()
				break
			}
			for id, r := range want.released {
				if released[id] != r {
					mismatch = fmt.Sprintf("%s: product %d released=%v, database %v", n.name, id, released[id], r)
				}
			}
			for id, cnt := range counts {
				if got[id] != cnt {
					mismatch = fmt.Sprintf("%s: item %d count %d, database %d", n.name, id, got[id], cnt)
				}
			}
		}
		if mismatch == "" {
			for i, tb := range tabs {
				got, err := viewState(tb.current().HTML())
				if err != nil {
					t.Fatalf("tab %d: %v", i, err)
				}
				if !got.equal(want) {
					mismatch = fmt.Sprintf("tab %d shows %v\ndatabase: %v", i, got, want)
					break
				}
			}
		}
		if mismatch == "" {
			break
		}
		// The reconciliation runs every 30 s: anything a message missed is repaired by then.
		if time.Since(settle) > 45*time.Second {
			t.Fatalf("state differs from the database 45 s after the sales stopped: %s\n%s", mismatch, c.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	converged := time.Since(settle)
	if len(want.level) != 26 {
		t.Errorf("both products should be released at the end: %v", want)
	}

	var gaps []time.Duration
	drops, failed := 0, 0
	for i, tb := range tabs {
		tb.mu.Lock()
		if tb.drops == 0 {
			t.Errorf("tab %d never lost its socket: every node was restarted", i)
		}
		drops += tb.drops
		failed += tb.failed
		gaps = append(gaps, tb.gaps...)
		tb.mu.Unlock()
		if r, ok := tb.current().Redirected(); ok {
			t.Errorf("tab %d was redirected: %+v", i, r)
		}
	}
	slices.Sort(gaps)
	tr.mu.Lock()
	failures := tr.failures
	tr.mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d of %d admin requests through HAProxy failed during the rolling restart, first: %s", len(failures), tr.sent.Load(), failures[0])
	}

	at := func(q float64) time.Duration {
		return gaps[min(len(gaps)-1, int(q*float64(len(gaps))))].Round(time.Millisecond)
	}
	t.Logf("rolling restart of 3 nodes: %v; %d tabs, 0 lost, 0 reloaded; %d sockets dropped and rejoined, %d reconnect attempts failed",
		rolled.Round(time.Millisecond), views, drops, failed)
	t.Logf("reconnect (socket lost to view joined): p50 %v, p90 %v, max %v", at(0.5), at(0.9), gaps[len(gaps)-1].Round(time.Millisecond))
	for i, f := range per {
		t.Logf("node%d: out of HAProxy %v after SIGTERM, exited after %v; restarted: ready %v after start, back in HAProxy %v after start; %v in all",
			i+1, f.out.Round(time.Millisecond), f.stopped.Round(time.Millisecond), f.ready.Round(time.Millisecond),
			f.back.Round(time.Millisecond), f.total.Round(time.Millisecond))
	}
	t.Logf("admin requests through HAProxy: %d sent, %d sold, %d refused (409), %d failed", tr.sent.Load(), tr.sold.Load(), tr.refused.Load(), len(failures))
	t.Logf("every node and tab equal to the database %v after the sales stopped", converged.Round(time.Millisecond))
}
