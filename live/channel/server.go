package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/internal/keyed"
	"github.com/glint-go/glint/internal/rate"
	"github.com/glint-go/glint/live/pubsub"
)

// Server is the Phoenix Channels v2 WebSocket endpoint. Mount it (an http.Handler) at
// "<mount>/websocket", e.g. mux.Handle("/live/websocket", srv).
type Server struct {
	opts    Options
	log     *slog.Logger
	ps      pubsub.PubSub
	metrics *Metrics
	workers workers // goroutines for mailbox and write bursts

	routesMu sync.RWMutex
	exact    map[string]func() Handler
	prefixes []prefixRoute // longest prefix first

	mu       sync.Mutex
	sockets  map[*socket]struct{}
	closing  bool
	sockWG   sync.WaitGroup
	shutOnce sync.Once
	drained  chan struct{}
	// sweepStop ends the heartbeat check, which runs while there are sockets.
	sweepStop chan struct{}
	// poll parks quiet sockets (see park.go) while there are sockets, or is nil; a
	// socket is parked once its client has been quiet for parkAfter.
	poll      *poller
	parkAfter time.Duration

	// Limits (limits.go).
	proxies      []netip.Prefix
	slots        atomic.Int64                // sockets admitted and not yet gone, for MaxConnections
	perAddr      keyed.Counter[netip.Prefix] // sockets per address key
	chansPerAddr keyed.Counter[netip.Prefix] // joined channels per address key
	bans         bans                        // addresses refused for a while after abuse
	refusalLog   rate.Gate                   // limit refusals in the log: one a second
}

type prefixRoute struct {
	prefix     string
	newHandler func() Handler
}

// NewServer returns a Server configured by opts (see Options for the defaults).
//
// It panics when Options.TrustedProxies holds something that is neither a CIDR prefix nor
// an address: a misconfigured proxy list must not silently trust, or distrust, a header.
func NewServer(opts Options) *Server {
	opts = opts.withDefaults()
	proxies, err := parseProxies(opts.Limits.TrustedProxies)
	if err != nil {
		panic(err)
	}
	return &Server{
		proxies:    proxies,
		refusalLog: rate.Gate{Burst: 1, Rate: 1},
		opts:       opts,
		log:        opts.Logger,
		ps:         opts.PubSub,
		metrics:    &Metrics{},
		exact:      make(map[string]func() Handler),
		sockets:    make(map[*socket]struct{}),
		drained:    make(chan struct{}),
		parkAfter:  parkAfter,
	}
}

// ErrBadPattern is returned by Handle for an invalid topic pattern.
var ErrBadPattern = errors.New("channel: bad topic pattern")

// Handle routes joins of the topics matching pattern to handlers made by newHandler (one
// per join). A pattern is an exact topic ("room:lobby") or a prefix followed by one '*'
// at its very end ("lv:*"). The longest matching prefix wins; an exact topic wins over
// any prefix.
func (s *Server) Handle(pattern string, newHandler func() Handler) error {
	if newHandler == nil {
		return fmt.Errorf("%w %q: nil handler constructor", ErrBadPattern, pattern)
	}
	if pattern == "" {
		return fmt.Errorf("%w: empty pattern", ErrBadPattern)
	}
	if i := strings.IndexByte(pattern, '*'); i >= 0 && i != len(pattern)-1 {
		return fmt.Errorf("%w %q: '*' is only allowed at the end", ErrBadPattern, pattern)
	}
	s.routesMu.Lock()
	defer s.routesMu.Unlock()
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		for _, r := range s.prefixes {
			if r.prefix == prefix {
				return fmt.Errorf("%w %q: already registered", ErrBadPattern, pattern)
			}
		}
		s.prefixes = append(s.prefixes, prefixRoute{prefix, newHandler})
		for i := len(s.prefixes) - 1; i > 0 && len(s.prefixes[i].prefix) > len(s.prefixes[i-1].prefix); i-- {
			s.prefixes[i], s.prefixes[i-1] = s.prefixes[i-1], s.prefixes[i]
		}
		return nil
	}
	if _, ok := s.exact[pattern]; ok {
		return fmt.Errorf("%w %q: already registered", ErrBadPattern, pattern)
	}
	s.exact[pattern] = newHandler
	return nil
}

