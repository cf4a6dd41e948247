package channeltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Frame is one frame the server sent.
type Frame struct {
	JoinRef *string         // nil for null
	Ref     *string         // nil for null
	Topic   string          // the frame's topic
	Event   string          // the frame's event
	Payload json.RawMessage // the frame's payload (a JSON object)
	Raw     string          // the frame exactly as received
}

// IsBroadcast reports whether f is a broadcast sent straight to the socket (join_ref and
// ref both null).
func (f Frame) IsBroadcast() bool { return f.JoinRef == nil && f.Ref == nil && f.Event != "phx_reply" }

// IsPush reports whether f is a push from a channel (join_ref set, ref null).
func (f Frame) IsPush() bool { return f.JoinRef != nil && f.Ref == nil }

// Client is one socket connected through a Harness. Its methods fail the test (t.Fatalf)
// when an expectation is not met.
type Client struct {
	h    *Harness
	conn *websocket.Conn

	mu       sync.Mutex
	frames   []Frame
	consumed []bool
	changed  chan struct{}
	readErr  error
	ref      int
	joinRefs map[string]string

	readDone chan struct{}
}

func newClient(h *Harness, conn *websocket.Conn) *Client {
	c := &Client{h: h, conn: conn, changed: make(chan struct{}), joinRefs: map[string]string{}, readDone: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *Client) readLoop() {
	defer close(c.readDone)
	for {
		_, b, err := c.conn.Read(context.Background())
		c.mu.Lock()
		if err != nil {
			c.readErr = err
		} else {
			f, perr := parseFrame(b)
			if perr != nil {
				c.readErr = perr
			} else {
				c.frames = append(c.frames, f)
				c.consumed = append(c.consumed, false)
			}
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if err != nil {
			return
		}
	}
}

func parseFrame(b []byte) (Frame, error) {
	var parts [5]json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return Frame{}, fmt.Errorf("channeltest: server sent an undecodable frame %q: %w", b, err)
	}
	f := Frame{Payload: parts[4], Raw: string(b)}
	for i, dst := range []**string{&f.JoinRef, &f.Ref} {
		if string(parts[i]) != "null" {
			var s string
			if err := json.Unmarshal(parts[i], &s); err != nil {
				return Frame{}, fmt.Errorf("channeltest: bad ref in %q: %w", b, err)
			}
			*dst = &s
		}
	}
	if err := json.Unmarshal(parts[2], &f.Topic); err != nil {
		return Frame{}, fmt.Errorf("channeltest: bad topic in %q: %w", b, err)
	}
	if err := json.Unmarshal(parts[3], &f.Event); err != nil {
		return Frame{}, fmt.Errorf("channeltest: bad event in %q: %w", b, err)
	}
	if len(f.Payload) == 0 || f.Payload[0] != '{' {
		return Frame{}, fmt.Errorf("channeltest: payload of %q is not an object", b)
	}
	return f, nil
}

// Frames returns every frame received so far, in order (consumed by assertions or not).
func (c *Client) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.frames...)
}

// Close closes the socket normally and waits for its reader.
func (c *Client) Close() {
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
	<-c.readDone
}

// CloseStatus waits until the server closes the socket and returns the close code (-1 if
// the connection ended without one).
func (c *Client) CloseStatus() websocket.StatusCode {
	c.h.t.Helper()
	select {
	case <-c.readDone:
	case <-time.After(c.h.Timeout):
		c.h.t.Fatalf("channeltest: socket still open after %v", c.h.Timeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.readErr)
}

func (c *Client) nextRef() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ref++
	return strconv.Itoa(c.ref)
}

// send writes a frame; joinRef "" is null.
func (c *Client) send(joinRef, ref, topic, event string, payload any) {
	c.h.t.Helper()
	p, err := encode(payload)
	if err != nil {
		c.h.t.Fatalf("channeltest: encoding payload of %q: %v", event, err)
	}
	jr := "null"
	if joinRef != "" {
		jr = strconv.Quote(joinRef)
	}
	topicJSON, _ := json.Marshal(topic)
	eventJSON, _ := json.Marshal(event)
	frame := fmt.Sprintf(`[%s,%q,%s,%s,%s]`, jr, ref, topicJSON, eventJSON, p)
	ctx, cancel := context.WithTimeout(context.Background(), c.h.Timeout)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.h.t.Fatalf("channeltest: sending %s: %v", frame, err)
	}
}

