package main

import (
	"fmt"
	"testing"
)

// jsIn is true when the element matching selector has exactly this text.
func jsIn(selector, text string) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent === %q })()`, selector, text)
}

// TestBrowserNested drives /nested with both clients: a parent and two nested views with
// their own state and messages, a nested view that crashes and starts over while the
// parent and its sibling keep theirs, and a sticky basket kept across three live
// navigations.
func TestBrowserNested(t *testing.T) { forEachClientCompared(t, testBrowserNested) }

func testBrowserNested(t *testing.T, bundle []byte, run *clientRun) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/nested", "UTC")
	run.step(t, tab, "the nested views to connect", `["left", "right", "basket"].every(id => document.getElementById(id).classList.contains("phx-connected"))`)
	// Live navigation must not reload the page: this marker would be gone.
	evalString(t, tab, `(window.notReloaded = "yes")`)

	click(t, tab, "#parent-inc")
	run.step(t, tab, "the parent's count", jsText("parent-count", "1"))
	click(t, tab, "#left .inc")
	run.step(t, tab, "Left's first count", jsIn("#left .count", "1"))
	click(t, tab, "#left .inc")
	run.step(t, tab, "Left's count", jsIn("#left .count", "2"))
	click(t, tab, "#right .inc")
	run.step(t, tab, "Right's count", jsIn("#right .count", "1"))
	if got := evalString(t, tab, `document.getElementById("parent-count").textContent`); got != "1" {
		t.Fatalf("a child's event changed the parent's count to %s", got)
	}

	click(t, tab, "#right .tell")
	run.step(t, tab, "Right's message in the parent", jsText("heard", "Right says hi"))
	click(t, tab, "#tell-left")
	run.step(t, tab, "the parent's message in Left", jsIn("#left .heard", "The parent says hi"))
	if got := evalString(t, tab, `document.querySelector("#right .heard").textContent`); got != "nothing yet" {
		t.Errorf("Right heard %q, want nothing", got)
	}

	// Left crashes: it starts over; the parent and Right keep their state.
	click(t, tab, "#left .crash")
	run.step(t, tab, "Left remounted", jsIn("#left .count", "0")+` && document.getElementById("left").classList.contains("phx-connected")`)
	click(t, tab, "#left .inc")
	run.step(t, tab, "Left counting again", jsIn("#left .count", "1"))
	click(t, tab, "#parent-inc")
	run.step(t, tab, "the parent, untouched", jsText("parent-count", "2"))
	if got := evalString(t, tab, `document.querySelector("#right .count").textContent`); got != "1" {
		t.Errorf("Right's count after Left crashed: %s, want 1", got)
	}

	// The sticky basket across three live navigations.
	click(t, tab, "#basket .add")
	run.step(t, tab, "an item in the basket", jsIn("#basket .items", "1"))
	for i, st := range []struct{ link, page string }{{"#to-b", "B"}, {"#to-c", "C"}, {"#to-a", "A"}} {
		click(t, tab, st.link)
		// Both clients show a page once its nested views have joined: the page's first
		// render on the screen already holds theirs.
		waitJS(t, tab, "page "+st.page, jsText("page", st.page)+` && document.querySelector("[data-phx-main]").classList.contains("phx-connected")`)
		run.snap(tab, "page "+st.page)
		click(t, tab, "#basket .add")
		waitJS(t, tab, fmt.Sprintf("%d items after page %s", i+2, st.page), jsIn("#basket .items", fmt.Sprint(i+2)))
		run.snap(tab, fmt.Sprintf("%d items after page %s", i+2, st.page))
	}
	if got := evalString(t, tab, `window.notReloaded || "reloaded"`); got != "yes" {
		t.Fatalf("live navigation reloaded the page")
	}
	// Back on A, the parent mounted afresh, and so did its nested views.
	run.step(t, tab, "fresh nested views on A", jsText("parent-count", "0")+" && "+jsIn("#left .count", "0")+` && document.getElementById("left").classList.contains("phx-connected")`)
	click(t, tab, "#left .inc")
	run.step(t, tab, "the fresh Left counting", jsIn("#left .count", "1"))
	run.end(tab)
}
