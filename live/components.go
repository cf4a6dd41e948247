package live

import (
	"context"
	"errors"
	"fmt"

	"github.com/glint-go/glint/diff"
	"github.com/glint-go/glint/render"
)

// maxComponents bounds the components of one view.
const maxComponents = 10000

// componentSet holds a view's mounted components by id and by cid.
type componentSet struct {
	byID  map[string]*compEntry
	byCID map[int]*compEntry
	next  int
}

type compEntry struct {
	id    string
	cid   int
	c     Component
	dying bool // announced by cids_will_destroy and not rendered since
}

func newComponentSet() *componentSet {
	return &componentSet{byID: make(map[string]*compEntry), byCID: make(map[int]*compEntry)}
}

// get returns the cid of component id, mounting it with newC first if needed.
func (cs *componentSet) get(s *Socket, id string, newC func() Component) (render.ComponentRef, error) {
	if e, ok := cs.byID[id]; ok {
		return render.ComponentRef(e.cid), nil
	}
	if len(cs.byID) >= maxComponents {
		return 0, fmt.Errorf("live: component %q: a view holds at most %d components", id, maxComponents)
	}
	if newC == nil {
		return 0, fmt.Errorf("live: component %q: nil constructor", id)
	}
	c := newC()
	if c == nil {
		return 0, fmt.Errorf("live: component %q: constructor returned nil", id)
	}
	if c.Template() == nil {
		return 0, fmt.Errorf("live: component %q (%T) has no template", id, c)
	}
	cs.next++
	b := c.base()
	b.Myself = cs.next
	b.id = id
	if m, ok := c.(ComponentMounter); ok {
		if err := m.Mount(s.context(), s); err != nil {
			cs.next--
			return 0, fmt.Errorf("live: mount component %q: %w", id, err)
		}
	}
	e := &compEntry{id: id, cid: cs.next, c: c}
	cs.byID[id] = e
	cs.byCID[e.cid] = e
	return render.ComponentRef(e.cid), nil
}

// remove deletes the component with cid.
func (cs *componentSet) remove(cid int) {
	if e, ok := cs.byCID[cid]; ok {
		delete(cs.byCID, cid)
		delete(cs.byID, e.id)
	}
}

// errNoView is returned when a view's render is attempted before it exists.
var errNoView = errors.New("live: no view")

// renderAll executes the view's template and the templates of every component the tree
// reaches (transitively). The components rendered are returned by cid.
func renderAll(tmpl *render.Template, view any, cs *componentSet) (*render.Rendered, diff.Components, error) {
	if view == nil {
		return nil, nil, errNoView
	}
	tree, err := tmpl.Execute(view)
	if err != nil {
		return nil, nil, fmt.Errorf("live: render %T: %w", view, err)
	}
	var comps diff.Components
	var visiting map[int]bool
	var walk func(t *render.Rendered) error
	var walkDyn func(ds []render.Dynamic) error
	walkDyn = func(ds []render.Dynamic) error {
		for i := range ds {
			d := &ds[i]
			switch d.Kind {
			case render.KindTree:
				if err := walk(d.Tree); err != nil {
					return err
				}
			case render.KindComprehension:
				if d.Comp == nil {
					continue
				}
				for _, e := range d.Comp.Entries {
					if err := walkDyn(e); err != nil {
						return err
					}
				}
			case render.KindComponent:
				if visiting[d.CID] {
					return fmt.Errorf("live: render %T: component %d renders itself", view, d.CID)
				}
				if _, done := comps[d.CID]; done {
					continue
				}
				e := cs.byCID[d.CID]
				if e == nil {
					return fmt.Errorf("live: render %T: component %d is not mounted (use Socket.Component)", view, d.CID)
				}
				ct, err := e.c.Template().Execute(e.c)
				if err != nil {
					return fmt.Errorf("live: render component %q (%T): %w", e.id, e.c, err)
				}
				if comps == nil {
					comps = make(diff.Components)
					visiting = make(map[int]bool)
				}
				comps[d.CID] = ct
				e.dying = false
				visiting[d.CID] = true
				if err := walk(ct); err != nil {
					return err
				}
				delete(visiting, d.CID)
			}
		}
		return nil
	}
	walk = func(t *render.Rendered) error {
		if t == nil {
			return nil
		}
		return walkDyn(t.Dynamics)
	}
	if err := walk(tree); err != nil {
		return nil, nil, err
	}
	return tree, comps, nil
}

// ctxKey is the type of context keys private to this package.
type ctxKey int

// context returns the context of the handler being run.
func (s *Socket) context() context.Context {
	if s.ctx != nil {
		return s.ctx
	}
	return context.Background()
}
