package app

import (
	"context"
	"fmt"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
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
//
// What it shows of the shop (products with counts, shoppers, carts per item) is the same
// on every admin page: a shared snapshot (AdminBoard), rendered once per version for all
// of them, and not at all when a refresh finds nothing changed.
type AdminPage struct {
	Board   *render.Snapshot[AdminBoard] // the shop, shared by every admin page
	Reducer inventory.ReducerStatus      // reducer state
	Error   string                       // the last action's error, shown until the next action

	inv    *inventory.Inventory
	boards *adminBoards
}

type adminTick struct{}

type dashboardRecount struct{}

// NewAdminPage returns an AdminPage view over inv, with an empty dashboard.
func NewAdminPage(inv *inventory.Inventory) *AdminPage {
	return newAdminPage(newAdminBoards(inv, nil))
}

func newAdminPage(boards *adminBoards) *AdminPage {
	return &AdminPage{inv: boards.inv, boards: boards}
}

func (a *AdminPage) refresh() {
	a.Board = a.boards.get()
	a.Reducer = a.inv.ReducerStatus()
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
		if a.boards.tracker != nil {
			if err := s.SubscribeCoalesced(ShoppersTopic, dashboardDelay, dashboardRecount{}); err != nil {
				return err
			}
		}
		s.Every(adminRefresh, adminTick{})
	}
	a.refresh()
	return nil
}

// HandleInfo implements live.InfoHandler.
func (a *AdminPage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch msg.(type) {
	case adminTick, dashboardRecount:
		a.refresh()
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
		if _, err = a.inv.StopReducerContext(ctx); err != nil {
			err = fmt.Errorf("the reducer could not be stopped; it still runs (%w)", err)
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	if err != nil {
		a.Error = err.Error()
	}
	a.refresh()
	return nil
}
