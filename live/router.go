package live

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/glint-go/glint/internal/rate"
	"github.com/glint-go/glint/js"
)

// newServer builds a Server; see New.
func newServer(opts Options) *Server {
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		mux:     http.NewServeMux(),
		routes:  make(map[string]*route),
		router:  http.NewServeMux(),
		layout:  opts.Layout,
		script:  opts.ScriptURL,
		metrics: &metrics{},
		crashes: newCrashBackoff(),
	}
	if s.log == nil {
		s.log = defaultLogger()
	}
	if s.layout == nil {
		s.layout = DefaultLayout
	}
	if s.script == "" {
		s.script = "/live/glint.js"
	}
	s.clientLog = rate.Gate{Burst: logBurst, Rate: logPerSecond}
	if s.opts.MaxViewsPerSession == 0 {
		s.opts.MaxViewsPerSession = DefaultMaxViewsPerSession
	}
	if s.opts.CSRFMaxAge <= 0 {
		s.opts.CSRFMaxAge = 24 * time.Hour
	}
	if s.opts.SessionMaxAge <= 0 {
		s.opts.SessionMaxAge = 14 * 24 * 3600e9
	}
	s.signer = s.newSigner(opts.Secret)
	if opts.DevReload {
		s.startDev()
	}
	s.ch = s.newChannelServer(opts.Channel)
	s.mux.Handle("/live/websocket", s.ch)
	s.mux.Handle("GET /live/glint.js", scriptHandler())
	s.mux.Handle("GET /live/glint.css", js.StyleHandler())
	if opts.MetricsPath != "" {
		s.mux.Handle(opts.MetricsPath, s.metricsHandler())
	}
	return s
}

func (s *Server) handle(pattern string, p Page) {
	if p.New == nil || p.Template == nil {
		panic(fmt.Sprintf("live: Handle %q: Page needs New and Template", pattern))
	}
	rt := &route{pattern: pattern, page: p}
	s.watch(p.Template)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.routes[pattern]; dup {
		panic(fmt.Sprintf("live: Handle %q: pattern already registered", pattern))
	}
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.servePage(rt, w, r) }))
	s.router.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m, ok := r.Context().Value(matchKey).(*matchResult); ok {
			m.route = rt
			m.params = pageParams(rt.pattern, r)
		}
	}))
	s.routes[pattern] = rt
}

// matchKey carries a *matchResult through the router.
const matchKey ctxKey = 1

type matchResult struct {
	route  *route
	params Params
}

// match routes u (as a GET) to a page, returning the route and the URL's params, or nil.
func (s *Server) match(u *url.URL) (*route, Params) {
	m := &matchResult{}
	r := &http.Request{Method: http.MethodGet, URL: u, Host: u.Host, Header: http.Header{}, RequestURI: u.RequestURI()}
	r = r.WithContext(context.WithValue(context.Background(), matchKey, m))
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.router.ServeHTTP(discardWriter{}, r)
	return m.route, m.params
}

// pageParams merges the request's query and the pattern's path wildcards.
func pageParams(pattern string, r *http.Request) Params {
	p := r.URL.Query()
	for _, name := range wildcards(pattern) {
		p.Set(name, r.PathValue(name))
	}
	return p
}

// wildcards returns the names of the path wildcards in an http.ServeMux pattern.
func wildcards(pattern string) []string {
	var names []string
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			return names
		}
		pattern = pattern[i+1:]
		j := strings.IndexByte(pattern, '}')
		if j < 0 {
			return names
		}
		name := strings.TrimSuffix(pattern[:j], "...")
		if name != "$" && name != "" {
			names = append(names, name)
		}
		pattern = pattern[j+1:]
	}
}

// discardWriter is the ResponseWriter used when matching routes.
type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
