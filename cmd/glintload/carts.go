package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/html"

	"github.com/glint-go/glint/diff/client"
)

// The shop the carts scenario drives: its add event, the admin page and API.
const (
	addEvent     = "add_to_cart"
	addField     = "item_id"
	adminPath    = "/admin"
	adminAPIPath = "/admin/api"
)

// cartsHold is how long the dashboard must stay correct once it is.
const cartsHold = time.Second

// shopper is one browser on the shop's page: its own cookies, socket and cart.
type shopper struct {
	v         *view
	item      submitter // the size button it clicks
	scheduled time.Time // when it was due to arrive
	arrived   time.Time // when its GET started
	joined    bool
	added     bool // the reply showed the item in the cart
	reply     addReply

	replied  chan addReply
	model    *client.Model // reader goroutine only: from the join reply to the add reply
	modelErr error         // reader goroutine only
}

// addReply is what the reply to the add event showed.
type addReply struct {
	at      time.Time
	size    int    // framed bytes: the whole [join_ref, ref, topic, event, payload] message
	status  string // the reply's status
	inCart  bool   // the cart shows the item after the reply's diff
	refusal string // the cart's error message, if any
	err     error  // the reply could not be merged into the page
}

// carts runs the carts scenario: release every product, open the admin dashboard, let
// cfg.N shoppers arrive over cfg.Arrive, each adding one random in-stock size to a cart
// of its own, and wait for the dashboard to show them all.
func (r *runner) carts(ctx context.Context, res *result, phase *atomic.Value) error {
	cfg := r.cfg
	admin := &url.URL{Scheme: r.page.URL.Scheme, Host: r.page.URL.Host, User: url.UserPassword(cfg.AdminUser, cfg.AdminPassword)}

	phase.Store("release")
	released, err := releaseAll(ctx, r.http, admin)
	if err != nil {
		return err
	}
	res.set("products released by the run", float64(released), "")

	phase.Store("dashboard")
	dashURL := *admin
	dashURL.Path = adminPath
	d, err := openDashboard(ctx, r, dashURL.String())
	if err != nil {
		return err
	}
	defer d.close()
	sleep(ctx, 500*time.Millisecond) // let changes already under way reach the dashboard
	base, err := d.current()
	if err != nil {
		return err
	}
	res.set("dashboard shoppers before", float64(base.Shoppers), "")

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = cfg.Workers
	defer transport.CloseIdleConnections()
	shoppers := make([]*shopper, len(r.views))
	for i, v := range r.views {
		shoppers[i] = &shopper{v: v}
	}

	phase.Store("arrive")
	d.startRecording()
	start := time.Now()
	r.arrive(ctx, shoppers, transport)
	goroutines := runtime.NumGoroutine()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)

	// What the dashboard must show: the carts it showed before, plus ours still open.
	want := dashReading{Shoppers: base.Shoppers, Carts: maps.Clone(base.Carts)}
	var lastArrival, lastAdd time.Time
	var lag time.Duration
	var sizes []int
	joined, added := 0, 0
	for _, s := range shoppers {
		if s.arrived.IsZero() {
			continue
		}
		lastArrival = laterOf(lastArrival, s.arrived)
		lag = max(lag, s.arrived.Sub(s.scheduled))
		if s.reply.size > 0 {
			sizes = append(sizes, s.reply.size)
		}
		if !s.joined || !s.v.isConnected() {
			continue
		}
		joined++
		want.Shoppers++
		if s.added {
			added++
			lastAdd = laterOf(lastAdd, s.reply.at)
			want.Carts[s.itemID()]++
		}
	}
	res.set("shoppers joined", float64(joined), "")
	res.set("adds accepted", float64(added), "")
	res.set("arrival span (first to last)", ms(lastArrival.Sub(start)), "ms")
	res.set("arrival lag max (behind schedule)", ms(lag), "ms")
	r.latMu.Lock()
	p50, _, p99, _ := percentiles(r.lat)
	r.latMu.Unlock()
	res.set("add latency p50", ms(p50), "ms")
	res.set("add latency p99", ms(p99), "ms")
	sort.Ints(sizes)
	res.set("add reply p50", float64(at(sizes, 0.50)), "B")
	res.set("add reply p99", float64(at(sizes, 0.99)), "B")
	res.set("client goroutines after arrivals", float64(goroutines), "")
	res.set("client heap after arrivals", float64(mem.HeapInuse)/(1<<20), "MiB")
	if added == 0 {
		d.stopRecording()
		return fmt.Errorf("no shopper added an item (%v)", r.errorsSorted())
	}

	phase.Store("settle")
	correctAt, waitErr := d.waitFor(ctx, want, lastAdd, cfg.Settle)
	end := time.Now()
	if waitErr == nil {
		res.set("dashboard correct after last add", ms(max(0, correctAt.Sub(lastAdd))), "ms")
		res.set("dashboard correct after last arrival", ms(max(0, correctAt.Sub(lastArrival))), "ms")
		end = correctAt
		phase.Store("hold")
		sleep(ctx, cartsHold)
		if rd, err := d.current(); err != nil {
			waitErr = err
		} else if m := rd.mismatch(want); m != "" {
			waitErr = fmt.Errorf("the dashboard was correct, then changed within %v: it shows %s", cartsHold, m)
		}
	}
	stamps, untimed := d.stopRecording()
	peakFrames, peakBytes := windowPeaks(stamps)
	var total int
	for _, s := range stamps {
		if !s.at.After(end) {
			total++
		}
	}
	var totalBytes int
	for _, s := range stamps[:total] {
		totalBytes += s.size
	}
	span := end.Sub(start).Seconds()
	res.set("dashboard frames/s max (1-s window)", float64(peakFrames), "frames/s")
	res.set("dashboard frames/s mean", float64(total)/span, "frames/s")
	res.set("dashboard bytes/s max (1-s window)", float64(peakBytes), "B/s")
	res.set("dashboard bytes/s mean", float64(totalBytes)/span, "B/s")
	res.set("dashboard frames", float64(len(stamps)+untimed), "")

	if waitErr != nil {
		return waitErr
	}
	if failed := r.failed.Load(); failed > 0 {
		return fmt.Errorf("%d of %d shoppers did not add an item (see errors)", failed, len(shoppers))
	}
	return nil
}

