package live

import (
	"errors"
	"fmt"
	"slices"

	"github.com/glint-go/glint/live/presence"
)

// tracked is a presence a view made with Socket.Track: a view has at most one per
// tracker and topic.
type tracked struct {
	tracker  *presence.Tracker
	topic    string
	key, ref string
}

// findTracked returns the index in ts of the presence on t and topic, or -1. A view has
// a presence or two: a slice costs it far less than a map.
func findTracked(ts []tracked, t *presence.Tracker, topic string) int {
	for i := range ts {
		if ts[i].tracker == t && ts[i].topic == topic {
			return i
		}
	}
	return -1
}

// Track makes the connected view a presence on topic: key (a user or cart id, say) with
// meta, listed by t.List on every node that shares t's PubSub. The presence lasts as long as
// the view: it ends when the view ends, whether it leaves, crashes, navigates away or loses
// its socket, and when its mount fails.
//
// A view has at most one presence per tracker and topic. Calling Track again with the same
// tracker, topic and key replaces the meta in place (presence.Tracker.Update): subscribers
// see one presence_diff with the old meta among the key's leaves and the new one among its
// joins, never the key leaving and joining again. Calling it with another key replaces the
// presence: the old key leaves and the new one joins.
//
// Track returns ErrNotConnected during the disconnected render, so that the first HTTP
// render, which has no lifetime to end it, never counts as a presence; call it from Mount
// and ignore that error, or check Socket.Connected first. It returns presence.ErrClosed when
// t is closed.
func (s *Socket) Track(t *presence.Tracker, topic, key string, meta presence.Meta) error {
	if s.v == nil {
		return ErrNotConnected
	}
	if t == nil {
		return errors.New("live: Track needs a tracker")
	}
	v := s.v
	// The channel's context, not s.ctx: that one outlives the view inside Terminate.
	ctx := v.ch.Context()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("live: Track after the view ended: %w", err)
	}
	if i := findTracked(v.tracked, t, topic); i >= 0 {
		old := v.tracked[i]
		if old.key == key {
			err := t.Update(topic, old.ref, meta)
			if !errors.Is(err, presence.ErrNotTracked) {
				return err
			}
			// Untracked behind the view's back (Tracker.Untrack with its ref): track anew.
		} else {
			t.Untrack(topic, old.ref)
		}
		v.tracked = slices.Delete(v.tracked, i, i+1)
	}
	ref, err := t.Track(ctx, topic, key, meta)
	if err != nil {
		return err
	}
	v.tracked = append(v.tracked, tracked{tracker: t, topic: topic, key: key, ref: ref})
	return nil
}

// Untrack ends the view's presence on topic made with Track on t, announcing its leave.
// Without one, or during the disconnected render, it does nothing.
func (s *Socket) Untrack(t *presence.Tracker, topic string) {
	if s.v == nil {
		return
	}
	if i := findTracked(s.v.tracked, t, topic); i >= 0 {
		ref := s.v.tracked[i].ref
		s.v.tracked = slices.Delete(s.v.tracked, i, i+1)
		t.Untrack(topic, ref)
	}
}
