package app

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPingTimeout is how long a readiness check waits for the store by default.
const DefaultPingTimeout = 2 * time.Second

// HealthOptions configure NewHealth.
type HealthOptions struct {
	// Store is pinged by every readiness check. Required.
	Store interface {
		Ping(ctx context.Context) error
	}
	// Link, when set, reports whether this node's link to the other nodes (NATS) works;
	// a node whose link is down is not ready. natspubsub.PubSub's LinkState fits.
	Link func() (up bool, since time.Time)
	// PingTimeout bounds the store's answer. Zero means DefaultPingTimeout.
	PingTimeout time.Duration
	// Logger receives the changes of readiness. Nil means slog.Default().
	Logger *slog.Logger
}

// Health answers the probes of load balancers and orchestrators:
//
//	GET /healthz   200 "ok": the process serves HTTP (liveness; it checks nothing else)
//	GET /readyz    200 "ready" when the store answers a ping, the NATS link (when there is
//	               one) is up and the node is not draining; otherwise 503 with a short
//	               plain-text reason, such as "not ready: draining"
//
// Draining (Drain) is for good: a node that drains is on its way out and stays not ready
// until it restarts.
type Health struct {
	ping     func(context.Context) error
	link     func() (bool, time.Time)
	timeout  time.Duration
	logger   *slog.Logger
	draining atomic.Bool

	mu         sync.Mutex
	lastReason string // the last readiness answer's reason, "" when ready
}

// NewHealth returns the probes' handler.
func NewHealth(o HealthOptions) *Health {
	h := &Health{ping: o.Store.Ping, link: o.Link, timeout: o.PingTimeout, logger: o.Logger}
	if h.timeout <= 0 {
		h.timeout = DefaultPingTimeout
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	return h
}

// Drain marks the node not ready, for good. It reports whether the node was ready to
// drain (false when it already was draining).
func (h *Health) Drain() bool {
	first := !h.draining.Swap(true)
	if first {
		h.logger.Info("health: draining, /readyz now answers 503")
	}
	return first
}

// Draining reports whether Drain was called.
func (h *Health) Draining() bool { return h.draining.Load() }

// Ready returns "" when the node is ready, else the short reason it is not.
func (h *Health) Ready(ctx context.Context) string {
	reason := h.check(ctx)
	h.mu.Lock()
	changed := reason != h.lastReason
	h.lastReason = reason
	h.mu.Unlock()
	if changed {
		if reason == "" {
			h.logger.Info("health: ready")
		} else {
			h.logger.Warn("health: not ready", "reason", reason)
		}
	}
	return reason
}

func (h *Health) check(ctx context.Context) string {
	if h.draining.Load() {
		return "draining"
	}
	if h.link != nil {
		if up, _ := h.link(); !up {
			return "NATS link down"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	if err := h.ping(ctx); err != nil {
		h.logger.Debug("health: store ping failed", "err", err)
		return "store not answering"
	}
	return ""
}

// ServeHTTP answers GET (and HEAD) /healthz and /readyz, and 404 to anything else.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Path == "/healthz" {
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if reason := h.Ready(r.Context()); reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + reason + "\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Wrap serves /healthz and /readyz itself and everything else with next. The probes pass
// no other middleware: no security headers or rate limits stand between them and the
// answer.
func (h *Health) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// drainFirst is the live server as the admin's drain endpoint sees it: a drain marks the
// node not ready before it starts closing sockets, so that reconnecting clients are sent
// to other nodes.
type drainFirst struct {
	sockets interface {
		Disconnect(ctx context.Context, socketID string) error
		Drain() int
	}
	health *Health
}

func (d drainFirst) Disconnect(ctx context.Context, socketID string) error {
	return d.sockets.Disconnect(ctx, socketID)
}

func (d drainFirst) Drain() int {
	d.health.Drain()
	return d.sockets.Drain()
}

// linkOf returns ps's LinkState when it has one (a PubSub spanning nodes), else nil.
func linkOf(ps any) func() (bool, time.Time) {
	if l, ok := ps.(interface{ LinkState() (bool, time.Time) }); ok {
		return l.LinkState
	}
	return nil
}