// arrive lets the shoppers arrive evenly over cfg.Arrive, through cfg.Workers workers. A
// worker is busy from a shopper's GET to its add reply; when all are busy, arrivals fall
// behind schedule (the report's arrival lag says by how much).
func (r *runner) arrive(ctx context.Context, shoppers []*shopper, transport http.RoundTripper) {
	jobs := make(chan *shopper)
	var wg sync.WaitGroup
	for w := 0; w < r.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range jobs {
				if err := s.visit(ctx, r, transport); err != nil {
					r.count(shorten(err))
					r.failed.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	n := time.Duration(len(shoppers))
feed:
	for i, s := range shoppers {
		due := start.Add(r.cfg.Arrive * time.Duration(i) / n)
		if wait := time.Until(due); wait > 0 {
			sleep(ctx, wait)
		}
		s.scheduled = due
		select {
		case jobs <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
}

// visit is one shopper's whole visit: GET the page with an empty cookie jar, join its
// view, submit the size form with a random enabled size, and wait for the reply. The
// socket stays open afterwards, as the tab would.
func (s *shopper) visit(ctx context.Context, r *runner, transport http.RoundTripper) error {
	s.arrived = time.Now()
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	browser := &http.Client{Transport: transport, Jar: jar, Timeout: r.cfg.JoinTimeout}
	p, err := fetchPage(ctx, browser, r.cfg.URL)
	if err != nil {
		return err
	}
	var offers []submitter
	for _, sub := range p.Submits {
		if sub.Event == addEvent && sub.Name == addField {
			offers = append(offers, sub)
		}
	}
	if len(offers) == 0 {
		return fmt.Errorf("the page offers nothing to add: no enabled %s=… button in a phx-submit=%q form", addField, addEvent)
	}
	s.item = offers[rand.IntN(len(offers))]
	s.replied = make(chan addReply, 1)
	s.v.page = p
	s.v.observe = s.observe
	if err := s.v.connect(ctx); err != nil {
		return err
	}
	r.connected.Add(1)
	s.joined = true
	if err := s.v.send(r.ctx, "event", formEvent(s.item), true); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	t := time.NewTimer(r.cfg.JoinTimeout)
	defer t.Stop()
	select {
	case rep := <-s.replied:
		s.reply = rep
		switch {
		case rep.err != nil:
			return fmt.Errorf("add: %w", rep.err)
		case rep.status != "ok":
			return fmt.Errorf("add: reply status %q", rep.status)
		case rep.refusal != "":
			return fmt.Errorf("add refused: %s", rep.refusal)
		case !rep.inCart:
			return errors.New("add: the cart does not show the item after the reply")
		}
		s.added = true
		return nil
	case <-t.C:
		return fmt.Errorf("add: no reply within %v", r.cfg.JoinTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// observe follows the shopper's page from the join reply to the add reply, then lets go
// of it: a shopper holds its rendered tree only while it needs it.
func (s *shopper) observe(f frame, size int, kind frameKind) {
	switch {
	case kind == joinReply:
		s.model, s.modelErr = nil, nil
		if f.Status != "ok" {
			return
		}
		rendered, _ := replyResponse(f.Payload)
		m := client.New()
		if err := m.Join(rendered); err != nil {
			s.modelErr = fmt.Errorf("join render: %w", err)
			return
		}
		s.model = m
	case kind == eventReply:
		rep := addReply{at: time.Now(), size: size, status: f.Status, err: s.modelErr}
		if s.model == nil && rep.err == nil {
			rep.err = errors.New("reply before any join render")
		}
		if rep.err == nil {
			if _, diff := replyResponse(f.Payload); diff != nil {
				rep.err = s.model.Apply(diff)
			}
		}
		if rep.err == nil {
			rep.inCart, rep.refusal = readCart(s.model.HTML(), s.item.Value)
		}
		s.model = nil
		select {
		case s.replied <- rep:
		default:
		}
	case f.Event == "diff" && s.model != nil:
		if err := s.model.Apply(f.Payload); err != nil {
			s.model, s.modelErr = nil, fmt.Errorf("diff: %w", err)
		}
	}
}

func (s *shopper) itemID() int64 {
	var id int64
	fmt.Sscan(s.item.Value, &id)
	return id
}

// formEvent is the event a browser sends when the form is submitted with sub: the form's
// values (here only the submitter's) URL-encoded.
func formEvent(sub submitter) []byte {
	b, _ := json.Marshal(map[string]any{
		"type":  "form",
		"event": sub.Event,
		"value": url.Values{sub.Name: {sub.Value}}.Encode(),
		"meta":  map[string]any{},
	})
	return b
}

// readCart reports whether the page's cart lists the item (an element of class cart-item
// with data-item-id), and the text of a cart error (class cart-error), if shown.
func readCart(doc, itemID string) (inCart bool, refusal string) {
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return inCart, refusal
		}
		if tt != html.StartTagToken {
			continue
		}
		tok := z.Token()
		var class, item string
		for _, a := range tok.Attr {
			switch a.Key {
			case "class":
				class = a.Val
			case "data-item-id":
				item = a.Val
			}
		}
		classes := strings.Fields(class)
		switch {
		case contains(classes, "cart-item") && item == itemID:
			inCart = true
		case contains(classes, "cart-error"):
			refusal = strings.TrimSpace(text(z))
			if refusal == "" {
				refusal = "(no message)"
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// waitFor waits until the dashboard shows want, at most settle after lastAdd, and returns
// when it started showing it (which may be before the call).
func (d *dashboard) waitFor(ctx context.Context, want dashReading, lastAdd time.Time, settle time.Duration) (time.Time, error) {
	timer := time.NewTimer(time.Until(lastAdd.Add(settle)))
	defer timer.Stop()
	for {
		rd, err := d.current()
		if err != nil {
			return time.Time{}, err
		}
		if rd.mismatch(want) == "" {
			return rd.At, nil
		}
		if !d.v.isConnected() {
			return time.Time{}, fmt.Errorf("the dashboard's socket closed while it showed %s", rd.mismatch(want))
		}
		select {
		case <-d.changed:
		case <-timer.C:
			return time.Time{}, fmt.Errorf("the dashboard was not correct %v after the last add (-settle): it shows %s", settle, rd.mismatch(want))
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("the dashboard was not correct when the run ended: it shows %s", rd.mismatch(want))
		}
	}
}

// releaseAll releases every product not yet released, through the admin API, and returns
// how many it released.
func releaseAll(ctx context.Context, hc *http.Client, admin *url.URL) (int, error) {
	var inv struct {
		Products []struct {
			ID       int64 `json:"id"`
			Released bool  `json:"released"`
		} `json:"products"`
	}
	if err := adminCall(ctx, hc, admin, http.MethodGet, adminAPIPath+"/inventory", &inv); err != nil {
		return 0, err
	}
	if len(inv.Products) == 0 {
		return 0, errors.New("admin API: the inventory has no products")
	}
	n := 0
	for _, p := range inv.Products {
		if p.Released {
			continue
		}
		if err := adminCall(ctx, hc, admin, http.MethodPost, fmt.Sprintf("%s/products/%d/release", adminAPIPath, p.ID), nil); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// adminCall sends one admin API request with the URL's basic auth and decodes the JSON
// answer into out (when not nil).
func adminCall(ctx context.Context, hc *http.Client, admin *url.URL, method, path string, out any) error {
	u := *admin
	u.User, u.Path = nil, path
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return err
	}
	pw, _ := admin.User.Password()
	req.SetBasicAuth(admin.User.Username(), pw)
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("admin API: %s %s: %w", method, u.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin API: %s %s: %s: %s", method, u.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("admin API: %s %s: %w", method, u.Path, err)
		}
	}
	return nil
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// at returns the q-quantile of sorted ints, or 0 for none.
func at(sorted []int, q float64) int {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}
