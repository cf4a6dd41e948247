package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/glint-go/glint/internal/browsertest"
)

// These tests drive the showcase's pages in headless Chromium with both clients: the
// official phoenix_live_view client (bundled from node_modules at test time) and Glint's own
// embedded client. The browser's WebSocket frames appear in the test log with -v or on
// failure.

// officialScriptPath is where the tests serve the official client bundle instead of
// Glint's own script (Options.ScriptURL).
const officialScriptPath = "/official-client.js"

// forEachClient runs f as a subtest for the official client (its bundle given) and for
// Glint's own (nil).
func forEachClient(t *testing.T, f func(t *testing.T, bundle []byte)) {
	t.Run("official", func(t *testing.T) { f(t, browsertest.Bundle(t, browsertest.OfficialClientEntry)) })
	t.Run("glint", func(t *testing.T) { f(t, nil) })
}

// forEachClientCompared runs f for both clients, as forEachClient does, and then compares
// them: after every step both recorded with run.snap, both pages must hold the same DOM,
// and they must have sent the same events (run.end records them; the tab must record
// the frames it sends, as openBrowserTab's do).
func forEachClientCompared(t *testing.T, f func(t *testing.T, bundle []byte, run *clientRun)) {
	forEachClientComparedWith(t, browsertest.OfficialClientEntry, f)
}

// forEachClientComparedWith is forEachClientCompared with the official client booted by
// entry (an esbuild entry file, as browsertest.OfficialClientEntry).
func forEachClientComparedWith(t *testing.T, entry string, f func(t *testing.T, bundle []byte, run *clientRun)) {
	runs := map[string]*clientRun{}
	t.Run("official", func(t *testing.T) {
		runs["official"] = &clientRun{}
		f(t, browsertest.Bundle(t, entry), runs["official"])
	})
	t.Run("glint", func(t *testing.T) {
		runs["glint"] = &clientRun{}
		f(t, nil, runs["glint"])
	})
	o, g := runs["official"], runs["glint"]
	if o == nil || g == nil || t.Failed() {
		return
	}
	if len(o.snapshots) != len(g.snapshots) {
		t.Fatalf("the clients went through different steps: %q and %q", o.steps, g.steps)
	}
	for i := range o.snapshots {
		if o.snapshots[i] != g.snapshots[i] {
			t.Errorf("after %q the clients' pages differ:\n%s", o.steps[i], firstDifference(o.snapshots[i], g.snapshots[i]))
		}
	}
	if o.events != g.events {
		t.Errorf("the clients sent different events:\nofficial: %s\nglint:    %s", o.events, g.events)
	}
}

// firstDifference shows where two snapshots first differ, a few tags either side.
func firstDifference(official, glint string) string {
	a := strings.Split(strings.ReplaceAll(official, "><", ">\n<"), "\n")
	b := strings.Split(strings.ReplaceAll(glint, "><", ">\n<"), "\n")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	part := func(l []string) string {
		return strings.Join(l[max(0, i-3):min(len(l), i+4)], "\n")
	}
	return fmt.Sprintf("official, from line %d:\n%s\nglint:\n%s", i+1, part(a), part(b))
}

// clientRun is what one client left after each step of a scenario.
type clientRun struct {
	steps     []string // step names
	snapshots []string // jsSnapshot after each step
	events    string   // jsSentEvents at the end
}

// jsSettled is true when no event awaits its reply (no element is locked by either client).
const jsSettled = `!document.querySelector("[data-phx-ref], [data-phx-ref-src], [data-phx-ref-lock]")`

// step waits until cond holds in tab, then records the page as step (snap).
func (r *clientRun) step(t *testing.T, tab context.Context, step, cond string) {
	t.Helper()
	waitJS(t, tab, step, cond)
	r.snap(tab, step)
}

// refRe matches the random refs of views and uploads ("phx-" and 16 characters), which
// differ from run to run and so between the clients' runs.
var refRe = regexp.MustCompile(`"phx-[A-Za-z0-9_-]{16}"`)

// snap records the page after step, once no event awaits its reply, with random refs
// replaced by "phx-REF".
func (r *clientRun) snap(tab context.Context, step string) {
	r.steps = append(r.steps, step)
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	chromedp.Do(ctx, chromedp.Poll[chromedp.Void](jsSettled, chromedp.WithPollingInterval(20*time.Millisecond)))
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](jsSnapshot))
	if err != nil {
		v = "snapshot failed: " + err.Error()
	}
	r.snapshots = append(r.snapshots, refRe.ReplaceAllString(v, `"phx-REF"`))
}

// end records the events the page sent.
func (r *clientRun) end(tab context.Context) {
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](jsSentEvents))
	if err != nil {
		v = "events failed: " + err.Error()
	}
	r.events = v
}

// jsSnapshot is the main container's HTML as both clients should leave it: the attributes
// each client keeps for itself (tokens, refs, ids of its own) and the phx-* state classes
// are left out, classes are sorted, styles are normalized, and form controls show their
// live value and checked state.
const jsSnapshot = `(() => {
  const root = document.querySelector("[data-phx-main]").cloneNode(true)
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const a of [...el.attributes]) if (/^data-phx-/.test(a.name)) el.removeAttribute(a.name)
    const cls = [...el.classList].filter((c) => !c.startsWith("phx-")).sort()
    if (cls.length) el.setAttribute("class", cls.join(" "))
    else el.removeAttribute("class")
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) {
      // What the user sees, not the value attribute, which the clients keep differently
      // while an input has the focus.
      el.removeAttribute("value")
      el.setAttribute("live-value", el.value)
      if (el.checked) el.setAttribute("live-checked", "")
    }
    if (el.hasAttribute("style")) el.setAttribute("style", el.style.cssText)
    if (el.getAttribute("style") === "") el.removeAttribute("style")
  }
  return root.innerHTML
})()`

