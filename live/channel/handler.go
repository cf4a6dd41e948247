package channel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/glint-go/glint/live/pubsub"
)

// Handler handles one joined topic. A new Handler is made (newHandler) for every join. Its
// methods are called one at a time, in mailbox order, never concurrently, as if on one
// goroutine owned by the channel; that goroutine exists only while the channel has work,
// so an idle channel costs no stack.
type Handler interface {
	// Join authorises the join. The reply is sent as {"status":"ok","response":reply}
	// (nil → {}). An error replies {"status":"error","response":{"reason":err.Error()}}
	// unless it is an *ErrorReply, whose Response is sent as is. A panic replies
	// {"reason":"join crashed"}.
	Join(ctx context.Context, c *Channel, payload json.RawMessage) (reply any, err error)
	// HandleIn handles a client event on the joined topic.
	HandleIn(ctx context.Context, c *Channel, event string, payload json.RawMessage) Reply
}

// BinaryHandler is implemented by handlers that accept binary pushes: frames in the Phoenix
// v2 serializer's binary layout, such as file upload chunks. payload is valid only until
// HandleBinary returns: its buffer is reused for the frames that follow. A binary push to a
// handler without HandleBinary gets the error reply {"reason":"binary payload not
// accepted"}.
type BinaryHandler interface {
	HandleBinary(ctx context.Context, c *Channel, event string, payload []byte) Reply
}

// InfoHandler is implemented by handlers that receive values given to Channel.Send and
// messages (*pubsub.Message) from extra subscriptions made with Channel.Subscribe.
type InfoHandler interface {
	HandleInfo(ctx context.Context, c *Channel, msg any)
}

// OutHandler is implemented by handlers that intercept broadcasts on their own topic.
// Broadcasts whose event is listed by Intercept go to HandleOut instead of straight to the
// socket; HandleOut may then Push whatever it wants. Intercept is called once, after Join.
type OutHandler interface {
	Intercept() []string
	HandleOut(ctx context.Context, c *Channel, msg *pubsub.Message)
}

// Terminator is implemented by handlers that want to know when their channel ends. It is
// always called once a join succeeded: on leave, socket close, crash, stop or shutdown.
// reason is nil after a normal leave or stop.
type Terminator interface {
	Terminate(ctx context.Context, c *Channel, reason error)
}

// Flusher is implemented by handlers that want to act once per burst of messages: Flush
// runs after the mailbox has been drained following one or more handled messages.
type Flusher interface {
	Flush(ctx context.Context, c *Channel)
}

// ErrorReply is a join error whose Response is sent to the client as is (instead of
// {"reason": err.Error()}).
type ErrorReply struct {
	Response any // the join reply's response, encoded to JSON (nil → {})
}

// Error implements error.
func (e *ErrorReply) Error() string {
	b, err := json.Marshal(e.Response)
	if err != nil {
		return fmt.Sprintf("channel: join refused: %v", e.Response)
	}
	return "channel: join refused: " + string(b)
}

// replyKind tells what a Reply sends.
type replyKind uint8

const (
	replyNone replyKind = iota
	replyOk
	replyError
)

// Reply is the outcome of HandleIn: ok or error with a response, or no reply; Stop makes
// it end the channel afterwards.
type Reply struct {
	kind     replyKind
	response any
	stop     bool
}

// Ok replies {"status":"ok","response":response}. response may be json.RawMessage or
// ValidJSON, or a *ValidJSON (sent as is); nil becomes {}.
func Ok(response any) Reply { return Reply{kind: replyOk, response: response} }

// Error replies {"status":"error","response":response}; nil becomes {}.
func Error(response any) Reply { return Reply{kind: replyError, response: response} }

// NoReply sends nothing; the client's push then times out unless the handler pushes.
func NoReply() Reply { return Reply{} }

// Stop returns r that also ends the channel normally: the reply (if any) is sent, then
// phx_close.
func (r Reply) Stop() Reply {
	r.stop = true
	return r
}
