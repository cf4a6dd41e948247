package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// tab is one open /presence page.
type tab struct {
	*livetest.View
	name string // its random name (names may repeat)
	row  string // the id of its row in every tab's list
}

func openTab(t *testing.T, sc *showcase) *tab {
	t.Helper()
	v := livetest.Open(t, sc, "/presence")
	row, _ := v.Find(`#people li:has(em)`).Attr("id")
	if row == "" {
		t.Fatalf("no row marked (this tab):\n%s", v.HTML())
	}
	return &tab{View: v, name: v.Text("#me"), row: row}
}

// status returns the status this tab lists for the tab whose row is row, or "" when it
// does not list it.
func (tb *tab) status(row string) string {
	st, _ := tb.Find("#" + row).Attr("data-status")
	return st
}

// waitCount waits until the tab lists n tabs.
func (tb *tab) waitCount(n int) {
	want := fmt.Sprintf("%d tab", n)
	tb.WaitFor(func(string) bool {
		return strings.HasPrefix(tb.Text("#count"), want+" ") || strings.HasPrefix(tb.Text("#count"), want+"s ")
	})
}

// waitStatus waits until the tab lists other with status ("" for not listed).
func (tb *tab) waitStatus(other *tab, status string) {
	tb.WaitFor(func(string) bool { return tb.status(other.row) == status })
}

// diffSink is a PubSub subscriber keeping the presence diffs it receives.
type diffSink chan presence.Diff

func (diffSink) ID() string { return "" }

func (d diffSink) Deliver(m *pubsub.Message) {
	var diff presence.Diff
	if m.Event == presence.DiffEvent && m.Decode(&diff) == nil {
		select {
		case d <- diff:
		default:
		}
	}
}

func TestPresenceFirstRenderListsThisTab(t *testing.T) {
	sc := newTestServer(t, config{})
	page := livetest.Load(t, sc, "/presence")
	for _, want := range []string{`1 tab on this page`, `(this tab)`, `data-status="available"`} {
		if !strings.Contains(page.ContainerHTML(), want) {
			t.Errorf("disconnected render lacks %q:\n%s", want, page.ContainerHTML())
		}
	}
	if page.Title != "Presence" {
		t.Errorf("title %q", page.Title)
	}
	// Not tracked before it connects.
	if l := sc.app.tracker.List(presenceTopic); len(l) != 0 {
		t.Fatalf("the disconnected render is tracked: %v", l)
	}
	v := page.MustJoin()
	if got := v.Text("#count"); got != "1 tab on this page" {
		t.Errorf("connected count %q", got)
	}
}

func TestPresenceTabsSeeEachOther(t *testing.T) {
	sc := newTestServer(t, config{})
	a := openTab(t, sc)
	b := openTab(t, sc)
	if a.name == "" || b.name == "" {
		t.Fatalf("tabs without names: %q, %q", a.name, b.name)
	}
	a.waitCount(2)
	b.waitCount(2)
	for _, tb := range []*tab{a, b} {
		if n := tb.Find(`#people li em`).Length(); n != 1 {
			t.Errorf("%d rows marked (this tab), want 1:\n%s", n, tb.HTML())
		}
		if first, _ := tb.Find(`#people li`).First().Attr("id"); first != tb.row {
			t.Errorf("first row is %q, want this tab's %q", first, tb.row)
		}
		for _, other := range []*tab{a, b} {
			if tb.status(other.row) != "available" {
				t.Errorf("the list lacks %s:\n%s", other.name, tb.HTML())
			}
			if got := tb.Find("#" + other.row + " .name").Text(); got != other.name {
				t.Errorf("row %s shows %q, want %q", other.row, got, other.name)
			}
		}
	}

	c := openTab(t, sc)
	a.waitCount(3)
	b.waitCount(3)
	c.waitCount(3)
}

