package cart

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live/token"
)

var (
	testSecret  = []byte("cart-cookie-test-secret-0123456789")
	otherSecret = []byte("another-site-secret-9876543210xyz")
)

func mustCookies(t *testing.T, secret []byte) *Cookies {
	t.Helper()
	k, err := NewCookies(secret)
	if err != nil {
		t.Fatalf("NewCookies(%d bytes): %v", len(secret), err)
	}
	return k
}

// signAt builds a token as live/token does, but signed at the given time, so that the
// age check can be tested. The "fresh" case of TestVerify checks that it still matches
// live/token's format.
func signAt(secret []byte, salt string, data []byte, at time.Time) string {
	b64 := base64.RawURLEncoding
	k := hmac.New(sha256.New, secret)
	k.Write([]byte("glint token v1\x00"))
	k.Write([]byte(salt))
	body := binary.BigEndian.AppendUint64(nil, uint64(at.UnixMilli()))
	body = append(body, data...)
	body64 := b64.EncodeToString(body)
	mac := hmac.New(sha256.New, k.Sum(nil))
	mac.Write([]byte(body64))
	return body64 + "." + b64.EncodeToString(mac.Sum(nil))
}

// flip replaces the character at i with another URL-safe base64 character.
func flip(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func TestNewCookiesSecretLength(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		ok     bool
	}{
		{"nil", nil, false},
		{"empty", []byte{}, false},
		{"one short", make([]byte, token.MinSecretBytes-1), false},
		{"minimum", make([]byte, token.MinSecretBytes), true},
		{"long", testSecret, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewCookies(tt.secret)
			if tt.ok && (err != nil || k == nil) {
				t.Fatalf("NewCookies(%d bytes) = %v, %v; want a codec", len(tt.secret), k, err)
			}
			if !tt.ok && (err == nil || k != nil) {
				t.Fatalf("NewCookies(%d bytes) = %v, %v; want an error", len(tt.secret), k, err)
			}
		})
	}
}

