package live

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/glint-go/glint/internal/keyed"
	"github.com/glint-go/glint/internal/rate"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/token"
	"github.com/glint-go/glint/render"
)

// Options configure a Server. The zero value works for development.
type Options struct {
	// Secret signs session tokens and CSRF tokens. It must be the same on every node;
	// use 32 random bytes. New panics when it is shorter than token.MinSecretBytes.
	// Empty: GLINT_SECRET from the environment, else a development secret kept in the
	// user's cache directory (glint/dev-secret, with a warning that production must set
	// GLINT_SECRET), else a random one (sessions then do not survive a restart).
	Secret []byte
	// Logger receives errors, crashes (with stacks) and lifecycle logs. Default
	// slog.Default().
	Logger *slog.Logger
	// Layout wraps the disconnected render of every page. It is executed with a
	// *LayoutData. nil uses DefaultLayout.
	Layout *template.Template
	// ScriptURL is the client script's URL used by the default layout. Default
	// "/live/glint.js", which the Server serves.
	ScriptURL string
	// Session returns the user session data (for example a user id read from a cookie)
	// to bind into the signed session token; views read it with Socket.Session. When it
	// is non-empty the live socket requires a valid CSRF token. nil: no session data.
	Session func(r *http.Request) (map[string]string, error)
	// SessionMaxAge bounds how old a session token may be when a client joins with it.
	// Default 14 days.
	SessionMaxAge time.Duration
	// CSRFMaxAge bounds how old a page's CSRF token may be when its socket connects (an
	// older page reloads). The browser's CSRF secret, in an HttpOnly cookie, is renewed by
	// a page load once it is half that old; tokens of the previous secret are honoured
	// until they expire, so other open tabs keep working. Default 24 hours.
	CSRFMaxAge time.Duration
	// MaxViewsPerSession bounds the views joined at once with the session of one page the
	// server rendered (its view id): a copied page, or one page's token reused on many
	// sockets, cannot fill the server with views. A join above it is refused with the
	// error reason "too many views". Default 16. Negative: no limit.
	MaxViewsPerSession int
	// SecureCookies marks the CSRF cookie Secure on every response: set it when the site
	// is served over HTTPS by a proxy that terminates TLS. Without it the cookie is Secure
	// when the request came over TLS, or from a trusted proxy
	// (Channel.Limits.TrustedProxies) that sent X-Forwarded-Proto: https.
	SecureCookies bool
	// Channel configures the socket layer (limits, origin check, PubSub adapter).
	Channel channel.Options
	// MetricsPath, when set (for example "/metrics"), serves Metrics there.
	MetricsPath string
	// DevReload, for development only, re-reads template files when they change: every
	// open page renders again with the new templates and keeps its state, without a page
	// load. It covers the templates of pages (Page.Template) and of the components they
	// render, parsed from files on the disk (render's ParseFiles, ParseGlob, or ParseFS
	// with os.DirFS); an embed.FS never changes. A template that no longer parses is
	// logged and the pages keep the last good one. Leave it off in production.
	DevReload bool
	// OnError, when set, lets a failed handler reach the user. It runs on the view's
	// goroutine after a connected view's HandleEvent, HandleInfo or HandleParams (on a live
	// patch), a component's HandleEvent or Update, or an event, info or params hook
	// returned an error, once the error has been logged, and before the view renders: what
	// it does with s (PutFlash, PushEvent, SetTitle, Redirect, …) is sent with that
	// render. err is the handler's error as returned (ErrUnknownEvent included: test with
	// errors.Is and errors.As). A panic in OnError crashes the view. nil: errors are only
	// logged, and the client gets an ok reply with whatever the handler changed.
	OnError func(ctx context.Context, s *Socket, err error)
}

// Page is a routed live view.
type Page struct {
	// New makes a fresh view for each mount.
	New func() View
	// Template renders the view; its dot is the view.
	Template *render.Template
	// Group is the page's session group: live navigation (PushNavigate, navigate links)
	// only moves between pages of the same group; anything else is a full page load.
	Group string
}

