package live

import (
	"context"

	"github.com/glint-go/glint/render"
)

// Component is a stateful part of a view: a struct with its own state, template and
// event handlers, mounted with Socket.Component under an id unique in the view. Its
// template's dot is the component; it must render exactly one root element. Embed
// ComponentBase to satisfy the interface and to get .Myself for phx-target:
//
//	type Card struct {
//		live.ComponentBase
//		Title string
//		Likes int
//	}
//
//	func (c *Card) Template() *render.Template { return cardTmpl }
//
// with cardTmpl holding
//
//	<div class="card"><button phx-click="like" phx-target="{{.Myself}}">+ {{.Likes}}</button></div>
//
// A component may implement EventHandler (events whose phx-target is the component), and
// Updater (SendUpdate). Its methods run on the view's goroutine and get the view's Socket.
//
// A component lives while the page shows it: when its element leaves the page and the
// client destroys it, its state is gone, and rendering its reference again mounts a fresh
// one under a new cid (see Socket.Component).
type Component interface {
	// Template returns the compiled template that renders the component.
	Template() *render.Template
	base() *ComponentBase
}

// ComponentBase is embedded in every component struct.
type ComponentBase struct {
	// Myself is the component's cid; render it as phx-target="{{.Myself}}" so that the
	// element's events go to the component. It is a plain int, not a
	// render.ComponentRef, so that rendering it never embeds the component in itself.
	Myself int
	id     string
}

// ComponentID returns the id the component was mounted with.
func (b *ComponentBase) ComponentID() string { return b.id }

func (b *ComponentBase) base() *ComponentBase { return b }

// Updater is implemented by components that accept values sent with SendUpdate.
type Updater interface {
	Update(ctx context.Context, s *Socket, values any) error
}

// ComponentMounter is implemented by components that need setup when mounted: the first
// time their id is seen, and again when they come back to the page after the client
// destroyed them.
type ComponentMounter interface {
	Mount(ctx context.Context, s *Socket) error
}

// Memoizer is implemented by components whose render depends only on what MemoKey returns:
// the runtime then executes the component's template again only when the key changed
// (compared with ==), when an event targeted the component or Update ran, or when it was
// just mounted; otherwise the component's last rendered tree is reused, which costs almost
// nothing. A page of many components (a table of 200 rows, say) then renders in the time of
// the few that changed. The key must be comparable and capture everything the template
// reads (a copy of the struct, return *c, is the simplest when its fields are comparable);
// a key that leaves something out shows stale content. A component holding a Stream must
// change its key when items are inserted or deleted from outside its own handlers (the
// stream's pointer stays the same): a revision counter does.
type Memoizer interface {
	MemoKey() any
}
