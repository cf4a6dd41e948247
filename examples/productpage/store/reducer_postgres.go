package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgLease is a lead held as a session-level advisory lock by a connection of its own: the
// server releases the lock when that connection ends, however it ends.
type pgLease struct {
	set  *leaseSet
	mu   sync.Mutex
	conn *pgx.Conn // nil once the lead ended
}

// Check pings the connection that holds the lock. A connection that does not answer is
// closed: the lead is lost.
func (l *pgLease) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return fmt.Errorf("lead reducer: %w", ErrLeadLost)
	}
	if err := l.conn.Ping(ctx); err != nil {
		l.endLocked()
		return fmt.Errorf("lead reducer: %w: %w", ErrLeadLost, err)
	}
	return nil
}

func (l *pgLease) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.endLocked()
}

func (l *pgLease) endLocked() {
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.conn.Close(ctx)
	l.conn = nil
	l.set.remove(l)
}

// TryLeadReducer implements ReducerStore with pg_try_advisory_lock on a connection of its
// own, held while leading.
func (s *Postgres) TryLeadReducer(ctx context.Context) (Lease, error) {
	if s.leases.isClosed() {
		return nil, fmt.Errorf("lead reducer: %w", errStoreClosed)
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("lead reducer: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(current_schema()))`, reducerLockClass).Scan(&ok); err != nil || !ok {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
		if err != nil {
			return nil, fmt.Errorf("lead reducer: %w", err)
		}
		return nil, nil
	}
	l := &pgLease{conn: conn, set: &s.leases}
	if !s.leases.add(l) {
		l.Release()
		return nil, fmt.Errorf("lead reducer: %w", errStoreClosed)
	}
	return l, nil
}

const pgReducerColumns = `running, per_tick, tick_us, sales, run, leader`

func scanPgReducer(row pgx.Row) (ReducerState, error) {
	var st ReducerState
	var tickUS int64
	if err := row.Scan(&st.Running, &st.PerTick, &tickUS, &st.Sales, &st.Run, &st.Leader); err != nil {
		return ReducerState{}, err
	}
	st.Tick = time.Duration(tickUS) * time.Microsecond
	return st, nil
}

// ClaimReducer implements ReducerStore.
func (s *Postgres) ClaimReducer(ctx context.Context) (ReducerState, error) {
	st, err := scanPgReducer(s.pool.QueryRow(ctx, `UPDATE reducer SET leader = leader + 1 WHERE id = 1 RETURNING `+pgReducerColumns))
	if err != nil {
		return ReducerState{}, fmt.Errorf("claim reducer: %w", err)
	}
	return st, nil
}

// ReducerState implements ReducerStore.
func (s *Postgres) ReducerState(ctx context.Context) (ReducerState, error) {
	st, err := scanPgReducer(s.pool.QueryRow(ctx, `SELECT `+pgReducerColumns+` FROM reducer WHERE id = 1`))
	if err != nil {
		return ReducerState{}, fmt.Errorf("read reducer: %w", err)
	}
	return st, nil
}

// StartReducer implements ReducerStore.
func (s *Postgres) StartReducer(ctx context.Context, perTick int, tick time.Duration) (ReducerState, error) {
	if perTick < 1 || tick <= 0 {
		return ReducerState{}, fmt.Errorf("start reducer: %w: per tick %d, tick %v", ErrInvalid, perTick, tick)
	}
	st, err := scanPgReducer(s.pool.QueryRow(ctx, `UPDATE reducer SET running = TRUE, per_tick = $1, tick_us = $2, sales = 0, run = run + 1
		WHERE id = 1 RETURNING `+pgReducerColumns, perTick, tickMicros(tick)))
	if err != nil {
		return ReducerState{}, fmt.Errorf("start reducer: %w", err)
	}
	return st, nil
}

// StopReducer implements ReducerStore.
func (s *Postgres) StopReducer(ctx context.Context) (bool, ReducerState, error) {
	var was bool
	var st ReducerState
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT running FROM reducer WHERE id = 1 FOR UPDATE`).Scan(&was); err != nil {
			return err
		}
		var err error
		st, err = scanPgReducer(tx.QueryRow(ctx, `UPDATE reducer SET running = FALSE, run = run + 1 WHERE id = 1 RETURNING `+pgReducerColumns))
		return err
	})
	if err != nil {
		return false, ReducerState{}, fmt.Errorf("stop reducer: %w", err)
	}
	return was, st, nil
}

// ReducerSell implements ReducerStore. The reducer row, locked first by the update that
// counts the sale, orders the sale with every start, stop and claim.
func (s *Postgres) ReducerSell(ctx context.Context, itemID, run, leader int64) (Stock, int64, error) {
	st := Stock{ItemID: itemID}
	var sales int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE reducer SET sales = sales + 1 WHERE id = 1 AND running AND run = $1 AND leader = $2
			RETURNING sales`, run, leader).Scan(&sales)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrFenced
		}
		if err != nil {
			return err
		}
		return pgSell(ctx, tx, itemID, 1, &st)
	})
	switch {
	case errors.Is(err, ErrNotAvailable):
		return st, 0, fmt.Errorf("reducer sale of item %d: %w", itemID, err)
	case err != nil:
		return Stock{}, 0, fmt.Errorf("reducer sale of item %d: %w", itemID, err)
	}
	return st, sales, nil
}

// FinishReducer implements ReducerStore.
func (s *Postgres) FinishReducer(ctx context.Context, run, leader int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE reducer SET running = FALSE WHERE id = 1 AND running AND run = $1 AND leader = $2`, run, leader)
	if err != nil {
		return fmt.Errorf("finish reducer: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("finish reducer: %w", ErrFenced)
	}
	return nil
}
