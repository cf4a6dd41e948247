package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

// changeLog is a pubsub subscriber that timestamps every stock change as it is broadcast,
// right after the sale that caused it.
type changeLog struct {
	mu      sync.Mutex
	changes []loggedChange
}

type loggedChange struct {
	at     time.Time
	change inventory.StockChange
}

func (c *changeLog) ID() string { return "" }
func (c *changeLog) Deliver(m *pubsub.Message) {
	if m.Event != inventory.EventStockChange {
		return
	}
	var sc inventory.StockChange
	if json.Unmarshal(m.Payload, &sc) != nil {
		return
	}
	c.mu.Lock()
	c.changes = append(c.changes, loggedChange{at: time.Now(), change: sc})
	c.mu.Unlock()
}

// BenchmarkDrop1000Views runs a whole drop on the seed catalog: 1,000 connected /drops views
// (bare protocol clients on real loopback WebSockets), both products released, then the
// reducer at its default pace (200 sales every 250 ms) until everything is sold out. It
// reports the bytes each view received for the drop (WebSocket framing included), the average
// bytes per view per stock-level change, and the time from a sale to the last view receiving
// its diff. Run it with -benchtime 1x; one drop takes about half a minute.
func BenchmarkDrop1000Views(b *testing.B) {
	const views = 1000
	for range b.N {
		runDrop(b, views)
	}
}

func runDrop(b *testing.B, nViews int) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "drop.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(23, 23)), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	ps := pubsub.NewLocal()
	a, err := app.New(ctx, app.Config{Limits: channel.Unlimited(), Store: st, AdminPassword: testPassword, Secret: testSecret,
		PubSub: ps, Rand: rand.New(rand.NewPCG(24, 24)), Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a.Close(cctx)
	}()
	srv := httptest.NewServer(a)
	defer srv.Close()
	log := &changeLog{}
	for _, p := range a.Inventory.Products() {
		if err := ps.Subscribe(inventory.Topic(p.ID), log); err != nil {
			b.Fatal(err)
		}
	}

	b.StopTimer()
	defer b.StartTimer()
	ws := make([]*wireView, nViews)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan error, nViews)
	for i := range ws {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			w, err := dialWire(dctx, srv.URL)
			if err != nil {
				errs <- err
				return
			}
			ws[i] = w
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	defer func() {
		for _, w := range ws {
			w.close()
		}
	}()
	joined := make([]int, nViews) // frames present after the join
	joinBytes := 0
	for i, w := range ws {
		fs := w.snapshot()
		joined[i] = len(fs)
		for _, f := range fs {
			joinBytes += f.wireSize
		}
	}
	b.StartTimer()

	start := time.Now()
	for _, p := range a.Inventory.Products() {
		if err := a.Inventory.Release(ctx, p.ID); err != nil {
			b.Fatal(err)
		}
	}
	// Wait until every view has the release, so that release and stock bytes are apart.
	for _, w := range ws {
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		lists := 0 // size lists received: one per released product
		_, err := w.waitFrame(wctx, func(f wireFrame) bool {
			if f.event == "diff" {
				lists += strings.Count(f.text, `"kc":13`)
			}
			return lists >= 2
		})
		cancel()
		if err != nil {
			b.Fatalf("release did not reach a view: %v", err)
		}
	}
	released := make([]int, nViews)
	for i, w := range ws {
		released[i] = len(w.snapshot())
	}
	releaseTook := time.Since(start)

	if _, err := a.Inventory.StartReducer(inventory.ReducerConfig{}); err != nil {
		b.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := a.Inventory.WaitReducer(wctx); err != nil {
		b.Fatal(err)
	}
	dropTook := time.Since(start)
	// Quiescence: no view receives anything for a second.
	for {
		time.Sleep(time.Second)
		last := time.Time{}
		for _, w := range ws {
			if fs := w.snapshot(); len(fs) > 0 && fs[len(fs)-1].at.After(last) {
				last = fs[len(fs)-1].at
			}
		}
		if time.Since(last) > time.Second {
			break
		}
	}
	b.StopTimer()

	log.mu.Lock()
	changes := append([]loggedChange(nil), log.changes...)
	log.mu.Unlock()
	var releaseBytes, stockBytes, stockFrames int
	for i, w := range ws {
		fs := w.snapshot()
		for _, f := range fs[joined[i]:released[i]] {
			releaseBytes += f.wireSize
		}
		for _, f := range fs[released[i]:] {
			stockBytes += f.wireSize
			stockFrames++
		}
	}
	// Latency per change: the first frame after the broadcast that carries the new level, at
	// the slowest view.
	var lat []time.Duration
	for _, c := range changes {
		needle := fmt.Sprintf(`"%s"`, c.change.Level)
		var worst time.Duration
		for i, w := range ws {
			fs := w.snapshot()[released[i]:]
			k := sort.Search(len(fs), func(j int) bool { return !fs[j].at.Before(c.at) })
			for ; k < len(fs); k++ {
				if strings.Contains(fs[k].text, needle) {
					if d := fs[k].at.Sub(c.at); d > worst {
						worst = d
					}
					break
				}
			}
		}
		lat = append(lat, worst)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	n := float64(nViews)
	b.ReportMetric(float64(joinBytes)/n, "join-B/view")
	b.ReportMetric(float64(releaseBytes)/n, "release-B/view")
	b.ReportMetric(float64(stockBytes)/n, "stock-B/view")
	b.ReportMetric(float64(joinBytes+releaseBytes+stockBytes)/n, "drop-B/view")
	b.ReportMetric(float64(len(changes)), "level-changes")
	b.ReportMetric(float64(stockFrames)/n, "diffs/view")
	if len(changes) > 0 {
		b.ReportMetric(float64(stockBytes)/n/float64(len(changes)), "B/view/change")
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(dropTook.Seconds(), "drop-s")
	b.Logf("%d views: join %d B, release %d B (in %v), stock changes %d B in %d diffs for %d level changes; drop took %v",
		nViews, joinBytes/nViews, releaseBytes/nViews, releaseTook, stockBytes/nViews, stockFrames/nViews, len(changes), dropTook)
}
