package main

import (
	"testing"
	"time"
)

// TestBrowserReconnect takes the server away under an open /js page and brings a new one
// back on the same address, with both clients: the offline notice shows while the socket
// is lost and phx-disconnected runs; on the rejoin the notice goes, phx-connected runs, and
// the page is the new server's render, the same with both clients.
func TestBrowserReconnect(t *testing.T) {
	snapshots := map[string][]string{}
	forEachClient(t, func(t *testing.T, bundle []byte) {
		rs := &restartableServer{t: t, bundle: bundle}
		rs.start()
		tab := openBrowserTab(t, "http://"+rs.addr+"/js", "UTC")
		offline := `(getComputedStyle(document.querySelector(".glint-offline")).display !== "none")`
		waitJS(t, tab, "phx-connected", `document.getElementById("status").getAttribute("data-link") === "up" && !`+offline)
		click(t, tab, "#tick")
		waitJS(t, tab, "a tick", jsText("ticks", "1"))
		evalString(t, tab, `(window.notReloaded = "yes")`)
		var got []string
		snap := func() { got = append(got, evalString(t, tab, jsSnapshot)) }
		snap()

		rs.stop()
		start := time.Now()
		waitJS(t, tab, "the offline notice", offline+` && document.querySelector("[data-phx-main]").classList.contains("phx-client-error")`)
		t.Logf("offline notice shown %v after the server went away", time.Since(start).Round(time.Millisecond))
		waitJS(t, tab, "phx-disconnected", `document.getElementById("status").getAttribute("data-link") === "down"`)
		snap()

		rs.start()
		waitJS(t, tab, "the rejoin", jsConnected+` && document.getElementById("status").getAttribute("data-link") === "up" && !`+offline)
		// A new server: a fresh mount, without a page load.
		waitJS(t, tab, "the new server's render", jsText("ticks", "0")+` && window.notReloaded === "yes"`)
		snap()
		name := "glint"
		if bundle != nil {
			name = "official"
		}
		snapshots[name] = got
	})
	o, g := snapshots["official"], snapshots["glint"]
	for i := range min(len(o), len(g)) {
		if o[i] != g[i] {
			t.Errorf("step %d: the clients' pages differ:\nofficial:\n%s\nglint:\n%s", i, o[i], g[i])
		}
	}
}