func encode(v any) ([]byte, error) {
	switch p := v.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		return p, nil
	case string:
		if json.Valid([]byte(p)) {
			return []byte(p), nil
		}
	}
	return json.Marshal(v)
}

// Join sends phx_join for topic (payload: a value, JSON text or nil for {}) and returns
// the pending push; the client remembers the join ref for later pushes.
func (c *Client) Join(topic string, payload any) *Push {
	c.h.t.Helper()
	ref := c.nextRef()
	c.mu.Lock()
	c.joinRefs[topic] = ref
	c.mu.Unlock()
	c.send(ref, ref, topic, "phx_join", payload)
	return &Push{c: c, topic: topic, ref: ref}
}

// MustJoin joins topic and fails the test unless the reply is ok; it returns the response.
func (c *Client) MustJoin(topic string, payload any) json.RawMessage {
	c.h.t.Helper()
	status, resp := c.Join(topic, payload).Reply()
	if status != "ok" {
		c.h.t.Fatalf("channeltest: join %q: %s %s", topic, status, resp)
	}
	return resp
}

// Push sends event on topic under the topic's current join ref.
func (c *Client) Push(topic, event string, payload any) *Push {
	c.h.t.Helper()
	ref := c.nextRef()
	c.mu.Lock()
	jr := c.joinRefs[topic]
	c.mu.Unlock()
	c.send(jr, ref, topic, event, payload)
	return &Push{c: c, topic: topic, ref: ref}
}

// Leave sends phx_leave for topic.
func (c *Client) Leave(topic string) *Push { return c.Push(topic, "phx_leave", nil) }

// Heartbeat sends a heartbeat on the "phoenix" topic.
func (c *Client) Heartbeat() *Push {
	c.h.t.Helper()
	ref := c.nextRef()
	c.send("", ref, "phoenix", "heartbeat", nil)
	return &Push{c: c, topic: "phoenix", ref: ref}
}

// await waits until match finds an unconsumed frame, consumes it and returns it.
func (c *Client) await(timeout time.Duration, match func(Frame) bool) (Frame, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i, f := range c.frames {
			if !c.consumed[i] && match(f) {
				c.consumed[i] = true
				c.mu.Unlock()
				return f, true
			}
		}
		changed, done := c.changed, c.readErr != nil
		c.mu.Unlock()
		if done {
			return Frame{}, false
		}
		select {
		case <-changed:
		case <-deadline.C:
			return Frame{}, false
		}
	}
}

func (c *Client) describe() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b bytes.Buffer
	for i, f := range c.frames {
		mark := " "
		if c.consumed[i] {
			mark = "✓"
		}
		fmt.Fprintf(&b, "\n  %s %s", mark, f.Raw)
	}
	if c.readErr != nil {
		fmt.Fprintf(&b, "\n  (socket ended: %v)", c.readErr)
	}
	if b.Len() == 0 {
		return " (nothing received)"
	}
	return b.String()
}

// AssertPush waits for a push (join_ref set, ref null) of event on topic whose payload
// equals payload as JSON (nil: any payload), consumes it and returns it.
func (c *Client) AssertPush(topic, event string, payload any) Frame {
	c.h.t.Helper()
	return c.assertFrame("push", Frame.IsPush, topic, event, payload)
}

// AssertBroadcast is AssertPush for broadcasts sent straight to the socket (join_ref and
// ref null).
func (c *Client) AssertBroadcast(topic, event string, payload any) Frame {
	c.h.t.Helper()
	return c.assertFrame("broadcast", Frame.IsBroadcast, topic, event, payload)
}

func (c *Client) assertFrame(kind string, is func(Frame) bool, topic, event string, payload any) Frame {
	c.h.t.Helper()
	want, err := encode(payload)
	if err != nil {
		c.h.t.Fatalf("channeltest: encoding expected payload: %v", err)
	}
	f, ok := c.await(c.h.Timeout, func(f Frame) bool {
		return is(f) && f.Topic == topic && f.Event == event && (payload == nil || jsonEqual(f.Payload, want))
	})
	if !ok {
		wantDesc := "any payload"
		if payload != nil {
			wantDesc = string(want)
		}
		c.h.t.Fatalf("channeltest: no %s %q on %q with %s within %v; received:%s", kind, event, topic, wantDesc, c.h.Timeout, c.describe())
	}
	return f
}

