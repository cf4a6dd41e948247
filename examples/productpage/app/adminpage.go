package app

import (
	"context"
	"fmt"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/presence"
)

// adminRefresh is how often a connected admin page re-reads counts, which change on every
// sale while only level changes are broadcast.
const adminRefresh = 500 * time.Millisecond

// dashboardDelay coalesces presence changes: the first change after a quiet spell
// schedules one recount this much later, and changes meanwhile ride along. A crowd of
// any size arriving costs the dashboard at most 1/dashboardDelay frames a second, and
// never fills its mailbox.
const dashboardDelay = 150 * time.Millisecond

// AdminPage is the /admin live view: the shoppers dashboard, release and sell buttons,
// reducer controls and live counts. It is served behind basic auth.
type AdminPage struct {
	Products []inventory.Product     // snapshot with counts
	Reducer  inventory.ReducerStatus // reducer state
	Error    string                  // the last action's error, shown until the next action
	Dashboard

	inv     *inventory.Inventory
	tracker *presence.Tracker
}

type adminTick struct{}

type dashboardRecount struct{}

// NewAdminPage returns an AdminPage view over inv, with an empty dashboard.
func NewAdminPage(inv *inventory.Inventory) *AdminPage {
	return &AdminPage{inv: inv, Dashboard: Dashboard{InCart: map[int64]int{}}}
}

func newAdminPage(inv *inventory.Inventory, tracker *presence.Tracker) *AdminPage {
	a := NewAdminPage(inv)
	a.tracker = tracker
	return a
}

func (a *AdminPage) refresh() {
	a.Products = a.inv.Products()
	a.Reducer = a.inv.ReducerStatus()
}

func (a *AdminPage) recount() {
	if a.tracker != nil {
		a.Dashboard = countShoppers(a.tracker.List(ShoppersTopic))
	}
}

// Mount implements live.View.
func (a *AdminPage) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle("Sneakers23 admin")
	if s.Connected() {
		// Stock broadcasts, like presence changes, only say "read again": a sell-out's
		// burst of them costs one refresh per window.
		for _, p := range a.inv.Products() {
			if err := s.SubscribeCoalesced(inventory.Topic(p.ID), dashboardDelay, adminTick{}); err != nil {
				return err
			}
		}
		if a.tracker != nil {
			if err := s.SubscribeCoalesced(ShoppersTopic, dashboardDelay, dashboardRecount{}); err != nil {
				return err
			}
		}
		s.Every(adminRefresh, adminTick{})
	}
	a.refresh()
	a.recount()
	return nil
}

// HandleInfo implements live.InfoHandler.
func (a *AdminPage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch msg.(type) {
	case adminTick:
		a.refresh()
	case dashboardRecount:
		a.recount()
	}
	return nil
}

// HandleEvent implements live.EventHandler.
func (a *AdminPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	a.Error = ""
	var err error
	switch e.Name {
	case "release":
		var id int
		if id, err = e.Int("id"); err == nil {
			err = a.inv.Release(ctx, int64(id))
		}
	case "sell":
		var id int
		if id, err = e.Int("id"); err == nil {
			_, err = a.inv.Sell(ctx, int64(id), 1)
		}
	case "reducer-start":
		_, err = a.inv.StartReducer(inventory.ReducerConfig{})
	case "reducer-stop":
		a.inv.StopReducer()
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.refresh()
	return nil
}
