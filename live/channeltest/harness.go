package channeltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// DefaultTimeout is how long assertions wait for an expected frame.
const DefaultTimeout = 2 * time.Second

// Harness serves a channel.Server over in-memory connections.
type Harness struct {
	// Timeout bounds how long Assert* methods wait (default DefaultTimeout).
	Timeout time.Duration

	t    testing.TB
	srv  *channel.Server
	ln   *pipeListener
	http *http.Server

	mu      sync.Mutex
	clients []*Client
	assigns map[string]channel.Assigns // by dial id, for ConnectAssigns
	dialID  int
}

const assignsHeader = "X-Channeltest-Assigns"

// serveWithAssigns puts the assigns registered for the dial (if any) into the upgrade
// request's context, as an authentication middleware would, and serves it.
func (h *Harness) serveWithAssigns(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get(assignsHeader); id != "" {
		h.mu.Lock()
		a := h.assigns[id]
		delete(h.assigns, id)
		h.mu.Unlock()
		r = r.WithContext(channel.ContextWithAssigns(r.Context(), a))
	}
	h.srv.ServeHTTP(w, r)
}

// New starts serving srv in memory. When the test ends, the harness closes its clients and
// shuts srv down (waiting for all its goroutines), so tests can use goleak.
func New(t testing.TB, srv *channel.Server) *Harness {
	t.Helper()
	h := &Harness{Timeout: DefaultTimeout, t: t, srv: srv, ln: newPipeListener()}
	mux := http.NewServeMux()
	mux.Handle("/socket/websocket", http.HandlerFunc(h.serveWithAssigns))
	h.http = &http.Server{Handler: mux}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = h.http.Serve(h.ln)
	}()
	t.Cleanup(func() {
		h.mu.Lock()
		clients := h.clients
		h.clients = nil
		h.mu.Unlock()
		for _, c := range clients {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("channeltest: server shutdown: %v", err)
		}
		_ = h.http.Close()
		<-served
	})
	return h
}

// ConnectError reports a refused upgrade.
type ConnectError struct {
	StatusCode int // HTTP status: 403 for a refused Connect, version or origin; 503 while shutting down
}

// Error implements error.
func (e *ConnectError) Error() string {
	return fmt.Sprintf("channeltest: connection refused with HTTP %d", e.StatusCode)
}

// Connect opens a socket with params (vsn=2.0.0 is added) and header (may be nil), failing
// the test if the server refuses it.
func (h *Harness) Connect(params url.Values, header http.Header) *Client {
	h.t.Helper()
	c, err := h.TryConnect(params, header)
	if err != nil {
		h.t.Fatalf("channeltest: connect: %v", err)
	}
	return c
}

// ConnectAssigns is Connect for a socket that starts with assigns, as if an
// authentication middleware had set them (channel.ContextWithAssigns); the server's
// Connect callback, if any, still runs and its result is merged over them.
func (h *Harness) ConnectAssigns(assigns channel.Assigns, params url.Values) *Client {
	h.t.Helper()
	h.mu.Lock()
	h.dialID++
	id := fmt.Sprint(h.dialID)
	if h.assigns == nil {
		h.assigns = make(map[string]channel.Assigns)
	}
	h.assigns[id] = assigns
	h.mu.Unlock()
	c, err := h.TryConnect(params, http.Header{assignsHeader: {id}})
	if err != nil {
		h.t.Fatalf("channeltest: connect: %v", err)
	}
	return c
}

// TryConnect is Connect returning the error (a *ConnectError when the server refused the
// upgrade) instead of failing the test.
func (h *Harness) TryConnect(params url.Values, header http.Header) (*Client, error) {
	q := url.Values{}
	for k, v := range params {
		q[k] = append([]string(nil), v...)
	}
	q.Set("vsn", "2.0.0")
	u := "ws://channeltest/socket/websocket?" + q.Encode()
	hc := &http.Client{Transport: &http.Transport{DialContext: h.ln.dial}}
	ctx, cancel := context.WithTimeout(context.Background(), h.Timeout)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: hc, HTTPHeader: header})
	hc.CloseIdleConnections()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, &ConnectError{StatusCode: resp.StatusCode}
		}
		return nil, fmt.Errorf("channeltest: dial: %w", err)
	}
	conn.SetReadLimit(-1)
	c := newClient(h, conn)
	h.mu.Lock()
	h.clients = append(h.clients, c)
	h.mu.Unlock()
	return c, nil
}

// pipeListener is a net.Listener whose connections are in-memory pipes.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, errors.New("channeltest: harness closed")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "channeltest" }
