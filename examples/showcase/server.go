package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
)

// config is what newServer needs; tests fill it in, main reads it from flags.
type config struct {
	// Secret signs sessions; empty lets the runtime pick (GLINT_SECRET or random). Nodes
	// that share a PubSub need the same one.
	Secret []byte
	// Logger receives the runtime's logs; nil means slog.Default().
	Logger *slog.Logger
	// ScriptURL replaces the runtime's client script when set (the official-client
	// browser tests serve their own).
	ScriptURL string
	// DrainWindow spreads the closing of sockets at shutdown; 0 keeps the runtime's default.
	DrainWindow time.Duration
	// PubSub connects this node to the others (natspubsub); nil runs one node alone.
	PubSub pubsub.PubSub
	// Presence configures the presence tracker; its Logger defaults to Logger.
	Presence presence.Options
}

// Session keys every page gets: each page load (each tab) is a visitor of its own.
const (
	sessionName = "name" // a random name, such as "Curious Otter"
	sessionTab  = "tab"  // a random id: the tab's presence key
)

// app is what the pages share.
type app struct {
	tracker *presence.Tracker
	store   *fileStore // /upload's files
}

// showcase is the showcase's http.Handler: the live server and what its pages share.
type showcase struct {
	*live.Server
	app *app
	mux *http.ServeMux
}

// ServeHTTP serves the upload store's presigned PUTs and, for everything else, the live
// server.
func (s *showcase) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// newServer builds the showcase's handler without listening.
func newServer(cfg config) (*showcase, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	opts := live.Options{Secret: cfg.Secret, Logger: cfg.Logger, ScriptURL: cfg.ScriptURL, Layout: layoutTemplate}
	opts.Channel.DrainWindow = cfg.DrainWindow
	opts.Channel.PubSub = cfg.PubSub
	opts.Channel.KeepHeaders = []string{"User-Agent"} // for /hooks: Socket.ConnectInfo
	opts.OnError = showError                          // hooks.go: failed handlers show a flash
	opts.Session = func(r *http.Request) (map[string]string, error) {
		return map[string]string{sessionName: randomName(), sessionTab: randomID()}, nil
	}
	lv := live.New(opts)
	lv.OnMount(hooksGroup, visitorHook)
	popts := cfg.Presence
	if popts.Logger == nil {
		popts.Logger = cfg.Logger
	}
	tracker, err := presence.New(lv.PubSub(), popts)
	if err != nil {
		return nil, fmt.Errorf("showcase: %w", err)
	}
	store, err := newFileStore(cfg.Logger)
	if err != nil {
		tracker.Close()
		return nil, fmt.Errorf("showcase: %w", err)
	}
	a := &app{tracker: tracker, store: store}
	lv.Handle("GET /{$}", live.Page{New: func() live.View { return &Index{Pages: pages} }, Template: indexTemplate})
	for _, p := range pages {
		for _, path := range append([]string{p.Path}, p.Also...) {
			lv.Handle("GET "+path, p.page(a))
		}
		for name, np := range p.nested {
			lv.HandleNested(name, np)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("PUT /upload-store/{id}", store)
	mux.Handle("/", lv)
	return &showcase{Server: lv, app: a, mux: mux}, nil
}

// Shutdown ends every view (their presences leave with them), then stops the tracker,
// which tells the other nodes this one is gone.
func (s *showcase) Shutdown(ctx context.Context) error {
	err := s.Server.Shutdown(ctx)
	s.app.tracker.Close()
	return errors.Join(err, s.app.store.Close())
}

// randomID returns 12 random base64url characters.
func randomID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
