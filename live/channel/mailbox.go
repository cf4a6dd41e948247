package channel

// The channel's mailbox and lifecycle: queueing, the goroutine that runs only while there
// is work, join, dispatch to the handler, and the end of a membership.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/glint-go/glint/live/pubsub"
)

// endKind says how a channel ends and which frames that sends.
type endKind uint8

const (
	endNone     endKind = iota
	endClose            // phx_close (Stop(nil), Reply.Stop)
	endLeave            // reply ok to the leave, then phx_close
	endError            // phx_error {"reason":"channel_crash"}
	endReplaced         // duplicate join: phx_close under the old join_ref
	endSocket           // socket gone: nothing to send
)

type envKind uint8

const (
	envIn    envKind = iota // client event
	envInfo                 // Send value or extra subscription message
	envOut                  // intercepted broadcast on the own topic
	envLeave                // phx_leave
)

type envelope struct {
	kind    envKind
	force   bool // queued even when the mailbox is full (control messages), unless stopping
	ref     nstr
	event   string
	payload json.RawMessage
	msg     any
	// A binary push: its payload, and the read buffer holding it (given back once handled).
	data []byte
	buf  *bytes.Buffer
}

// release gives back a binary push's buffer and its share of the socket's MaxBinaryBytes;
// it does nothing for other envelopes.
func (env *envelope) release(s *socket) {
	if env.buf != nil {
		s.binQueued.Add(-int64(len(env.data)))
		putFrameBuf(env.buf)
		env.buf, env.data = nil, nil
	}
}

// enqueueResult tells what enqueue did.
type enqueueResult uint8

const (
	queued  enqueueResult = iota
	full                  // dropped: the mailbox is full
	stopped               // dropped: the channel is ending or has ended
)

// mailboxes recycles the arrays of mailboxes between bursts: a channel takes one when a
// message arrives in its empty mailbox and gives it back once it has handled the batch, so
// that a click allocates no array and an idle channel holds none.
var mailboxes = sync.Pool{New: func() any { b := make([]envelope, 0, 4); return &b }}

// maxRecycledMailbox bounds the arrays kept in mailboxes (a burst's big one is dropped).
const maxRecycledMailbox = 64

// recycleMailbox gives a handled batch's array (its entries cleared) back, in the pooled
// pointer bp that came with it.
func recycleMailbox(bp *[]envelope, batch []envelope) {
	if bp == nil || cap(batch) > maxRecycledMailbox {
		return
	}
	*bp = batch[:0]
	mailboxes.Put(bp)
}

// logDrop logs a message dropped on a full mailbox, once per overflow episode (until the
// mailbox drains), so that a flood cannot flood the log too; the metric counts them all.
func (c *Channel) logDrop(what, event string) {
	c.mu.Lock()
	logged := c.dropLogged
	c.dropLogged = true
	c.mu.Unlock()
	if !logged {
		c.sock.logger().Warn("channel: mailbox full, dropping messages", "topic", c.topic, "first", what, "event", event, "limit", c.sock.srv.opts.MailboxSize)
	}
}

// enqueue adds env to the mailbox and reports whether it was queued.
func (c *Channel) enqueue(env envelope) bool { return c.put(env) == queued }

// put adds env to the mailbox, starting the channel goroutine if none runs.
func (c *Channel) put(env envelope) enqueueResult {
	m := c.sock.srv.metrics
	c.mu.Lock()
	if c.finished || c.stopKind != endNone {
		c.mu.Unlock()
		return stopped
	}
	if len(c.mailbox) >= c.sock.srv.opts.MailboxSize && !env.force {
		c.mu.Unlock()
		m.MailboxDropped.Add(1)
		return full
	}
	if c.mailbox == nil {
		c.mbox = mailboxes.Get().(*[]envelope)
		c.mailbox = (*c.mbox)[:0]
	}
	c.mailbox = append(c.mailbox, env)
	start := !c.running
	c.running = true
	c.mu.Unlock()
	m.MailboxDepth.Add(1)
	if start {
		c.sock.srv.workers.run(c.processFn)
	}
	return queued
}

// requestStop asks the goroutine to end the channel with kind (the first request wins).
func (c *Channel) requestStop(kind endKind, err error) {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return
	}
	if c.stopKind == endNone {
		c.stopKind, c.stopErr = kind, err
	}
	start := !c.running
	c.running = true
	c.mu.Unlock()
	c.cancel()
	if start {
		c.sock.srv.workers.run(c.processFn)
	}
}

func (c *Channel) stopRequested() (endKind, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopKind, c.stopErr
}

// run is the channel goroutine: join, then the mailbox loop, then the end.
func (c *Channel) run(newHandler func() Handler, prevDone <-chan struct{}, ref nstr, payload json.RawMessage) {
	if prevDone != nil {
		// Let the replaced membership send its phx_close before this join's reply.
		select {
		case <-prevDone:
		case <-c.sock.hard.Done():
		}
	}
	if !c.join(newHandler, ref, payload) {
		c.rejectQueued()
		c.finish()
		return
	}
	c.process()
}

