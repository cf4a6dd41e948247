// Command showcase shows Glint's features one page each, every page working with Glint's
// own client and with the official phoenix_live_view client. The index at / lists the pages.
//
//	go run ./examples/showcase            # http://localhost:8080/
//	go run ./examples/showcase -addr :9000
//
// Pages:
//
//   - /presence: who is on the page, live. Each tab gets a random name and is listed in
//     every tab while it stays open (Socket.Track with package live/presence); its status
//     buttons change its meta, which the other tabs see as one update.
//   - /forms: a typed form (package live/form) validated as the user types, with errors
//     shown only on the fields the user has touched, and all of them on submit.
//   - /components: a stateful component hidden and shown again; the browser destroys it
//     and it comes back mounted afresh, under a new component id.
//   - /hooks: a page group's mount hook (Server.OnMount) with event and info hooks, the
//     connect params and info (time zone, address, browser), and handler errors shown as
//     a dismissible flash (Options.OnError, lv:clear-flash).
//   - /nested: a parent view with two nested views (Socket.LiveRender), each with its own
//     state, messages to and from the parent, and crashes of its own; and a sticky basket
//     that live navigation to /nested/b and /nested/c keeps.
//   - /js: JS commands built with live.JS (a modal, a menu, classes, attributes, focus,
//     transitions, a patch) and the lifecycle bindings (phx-mounted, phx-remove,
//     phx-connected, phx-disconnected), kept through the server's renders.
//   - /stream: a chat-like feed in a stream (live.Stream) that the server does not keep:
//     post, pin to the top, insert second, star (update in place), delete, a burst past the limit of 50, a reset.
//   - /async: a report that arrives 500 ms after the page connects, loaded off the view's
//     goroutine (live.LoadAsync), and a forecast whose load fails.
//   - /upload: pick or drop up to 3 files of up to 8 MB, each with its progress, stored
//     with their names, sizes and SHA-256 (live.AllowUpload); and auto-uploads that go
//     straight from the browser to the page's own store through presigned PUTs.
//
// Several nodes share presence over NATS: give them the same GLINT_SECRET (32+ bytes) and
// the same NATS server, and each tab lists the tabs open on every node:
//
//	go run ./examples/showcase -addr :8080 -nats nats://127.0.0.1:4222
//	go run ./examples/showcase -addr :8081 -nats nats://127.0.0.1:4222
//
// A page is a file of its own (presence.go, with templates/presence.html) that defines a
// showcasePage; pages.go lists them, in the index's order.
package main
