package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// trackTopic is the presence topic of the tracking tests.
const trackTopic = "visitors"

// visitor is a view that tracks itself on trackTopic with the key of its "key" query
// parameter, from Mount.
type visitor struct {
	tracker *presence.Tracker
	key     string
	Status  string
	Offline string // the disconnected render's Track error
}

var visitorTemplate = render.Must(render.New("visitor").Parse(
	`<p id="status">{{.Status}}</p><p id="offline">{{.Offline}}</p>` +
		`<button phx-click="status">status</button> <button phx-click="rekey">rekey</button> ` +
		`<button phx-click="untrack">untrack</button> <button phx-click="crash">crash</button> ` +
		`<button phx-click="away">away</button>`))

func (v *visitor) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	v.key, v.Status = p.Get("key"), "available"
	if p.Get("fail") != "" && s.Connected() {
		if err := s.Track(v.tracker, trackTopic, v.key, v.meta()); err != nil {
			return err
		}
		return errors.New("mount fails after tracking")
	}
	err := s.Track(v.tracker, trackTopic, v.key, v.meta())
	if !s.Connected() {
		v.Offline = fmt.Sprint(err)
		return nil
	}
	return err
}

func (v *visitor) meta() presence.Meta { return presence.Meta{"status": v.Status} }

func (v *visitor) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "status":
		v.Status = map[string]string{"available": "busy", "busy": "available"}[v.Status]
		return s.Track(v.tracker, trackTopic, v.key, v.meta())
	case "rekey":
		v.key += "-new"
		return s.Track(v.tracker, trackTopic, v.key, v.meta())
	case "untrack":
		s.Untrack(v.tracker, trackTopic)
	case "crash":
		panic("visitor crashes on purpose")
	case "away":
		s.PushNavigate("/elsewhere", false)
	}
	return nil
}

// elsewhere is a page that tracks nothing.
type elsewhere struct{}

func (elsewhere) Mount(context.Context, *live.Socket, live.Params) error { return nil }

// trackRig is a live server whose visitor pages track on a presence tracker, and a
// subscriber of the tracker's diffs.
type trackRig struct {
	srv     *live.Server
	tracker *presence.Tracker
	diffs   chan presence.Diff
}

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

func newTrackRig(t *testing.T) *trackRig {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := live.New(live.Options{Secret: []byte("track-test-secret-0123456789abcdef"), Logger: quiet})
	tracker, err := presence.New(srv.PubSub(), presence.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	sink := make(diffSink, 64)
	if err := srv.PubSub().Subscribe(trackTopic, sink); err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET /{$}", live.Page{New: func() live.View { return &visitor{tracker: tracker} }, Template: visitorTemplate})
	srv.Handle("GET /elsewhere", live.Page{New: func() live.View { return elsewhere{} }, Template: render.Must(render.New("e").Parse(`<p>elsewhere</p>`))})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		tracker.Close()
	})
	return &trackRig{srv: srv, tracker: tracker, diffs: sink}
}

// next returns the next presence diff.
func (r *trackRig) next(t *testing.T) presence.Diff {
	t.Helper()
	select {
	case d := <-r.diffs:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no presence_diff within 5s")
		return presence.Diff{}
	}
}

// none checks that no presence diff comes within d.
func (r *trackRig) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case diff := <-r.diffs:
		t.Fatalf("unexpected presence_diff %+v", diff)
	case <-time.After(d):
	}
}

func (r *trackRig) statuses(key string) []string {
	var out []string
	for _, m := range r.tracker.List(trackTopic)[key].Metas {
		out = append(out, fmt.Sprint(m["status"]))
	}
	return out
}

func TestTrackIsNotConnectedDuringTheFirstRender(t *testing.T) {
	r := newTrackRig(t)
	page := livetest.Load(t, r.srv, "/?key=k1")
	if !strings.Contains(page.ContainerHTML(), live.ErrNotConnected.Error()) {
		t.Errorf("Track during the disconnected render did not return ErrNotConnected:\n%s", page.ContainerHTML())
	}
	r.none(t, 100*time.Millisecond)
	if l := r.tracker.List(trackTopic); len(l) != 0 {
		t.Fatalf("the disconnected render is listed: %v", l)
	}
	page.MustJoin()
	if d := r.next(t); len(d.Joins["k1"].Metas) != 1 {
		t.Fatalf("join diff = %+v", d)
	}
}

