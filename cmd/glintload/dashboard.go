package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"

	"github.com/glint-go/glint/diff/client"
)

// The admin dashboard's elements the carts scenario reads.
const (
	shopperCountID   = "shopper-count"
	itemCartIDPrefix = "admin-item-cart-count-"
)

// maxStamps bounds the dashboard frames remembered for the per-second figures (a day of
// ten frames a second); later frames are counted but not timed.
const maxStamps = 1 << 20

// dashboard is the admin page's live view on its own socket. Its rendered tree is held the
// way the browser client holds it (package diff/client) and read after every frame that
// changes it.
type dashboard struct {
	v     *view
	model *client.Model // owned by the reader goroutine

	mu      sync.Mutex
	reading dashReading
	stamps  []stamp // frames since startRecording
	record  bool
	untimed int   // frames past maxStamps
	err     error // the first frame the model could not merge, or a page it could not read
	changed chan struct{}

	stopBeat context.CancelFunc
	beatDone chan struct{}
}

// dashReading is what the dashboard showed after one frame.
type dashReading struct {
	At       time.Time     // when that frame arrived
	Shoppers int           // #shopper-count
	Carts    map[int64]int // item id → #admin-item-cart-count-{id}
}

// stamp is one frame the dashboard received.
type stamp struct {
	at   time.Time
	size int
}

// openDashboard GETs the admin page (rawURL carries basic auth as user info), joins its
// view and reads the first render.
func openDashboard(ctx context.Context, r *runner, rawURL string) (*dashboard, error) {
	p, err := fetchPage(ctx, r.http, rawURL)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	d := &dashboard{changed: make(chan struct{}, 1)}
	d.v = &view{r: r, idx: -1, page: p, observe: d.observe}
	if err := d.v.connect(ctx); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if _, err := d.current(); err != nil {
		d.v.close()
		return nil, err
	}
	// The run's heartbeats cover the shoppers; the dashboard keeps its own.
	beatCtx, stop := context.WithCancel(ctx)
	d.stopBeat, d.beatDone = stop, make(chan struct{})
	go func() {
		defer close(d.beatDone)
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-t.C:
				_ = d.v.send(r.ctx, "heartbeat", []byte("{}"), false)
			}
		}
	}()
	return d, nil
}

func (d *dashboard) close() {
	d.stopBeat()
	<-d.beatDone
	d.v.close()
}

// observe runs in the reader goroutine for every frame.
func (d *dashboard) observe(f frame, size int, kind frameKind) {
	now := time.Now()
	d.mu.Lock()
	if d.record {
		if len(d.stamps) < maxStamps {
			d.stamps = append(d.stamps, stamp{now, size})
		} else {
			d.untimed++
		}
	}
	d.mu.Unlock()
	var err error
	switch {
	case kind == joinReply:
		if f.Status != "ok" {
			return // connect reports the refusal
		}
		rendered, _ := replyResponse(f.Payload)
		d.model = client.New()
		err = d.model.Join(rendered)
	case d.model == nil:
		return
	case f.Event == "diff":
		err = d.model.Apply(f.Payload)
	case f.Event == "phx_reply":
		_, diff := replyResponse(f.Payload)
		if diff == nil {
			return
		}
		err = d.model.Apply(diff)
	default:
		return
	}
	var rd dashReading
	if err == nil {
		rd, err = readDashboard(d.model.HTML())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		if d.err == nil {
			d.err = fmt.Errorf("dashboard: %w", err)
		}
		return
	}
	if d.reading.Carts != nil && rd.same(d.reading) {
		return
	}
	rd.At = now
	d.reading = rd
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// current returns the latest reading, or the error that stopped the model.
func (d *dashboard) current() (dashReading, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return dashReading{}, d.err
	}
	if d.reading.Carts == nil {
		return dashReading{}, errors.New("dashboard: no render read yet")
	}
	return d.reading, nil
}

