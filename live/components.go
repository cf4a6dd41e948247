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
	gone  *goneSet // destroyed components, made on the first destroy
	// pass numbers the renders; hits lists the cids of the Memoizer components whose last
	// tree the current pass reused (they are not in its diff.Components).
	pass uint32
	hits []int
	// mounting is the cid of the component whose Mount is running, or 0: an upload it
	// allows is its own (AllowUpload).
	mounting int
}

type compEntry struct {
	id    string
	cid   int
	c     Component
	newC  func() Component // what mounted it, to mount it afresh after a destroy
	dying bool             // announced by cids_will_destroy and not rendered since
	memo  *memo            // a Memoizer's last render, or nil
	pass  uint32           // the last render pass that rendered it
	inner bool             // being walked: rendering it again is a cycle
}

// memo is a Memoizer component's last render: its tree and key, and whether an event or
// an Update touched the component since.
type memo struct {
	tree    *render.Rendered
	key     any
	touched bool
}

// sameKey compares memo keys; a key that is not comparable never matches.
func sameKey(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// touch marks a component as changed by an event or an Update.
func (e *compEntry) touch() {
	if e.memo != nil {
		e.memo.touched = true
	}
}

// goneSet remembers the components the client destroyed, by their old cid: a view may
// still hold the reference (a field set in Mount, shown again by an {{if}}), and rendering
// it mounts the component afresh under a new cid, as LiveView mounts a component that
// comes back to the page.
type goneSet struct {
	byCID map[int]goneComp
	order []int // cids in the order they were destroyed, the oldest first
}

type goneComp struct {
	id   string
	newC func() Component
}

// maxGone bounds the destroyed components a view remembers; the oldest are forgotten
// first, and rendering a forgotten reference is an error, as a reference that was never
// mounted is.
const maxGone = maxComponents

// newComponentSet returns an empty set; its maps are made by the first mount, so that a
// view without components holds none.
func newComponentSet() *componentSet { return &componentSet{} }

// get returns the cid of component id, mounting it with newC first if needed.
func (cs *componentSet) get(s *Socket, id string, newC func() Component) (render.ComponentRef, error) {
	if e, ok := cs.byID[id]; ok {
		return render.ComponentRef(e.cid), nil
	}
	e, err := cs.mount(s, id, newC)
	if err != nil {
		return 0, err
	}
	return render.ComponentRef(e.cid), nil
}

// mount makes component id with newC, gives it the next cid and runs its Mount.
func (cs *componentSet) mount(s *Socket, id string, newC func() Component) (*compEntry, error) {
	if len(cs.byID) >= maxComponents {
		return nil, fmt.Errorf("live: component %q: a view holds at most %d components", id, maxComponents)
	}
	if newC == nil {
		return nil, fmt.Errorf("live: component %q: nil constructor", id)
	}
	c := newC()
	if c == nil {
		return nil, fmt.Errorf("live: component %q: constructor returned nil", id)
	}
	if c.Template() == nil {
		return nil, fmt.Errorf("live: component %q (%T) has no template", id, c)
	}
	cs.next++
	b := c.base()
	b.Myself = cs.next
	b.id = id
	if m, ok := c.(ComponentMounter); ok {
		cs.mounting = cs.next
		err := m.Mount(s.context(), s)
		cs.mounting = 0
		if err != nil {
			cs.next--
			return nil, fmt.Errorf("live: mount component %q: %w", id, err)
		}
	}
	e := &compEntry{id: id, cid: cs.next, c: c, newC: newC}
	if cs.byID == nil {
		cs.byID = make(map[string]*compEntry)
		cs.byCID = make(map[int]*compEntry)
	}
	cs.byID[id] = e
	cs.byCID[e.cid] = e
	return e, nil
}

// remove deletes the component with cid, remembering it as gone.
func (cs *componentSet) remove(cid int) {
	e, ok := cs.byCID[cid]
	if !ok {
		return
	}
	delete(cs.byCID, cid)
	delete(cs.byID, e.id)
	g := cs.gone
	if g == nil {
		g = &goneSet{byCID: make(map[int]goneComp)}
		cs.gone = g
	}
	if len(g.order) >= maxGone {
		delete(g.byCID, g.order[0])
		g.order = g.order[1:]
	}
	g.byCID[cid] = goneComp{id: e.id, newC: e.newC}
	g.order = append(g.order, cid)
}

// resolve returns the component that a rendered reference to cid stands for: the mounted
// component with that cid or, when the client destroyed it, the component mounted under
// its id now, which is mounted afresh (with a new cid) if there is none.
func (cs *componentSet) resolve(s *Socket, cid int) (*compEntry, error) {
	if e := cs.byCID[cid]; e != nil {
		return e, nil
	}
	if cs.gone != nil {
		if g, ok := cs.gone.byCID[cid]; ok {
			if e := cs.byID[g.id]; e != nil {
				return e, nil
			}
			return cs.remount(s, g)
		}
	}
	return nil, fmt.Errorf("component %d is not mounted (use Socket.Component)", cid)
}

// remount mounts a destroyed component afresh; a panic in its Mount is an error, as the
// render it happens in has no other way to report it.
func (cs *componentSet) remount(s *Socket, g goneComp) (e *compEntry, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("live: mount component %q: panic: %v", g.id, r)
		}
	}()
	return cs.mount(s, g.id, g.newC)
}

