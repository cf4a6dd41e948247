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

const (
	// reducerPoll is how often a node that does not lead tries to take the lead and reads
	// the reducer's state, and how often the leader reads it while it runs (it also reads
	// it whenever the store fences a sale, and when told of a change).
	reducerPoll = time.Second
	// reducerBackoffMin and reducerBackoffMax bound the pause after a store failure; the
	// pause doubles with every failure in a row.
	reducerBackoffMin = 50 * time.Millisecond
	reducerBackoffMax = 5 * time.Second
	// reducerTimeout bounds the store requests of StartReducer and StopReducer.
	reducerTimeout = 10 * time.Second
)

// ErrBadReducerConfig reports a ReducerConfig outside the limits.
var ErrBadReducerConfig = errors.New("inventory: bad reducer config")

// ReducerConfig sets the pace of the reducer. Zero fields take the defaults.
type ReducerConfig struct {
	PerTick int           // sales per tick, 1..MaxPerTick
	Tick    time.Duration // MinTick..MaxTick
}

// ReducerStatus describes the cluster's reducer as this node last read it from the store.
type ReducerStatus struct {
	Running bool          `json:"running"`            // the reducer is selling, on whichever node leads
	PerTick int           `json:"per_tick,omitempty"` // sales per tick of the current or last run
	TickMS  int64         `json:"tick_ms,omitempty"`  // Tick in milliseconds, for JSON
	Sales   int64         `json:"sales"`              // successful sales of the current or last run
	Tick    time.Duration `json:"-"`                  // the interval between ticks
}

// reducerState is this node's part of the reducer. Like the resyncs, it holds no goroutine
// while idle: a timer runs its steps (trying to take the lead, reading the state, one tick
// of sales), one at a time, so that an inventory that is never closed leaks nothing but a
// timer.
type reducerState struct {
	rand *rand.Rand // used only by the steps
	ctx  context.Context
	stop context.CancelFunc
	sell sync.Mutex // held by the leader around each sale and its effects

	loop     sync.Mutex // guards timer, stepping, woken and closed
	timer    *time.Timer
	stepping bool
	woken    bool
	closed   bool
	steps    sync.WaitGroup // the running step

	// Used by the steps only.
	lead *leader // nil while another node leads
	bo   backoff // failures to reach the store while not leading

	mu      sync.Mutex
	status  ReducerStatus
	leading bool
	order   reducerOrder  // of the state status was taken from
	changed chan struct{} // closed and replaced at every change of status.Running
}

// reducerOrder orders the states the store goes through: every start and stop bumps Run,
// a run only finishes once, and its sales only grow. A state read before another is never
// applied after it.
type reducerOrder struct {
	run      int64
	finished bool
	sales    int64
}

func orderOf(st store.ReducerState) reducerOrder {
	return reducerOrder{run: st.Run, finished: !st.Running, sales: st.Sales}
}

func (o reducerOrder) before(p reducerOrder) bool {
	switch {
	case o.run != p.run:
		return o.run < p.run
	case o.finished != p.finished:
		return !o.finished
	default:
		return o.sales < p.sales
	}
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

// initReducer reads the reducer's state; startReducer then schedules the first step.
func (inv *Inventory) initReducer(ctx context.Context, r *rand.Rand) error {
	rs := &inv.reducer
	rs.rand = r
	rs.changed = make(chan struct{})
	rs.ctx, rs.stop = context.WithCancel(context.Background())
	st, err := inv.st.ReducerState(ctx)
	if err != nil {
		rs.stop()
		return fmt.Errorf("inventory: %w", err)
	}
	inv.setReducer(st)
	return nil
}

func (inv *Inventory) startReducer() {
	rs := &inv.reducer
	rs.loop.Lock()
	defer rs.loop.Unlock()
	rs.timer = time.AfterFunc(0, inv.reducerStep)
}

// stopReducerLoop ends this node's part of the reducer, giving the lead up.
func (inv *Inventory) stopReducerLoop() {
	rs := &inv.reducer
	rs.loop.Lock()
	already := rs.closed
	rs.closed = true
	if rs.timer != nil {
		rs.timer.Stop()
	}
	rs.loop.Unlock()
	rs.stop()
	rs.steps.Wait()
	if !already && rs.lead != nil {
		rs.lead.drop()
	}
}

// StartReducer starts the simulated crowd of the whole cluster: every tick, PerTick sales
// of one unit, each of a uniformly random item that still has stock, from any product. It
// stops by itself when everything is sold out. Starting a running reducer restarts it with
// the new config.
//
// The reducer's state lives in the store: any node may start it, and the one node that
// leads (see the package documentation) runs it, which survives restarts and the loss of
// the leader. An error that is not ErrBadReducerConfig means the store did not record the
// start.
func (inv *Inventory) StartReducer(cfg ReducerConfig) (ReducerStatus, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return inv.ReducerStatus(), err
	}
	ctx, cancel := context.WithTimeout(context.Background(), reducerTimeout)
	defer cancel()
	st, err := inv.st.StartReducer(ctx, cfg.PerTick, cfg.Tick)
	if err != nil {
		return inv.ReducerStatus(), fmt.Errorf("inventory: %w", err)
	}
	status := inv.setReducer(st)
	inv.reducerChanged(ctx)
	return status, nil
}

