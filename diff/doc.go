// Package diff turns render trees into Phoenix LiveView's rendered/diff wire format
// (docs/protocol.md, Rendered trees and diffs): the full render sent when a view joins, and
// after every change the minimal diff that brings the client up to date. Its subpackage client
// is a Go model of the browser client's merge-and-render, used to check every diff and by
// in-process test clients.
//
// # Use
//
// One Encoder per joined view remembers what the client holds. Join appends the full
// render (the join reply's "rendered"); Update appends the diff against the last message,
// or nothing when nothing changed (never push an empty diff). Both append to a caller's
// buffer, so a view can reuse one buffer for every message. A rejoin calls Join again: the
// client replaces its whole tree on every join, and so does the Encoder.
//
// Components are passed beside the view's tree, keyed by cid: a component the client
// holds is sent as a partial diff, a new one in full with "r":1. Call Forget when the
// client reports cids_will_destroy or cids_destroyed, so that a component rendered again
// afterwards is sent in full. Extras carry the top-level title, page events and hook
// reply.
//
// # Rules
//
//   - An unchanged dynamic is omitted; a node of the same template is sent partially; a
//     node of another template (a branch or template switch) is sent in full with its
//     statics. Templates are compared by their statics' fingerprint.
//   - A range is a comprehension. Its statics travel once, and the statics of everything
//     nested in its entries travel once per message in the "p" of the outermost
//     comprehension of each view or component scope (rules P1–P4). A component that is
//     not reachable from the view gets list statics instead: the client does not render
//     it, so it would keep that "p" unresolved and a later one would replace it.
//   - Entries are matched by position, unless the comprehension has Keys: render gives a
//     range Keys when every item implements render.Keyer (Key() string). Keyed entries that
//     moved are sent as the move forms n or [n,{…}] with "km":true; new keys are sent in
//     full; removed keys simply disappear. Changing one item of a long list costs only that
//     item's changed slots (and the digits of the index and count).
//
// # Shared trees
//
// A tree that render made from a render.Snapshot (render.Dynamic.Shared) is the same
// *render.Rendered in every view that shows the snapshot, and never changes. Outside every
// "p" scope, what a message says about it depends on that tree and the one the client
// holds in its place only, so every Encoder in the process shares those bytes: the first
// writes them, the others copy them. The cache is keyed by weak pointers and bounded.
//
// # Encoding
//
// The JSON is written by hand, in a fixed order: a node's dynamics in ascending index
// order, then "r" and "s"; a comprehension's "s", "k" (entries in index order, then "kc"
// and "km") and "p"; at the top level "c", "t", "e" and "r" after the view's node. Strings are escaped as
// encoding/json escapes them, except that '<', '>' and '&' are left as they are (both are
// valid JSON; HTML would otherwise grow by six bytes per tag).
package diff
