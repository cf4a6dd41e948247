// Package presence tracks who is connected to a topic, across every node that shares a
// PubSub.
//
// Each tracked connection is a presence: a key (such as a user or cart id) and a meta map,
// identified by a ref. Several connections may share a key, so a key lists the metas of all
// of them. Joins, leaves and updates are delivered as diffs: every change is broadcast on the
// topic itself as a "presence_diff" event to this node's subscribers, with the payload
// {"joins":{key:{"metas":[…]}},"leaves":{key:{"metas":[…]}}} that Phoenix's presence uses, so
// a channel subscribed to the topic forwards it to its clients unchanged. An update (Update)
// is one diff holding the key's old meta in leaves and its new one in joins.
//
// Nodes gossip over the PubSub: a delta for every local change, numbered, and a heartbeat
// carrying the latest number. A node that sees a gap asks for the full state. A node that
// stops sending heartbeats for Options.Timeout is presumed dead and its presences are
// removed, with leaves delivered, so a crashed node disappears from the survivors within a
// few seconds. A presence tracked with a context is removed when the context ends, which is
// how a closed connection removes itself.
//
// Silence only counts while this node's own link works. On a PubSub that reports its link
// (Link; natspubsub's does), a node whose link is down presumes nobody dead, and when the
// link returns it gives every peer a full Timeout to be heard again and asks every node for
// its state. An outage of the message bus that every node sees, however long, therefore
// shows no presence leaving and coming back; changes made meanwhile arrive as diffs once it
// ends.
//
// A peer that falls silent while this node's link works is either gone or only cut off.
// On a PubSub that can ask its bus (Prober; natspubsub's can), the silent peer is probed
// after Timeout: when the bus knows no connection of it, it is gone and its presences
// leave at once (within about Timeout plus a Heartbeat of its death, 4 s by default);
// when it answers yet stays silent, it is hung and leaves too; when nobody can tell (a
// partition the bus has not noticed), it is kept up to Options.MaxSilence (15 s by
// default). A node that closes (Close) says goodbye and its presences leave at once.
package presence
