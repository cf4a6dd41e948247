package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// loadSecret returns the signing secret: the configured one, GLINT_SECRET, or a random
// one (with a warning).
func (s *Server) loadSecret(configured []byte) []byte {
	if len(configured) > 0 {
		return configured
	}
	if env := os.Getenv("GLINT_SECRET"); env != "" {
		return []byte(env)
	}
	b := make([]byte, 32)
	rand.Read(b)
	s.log.Warn("live: no Options.Secret or GLINT_SECRET; using a random secret, so sessions will not survive a restart")
	return b
}

// Token errors.
var (
	errTokenInvalid = errors.New("invalid token")
	errTokenExpired = errors.New("expired token")
)

// saltFlash signs flash messages carried across navigation.
const saltFlash = "glint flash"

// sign returns base64url(signedAt‖data) "." base64url(HMAC-SHA256(salt, …)). The
// alphabet is attribute-safe: no quote, '<' or '&'.
func (s *Server) sign(salt string, data []byte) string {
	msg := make([]byte, 8+len(data))
	binary.BigEndian.PutUint64(msg, uint64(time.Now().Unix()))
	copy(msg[8:], data)
	body := base64.RawURLEncoding.EncodeToString(msg)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.mac(salt, body))
}

func (s *Server) mac(salt, body string) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(salt))
	h.Write([]byte{0})
	h.Write([]byte(body))
	return h.Sum(nil)
}

// verify checks a token made by sign with the same salt and returns its data. maxAge 0
// means no age limit.
func (s *Server) verify(salt, tok string, maxAge time.Duration) ([]byte, error) {
	if len(tok) > maxTokenBytes {
		return nil, fmt.Errorf("%w: too long", errTokenInvalid)
	}
	body, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, errTokenInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(salt, body)) {
		return nil, errTokenInvalid
	}
	msg, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(msg) < 8 {
		return nil, errTokenInvalid
	}
	signed := time.Unix(int64(binary.BigEndian.Uint64(msg)), 0)
	if maxAge > 0 && time.Since(signed) > maxAge {
		return nil, errTokenExpired
	}
	return msg[8:], nil
}

// maxTokenBytes bounds tokens accepted from clients.
const maxTokenBytes = 64 << 10
