package live

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/live/pubsub"
)

// SubscribeCoalesced subscribes the connected view to topic without handing it the
// broadcasts one by one: after a broadcast, msg reaches HandleInfo once, window later,
// however many broadcasts arrived in between. A broadcast that arrives while HandleInfo
// runs for msg schedules msg again, so the view never misses the last change.
//
// It is for views that recompute from a source of truth (a presence list, a count in a
// store) and would otherwise drown in a busy topic: a dashboard over ten thousand
// shoppers receives at most one message per window instead of one per arrival, and its
// mailbox stays free for everything else. The broadcasts themselves are not kept; read
// the state they announce.
//
// The subscription ends with the view, or with Unsubscribe. Subscribing again to the same
// topic replaces the window and msg. Like Subscribe, it returns ErrNotConnected during the
// disconnected render.
func (s *Socket) SubscribeCoalesced(topic string, window time.Duration, msg any) error {
	if s.v == nil {
		return ErrNotConnected
	}
	if window <= 0 {
		return errors.New("live: SubscribeCoalesced needs a positive window")
	}
	v := s.v
	ctx := v.ch.Context()
	if err := ctx.Err(); err != nil {
		return ErrNotConnected
	}
	if old, ok := v.coalesced[topic]; ok {
		old.end()
	}
	ps := v.srv.PubSub()
	c := &coalescer{ps: ps, topic: topic, window: window, msg: msg, timers: v.timers}
	if err := ps.Subscribe(topic, c); err != nil {
		return err
	}
	c.stop = context.AfterFunc(ctx, c.unsubscribe)
	if v.coalesced == nil {
		v.coalesced = make(map[string]*coalescer)
	}
	v.coalesced[topic] = c
	return nil
}

// coalescer is a subscription made with SubscribeCoalesced: a pubsub.Subscriber that turns
// any number of broadcasts within a window into one message for the view.
type coalescer struct {
	ps      pubsub.PubSub
	topic   string
	window  time.Duration
	msg     any
	timers  *timerSet
	pending atomic.Bool // a delivery is scheduled and HandleInfo has not started on it
	stop    func() bool // cancels the unsubscribe at the view's end
}

// coalescedMsg is what the timer queues; the view clears pending before its HandleInfo.
type coalescedMsg struct{ c *coalescer }

// ID implements pubsub.Subscriber.
func (c *coalescer) ID() string { return "" }

// Deliver implements pubsub.Subscriber. It never blocks: it schedules at most one
// delivery at a time.
func (c *coalescer) Deliver(*pubsub.Message) {
	if c.pending.CompareAndSwap(false, true) {
		c.timers.after(c.window, coalescedMsg{c}, false)
	}
}

func (c *coalescer) unsubscribe() { c.ps.Unsubscribe(c.topic, c) }

// end unsubscribes now; a delivery already queued still reaches the view.
func (c *coalescer) end() {
	c.stop()
	c.unsubscribe()
}
