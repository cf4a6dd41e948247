// Package e2e holds the end-to-end tests of Glint's own browser client: the embedded bundle
// served by the live runtime, driven in headless Chromium through chromedp. The tests define
// small views of their own and cover clicks, typing during server updates, a server restart
// with form recovery, loading classes and navigation with back and forward.
package e2e
