package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
)

// officialClientWithTimeZone boots the official client as browsertest.OfficialClientEntry
// does, sending the browser's time zone as a connect param, as an application's app.js
// would. (Glint's client sends it from the layout's window.glintLiveConfig.)
const officialClientWithTimeZone = `import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"
const csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content")
const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone
const liveSocket = new LiveSocket("/live", Socket, {params: {_csrf_token: csrf, timezone}})
liveSocket.connect()
window.liveSocket = liveSocket
`

// recordSent makes the page record every WebSocket frame it sends in window.sentFrames,
// before any of its scripts run.
const recordSent = `window.sentFrames = []
const send = WebSocket.prototype.send
WebSocket.prototype.send = function (data) {
  // A binary frame (an upload's chunk) is recorded by its size.
  window.sentFrames.push(typeof data === "string" ? data : JSON.stringify([null, null, "binary", "chunk", {bytes: data.byteLength}]))
  return send.call(this, data)
}`

// jsText is true when the element with this id has exactly this text ("" for no element).
func jsText(id, text string) string {
	return fmt.Sprintf(`(() => { const e = document.getElementById(%q); return (e ? e.textContent : "") === %q })()`, id, text)
}

// waitAcrossLoad polls cond in tab until it is true, through page loads (which end
// waitJS's poll), failing the test after 30 s.
func waitAcrossLoad(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	t.Fatalf("waiting for %s\npage:\n%s", what, html)
}

// click clicks the element matching selector.
func click(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("clicking %s: %v", selector, err)
	}
}

// openBrowserTab starts Chromium in timeZone, recording the frames pages send, and loads
// url.
func openBrowserTab(t *testing.T, url, timeZone string) context.Context {
	t.Helper()
	tab := browsertest.New(t)
	if _, err := chromedp.Call(tab, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: timeZone}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordSent}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	waitJS(t, tab, "the live view to connect", jsConnected)
	return tab
}

// TestBrowserComponents hides the card of /components and shows it again, with both
// clients: the client destroys the hidden card, and the card comes back mounted afresh
// under a new component id.
func TestBrowserComponents(t *testing.T) { forEachClientCompared(t, testBrowserComponents) }

func testBrowserComponents(t *testing.T, bundle []byte, run *clientRun) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/components", "UTC")
	// One click at a time: each waits for its reply to land.
	click(t, tab, "#like")
	run.step(t, tab, "a like", jsText("likes", "1"))
	click(t, tab, "#like")
	run.step(t, tab, "two likes", jsText("likes", "2"))
	for i, cid := range []string{"2", "3"} {
		click(t, tab, "#toggle")
		run.step(t, tab, "the card hidden", `!document.getElementById("card") && !!document.getElementById("hidden")`)
		// The client destroys the card; the server handles its messages in order, so
		// once cids_destroyed is sent, the next click finds the card destroyed.
		run.step(t, tab, "the card destroyed", fmt.Sprintf(`window.sentFrames.filter(f => f.includes('"cids_destroyed"')).length === %d`, i+1))
		click(t, tab, "#toggle")
		waitJS(t, tab, "a fresh card under cid "+cid, jsText("cid", cid)+" && "+jsText("mount", cid)+" && "+jsText("likes", "0"))
		run.snap(tab, "a fresh card under cid "+cid)
		if got := evalString(t, tab, `document.getElementById("card").getAttribute("data-phx-component") || ""`); got != cid {
			t.Errorf("the card's data-phx-component is %q, want %s", got, cid)
		}
	}
	click(t, tab, "#like")
	run.step(t, tab, "a like on the fresh card", jsText("likes", "1"))
	run.end(tab)
}

// TestBrowserHooks drives /hooks with both clients: the group's hooks, the browser's time
// zone and address as the page got them when it connected, errors shown as a flash and
// dismissed with lv:clear-flash, and the hook's redirect of a banned visitor.
func TestBrowserHooks(t *testing.T) {
	t.Run("official", func(t *testing.T) { testBrowserHooks(t, browsertest.Bundle(t, officialClientWithTimeZone)) })
	t.Run("glint", func(t *testing.T) { testBrowserHooks(t, nil) })
}

func testBrowserHooks(t *testing.T, bundle []byte) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/hooks", "Asia/Tokyo")
	waitJS(t, tab, "the connect param", jsText("timezone", "Asia/Tokyo"))
	if got := evalString(t, tab, `document.getElementById("client").textContent`); got != "127.0.0.1" {
		t.Errorf("client address %q, want 127.0.0.1", got)
	}
	if got := evalString(t, tab, `document.getElementById("browser").textContent`); got != evalString(t, tab, `navigator.userAgent`) {
		t.Errorf("browser %q, want the page's navigator.userAgent", got)
	}
	waitJS(t, tab, "the info hook counting", `document.getElementById("seconds").textContent !== "0"`)

	flash := func(id string) string {
		return fmt.Sprintf(`(() => { const e = document.getElementById(%q); return e ? e.firstChild.textContent.trim() : "" })()`, id)
	}
	steps := []struct {
		what, click, info, error string
	}{
		{"a user error", "#buy", "", "Sold out: someone else got the last ticket."},
		{"dismissing it", "#flash-error", "", ""},
		{"a launch the event hook stops", "#launch", "", "Only the crew may launch: the group's event hook stopped it."},
		{"an info flash too", "#hello", "Hello, " + evalString(t, tab, `document.getElementById("name").textContent`) + "!", "Only the crew may launch: the group's event hook stopped it."},
		{"dismissing all", "#clear", "", ""},
		{"another error, shown as a generic message", "#break", "", "Something went wrong; the details are in the server's log."},
	}
	for _, st := range steps {
		click(t, tab, st.click)
		waitJS(t, tab, st.what, fmt.Sprintf(`%s === %q && %s === %q`, flash("flash-info"), st.info, flash("flash-error"), st.error))
	}
	if got := evalString(t, tab, `document.getElementById("blocked").textContent`); got != "1" {
		t.Errorf("blocked launches %q, want 1", got)
	}

	// A flash set before a full-page redirect is on the next page.
	evalString(t, tab, `(window.beforeReload = "yes")`)
	click(t, tab, "#reload")
	waitAcrossLoad(t, tab, "the page loaded again with the flash", `!window.beforeReload && `+flash("flash-info")+` === "Reloaded, and the flash came along."`+` && `+jsConnected)

	// A banned visitor is sent to the index by the group's mount hook.
	// The page's own navigation replaces the document under chromedp, so the index is
	// awaited by evaluating in whatever document the tab holds, as after the reload above.
	click(t, tab, "#banned")
	waitAcrossLoad(t, tab, "the index", `!!document.getElementById("pages")`)
	if got := evalString(t, tab, `location.pathname + location.search`); got != "/" {
		t.Errorf("a banned visitor landed on %s, want the index /", got)
	}
}