// route returns the handler constructor for topic, or nil.
func (s *Server) route(topic string) func() Handler {
	s.routesMu.RLock()
	defer s.routesMu.RUnlock()
	if h := s.exact[topic]; h != nil {
		return h
	}
	for _, r := range s.prefixes {
		if strings.HasPrefix(topic, r.prefix) {
			return r.newHandler
		}
	}
	return nil
}

// PubSub returns the server's PubSub.
func (s *Server) PubSub() pubsub.PubSub { return s.ps }

// Metrics returns the server's counters and gauges.
func (s *Server) Metrics() *Metrics { return s.metrics }

// ServeHTTP upgrades the request to a WebSocket and serves the socket until it closes.
// It answers 403 for a vsn whose major version is not 2, a refused origin or a Connect
// error, 429 above MaxSocketsPerAddress, and 503 above MaxConnections or once Shutdown has
// begun.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		s.metrics.ConnectRejected.Add(1)
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	addr := clientAddr(r, s.proxies)
	release, ok := s.admit(w, r, addr)
	if !ok {
		return
	}
	admitted := false
	defer func() {
		if !admitted {
			release()
		}
	}()
	params := r.URL.Query()
	if major, _, _ := strings.Cut(params.Get("vsn"), "."); major != "2" {
		s.reject(w, r, "unsupported serializer version", slog.String("vsn", clip(params.Get("vsn"))))
		return
	}
	if !s.opts.CheckOrigin(r) {
		s.reject(w, r, "origin not allowed", slog.String("origin", clip(r.Header.Get("Origin"))))
		return
	}
	info := &ConnectInfo{Params: params, Header: r.Header, RemoteAddr: r.RemoteAddr, ClientAddr: addr, Cookies: r.Cookies(), AuthToken: authToken(r.Header)}
	assigns := AssignsFromContext(r.Context())
	if s.opts.Connect != nil {
		connected, err := s.connect(r.Context(), info)
		if err != nil {
			s.reject(w, r, "connect refused", slog.Any("error", err))
			return
		}
		if assigns == nil {
			assigns = connected
		} else {
			for k, v := range connected {
				assigns[k] = v
			}
		}
	}
	if id, ok := assigns["socket_id"].(string); ok {
		info.SocketID = id
	}
	// Connect saw every header; the socket keeps only those asked for, so an idle socket
	// does not hold a browser's ~1 KB of request headers.
	info.Header = keptHeader(r.Header, s.opts.KeepHeaders)
	// Likewise the parsed query and the cookies: Channel.ConnectInfo parses the query
	// again when asked.
	info.Params, info.Cookies = nil, nil
	hj := &hijacker{ResponseWriter: w, req: r, compression: s.opts.Compression.Mode}
	libMode := websocket.CompressionDisabled
	if s.opts.Compression.Mode != CompressionOff {
		// Always: the socket deflates its own messages (compress.go), and the library
		// inflates the client's without keeping a window.
		libMode = websocket.CompressionNoContextTakeover
	}
	conn, err := websocket.Accept(hj, r, &websocket.AcceptOptions{
		Subprotocols:       []string{"phoenix"},
		InsecureSkipVerify: true, // the origin was checked above
		CompressionMode:    libMode,
	})
	if err != nil {
		s.log.Warn("channel: websocket upgrade failed", "remote", clip(r.RemoteAddr), "error", err)
		return
	}
	conn.SetReadLimit(s.opts.MaxFrameBytes)
	sock := newSocket(s, conn, hj.conn, info, assigns)
	sock.defl = newDeflater(w.Header().Get(extensionsHeader), s.opts.Compression.Threshold)
	sock.rawQuery = r.URL.RawQuery
	if !s.register(sock) {
		conn.Close(websocket.StatusServiceRestart, "server shutting down")
		return
	}
	sock.release, sock.addr, admitted = release, addrKey(addr), true
	if info.SocketID != "" {
		if err := s.ps.Subscribe(DisconnectTopic(info.SocketID), sock); err != nil {
			sock.logger().Error("channel: subscribing to the disconnect topic", "error", err)
		}
	}
	// Serve on a fresh goroutine and return, so that net/http releases the request and
	// response state it holds for the handler while the socket lives.
	go sock.serve()
}

