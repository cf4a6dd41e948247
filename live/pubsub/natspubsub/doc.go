// Package natspubsub carries Glint's PubSub between nodes over NATS.
//
// A PubSub from this package wraps an in-process pubsub.PubSub: local subscribers are served
// directly, without a network round trip, and every broadcast is also published on NATS so
// that the other nodes deliver it to their own subscribers. Each node has an identity; a node
// ignores its own messages when they come back from NATS, so nothing is delivered twice.
//
// Delivery is at-most-once, like the in-process PubSub: NATS core does not store messages.
// While the connection to NATS is down, outgoing messages are buffered up to
// Options.ReconnectBuffer bytes and sent after the client reconnects (it reconnects by
// itself, forever). Messages beyond that bound are dropped and counted in Stats().Dropped,
// and the broadcast returns an error wrapping ErrDropped; local subscribers still receive
// them. Messages published by other nodes while this node is disconnected are lost.
//
// LinkState tells whether this node's link to NATS works right now, and since when. A probe
// (a round trip to the server every Options.ProbeInterval) counts a server that stopped
// answering as down before the client itself gives up on the connection. It implements
// presence.Link, which is how presence trackers ride out a NATS outage instead of taking
// every other node for dead.
//
// StartServer runs an embedded NATS server inside the Glint binary, optionally clustered
// with its peers by routes, so a small cluster needs no separate service.
package natspubsub
