package main

import "testing"

// TestBrowserAsync opens /async with both clients and compares them: both panels show
// loading first, then the report and the forecast's error; a reload shows the last report
// while the next one loads.
func TestBrowserAsync(t *testing.T) { forEachClientCompared(t, testBrowserAsync) }

func testBrowserAsync(t *testing.T, bundle []byte, run *clientRun) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/async", "UTC")
	run.step(t, tab, "the data arrived", jsText("orders", "41")+` && !!document.getElementById("forecast-error") && !document.querySelector(".loading")`)
	if got := evalString(t, tab, `document.getElementById("forecast-error").textContent`); got != "Could not load the forecast: the forecast service is down" {
		t.Errorf("forecast error %q", got)
	}
	click(t, tab, "#reload")
	run.step(t, tab, "the next report", jsText("orders", "42")+` && !document.querySelector(".loading")`)
	run.end(tab)
}