func TestPresenceClosingATabRemovesIt(t *testing.T) {
	sc := newTestServer(t, config{})
	a := openTab(t, sc)
	b := openTab(t, sc)
	a.waitCount(2)
	b.Close()
	a.waitCount(1)
	if a.status(b.row) != "" || a.status(a.row) != "available" {
		t.Fatalf("after the other tab closed:\n%s", a.HTML())
	}
}

func TestPresenceStatusIsAnUpdate(t *testing.T) {
	sc := newTestServer(t, config{})
	a := openTab(t, sc)
	b := openTab(t, sc)
	b.waitCount(2)
	diffs := make(diffSink, 16)
	if err := sc.PubSub().Subscribe(presenceTopic, diffs); err != nil {
		t.Fatal(err)
	}
	defer sc.PubSub().Unsubscribe(presenceTopic, diffs)

	a.Click(`button[phx-click="status"][phx-value-status="busy"]`)
	if got := a.Find(`button.current`).Text(); got != "busy" {
		t.Errorf("current status button %q, want busy", got)
	}
	if st := a.status(a.row); st != "busy" {
		t.Errorf("a's own row has status %q, want busy", st)
	}
	b.waitStatus(a, "busy")
	b.waitCount(2)

	// One diff: a's old meta leaves and its new one joins, under the same key.
	select {
	case d := <-diffs:
		key := strings.TrimPrefix(a.row, "tab-")
		if len(d.Leaves) != 1 || len(d.Joins) != 1 || d.Leaves[key].Metas[0]["status"] != "available" || d.Joins[key].Metas[0]["status"] != "busy" {
			t.Fatalf("the status change was %+v, want one update of %s", d, key)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no presence_diff for the status change")
	}
	select {
	case d := <-diffs:
		t.Fatalf("a second diff %+v: the status change was not one update", d)
	case <-time.After(100 * time.Millisecond):
	}

	// A status that is not offered changes nothing.
	a.Click(`button[phx-click="status"][phx-value-status="away"]`, map[string]string{"status": "<script>"})
	if got := a.Find(`button.current`).Text(); got != "busy" {
		t.Errorf("current status %q after a bad status, want busy", got)
	}
}

// TestPresenceAcrossNodes runs two showcase nodes on one NATS server: a tab on each sees
// the other, and a tab closing on one node leaves the list on the other.
func TestPresenceAcrossNodes(t *testing.T) {
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	node := func(id string) *showcase {
		ps, err := natspubsub.Connect(context.Background(), natspubsub.Options{URL: srv.ClientURL(), NodeID: id, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ps.Close() })
		sc := newTestServer(t, config{PubSub: ps, Presence: presence.Options{NodeID: id}})
		if err := ps.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		return sc
	}
	one, two := node("one"), node("two")
	a := openTab(t, one)
	b := openTab(t, two)
	a.waitCount(2)
	b.waitCount(2)
	a.Click(`button[phx-click="status"][phx-value-status="away"]`)
	b.waitStatus(a, "away")
	b.Close()
	a.waitCount(1)
}

// A crowd arriving at once reaches an open tab as a few coalesced lists, not one message
// per arrival: the tab ends up listing everyone and its mailbox never overflows.
func TestPresenceCrowdIsCoalesced(t *testing.T) {
	sc := newTestServer(t, config{})
	a := openTab(t, sc)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const crowd = 2000
	for i := range crowd {
		key := fmt.Sprintf("crowd-%04d", i)
		if _, err := sc.app.tracker.Track(ctx, presenceTopic, key, presence.Meta{"name": key, "status": "away"}); err != nil {
			t.Fatal(err)
		}
	}
	a.waitCount(crowd + 1)
	if got := a.status("tab-crowd-1999"); got != "away" {
		t.Errorf("the last of the crowd has status %q", got)
	}
	rec := httptest.NewRecorder()
	sc.Metrics().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "\nglint_channel_mailbox_dropped_total 0\n") {
		t.Errorf("messages were dropped on a full mailbox:\n%s", rec.Body.String())
	}
	cancel()
	a.waitCount(1)
}