func TestTrackAgainUpdatesInPlace(t *testing.T) {
	r := newTrackRig(t)
	v := livetest.Open(t, r.srv, "/?key=k1")
	r.next(t)
	v.Click(`button[phx-click="status"]`)
	d := r.next(t)
	if len(d.Leaves) != 1 || len(d.Joins) != 1 || d.Leaves["k1"].Metas[0]["status"] != "available" || d.Joins["k1"].Metas[0]["status"] != "busy" {
		t.Fatalf("Track again: diff = %+v, want one diff replacing k1's meta", d)
	}
	if got := r.statuses("k1"); len(got) != 1 || got[0] != "busy" {
		t.Fatalf("k1 lists %v, want [busy]", got)
	}
	r.none(t, 50*time.Millisecond)

	// Another key replaces the presence: the old key leaves, the new one joins.
	v.Click(`button[phx-click="rekey"]`)
	if d := r.next(t); len(d.Leaves["k1"].Metas) != 1 || len(d.Joins) != 0 {
		t.Fatalf("Track with another key: first diff = %+v, want k1 to leave", d)
	}
	if d := r.next(t); len(d.Joins["k1-new"].Metas) != 1 || len(d.Leaves) != 0 {
		t.Fatalf("Track with another key: second diff = %+v, want k1-new to join", d)
	}
	if l := r.tracker.List(trackTopic); len(l) != 1 || len(l["k1-new"].Metas) != 1 {
		t.Fatalf("list after rekey = %v", l)
	}

	v.Click(`button[phx-click="untrack"]`)
	if d := r.next(t); len(d.Leaves["k1-new"].Metas) != 1 {
		t.Fatalf("Untrack: diff = %+v", d)
	}
	v.Click(`button[phx-click="untrack"]`) // nothing left to untrack
	r.none(t, 50*time.Millisecond)
	// Tracking again after Untrack is a fresh join.
	v.Click(`button[phx-click="status"]`)
	if d := r.next(t); len(d.Joins["k1-new"].Metas) != 1 || len(d.Leaves) != 0 {
		t.Fatalf("Track after Untrack: diff = %+v", d)
	}
}

func TestTrackEndsWithTheView(t *testing.T) {
	cases := []struct {
		name string
		end  func(t *testing.T, v *livetest.View)
	}{
		{"socket closes", func(t *testing.T, v *livetest.View) { v.Close() }},
		{"view crashes", func(t *testing.T, v *livetest.View) {
			v.ExpectCrash(func() { v.Click(`button[phx-click="crash"]`) })
		}},
		{"live navigation", func(t *testing.T, v *livetest.View) {
			v.Click(`button[phx-click="away"]`)
			v.FollowRedirect()
		}},
		{"server shuts down", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newTrackRig(t)
			v := livetest.Open(t, r.srv, "/?key=k1")
			r.next(t)
			if c.end == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				r.srv.Shutdown(ctx)
			} else {
				c.end(t, v)
			}
			if d := r.next(t); len(d.Leaves["k1"].Metas) != 1 {
				t.Fatalf("diff after the view ended = %+v, want k1's leave", d)
			}
			if l := r.tracker.List(trackTopic); len(l) != 0 {
				t.Fatalf("list after the view ended = %v", l)
			}
			if c.name == "view crashes" {
				v.Rejoin() // the remounted view tracks itself again
				if d := r.next(t); len(d.Joins["k1"].Metas) != 1 {
					t.Fatalf("diff after the rejoin = %+v", d)
				}
			}
		})
	}
}

func TestTrackEndsWhenMountFails(t *testing.T) {
	r := newTrackRig(t)
	page := livetest.Load(t, r.srv, "/?key=k1&fail=1")
	if _, err := page.Join(); err == nil {
		t.Fatal("join succeeded; want the mount's failure")
	}
	// The presence was announced before the mount failed; it must not outlive it.
	if d := r.next(t); len(d.Joins["k1"].Metas) != 1 {
		t.Fatalf("first diff = %+v, want k1's join", d)
	}
	if d := r.next(t); len(d.Leaves["k1"].Metas) != 1 {
		t.Fatalf("second diff = %+v, want k1's leave", d)
	}
	if l := r.tracker.List(trackTopic); len(l) != 0 {
		t.Fatalf("a failed mount is still listed: %v", l)
	}
}

func TestTrackManyViewsOneKey(t *testing.T) {
	r := newTrackRig(t)
	a := livetest.Open(t, r.srv, "/?key=cart-1")
	r.next(t)
	livetest.Open(t, r.srv, "/?key=cart-1")
	r.next(t)
	if got := r.statuses("cart-1"); len(got) != 2 {
		t.Fatalf("cart-1 lists %v, want two metas (two tabs)", got)
	}
	a.Click(`button[phx-click="status"]`) // only a's meta changes
	r.next(t)
	if got := strings.Join(r.statuses("cart-1"), ","); got != "available,busy" && got != "busy,available" {
		t.Fatalf("cart-1 lists %s, want one busy and one available", got)
	}
	a.Close()
	if d := r.next(t); len(d.Leaves["cart-1"].Metas) != 1 || d.Leaves["cart-1"].Metas[0]["status"] != "busy" {
		t.Fatalf("diff after a's tab closed = %+v", d)
	}
	if got := r.statuses("cart-1"); len(got) != 1 || got[0] != "available" {
		t.Fatalf("cart-1 lists %v after a's tab closed", got)
	}
}
