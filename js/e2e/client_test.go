package e2e

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestClicks: every click of a quick burst arrives and renders, through Glint's own client
// served by the runtime at /live/glint.js.
func TestClicks(t *testing.T) {
	r := newRig(t)
	r.start()
	r.open("/counter")
	if src := r.eval(`document.querySelector("script[src]").getAttribute("src")`); src != "/live/glint.js" {
		t.Fatalf("page loads %q, want the embedded client /live/glint.js", src)
	}
	r.until("initial render", text("count", "0"))
	for i := 0; i < 5; i++ {
		r.do("click +", chromedp.Click(chromedp.CSS("#inc")))
	}
	r.until("five clicks counted", text("count", "5"))
	if r.eval(`String(!!window.glint && !!window.glint.liveSocket)`) != "true" {
		t.Fatal("window.glint.liveSocket is missing")
	}
}

// TestLoadingClasses: phx-click-loading and phx-disable-with while a click is in flight,
// phx-submit-loading with read-only inputs while a submit is, all cleared by the reply.
func TestLoadingClasses(t *testing.T) {
	r := newRig(t)
	r.start()
	r.open("/counter")
	r.do("click slow", chromedp.Click(chromedp.CSS("#slow")))
	r.until("click loading", `document.getElementById("slow").classList.contains("phx-click-loading") && document.getElementById("slow").textContent === "Working"`)
	release <- struct{}{}
	r.until("reply clears click loading", text("count", "10")+` && !document.getElementById("slow").classList.contains("phx-click-loading") && document.getElementById("slow").textContent === "Slow"`)

	r.do("submit", chromedp.Click(chromedp.CSS("#sfgo")))
	r.until("submit loading", `document.getElementById("sf").classList.contains("phx-submit-loading") && document.getElementById("sfin").readOnly && document.getElementById("sfgo").disabled`)
	release <- struct{}{}
	r.until("reply clears submit loading", text("count", "20")+` && !document.getElementById("sf").classList.contains("phx-submit-loading") && !document.getElementById("sfin").readOnly && !document.getElementById("sfgo").disabled`)
	if c := r.eval(`document.querySelector("[data-phx-main]").className`); c != "phx-connected" {
		t.Fatalf("container classes %q, want phx-connected", c)
	}
}

const typed = "The quick brown fox jumps over the lazy dog 0123456789"

// TestTypingDuringUpdates: keystrokes typed while the server re-renders every 15 ms are
// all kept, in the input and on the server.
func TestTypingDuringUpdates(t *testing.T) {
	r := newRig(t)
	r.start()
	r.open("/form")
	r.until("ticker running", `+document.getElementById("ticks").textContent > 3`)
	before, _ := strconv.Atoi(r.eval(`document.getElementById("ticks").textContent`))
	r.do("type", chromedp.SendKeys(chromedp.CSS("#name"), typed))
	r.until("server echoes every character", text("echo", typed))
	if v := r.eval(`document.getElementById("name").value`); v != typed {
		t.Fatalf("input value %q, want %q", v, typed)
	}
	after, _ := strconv.Atoi(r.eval(`document.getElementById("ticks").textContent`))
	if after <= before {
		t.Fatalf("ticks went from %d to %d: no server updates arrived while typing", before, after)
	}
}

// TestRestartRecoversForm: the server restarts; the client reconnects and rejoins without
// a page reload, and the form's typed value is recovered on the new server.
func TestRestartRecoversForm(t *testing.T) {
	r := newRig(t)
	stop := r.start()
	r.open("/form")
	r.do("type", chromedp.SendKeys(chromedp.CSS("#name"), "hello world"))
	r.until("echo", text("echo", "hello world"))
	r.do("blur and mark", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.__marker = "kept"`))
	stop()
	r.until("disconnected", `document.querySelector("[data-phx-main]").classList.contains("phx-error")`)
	time.Sleep(300 * time.Millisecond)
	r.start()
	r.until("rejoined with the recovered form", `document.querySelector("[data-phx-main]").classList.contains("phx-connected") && `+text("echo", "hello world"))
	if v := r.eval(`document.getElementById("name").value`); v != "hello world" {
		t.Fatalf("input value %q after the restart, want %q", v, "hello world")
	}
	if m := r.eval(`String(window.__marker)`); m != "kept" {
		t.Fatalf("window.__marker = %q: the page reloaded instead of rejoining", m)
	}
}

// TestNavigation: patch links and navigation between views, then back and forward.
func TestNavigation(t *testing.T) {
	r := newRig(t)
	r.start()
	r.open("/nav/a")
	r.do("mark", chromedp.Evaluate[chromedp.Void](`window.__marker = "kept"`))
	r.until("page 1", text("view", "A")+" && "+text("page", "1"))
	r.do("patch to 2", chromedp.Click(chromedp.CSS("#p2")))
	r.until("page 2", text("page", "2")+` && location.search === "?page=2"`)
	r.do("patch to 3", chromedp.Click(chromedp.CSS("#p3")))
	r.until("page 3", text("page", "3"))
	r.do("navigate to b", chromedp.Click(chromedp.CSS("#tob")))
	r.until("view B", text("view", "B")+` && location.pathname === "/nav/b" && document.querySelector("[data-phx-main]").classList.contains("phx-connected")`)
	r.do("back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	r.until("back to A page 3", text("view", "A")+" && "+text("page", "3")+` && location.search === "?page=3"`)
	r.do("back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	r.until("back to page 2", text("view", "A")+" && "+text("page", "2"))
	r.do("forward", chromedp.Evaluate[chromedp.Void](`history.forward()`))
	r.until("forward to page 3", text("page", "3"))
	r.do("forward", chromedp.Evaluate[chromedp.Void](`history.forward()`))
	r.until("forward to B", text("view", "B")+` && location.pathname === "/nav/b"`)
	if m := r.eval(`String(window.__marker)`); m != "kept" {
		t.Fatalf("window.__marker = %q: navigation reloaded the page", m)
	}
}

// TestCrashRejoins: a panic in the view's handler crashes only that view; the client gets
// phx_error, rejoins with backoff and shows the remounted state, without a page reload and
// without leaving the button locked.
func TestCrashRejoins(t *testing.T) {
	r := newRig(t)
	r.start()
	r.open("/counter")
	r.do("click + twice", chromedp.Click(chromedp.CSS("#inc")), chromedp.Click(chromedp.CSS("#inc")))
	r.until("count 2", text("count", "2"))
	r.do("mark", chromedp.Evaluate[chromedp.Void](`window.__marker = "kept"`))
	r.do("click boom", chromedp.Click(chromedp.CSS("#boom")))
	r.until("error state", `document.querySelector("[data-phx-main]").classList.contains("phx-error")`)
	r.until("rejoined with a fresh mount", `document.querySelector("[data-phx-main]").className === "phx-connected" && `+text("count", "0")+
		` && !document.getElementById("boom").classList.contains("phx-click-loading")`)
	if m := r.eval(`String(window.__marker)`); m != "kept" {
		t.Fatalf("window.__marker = %q: the crash reloaded the page", m)
	}
	r.do("click + after the crash", chromedp.Click(chromedp.CSS("#inc")))
	r.until("count 1", text("count", "1"))
}
