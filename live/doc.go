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
// once.
package live
