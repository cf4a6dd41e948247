// Package inventory is the in-memory cache of the Sneakers23 catalog that pages render from.
//
// It is rebuilt from the store at start-up, and every change goes to the store first: Release
// and Sell write to the store, then update memory, then broadcast on the product's PubSub
// topic (Topic) so that connected views re-read the inventory. Reads (Products) return
// snapshots and never touch the store. The reducer simulates the crowd of a drop.
//
// # Several nodes
//
// Each node holds its own copy. A change made on one node is replicated to the others on
// ReplicationTopic, which is at-most-once: NATS core stores nothing, so a node that is cut
// off (or whose peers are) misses messages, and messages may arrive late, twice, or in
// another order than the sales. Three mechanisms keep every copy equal to the store anyway:
//
//   - Versions. Every stock change bumps the item's version in the same statement as the
//     change (store.Stock), and every replicated change carries it. Memory takes a count
//     only with a higher version than the one it holds, so a stale, repeated or reordered
//     message never moves a count back.
//   - Resync (Resync): read every item's version and every product's released flag from the
//     store, a cheap query, then fetch and apply only the items that are newer there. It
//     runs when the node's link to NATS comes back (after the server has processed the
//     renewed subscriptions, so that later changes arrive as messages; the node then asks
//     the others to resync too, as what it published while cut off may not have reached
//     them), when a change could not be applied, and every Options.ReconcileEvery (30 s by
//     default) to catch anything else, such as a message a slow consumer dropped.
//   - Repair on conflict: a sale the store refuses for want of stock reports the stock
//     that refused it, which corrects memory (so the reducer cannot keep selling what is
//     gone), and the other nodes are told.
//
// Every correction is announced to this node's views like any other change, so open pages
// show it at once.
//
// A write, once it reached the store, is never abandoned halfway: Sell, Release and
// Purchase run the store write without the caller's cancellation (bounded by a timeout of
// their own), and a committed change is always applied to memory and published (retried
// briefly while the link is up), and answered as done. Otherwise a client giving up
// mid-query could leave a sale committed that neither memory nor the other nodes know of.
//
// # The reducer
//
// The reducer is one for the whole cluster: its state (running, pace, sales) lives in the
// store, any node starts or stops it, and the node holding its lead (store.ReducerStore:
// an advisory lock on PostgreSQL) runs it, from timer steps that hold no goroutine while
// idle. A new leader fences the previous one, and each sale is counted in its own
// transaction, so the count is exactly what was sold. Store failures are retried with
// capped backoff; only StopReducer stops it, and it resumes after restarts.
//
// Why not replay from a durable stream (NATS JetStream)? The store already is the durable,
// ordered record of every change, and the cache only needs the latest state, not the
// history: a resync costs one query of a few hundred rows, whatever the outage lasted. A
// stream would be a second source of truth to run, size and keep consistent with the
// database (a change committed but not appended, or appended but rolled back), and a node
// would still need the store after a gap the stream no longer holds. Versions make the
// plain at-most-once messages safe to apply, the resync makes their loss harmless.
package inventory
