// Package browsertest is the shared setup for Glint's headless-Chromium tests.
//
// It finds the browser and applies the skip rule (skip when Chromium is absent, unless the
// environment variable CI is "true", where a missing browser fails the test), starts one
// browser per test with a fresh profile and the flags Glint's tests rely on, forwards the
// page's console output and uncaught exceptions to the test log, and bundles JavaScript entry
// files with the repository's own esbuild (node_modules/.bin/esbuild at the repository root).
//
// Typical use:
//
//	ctx := browsertest.New(t)                       // skips without Chromium (outside CI)
//	js := browsertest.Bundle(t, browsertest.OfficialClientEntry)
//	// serve js from the test server, then drive the page:
//	err := chromedp.Run(ctx, chromedp.Navigate(srv.URL), chromedp.WaitVisible("#count"))
//
// The package is internal: its only users are Glint's own tests.
package browsertest
