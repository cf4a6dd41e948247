package natspubsub

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerOptions configure an embedded NATS server.
type ServerOptions struct {
	// Host to listen on for clients. Default "127.0.0.1".
	Host string
	// Port for clients. 0 picks a free port; -1 is not needed.
	Port int
	// ClusterName names the cluster. Required, with ClusterPort, to cluster with peers.
	ClusterName string
	// ClusterHost to listen on for routes. Default Host.
	ClusterHost string
	// ClusterPort for routes from peers. 0 means no cluster listener unless Routes are
	// given, in which case a free port is picked.
	ClusterPort int
	// Routes are the peers' cluster URLs, such as "nats-route://10.0.0.2:6222".
	Routes []string
	// Logger receives the server's start and stop. Default slog.Default().
	Logger *slog.Logger
}

// Server is an embedded NATS server running inside this process.
type Server struct {
	ns  *server.Server
	log *slog.Logger
}

// StartServer starts an embedded NATS server and waits until it accepts clients.
func StartServer(o ServerOptions) (*Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	port := o.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: "glint-" + randomID(),
		Host:       o.Host,
		Port:       port,
		NoLog:      true,
		NoSigs:     true,
		// Broadcasts are small; keep a slow peer from holding memory forever.
		MaxPending: 64 << 20,
	}
	if o.ClusterPort != 0 || len(o.Routes) > 0 {
		if o.ClusterName == "" {
			o.ClusterName = "glint"
		}
		ch := o.ClusterHost
		if ch == "" {
			ch = o.Host
		}
		cp := o.ClusterPort
		if cp == 0 {
			cp = server.RANDOM_PORT
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: ch, Port: cp}
		for _, r := range o.Routes {
			u, err := url.Parse(strings.TrimSpace(r))
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("natspubsub: bad route %q: want nats-route://host:port", r)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natspubsub: embedded server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("natspubsub: embedded server not ready after 10s")
	}
	s := &Server{ns: ns, log: o.Logger}
	s.log.Info("natspubsub: embedded NATS server started", "url", s.ClientURL(), "cluster", s.ClusterURL())
	return s, nil
}

// ClientURL is the URL clients connect to, such as "nats://127.0.0.1:4222".
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// ClusterURL is the route URL peers list in their Routes, or "" without clustering.
func (s *Server) ClusterURL() string {
	a := s.ns.ClusterAddr()
	if a == nil {
		return ""
	}
	return "nats-route://" + a.String()
}

// NumRoutes reports how many peer routes are connected.
func (s *Server) NumRoutes() int { return s.ns.NumRoutes() }

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.log.Info("natspubsub: embedded NATS server stopped")
}

// Traffic is what an embedded server has carried since it started.
type Traffic struct {
	InMsgs, InBytes   int64 // published to the server
	OutMsgs, OutBytes int64 // delivered to subscribers
}

// Traffic reports the server's message and byte counters (message bodies and headers, not
// protocol framing).
func (s *Server) Traffic() Traffic {
	v, err := s.ns.Varz(nil)
	if err != nil {
		return Traffic{}
	}
	return Traffic{InMsgs: v.InMsgs, InBytes: v.InBytes, OutMsgs: v.OutMsgs, OutBytes: v.OutBytes}
}