// connect runs the Connect callback, turning a panic into an error.
func (s *Server) connect(ctx context.Context, info *ConnectInfo) (a Assigns, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("channel: Connect panicked: %v", p)
		}
	}()
	return s.opts.Connect(ctx, info)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, why string, attr slog.Attr) {
	s.metrics.ConnectRejected.Add(1)
	s.log.Warn("channel: socket refused: "+why, "remote", clip(r.RemoteAddr), attr)
	http.Error(w, why, http.StatusForbidden)
}

func (s *Server) register(sock *socket) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if len(s.sockets) == 0 {
		s.workers.setOpen(true)
		s.startSweep()
		if parkIdle {
			var err error
			if s.poll, err = newPoller(); err != nil {
				s.log.Debug("channel: no poller; each socket reads on its own goroutine", "error", err)
			}
		}
	}
	if s.poll != nil && s.poll.add(sock) {
		sock.poll = s.poll
	}
	s.sockets[sock] = struct{}{}
	s.sockWG.Add(1)
	s.metrics.Connections.Add(1)
	s.metrics.ConnectionsTotal.Add(1)
	return true
}

func (s *Server) unregister(sock *socket) {
	s.mu.Lock()
	delete(s.sockets, sock)
	if len(s.sockets) == 0 {
		s.workers.setOpen(false) // nothing outlives the last socket
		s.stopSweep()
		if s.poll != nil {
			s.poll.close()
			s.poll = nil
		}
	}
	s.mu.Unlock()
	s.metrics.Connections.Add(-1)
	s.sockWG.Done()
}

// DisconnectTopic returns the PubSub topic on which Disconnect announces socketID.
func DisconnectTopic(socketID string) string { return "phx:disconnect:" + socketID }

// Disconnect closes (code 1001, so clients reconnect) every socket whose id is socketID,
// on every node sharing the PubSub: it broadcasts a "disconnect" event on
// DisconnectTopic(socketID), which each such socket subscribes to.
func (s *Server) Disconnect(ctx context.Context, socketID string) error {
	if socketID == "" {
		return errors.New("channel: Disconnect needs a socket id")
	}
	if err := s.ps.Broadcast(ctx, DisconnectTopic(socketID), "disconnect", nil); err != nil {
		return fmt.Errorf("channel: disconnect %q: %w", socketID, err)
	}
	return nil
}

// Shutdown stops accepting sockets (new upgrades get 503), then closes every socket with
// code 1012, each at a random moment within DrainWindow so that clients reconnect
// elsewhere gradually, and waits until all socket and channel goroutines have ended. If
// ctx ends first, the remaining sockets are closed at once and ctx's error is returned
// after they have ended.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	socks := make([]*socket, 0, len(s.sockets))
	for sock := range s.sockets {
		socks = append(socks, sock)
	}
	s.mu.Unlock()

	s.spreadCloses(socks, "server shutting down")
	s.shutOnce.Do(func() {
		go func() {
			s.sockWG.Wait()
			close(s.drained)
		}()
	})
	select {
	case <-s.drained:
		return nil
	case <-ctx.Done():
	}
	for _, sock := range socks {
		sock.closeNow()
	}
	<-s.drained
	return ctx.Err()
}

// Drain closes every socket open now with code 1012, each at a random moment within
// DrainWindow, while the server keeps accepting: clients reconnect (here or, behind a load
// balancer, elsewhere) gradually instead of all at once. Use it to rebalance connections
// or before taking a node out of rotation; Shutdown drains and then stops. It returns the
// number of sockets scheduled for closing.
func (s *Server) Drain() int {
	s.mu.Lock()
	socks := make([]*socket, 0, len(s.sockets))
	for sock := range s.sockets {
		socks = append(socks, sock)
	}
	s.mu.Unlock()
	s.spreadCloses(socks, "server draining")
	return len(socks)
}

// spreadCloses closes socks with 1012 at uniformly random moments within DrainWindow.
func (s *Server) spreadCloses(socks []*socket, reason string) {
	window := s.opts.DrainWindow
	for _, sock := range socks {
		d := time.Duration(0)
		if window > 0 {
			d = time.Duration(rand.Int64N(int64(window)))
		}
		sock.closeAfter(d, websocket.StatusServiceRestart, reason)
	}
}