// AssertClosed waits for the phx_close that ends the membership of topic (the channel
// ended normally) and returns it.
func (c *Client) AssertClosed(topic string) Frame {
	c.h.t.Helper()
	return c.assertFrame("phx_close", isControl, topic, "phx_close", nil)
}

// AssertErrored waits for the phx_error that reports a crash of the channel on topic.
func (c *Client) AssertErrored(topic string) Frame {
	c.h.t.Helper()
	return c.assertFrame("phx_error", isControl, topic, "phx_error", nil)
}

func isControl(f Frame) bool { return f.JoinRef != nil && f.Ref != nil && *f.JoinRef == *f.Ref }

// AssertFrame waits for any frame accepted by match, consumes it and returns it.
func (c *Client) AssertFrame(what string, match func(Frame) bool) Frame {
	c.h.t.Helper()
	f, ok := c.await(c.h.Timeout, match)
	if !ok {
		c.h.t.Fatalf("channeltest: no frame %s within %v; received:%s", what, c.h.Timeout, c.describe())
	}
	return f
}

// RefutePush fails the test if a push of event on topic arrives within d (unconsumed
// pushes already received count).
func (c *Client) RefutePush(topic, event string, d time.Duration) {
	c.h.t.Helper()
	if f, ok := c.await(d, func(f Frame) bool { return f.IsPush() && f.Topic == topic && f.Event == event }); ok {
		c.h.t.Fatalf("channeltest: unexpected push %s", f.Raw)
	}
}

// RefuteBroadcast fails the test if a broadcast of event on topic arrives within d.
func (c *Client) RefuteBroadcast(topic, event string, d time.Duration) {
	c.h.t.Helper()
	if f, ok := c.await(d, func(f Frame) bool { return f.IsBroadcast() && f.Topic == topic && f.Event == event }); ok {
		c.h.t.Fatalf("channeltest: unexpected broadcast %s", f.Raw)
	}
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Push is a client message waiting for its reply.
type Push struct {
	c     *Client
	topic string
	ref   string
}

// Ref returns the message's ref.
func (p *Push) Ref() string { return p.ref }

// Reply waits for the reply and returns its status ("ok" or "error") and response.
func (p *Push) Reply() (status string, response json.RawMessage) {
	p.c.h.t.Helper()
	f, ok := p.c.await(p.c.h.Timeout, p.isReply)
	if !ok {
		p.c.h.t.Fatalf("channeltest: no reply to ref %q on %q within %v; received:%s", p.ref, p.topic, p.c.h.Timeout, p.c.describe())
	}
	var r struct {
		Status   string          `json:"status"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(f.Payload, &r); err != nil {
		p.c.h.t.Fatalf("channeltest: bad reply %s: %v", f.Raw, err)
	}
	return r.Status, r.Response
}

func (p *Push) isReply(f Frame) bool {
	return f.Event == "phx_reply" && f.Topic == p.topic && f.Ref != nil && *f.Ref == p.ref
}

// AssertReply waits for the reply and checks its status and response (compared as JSON;
// response may be a value or JSON text).
func (p *Push) AssertReply(status string, response any) {
	p.c.h.t.Helper()
	gotStatus, got := p.Reply()
	want, err := encode(response)
	if err != nil {
		p.c.h.t.Fatalf("channeltest: encoding expected response: %v", err)
	}
	if gotStatus != status || !jsonEqual(got, want) {
		p.c.h.t.Fatalf("channeltest: reply to %q on %q = %s %s, want %s %s", p.ref, p.topic, gotStatus, got, status, want)
	}
}

// AssertReplyFunc waits for the reply and fails the test unless ok(status, response).
func (p *Push) AssertReplyFunc(ok func(status string, response json.RawMessage) bool) {
	p.c.h.t.Helper()
	status, resp := p.Reply()
	if !ok(status, resp) {
		p.c.h.t.Fatalf("channeltest: reply to %q on %q rejected by predicate: %s %s", p.ref, p.topic, status, resp)
	}
}

// RefuteReply fails the test if a reply arrives within d.
func (p *Push) RefuteReply(d time.Duration) {
	p.c.h.t.Helper()
	if f, ok := p.c.await(d, p.isReply); ok {
		p.c.h.t.Fatalf("channeltest: unexpected reply %s", f.Raw)
	}
}
