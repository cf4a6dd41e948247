package live

import (
	"fmt"
	"time"

	"github.com/glint-go/glint/live/token"
)

// newSigner returns the token signer for the configured secret, else GLINT_SECRET, else
// this machine's development secret from the user's cache directory, else a random secret
// (token.SecretFromEnv, which warns about the last two). A configured secret shorter than
// token.MinSecretBytes is a configuration error: New panics with a clear message.
func (s *Server) newSigner(configured []byte) *token.Signer {
	secret := configured
	if len(secret) == 0 {
		secret = []byte(token.SecretFromEnv(s.log))
	}
	signer, err := token.NewSigner(secret)
	if err != nil {
		panic(fmt.Sprintf("live: Options.Secret: %v", err))
	}
	return signer
}

// saltFlash signs flash messages carried across navigation.
const saltFlash = "glint flash"

// sign returns a token carrying data for salt (attribute-safe: base64url and a dot).
func (s *Server) sign(salt string, data []byte) string { return s.signer.Sign(salt, data) }

// verify checks a token made by sign with the same salt and returns its data. maxAge 0
// means no age limit.
func (s *Server) verify(salt, tok string, maxAge time.Duration) ([]byte, error) {
	if len(tok) > maxTokenBytes {
		return nil, fmt.Errorf("%w: %d bytes", token.ErrInvalid, len(tok))
	}
	return s.signer.Verify(salt, tok, maxAge)
}

// maxTokenBytes bounds tokens accepted from clients.
const maxTokenBytes = 64 << 10
