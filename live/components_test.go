package live

import (
	"encoding/json"
	"strings"
	"testing"
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
