package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is the parsed command line.
type config struct {
	URL           string
	Scenario      string
	N             int
	Ramp          int // new sockets per second
	Workers       int // concurrent dials
	Hold          time.Duration
	Duration      time.Duration
	Rate          float64 // clicks per second per view
	Event         string
	Trigger       string // "METHOD URL" sent for fanout and reconnect
	Metrics       string
	Mount         string
	Timeout       time.Duration
	JoinTimeout   time.Duration
	Settle        time.Duration // how long to wait for the last view after a trigger
	Arrive        time.Duration // carts: the span over which the shoppers arrive
	AdminUser     string        // carts: basic auth of the admin page and API
	AdminPassword string
	MaxAttempts   int
	MaxFrame      int64
	Baseline      bool // fanout: also time a bare channel broadcast (bare.go)
	JSON          bool
	Progress      io.Writer
}

// runner holds one run's shared state.
type runner struct {
	cfg  config
	ctx  context.Context
	page *page
	dial *dialers
	// pages are the pages loaded for views past the first viewsPerPage, by group.
	pagesMu sync.Mutex
	pages   map[int]*page
	http    *http.Client

	views []*view

	connected, failed, gaveUp    atomic.Int64
	framesIn, framesOut, bytesIn atomic.Int64
	reconnect, stopping          atomic.Bool
	errMu                        sync.Mutex
	errs                         map[string]int64
	latMu                        sync.Mutex
	lat                          []time.Duration
	events                       atomic.Int64
}

func newRunner(ctx context.Context, cfg config) (*runner, error) {
	r := &runner{cfg: cfg, ctx: ctx, errs: map[string]int64{}, http: &http.Client{Timeout: 30 * time.Second}}
	p, err := fetchPage(ctx, r.http, cfg.URL)
	if err != nil {
		return nil, err
	}
	r.page = p
	r.dial = newDialers(cfg.N, isLoopback(p.URL.Hostname()))
	r.views = make([]*view, cfg.N)
	for i := range r.views {
		r.views[i] = &view{r: r, idx: i}
	}
	return r, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && ip.To4() != nil
}

// count records one error or protocol violation under a short reason.
func (r *runner) count(reason string) {
	r.errMu.Lock()
	r.errs[reason]++
	r.errMu.Unlock()
}

func (r *runner) errorTotal() int64 {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	var n int64
	for _, c := range r.errs {
		n += c
	}
	return n
}

func (r *runner) recordLatency(d time.Duration) {
	r.events.Add(1)
	r.latMu.Lock()
	r.lat = append(r.lat, d)
	r.latMu.Unlock()
}

// connectAll opens N views at up to cfg.Ramp per second with cfg.Workers dials in flight.
func (r *runner) connectAll() {
	jobs := make(chan *view)
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				if v.page == nil {
					p, err := r.pageFor(v.idx)
					if err != nil {
						r.count(shorten(err))
						r.failed.Add(1)
						continue
					}
					v.page = p
				}
				if err := v.connect(r.ctx); err != nil {
					r.count(shorten(err))
					r.failed.Add(1)
					continue
				}
				r.connected.Add(1)
			}
		}()
	}
	interval := time.Second / time.Duration(max(r.cfg.Ramp, 1))
	tick := time.NewTicker(interval)
	defer tick.Stop()
feed:
	for _, v := range r.views {
		select {
		case jobs <- v:
		case <-r.ctx.Done():
			break feed
		}
		select {
		case <-tick.C:
		case <-r.ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

// viewsPerPage is how many views join with one page's session: a server admits only so
// many views per page it served (live.Options.MaxViewsPerSession, 16 by default), so the
// tool loads the page again for every viewsPerPage views, as that many browsers would.
const viewsPerPage = 8

// pageFor returns the page view idx joins: the run's page for the first viewsPerPage
// views, then a page loaded anew for each further group.
func (r *runner) pageFor(idx int) (*page, error) {
	group := idx / viewsPerPage
	if group == 0 {
		return r.page, nil
	}
	r.pagesMu.Lock()
	defer r.pagesMu.Unlock()
	if p, ok := r.pages[group]; ok {
		return p, nil
	}
	p, err := fetchPage(r.ctx, r.http, r.cfg.URL)
	if err != nil {
		return nil, err
	}
	if r.pages == nil {
		r.pages = make(map[int]*page)
	}
	r.pages[group] = p
	return p, nil
}

// shorten turns an error into a reason worth grouping by.
func shorten(err error) string {
	s := err.Error()
	if i := strings.Index(s, "{"); i > 0 && strings.HasPrefix(s, "join refused") {
		return s
	}
	if len(s) > 90 {
		s = s[:90]
	}
	return s
}

// heartbeats keeps every socket alive, as a browser would, until ctx ends.
func (r *runner) heartbeats(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, v := range r.views {
				if ctx.Err() != nil {
					return
				}
				_ = v.send(ctx, "heartbeat", []byte("{}"), false)
			}
		}
	}
}

// progress prints a status line every second until ctx ends.
func (r *runner) progress(ctx context.Context, phase *atomic.Value) {
	if r.cfg.Progress == nil {
		return
	}
	start := time.Now()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastEvents, lastFrames int64
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(r.cfg.Progress)
			return
		case <-t.C:
			ev, fr := r.events.Load(), r.framesIn.Load()
			fmt.Fprintf(r.cfg.Progress, "\r%-9s %5.0fs  connected %d/%d  errors %d  replies/s %d  frames-in/s %d   ",
				phase.Load(), time.Since(start).Seconds(), r.connected.Load(), r.cfg.N, r.errorTotal(), ev-lastEvents, fr-lastFrames)
			lastEvents, lastFrames = ev, fr
		}
	}
}

// trigger sends cfg.Trigger: "METHOD URL", with basic auth taken from the URL's user info.
func (r *runner) trigger(ctx context.Context) error {
	method, raw, ok := strings.Cut(strings.TrimSpace(r.cfg.Trigger), " ")
	if !ok {
		method, raw = http.MethodPost, r.cfg.Trigger
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("bad -trigger %q: %w", r.cfg.Trigger, err)
	}
	user := u.User
	u.User = nil
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), u.String(), nil)
	if err != nil {
		return fmt.Errorf("bad -trigger %q: %w", r.cfg.Trigger, err)
	}
	if user != nil {
		pw, _ := user.Password()
		req.SetBasicAuth(user.Username(), pw)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("trigger: %s %s: %s: %s", req.Method, u, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

// closeAll ends every view.
func (r *runner) closeAll() {
	r.stopping.Store(true)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, v := range r.views {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			v.close()
			<-sem
		}()
	}
	wg.Wait()
}

// percentiles returns p50, p90, p99 and max of ds (sorted in place).
func percentiles(ds []time.Duration) (p50, p90, p99, maxd time.Duration) {
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(q float64) time.Duration { return ds[min(int(q*float64(len(ds))), len(ds)-1)] }
	return at(0.50), at(0.90), at(0.99), ds[len(ds)-1]
}

func (r *runner) errorsSorted() [][2]string {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	var out [][2]string
	for k, v := range r.errs {
		out = append(out, [2]string{k, fmt.Sprint(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}
