package presence

import (
	"context"
	"errors"
	"testing"

	"github.com/glint-go/glint/live/pubsub"
)

func TestUpdateIsOneDiff(t *testing.T) {
	ps := pubsub.NewLocal()
	tr := newTracker(t, ps, "a")
	r := listen(t, ps, "shoppers")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ref, err := tr.Track(ctx, "shoppers", "cart-1", Meta{"path": "/drops", "items": []int{}})
	if err != nil {
		t.Fatal(err)
	}
	r.diff(t)
	if err := tr.Update("shoppers", ref, Meta{"path": "/drops", "items": []int{3}}); err != nil {
		t.Fatal(err)
	}
	d := r.diff(t)
	leaves, joins := d.Leaves["cart-1"].Metas, d.Joins["cart-1"].Metas
	if len(leaves) != 1 || len(joins) != 1 || len(d.Leaves) != 1 || len(d.Joins) != 1 {
		t.Fatalf("update diff = %+v, want one leave and one join of cart-1", d)
	}
	if leaves[0]["phx_ref"] != ref || len(leaves[0]["items"].([]any)) != 0 {
		t.Errorf("leave meta = %v, want the old meta with phx_ref %s", leaves[0], ref)
	}
	newRef, _ := joins[0]["phx_ref"].(string)
	if newRef == "" || newRef == ref || joins[0]["phx_ref_prev"] != ref || len(joins[0]["items"].([]any)) != 1 {
		t.Errorf("join meta = %v, want the new meta with a new phx_ref and phx_ref_prev %s", joins[0], ref)
	}
	l := tr.List("shoppers")["cart-1"].Metas
	if len(l) != 1 || l[0]["phx_ref"] != newRef {
		t.Fatalf("List after Update = %v", l)
	}

	// The presence keeps its ref: Update and Untrack still take it, and a second update
	// chains phx_ref_prev.
	if err := tr.Update("shoppers", ref, Meta{"path": "/checkout"}); err != nil {
		t.Fatal(err)
	}
	if d := r.diff(t); d.Leaves["cart-1"].Metas[0]["phx_ref"] != newRef || d.Joins["cart-1"].Metas[0]["phx_ref_prev"] != newRef {
		t.Errorf("second update diff = %+v", d)
	}

	for _, c := range []struct{ topic, ref string }{{"shoppers", "nope"}, {"other", ref}} {
		if err := tr.Update(c.topic, c.ref, nil); !errors.Is(err, ErrNotTracked) {
			t.Errorf("Update(%q, %q) = %v, want ErrNotTracked", c.topic, c.ref, err)
		}
	}
	// The context that tracked the presence still ends it, after updates too.
	cancel()
	if d := r.diff(t); len(d.Leaves["cart-1"].Metas) != 1 || d.Leaves["cart-1"].Metas[0]["path"] != "/checkout" {
		t.Fatalf("leave after the context ended = %+v", d)
	}
	if err := tr.Update("shoppers", ref, nil); !errors.Is(err, ErrNotTracked) {
		t.Errorf("Update after the presence ended = %v, want ErrNotTracked", err)
	}
	tr.Close()
	if err := tr.Update("shoppers", ref, nil); err != ErrClosed {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
}

func TestUpdateAcrossNodes(t *testing.T) {
	psA, psB := twoNodes(t)
	trA := newTracker(t, psA, "a")
	trB := newTracker(t, psB, "b")
	onB := listen(t, psB, "shoppers")
	syncNodes(t, psA, psB)

	ref, err := trA.Track(context.Background(), "shoppers", "cart-7", Meta{"items": []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	onB.diff(t)
	if err := trA.Update("shoppers", ref, Meta{"items": []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	d := onB.diff(t)
	if len(d.Leaves["cart-7"].Metas) != 1 || len(d.Joins["cart-7"].Metas) != 1 {
		t.Fatalf("node b's diff for the update = %+v, want one leave and one join of cart-7", d)
	}
	if got := d.Joins["cart-7"].Metas[0]["items"].([]any); len(got) != 2 {
		t.Errorf("joined meta items = %v", got)
	}
	if got := trB.List("shoppers")["cart-7"].Metas; len(got) != 1 || len(got[0]["items"].([]any)) != 2 {
		t.Fatalf("b lists %v after the update, want the one new meta", got)
	}
	trA.Untrack("shoppers", ref)
	if d := onB.diff(t); len(d.Leaves["cart-7"].Metas) != 1 || len(d.Joins) != 0 {
		t.Fatalf("node b's diff for the untrack = %+v", d)
	}
}