// Server serves live pages and their live socket. Create it with New, add pages with
// Handle, and mount it at "/" (it routes "/live/…" itself). It is an http.Handler.
type Server struct {
	opts   Options
	log    *slog.Logger
	mux    *http.ServeMux
	router *http.ServeMux    // pages only, to route live navigation
	routes map[string]*route // by pattern
	nested map[string]*route // by HandleNested name; guarded by mu
	// nest holds the connected views that nested views reach with Socket.Parent and
	// Socket.Child, by nestKey.
	nest sync.Map
	// uploads holds the receiving ends of preflighted upload entries, by the key their
	// token carries.
	uploads sync.Map
	mu      sync.RWMutex
	ch      *channel.Server
	signer  *token.Signer
	layout  *template.Template
	script  string
	metrics *metrics
	dev     *devWatcher // Options.DevReload's, or nil
	crashes *crashBackoff
	// mountHooks are the OnMount hooks by session group; guarded by mu.
	mountHooks map[string][]MountHook
	// pageViews counts the views joined at once with each served page's session.
	pageViews keyed.Counter[string]
	// clientLog throttles the log lines clients cause (limits.go).
	clientLog rate.Gate
}

// route is one Handle'd page.
type route struct {
	pattern string
	page    Page
}

// LayoutData is the dot of a layout template.
type LayoutData struct {
	// Title is the page title set by the view (SetTitle), or "".
	Title string
	// CSRFToken is the value for <meta name="csrf-token" content="…">.
	CSRFToken string
	// ScriptURL is Options.ScriptURL.
	ScriptURL string
	// Content is the live view's container element, with the disconnected render inside.
	Content template.HTML
}

// DefaultLayout is the layout used when Options.Layout is nil. It shows what a layout
// must contain: the csrf-token meta tag, the title, the script and the content. It also
// links Glint's stylesheet (/live/glint.css) and, after the content, the offline notice:
// an element of class glint-offline that the stylesheet shows while the live socket is
// lost (the container then has the class phx-client-error, with either client). A custom
// layout copies those two lines to keep it, restyles .glint-offline, or leaves it out.
var DefaultLayout = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="{{.CSRFToken}}">
<title>{{.Title}}</title>
<link rel="stylesheet" href="/live/glint.css">
<script defer src="{{.ScriptURL}}"></script>
</head>
<body>
{{.Content}}
<div class="glint-offline" role="status" aria-live="polite">Connection lost. Reconnecting…</div>
</body>
</html>
`))

// New returns a Server with the given options. It panics when Options.Secret is set
// but too short.
func New(opts Options) *Server { return newServer(opts) }

// Handle routes pattern (an http.ServeMux pattern such as "/" or "GET /items/{id}") to a
// live page. It panics, like http.ServeMux, on an invalid or conflicting pattern, or when
// the page has no New or Template.
func (s *Server) Handle(pattern string, p Page) { s.handle(pattern, p) }

// ServeHTTP serves the pages, the live socket at /live/websocket, the client script at
// /live/glint.js, its stylesheet at /live/glint.css, and Options.MetricsPath.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Shutdown stops accepting sockets, closes the open ones spread over the channel layer's
// drain window (clients reconnect elsewhere), ends every view and waits for them, or
// until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopDev()
	return s.ch.Shutdown(ctx)
}

// Disconnect closes (code 1001) every live socket whose id is socketID, on every node
// that shares this server's PubSub. Clients reconnect, so their views remount; it is what
// a logout should call. Socket ids come from Options.Channel.Connect
// (Assigns["socket_id"]).
func (s *Server) Disconnect(ctx context.Context, socketID string) error {
	return s.ch.Disconnect(ctx, socketID)
}

// Drain closes every live socket open now (code 1012) at random moments within the drain
// window (Options.Channel.DrainWindow) and keeps serving: clients reconnect with backoff
// and their views remount, here or on another node. It returns how many sockets it
// scheduled for closing.
func (s *Server) Drain() int { return s.ch.Drain() }

// PubSub returns the PubSub the views' Subscribe and Broadcast use.
func (s *Server) PubSub() pubsub.PubSub { return s.ch.PubSub() }

// Metrics returns an http.Handler writing Prometheus text: the socket layer's metrics
// followed by the views' (glint_live_views, glint_live_events_total,
// glint_live_renders_total, glint_live_crashes_total, glint_live_mailbox_depth).
func (s *Server) Metrics() http.Handler { return s.metricsHandler() }
