package pubsub

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/glint-go/glint/internal/jsonenc"
)

// Message is one broadcast as a subscriber receives it. Payload holds the JSON encoding of
// the broadcast value, made once per broadcast and shared by every subscriber: subscribers
// must not modify it.
type Message struct {
	Topic   string          // the topic it was broadcast on
	Event   string          // the event name
	Payload json.RawMessage // the JSON payload, shared: do not modify
	// From is the id of the sender given to BroadcastFrom ("" for Broadcast). A subscriber
	// whose ID equals From does not receive the message.
	From string

	once    sync.Once
	encoded []byte
}

// Decode unmarshals the payload into v.
func (m *Message) Decode(v any) error { return json.Unmarshal(m.Payload, v) }

// Encoded returns encode(m), computing it only once per message however many subscribers
// ask for it. It lets every subscriber that forwards the message in the same wire form
// (for example a channel frame) share one encoding. The result must not be modified.
func (m *Message) Encoded(encode func(*Message) []byte) []byte {
	m.once.Do(func() { m.encoded = encode(m) })
	return m.encoded
}

// Subscriber receives messages. Deliver is called from the publisher's goroutine (for a
// topic with thousands of subscribers, from goroutines the publisher waits for) and must
// not block: a subscriber with a full mailbox drops the message (delivery is at-most-once).
// Subscribers are compared with == (Local keys them in a map), so implementations must be
// comparable; pointers are. Deliver must not call Subscribe or Unsubscribe on the same
// PubSub synchronously (Local holds the topic's lock while delivering).
type Subscriber interface {
	// ID identifies the subscriber for BroadcastFrom. It may be "" for anonymous subscribers.
	ID() string
	Deliver(msg *Message)
}

// PubSub carries broadcasts between publishers and subscribers of a topic. Delivery is
// at-most-once: a message can be lost when a subscriber's mailbox is full or, for
// distributed adapters, when the network fails. Implementations are safe for concurrent use.
type PubSub interface {
	// Subscribe registers sub on topic. Subscribing the same subscriber twice to one topic
	// is a no-op.
	Subscribe(topic string, sub Subscriber) error
	// Unsubscribe removes sub from topic. Unknown pairs are ignored.
	Unsubscribe(topic string, sub Subscriber)
	// Broadcast encodes payload once (json.RawMessage is used as is) and delivers it to
	// every subscriber of topic, on every node.
	Broadcast(ctx context.Context, topic, event string, payload any) error
	// BroadcastFrom is Broadcast, but skips the subscriber whose ID is from, on every node.
	BroadcastFrom(ctx context.Context, from, topic, event string, payload any) error
	// LocalBroadcast delivers only to this node's subscribers.
	LocalBroadcast(ctx context.Context, topic, event string, payload any) error
}

// EncodePayload returns the JSON encoding of payload as a broadcast carries it:
// json.RawMessage and []byte holding JSON are used as is (after a validity check), nil
// becomes {}, anything else goes through encoding/json. Adapters use it so that every
// implementation encodes the same way.
func EncodePayload(payload any) (json.RawMessage, error) {
	switch p := payload.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		if !jsonenc.Valid(p) {
			return nil, ErrInvalidPayload
		}
		return p, nil
	case []byte:
		if !jsonenc.Valid(p) {
			return nil, ErrInvalidPayload
		}
		return p, nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return b, nil
}
