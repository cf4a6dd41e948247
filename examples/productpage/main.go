package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	neturl "net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
	"github.com/glint-go/glint/live/token"
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
	db := fs.String("db", "sneakers.db", "SQLite database file (created and seeded when new), or a postgres:// URL (waited for, with /readyz answering 503, while it does not answer)")
	reseed := fs.Bool("reseed", false, "start the database over with fresh seed data")
	natsURL := fs.String("nats", os.Getenv(natspubsub.EnvURL), "NATS server URL for scale-out (default $"+natspubsub.EnvURL+"; empty: in-process PubSub)")
	natsEmbed := fs.Bool("nats-embed", false, "start an embedded NATS server in this process and use it")
	natsListen := fs.String("nats-listen", "127.0.0.1:4222", "with -nats-embed: client address of the embedded server")
	natsCluster := fs.String("nats-cluster", "", "with -nats-embed: route address for peers (host:port); empty: no cluster")
	natsRoutes := fs.String("nats-routes", "", "with -nats-embed: peers' route URLs, comma-separated (nats-route://host:port)")
	node := fs.String("node", "", "this node's id in the cluster (default random)")
	proxies := fs.String("trusted-proxies", "", "comma-separated networks (CIDR) of reverse proxies whose X-Forwarded-For names the client, for the per-address limits")
	reconcile := fs.Duration("reconcile", inventory.DefaultReconcileEvery, "how often the inventory is reconciled with the database (negative: only on NATS reconnection and on conflicts)")
	drainDelay := fs.Duration("drain-delay", 0, "on shutdown, how long /readyz answers 503 before the live sockets are drained, so that load balancers stop routing here first")
	secretFile := fs.String("secret-file", "", "file holding the secret that signs sessions and cart cookies, created when missing (default: $"+token.SecretEnv+" when set, else the SQLite file's name + \".secret\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))

	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	ps, err := startPubSub(ctx, logger, *natsURL, *natsEmbed, *natsListen, *natsCluster, *natsRoutes, *node, &cleanups)
	if err != nil {
		return err
	}
	secret, err := loadSecret(*secretFile, *db, logger)
	if err != nil {
		return err
	}
	cfg := app.Config{Reseed: *reseed, Logger: logger, PubSub: ps, Secret: secret, ReconcileEvery: *reconcile}
	if *proxies != "" {
		for _, p := range strings.Split(*proxies, ",") {
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					return fmt.Errorf("-trusted-proxies: %q is neither a network (CIDR) nor an address", p)
				}
			}
			cfg.Limits.TrustedProxies = append(cfg.Limits.TrustedProxies, p)
		}
	}
	if store.IsPostgresURL(*db) {
		if err := store.CheckPostgresURL(*db); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// The probes answer from the start: /healthz (alive) and /readyz (store, NATS, not
	// draining). Until the app is up, /readyz says the store does not answer and every
	// other request gets a 503.
	g := newGate(logger)
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + displayAddr(ln.Addr()).String() + "/drops"
	// started delivers the app once it is up (or nil when run ends first).
	started := make(chan *app.App, 1)
	startCtx, cancelStart := context.WithCancel(ctx)
	defer cancelStart()
	if store.IsPostgresURL(*db) {
		// A database that does not answer yet is waited for, in the background.
		go func() { started <- startWithPostgres(startCtx, cfg, *db, logger, g, url) }()
		logger.Info("Sneakers23 is listening; opening the database", "addr", ln.Addr().String(), "db", redact(*db))
		if ready != nil {
			ready(ln.Addr().String())
		}
	} else {
		cfg.DBPath = *db
		a, err := app.New(ctx, cfg)
		if err != nil {
			shutdownServer(srv)
			return err
		}
		g.set(a)
		started <- a
		logger.Info("Sneakers23 is up", "url", url, "db", redact(*db))
		if ready != nil {
			ready(ln.Addr().String())
		}
	}

	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("shutting down")
	}
	// Turn not ready first, and give load balancers the drain delay to notice; then drain
	// the live sockets (they are hijacked, so http.Server.Shutdown does not wait for them),
	// then stop serving.
	g.drain()
	if *drainDelay > 0 && err == nil {
		logger.Info("not ready; waiting before draining", "delay", *drainDelay)
		time.Sleep(*drainDelay)
	}
	cancelStart()
	if a := <-started; a != nil {
		closeApp(a, logger)
	}
	if serr := shutdownServer(srv); serr != nil && err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// shutdownServer stops serving HTTP, waiting up to 5 s for requests under way.
