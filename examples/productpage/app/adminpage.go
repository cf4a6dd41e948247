package app

import (
	"context"
	"fmt"
	"time"

	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/pubsub"
)

// adminRefresh is how often a connected admin page re-reads counts, which change on every
// sale while only level changes are broadcast.
const adminRefresh = 500 * time.Millisecond

// AdminPage is the /admin live view: release and sell buttons, reducer controls and live
// counts. It is served behind basic auth.
type AdminPage struct {
	Products []inventory.Product     // snapshot with counts
	Reducer  inventory.ReducerStatus // reducer state
	Error    string                  // the last action's error, shown until the next action

	inv *inventory.Inventory
}

type adminTick struct{}

// NewAdminPage returns an AdminPage view over inv.
func NewAdminPage(inv *inventory.Inventory) *AdminPage { return &AdminPage{inv: inv} }

func (a *AdminPage) refresh() {
	a.Products = a.inv.Products()
	a.Reducer = a.inv.ReducerStatus()
}

// Mount implements live.View.
func (a *AdminPage) Mount(ctx context.Context, s *live.Socket, _ live.Params) error {
	s.SetTitle("Sneakers23 admin")
	if s.Connected() {
		for _, p := range a.inv.Products() {
			if err := s.Subscribe(inventory.Topic(p.ID)); err != nil {
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
	case adminTick, *pubsub.Message:
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
