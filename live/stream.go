package live

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/glint-go/glint/render"
)

// Stream is a list that the page shows and the server does not keep, as LiveView's
// streams: a feed, a chat, a log. Inserting an item queues it for the next render, which
// sends it to the browser and forgets it; the browser keeps the items in the stream's
// container. A view holds thousands of items on the page and none in memory.
//
// Make one in Mount, keep it in a field of the view, and range over it in the template,
// inside a container with phx-update="stream" and an id; each item's root element takes
// the item's DomID as its id:
//
//	<ul id="messages" phx-update="stream">
//	  {{range .Messages}}<li id="{{.DomID}}">{{.Item.Text}}</li>{{end}}
//	</ul>
//
// The range sees only the items inserted since the last render (StreamItem values). A
// Stream belongs to its view's goroutine, like the rest of the view's state.
type Stream[T any] struct {
	ref     string
	domID   func(T) string
	limit   int
	inserts []pendingInsert[T]
	deletes []string
	reset   bool
}

type pendingInsert[T any] struct {
	item       T
	id         string
	at         int
	updateOnly bool
}

// StreamItem is what a range over a Stream yields: the item and its DOM id.
type StreamItem[T any] struct {
	DomID string
	Item  T
}

// Key makes the items keyed in the rendered comprehension.
func (s StreamItem[T]) Key() string { return s.DomID }

// streamName is what a stream's name may be: it names the stream in the client's DOM.
var streamName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// NewStream returns an empty stream called name (letters, digits, '-' and '_'; unique in
// its view) whose items get their DOM ids from domID. It panics on a bad name or a nil
// domID, as a programming error.
func NewStream[T any](name string, domID func(T) string) *Stream[T] {
	if !streamName.MatchString(name) {
		panic(fmt.Sprintf("live: NewStream: bad name %q", name))
	}
	if domID == nil {
		panic(fmt.Sprintf("live: NewStream %q: nil domID", name))
	}
	return &Stream[T]{ref: name, domID: domID}
}

// ErrStreamLimit is returned by SetLimit for a limit of 0, which would keep no items.
var ErrStreamLimit = errors.New("live: a stream limit of 0 keeps nothing; use a positive limit (keep the first n), a negative one (keep the last n), or none")

// SetLimit caps how many items the browser keeps after each insert: n > 0 keeps the first
// n, n < 0 keeps the last -n (a feed that appends). NoLimit removes the cap.
func (s *Stream[T]) SetLimit(n int) error {
	if n == 0 {
		return ErrStreamLimit
	}
	s.limit = n
	return nil
}

// NoLimit removes the cap SetLimit set.
func (s *Stream[T]) NoLimit() { s.limit = 0 }

// Append inserts the items at the end, in order. An item already on the page (same DOM
// id) is updated where it is.
func (s *Stream[T]) Append(items ...T) {
	for _, it := range items {
		s.insert(it, -1, false)
	}
}

// Prepend inserts the items at the start: the last one given ends up first.
func (s *Stream[T]) Prepend(items ...T) {
	for _, it := range items {
		s.insert(it, 0, false)
	}
}

// InsertAt inserts item at index at (0 is the start; past the end appends).
func (s *Stream[T]) InsertAt(at int, item T) {
	if at < 0 {
		at = -1
	}
	s.insert(item, at, false)
}

// Update re-renders item where it is on the page; an item the page does not hold is not
// added.
func (s *Stream[T]) Update(item T) { s.insert(item, -1, true) }

// Delete removes item (by its DOM id) from the page. Deleting an item the page does not
// hold does nothing.
func (s *Stream[T]) Delete(item T) { s.DeleteID(s.domID(item)) }

// DeleteID removes the item with this DOM id from the page.
func (s *Stream[T]) DeleteID(domID string) {
	for i := range s.inserts {
		if s.inserts[i].id == domID {
			s.inserts = append(s.inserts[:i], s.inserts[i+1:]...)
			break
		}
	}
	s.deletes = append(s.deletes, domID)
}

// Reset removes every item from the page, then inserts items (appended, in order).
func (s *Stream[T]) Reset(items ...T) {
	s.inserts, s.deletes, s.reset = s.inserts[:0], s.deletes[:0], true
	s.Append(items...)
}

func (s *Stream[T]) insert(item T, at int, updateOnly bool) {
	s.inserts = append(s.inserts, pendingInsert[T]{item: item, id: s.domID(item), at: at, updateOnly: updateOnly})
}

// TakeStream hands the items inserted since the last render, and the other operations,
// to the render, and forgets them. A render calls it; a view does not need to.
func (s *Stream[T]) TakeStream() ([]any, *render.StreamOps) {
	ops := &render.StreamOps{Ref: s.ref, Deletes: s.deletes, Reset: s.reset}
	// An item inserted twice renders once, where and as it was inserted last.
	last := make(map[string]int, len(s.inserts))
	for i, in := range s.inserts {
		last[in.id] = i
	}
	items := make([]any, 0, len(last))
	for i, in := range s.inserts {
		if last[in.id] != i {
			continue
		}
		items = append(items, StreamItem[T]{DomID: in.id, Item: in.item})
		ops.Inserts = append(ops.Inserts, render.StreamInsert{DomID: in.id, At: in.at, Limit: s.limit, UpdateOnly: in.updateOnly})
	}
	if cap(s.inserts) > 64 {
		// A big batch (a first page of items) must not stay behind in the view.
		s.inserts = nil
	} else {
		clear(s.inserts)
		s.inserts = s.inserts[:0]
	}
	s.deletes, s.reset = nil, false
	return items, ops
}
