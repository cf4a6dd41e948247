package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"regexp"

	"github.com/glint-go/glint/live/channel"
)

// VisitorCookie names the cookie that identifies a browser. Its sockets get the id
// "visitor:" + the cookie's value, so that the admin API can disconnect one browser on
// every node (and, later, so that a cart can follow it).
const VisitorCookie = "sneakers_visitor"

var visitorPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// withVisitor gives a browser without a (well-formed) visitor cookie a new one.
func withVisitor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(VisitorCookie); err != nil || !visitorPattern.MatchString(c.Value) {
			var b [16]byte
			_, _ = rand.Read(b[:])
			http.SetCookie(w, &http.Cookie{
				Name: VisitorCookie, Value: base64.RawURLEncoding.EncodeToString(b[:]),
				Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600,
			})
		}
		h.ServeHTTP(w, r)
	})
}

// visitorSocketID is the live socket's Connect callback: it names the socket after the
// visitor cookie, when the browser sent a well-formed one.
func visitorSocketID(_ context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
	for _, c := range info.Cookies {
		if c.Name == VisitorCookie && visitorPattern.MatchString(c.Value) {
			return channel.Assigns{"socket_id": "visitor:" + c.Value}, nil
		}
	}
	return nil, nil
}
