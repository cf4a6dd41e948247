package live

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Token salts keep a token of one kind from being accepted as another.
const (
	saltSession = "glint live session"
	saltStatic  = "glint live static"
	saltCSRF    = "glint csrf"
)

// csrfCookie holds the per-browser CSRF secret; the page's meta tag carries a token that
// signs it, and the live socket sends that token back as _csrf_token.
const csrfCookie = "_glint_csrf"

// sessionVersion is the format version inside session tokens; tokens of another version
// are stale.
const sessionVersion = 1

// sessionClaims is what a session token binds (docs/protocol.md, Tokens).
type sessionClaims struct {
	V     int               `json:"v"`
	ID    string            `json:"id"`
	Route string            `json:"r"`
	Group string            `json:"g"`
	Data  map[string]string `json:"d,omitempty"`
	// A nested view's (Socket.LiveRender): its page's name, the id of the view that
	// rendered it ("" when sticky), and the id of the page's top view.
	Child  string `json:"c,omitempty"`
	Parent string `json:"p,omitempty"`
	Root   string `json:"o,omitempty"`
}

// staticClaims is what a static token binds: values meaningful for the first mount only.
type staticClaims struct {
	ID    string            `json:"id"`
	Flash map[string]string `json:"f,omitempty"`
}

// errStale is the join error that makes the client reload the page.
var errStale = errors.New("stale")

func (s *Server) signJSON(salt string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("live: encode %s token: %w", salt, err)
	}
	return s.sign(salt, b), nil
}

func (s *Server) verifyJSON(salt, tok string, maxAge time.Duration, v any) error {
	b, err := s.verify(salt, tok, maxAge)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("live: decode %s token: %w", salt, err)
	}
	return nil
}

// sessionToken verifies a join's session token for view id.
func (s *Server) sessionToken(tok, id string) (*sessionClaims, error) {
	var c sessionClaims
	if err := s.verifyJSON(saltSession, tok, s.opts.SessionMaxAge, &c); err != nil {
		return nil, fmt.Errorf("%w: session: %w", errStale, err)
	}
	if c.V != sessionVersion {
		return nil, fmt.Errorf("%w: session token version %d", errStale, c.V)
	}
	if c.ID != id {
		return nil, fmt.Errorf("%w: session token is for view %q, not %q", errStale, c.ID, id)
	}
	return &c, nil
}

// staticToken verifies a join's static token (nil or "" is allowed).
func (s *Server) staticToken(tok *string, id string) (*staticClaims, error) {
	var c staticClaims
	if tok == nil || *tok == "" {
		return &c, nil
	}
	if err := s.verifyJSON(saltStatic, *tok, s.opts.SessionMaxAge, &c); err != nil {
		return nil, fmt.Errorf("%w: static: %w", errStale, err)
	}
	if c.ID != id {
		return nil, fmt.Errorf("%w: static token is for view %q, not %q", errStale, c.ID, id)
	}
	return &c, nil
}

// csrfSecret is the CSRF cookie's content: the browser's secret, when it was made, and
// the secret it replaced, whose tokens are honoured until they expire. The cookie's value
// is "secret.unixmilli[.previous]"; a bare secret is a cookie from before rotation.
type csrfSecret struct {
	secret, previous string
	issued           time.Time
}

// csrfSecretLen is the length of a secret: 18 random bytes, base64url.
const csrfSecretLen = 24

func parseCSRFCookie(v string) (csrfSecret, bool) {
	parts := strings.Split(v, ".")
	if len(parts) > 3 || len(parts[0]) != csrfSecretLen {
		return csrfSecret{}, false
	}
	c := csrfSecret{secret: parts[0]}
	if len(parts) >= 2 {
		ms, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return csrfSecret{}, false
		}
		c.issued = time.UnixMilli(ms)
	}
	if len(parts) == 3 {
		if len(parts[2]) != csrfSecretLen {
			return csrfSecret{}, false
		}
		c.previous = parts[2]
	}
	return c, true
}

func (c csrfSecret) String() string {
	v := c.secret + "." + strconv.FormatInt(c.issued.UnixMilli(), 10)
	if c.previous != "" {
		v += "." + c.previous
	}
	return v
}

// csrfToken returns the CSRF token for the page's meta tag. It gives a browser without a
// CSRF secret a new one, and one whose secret is half CSRFMaxAge old a fresh one, keeping
// the old one as previous.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	now := time.Now()
	var c csrfSecret
	ok := false
	if ck, err := r.Cookie(csrfCookie); err == nil {
		c, ok = parseCSRFCookie(ck.Value)
	}
	if !ok || now.Sub(c.issued) >= s.opts.CSRFMaxAge/2 {
		previous := ""
		if ok {
			previous = c.secret
		}
		c = csrfSecret{secret: randomString(18), previous: previous, issued: now}
		http.SetCookie(w, &http.Cookie{
			Name:     csrfCookie,
			Value:    c.String(),
			Path:     "/",
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
			Secure:   s.secureRequest(r),
		})
	}
	return s.sign(saltCSRF, []byte(c.secret))
}

// secureRequest reports whether cookies set in answer to r must be Secure.
func (s *Server) secureRequest(r *http.Request) bool {
	if s.opts.SecureCookies || r.TLS != nil {
		return true
	}
	return r.Header.Get("X-Forwarded-Proto") == "https" && s.ch.TrustedProxy(r)
}

// csrfValid reports whether token, at most CSRFMaxAge old, signs the CSRF secret in
// cookies, or the previous one.
func (s *Server) csrfValid(token string, cookies []*http.Cookie) bool {
	if token == "" {
		return false
	}
	var c csrfSecret
	found := false
	for _, ck := range cookies {
		if ck.Name == csrfCookie {
			c, found = parseCSRFCookie(ck.Value)
		}
	}
	if !found {
		return false
	}
	b, err := s.verify(saltCSRF, token, s.opts.CSRFMaxAge)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(b, []byte(c.secret)) == 1 ||
		(c.previous != "" && subtle.ConstantTimeCompare(b, []byte(c.previous)) == 1)
}

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newViewID returns a container id: "phx-" and 16 base64url characters (docs/protocol.md,
// Container element).
func newViewID() string { return "phx-" + randomString(12) }
