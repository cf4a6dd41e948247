package presence

import (
	"context"
	"time"
)

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

// Prober is implemented by a PubSub that can ask its message bus whether a node is still
// connected, such as natspubsub's. A Tracker on such a PubSub subscribes to a topic of its
// own (its node topic), and tells a peer that is gone from one that is only unreachable:
//
//   - a peer silent for Options.Timeout is probed: when the bus knows no subscriber of its
//     node topic (asked twice, a moment apart), the peer's connection is gone, and its
//     presences leave at once;
//   - when the peer answers, its link works (it says for how long): if it has worked for a
//     whole Timeout and the peer is still silent, the peer is hung, and its presences
//     leave; otherwise it gets the rest of that Timeout to be heard;
//   - when the bus cannot tell (no answer: a partition the bus has not noticed), the peer
//     is kept, up to Options.MaxSilence.
//
// Without a Prober, a peer silent for Timeout is presumed dead.
type Prober interface {
	// Probe asks whether another node subscribes to topic. It reports (false, 0, nil)
	// when the bus knows no subscriber, (true, upFor, nil) when a subscriber answered
	// (upFor is how long its link has been up), and an error when it cannot tell.
	Probe(ctx context.Context, topic string) (subscribed bool, upFor time.Duration, err error)
}
