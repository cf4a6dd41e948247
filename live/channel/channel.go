package channel

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/glint-go/glint/live/pubsub"
)

// ErrReplaced is the reason given to Terminate when a duplicate join of the same topic on
// the same socket replaced the channel.
var ErrReplaced = errors.New("channel: replaced by a new join of the same topic")

// ErrChannelEnded is returned by Push, Subscribe and Broadcast on a channel that has ended.
var ErrChannelEnded = errors.New("channel: channel has ended")

// PanicError is the reason given to Terminate when a handler panicked.
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the panicking goroutine's stack
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("channel: handler panicked: %v", e.Value) }

// Channel is one joined topic on one socket. Its handler's methods are called one at a
// time (see Handler); the Channel's own methods are safe from any goroutine.
type Channel struct {
	sock    *socket
	topic   string
	joinRef string
	id      string
	handler Handler

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// processFn is c.process, made once: a method value passed to workers.run would be
	// allocated on every burst.
	processFn func()

	// mailbox: bounded queue guarded by mu.
	mu        sync.Mutex
	mailbox   []envelope
	mbox      *[]envelope // the pooled pointer mailbox's array came in (see mailboxes)
	stopKind  endKind
	stopErr   error
	subs      map[string]struct{}
	intercept map[string]struct{}

	running    bool // a goroutine is processing the mailbox (guarded by mu)
	dropLogged bool // a drop was logged since the mailbox last drained (guarded by mu)
	finished   bool // the channel's last goroutine is done (guarded by mu)

	ended atomic.Bool
}

var channelIDs atomic.Uint64

func newChannel(s *socket, topic, joinRef string) *Channel {
	// Not derived from s.hard (that would cost the socket a children map): the socket
	// stops its channels explicitly, which cancels this.
	ctx, cancel := context.WithCancel(context.Background())
	c := &Channel{
		sock:    s,
		topic:   topic,
		joinRef: joinRef,
		id:      "c" + strconv.FormatUint(channelIDs.Add(1), 36),
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		running: true, // the join goroutine
	}
	c.processFn = c.process
	return c
}

// Topic returns the joined topic.
func (c *Channel) Topic() string { return c.topic }

// JoinRef returns the ref of the join that opened this membership.
func (c *Channel) JoinRef() string { return c.joinRef }

// SocketID returns the socket's id (Assigns["socket_id"] from Connect), or "".
func (c *Channel) SocketID() string { return c.sock.info.SocketID }

// Assigns returns the socket's assigns from Connect. They must not be modified.
func (c *Channel) Assigns() Assigns { return c.sock.assigns }

// ConnectInfo returns the socket's upgrade request information as the socket keeps it
// after Connect: the query parameters (parsed again on each call), the headers named in
// Options.KeepHeaders, the remote address, the socket id and the auth token. Cookies are
// for Connect only: it can put what the channels need into the assigns.
func (c *Channel) ConnectInfo() *ConnectInfo {
	info := *c.sock.info
	info.Params, _ = url.ParseQuery(c.sock.rawQuery)
	return &info
}

// Context returns a context cancelled when the channel ends.
func (c *Channel) Context() context.Context { return c.ctx }

// ID implements pubsub.Subscriber: it identifies this channel for BroadcastFrom.
func (c *Channel) ID() string { return c.id }

// Push sends [join_ref,null,topic,event,payload] to the client. payload may be
// json.RawMessage or ValidJSON, or a *ValidJSON (sent as is, it must be a JSON object); nil
// becomes {}. It fails once the channel has ended or when the socket's outbound queue
// overflowed.
func (c *Channel) Push(event string, payload any) error {
	if c.ended.Load() {
		return ErrChannelEnded
	}
	p, err := encodePayload(payload)
	if err != nil {
		return fmt.Errorf("channel: push %q: %w", event, err)
	}
	if !isObject(p) {
		return fmt.Errorf("channel: push %q: payload must encode to a JSON object, got %.20s", event, p)
	}
	bp := outFrames.Get().(*[]byte)
	if !c.sock.sendPooled(bp, appendFrame((*bp)[:0], str(c.joinRef), null, c.topic, event, p)) {
		return fmt.Errorf("channel: push %q: socket closed or outbound queue full", event)
	}
	return nil
}

// Send puts msg into the channel's mailbox; HandleInfo receives it. It returns false when
// the mailbox is full or the channel has ended.
func (c *Channel) Send(msg any) bool {
	return c.enqueue(envelope{kind: envInfo, msg: msg})
}

// Subscribe subscribes the channel to topic: its broadcasts reach HandleInfo as
// *pubsub.Message. The subscription ends with the channel.
func (c *Channel) Subscribe(topic string) error {
	if topic == c.topic {
		return fmt.Errorf("channel: already subscribed to own topic %q", topic)
	}
	c.mu.Lock()
	if c.ended.Load() {
		c.mu.Unlock()
		return ErrChannelEnded
	}
	if c.subs == nil {
		c.subs = make(map[string]struct{})
	}
	c.subs[topic] = struct{}{}
	c.mu.Unlock()
	return c.sock.srv.ps.Subscribe(topic, c)
}

// Unsubscribe ends a subscription made with Subscribe.
func (c *Channel) Unsubscribe(topic string) {
	c.mu.Lock()
	_, ok := c.subs[topic]
	delete(c.subs, topic)
	c.mu.Unlock()
	if ok {
		c.sock.srv.ps.Unsubscribe(topic, c)
	}
}

// Broadcast sends event to every subscriber of the channel's topic, this channel included;
// sockets receive [null,null,topic,event,payload].
func (c *Channel) Broadcast(ctx context.Context, event string, payload any) error {
	return c.sock.srv.ps.Broadcast(ctx, c.topic, event, payload)
}

// BroadcastFrom is Broadcast except that this channel does not receive it.
func (c *Channel) BroadcastFrom(ctx context.Context, event string, payload any) error {
	return c.sock.srv.ps.BroadcastFrom(ctx, c.id, c.topic, event, payload)
}

// Stop ends the channel. A nil reason ends it normally (phx_close); a non-nil reason ends
// it abnormally (phx_error, the client rejoins). It may be called from any goroutine,
// including the handler's own.
func (c *Channel) Stop(reason error) {
	if reason == nil {
		c.requestStop(endClose, nil)
	} else {
		c.requestStop(endError, reason)
	}
}

// Deliver implements pubsub.Subscriber. Broadcasts on the channel's own topic go straight
// to the socket, encoded once for all subscribers, unless intercepted; others go to the
// mailbox for HandleInfo.
func (c *Channel) Deliver(msg *pubsub.Message) {
	if msg.Topic != c.topic {
		if c.put(envelope{kind: envInfo, msg: msg}) == full {
			c.logDrop("broadcast", msg.Event)
		}
		return
	}
	if c.intercept != nil {
		if _, ok := c.intercept[msg.Event]; ok {
			if c.put(envelope{kind: envOut, msg: msg}) == full {
				c.logDrop("broadcast", msg.Event)
			}
			return
		}
	}
	if c.ended.Load() {
		return
	}
	if c.sock.enqueue(msg.Encoded(encodeBroadcast)) {
		c.sock.srv.metrics.BroadcastsOut.Add(1)
	}
}

func encodeBroadcast(m *pubsub.Message) []byte {
	return encodeFrame(null, null, m.Topic, m.Event, m.Payload)
}
