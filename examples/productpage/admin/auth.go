package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"os"

	"github.com/glint-go/glint/live/secure"
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
//
// A browser resends basic-auth credentials on its own once the admin has logged in, also
// with requests another site's page makes it send (an auto-submitted form, a no-cors
// fetch). So before the credentials are looked at, a state-changing request (any method
// but GET, HEAD and OPTIONS) that the browser marks as cross-origin (Sec-Fetch-Site, or
// an Origin whose host is not the request's Host) is refused with 403 and a JSON error,
// and logged (see secure.CrossOrigin). Requests without those headers, from curl or the
// load tool, and the admin's own same-origin requests are not affected.
func BasicAuth(user, password string, next http.Handler) http.Handler {
	return crossOrigin.Handler(basicAuth(user, password, next))
}

// crossOrigin refuses cross-origin state-changing requests with the API's JSON errors.
var crossOrigin = func() *secure.CrossOrigin {
	c, err := secure.NewCrossOrigin(secure.CrossOriginOptions{Deny: http.HandlerFunc(denyCrossOrigin)})
	if err != nil {
		panic(err) // no trusted origins: cannot fail
	}
	return c
}()

func denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusForbidden, "cross-origin request refused: the admin API only takes state-changing requests from its own pages or from non-browser clients")
}

func basicAuth(user, password string, next http.Handler) http.Handler {
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
