package app_test

import (
	"context"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// A cart changed on one node while NATS is down shows on the other node's open tab once
// NATS is back: the change's announcement was lost, the resync is not.
func TestCartsResyncAfterNATSOutage(t *testing.T) {
	ctx := context.Background()
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	_, portText, _ := net.SplitHostPort(u.Host)
	port, _ := strconv.Atoi(portText)
	t.Cleanup(func() { srv.Shutdown() })

	db := filepath.Join(t.TempDir(), "shared.db")
	st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	products, items := storetest.Fixture()
	if err := st.Reset(ctx, products, items); err != nil {
		t.Fatal(err)
	}
	st.Close()
	node := func(id string) *app.App {
		ps, err := natspubsub.Connect(ctx, natspubsub.Options{URL: srv.ClientURL(), NodeID: id, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ps.Close() })
		st, err := store.OpenSQLite(ctx, db, store.SQLiteOptions{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, app.Config{Limits: channel.Unlimited(), Store: st, PubSub: ps, AdminPassword: testPassword, Secret: testSecret, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close(context.Background()) })
		if err := ps.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, b := node("a"), node("b")
	if err := a.Inventory.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	id := cart.NewID()
	v := tab(t, b, b, "/drops", id)
	v.WaitFor(func(html string) bool { return v.Has(sizeButton(1)) && !v.Has(sizeButton(1)+"[disabled]") })
	if !hasCartCount(0)(v.HTML()) {
		t.Fatalf("a new cart is not empty:\n%s", v.HTML())
	}

	srv.Shutdown()
	if err := a.Carts.Add(ctx, id, 1); err != nil {
		t.Fatal(err)
	}
	srv, err = natspubsub.StartServer(natspubsub.ServerOptions{Port: port, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	v.WaitFor(hasCartCount(1))
}
