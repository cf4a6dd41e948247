package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/assets"
	"github.com/glint-go/glint/examples/productpage/cart"
	"github.com/glint-go/glint/examples/productpage/inventory"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/live/secure"
	"github.com/glint-go/glint/live/token"
)

// Config configures New.
type Config struct {
	// DBPath is the SQLite file, created and seeded when new. Ignored when Store is set.
	DBPath string
	// Reseed starts the database over with fresh seed data.
	Reseed bool
	// Store, when set, is used instead of opening DBPath; App.Close closes it.
	Store store.Store
	// AdminPassword guards /admin and /admin/api/ (user "admin"). Empty means
	// admin.PasswordFromEnv.
	AdminPassword string
	// Secret signs the live sessions (see live.Options.Secret). Pages stay connected across
	// a restart only when it is the same before and after.
	Secret []byte
	// ScriptURL overrides the live client script's URL (tests serve other clients).
	ScriptURL string
	// Rand seeds the store and drives the reducer. Nil means randomly seeded sources.
	Rand *rand.Rand
	// PubSub carries the inventory's broadcasts. Nil means an in-process pubsub.Local.
	PubSub pubsub.PubSub
	// Logger receives the app's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Limits are the live socket's limits on clients; the zero value keeps the defaults.
	Limits channel.Limits
	// ReconcileEvery is the period of the inventory's reconciliation with the store (see
	// inventory.Options.ReconcileEvery).
	ReconcileEvery time.Duration
}

// App is the assembled demo.
type App struct {
	// Inventory is the in-memory catalog every page renders from.
	Inventory *inventory.Inventory
	// Live is the live-view server of the shop's pages and /admin.
	Live *live.Server
	// Carts changes carts and announces the changes.
	Carts *cart.Carts
	// Cookies signs and reads the cart cookie.
	Cookies *cart.Cookies
	// Presence tracks the open shopper pages of every node (ShoppersTopic).
	Presence *presence.Tracker
	// Health answers /healthz and /readyz; serve it in front of the app (Health.Wrap).
	// The admin's socket drain and Close mark the node not ready first.
	Health *Health

	store    store.Store
	handler  http.Handler
	cartSync *cartSync // nil on a single node
	ps       pubsub.PubSub
	boards   *adminBoards // subscribed to ShoppersTopic on ps
}

