package live

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// Async is a value a view loads off its goroutine with LoadAsync, as LiveView's
// assign_async: a slow query, a call to another service. The view mounts and renders at
// once, showing the loading state; the value lands later, and the page renders again.
// Keep one in a field of the view and read its state in the template:
//
//	{{with .Stats}}{{if .Loading}}Loading…{{else if .Failed}}Could not load: {{.Err}}{{else}}{{.Value.Total}}{{end}}{{end}}
//
// Loading again, or failing, keeps the last Value (OK stays true), so a template may show it
// while the new one loads, or next to the error.
type Async[T any] struct {
	// Value is the last value loaded; the zero value before the first.
	Value T
	// Err is why the last load failed (a panic in the loader is one), or nil.
	Err     error
	loading bool
	ok      bool
}

// Loading reports whether a load is under way (and always during the disconnected
// render, where nothing is loaded).
func (a Async[T]) Loading() bool { return a.loading }

// OK reports whether a load has succeeded: Value holds the last result.
func (a Async[T]) OK() bool { return a.ok }

// Failed reports whether the last load failed: Err says why.
func (a Async[T]) Failed() bool { return !a.loading && a.Err != nil }

// maxAsync bounds the loads under way in one view.
const maxAsync = 16

// ErrTooManyAsync is the error of a LoadAsync beyond the loads one view may run at once.
var ErrTooManyAsync = fmt.Errorf("live: more than %d async loads at once in one view", maxAsync)

// ErrAsyncCancelled is the Err of a load that CancelAsync stopped.
var ErrAsyncCancelled = errors.New("live: async load cancelled")

// asyncTask is a load under way.
type asyncTask struct {
	cancel context.CancelFunc
}

// asyncDone carries a load's result to the view's goroutine.
type asyncDone struct {
	key   any
	task  *asyncTask
	apply func()
}

// LoadAsync sets dst to loading and runs load on a goroutine of its own; its result lands
// in dst on the view's goroutine, and the view renders again. load's context is cancelled
// when the view ends, when LoadAsync starts another load into dst, and by CancelAsync:
// load must then return (its result is dropped). A panic in load is recovered and makes
// dst Failed; the view goes on. During the disconnected render nothing runs and dst stays
// loading. A view runs at most 16 loads at once; beyond that dst fails with
// ErrTooManyAsync, which is also returned.
func LoadAsync[T any](s *Socket, dst *Async[T], load func(ctx context.Context) (T, error)) error {
	dst.loading, dst.Err = true, nil
	v := s.v
	if v == nil {
		return nil
	}
	r := v.rareFor()
	if old := r.tasks[dst]; old != nil {
		old.cancel()
		delete(r.tasks, dst)
	}
	if len(r.tasks) >= maxAsync {
		dst.loading, dst.Err = false, ErrTooManyAsync
		return ErrTooManyAsync
	}
	ctx, cancel := context.WithCancel(v.ch.Context())
	t := &asyncTask{cancel: cancel}
	if r.tasks == nil {
		r.tasks = make(map[any]*asyncTask)
	}
	r.tasks[dst] = t
	log, id := v.srv.log, v.id
	go func() {
		defer cancel()
		val, err := func() (val T, err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("live: async load panicked: %v", p)
					log.Error("live: async load panicked", "view", id, "panic", p, "stack", string(debug.Stack()))
				}
			}()
			return load(ctx)
		}()
		if ctx.Err() != nil {
			return
		}
		v.timers.after(0, asyncDone{key: dst, task: t, apply: func() {
			dst.loading = false
			if err != nil {
				dst.Err = err
				return
			}
			dst.ok, dst.Value, dst.Err = true, val, nil
		}}, false)
	}()
	return nil
}

// CancelAsync stops the load under way into dst, if any: dst fails with
// ErrAsyncCancelled.
func CancelAsync[T any](s *Socket, dst *Async[T]) {
	if s.v == nil || s.v.rare == nil {
		return
	}
	if t := s.v.rare.tasks[dst]; t != nil {
		t.cancel()
		delete(s.v.rare.tasks, dst)
		dst.loading, dst.Err = false, ErrAsyncCancelled
		s.v.markDirty()
	}
}

// asyncResult applies a load's result on the view's goroutine, unless the load was
// replaced or cancelled since.
func (v *viewProc) asyncResult(d asyncDone) bool {
	if v.rare == nil || v.rare.tasks[d.key] != d.task {
		return false
	}
	delete(v.rare.tasks, d.key)
	d.apply()
	return true
}

// cancelAsync stops every load of the view.
func (v *viewProc) cancelAsync() {
	if v.rare == nil {
		return
	}
	for k, t := range v.rare.tasks {
		t.cancel()
		delete(v.rare.tasks, k)
	}
}
