// Package livetest drives Glint live views from Go tests over the real wire protocol, playing
// the role Phoenix.LiveViewTest plays in Elixir.
//
// Open does what a browser does: a disconnected GET of the page (the container element, its
// signed session and the CSRF token are read from the HTML), then a real WebSocket to
// /live/websocket with the page's cookies and a phx_join of the container's topic. Every
// rendered tree, reply and diff push is merged into package diff's model of the official
// client (diff/client), so View.HTML is what the browser would show inside the container.
//
// Events are addressed by goquery selectors on that HTML, and their names and values are read
// from the element's phx-* attributes exactly as the JavaScript client reads them
// (phx-value-*, the element's value, JS push commands, phx-target as a component id or a
// selector, phx-key filtering, form serialization with the submitter):
//
//	v := livetest.Open(t, srv, "/")
//	v.Click(`button[phx-click="inc"]`)
//	if got := v.Text("#count"); got != "1" { t.Fatalf(...) }
//
// Each event method waits for its reply and applies it. Renders caused by anything else (a
// PubSub broadcast, a timer, another client) are awaited with WaitRender or WaitFor.
// Navigation follows the client too: Patch and patch links send live_patch, Navigate and
// navigate links rejoin the same topic with "redirect", FollowRedirect follows what the
// server asked for, and components that leave the page are cleaned up with
// cids_will_destroy and cids_destroyed.
//
// A View also checks the server against docs/protocol.md as it goes (frame shape, refs and topics,
// join replies, no empty diff pushes, diffs the client model can merge, events always
// answered ok) and fails the test on a violation. Failures call t.Fatalf with the view's HTML
// and the last frames sent (→) and received (←); the Trace option logs every frame.
//
// For bad-input tests, Load performs only the disconnected GET; its Page can be altered (a
// tampered session, for example) and joined with Page.Join, which returns the server's join
// error as a *JoinError instead of failing. ExpectCrash and Rejoin test crash recovery.
//
// One View is one browser tab: its own socket and one joined view.
package livetest
