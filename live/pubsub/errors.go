package pubsub

import "errors"

// ErrInvalidPayload is returned when a raw JSON payload is not valid JSON.
var ErrInvalidPayload = errors.New("pubsub: payload is not valid JSON")

// ErrEmptyTopic is returned when a topic is "".
var ErrEmptyTopic = errors.New("pubsub: empty topic")

// ErrNilSubscriber is returned by Subscribe for a nil subscriber.
var ErrNilSubscriber = errors.New("pubsub: nil subscriber")
