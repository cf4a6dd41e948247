package live

import (
	"context"
	"errors"
	"fmt"
)

// MountHook runs before the Mount of every view of a session group (Server.OnMount), on
// the disconnected render and again on the connected one, as LiveView's on_mount hooks of
// a live_session do. It gets the view just made by Page.New, not yet mounted.
//
// A hook shares state with the views by type-asserting v to an interface of the
// application's own, typically implemented by a struct the views embed:
//
//	type CurrentUser struct{ User *User }
//
//	func (c *CurrentUser) SetUser(u *User) { c.User = u }
//
//	if cu, ok := v.(interface{ SetUser(*User) }); ok {
//		cu.SetUser(u)
//	}
//
// A hook halts the mount by redirecting (s.Redirect or s.PushNavigate): the hooks after it
// and the view's Mount do not run, the first GET is answered with a redirect and a join
// with a redirect reply. An error fails the mount as an error from Mount does (a
// *StatusError sets the HTTP status). A hook may also attach event, info and params hooks
// to the view with Socket.OnEvent, OnInfo and OnParams.
type MountHook func(ctx context.Context, s *Socket, v View, p Params) error

// EventHook runs before a connected view's HandleEvent (Socket.OnEvent). Return nil to let
// the event go on to the next hook and the view, Halt to stop it there (the view then
// renders and the client gets its ok reply), or an error, which stops it too and is
// handled as a handler's error (logged, and given to Options.OnError).
type EventHook func(ctx context.Context, s *Socket, e Event) error

// InfoHook runs before a connected view's HandleInfo for every message (Socket.OnInfo),
// whether or not the view implements InfoHandler. Its results are those of an EventHook.
type InfoHook func(ctx context.Context, s *Socket, msg any) error

// ParamsHook runs before the view's HandleParams (Socket.OnParams): after Mount on both
// renders, and on every live patch, whether or not the view implements ParamsHandler. Its
// results are those of an EventHook; during the disconnected render an error fails the
// GET as HandleParams's does.
type ParamsHook func(ctx context.Context, s *Socket, p Params) error

// Halt, returned by an EventHook, InfoHook or ParamsHook, stops the event, message or
// params there: the hooks after it and the view's handler do not run. It is not an error
// and is not logged.
var Halt = errors.New("live: halt")

// maxHooks bounds the hooks of each kind one view may attach; attaching more is logged
// and ignored, so that a view attaching in a handler cannot grow without bound.
const maxHooks = 64

// OnMount adds hooks to run, in the order added, before the Mount of every view whose
// Page.Group is group ("" is the default group), on both renders. Hooks added later apply
// to the mounts that start afterwards; add them before serving.
func (s *Server) OnMount(group string, hooks ...MountHook) {
	for _, h := range hooks {
		if h == nil {
			panic(fmt.Sprintf("live: OnMount %q: nil hook", group))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mountHooks == nil {
		s.mountHooks = make(map[string][]MountHook)
	}
	s.mountHooks[group] = append(s.mountHooks[group], hooks...)
}

// viewRare is the state few views have, held behind one pointer so that an ordinary view
// stays within its allocation size class: the hooks it attached, and where it sits among
// nested views.
type viewRare struct {
	event  []EventHook
	info   []InfoHook
	params []ParamsHook
	nest   nesting
	tasks  map[any]*asyncTask // LoadAsync's loads under way, by destination
	// uploads are the uploads allowed with AllowUpload, by ref.
	uploads map[string]*Upload
}

// OnEvent attaches h to the connected view: it runs before HandleEvent for every event
// that targets the view (not its components, and not the reserved lv: events), after the
// hooks attached before it. During the disconnected render it does nothing, as no event
// can arrive there.
func (s *Socket) OnEvent(h EventHook) {
	if s.v != nil && h != nil {
		attachHook(s, &s.v.rareFor().event, h, "event")
	}
}

// OnInfo attaches h to the connected view: it runs before HandleInfo for every message the
// view receives (Send, timers, PubSub broadcasts), after the hooks attached before it.
// During the disconnected render it does nothing.
func (s *Socket) OnInfo(h InfoHook) {
	if s.v != nil && h != nil {
		attachHook(s, &s.v.rareFor().info, h, "info")
	}
}

// OnParams attaches h to the view: it runs before HandleParams, after the hooks attached
// before it. Attached in a MountHook or in Mount, it sees the mount's params, on both
// renders; then every live patch.
func (s *Socket) OnParams(h ParamsHook) {
	if h == nil {
		return
	}
	if s.v != nil {
		attachHook(s, &s.v.rareFor().params, h, "params")
	} else {
		attachHook(s, &s.d.params, h, "params")
	}
}

// attachHook appends h to hooks unless maxHooks are attached already, which it logs.
func attachHook[H any](s *Socket, hooks *[]H, h H, kind string) {
	if len(*hooks) >= maxHooks {
		s.srv.log.Error("live: too many "+kind+" hooks; ignored", "view", s.ID(), "max", maxHooks)
		return
	}
	*hooks = append(*hooks, h)
}

func (v *viewProc) rareFor() *viewRare {
	if v.rare == nil {
		v.rare = &viewRare{}
	}
	return v.rare
}

// runMountHooks runs the OnMount hooks of group for view. It reports whether a hook
// halted the mount with a redirect (redirected tells).
func (s *Server) runMountHooks(ctx context.Context, group string, sock *Socket, view View, p Params, redirected func() bool) (halted bool, err error) {
	s.mu.RLock()
	hooks := s.mountHooks[group]
	s.mu.RUnlock()
	for _, h := range hooks {
		err := h(ctx, sock, view, p)
		if redirected() && (err == nil || errors.Is(err, Halt)) {
			return true, nil
		}
		if errors.Is(err, Halt) {
			return false, fmt.Errorf("live: a mount hook of group %q returned Halt without redirecting", group)
		}
		if err != nil {
			return false, fmt.Errorf("live: mount hook of group %q: %w", group, err)
		}
	}
	return false, nil
}

// runHooks runs hooks on x in order. It reports whether one of them stopped x (Halt or an
// error); the error is returned, Halt is not.
func runHooks[H ~func(context.Context, *Socket, X) error, X any](ctx context.Context, s *Socket, hooks []H, x X) (stopped bool, err error) {
	for _, h := range hooks {
		if err := h(ctx, s, x); err != nil {
			if errors.Is(err, Halt) {
				return true, nil
			}
			return true, err
		}
	}
	return false, nil
}
