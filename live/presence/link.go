package presence

import "time"

// Link is implemented by a PubSub whose connection to the other nodes can go down and come
// back, such as natspubsub's. A Tracker on such a PubSub tells a dead peer from its own
// lost link:
//
//   - while LinkState reports the link down, no peer is presumed dead, whatever the time
//     since its last heartbeat: silence is then this node's fault, not the peer's;
//   - when the link is up again, every peer gets a full Options.Timeout counted from the
//     moment the link returned (since) before it is presumed dead, time enough for its
//     heartbeats to arrive, and the tracker asks every node for its full state to repair
//     what was missed meanwhile.
//
// A PubSub that does not implement Link (the in-process one) is taken as always up.
type Link interface {
	// LinkState reports whether messages flow between this node and the others right now,
	// and since when the link has been in that state. A link that went down and came back
	// between two calls reports up with a later since.
	LinkState() (up bool, since time.Time)
}
