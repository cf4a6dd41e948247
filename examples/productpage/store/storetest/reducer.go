package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/store"
)

// testReducer checks the reducer's state, its lead and its fenced sales on the fixture
// catalog (item 1 has one unit, item 3 three).
func testReducer(t *testing.T, s store.Store) {
	ctx := context.Background()
	st, err := s.ReducerState(ctx)
	if err != nil || st.Running || st.Sales != 0 {
		t.Fatalf("initial ReducerState = %+v, %v; want stopped", st, err)
	}
	if _, err := s.StartReducer(ctx, 0, time.Second); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("StartReducer(0 per tick) err = %v, want ErrInvalid", err)
	}

	lease, err := s.TryLeadReducer(ctx)
	if err != nil || lease == nil {
		t.Fatalf("TryLeadReducer = %v, %v; want the lead", lease, err)
	}
	if err := lease.Check(ctx); err != nil {
		t.Fatalf("Check of a held lead = %v", err)
	}
	if other, err := s.TryLeadReducer(ctx); err != nil || other != nil {
		t.Fatalf("second TryLeadReducer = %v, %v; want nil: the lead is held", other, err)
	}
	claimed, err := s.ClaimReducer(ctx)
	if err != nil || claimed.Leader != st.Leader+1 {
		t.Fatalf("ClaimReducer = %+v, %v; want leader %d", claimed, err, st.Leader+1)
	}
	started, err := s.StartReducer(ctx, 7, 1500*time.Microsecond)
	if err != nil || !started.Running || started.PerTick != 7 || started.Tick != 1500*time.Microsecond ||
		started.Run != claimed.Run+1 || started.Leader != claimed.Leader || started.Sales != 0 {
		t.Fatalf("StartReducer = %+v, %v", started, err)
	}
	run, leader := started.Run, started.Leader

	stock, sales, err := s.ReducerSell(ctx, 3, run, leader)
	if err != nil || stock.Count != 2 || sales != 1 {
		t.Fatalf("ReducerSell(3) = %+v, %d, %v; want 2 left, 1 sale", stock, sales, err)
	}
	if _, sales, err = s.ReducerSell(ctx, 1, run, leader); err != nil || sales != 2 {
		t.Fatalf("ReducerSell(1) = %d, %v", sales, err)
	}
	refused, _, err := s.ReducerSell(ctx, 1, run, leader)
	if !errors.Is(err, store.ErrNotAvailable) || refused.Count != 0 || refused.Version == 0 {
		t.Errorf("ReducerSell(1, sold out) = %+v, %v; want ErrNotAvailable with its stock", refused, err)
	}
	if _, _, err := s.ReducerSell(ctx, 99, run, leader); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReducerSell(unknown) err = %v, want ErrNotFound", err)
	}
	for _, f := range []struct {
		name        string
		run, leader int64
	}{{"old run", run - 1, leader}, {"old leader", run, leader - 1}} {
		if _, _, err := s.ReducerSell(ctx, 3, f.run, f.leader); !errors.Is(err, store.ErrFenced) {
			t.Errorf("ReducerSell(%s) err = %v, want ErrFenced", f.name, err)
		}
	}
	if st, err := s.ReducerState(ctx); err != nil || st.Sales != 2 || !st.Running {
		t.Errorf("state after the sales = %+v, %v; want running with 2 sales (refusals not counted)", st, err)
	}

	// A new leader fences the old one.
	if _, err := s.ClaimReducer(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ReducerSell(ctx, 3, run, leader); !errors.Is(err, store.ErrFenced) {
		t.Errorf("ReducerSell after a new claim err = %v, want ErrFenced", err)
	}
	st, err = s.ReducerState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishReducer(ctx, st.Run, st.Leader-1); !errors.Is(err, store.ErrFenced) {
		t.Errorf("FinishReducer(old leader) err = %v, want ErrFenced", err)
	}
	if err := s.FinishReducer(ctx, st.Run, st.Leader); err != nil {
		t.Errorf("FinishReducer = %v", err)
	}
	if st, err := s.ReducerState(ctx); err != nil || st.Running || st.Sales != 2 {
		t.Errorf("state after finishing = %+v, %v; want stopped, sales kept", st, err)
	}
	was, stopped, err := s.StopReducer(ctx)
	if err != nil || was || stopped.Running {
		t.Errorf("StopReducer of a finished run = %v, %+v, %v; want not running", was, stopped, err)
	}
	st, _ = s.StartReducer(ctx, 1, time.Second)
	was, stopped, err = s.StopReducer(ctx)
	if err != nil || !was || stopped.Running {
		t.Errorf("StopReducer = %v, %+v, %v; want it was running", was, stopped, err)
	}
	if _, _, err := s.ReducerSell(ctx, 3, st.Run, st.Leader); !errors.Is(err, store.ErrFenced) {
		t.Errorf("ReducerSell after StopReducer err = %v, want ErrFenced", err)
	}

	lease.Release()
	lease.Release() // twice is fine
	if err := lease.Check(ctx); !errors.Is(err, store.ErrLeadLost) {
		t.Errorf("Check after Release = %v, want ErrLeadLost", err)
	}
	next, err := s.TryLeadReducer(ctx)
	if err != nil || next == nil {
		t.Fatalf("TryLeadReducer after Release = %v, %v; want the lead", next, err)
	}
	next.Release()
}
