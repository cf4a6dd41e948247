package channel

import (
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/internal/rate"
)

// Dispatch of client frames by the Phoenix Channels rules: heartbeat, join, leave, events,
// and the replies the socket sends itself.

// reply queues [joinRef, ref, topic, "phx_reply", {"status":status,"response":response}].
func (s *socket) reply(joinRef, ref nstr, topic, status string, response []byte) {
	bp := outFrames.Get().(*[]byte)
	s.sendPooled(bp, appendReply((*bp)[:0], joinRef, ref, topic, status, response))
}

// encodeReply encodes a reply frame in one allocation: the frame and its payload
// {"status":status,"response":response} are written at once.
func encodeReply(joinRef, ref nstr, topic, status string, response []byte) []byte {
	n := 48 + len(joinRef.s) + len(ref.s) + len(topic) + len(status) + len(response)
	return appendReply(make([]byte, 0, n), joinRef, ref, topic, status, response)
}

// appendReply appends a reply frame to b.
func appendReply(b []byte, joinRef, ref nstr, topic, status string, response []byte) []byte {
	b = appendFrameHead(b, joinRef, ref, topic)
	b = append(b, `,"phx_reply",{"status":"`...)
	b = append(b, status...)
	b = append(b, `","response":`...)
	b = append(b, response...)
	return append(b, "}]"...)
}

func reasonJSON(reason string) []byte {
	return append(appendString([]byte(`{"reason":`), reason), '}')
}

var (
	reasonUnmatched   = []byte(`{"reason":"unmatched topic"}`)
	reasonJoinCrashed = []byte(`{"reason":"join crashed"}`)
	reasonTooMany     = []byte(`{"reason":"too many channels joined"}`)
	reasonTooFast     = []byte(`{"reason":"too many joins"}`)
	reasonTopicLong   = []byte(`{"reason":"topic too long"}`)
	reasonLimited     = []byte(`{"reason":"rate limited"}`)
	reasonAddrFull    = []byte(`{"reason":"too many channels from this address"}`)
	reasonNoBinary    = []byte(`{"reason":"binary payload not accepted"}`)
	reasonBinaryFull  = []byte(`{"reason":"too much binary data in flight"}`)
)

// dispatchBinary handles a binary push. Its buffer goes with it to the channel, which gives
// it back once handled; every other path gives it back here. Binary pushes are counted by
// Limits.ChunksPerSecond rather than EventsPerSecond, which would cap an upload at a few
// megabytes a second, and bounded by Options.MaxBinaryBytes in flight; one refused for
// being over that bound counts as an event.
func (s *socket) dispatchBinary(f frame) {
	reply := func(joinRef nstr, reason []byte) {
		putFrameBuf(f.buf)
		s.reply(joinRef, f.ref, f.topic, "error", reason)
	}
	if f.topic == "phoenix" || f.event == "phx_join" || f.event == "phx_leave" {
		reply(null, reasonNoBinary)
		return
	}
	c := s.channelFor(f.topic)
	if c == nil {
		reply(null, reasonUnmatched)
		return
	}
	if f.joinRef.s != c.joinRef {
		putFrameBuf(f.buf) // stale membership: no reply, as for text pushes
		return
	}
	if !s.allowChunk() {
		s.srv.metrics.LimitEvents.Add(1)
		reply(str(c.joinRef), reasonLimited)
		return
	}
	n := int64(len(f.data))
	if s.binQueued.Add(n) > s.srv.opts.MaxBinaryBytes {
		s.binQueued.Add(-n)
		if !s.allowEvent() {
			s.srv.metrics.LimitEvents.Add(1)
		}
		reply(str(c.joinRef), reasonBinaryFull)
		return
	}
	switch c.put(envelope{kind: envIn, ref: f.ref, event: f.event, data: f.data, buf: f.buf}) {
	case queued:
		return
	case full:
		c.logDrop("client message", f.event)
		s.binQueued.Add(-n)
		putFrameBuf(f.buf)
	case stopped:
		s.binQueued.Add(-n)
		reply(null, reasonUnmatched)
	}
}