func TestNewIDAndValidID(t *testing.T) {
	const n = 2000
	seen := make(map[string]bool, n)
	for range n {
		id := NewID()
		if len(id) != 64 || !ValidID(id) {
			t.Fatalf("NewID() = %q (%d chars), not a valid id", id, len(id))
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
	}

	a64 := strings.Repeat("a", 64)
	tests := []struct {
		id   string
		want bool
	}{
		{a64, true},
		{strings.Repeat("Z9_-", 16), true},
		{"", false},
		{a64[:63], false},
		{a64 + "a", false},
		{a64[:63] + "+", false},
		{a64[:63] + "/", false},
		{a64[:63] + "=", false},
		{a64[:63] + ".", false},
		{a64[:63] + "\n", false},
		{a64 + "\n", false},
		{a64[:62] + "é", false}, // 64 bytes, not URL-safe
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestCookieAttributes(t *testing.T) {
	k := mustCookies(t, testSecret)
	id := NewID()
	c := k.Cookie(id)
	if c.Name != CookieName || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("Cookie = %+v; want %s, Path=/, HttpOnly, SameSite=Lax", c, CookieName)
	}
	if want := 365 * 24 * 60 * 60; c.MaxAge != want {
		t.Errorf("MaxAge = %d, want %d (a year)", c.MaxAge, want)
	}
	if got, ok := k.Verify(c.Value); !ok || got != id {
		t.Errorf("Verify(Cookie(id).Value) = %q, %v; want %q, true", got, ok, id)
	}
	if err := c.Valid(); err != nil {
		t.Errorf("Cookie is not a valid cookie: %v", err)
	}
}

func TestVerify(t *testing.T) {
	k := mustCookies(t, testSecret)
	id := NewID()
	good := k.Value(id)
	body, sig, ok := strings.Cut(good, ".")
	if !ok {
		t.Fatalf("Value(%q) = %q, want body.signature", id, good)
	}
	now := time.Now()
	sign := func(data string) string { return token.Sign(string(testSecret), cookieSalt, []byte(data)) }
	a64 := strings.Repeat("a", 64)

	tests := []struct {
		name  string
		value string
		want  string // "" when refused
	}{
		{"round trip", good, id},
		{"another id", k.Value(a64), a64},
		{"fresh, signed by the test helper", signAt(testSecret, cookieSalt, []byte(id), now), id},
		{"364 days old", signAt(testSecret, cookieSalt, []byte(id), now.Add(-364*24*time.Hour)), id},

		{"empty", "", ""},
		{"junk", "not a cookie", ""},
		{"three parts", good + ".x", ""},
		{"no signature", body, ""},
		{"signature flipped at start", body + "." + flip(sig, 0), ""},
		{"signature flipped in the middle", body + "." + flip(sig, len(sig)/2), ""},
		{"signature truncated", body + "." + sig[:len(sig)-1], ""},
		{"payload flipped at start", flip(body, 0) + "." + sig, ""},
		{"payload flipped in the id", flip(body, len(body)-5) + "." + sig, ""},
		{"payload truncated", body[:len(body)-1] + "." + sig, ""},
		{"other secret", mustCookies(t, otherSecret).Value(id), ""},
		{"other salt", token.Sign(string(testSecret), "some other use", []byte(id)), ""},
		{"payload empty", sign(""), ""},
		{"payload 63 chars", sign(a64[:63]), ""},
		{"payload 65 chars", sign(a64 + "a"), ""},
		{"payload with '+'", sign(a64[:63] + "+"), ""},
		{"payload with '/'", sign(a64[:63] + "/"), ""},
		{"payload with newline", sign(a64[:63] + "\n"), ""},
		{"payload with NUL", sign(a64[:63] + "\x00"), ""},
		{"too old", signAt(testSecret, cookieSalt, []byte(id), now.Add(-cookieMaxAge-25*time.Hour)), ""},
		{"signed in the future", signAt(testSecret, cookieSalt, []byte(id), now.Add(time.Hour)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := k.Verify(tt.value)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Verify(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestRead(t *testing.T) {
	k := mustCookies(t, testSecret)
	id, id2 := NewID(), NewID()
	valid, valid2 := k.Value(id), k.Value(id2)
	forged := mustCookies(t, otherSecret).Value(NewID())

	tests := []struct {
		name    string
		cookies []*http.Cookie
		want    string // "" when none verifies
	}{
		{"no cookie", nil, ""},
		{"valid", []*http.Cookie{{Name: CookieName, Value: valid}}, id},
		{"forged", []*http.Cookie{{Name: CookieName, Value: forged}}, ""},
		{"junk", []*http.Cookie{{Name: CookieName, Value: "junk"}}, ""},
		{"forged then valid", []*http.Cookie{{Name: CookieName, Value: forged}, {Name: CookieName, Value: valid}}, id},
		{"valid then forged", []*http.Cookie{{Name: CookieName, Value: valid}, {Name: CookieName, Value: forged}}, id},
		{"junk, forged, valid", []*http.Cookie{
			{Name: CookieName, Value: "junk"}, {Name: CookieName, Value: forged}, {Name: CookieName, Value: valid}}, id},
		{"two valid: the first", []*http.Cookie{{Name: CookieName, Value: valid2}, {Name: CookieName, Value: valid}}, id2},
		{"valid value under another name", []*http.Cookie{{Name: "other", Value: valid}}, ""},
		{"among other cookies", []*http.Cookie{{Name: "theme", Value: "dark"}, {Name: CookieName, Value: valid}, {Name: "lang", Value: "en"}}, id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, c := range tt.cookies {
				r.AddCookie(c)
			}
			got, ok := k.Read(r)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("Read = %q, %v; want %q, %v", got, ok, tt.want, tt.want != "")
			}
		})
	}
}

func TestEnsure(t *testing.T) {
	k := mustCookies(t, testSecret)
	id := NewID()
	valid := k.Value(id)
	forged := mustCookies(t, otherSecret).Value(NewID())
	theme := &http.Cookie{Name: "theme", Value: "dark"}
	lang := &http.Cookie{Name: "lang", Value: "en"}

	tests := []struct {
		name    string
		cookies []*http.Cookie
		keep    string   // the id Ensure must return; "" when it must make a new cart
		others  []string // the other cookies the request must still carry, as name=value
	}{
		{"no cookie", nil, "", nil},
		{"only other cookies", []*http.Cookie{theme, lang}, "", []string{"theme=dark", "lang=en"}},
		{"forged", []*http.Cookie{{Name: CookieName, Value: forged}}, "", nil},
		{"junk", []*http.Cookie{{Name: CookieName, Value: "junk"}}, "", nil},
		{"two forged among others", []*http.Cookie{
			theme, {Name: CookieName, Value: forged}, lang, {Name: CookieName, Value: "junk"}}, "", []string{"theme=dark", "lang=en"}},
		{"valid", []*http.Cookie{{Name: CookieName, Value: valid}}, id, nil},
		{"valid after a forged one", []*http.Cookie{{Name: CookieName, Value: forged}, theme, {Name: CookieName, Value: valid}}, id, []string{"theme=dark"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, c := range tt.cookies {
				r.AddCookie(c)
			}
			before := r.Header.Values("Cookie")
			w := httptest.NewRecorder()
			got := k.Ensure(w, r)
			set := w.Result().Cookies()

			if tt.keep != "" {
				if got != tt.keep {
					t.Errorf("Ensure = %q, want the request's cart %q", got, tt.keep)
				}
				if len(set) != 0 || len(w.Header().Values("Set-Cookie")) != 0 {
					t.Errorf("Ensure with a valid cookie set %v", w.Header().Values("Set-Cookie"))
				}
				if after := r.Header.Values("Cookie"); strings.Join(after, "\n") != strings.Join(before, "\n") {
					t.Errorf("Ensure with a valid cookie changed the request's cookies: %q -> %q", before, after)
				}
				return
			}

			if !ValidID(got) || got == id {
				t.Fatalf("Ensure = %q, want a new valid id", got)
			}
			// The response gives the browser the new cart.
			if len(set) != 1 {
				t.Fatalf("Ensure set %d cookies (%v), want 1", len(set), w.Header().Values("Set-Cookie"))
			}
			c := set[0]
			if c.Name != CookieName || c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
				t.Errorf("Set-Cookie %q; want %s, Path=/, HttpOnly, SameSite=Lax, a MaxAge", w.Header().Get("Set-Cookie"), CookieName)
			}
			if cid, ok := k.Verify(c.Value); !ok || cid != got {
				t.Errorf("the cookie set carries %q, %v; want %q", cid, ok, got)
			}
			// The request now carries the new cart, and only it.
			carts := r.CookiesNamed(CookieName)
			if len(carts) != 1 {
				t.Fatalf("request carries %d cart cookies after Ensure, want 1: %q", len(carts), r.Header.Values("Cookie"))
			}
			if cid, ok := k.Verify(carts[0].Value); !ok || cid != got {
				t.Errorf("request's cart cookie carries %q, %v; want %q", cid, ok, got)
			}
			if cid, ok := k.Read(r); !ok || cid != got {
				t.Errorf("Read after Ensure = %q, %v; want %q", cid, ok, got)
			}
			if again := k.Ensure(httptest.NewRecorder(), r); again != got {
				t.Errorf("a second Ensure on the request = %q, want %q", again, got)
			}
			var others []string
			for _, c := range r.Cookies() {
				if c.Name != CookieName {
					others = append(others, c.Name+"="+c.Value)
				}
			}
			if strings.Join(others, ";") != strings.Join(tt.others, ";") {
				t.Errorf("other cookies after Ensure = %q, want %q", others, tt.others)
			}
		})
	}
}

func TestEnsureGivesEachBrowserItsOwnCart(t *testing.T) {
	k := mustCookies(t, testSecret)
	a := k.Ensure(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	b := k.Ensure(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if a == b {
		t.Errorf("two browsers without cookies got the same cart %q", a)
	}
}
