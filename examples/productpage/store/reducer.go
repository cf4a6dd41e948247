package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrFenced reports a reducer write the store refused because the reducer is no longer the
// one the caller named: it was stopped or started again since, or another node took the
// lead. The caller reads the state again (ReducerState) before going on.
var ErrFenced = errors.New("reducer fenced")

// ReducerState is the reducer as the store keeps it for the whole cluster: what the admin
// last asked for, the sales of the current (or last) run, and the two counters that fence
// the writes of an outdated reducer.
type ReducerState struct {
	Running bool          // the admin started it and it has not finished or been stopped
	PerTick int           // sales per tick
	Tick    time.Duration // interval between ticks
	Sales   int64         // sales of the current or last run, counted with each sale
	Run     int64         // bumped by every start and stop (StartReducer, StopReducer)
	Leader  int64         // bumped by every new leader (ClaimReducer)
}

// errStoreClosed reports a store used after Close.
var errStoreClosed = errors.New("store closed")

// ErrLeadLost reports a lead (Lease) that is no longer held.
var ErrLeadLost = errors.New("reducer lead lost")

// Lease is the lead of the reducer, which one node of the cluster holds at a time (see
// ReducerStore.TryLeadReducer). It holds no goroutine: the holder checks it.
type Lease interface {
	// Check reports an error wrapping ErrLeadLost when the lead is no longer held: the
	// connection that held it broke (another node may lead by now), or it was released,
	// or its store closed.
	Check(ctx context.Context) error
	// Release gives the lead up, so that another node can take it at once. It is safe to
	// call more than once. Closing the store releases its leases too.
	Release()
}

// ReducerStore keeps the reducer's state for every node sharing the database, and elects
// the one node that runs it.
//
// A leader, once TryLeadReducer granted it the lead, calls ClaimReducer, then sells with
// ReducerSell naming the Run and Leader it read. The store refuses such a sale with
// ErrFenced once the run is no longer current or running, or once another leader claimed:
// a node that lost the lead without noticing yet, or a run the admin replaced, sells
// nothing more. Every sale bumps Sales in the same transaction, so Sales always equals
// what the run sold, whatever failed in between.
type ReducerStore interface {
	// TryLeadReducer tries to take the lead of the reducer for the caller. It returns
	// nil (and no error) when another node holds it. On PostgreSQL the lead is a
	// session-level advisory lock held by a dedicated connection; on SQLite, whose file
	// only one process uses, it is held within the process.
	TryLeadReducer(ctx context.Context) (Lease, error)
	// ClaimReducer records a new leader (Leader+1, which fences the previous one) and
	// returns the state. Only the holder of the lead calls it.
	ClaimReducer(ctx context.Context) (ReducerState, error)
	// ReducerState returns the reducer's state.
	ReducerState(ctx context.Context) (ReducerState, error)
	// StartReducer starts a new run (Run+1, Sales 0) at the given pace and marks it
	// running. Any node may call it; the leader picks it up.
	StartReducer(ctx context.Context, perTick int, tick time.Duration) (ReducerState, error)
	// StopReducer marks the reducer stopped (Run+1, Sales kept). It reports whether it
	// was running.
	StopReducer(ctx context.Context) (wasRunning bool, st ReducerState, err error)
	// ReducerSell sells one unit of an item for the reducer run and leader named, and
	// counts the sale, in one transaction. It returns the item's stock after the sale and
	// the run's sales. It fails with ErrFenced when the run is not current and running or
	// another leader claimed since, and otherwise like Store.Sell (ErrNotAvailable with
	// the stock that refused the sale, ErrNotFound).
	ReducerSell(ctx context.Context, itemID, run, leader int64) (Stock, int64, error)
	// FinishReducer marks the run stopped, as the reducer does when everything is sold
	// out, unless it is no longer current (ErrFenced).
	FinishReducer(ctx context.Context, run, leader int64) error
}

// reducerLockClass is the first key of the two-key advisory lock that elects the reducer's
// leader on PostgreSQL; the second is a hash of the schema, so that databases in different
// schemas elect their own.
const reducerLockClass int32 = 0x676c72 // "glr"

// tickMicros stores a tick in microseconds.
func tickMicros(d time.Duration) int64 { return d.Microseconds() }

// leaseSet tracks the leases a store granted, so that closing the store releases them.
type leaseSet struct {
	mu     sync.Mutex
	closed bool
	held   map[Lease]struct{}
}

// add records l. It reports false when the store is closed.
func (ls *leaseSet) add(l Lease) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return false
	}
	if ls.held == nil {
		ls.held = map[Lease]struct{}{}
	}
	ls.held[l] = struct{}{}
	return true
}

func (ls *leaseSet) remove(l Lease) {
	ls.mu.Lock()
	delete(ls.held, l)
	ls.mu.Unlock()
}

// isClosed reports whether close was called.
func (ls *leaseSet) isClosed() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.closed
}

// close releases every lease and refuses new ones.
func (ls *leaseSet) close() {
	ls.mu.Lock()
	ls.closed = true
	held := ls.held
	ls.held = nil
	ls.mu.Unlock()
	for l := range held {
		l.Release()
	}
}
