package main

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/live/livetest"
)

func TestComponentsFirstRender(t *testing.T) {
	sc := newTestServer(t, config{})
	page := livetest.Load(t, sc, "/components")
	for _, want := range []string{`id="card"`, `<strong id="mount">1</strong>`, `<span id="likes">0</span>`, `Hide the card`} {
		if !strings.Contains(page.ContainerHTML(), want) {
			t.Errorf("disconnected render lacks %q:\n%s", want, page.ContainerHTML())
		}
	}
	if page.Title != "Components" {
		t.Errorf("title %q", page.Title)
	}
}

// The card keeps its likes while it stays; hidden, the client destroys it; shown again, it
// is a fresh card, mounted again under a new component id.
func TestComponentsHideAndShowAgain(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/components")
	type card struct{ cid, mount, likes string }
	shown := func() card {
		return card{v.Text("#cid"), v.Text("#mount"), v.Text("#likes")}
	}
	v.Click("#like")
	v.Click("#like")
	if got, want := shown(), (card{"1", "1", "2"}); got != want {
		t.Fatalf("card %+v, want %+v", got, want)
	}
	steps := []struct {
		name string
		want card
	}{
		{"first return", card{"2", "2", "0"}},
		{"second return", card{"3", "3", "0"}},
	}
	for i, st := range steps {
		v.Click("#toggle")
		if v.Has("#card") || !v.Has("#hidden") || v.Text("#toggle") != "Show the card" {
			t.Fatalf("%s: the card is still shown after hiding:\n%s", st.name, v.HTML())
		}
		if got := v.DestroyedComponents(); len(got) != i+1 {
			t.Fatalf("%s: destroyed components %v, want %d of them", st.name, got, i+1)
		}
		v.Click("#toggle")
		if got := shown(); got != st.want {
			t.Errorf("%s: card %+v, want %+v", st.name, got, st.want)
		}
	}
	// The fresh card is a full component: its events reach it.
	v.Click("#like")
	if got := v.Text("#likes"); got != "1" {
		t.Errorf("likes %q after a like on the returned card, want 1", got)
	}
}
