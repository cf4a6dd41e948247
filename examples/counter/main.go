package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		slog.Error("counter", "err", err)
		os.Exit(1)
	}
	slog.Info("counter listening", "addr", ln.Addr().String())
	if err := serve(ctx, ln, config{}); err != nil {
		slog.Error("counter", "err", err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 30 * time.Second

// serve serves the counter on ln until ctx is done (SIGINT or SIGTERM in main), then shuts
// down gracefully: the live sockets are closed with "service restart" spread over the drain
// window, so clients reconnect to the next server, and then HTTP stops.
func serve(ctx context.Context, ln net.Listener, cfg config) error {
	lv := newServer(cfg)
	srv := &http.Server{Handler: newHandler(lv), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		lv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	slog.Info("counter shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// The live sockets are hijacked connections, which http.Server.Shutdown does not wait
	// for: close them first.
	lerr := lv.Shutdown(shutdownCtx)
	herr := srv.Shutdown(shutdownCtx)
	<-errc // http.ErrServerClosed
	return errors.Join(lerr, herr)
}
