package store

import (
	"context"
	"errors"
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
	Run     int64         // bumped by every start (StartReducer)
	Leader  int64         // bumped by every new leader (ClaimReducer)
}

// Lease is the lead of the reducer, which one node of the cluster holds at a time (see
// ReducerStore.TryLeadReducer).
type Lease interface {
	// Lost is closed when the lead is lost without Release: the connection that held it
	// broke, and another node may lead by now.
	Lost() <-chan struct{}
	// Release gives the lead up, so that another node can take it at once. It is safe to
	// call more than once and after Lost.
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
	// StopReducer marks the reducer stopped. It reports whether it was running.
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