// StopReducer stops the reducer of the whole cluster, like StopReducerContext, and logs a
// failure instead of returning it.
func (inv *Inventory) StopReducer() bool {
	stopped, err := inv.StopReducerContext(context.Background())
	if err != nil {
		inv.logger.Error("inventory: reducer not stopped", "err", err)
	}
	return stopped
}

// StopReducerContext stops the reducer of the whole cluster, and reports whether it was
// running. Once it returns, the store refuses every further sale of the reducer, and a
// sale this node's reducer was making has been applied. An error means the store did not
// record the stop: the reducer runs on.
func (inv *Inventory) StopReducerContext(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, reducerTimeout)
	defer cancel()
	was, st, err := inv.st.StopReducer(ctx)
	if err != nil {
		return false, fmt.Errorf("inventory: %w", err)
	}
	inv.setReducer(st)
	// A sale this node was making committed before the stop, or will be refused: wait for
	// it, so that memory holds it when StopReducer returns.
	inv.reducer.sell.Lock()
	inv.reducer.sell.Unlock()
	inv.reducerChanged(ctx)
	return was, nil
}

// WaitReducer blocks until the reducer is not running (it sold everything or was stopped)
// or ctx is done.
func (inv *Inventory) WaitReducer(ctx context.Context) error {
	rs := &inv.reducer
	for {
		rs.mu.Lock()
		running, changed := rs.status.Running, rs.changed
		rs.mu.Unlock()
		if !running {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ReducerStatus reports whether the reducer runs, its pace and its sales so far, as this
// node last read them (at most about a second ago on a node that does not lead).
func (inv *Inventory) ReducerStatus() ReducerStatus {
	rs := &inv.reducer
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.status
}

// LeadsReducer reports whether this node holds the lead of the reducer: it is the node
// that runs it whenever it is started.
func (inv *Inventory) LeadsReducer() bool {
	rs := &inv.reducer
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.leading
}

// Close stops this node's part of the reducer, the replication from other nodes and the
// resyncs. A reducer this node was running goes on elsewhere: another node takes the lead
// (or this one, once loaded again), since only StopReducer stops it. The store is the
// caller's to close.
func (inv *Inventory) Close() {
	inv.stopReducerLoop()
	inv.ps.Unsubscribe(ReplicationTopic, inv.repl)
	inv.stopSync()
}

// setReducer takes the status from st, unless it already holds a later state. It returns
// the status.
func (inv *Inventory) setReducer(st store.ReducerState) ReducerStatus {
	rs := &inv.reducer
	rs.mu.Lock()
	defer rs.mu.Unlock()
	o := orderOf(st)
	if o.before(rs.order) {
		return rs.status
	}
	rs.order = o
	s := ReducerStatus{Running: st.Running, PerTick: st.PerTick, Tick: st.Tick, TickMS: st.Tick.Milliseconds(), Sales: st.Sales}
	if s.Running != rs.status.Running {
		close(rs.changed)
		rs.changed = make(chan struct{})
	}
	rs.status = s
	return s
}

// setSales records the sales of run after a sale.
func (inv *Inventory) setSales(run, sales int64) {
	rs := &inv.reducer
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.order.run == run && !rs.order.finished && sales > rs.order.sales {
		rs.order.sales, rs.status.Sales = sales, sales
	}
}

func (inv *Inventory) setLeading(leading bool) {
	rs := &inv.reducer
	rs.mu.Lock()
	rs.leading = leading
	rs.mu.Unlock()
}

// wakeReducer makes this node's next step run now, and read the state.
func (inv *Inventory) wakeReducer() {
	rs := &inv.reducer
	rs.loop.Lock()
	defer rs.loop.Unlock()
	rs.woken = true
	if !rs.stepping && !rs.closed && rs.timer != nil {
		rs.timer.Reset(0)
	}
}

// reducerChanged tells this node's steps and the other nodes' that the admin changed the
// reducer, so that the leader picks the change up at once.
func (inv *Inventory) reducerChanged(ctx context.Context) {
	inv.wakeReducer()
	inv.replicate(ctx, replication{Kind: kindReducer})
}

// backoff is the pause after failures in a row: reducerBackoffMin, doubling up to
// reducerBackoffMax.
type backoff struct{ failures int }

func (b *backoff) next() time.Duration {
	d := reducerBackoffMin << min(b.failures, 16)
	b.failures++
	return min(d, reducerBackoffMax)
}

// reducerStep runs one step, on the timer's goroutine, then schedules the next.
func (inv *Inventory) reducerStep() {
	rs := &inv.reducer
	rs.loop.Lock()
	if rs.closed || rs.stepping {
		rs.loop.Unlock()
		return
	}
	rs.stepping = true
	woken := rs.woken
	rs.woken = false
	rs.steps.Add(1)
	rs.loop.Unlock()

	next := inv.step(woken)

	rs.loop.Lock()
	rs.stepping = false
	if rs.woken {
		next = 0
	}
	if !rs.closed {
		rs.timer.Reset(next)
	}
	rs.steps.Done()
	rs.loop.Unlock()
}

// step does this node's next piece of work and returns when to do the one after.
func (inv *Inventory) step(woken bool) time.Duration {
	rs := &inv.reducer
	if rs.lead != nil {
		return rs.lead.step(woken)
	}
	lease, err := inv.st.TryLeadReducer(rs.ctx)
	if rs.ctx.Err() != nil {
		if lease != nil {
			lease.Release()
		}
		return reducerPoll
	}
	if err != nil {
		if rs.bo.failures == 0 {
			inv.logger.Warn("inventory: reducer: store not answering; retrying", "err", err)
		}
		return rs.bo.next()
	}
	if rs.bo.failures > 0 {
		inv.logger.Info("inventory: reducer: store answers again")
		rs.bo = backoff{}
	}
	if lease == nil {
		inv.refreshReducer()
		return reducerPoll
	}
	rs.lead = &leader{inv: inv, lease: lease}
	return rs.lead.step(true)
}

// refreshReducer reads the state from the store, on a node that does not lead.
func (inv *Inventory) refreshReducer() {
	ctx, cancel := context.WithTimeout(inv.reducer.ctx, reducerPoll)
	defer cancel()
	st, err := inv.st.ReducerState(ctx)
	if err != nil {
		inv.logger.Debug("inventory: reducer: state not read", "err", err)
		return
	}
	inv.setReducer(st)
}

// leader is the reducer on the node that holds the lead.
type leader struct {
	inv     *Inventory
	lease   store.Lease
	claimed bool
	st      store.ReducerState // as last read; st.Leader is this node's claim
	readAt  time.Time          // when st was read
	reread  bool               // read st again before selling
	tickRun int64              // the run nextTick belongs to
	next    time.Time          // the next tick of the run
	bo      backoff
	ids     []int64
}

// drop gives the lead up.
func (l *leader) drop() {
	l.lease.Release()
	l.inv.reducer.lead = nil
	l.inv.setLeading(false)
}

// failed logs a store failure (the first of a streak as a warning) and returns the pause
// before the next try.
func (l *leader) failed(what string, err error) time.Duration {
	if l.bo.failures == 0 {
		l.inv.logger.Warn("inventory: reducer: store failure; retrying with backoff", "op", what, "err", err)
	} else {
		l.inv.logger.Debug("inventory: reducer: store failure", "op", what, "err", err, "failures", l.bo.failures)
	}
	l.reread = true
	return l.bo.next()
}

// recovered ends a streak of failures.
func (l *leader) recovered() {
	if l.bo.failures > 0 {
		l.inv.logger.Info("inventory: reducer: store answers again", "failures", l.bo.failures)
		l.bo = backoff{}
	}
}

// step claims the lead (which fences any previous leader), checks it and reads the state
// every reducerPoll (and when woken, or after the store fenced or failed a sale), and
// makes the ticks' sales while the state says running. Store failures are retried with
// backoff; only the loss of the lead ends it.
func (l *leader) step(woken bool) time.Duration {
	inv, rs := l.inv, &l.inv.reducer
	ctx := rs.ctx
	if !l.claimed {
		st, err := inv.st.ClaimReducer(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return reducerPoll
			}
			return l.failed("claim", err)
		}
		l.claimed, l.st, l.readAt = true, st, time.Now()
		inv.setLeading(true)
		inv.setReducer(st)
		inv.logger.Info("inventory: this node leads the reducer", "running", st.Running, "sales", st.Sales)
	}
	if woken || l.reread || time.Since(l.readAt) >= reducerPoll {
		cctx, cancel := context.WithTimeout(ctx, reducerPoll)
		err := l.lease.Check(cctx)
		cancel()
		if errors.Is(err, store.ErrLeadLost) {
			if ctx.Err() == nil {
				inv.logger.Warn("inventory: reducer: lead lost", "err", err)
				l.drop()
			}
			return 0
		}
		st, err := inv.st.ReducerState(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return reducerPoll
			}
			return l.failed("read", err)
		}
		if st.Leader != l.st.Leader {
			inv.logger.Info("inventory: reducer: another node took the lead")
			l.drop()
			return reducerPoll
		}
		l.st, l.readAt, l.reread = st, time.Now(), false
		inv.setReducer(st)
	}
	pollAt := l.readAt.Add(reducerPoll)
	if !l.st.Running {
		return time.Until(pollAt)
	}
	if l.tickRun != l.st.Run {
		// A new run, or one this node takes over: its first tick comes one Tick from now.
		l.tickRun, l.next = l.st.Run, time.Now().Add(l.st.Tick)
	}
	if now := time.Now(); now.Before(l.next) {
		return min(l.next.Sub(now), pollAt.Sub(now))
	}
	if d, ok := l.tick(); !ok {
		return d
	}
	l.next = l.next.Add(l.st.Tick)
	if now := time.Now(); l.next.Before(now) {
		l.next = now // behind: no burst of ticks to catch up
	}
	return min(time.Until(l.next), time.Until(pollAt))
}

// tick makes one tick's sales. When it has to stop early (the store fenced a sale or
// failed, or everything is sold out), it reports false and the pause before the next
// step.
func (l *leader) tick() (time.Duration, bool) {
	inv, rs := l.inv, &l.inv.reducer
	for range l.st.PerTick {
		if rs.ctx.Err() != nil {
			return reducerPoll, false
		}
		l.ids = inv.inStock(l.ids)
		if len(l.ids) == 0 {
			err := inv.st.FinishReducer(rs.ctx, l.st.Run, l.st.Leader)
			switch {
			case err == nil:
				inv.logger.Info("inventory: reducer finished, everything is sold out", "sales", l.st.Sales)
			case errors.Is(err, store.ErrFenced), rs.ctx.Err() != nil:
			default:
				return l.failed("finish", err), false
			}
			l.reread = true
			return 0, false
		}
		id := l.ids[rs.rand.IntN(len(l.ids))]
		rs.sell.Lock()
		_, sales, err := inv.sell(rs.ctx, id, func(ctx context.Context) (store.Stock, int64, error) {
			return inv.st.ReducerSell(ctx, id, l.st.Run, l.st.Leader)
		})
		rs.sell.Unlock()
		switch {
		case err == nil:
			l.recovered()
			l.st.Sales = sales
			inv.setSales(l.st.Run, sales)
		case errors.Is(err, store.ErrNotAvailable), errors.Is(err, store.ErrNotFound):
			// Someone else took the last unit between the read and the sale; memory
			// knows now (or resyncs).
		case errors.Is(err, store.ErrFenced):
			// Stopped, restarted, or another node leads: read which.
			l.reread = true
			return 0, false
		case rs.ctx.Err() != nil:
			return reducerPoll, false
		default:
			return l.failed("sell", err), false
		}
	}
	return 0, true
}