// errNoView is returned when a view's render is attempted before it exists.
var errNoView = errors.New("live: no view")

// renderAll executes the view's template and the templates of every component the tree
// reaches (transitively). The components rendered are returned by cid. A reference to a
// component the client destroyed renders the component mounted afresh (see resolve); the
// tree then holds the new cid.
func renderAll(s *Socket, tmpl *render.Template, view any, cs *componentSet) (*render.Rendered, diff.Components, error) {
	if view == nil {
		return nil, nil, errNoView
	}
	if fs, ok := view.(FlashSetter); ok {
		fs.SetFlash(s.flash(false))
	}
	tree, err := tmpl.Execute(view)
	if err != nil {
		return nil, nil, fmt.Errorf("live: render %T: %w", view, err)
	}
	var comps diff.Components
	cs.pass++
	cs.hits = cs.hits[:0]
	var walk func(t *render.Rendered) error
	var walkDyn func(ds []render.Dynamic) error
	walkDyn = func(ds []render.Dynamic) error {
		for i := range ds {
			d := &ds[i]
			switch d.Kind {
			case render.KindTree:
				if d.Shared() {
					continue // a Snapshot's tree: render refuses components in it
				}
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
				e, err := cs.resolve(s, d.CID)
				if err != nil {
					return fmt.Errorf("live: render %T: %w", view, err)
				}
				d.CID = e.cid
				if e.inner {
					return fmt.Errorf("live: render %T: component %d renders itself", view, d.CID)
				}
				if e.pass == cs.pass {
					continue
				}
				e.pass = cs.pass
				if s.srv.dev != nil {
					s.srv.watch(e.c.Template())
				}
				var ct *render.Rendered
				var key any
				m, memoized := e.c.(Memoizer)
				if memoized {
					key = m.MemoKey()
					if e.memo != nil && !e.memo.touched && e.memo.tree != nil && sameKey(e.memo.key, key) {
						ct = e.memo.tree
						cs.hits = append(cs.hits, e.cid)
					}
				}
				if ct == nil {
					var err error
					if ct, err = e.c.Template().Execute(e.c); err != nil {
						return fmt.Errorf("live: render component %q (%T): %w", e.id, e.c, err)
					}
					if memoized {
						e.memo = &memo{tree: ct, key: key}
					}
					if comps == nil {
						comps = make(diff.Components)
					}
					comps[d.CID] = ct
				}
				e.dying = false
				e.inner = true
				err = walk(ct)
				e.inner = false
				if err != nil {
					return err
				}
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
