package live

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// errCrashed marks a handler that panicked; the view has been stopped with phx_error.
var errCrashed = errors.New("live: view crashed")

// safely runs f, recovering a panic: the panic is logged with its stack, counted for the
// rejoin backoff, and the view's channel is stopped with an error (the client gets
// phx_error and rejoins, which remounts the view). It then returns an error wrapping
// errCrashed.
func (v *viewProc) safely(ctx context.Context, what string, f func() error) (err error) {
	return v.safelyNamed(ctx, what, "", f)
}

// safelyNamed is safely for what is called name (an event's name): the two are joined
// only if f panics.
func (v *viewProc) safelyNamed(ctx context.Context, what, name string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if name != "" {
				what += " " + name
			}
			err = fmt.Errorf("%w: panic in %s: %v", errCrashed, what, r)
			v.crash(err, string(debug.Stack()))
		}
	}()
	return f()
}

// crash logs err, records it for the backoff and stops the channel abnormally.
func (v *viewProc) crash(err error, stack string) {
	v.srv.metrics.crashes.Add(1)
	v.srv.crashes.record(v.key())
	attrs := []any{"view", v.id, "err", err}
	if v.route != nil {
		attrs = append(attrs, "page", v.route.pattern)
	}
	if stack != "" {
		attrs = append(attrs, "stack", stack)
	}
	v.srv.log.Error("live: view crashed", attrs...)
	if v.timers != nil {
		v.timers.stop()
	}
	if v.joined && v.ch != nil {
		v.ch.Stop(err)
	}
}
