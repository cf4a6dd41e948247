package inventory

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
)

// Reducer defaults, which zero ReducerConfig fields take.
const (
	DefaultPerTick = 200
	DefaultTick    = 250 * time.Millisecond
)

// Reducer limits, so that an admin request cannot make it spin.
const (
	MaxPerTick = 100_000
	MinTick    = time.Millisecond
	MaxTick    = time.Minute
)

// ErrBadReducerConfig reports a ReducerConfig outside the limits.
var ErrBadReducerConfig = errors.New("inventory: bad reducer config")

// ReducerConfig sets the pace of the reducer. Zero fields take the defaults.
type ReducerConfig struct {
	PerTick int           // sales per tick, 1..MaxPerTick
	Tick    time.Duration // MinTick..MaxTick
}

// ReducerStatus describes the reducer.
type ReducerStatus struct {
	Running bool          `json:"running"`            // a reducer is selling now
	PerTick int           `json:"per_tick,omitempty"` // sales per tick of the current or last run
	TickMS  int64         `json:"tick_ms,omitempty"`  // Tick in milliseconds, for JSON
	Sales   int64         `json:"sales"`              // successful sales of the current or last run
	Tick    time.Duration `json:"-"`                  // the interval between ticks
}

type reducerState struct {
	control sync.Mutex // serializes StartReducer and StopReducer
	mu      sync.Mutex
	rand    *rand.Rand // used only by the running reducer goroutine
	run     *reducerRun
	status  ReducerStatus
}

type reducerRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (c ReducerConfig) normalized() (ReducerConfig, error) {
	if c.PerTick == 0 {
		c.PerTick = DefaultPerTick
	}
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.PerTick < 1 || c.PerTick > MaxPerTick {
		return c, fmt.Errorf("%w: per_tick %d outside 1..%d", ErrBadReducerConfig, c.PerTick, MaxPerTick)
	}
	if c.Tick < MinTick || c.Tick > MaxTick {
		return c, fmt.Errorf("%w: tick %v outside %v..%v", ErrBadReducerConfig, c.Tick, MinTick, MaxTick)
	}
	return c, nil
}

// StartReducer starts the simulated crowd: every tick it makes PerTick sales of one unit,
// each of a uniformly random item that still has stock, from any product. It stops by itself
// when everything is sold out. Starting a running reducer restarts it with the new config.
func (inv *Inventory) StartReducer(cfg ReducerConfig) (ReducerStatus, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return inv.ReducerStatus(), err
	}
	r := &inv.reducer
	r.control.Lock()
	defer r.control.Unlock()
	inv.stopReducer()
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	run := &reducerRun{cancel: cancel, done: make(chan struct{})}
	r.run = run
	r.status = ReducerStatus{Running: true, PerTick: cfg.PerTick, Tick: cfg.Tick, TickMS: cfg.Tick.Milliseconds()}
	go inv.runReducer(ctx, run, cfg)
	return r.status, nil
}

// StopReducer stops the reducer and waits for it to finish its current sale. It reports
// whether a reducer was running.
func (inv *Inventory) StopReducer() bool {
	inv.reducer.control.Lock()
	defer inv.reducer.control.Unlock()
	return inv.stopReducer()
}

func (inv *Inventory) stopReducer() bool {
	r := &inv.reducer
	r.mu.Lock()
	run := r.run
	r.mu.Unlock()
	if run == nil {
		return false
	}
	run.cancel()
	<-run.done
	return true
}

// WaitReducer blocks until the reducer is not running (it sold everything or was stopped)
// or ctx is done.
func (inv *Inventory) WaitReducer(ctx context.Context) error {
	r := &inv.reducer
	r.mu.Lock()
	run := r.run
	r.mu.Unlock()
	if run == nil {
		return nil
	}
	select {
	case <-run.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReducerStatus reports whether the reducer runs, its pace and its sales so far.
func (inv *Inventory) ReducerStatus() ReducerStatus {
	r := &inv.reducer
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Close stops the reducer, the replication from other nodes and the resyncs. The store is
// the caller's to close.
func (inv *Inventory) Close() {
	inv.StopReducer()
	inv.ps.Unsubscribe(ReplicationTopic, inv.repl)
	inv.stopSync()
}

func (inv *Inventory) runReducer(ctx context.Context, run *reducerRun, cfg ReducerConfig) {
	r := &inv.reducer
	defer func() {
		r.mu.Lock()
		if r.run == run {
			r.run = nil
			r.status.Running = false
		}
		r.mu.Unlock()
		close(run.done)
	}()
	ticker := time.NewTicker(cfg.Tick)
	defer ticker.Stop()
	var ids []int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for range cfg.PerTick {
			if ctx.Err() != nil {
				return
			}
			ids = inv.inStock(ids)
			if len(ids) == 0 {
				inv.logger.Info("inventory: reducer finished, everything is sold out")
				return
			}
			id := ids[r.rand.IntN(len(ids))]
			_, err := inv.Sell(ctx, id, 1)
			switch {
			case err == nil:
				r.mu.Lock()
				r.status.Sales++
				r.mu.Unlock()
			case errors.Is(err, store.ErrNotAvailable):
				// Someone else took the last unit between the read and the sale.
			case ctx.Err() != nil:
				return
			default:
				inv.logger.Error("inventory: reducer stopped", "err", err)
				return
			}
		}
	}
}
