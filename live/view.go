package live

import (
	"context"
	"errors"
	"net/url"
)

// View is a live view: an ordinary struct whose exported fields are the template's dot.
// Mount runs twice per page: once for the disconnected HTTP render (s.Connected() is
// false) and once on the view's own goroutine when the client joins (s.Connected() is
// true). Subscriptions and timers belong in the connected mount.
type View interface {
	Mount(ctx context.Context, s *Socket, p Params) error
}

// EventHandler is implemented by views (and components) that handle client events
// (phx-click, phx-submit, phx-change, phx-keydown, hooks' pushEvent, …). An error is
// logged and the client still gets an ok reply, so the view keeps running.
type EventHandler interface {
	HandleEvent(ctx context.Context, s *Socket, e Event) error
}

// InfoHandler is implemented by views that receive messages: values sent with
// Socket.Send, SendAfter, Every or Ref.Send, and PubSub broadcasts on subscribed topics,
// which arrive as *pubsub.Message.
type InfoHandler interface {
	HandleInfo(ctx context.Context, s *Socket, msg any) error
}

// ParamsHandler is implemented by views that react to their URL. HandleParams runs after
// every Mount, and on every live patch (a patch link, or Socket.PushPatch). s.URL() is the
// new URL.
type ParamsHandler interface {
	HandleParams(ctx context.Context, s *Socket, p Params) error
}

// Terminator is implemented by views that need cleanup when the connected view ends
// (leave, socket close, crash or shutdown). reason is nil on a normal end.
type Terminator interface {
	Terminate(ctx context.Context, s *Socket, reason error)
}

// Params are the URL's query parameters, overlaid with the route pattern's path
// wildcards (for a pattern "/items/{id}", p.Get("id")).
type Params = url.Values

// ErrUnknownEvent is the error to wrap when a view receives an event it does not know.
// The runtime logs it and replies ok with no diff.
var ErrUnknownEvent = errors.New("live: unknown event")
