// Package livetest drives Glint live views from Go tests over the real wire protocol, playing
// the role Phoenix.LiveViewTest plays in Elixir.
//
// Open does what a browser does: a disconnected GET of the page (the container element, its
// signed session and the CSRF token are read from the HTML), then a real WebSocket to
// /live/websocket with the page's cookies and a phx_join of the container's topic. Every
// rendered tree, reply and diff push is merged into package diff's model of the official
// client, so View.HTML is what the browser would show inside the container.
//
// Events are addressed by goquery selectors on that HTML, and their names and values are read
// from the element's phx-* attributes exactly as the JavaScript client reads them
// (phx-value-*, the element's value, phx-target as a component id):
//
//	v := livetest.Open(t, srv, "/")
//	v.Click(`button[phx-click="inc"]`)
//	if got := v.Text("#count"); got != "1" { t.Fatalf(...) }
//
// Failures call t.Fatalf with the relevant HTML. For bad-input tests, Load performs only the
// disconnected GET; its Page can be altered (a tampered session, for example) and joined with
// Page.Join, which returns the server's join error as a *JoinError instead of failing.
package livetest
