package live

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

func TestComponents(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/board")
	wantDead := `<main><p>0 likes</p><div class="card"><h2>card a</h2><button phx-click="like" phx-target="1">+ 0</button></div><div class="card"><h2>card b</h2><button phx-click="like" phx-target="2">+ 0</button></div></main>`
	if p.inner != wantDead {
		t.Errorf("dead render\n got %s\nwant %s", p.inner, wantDead)
	}
	c := ts.dial(t, p)
	lv := ts.join(t, c, p, "/board")
	if got := lv.model.CIDs(); len(got) != 2 {
		t.Fatalf("cids %v", got)
	}
	// An event with a cid goes to the component; only the component travels.
	resp := lv.push(t, "event", map[string]any{"type": "click", "event": "like", "value": map[string]string{"value": ""}, "cid": 2})
	if string(resp) != `{"diff":{"c":{"2":{"2":"1"}}}}` {
		t.Errorf("component event reply %s", resp)
	}
	if !lv.model.ComponentOnly() {
		t.Error("the diff was not component-only")
	}
	// SendUpdate from the parent reaches the component's Update.
	lv.click(t, "rename", map[string]string{"id": "a", "title": "first"})
	lv.waitHTML(t, `<h2>first</h2>`)
	// The client removes card b: cids_will_destroy, then cids_destroyed.
	lv.click(t, "drop", nil)
	if strings.Contains(lv.model.HTML(), "card b") {
		t.Fatalf("card b still shown: %s", lv.model.HTML())
	}
	if resp := lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{2}}); string(resp) != `{}` {
		t.Errorf("cids_will_destroy reply %s", resp)
	}
	resp = lv.push(t, "cids_destroyed", map[string]any{"cids": []int{2, 99}})
	var destroyed struct{ CIDs []int }
	json.Unmarshal(resp, &destroyed)
	if len(destroyed.CIDs) != 1 || destroyed.CIDs[0] != 2 {
		t.Errorf("cids_destroyed reply %s, want cids [2]", resp)
	}
	lv.model.Destroy(2)
	// Mounting "b" again makes a new component with a new cid, sent in full.
	lv.click(t, "restore", nil)
	if !strings.Contains(lv.model.HTML(), `phx-target="3">+ 0`) {
		t.Errorf("restored card: %s", lv.model.HTML())
	}
	// An event for the destroyed cid is answered ok {}.
	if resp := lv.push(t, "event", map[string]any{"type": "click", "event": "like", "value": map[string]string{}, "cid": 2}); string(resp) != `{}` {
		t.Errorf("event to a destroyed cid: %s", resp)
	}
}

func TestComponentRevivedAfterWillDestroy(t *testing.T) {
	ts := newCounterServer(t, Options{})
	p := ts.get(t, "/board")
	lv := ts.join(t, ts.dial(t, p), p, "/board")
	lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
	lv.model.Destroy(1)
	// Card a is rendered again by the next render: it is sent in full and survives
	// the later cids_destroyed.
	resp := lv.click(t, "rename", map[string]string{"id": "b", "title": "x"})
	_ = resp
	lv.waitHTML(t, "<h2>x</h2>")
	if !strings.Contains(lv.model.HTML(), "card a") {
		t.Errorf("revived card a missing: %s", lv.model.HTML())
	}
	if resp := lv.push(t, "cids_destroyed", map[string]any{"cids": []int{1}}); string(resp) != `{"cids":[]}` {
		t.Errorf("cids_destroyed of a revived cid: %s", resp)
	}
}

// toggler shows one component behind an {{if}} and keeps the reference Mount got; "show"
// arrives as a click or as a message (a render the client did not ask for).
type toggler struct {
	Show bool
	Card render.ComponentRef
}

var togglerTmpl = mustParse("toggler", `<main>{{if .Show}}{{.Card}}{{end}}</main>`)

func (v *toggler) Mount(ctx context.Context, s *Socket, p Params) error {
	v.Show = true
	var err error
	v.Card, err = s.Component("card", func() Component { return &card{Title: "card"} })
	return err
}

func (v *toggler) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	switch e.Name {
	case "hide":
		v.Show = false
	case "show":
		v.Show = true
	case "show-later":
		s.Send("show")
	}
	return nil
}

func (v *toggler) HandleInfo(ctx context.Context, s *Socket, msg any) error {
	v.Show = msg == "show"
	return nil
}

