package secure

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// ErrCrossOrigin is wrapped by every refusal of CrossOrigin.Check: test for it with
// errors.Is.
var ErrCrossOrigin = errors.New("secure: cross-origin request refused")

// CrossOriginOptions configure NewCrossOrigin. The zero value trusts no other origin,
// answers refusals with 403 and logs them with slog.Default().
type CrossOriginOptions struct {
	// TrustedOrigins are origins whose requests are allowed although they are
	// cross-origin, written as the browser sends them in the Origin header: scheme and
	// host, with the port only when it is not the scheme's default, and no path
	// ("https://admin.example.com"). Only requests carrying such an Origin header are
	// let through; a request whose Sec-Fetch-Site says cross-site and whose Origin is
	// missing or different is still refused.
	TrustedOrigins []string
	// Deny answers a refused request; Refusal(r) gives the reason. nil answers 403 with a
	// plain-text message.
	Deny http.Handler
	// Logger receives one warning per refused request, with its method, path, Origin and
	// Sec-Fetch-Site. nil means slog.Default().
	Logger *slog.Logger
}

// CrossOrigin refuses unsafe requests that a browser sends on behalf of another site's
// page. It is net/http.CrossOriginProtection with a configurable refusal, logging and
// an error that wraps ErrCrossOrigin. Create it with NewCrossOrigin; it is safe for
// concurrent use.
type CrossOrigin struct {
	cop    *http.CrossOriginProtection
	deny   http.Handler
	logger *slog.Logger
}

// NewCrossOrigin returns a CrossOrigin with the given options. It fails when a trusted
// origin is not of the form scheme://host[:port].
func NewCrossOrigin(opts CrossOriginOptions) (*CrossOrigin, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("secure: trusted origin: %w", err)
		}
	}
	c := &CrossOrigin{cop: cop, deny: opts.Deny, logger: opts.Logger}
	if c.deny == nil {
		c.deny = http.HandlerFunc(denyText)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c, nil
}

// Check returns nil for a request that may proceed, and an error wrapping
// ErrCrossOrigin for one that must be refused: an unsafe method (not GET, HEAD or
// OPTIONS) whose Sec-Fetch-Site is neither "same-origin" nor "none", or, without
// Sec-Fetch-Site, whose Origin's host is not the request's Host. A request with neither
// header (not sent by a browser for a page) and a trusted origin are allowed.
func (c *CrossOrigin) Check(r *http.Request) error {
	if err := c.cop.Check(r); err != nil {
		return fmt.Errorf("%w: %w", ErrCrossOrigin, err)
	}
	return nil
}

// Handler returns next behind the check: a refused request is logged and answered by
// the Deny handler, and never reaches next.
func (c *CrossOrigin) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := c.Check(r)
		if err == nil {
			next.ServeHTTP(w, r)
			return
		}
		c.logger.LogAttrs(r.Context(), slog.LevelWarn, "cross-origin request refused",
			slog.String("method", r.Method),
			slog.String("path", clip(r.URL.Path)),
			slog.String("origin", clip(r.Header.Get("Origin"))),
			slog.String("sec_fetch_site", clip(r.Header.Get("Sec-Fetch-Site"))),
			slog.String("remote_addr", r.RemoteAddr))
		c.deny.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), refusalKey{}, err)))
	})
}

// defaultCrossOrigin is SameOrigin's: no trusted origin, 403 text, slog.Default().
var defaultCrossOrigin, _ = NewCrossOrigin(CrossOriginOptions{})

// SameOrigin returns next behind a CrossOrigin with default options: unsafe requests
// another site's page makes the browser send are answered 403 and never reach next.
func SameOrigin(next http.Handler) http.Handler { return defaultCrossOrigin.Handler(next) }

type refusalKey struct{}

// Refusal returns why CrossOrigin refused the request a Deny handler is answering (an
// error wrapping ErrCrossOrigin), or nil for any other request.
func Refusal(r *http.Request) error {
	err, _ := r.Context().Value(refusalKey{}).(error)
	return err
}

func denyText(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "403 forbidden: cross-origin request refused", http.StatusForbidden)
}

// clip bounds a logged request value.
func clip(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
