package token

import (
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"os"
)

// SecretEnv is the environment variable SecretFromEnv reads.
const SecretEnv = "GLINT_SECRET"

// SecretFromEnv returns the secret in $GLINT_SECRET. When it is unset or empty (typical in
// development) it returns a fresh random secret and logs a warning on logger (nil:
// slog.Default()): tokens signed with it do not survive a restart and are not accepted by
// other nodes.
func SecretFromEnv(logger *slog.Logger) string {
	if s := os.Getenv(SecretEnv); s != "" {
		return s
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("token: " + SecretEnv + " is not set; using a random secret, so sessions will not survive a restart or work across nodes")
	return RandomSecret()
}

// RandomSecret returns a new random 32-byte secret, base64url-encoded.
func RandomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