// startRecording starts timing frames; stopRecording ends it and returns the stamps.
func (d *dashboard) startRecording() {
	d.mu.Lock()
	d.record = true
	d.mu.Unlock()
}

func (d *dashboard) stopRecording() (stamps []stamp, untimed int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record = false
	return d.stamps, d.untimed
}

// replyResponse returns a reply payload's response.rendered and response.diff, each nil
// when absent.
func replyResponse(payload []byte) (rendered, diff json.RawMessage) {
	var r struct {
		Response struct {
			Rendered json.RawMessage `json:"rendered"`
			Diff     json.RawMessage `json:"diff"`
		} `json:"response"`
	}
	if json.Unmarshal(payload, &r) != nil {
		return nil, nil
	}
	return r.Response.Rendered, r.Response.Diff
}

// readDashboard reads the shopper count and the per-item cart counts from the admin
// page's HTML.
func readDashboard(doc string) (dashReading, error) {
	rd := dashReading{Shoppers: -1, Carts: map[int64]int{}}
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken {
			continue
		}
		id := attr(z, "id")
		isCount := id == shopperCountID
		item, isItem := strings.CutPrefix(id, itemCartIDPrefix)
		if !isCount && !isItem {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(text(z)))
		if err != nil {
			return rd, fmt.Errorf("#%s does not hold a number: %w", id, err)
		}
		if isCount {
			rd.Shoppers = n
			continue
		}
		itemID, err := strconv.ParseInt(item, 10, 64)
		if err != nil {
			return rd, fmt.Errorf("bad item id in #%s", id)
		}
		rd.Carts[itemID] = n
	}
	if rd.Shoppers < 0 {
		return rd, fmt.Errorf("the admin page has no #%s", shopperCountID)
	}
	return rd, nil
}

// attr returns an attribute of the tokenizer's current start tag.
func attr(z *html.Tokenizer, name string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == name {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

// text returns the text right after the current tag.
func text(z *html.Tokenizer) string {
	if z.Next() != html.TextToken {
		return ""
	}
	return string(z.Text())
}

func (rd dashReading) same(o dashReading) bool {
	return rd.Shoppers == o.Shoppers && maps.Equal(rd.Carts, o.Carts)
}

// mismatch describes how rd differs from want (at most a few items), or "" when it shows
// exactly want.
func (rd dashReading) mismatch(want dashReading) string {
	var diffs []string
	if rd.Shoppers != want.Shoppers {
		diffs = append(diffs, fmt.Sprintf("%d shoppers (want %d)", rd.Shoppers, want.Shoppers))
	}
	ids := map[int64]bool{}
	for id := range rd.Carts {
		ids[id] = true
	}
	for id := range want.Carts {
		ids[id] = true
	}
	sorted := make([]int64, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	bad := 0
	for _, id := range sorted {
		got, shown := rd.Carts[id]
		w := want.Carts[id]
		switch {
		case !shown:
			bad++
			if bad <= 5 {
				diffs = append(diffs, fmt.Sprintf("item %d not shown (want %d)", id, w))
			}
		case got != w:
			bad++
			if bad <= 5 {
				diffs = append(diffs, fmt.Sprintf("item %d in %d carts (want %d)", id, got, w))
			}
		}
	}
	if bad > 5 {
		diffs = append(diffs, fmt.Sprintf("and %d more items", bad-5))
	}
	return strings.Join(diffs, ", ")
}

// windowPeaks returns the most frames and the most bytes of stamps (in arrival order)
// that fall within any one second.
func windowPeaks(stamps []stamp) (frames int, bytes int) {
	i, sum := 0, 0
	for j, s := range stamps {
		sum += s.size
		for s.at.Sub(stamps[i].at) >= time.Second {
			sum -= stamps[i].size
			i++
		}
		frames = max(frames, j-i+1)
		bytes = max(bytes, sum)
	}
	return frames, bytes
}
