package cart

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/glint-go/glint/live/token"
)

// CookieName is the cookie that holds a browser's signed cart id.
const CookieName = "sneakers_cart"

// cookieMaxAge is how long a cart cookie lasts, and so how long a cart follows a browser.
const cookieMaxAge = 365 * 24 * time.Hour

// cookieSalt separates cart cookies from every other token signed with the same secret.
const cookieSalt = "sneakers23 cart"

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{64}$`)

// NewID returns a new cart id: 64 random URL-safe characters.
func NewID() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidID reports whether id has the shape of a cart id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Cookies signs and reads cart cookies. Every node of a cluster must use the same secret,
// or a browser moving to another node loses its cart.
type Cookies struct {
	secret string
}

// NewCookies returns the cart cookie codec for secret (at least token.MinSecretBytes).
func NewCookies(secret []byte) (*Cookies, error) {
	if len(secret) < token.MinSecretBytes {
		return nil, errors.New("cart: cookie secret too short")
	}
	return &Cookies{secret: string(secret)}, nil
}

// Value returns the signed cookie value for a cart id.
func (k *Cookies) Value(id string) string { return token.Sign(k.secret, cookieSalt, []byte(id)) }

// Cookie returns the cart cookie for id: HttpOnly, SameSite=Lax, for the whole site, for a
// year.
func (k *Cookies) Cookie(id string) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: k.Value(id), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(cookieMaxAge / time.Second),
	}
}

// Verify returns the cart id a cookie value carries, or false when the value is forged,
// malformed or too old.
func (k *Cookies) Verify(value string) (string, bool) {
	data, err := token.Verify(k.secret, cookieSalt, value, cookieMaxAge+24*time.Hour)
	if err != nil || !ValidID(string(data)) {
		return "", false
	}
	return string(data), true
}

// Read returns the cart id of the request's cart cookie, or false when it has none that
// verifies.
func (k *Cookies) Read(r *http.Request) (string, bool) {
	for _, c := range r.CookiesNamed(CookieName) {
		if id, ok := k.Verify(c.Value); ok {
			return id, true
		}
	}
	return "", false
}

// Ensure returns the request's cart id, first giving a browser without a valid cart cookie
// a new cart: the cookie is set on w and added to r, so that handlers after it see it.
func (k *Cookies) Ensure(w http.ResponseWriter, r *http.Request) string {
	if id, ok := k.Read(r); ok {
		return id
	}
	id := NewID()
	c := k.Cookie(id)
	http.SetCookie(w, c)
	// Replace whatever forged or stale cart cookie the request carried.
	olds := r.Cookies()
	r.Header.Del("Cookie")
	for _, old := range olds {
		if old.Name != CookieName {
			r.AddCookie(old)
		}
	}
	r.AddCookie(&http.Cookie{Name: CookieName, Value: c.Value})
	return id
}
