// Command productpage runs Sneakers23, Glint's flagship demo: a shop page (/drops) whose
// limited drops are released and sell out live, on a SQLite store.
//
//	go run ./examples/productpage [-addr :8080] [-db sneakers.db] [-reseed]
//
// Then open http://localhost:8080/drops, and drive the drop from /admin (user admin,
// password from ADMIN_PASSWORD, "password" when unset) or the admin API:
//
//	curl -u admin:password -X POST localhost:8080/admin/api/products/1/release
//	curl -u admin:password -X POST 'localhost:8080/admin/api/reducer?per_tick=200&tick_ms=250'
//
// Set GLINT_SECRET (32 bytes or more) to keep open pages connected across restarts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/glint-go/glint/examples/productpage/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], nil)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "productpage:", err)
		os.Exit(1)
	}
}

// run serves the demo until ctx is done. ready, when set, receives the listening address.
func run(ctx context.Context, args []string, ready func(addr string)) error {
	fs := flag.NewFlagSet("productpage", flag.ContinueOnError)
	addr := fs.String("addr", ":8080", "listen address")
	db := fs.String("db", "sneakers.db", "SQLite database file (created and seeded when new)")
	reseed := fs.Bool("reseed", false, "start the database over with fresh seed data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	a, err := app.New(ctx, app.Config{DBPath: *db, Reseed: *reseed, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		closeApp(a, logger)
		return err
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("Sneakers23 is up", "url", "http://"+displayAddr(ln.Addr()).String()+"/drops", "db", *db)
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
	}
	// Drain the live sockets first (they are hijacked, so http.Server.Shutdown does not
	// wait for them), then stop serving.
	closeApp(a, logger)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func closeApp(a *app.App, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		logger.Error("shutdown", "err", err)
	}
}

// displayAddr turns a wildcard listen address into one a browser can open.
func displayAddr(a net.Addr) net.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: tcp.Port}
	}
	return a
}
