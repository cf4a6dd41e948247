package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"os"
)

// User is the basic-auth user name of the admin surface.
const User = "admin"

// DevPassword is the password used when ADMIN_PASSWORD is not set.
const DevPassword = "password"

// PasswordFromEnv returns ADMIN_PASSWORD, or DevPassword with a warning on logger when it is
// unset or empty.
func PasswordFromEnv(logger *slog.Logger) string {
	if p := os.Getenv("ADMIN_PASSWORD"); p != "" {
		return p
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("ADMIN_PASSWORD is not set: the admin pages accept the development password", "user", User, "password", DevPassword)
	return DevPassword
}

// BasicAuth serves next only to requests carrying user and password in HTTP basic auth.
// Others get 401 with a JSON error and a WWW-Authenticate challenge.
func BasicAuth(user, password string, next http.Handler) http.Handler {
	wantUser := sha256.Sum256([]byte(user))
	wantPass := sha256.Sum256([]byte(password))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		gotUser := sha256.Sum256([]byte(u))
		gotPass := sha256.Sum256([]byte(p))
		// Compare both halves in constant time, always.
		userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
		passOK := subtle.ConstantTimeCompare(gotPass[:], wantPass[:])
		if !ok || userOK&passOK != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="Sneakers23 admin", charset="UTF-8"`)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		next.ServeHTTP(w, r)
	})
}
