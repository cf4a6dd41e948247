package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// result is one run's report: ordered rows for the table, the same values for -json.
type result struct {
	Scenario string             `json:"scenario"`
	URL      string             `json:"url"`
	Views    int                `json:"views"`
	Values   map[string]float64 `json:"values"`
	Errors   map[string]int64   `json:"errors"`
	order    []string
	units    map[string]string
}

func (res *result) set(key string, v float64, unit string) {
	if res.Values == nil {
		res.Values, res.units = map[string]float64{}, map[string]string{}
	}
	if _, ok := res.Values[key]; !ok {
		res.order = append(res.order, key)
	}
	res.Values[key], res.units[key] = v, unit
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// run connects the views, runs the scenario and collects the result.
func run(ctx context.Context, cfg config) (*result, error) {
	var phase atomic.Value
	phase.Store("connect")
	r, err := newRunner(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res := &result{Scenario: cfg.Scenario, URL: cfg.URL, Views: cfg.N}
	bg, stopBG := context.WithCancel(ctx)
	var bgWG sync.WaitGroup
	bgWG.Add(2)
	go func() { defer bgWG.Done(); r.progress(bg, &phase) }()
	go func() { defer bgWG.Done(); r.heartbeats(bg) }()
	defer func() {
		stopBG()
		bgWG.Wait()
	}()

	if cfg.Scenario == "carts" {
		err := r.carts(ctx, res, &phase)
		phase.Store("close")
		r.closeAll()
		r.finish(res)
		return res, err
	}

	var before serverMetrics
	if cfg.Scenario == "idle" {
		if before, err = scrape(ctx, r.http, cfg.Metrics); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	r.connectAll()
	res.set("connect time", ms(time.Since(start)), "ms")
	res.set("views connected", float64(r.connected.Load()), "")
	res.set("connect failures", float64(r.failed.Load()), "")
	res.set("page bytes", float64(r.page.Bytes), "B")
	if r.connected.Load() == 0 {
		r.closeAll()
		return res, fmt.Errorf("no view connected (%v)", r.errorsSorted())
	}

	switch cfg.Scenario {
	case "idle":
		phase.Store("hold")
		sleep(ctx, cfg.Hold)
		after, err := scrape(ctx, r.http, cfg.Metrics)
		if err != nil {
			return nil, err
		}
		n := float64(r.connected.Load())
		res.set("server memory before", before.memory()/1024, "KiB")
		res.set("server memory after", after.memory()/1024, "KiB")
		res.set("memory per view", (after.memory()-before.memory())/n/1024, "KiB")
		res.set("heap per view", (after["go_memstats_heap_inuse_bytes"]-before["go_memstats_heap_inuse_bytes"])/n/1024, "KiB")
		res.set("stack per view", (after["go_memstats_stack_inuse_bytes"]-before["go_memstats_stack_inuse_bytes"])/n/1024, "KiB")
		res.set("goroutines per view", (after["go_goroutines"]-before["go_goroutines"])/n, "")
	case "clicks":
		phase.Store("clicks")
		r.clicks(ctx)
		r.latMu.Lock()
		lat := r.lat
		r.latMu.Unlock()
		p50, p90, p99, mx := percentiles(lat)
		res.set("replies", float64(len(lat)), "")
		res.set("throughput", float64(len(lat))/cfg.Duration.Seconds(), "events/s")
		res.set("latency p50", ms(p50), "ms")
		res.set("latency p90", ms(p90), "ms")
		res.set("latency p99", ms(p99), "ms")
		res.set("latency max", ms(mx), "ms")
	case "fanout":
		phase.Store("fanout")
		sleep(ctx, time.Second) // let join renders settle
		var base int64
		for _, v := range r.views {
			v.diffAt.Store(0)
			base += v.bytesIn.Load()
		}
		t0 := time.Now()
		if err := r.trigger(ctx); err != nil {
			r.closeAll()
			return nil, err
		}
		want := r.connected.Load()
		deadline := time.Now().Add(cfg.Settle)
		var got int64
		for time.Now().Before(deadline) && ctx.Err() == nil {
			got = 0
			for _, v := range r.views {
				if v.diffAt.Load() != 0 {
					got++
				}
			}
			if got >= want {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		var lats []time.Duration
		var bytes int64
		for _, v := range r.views {
			if at := v.diffAt.Load(); at != 0 {
				lats = append(lats, time.Duration(at-t0.UnixNano()))
			}
			bytes += v.bytesIn.Load()
		}
		p50, p90, p99, mx := percentiles(lats)
		res.set("views updated", float64(len(lats)), "")
		res.set("views missed", float64(want-int64(len(lats))), "")
		res.set("time to first view", ms(lats0(lats)), "ms")
		res.set("time to p50 view", ms(p50), "ms")
		res.set("time to p90 view", ms(p90), "ms")
		res.set("time to p99 view", ms(p99), "ms")
		res.set("time to last view", ms(mx), "ms")
		perView := float64(bytes-base) / float64(max(want, 1))
		res.set("bytes per view", perView, "B")
		if cfg.Baseline {
			phase.Store("baseline")
			r.closeAll()
			err := r.bareFanout(ctx, res, int(want), int(perView))
			if bare := res.Values["bare broadcast: time to last socket"]; bare > 0 {
				res.set("last view / bare broadcast's last socket", ms(mx)/bare, "×")
			}
			r.finish(res)
			return res, err
		}
	case "reconnect":
		phase.Store("reconnect")
		r.reconnect.Store(true)
		t0 := time.Now()
		if cfg.Trigger != "" {
			if err := r.trigger(ctx); err != nil {
				r.closeAll()
				return nil, err
			}
		}
		want := r.connected.Load()
		deadline := time.Now().Add(cfg.Settle)
		// Wait until every view was dropped and has rejoined or given up.
		for time.Now().Before(deadline) && ctx.Err() == nil {
			lost, back := int64(0), int64(0)
			for _, v := range r.views {
				if v.lostAt.Load() != 0 {
					lost++
					if v.rejoinAt.Load() != 0 {
						back++
					}
				}
			}
			if lost >= want && back+r.gaveUp.Load() >= lost {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		var since, gap []time.Duration
		lost := 0
		for _, v := range r.views {
			l, b := v.lostAt.Load(), v.rejoinAt.Load()
			if l != 0 {
				lost++
			}
			if l != 0 && b != 0 {
				since = append(since, time.Duration(b-t0.UnixNano()))
				gap = append(gap, time.Duration(b-l))
			}
		}
		p50, p90, p99, mx := percentiles(since)
		g50, g90, _, gmx := percentiles(gap)
		res.set("views dropped", float64(lost), "")
		res.set("views rejoined", float64(len(since)), "")
		res.set("views failed", float64(lost-len(since)), "")
		res.set("all rejoined after", ms(mx), "ms")
		res.set("rejoin p50 (since trigger)", ms(p50), "ms")
		res.set("rejoin p90 (since trigger)", ms(p90), "ms")
		res.set("rejoin p99 (since trigger)", ms(p99), "ms")
		res.set("first rejoin (since trigger)", ms(lats0(since)), "ms")
		res.set("offline p50 (drop to rejoin)", ms(g50), "ms")
		res.set("offline p90 (drop to rejoin)", ms(g90), "ms")
		res.set("offline max (drop to rejoin)", ms(gmx), "ms")
	default:
		return nil, fmt.Errorf("unknown scenario %q", cfg.Scenario)
	}
	phase.Store("close")
	r.closeAll()
	r.finish(res)
	return res, nil
}

// finish adds the rows every scenario reports: traffic and errors.
func (r *runner) finish(res *result) {
	res.set("frames in", float64(r.framesIn.Load()), "")
	res.set("frames out", float64(r.framesOut.Load()), "")
	res.set("bytes in", float64(r.bytesIn.Load()), "B")
	res.Errors = map[string]int64{}
	r.errMu.Lock()
	for k, v := range r.errs {
		res.Errors[k] = v
	}
	r.errMu.Unlock()
}

func lats0(sorted []time.Duration) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[0]
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// clicks sends cfg.Rate clicks per second from every view for cfg.Duration, from a few
// sender goroutines (never one per view).
func (r *runner) clicks(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	payload := []byte(`{"type":"click","event":` + string(quote(r.cfg.Event)) + `,"value":{"value":""}}`)
	total := r.cfg.Rate * float64(len(r.views))
	if total <= 0 {
		return
	}
	const tick = 10 * time.Millisecond
	perTick := total * tick.Seconds()
	jobs := make(chan *view, 4096)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				// The write gets the run's context, not the clicking window's: coder/websocket
				// closes a connection whose write is cancelled mid-frame.
				if err := v.send(r.ctx, "event", payload, true); err != nil && ctx.Err() == nil {
					r.count("click: " + shorten(err))
				}
			}
		}()
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	next, carry := 0, 0.0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-t.C:
			carry += perTick
			for ; carry >= 1; carry-- {
				v := r.views[next%len(r.views)]
				next++
				select {
				case jobs <- v:
				default:
					r.count("click: sender backlog full (tool overloaded)")
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
	sleep(context.Background(), 200*time.Millisecond) // late replies
}

func quote(s string) []byte { return appendJSONString(nil, s) }