// finish marks the channel's work as over and releases its waiters.
func (c *Channel) finish() {
	c.mu.Lock()
	c.finished = true
	c.mu.Unlock()
	c.sock.mu.Lock()
	delete(c.sock.detached, c)
	c.sock.mu.Unlock()
	c.cancel()
	close(c.done)
	c.sock.srv.chansPerAddr.Release(c.sock.addr)
	c.sock.chanWG.Done()
}

// process handles the mailbox until it is empty, then returns; a new process goroutine
// is started by the next enqueue or stop request (c.running guards that only one runs).
// It ends the channel when a stop was requested or a handler asked for it.
func (c *Channel) process() {
	kind, err := c.loop()
	if kind == endNone {
		return
	}
	c.end(kind, err)
	c.finish()
}

// join runs Handler.Join and replies. It reports whether the channel is now joined.
func (c *Channel) join(newHandler func() Handler, ref nstr, payload json.RawMessage) (ok bool) {
	m := c.sock.srv.metrics
	jr := str(c.joinRef)
	var reply any
	var err error
	crashed := c.call("join", func() {
		c.handler = newHandler()
		reply, err = c.handler.Join(c.ctx, c, payload)
	})
	if crashed != nil {
		m.JoinsCrashed.Add(1)
		c.sock.reply(jr, ref, c.topic, "error", reasonJoinCrashed)
		c.sock.forget(c)
		return false
	}
	if err != nil {
		m.JoinsError.Add(1)
		resp := reasonJSON(err.Error())
		var er *ErrorReply
		if errors.As(err, &er) {
			if b, encErr := encodePayload(er.Response); encErr == nil {
				resp = b
			} else {
				c.sock.logger().Error("channel: encoding join error reply", "topic", c.topic, "error", encErr)
				resp = reasonJSON("join refused")
			}
		}
		c.sock.reply(jr, ref, c.topic, "error", resp)
		c.sock.forget(c)
		return false
	}
	resp, err := encodePayload(reply)
	if err != nil {
		c.sock.logger().Error("channel: encoding join reply", "topic", c.topic, "error", err)
		m.JoinsError.Add(1)
		c.sock.reply(jr, ref, c.topic, "error", reasonJSON("join reply not encodable"))
		c.sock.forget(c)
		return false
	}
	if oh, ok := c.handler.(OutHandler); ok {
		var events []string
		if p := c.call("intercept", func() { events = oh.Intercept() }); p == nil && len(events) > 0 {
			c.intercept = make(map[string]struct{}, len(events))
			for _, e := range events {
				c.intercept[e] = struct{}{}
			}
		}
	}
	if err := c.sock.srv.ps.Subscribe(c.topic, c); err != nil {
		c.sock.logger().Error("channel: subscribing to own topic", "topic", c.topic, "error", err)
	}
	m.JoinsOK.Add(1)
	m.Channels.Add(1)
	c.sock.reply(jr, ref, c.topic, "ok", resp)
	return true
}

// rejectQueued answers what the client sent to a membership whose join failed, and drops
// the subscriptions its Join made.
func (c *Channel) rejectQueued() {
	c.mu.Lock()
	queued := c.mailbox
	c.mailbox, c.mbox = nil, nil
	c.stopKind = endSocket
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	c.ended.Store(true)
	for t := range subs {
		c.sock.srv.ps.Unsubscribe(t, c)
	}
	c.sock.srv.metrics.MailboxDepth.Add(-int64(len(queued)))
	for _, env := range queued {
		env.release(c.sock)
		switch env.kind {
		case envIn:
			c.sock.reply(null, env.ref, c.topic, "error", reasonUnmatched)
		case envLeave:
			c.sock.reply(str(c.joinRef), env.ref, c.topic, "ok", emptyObject)
		}
	}
}

// loop handles the mailbox until the channel must end.
func (c *Channel) loop() (endKind, error) {
	m := c.sock.srv.metrics
	for {
		c.mu.Lock()
		if c.stopKind != endNone {
			kind, err := c.stopKind, c.stopErr
			c.mu.Unlock()
			return kind, err
		}
		batch, bp := c.mailbox, c.mbox
		c.mailbox, c.mbox = nil, nil
		c.dropLogged = false
		if len(batch) == 0 {
			c.running = false
			c.mu.Unlock()
			return endNone, nil
		}
		c.mu.Unlock()
		for i := range batch {
			m.MailboxDepth.Add(-1)
			env := batch[i]
			batch[i] = envelope{}
			kind, err := c.stopRequested()
			if kind == endNone {
				kind, err = c.handle(&env)
			}
			env.release(c.sock)
			if kind != endNone {
				m.MailboxDepth.Add(-int64(len(batch) - i - 1))
				for j := i + 1; j < len(batch); j++ {
					batch[j].release(c.sock)
				}
				clear(batch[i+1:])
				return kind, err
			}
		}
		recycleMailbox(bp, batch)
		if f, ok := c.handler.(Flusher); ok {
			c.mu.Lock()
			empty := len(c.mailbox) == 0
			c.mu.Unlock()
			if empty {
				if p := c.call("flush", func() { f.Flush(c.ctx, c) }); p != nil {
					return endError, p
				}
			}
		}
	}
}