// New opens the store (seeding a new database), loads the inventory and builds the routes
// below. Every response carries the security headers of secure.Headers (a
// Content-Security-Policy allowing only the site's own scripts, styles, images and socket,
// and framing by its own pages only); the form posts and every state-changing admin request
// are refused (403) when a browser sends them for another site's page.
//
//	GET /              redirects to /drops
//	GET /drops         the live product page with the cart (Cache-Control: no-store, must-revalidate)
//	POST /cart/add     adds the form's item_id to the cart and answers 303 to /drops (no script needed)
//	GET /checkout      the live checkout page; POST /checkout buys the cart without script
//	GET /checkout/complete?order={id}   the live order page
//	GET /admin         the live admin page (basic auth)
//	/admin/api/…       the admin JSON API (basic auth)
//	POST /admin/api/sockets/{id}/disconnect   close a socket id's sockets on every node
//	POST /admin/api/sockets/drain             close this node's sockets over the drain window
//	GET /metrics       Prometheus metrics of the live server (basic auth)
//	/assets/app.css, /images/…   static assets
//	/live/…            the live socket and client script
func New(ctx context.Context, cfg Config) (*App, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	st := cfg.Store
	if st == nil {
		if cfg.DBPath == "" {
			return nil, errors.New("app: no database path")
		}
		sqlite, err := store.OpenSQLite(ctx, cfg.DBPath, store.SQLiteOptions{Reseed: cfg.Reseed, Rand: cfg.Rand, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		st = sqlite
	}
	ps := cfg.PubSub
	if ps == nil {
		ps = pubsub.NewLocal()
	}
	secret := cfg.Secret
	if len(secret) == 0 {
		secret = []byte(token.SecretFromEnv(logger))
	}
	cookies, err := cart.NewCookies(secret)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	inv, err := inventory.Load(ctx, st, ps, inventory.Options{Rand: cfg.Rand, Logger: logger, ReconcileEvery: cfg.ReconcileEvery})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	tracker, err := presence.New(ps, presence.Options{Logger: logger})
	if err != nil {
		inv.Close()
		st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	// Form posts another site's page sends are refused. (The cart cookie is SameSite=Lax,
	// so they carry no cart anyway; this makes the refusal explicit.)
	sameOrigin, err := secure.NewCrossOrigin(secure.CrossOriginOptions{Logger: logger})
	if err != nil {
		tracker.Close()
		inv.Close()
		st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	// The admin pages' shared board recounts the shoppers once per presence change.
	boards := newAdminBoards(inv, tracker)
	if err := ps.Subscribe(ShoppersTopic, boards); err != nil {
		tracker.Close()
		inv.Close()
		st.Close()
		return nil, fmt.Errorf("app: %w", err)
	}
	carts := cart.New(st, inv, ps, logger)
	sp := &shop{inv: inv, carts: carts, tracker: tracker}
	password := cfg.AdminPassword
	if password == "" {
		password = admin.PasswordFromEnv(logger)
	}
	grants := admin.NewGrants(secret, password, 0)
	opts := live.Options{Secret: secret, Logger: logger, Layout: layoutTemplate, ScriptURL: cfg.ScriptURL,
		Session: pageSession(cookies, grants)}
	opts.Channel.PubSub = ps
	opts.Channel.Limits = cfg.Limits
	opts.Channel.Connect = shopperSocket(cookies)
	lv := live.New(opts)
	// Separate session groups: a shopper's session can never live-navigate into /admin,
	// whose only way in is the basic-auth-guarded GET.
	lv.Handle("GET /drops", live.Page{New: func() live.View { return newShopDrops(sp) }, Template: dropsTemplate, Group: "shop"})
	lv.Handle("GET /checkout", live.Page{New: func() live.View { return newCheckout(sp) }, Template: checkoutTemplate, Group: "shop"})
	lv.Handle("GET /checkout/complete", live.Page{New: func() live.View { return newComplete(sp) }, Template: completeTemplate, Group: "shop"})
	lv.Handle("GET /admin", live.Page{New: func() live.View { return newAdminPage(boards) }, Template: adminTemplate, Group: "admin"})
	lv.OnMount("admin", adminJoin(grants, logger))

	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.RedirectHandler("/drops", http.StatusFound))
	for _, path := range []string{"/drops", "/checkout", "/checkout/complete"} {
		mux.Handle("GET "+path, withCart(cookies, noStore(lv)))
	}
	mux.Handle("POST /cart/add", sameOrigin.Handler(addToCart(cookies, carts)))
	mux.Handle("POST /checkout", sameOrigin.Handler(purchaseForm(cookies, carts)))
	mux.Handle("/admin", admin.BasicAuth(admin.User, password, adminAuthenticated(noStore(lv))))
	mux.Handle("/admin/api/", admin.BasicAuth(admin.User, password, admin.NewAPI(inv, logger)))
	health := NewHealth(HealthOptions{Store: st, Link: linkOf(ps), Logger: logger})
	mux.Handle("/admin/api/sockets/", admin.BasicAuth(admin.User, password, admin.NewSocketsAPI(drainFirst{lv, health}, logger)))
	mux.Handle("GET /metrics", admin.BasicAuth(admin.User, password, lv.Metrics()))
	static := assets.Handler()
	mux.Handle("/assets/", static)
	mux.Handle("GET /favicon.ico", static)
	mux.Handle("/images/", static)
	mux.Handle("/live/", lv)
	var cs *cartSync
	if link := linkOf(ps); link != nil {
		cs = startCartSync(link, ps, carts)
	}
	return &App{Inventory: inv, Live: lv, Carts: carts, Cookies: cookies, Presence: tracker, Health: health, store: st, cartSync: cs,
		ps: ps, boards: boards, handler: secure.Headers(mux, secure.HeaderOptions{})}, nil
}

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close ends the live views (draining sockets until ctx is done), stops the reducer and
// closes the store.
func (a *App) Close(ctx context.Context) error {
	a.Health.Drain()
	a.cartSync.close()
	err := a.Live.Shutdown(ctx)
	a.ps.Unsubscribe(ShoppersTopic, a.boards)
	a.Presence.Close()
	a.Inventory.Close()
	return errors.Join(err, a.store.Close())
}

// noStore marks pages that must never come from a cache, so that back/forward navigation
// never shows stale stock.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store, must-revalidate")
		h.ServeHTTP(w, r)
	})
}
