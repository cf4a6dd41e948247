// Package live is Glint's runtime: the HTTP page handler for the first render, the
// WebSocket endpoint speaking Phoenix Channels v2, and one goroutine per connected view.
//
// A view is an ordinary Go struct. Its exported fields are the state and the template's
// dot; its methods handle the lifecycle:
//
//	type Counter struct{ Count int }
//
//	func (c *Counter) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }
//
//	func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
//		switch e.Name {
//		case "inc":
//			c.Count++
//		default:
//			return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
//		}
//		return nil
//	}
//
// A Server routes pages (Handle), answers the first GET with the disconnected render
// inside a layout, and serves the live socket under /live (/live/websocket) and the
// client script (/live/glint.js). Every connected view runs on its own goroutine (the
// channel's), so its methods never run concurrently; everything else (PubSub, timers,
// other goroutines through a Ref) reaches the view by message.
//
// After each handled event or message the view is rendered again and only the changed
// parts travel (package diff). A burst of queued messages is handled first and rendered
// once, at the latest a few milliseconds after the first of them.
//
// Components. Socket.Component mounts a stateful component (its own state, template and
// events, addressed by a cid). A component that leaves the page is destroyed when the
// client confirms it (cids_will_destroy, then cids_destroyed), unless a render shows it
// again in between; shown again after that, it is mounted afresh under a new cid, as in
// LiveView.
//
// Nested views. Server.HandleNested registers a page by name, and Socket.LiveRender
// renders it inside another view: a live view of its own (goroutine, topic, events,
// crashes) that the client joins once its parent has. Sticky ones survive live
// navigation between pages that render them. Socket.Parent and Socket.Child reach a
// view's parent and children.
//
// Streams and async loads. A Stream is a list the page shows and the server does not keep
// (LiveView's streams); LoadAsync loads an Async value off the view's goroutine.
//
// Presence. Socket.Track makes a connected view a presence of package live/presence (who is
// on a page, across nodes); the presence ends with the view, and tracking again updates its
// meta in place.
//
// Hooks. Server.OnMount adds hooks that run before the Mount of every view of a session
// group (Page.Group), on both renders: they can share state with the views, halt with a
// redirect or fail with a status, and attach hooks that run before the view's handlers
// (Socket.OnEvent, OnInfo, OnParams), which may handle a message themselves and Halt it.
//
// Connect params and info. A connected view reads its socket's URL params
// (Socket.ConnectParams: the client's params, such as a time zone) and what the upgrade
// request said (Socket.ConnectInfo: addresses, and the headers Options.Channel.KeepHeaders
// keeps). Both are nil during the disconnected render.
//
// Flash. Socket.PutFlash stores a flash message; a view embedding Flash shows it, and a
// click on phx-click="lv:clear-flash" (phx-value-key names the kind) clears it without
// reaching the application: lv: events are the runtime's.
//
// Errors and crashes. An error returned by a handler is logged and the client still gets
// an ok reply (an error reply would leave its elements locked); Options.OnError, when set,
// decides what the user sees of it (a flash, for example), in the same render. A panic in
// Mount or a handler is recovered and logged with its stack; the view's channel ends with
// phx_error, the client rejoins and the view is mounted afresh. Rejoins of a view that
// keeps crashing are answered ever later (100 ms doubling, up to 5 s), so a crash loop
// never spins. Other views are not affected.
//
// Security. The container carries a session token signed with Options.Secret (package
// live/token) binding the view id, its page and session group, and the user session data
// from Options.Session; joins with a tampered, expired or foreign token answer "stale"
// and the client reloads the page. When the session carries user data, the socket must
// present the CSRF token of the page's meta tag, tied to an HttpOnly cookie. Everything
// from the client is bounded and checked: URLs, forms, value objects, cid lists, tokens.
//
// Metrics (Server.Metrics, or Options.MetricsPath) are the socket layer's plus
// glint_live_views, glint_live_joins_total, glint_live_events_total,
// glint_live_renders_total and glint_live_crashes_total.
package live
