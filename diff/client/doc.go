// Package client is a Go model of the LiveView 1.2 client's rendered tree: it merges join
// renders and diffs exactly as docs/protocol.md, How the client merges, describes (and as
// phoenix_live_view's rendered.js does), and renders the tree to HTML.
//
// It is the oracle that checks package diff's output, and the tree that in-process test
// clients (live/livetest) apply server messages to. Unlike the browser client it is strict:
// a message it cannot merge or render is an error, and the model keeps its previous state.
//
// HTML() is the container's children. Component roots get data-phx-component="N" right
// after the tag name, as the browser client injects it; the other attributes the client
// adds (data-phx-id, data-phx-view, data-phx-skip) are left out, so the output is stable.
package client
