package main

import (
	"fmt"
	"strings"
	"testing"
)

// jsLineIDs is the ids of the feed's items, in order, joined by spaces.
const jsLineIDs = `[...document.querySelectorAll("#lines li")].map((li) => li.id.replace("line-", "")).join(" ")`

// TestBrowserStream drives /stream with both clients, and compares them after every step:
// a post, a star (an update in place), a delete, a burst past the limit, a reset, and a
// rejoin after the server went away, which must not duplicate or lose the items.
func TestBrowserStream(t *testing.T) { forEachClientCompared(t, testBrowserStream) }

func testBrowserStream(t *testing.T, bundle []byte, run *clientRun) {
	rs := &restartableServer{t: t, bundle: bundle}
	rs.start()
	tab := openBrowserTab(t, "http://"+rs.addr+"/stream", "UTC")
	step := func(name, cond string) {
		t.Helper()
		run.step(t, tab, name, cond)
	}
	lines := func(want string) string { return fmt.Sprintf(`%s === %q`, jsLineIDs, want) }
	step("the first lines", lines("1 2 3"))
	evalString(t, tab, `(document.querySelector("#post input").value = "hello", document.querySelector("#post button").click(), "")`)
	step("a post appended", lines("1 2 3 4")+` && document.querySelector("#line-4 .text").textContent === "hello"`)
	click(t, tab, "#line-2 .star")
	step("a star updates in place", lines("1 2 3 4")+` && document.getElementById("line-2").classList.contains("starred")`)
	click(t, tab, "#line-1 .delete")
	step("a delete", lines("2 3 4"))
	click(t, tab, "#pin")
	step("a prepend", lines("5 2 3 4"))
	click(t, tab, "#second")
	step("an insert at index 1", lines("5 6 2 3 4"))
	click(t, tab, "#burst")
	step("a burst keeps the last 50", `document.querySelectorAll("#lines li").length === 50 && document.querySelector("#lines li").id === "line-17" && document.querySelector("#lines li:last-child").id === "line-66"`)
	click(t, tab, "#reset")
	step("a reset", lines("67")+` && `+jsText("posted", "67"))
	// A component's own stream: newest first, at most 5.
	logIDs := `[...document.querySelectorAll("#log li")].map((li) => li.id.replace("log-", "")).join(" ")`
	for i := 2; i <= 6; i++ {
		click(t, tab, "#note")
		want := ""
		for j := i; j >= max(1, i-4); j-- {
			want += fmt.Sprint(j) + " "
		}
		step(fmt.Sprintf("the component's stream after note %d", i), fmt.Sprintf(`%s === %q`, logIDs, strings.TrimSpace(want)))
	}
	// A new server: the page rejoins and its render inserts the first lines again; the
	// client drops what the new render does not insert.
	rs.stop()
	waitJS(t, tab, "the socket lost", `document.querySelector("[data-phx-main]").classList.contains("phx-client-error")`)
	rs.start()
	step("after a rejoin, the new server's lines only", jsConnected+` && `+lines("1 2 3")+` && `+jsText("posted", "3"))
	click(t, tab, "#line-3 .delete")
	step("a delete after the rejoin", lines("1 2"))
	run.end(tab)
}
