package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Errors returned by Verify.
var (
	// ErrMissing: the token is empty.
	ErrMissing = errors.New("token: missing")
	// ErrInvalid: the token is malformed or its signature does not match (tampered, or
	// signed with another secret or salt).
	ErrInvalid = errors.New("token: invalid")
	// ErrExpired: the token is genuine but older than the allowed maximum age.
	ErrExpired = errors.New("token: expired")
)

// MinSecretBytes is the shortest secret NewSigner accepts.
const MinSecretBytes = 16

// clockSkew is how far in the future a signed-at time may be (clock differences between
// nodes) before the token is treated as invalid.
const clockSkew = time.Minute

var b64 = base64.RawURLEncoding.Strict()

// Signer signs and verifies tokens with one secret. It is safe for concurrent use.
type Signer struct {
	secret []byte
	keys   sync.Map // salt → derived key
	now    func() time.Time
}

// NewSigner returns a Signer for secret, which must hold at least MinSecretBytes bytes.
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("token: secret has %d bytes, need at least %d", len(secret), MinSecretBytes)
	}
	return &Signer{secret: append([]byte(nil), secret...), now: time.Now}, nil
}

func newSigner(secret string) *Signer { return &Signer{secret: []byte(secret), now: time.Now} }

// key derives the per-salt key, so that a salt can never be confused with data.
func (s *Signer) key(salt string) []byte {
	if k, ok := s.keys.Load(salt); ok {
		return k.([]byte)
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("glint token v1\x00"))
	m.Write([]byte(salt))
	k := m.Sum(nil)
	s.keys.Store(salt, k)
	return k
}

// Sign returns a token carrying data, signed now for salt.
func (s *Signer) Sign(salt string, data []byte) string {
	body := make([]byte, 8+len(data))
	binary.BigEndian.PutUint64(body, uint64(s.now().UnixMilli()))
	copy(body[8:], data)
	n := b64.EncodedLen(len(body))
	out := make([]byte, n, n+1+b64.EncodedLen(sha256.Size))
	b64.Encode(out, body)
	mac := hmac.New(sha256.New, s.key(salt))
	mac.Write(out)
	sum := mac.Sum(nil)
	out = append(out, '.')
	out = b64.AppendEncode(out, sum)
	return string(out)
}

// Verify checks token against salt and returns its data. maxAge ≤ 0 accepts any age.
func (s *Signer) Verify(salt, token string, maxAge time.Duration) ([]byte, error) {
	if token == "" {
		return nil, ErrMissing
	}
	body64, sig64, ok := strings.Cut(token, ".")
	if !ok || strings.Contains(sig64, ".") {
		return nil, fmt.Errorf("%w: not two dot-separated parts", ErrInvalid)
	}
	sig, err := b64.DecodeString(sig64)
	if err != nil || len(sig) != sha256.Size {
		return nil, fmt.Errorf("%w: bad signature encoding", ErrInvalid)
	}
	mac := hmac.New(sha256.New, s.key(salt))
	mac.Write([]byte(body64))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, fmt.Errorf("%w: signature mismatch", ErrInvalid)
	}
	body, err := b64.DecodeString(body64)
	if err != nil || len(body) < 8 {
		return nil, fmt.Errorf("%w: bad body", ErrInvalid)
	}
	signedAt := time.UnixMilli(int64(binary.BigEndian.Uint64(body)))
	now := s.now()
	if signedAt.After(now.Add(clockSkew)) {
		return nil, fmt.Errorf("%w: signed in the future", ErrInvalid)
	}
	if maxAge > 0 && now.Sub(signedAt) > maxAge {
		return nil, fmt.Errorf("%w: signed %v ago, max age %v", ErrExpired, now.Sub(signedAt).Round(time.Millisecond), maxAge)
	}
	return body[8:], nil
}

// Sign signs data for salt with secret (see Signer.Sign).
func Sign(secret, salt string, data []byte) string { return newSigner(secret).Sign(salt, data) }

// Verify verifies token for salt with secret (see Signer.Verify).
func Verify(secret, salt, token string, maxAge time.Duration) ([]byte, error) {
	return newSigner(secret).Verify(salt, token, maxAge)
}