// jsSentEvents lists the "event" messages the page sent: event name, type, value and cid.
const jsSentEvents = `JSON.stringify(window.sentFrames.map((f) => JSON.parse(f)).filter((f) => f[3] === "event").map((f) => [f[2].startsWith("lv:phx-") ? "main" : f[2], f[4].event, f[4].type, f[4].value, f[4].cid ?? null]))`

// startBrowserServer serves the showcase on a loopback port, with the official client's
// bundle in place of Glint's script when bundle is not nil, and returns its base URL.
func startBrowserServer(t *testing.T, bundle []byte) string {
	t.Helper()
	rs := &restartableServer{t: t, bundle: bundle}
	rs.start()
	return "http://" + rs.addr
}

// restartableServer serves the showcase on one loopback address, and can go down and come
// back on it as a new process would: a new server, with the same secret.
type restartableServer struct {
	t      *testing.T
	bundle []byte
	addr   string
	stop   func()
}

func (rs *restartableServer) start() {
	t := rs.t
	cfg := config{Secret: testSecret, Logger: quietLogger(), DrainWindow: time.Millisecond}
	mux := http.NewServeMux()
	if rs.bundle != nil {
		cfg.ScriptURL = officialScriptPath
		mux.HandleFunc("GET "+officialScriptPath, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Write(rs.bundle)
		})
	}
	sc, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", sc)
	var ln net.Listener
	if rs.addr == "" {
		ln = browsertest.Listen(t, "127.0.0.1:0")
		rs.addr = ln.Addr().String()
	} else {
		ln = browsertest.Listen(t, rs.addr)
	}
	hs := &http.Server{Handler: mux}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	stopped := false
	rs.stop = func() {
		if stopped {
			return
		}
		stopped = true
		// Gone at once, as a killed process is: the listener and every connection close.
		hs.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sc.Shutdown(ctx); err != nil {
			t.Errorf("showcase shutdown: %v", err)
		}
	}
	t.Cleanup(rs.stop)
}

// jsConnected is true once the page's live view has joined.
const jsConnected = `!!document.querySelector("[data-phx-main].phx-connected")`

// waitJS polls cond in tab until it is true, failing the test with the page after 30 s.
func waitJS(t *testing.T, tab context.Context, what, cond string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
		t.Fatalf("waiting for %s: %v\npage:\n%s", what, err, html)
	}
}

func evalString(t *testing.T, tab context.Context, expr string) string {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// jsRowStatus is true when the tab lists the row with this id with this status ("" for a
// row it does not list).
func jsRowStatus(row, status string) string {
	return fmt.Sprintf(`(() => { const r = document.getElementById(%q); return (r ? r.dataset.status : "") === %q })()`, row, status)
}

// jsCount is true when the tab lists n tabs.
func jsCount(n int) string {
	return fmt.Sprintf(`document.querySelectorAll("#people li").length === %d && document.getElementById("count").textContent.startsWith("%d tab")`, n, n)
}

// TestBrowserPresence opens /presence in two tabs: each lists the other, a status change in
// one shows in the other, and closing one removes it from the other, all live.
func TestBrowserPresence(t *testing.T) { forEachClient(t, testBrowserPresence) }

func testBrowserPresence(t *testing.T, bundle []byte) {
	base := startBrowserServer(t, bundle)
	first := browsertest.New(t)
	// The second tab is closed by the test itself: its context's cancel closes it.
	second, closeSecond := chromedp.NewContext(first)
	t.Cleanup(closeSecond)

	rows := map[context.Context]string{}
	for _, tab := range []context.Context{first, second} {
		// No timeout on a tab's first run: the tab lives as long as that call's context.
		if _, err := chromedp.Run(tab, chromedp.Navigate(base+"/presence")); err != nil {
			t.Fatal(err)
		}
		waitJS(t, tab, "the live view to connect", jsConnected)
		rows[tab] = evalString(t, tab, `document.querySelector("#people li em").closest("li").id`)
	}
	if bundle != nil {
		if v := evalString(t, first, `window.liveSocket.version()`); v != "1.2.12" {
			t.Fatalf("official client version %q, want 1.2.12", v)
		}
	}
	if title := evalString(t, first, `document.title`); title != "Presence" {
		t.Errorf("document.title = %q, want Presence", title)
	}

	// Each tab sees the other.
	for tab, other := range map[context.Context]context.Context{first: second, second: first} {
		waitJS(t, tab, "two tabs listed", jsCount(2))
		waitJS(t, tab, "the other tab listed", jsRowStatus(rows[other], "available"))
	}

	// A status change in the first tab shows in the second.
	ctx, cancel := context.WithTimeout(first, 30*time.Second)
	err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[phx-click="status"][phx-value-status="busy"]`)))
	cancel()
	if err != nil {
		t.Fatalf("clicking busy: %v", err)
	}
	waitJS(t, first, "its own status busy", jsRowStatus(rows[first], "busy"))
	waitJS(t, second, "the first tab busy", jsRowStatus(rows[first], "busy"))
	waitJS(t, second, "still two tabs", jsCount(2))

	// Closing the second tab removes it from the first.
	closeSecond()
	waitJS(t, first, "the closed tab gone", jsRowStatus(rows[second], ""))
	waitJS(t, first, "one tab listed", jsCount(1))
}