// dispatch handles one client frame. It never blocks on a channel.
func (s *socket) dispatch(f frame) {
	if f.topic == "phoenix" && f.event == "heartbeat" {
		s.reply(null, f.ref, "phoenix", "ok", emptyObject)
		return
	}
	switch f.event {
	case "phx_join":
		s.join(f)
		return
	case "phx_leave":
		s.leave(f)
		return
	}
	c := s.channelFor(f.topic)
	if c == nil {
		s.reply(null, f.ref, f.topic, "error", reasonUnmatched)
		return
	}
	if f.joinRef.valid && f.joinRef.s != c.joinRef {
		return // stale membership: no reply, the client's push times out
	}
	allowed := false
	if s.isChunkEvent(f.event) {
		allowed = s.allowChunk()
	} else {
		allowed = s.allowEvent()
	}
	if !allowed {
		s.srv.metrics.LimitEvents.Add(1)
		s.reply(str(c.joinRef), f.ref, f.topic, "error", reasonLimited)
		return
	}
	switch c.put(envelope{kind: envIn, ref: f.ref, event: f.event, payload: f.payload}) {
	case full:
		c.logDrop("client message", f.event)
	case stopped:
		s.reply(null, f.ref, f.topic, "error", reasonUnmatched)
	}
}

func (s *socket) join(f frame) {
	joinRef := f.joinRef
	if !joinRef.valid {
		joinRef = f.ref // tolerate clients that omit it
	}
	opts := &s.srv.opts
	if opts.Limits.MaxTopicBytes > 0 && len(f.topic) > opts.Limits.MaxTopicBytes {
		s.srv.metrics.LimitJoins.Add(1)
		s.reply(null, f.ref, "", "error", reasonTopicLong)
		return
	}
	if opts.Limits.JoinsPerSecond > 0 {
		now := time.Now()
		if !s.joins.Take(now, opts.Limits.JoinsPerSecond, opts.Limits.JoinBurst) {
			s.srv.metrics.LimitJoins.Add(1)
			s.reply(joinRef, f.ref, f.topic, "error", reasonTooFast)
			if !s.joinExcess.Take(now, opts.Limits.JoinsPerSecond/10, opts.Limits.JoinBurst) {
				s.abuse("joins kept above the rate limit", opts.Limits.JoinsPerSecond)
			}
			return
		}
	}
	newHandler := s.srv.route(f.topic)
	if newHandler == nil {
		s.srv.metrics.JoinsError.Add(1)
		s.reply(null, f.ref, f.topic, "error", reasonUnmatched)
		return
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	old := s.channels[f.topic]
	if old == nil && len(s.channels) >= s.srv.opts.MaxChannels {
		s.mu.Unlock()
		s.srv.metrics.JoinsError.Add(1)
		s.reply(joinRef, f.ref, f.topic, "error", reasonTooMany)
		return
	}
	if !s.srv.chansPerAddr.Acquire(s.addr, opts.Limits.MaxChannelsPerAddress) {
		s.mu.Unlock()
		s.srv.metrics.LimitJoins.Add(1)
		s.reply(joinRef, f.ref, f.topic, "error", reasonAddrFull)
		return
	}
	c := newChannel(s, f.topic, joinRef.s)
	s.channels[f.topic] = c
	s.chanGen.Add(1)
	s.lastChan = nil // and the replaced channel is not held by the cache
	s.lonelySince.Store(0)
	if old != nil {
		s.detach(old)
	}
	s.chanWG.Add(1)
	s.mu.Unlock()
	var prevDone <-chan struct{}
	if old != nil {
		old.requestStop(endReplaced, ErrReplaced)
		prevDone = old.done
	}
	s.srv.workers.run(func() { c.run(newHandler, prevDone, f.ref, f.payload) })
}

func (s *socket) leave(f frame) {
	s.mu.Lock()
	c := s.channels[f.topic]
	if c != nil && f.joinRef.valid && f.joinRef.s != c.joinRef {
		c = nil // a leave of an older membership: answer it, keep the current one
	}
	if c != nil {
		delete(s.channels, f.topic)
		s.chanGen.Add(1)
		s.lastChan = nil
		s.detach(c)
		s.noteLonely()
	}
	s.mu.Unlock()
	if c == nil {
		s.reply(f.joinRef, f.ref, f.topic, "ok", emptyObject)
		return
	}
	if !c.enqueue(envelope{kind: envLeave, ref: f.ref, force: true}) {
		// The channel is already ending (its own closing frame follows); answer the leave.
		s.reply(str(c.joinRef), f.ref, f.topic, "ok", emptyObject)
	}
}

// channelFor returns the channel joined on topic, or nil; it runs on the reader. A run of
// frames for one topic (a view's events) looks the topic up once: while the table has not
// changed since, the channel found then is still the topic's, and the topic string is the
// very one the frame decoder reused, so the check touches neither the table nor the
// topic's bytes.
func (s *socket) channelFor(topic string) *Channel {
	if c := s.lastChan; c != nil && topic == s.lastChanTopic && s.chanGen.Load() == s.lastChanGen {
		return c
	}
	s.mu.Lock()
	c := s.channels[topic]
	gen := s.chanGen.Load()
	s.mu.Unlock()
	s.lastChan, s.lastChanTopic, s.lastChanGen = c, topic, gen
	return c
}

// detach records a channel that left the topic table but may still be running (leaving or
// replaced), so that the socket can stop it when it closes. s.mu must be held.
func (s *socket) detach(c *Channel) {
	if s.detached == nil {
		s.detached = make(map[*Channel]struct{})
	}
	s.detached[c] = struct{}{}
}

// forget removes c from the socket's table if it is still the current membership.
func (s *socket) forget(c *Channel) {
	s.mu.Lock()
	if s.channels[c.topic] == c {
		delete(s.channels, c.topic)
		s.chanGen.Add(1)
		s.noteLonely()
	}
	s.mu.Unlock()
}

// noteLonely starts the JoinTimeout clock when the last channel has gone. s.mu is held.
func (s *socket) noteLonely() {
	if len(s.channels) == 0 {
		s.lonelySince.Store(time.Now().UnixNano())
	}
}

// allowEvent applies EventsPerSecond to a client message for one of the socket's
// channels, on the reader goroutine. The budget is the socket's, over all its channels:
// joining more channels buys no more. A socket that goes on sending above the rate once
// refused exhausts a second bucket, refilled at a tenth of the rate, and is closed.
func (s *socket) allowEvent() bool {
	l := &s.srv.opts.Limits
	return s.allow(&s.events, &s.eventExcess, l.EventsPerSecond, l.EventBurst, "client messages")
}

// isChunkEvent reports whether a text event counts with the chunks (Limits.ChunkEvents).
func (s *socket) isChunkEvent(event string) bool {
	return slices.Contains(s.srv.opts.Limits.ChunkEvents, event)
}

// allowChunk is allowEvent for binary pushes and Limits.ChunkEvents, on their own bucket.
func (s *socket) allowChunk() bool {
	l := &s.srv.opts.Limits
	return s.allow(&s.chunks, &s.chunkExcess, l.ChunksPerSecond, l.ChunkBurst, "chunks")
}

// allow takes a token from b at rate and burst (no limit when rate <= 0); a refusal takes
// one from excess, at a tenth of the rate, and once that is empty the socket is closed.
func (s *socket) allow(b, excess *rate.Bucket, perSecond float64, burst int, what string) bool {
	if perSecond <= 0 {
		return true
	}
	now := time.Now()
	if b.Take(now, perSecond, burst) {
		return true
	}
	if !excess.Take(now, perSecond/10, burst) {
		s.abuse(what+" kept above the rate limit", perSecond)
	}
	return false
}

// abuse closes the socket with 1008 and refuses its address for Limits.AbuseBan.
func (s *socket) abuse(what string, limit float64) {
	if s.abused {
		return
	}
	s.abused = true
	s.srv.metrics.LimitClosed.Add(1)
	s.logger().Warn("channel: "+what+", closing and refusing the address for a while",
		"limit", limit, "ban", s.srv.opts.Limits.AbuseBan)
	s.refuse(websocket.StatusPolicyViolation, "rate limit exceeded")
	s.srv.ban(s.addr)
}