// The client announces a component it no longer shows with cids_will_destroy and, when
// the will_destroy reply comes, destroys those it still does not show with cids_destroyed
// (the official client checks its DOM again in between). The server keeps a component
// rendered again between the two messages, and mounts afresh, under a new cid, one that
// was destroyed and is rendered again.
func TestComponentDestroyRaces(t *testing.T) {
	like := func(cid int) map[string]any {
		return map[string]any{"type": "click", "event": "like", "value": map[string]string{"value": ""}, "cid": cid}
	}
	destroyed := func(t *testing.T, resp json.RawMessage) []int {
		t.Helper()
		var r struct{ CIDs *[]int }
		if err := json.Unmarshal(resp, &r); err != nil || r.CIDs == nil {
			t.Fatalf("cids_destroyed reply %s lacks cids", resp)
		}
		return *r.CIDs
	}
	tests := []struct {
		name string
		// run drives the view after the card (cid 1) got one like and was hidden.
		run func(t *testing.T, lv *liveView)
		// wantCID and wantLikes describe the card shown at the end, before a last like.
		wantCID   int
		wantLikes string
	}{
		{
			name: "shown again by an event between will_destroy and destroyed: kept",
			run: func(t *testing.T, lv *liveView) {
				lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
				// The client, waiting for the will_destroy reply, sends a click.
				resp := lv.click(t, "show", nil)
				if !strings.Contains(string(resp), `"c":{"1":{`) || !strings.Contains(string(resp), `"s":[`) {
					t.Errorf("show after cids_will_destroy: %s, want cid 1 in full", resp)
				}
				// It checked its DOM before that diff arrived: it destroys cid 1 anyway.
				if got := destroyed(t, lv.push(t, "cids_destroyed", map[string]any{"cids": []int{1}})); len(got) != 0 {
					t.Errorf("cids_destroyed of a component rendered since: destroyed %v", got)
				}
			},
			wantCID: 1, wantLikes: "1",
		},
		{
			name: "shown again by a message between will_destroy and destroyed: kept",
			run: func(t *testing.T, lv *liveView) {
				lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
				lv.click(t, "show-later", nil)
				lv.waitHTML(t, "card")
				if got := destroyed(t, lv.push(t, "cids_destroyed", map[string]any{"cids": []int{1}})); len(got) != 0 {
					t.Errorf("cids_destroyed of a component rendered since: destroyed %v", got)
				}
			},
			wantCID: 1, wantLikes: "1",
		},
		{
			name: "shown again before will_destroy is handled: kept, sent in full next",
			run: func(t *testing.T, lv *liveView) {
				lv.click(t, "show", nil)
				// The client's will_destroy, sent when the hiding diff came, arrives now;
				// when its reply comes the client sees the card again and sends no
				// cids_destroyed.
				lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
				// The client reset what it knew of cid 1: the next render sends it in full.
				if resp := lv.push(t, "event", like(1)); !strings.Contains(string(resp), `"s":[`) {
					t.Errorf("first render after cids_will_destroy: %s, want cid 1 in full", resp)
				}
			},
			wantCID: 1, wantLikes: "2",
		},
		{
			name: "destroyed, then shown again: mounted afresh under a new cid",
			run: func(t *testing.T, lv *liveView) {
				lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
				if got := destroyed(t, lv.push(t, "cids_destroyed", map[string]any{"cids": []int{1}})); len(got) != 1 || got[0] != 1 {
					t.Fatalf("cids_destroyed [1]: destroyed %v", got)
				}
				lv.model.Destroy(1)
				lv.click(t, "show", nil)
				// A late event for the old cid is answered ok and goes nowhere.
				if resp := lv.push(t, "event", like(1)); string(resp) != `{}` {
					t.Errorf("event to the destroyed cid 1: %s", resp)
				}
			},
			wantCID: 2, wantLikes: "0",
		},
		{
			name: "destroyed, then shown again by a message: mounted afresh",
			run: func(t *testing.T, lv *liveView) {
				lv.push(t, "cids_will_destroy", map[string]any{"cids": []int{1}})
				destroyed(t, lv.push(t, "cids_destroyed", map[string]any{"cids": []int{1}}))
				lv.model.Destroy(1)
				lv.click(t, "show-later", nil)
				lv.waitHTML(t, "card")
			},
			wantCID: 2, wantLikes: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, Options{}, func(s *Server) {
				s.Handle("/", Page{New: func() View { return &toggler{} }, Template: togglerTmpl})
			})
			p := ts.get(t, "/")
			lv := ts.join(t, ts.dial(t, p), p, "/")
			lv.push(t, "event", like(1))
			lv.click(t, "hide", nil)
			if strings.Contains(lv.model.HTML(), "card") {
				t.Fatalf("card shown after hide: %s", lv.model.HTML())
			}
			tt.run(t, lv)
			want := fmt.Sprintf(`phx-target="%d">+ %s<`, tt.wantCID, tt.wantLikes)
			if !strings.Contains(lv.model.HTML(), want) {
				t.Fatalf("card shown: %s, want %s", lv.model.HTML(), want)
			}
			lv.push(t, "event", like(tt.wantCID))
			want = fmt.Sprintf(`phx-target="%d">+ %d<`, tt.wantCID, atoi(t, tt.wantLikes)+1)
			if !strings.Contains(lv.model.HTML(), want) {
				t.Errorf("after a like: %s, want %s", lv.model.HTML(), want)
			}
			if strings.Contains(ts.log.String(), "view crashed") {
				t.Errorf("the view crashed:\n%s", ts.log.String())
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A view remembers at most maxGone destroyed components; the oldest are forgotten first.
func TestComponentSetForgetsOldestGone(t *testing.T) {
	cs := newComponentSet()
	s := &Socket{}
	var cids []int
	for i := 0; i <= maxGone; i++ {
		ref, err := cs.get(s, strconv.Itoa(i), func() Component { return &card{} })
		if err != nil {
			t.Fatal(err)
		}
		cids = append(cids, int(ref))
		cs.remove(int(ref))
	}
	tests := []struct {
		name    string
		cid     int
		wantErr bool
		wantID  string
	}{
		{"the oldest destroyed is forgotten", cids[0], true, ""},
		{"the second oldest is remembered", cids[1], false, "1"},
		{"the newest is remembered", cids[maxGone], false, strconv.Itoa(maxGone)},
		{"a cid never mounted", 1 << 30, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cs.resolve(s, tt.cid)
			if (err != nil) != tt.wantErr {
				t.Fatalf("resolve(%d) error %v, want error %v", tt.cid, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if e.id != tt.wantID || e.cid <= cids[maxGone] {
				t.Errorf("resolve(%d) = component %q cid %d, want %q mounted afresh", tt.cid, e.id, e.cid, tt.wantID)
			}
			if again, _ := cs.resolve(s, tt.cid); again != e {
				t.Errorf("resolving cid %d again mounted another component", tt.cid)
			}
		})
	}
	if n := len(cs.gone.byCID); n != maxGone {
		t.Errorf("%d destroyed components remembered, want %d", n, maxGone)
	}
}
