// Package browsertest is the shared setup for Glint's headless-Chromium tests.
//
// It finds the browser and applies the skip rule (skip when Chromium is absent, unless the
// environment variable CI is "true", where a missing browser fails the test), starts one
// browser per test with a fresh profile and the flags Glint's tests rely on, writes the
// page's console output, uncaught exceptions and WebSocket frames to the test log (seen with
// -v or on failure), and bundles JavaScript entry files with the repository's own esbuild
// (node_modules/.bin/esbuild at the repository root).
//
// Typical use, with chromedp's generic API:
//
//	ctx := browsertest.New(t) // skips without Chromium (outside CI)
//	js := browsertest.Bundle(t, browsertest.OfficialClientEntry)
//	// … serve js from the test server in place of Glint's script, then:
//	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
//	defer cancel()
//	err := chromedp.Do(tctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS("#count")))
//	text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("#count")))
//
// Pitfalls met while writing the counter's tests:
//   - A tab lives as long as the context of its first chromedp call, so never give that
//     first call a timeout. New and NewTab make that call; put timeouts on later calls only.
//   - A chromedp.Poll is cut short when the page navigates ("Inspected target navigated or
//     closed"); to wait across a reload, poll again in a loop until a deadline.
//   - The official client drops a click on an element that still awaits the reply to its
//     previous event, so wait for each click's effect before the next click.
//   - http.Server.Shutdown waits 5 s for the idle sockets Chromium preconnects; stop test
//     servers with Close after the live server's Shutdown.
//
// The package is internal: its only users are Glint's own tests.
package browsertest
