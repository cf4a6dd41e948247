package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// sqliteLeads holds the reducer leads taken in this process, by database file. A SQLite
// file is used by one process, so the process is the whole cluster: the lead only has to
// be unique among the stores it opened on the file.
var sqliteLeads struct {
	sync.Mutex
	held map[string]bool
}

// sqliteLease is a lead held within the process. Only Release (or closing its store)
// ends it.
type sqliteLease struct {
	path string
	set  *leaseSet
	mu   sync.Mutex
	done bool
}

func (l *sqliteLease) Check(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return fmt.Errorf("lead reducer: %w", ErrLeadLost)
	}
	return nil
}

func (l *sqliteLease) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.done = true
	sqliteLeads.Lock()
	delete(sqliteLeads.held, l.path)
	sqliteLeads.Unlock()
	l.set.remove(l)
}

// TryLeadReducer implements ReducerStore: the lead is unique among the stores this process
// opened on the file.
func (s *SQLite) TryLeadReducer(ctx context.Context) (Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lead reducer: %w", err)
	}
	if s.leases.isClosed() {
		return nil, fmt.Errorf("lead reducer: %w", errStoreClosed)
	}
	sqliteLeads.Lock()
	if sqliteLeads.held[s.path] {
		sqliteLeads.Unlock()
		return nil, nil
	}
	if sqliteLeads.held == nil {
		sqliteLeads.held = map[string]bool{}
	}
	sqliteLeads.held[s.path] = true
	sqliteLeads.Unlock()
	l := &sqliteLease{path: s.path, set: &s.leases}
	if !s.leases.add(l) {
		l.Release()
		return nil, fmt.Errorf("lead reducer: %w", errStoreClosed)
	}
	return l, nil
}

const sqliteReducerColumns = `running, per_tick, tick_us, sales, run, leader`

func scanSQLiteReducer(row *sql.Row) (ReducerState, error) {
	var st ReducerState
	var running int
	var tickUS int64
	if err := row.Scan(&running, &st.PerTick, &tickUS, &st.Sales, &st.Run, &st.Leader); err != nil {
		return ReducerState{}, err
	}
	st.Running, st.Tick = running != 0, time.Duration(tickUS)*time.Microsecond
	return st, nil
}

// ClaimReducer implements ReducerStore.
func (s *SQLite) ClaimReducer(ctx context.Context) (ReducerState, error) {
	st, err := scanSQLiteReducer(s.db.QueryRowContext(ctx, `UPDATE reducer SET leader = leader + 1 WHERE id = 1 RETURNING `+sqliteReducerColumns))
	if err != nil {
		return ReducerState{}, fmt.Errorf("claim reducer: %w", err)
	}
	return st, nil
}

// ReducerState implements ReducerStore.
func (s *SQLite) ReducerState(ctx context.Context) (ReducerState, error) {
	st, err := scanSQLiteReducer(s.db.QueryRowContext(ctx, `SELECT `+sqliteReducerColumns+` FROM reducer WHERE id = 1`))
	if err != nil {
		return ReducerState{}, fmt.Errorf("read reducer: %w", err)
	}
	return st, nil
}

// StartReducer implements ReducerStore.
func (s *SQLite) StartReducer(ctx context.Context, perTick int, tick time.Duration) (ReducerState, error) {
	if perTick < 1 || tick <= 0 {
		return ReducerState{}, fmt.Errorf("start reducer: %w: per tick %d, tick %v", ErrInvalid, perTick, tick)
	}
	st, err := scanSQLiteReducer(s.db.QueryRowContext(ctx, `UPDATE reducer SET running = 1, per_tick = ?, tick_us = ?, sales = 0, run = run + 1
		WHERE id = 1 RETURNING `+sqliteReducerColumns, perTick, tickMicros(tick)))
	if err != nil {
		return ReducerState{}, fmt.Errorf("start reducer: %w", err)
	}
	return st, nil
}

// StopReducer implements ReducerStore.
func (s *SQLite) StopReducer(ctx context.Context) (bool, ReducerState, error) {
	var was bool
	var st ReducerState
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		var running int
		if err := tx.QueryRowContext(ctx, `SELECT running FROM reducer WHERE id = 1`).Scan(&running); err != nil {
			return err
		}
		was = running != 0
		var err error
		st, err = scanSQLiteReducer(tx.QueryRowContext(ctx, `UPDATE reducer SET running = 0, run = run + 1 WHERE id = 1 RETURNING `+sqliteReducerColumns))
		return err
	})
	if err != nil {
		return false, ReducerState{}, fmt.Errorf("stop reducer: %w", err)
	}
	return was, st, nil
}

// ReducerSell implements ReducerStore. The write lock, taken up front, orders it with
// every start, stop and claim.
func (s *SQLite) ReducerSell(ctx context.Context, itemID, run, leader int64) (Stock, int64, error) {
	st := Stock{ItemID: itemID}
	var sales int64
	err := inTx(ctx, s.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE reducer SET sales = sales + 1 WHERE id = 1 AND running = 1 AND run = ? AND leader = ?
			RETURNING sales`, run, leader).Scan(&sales)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrFenced
		}
		if err != nil {
			return err
		}
		return sqliteSell(ctx, tx, itemID, 1, &st)
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
func (s *SQLite) FinishReducer(ctx context.Context, run, leader int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE reducer SET running = 0 WHERE id = 1 AND running = 1 AND run = ? AND leader = ?`, run, leader)
	if err != nil {
		return fmt.Errorf("finish reducer: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finish reducer: %w", err)
	} else if n == 0 {
		return fmt.Errorf("finish reducer: %w", ErrFenced)
	}
	return nil
}
