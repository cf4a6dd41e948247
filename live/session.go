package live

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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

// sessionClaims is what a session token binds (PROTOCOL.md §2.3).
type sessionClaims struct {
	V     int               `json:"v"`
	ID    string            `json:"id"`
	Route string            `json:"r"`
	Group string            `json:"g"`
	Data  map[string]string `json:"d,omitempty"`
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

// csrfToken returns the CSRF token for the page's meta tag, setting the CSRF cookie
// when the browser has none yet.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	secret := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 24 {
		secret = c.Value
	} else {
		secret = randomString(18)
		http.SetCookie(w, &http.Cookie{
			Name:     csrfCookie,
			Value:    secret,
			Path:     "/",
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
			Secure:   r.TLS != nil,
		})
	}
	return s.sign(saltCSRF, []byte(secret))
}

// csrfValid reports whether token signs the CSRF secret in cookies.
func (s *Server) csrfValid(token string, cookies []*http.Cookie) bool {
	if token == "" {
		return false
	}
	var secret string
	for _, c := range cookies {
		if c.Name == csrfCookie {
			secret = c.Value
		}
	}
	if secret == "" {
		return false
	}
	b, err := s.verify(saltCSRF, token, 0)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(b, []byte(secret)) == 1
}

// randomString returns n random bytes, base64url-encoded without padding.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newViewID returns a container id: "phx-" and 16 base64url characters (PROTOCOL.md §2.2).
func newViewID() string { return "phx-" + randomString(12) }