func shutdownServer(srv *http.Server) error {
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Retries of a database that does not answer at start-up: the pause doubles from
// startBackoffMin to startBackoffMax, and one attempt may take up to startAttempt.
const (
	startBackoffMin = 250 * time.Millisecond
	startBackoffMax = 5 * time.Second
	startAttempt    = 15 * time.Second
)

// startWithPostgres opens the database and builds the app, retrying with backoff until it
// succeeds or ctx is done (it then returns nil). The app, once built, is served by g.
func startWithPostgres(ctx context.Context, cfg app.Config, db string, logger *slog.Logger, g *gate, url string) *app.App {
	pause := startBackoffMin
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, startAttempt)
		st, err := store.OpenPostgres(actx, db, store.PostgresOptions{Reseed: cfg.Reseed, Logger: logger})
		if err == nil {
			c := cfg
			c.Store = st
			var a *app.App
			if a, err = app.New(actx, c); err == nil { // app.New closes the store when it fails
				cancel()
				if ctx.Err() != nil {
					closeApp(a, logger)
					return nil
				}
				g.set(a)
				logger.Info("Sneakers23 is up", "url", url, "db", redact(db), "attempts", attempt)
				return a
			}
		}
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		logger.Warn("database not answering; retrying", "attempt", attempt, "in", pause, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		pause = min(2*pause, startBackoffMax)
	}
}

// gate is the server's handler: the app's once it is up, and until then the probes of a
// node that is not ready (/healthz 200, /readyz 503 "not ready: store not answering") and
// a 503 for every other request.
type gate struct {
	starting *app.Health

	mu      sync.RWMutex
	app     *app.App
	handler http.Handler
}

// errNotOpen is the starting node's answer to the readiness check's ping.
var errNotOpen = errors.New("the database is not open yet")

type notOpen struct{}

func (notOpen) Ping(context.Context) error { return errNotOpen }

func newGate(logger *slog.Logger) *gate {
	g := &gate{starting: app.NewHealth(app.HealthOptions{Store: notOpen{}, Logger: logger})}
	g.handler = g.starting.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "Sneakers23 is starting: the database does not answer yet", http.StatusServiceUnavailable)
	}))
	return g
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.RLock()
	h := g.handler
	g.mu.RUnlock()
	h.ServeHTTP(w, r)
}

// set serves a from now on, behind its probes.
func (g *gate) set(a *app.App) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.starting.Draining() {
		a.Health.Drain() // shutting down already
	}
	g.app, g.handler = a, a.Health.Wrap(a)
}

// drain turns the node not ready, for good.
func (g *gate) drain() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.starting.Drain()
	if g.app != nil {
		g.app.Health.Drain()
	}
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

// startPubSub returns the PubSub the app broadcasts on: NATS when a URL is given or an
// embedded server is asked for, else nil (the app's in-process default).
func startPubSub(ctx context.Context, logger *slog.Logger, url string, embed bool, listen, cluster, routes, node string, cleanups *[]func()) (pubsub.PubSub, error) {
	if embed {
		host, port, err := net.SplitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("-nats-listen %q: %w", listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("-nats-listen %q: bad port", listen)
		}
		o := natspubsub.ServerOptions{Host: host, Port: p, Logger: logger}
		if cluster != "" {
			ch, cp, err := net.SplitHostPort(cluster)
			if err != nil {
				return nil, fmt.Errorf("-nats-cluster %q: %w", cluster, err)
			}
			if o.ClusterPort, err = strconv.Atoi(cp); err != nil {
				return nil, fmt.Errorf("-nats-cluster %q: bad port", cluster)
			}
			o.ClusterHost = ch
		}
		for _, r := range strings.Split(routes, ",") {
			if r = strings.TrimSpace(r); r != "" {
				o.Routes = append(o.Routes, r)
			}
		}
		srv, err := natspubsub.StartServer(o)
		if err != nil {
			return nil, err
		}
		*cleanups = append(*cleanups, srv.Shutdown)
		url = srv.ClientURL()
	}
	if url == "" {
		return nil, nil
	}
	ps, err := natspubsub.Connect(ctx, natspubsub.Options{URL: url, NodeID: node, Logger: logger})
	if err != nil {
		return nil, err
	}
	*cleanups = append(*cleanups, func() { ps.Close() })
	logger.Info("scale-out on NATS", "url", url, "node", ps.NodeID())
	return ps, nil
}

// loadSecret returns the secret that signs sessions and cart cookies, so that carts and
// open pages survive a restart: the file's when one is named, else $GLINT_SECRET, else
// (for a SQLite database) a file beside it, created with a random secret on first run.
// With none of these it returns nil and the app draws a random secret.
func loadSecret(file, db string, logger *slog.Logger) ([]byte, error) {
	if file == "" {
		if env := os.Getenv(token.SecretEnv); env != "" {
			return []byte(env), nil
		}
		if store.IsPostgresURL(db) {
			return nil, nil
		}
		file = db + ".secret"
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		b = []byte(token.RandomSecret())
		if err := os.WriteFile(file, b, 0o600); err != nil {
			return nil, fmt.Errorf("write secret: %w", err)
		}
		logger.Info("wrote a new secret", "file", file)
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	if b = []byte(strings.TrimSpace(string(b))); len(b) < token.MinSecretBytes {
		return nil, fmt.Errorf("secret in %s: shorter than %d bytes", file, token.MinSecretBytes)
	}
	return b, nil
}

// redact hides a database URL's password in logs.
func redact(db string) string {
	if u, err := neturl.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = neturl.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return db
}
