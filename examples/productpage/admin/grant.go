package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The admin page's live view is joined over the live socket, which basic auth does not
// guard: the browser sends the admin's credentials with the page's GET, not with the
// socket. So the GET hands the page a join grant, and the join redeems it:
//
//   - a grant is bound to the admin password (a hash of it is under its MAC), so changing
//     the password revokes every grant;
//   - it must be redeemed within its lifetime (a minute by default);
//   - it is redeemed once: a second join with the same page's session, a copied session,
//     or a rejoin after a disconnection, is refused, and the page reloads through basic
//     auth for a fresh grant.
//
// Grants are remembered per process: in a cluster, a grant could be redeemed once on each
// node within its lifetime.

// ErrGrant is wrapped by every refusal of Grants.Redeem.
var ErrGrant = errors.New("admin: join grant refused")

// DefaultGrantTTL is how long a grant may wait for its join.
const DefaultGrantTTL = time.Minute

// grantBytes is a grant's size before encoding: issued-at, nonce, MAC.
const grantBytes = 8 + 16 + sha256.Size

// Grants issues and redeems the admin page's join grants.
type Grants struct {
	key []byte // HMAC key: the secret, bound to the password
	ttl time.Duration
	now func() time.Time

	mu   sync.Mutex
	used map[[16]byte]time.Time // redeemed nonces → when they expire
}

// NewGrants returns grants signed with secret and bound to password, valid for ttl (0
// means DefaultGrantTTL).
func NewGrants(secret []byte, password string, ttl time.Duration) *Grants {
	if ttl <= 0 {
		ttl = DefaultGrantTTL
	}
	pw := sha256.Sum256([]byte(password))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("sneakers23 admin grant key\x00"))
	mac.Write(pw[:])
	return &Grants{key: mac.Sum(nil), ttl: ttl, now: time.Now, used: map[[16]byte]time.Time{}}
}

// Issue returns a new grant.
func (g *Grants) Issue() string {
	var b [grantBytes]byte
	binary.BigEndian.PutUint64(b[:8], uint64(g.now().UnixNano()))
	_, _ = rand.Read(b[8:24])
	copy(b[24:], g.sum(b[:24]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Redeem accepts grant once: it returns an error wrapping ErrGrant when the grant is
// malformed, forged, signed for another password, expired, or already redeemed.
func (g *Grants) Redeem(grant string) error {
	b, err := base64.RawURLEncoding.DecodeString(grant)
	if err != nil || len(b) != grantBytes {
		return fmt.Errorf("%w: malformed", ErrGrant)
	}
	if !hmac.Equal(b[24:], g.sum(b[:24])) {
		return fmt.Errorf("%w: bad signature (forged, or issued under another password)", ErrGrant)
	}
	now := g.now()
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	expires := issued.Add(g.ttl)
	if now.After(expires) || issued.After(now.Add(time.Minute)) {
		return fmt.Errorf("%w: expired", ErrGrant)
	}
	var nonce [16]byte
	copy(nonce[:], b[8:24])
	g.mu.Lock()
	defer g.mu.Unlock()
	for n, exp := range g.used {
		if now.After(exp) {
			delete(g.used, n) // expired grants are refused anyway
		}
	}
	if _, ok := g.used[nonce]; ok {
		return fmt.Errorf("%w: already used", ErrGrant)
	}
	g.used[nonce] = expires
	return nil
}

func (g *Grants) sum(b []byte) []byte {
	mac := hmac.New(sha256.New, g.key)
	mac.Write(b)
	return mac.Sum(nil)
}
