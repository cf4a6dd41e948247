package livetest

import (
	"encoding/json"
	"slices"
	"strconv"
)

// sweepComponents does what the browser client does after a patch removes component elements
// (docs/protocol.md, Component cleanup): it announces the cids the model holds but the HTML no
// longer shows with cids_will_destroy, then confirms them with cids_destroyed, and drops from
// the model the cids the server reports destroyed.
func (v *View) sweepComponents() {
	v.t.Helper()
	v.mu.Lock()
	if v.closed || v.errored || v.connErr != nil {
		v.mu.Unlock()
		return
	}
	held := v.model.CIDs()
	v.mu.Unlock()
	if len(held) == 0 {
		return
	}
	present := map[int]bool{}
	for _, s := range v.doc().Find("[data-phx-component]").EachIter() {
		if cid, err := strconv.Atoi(s.AttrOr("data-phx-component", "")); err == nil {
			present[cid] = true
		}
	}
	var gone []int
	for _, cid := range held {
		if !present[cid] {
			gone = append(gone, cid)
		}
	}
	if len(gone) == 0 {
		return
	}
	payload, _ := json.Marshal(map[string][]int{"cids": gone})
	v.send("cids_will_destroy", payload)
	resp := v.send("cids_destroyed", payload)
	var r struct {
		CIDs *[]int `json:"cids"`
	}
	if err := json.Unmarshal(resp, &r); err != nil || r.CIDs == nil {
		v.fatalf("cids_destroyed %s: reply %s lacks the required \"cids\" list (docs/protocol.md, Client messages)", payload, resp)
	}
	for _, cid := range *r.CIDs {
		if !slices.Contains(gone, cid) {
			v.fatalf("cids_destroyed %s: the server destroyed cid %d, which the client did not send", payload, cid)
		}
	}
	v.mu.Lock()
	v.model.Destroy(*r.CIDs...)
	v.destroyed = append(v.destroyed, *r.CIDs...)
	v.mu.Unlock()
}

// DestroyedComponents returns the cids the server confirmed destroyed after their elements
// left the page, in order.
func (v *View) DestroyedComponents() []int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.destroyed)
}