// handle runs one envelope through the handler.
func (c *Channel) handle(env *envelope) (endKind, error) {
	switch env.kind {
	case envLeave:
		c.sock.reply(str(c.joinRef), env.ref, c.topic, "ok", emptyObject)
		return endLeave, nil
	case envIn:
		var r Reply
		in := func() { r = c.handler.HandleIn(c.ctx, c, env.event, env.payload) }
		if env.buf != nil {
			if bh, ok := c.handler.(BinaryHandler); ok {
				in = func() { r = bh.HandleBinary(c.ctx, c, env.event, env.data) }
			} else {
				in = func() { r = Error(json.RawMessage(reasonNoBinary)) }
			}
		}
		p := c.call("handle_in", in)
		// A binary push's bytes go back to the budget before the reply leaves: a client
		// that got the reply may send the next push at once.
		env.release(c.sock)
		if p != nil {
			return endError, p
		}
		if r.kind != replyNone {
			status := "ok"
			if r.kind == replyError {
				status = "error"
			}
			resp, err := encodePayload(r.response)
			if err != nil {
				c.sock.logger().Error("channel: encoding reply", "topic", c.topic, "event", env.event, "error", err)
				return endError, fmt.Errorf("channel: encoding reply to %q: %w", env.event, err)
			}
			c.sock.reply(str(c.joinRef), env.ref, c.topic, status, resp)
		}
		if r.stop {
			return endClose, nil
		}
	case envInfo:
		if ih, ok := c.handler.(InfoHandler); ok {
			if p := c.call("handle_info", func() { ih.HandleInfo(c.ctx, c, env.msg) }); p != nil {
				return endError, p
			}
		} else {
			c.sock.logger().Debug("channel: message dropped, handler has no HandleInfo", "topic", c.topic)
		}
	case envOut:
		oh := c.handler.(OutHandler)
		msg := env.msg.(*pubsub.Message)
		if p := c.call("handle_out", func() { oh.HandleOut(c.ctx, c, msg) }); p != nil {
			return endError, p
		}
	}
	return endNone, nil
}

// call runs fn, recovering a panic into a logged *PanicError.
func (c *Channel) call(what string, fn func()) (perr *PanicError) {
	defer func() {
		if p := recover(); p != nil {
			perr = &PanicError{Value: p, Stack: debug.Stack()}
			c.sock.logger().Error("channel: handler panicked", "topic", c.topic, "in", what, "panic", fmt.Sprint(p), "stack", string(perr.Stack))
		}
	}()
	fn()
	return nil
}

// end unsubscribes, calls Terminate and sends the closing frames for kind.
func (c *Channel) end(kind endKind, reason error) {
	m := c.sock.srv.metrics
	ps := c.sock.srv.ps
	ps.Unsubscribe(c.topic, c)
	c.mu.Lock()
	subs := c.subs
	c.subs = nil
	if c.stopKind == endNone {
		c.stopKind, c.stopErr = kind, reason
	}
	dropped := c.mailbox
	c.mailbox, c.mbox = nil, nil
	c.mu.Unlock()
	m.MailboxDepth.Add(-int64(len(dropped)))
	for t := range subs {
		ps.Unsubscribe(t, c)
	}
	c.cancel()
	if t, ok := c.handler.(Terminator); ok {
		var why error
		switch kind {
		case endError, endReplaced, endSocket:
			why = reason
		}
		ctx := context.WithoutCancel(c.ctx)
		c.call("terminate", func() { t.Terminate(ctx, c, why) })
	}
	c.ended.Store(true)
	m.Channels.Add(-1)
	jr := str(c.joinRef)
	for _, env := range dropped {
		env.release(c.sock)
		if env.kind == envLeave { // a leave that raced the end still gets its reply
			c.sock.reply(jr, env.ref, c.topic, "ok", emptyObject)
		}
	}
	switch kind {
	case endClose, endLeave, endReplaced:
		c.sock.enqueue(encodeFrame(jr, jr, c.topic, "phx_close", emptyObject))
	case endError:
		m.ChannelCrashes.Add(1)
		if _, ok := reason.(*PanicError); !ok {
			c.sock.logger().Warn("channel: stopped with error", "topic", c.topic, "error", reason)
		}
		c.sock.enqueue(encodeFrame(jr, jr, c.topic, "phx_error", crashReason))
	}
	// Forget the topic only now: a client message arriving meanwhile finds the channel
	// stopped and is answered "unmatched topic" after the closing frame, as it would be
	// once the topic is gone.
	c.sock.forget(c)
}

var crashReason = []byte(`{"reason":"channel_crash"}`)
