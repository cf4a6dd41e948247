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

	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	natsURL := flag.String("nats", os.Getenv(natspubsub.EnvURL), "NATS server URL shared with the other nodes (default $"+natspubsub.EnvURL+"); empty runs one node alone")
	flag.Parse()
	if err := run(*addr, *natsURL); err != nil {
		slog.Error("showcase", "err", err)
		os.Exit(1)
	}
}

func run(addr, natsURL string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg config
	if natsURL != "" {
		connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		ps, err := natspubsub.Connect(connectCtx, natspubsub.Options{URL: natsURL})
		cancel()
		if err != nil {
			return err
		}
		defer ps.Close()
		cfg.PubSub = ps
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("showcase listening", "addr", ln.Addr().String(), "nats", natsURL)
	return serve(ctx, ln, cfg)
}

// shutdownTimeout bounds the graceful shutdown.
const shutdownTimeout = 30 * time.Second

// serve serves the showcase on ln until ctx is done (SIGINT or SIGTERM in main), then shuts
// down gracefully: the live sockets are closed spread over the drain window, so clients
// reconnect to the next server, this node's presences leave, and HTTP stops.
func serve(ctx context.Context, ln net.Listener, cfg config) error {
	sc, err := newServer(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: sc, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		sc.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	slog.Info("showcase shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	// The live sockets are hijacked connections, which http.Server.Shutdown does not wait
	// for: close them first.
	lerr := sc.Shutdown(shutdownCtx)
	herr := srv.Shutdown(shutdownCtx)
	<-errc // http.ErrServerClosed
	return errors.Join(lerr, herr)
}
