package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// clickToPatch clicks #inc in the page and resolves with the milliseconds until the new
// count is in the DOM: event frame, server handling and render, reply, merge and patch.
const clickToPatch = `new Promise((resolve) => {
  const want = String(+document.getElementById("count").textContent + 1)
  const t0 = performance.now()
  const obs = new MutationObserver(() => {
    if (document.getElementById("count").textContent === want) {
      obs.disconnect()
      resolve(performance.now() - t0)
    }
  })
  obs.observe(document.querySelector("[data-phx-main]"), {subtree: true, childList: true, characterData: true})
  document.getElementById("inc").click()
})`

// BenchmarkClickToPatch measures a click's round trip in headless Chromium against a
// loopback server; browser-ms/op is the time the page itself measured.
func BenchmarkClickToPatch(b *testing.B) {
	r := newRig(b)
	r.start()
	r.open("/counter")
	b.ReportAllocs()
	var total float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ms, err := chromedp.Run(r.ctx, chromedp.Evaluate[float64](clickToPatch, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		total += ms
	}
	b.StopTimer()
	b.ReportMetric(total/float64(b.N), "browser-ms/op")
}
