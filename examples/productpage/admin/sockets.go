package admin

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
)

// Sockets is what the socket endpoints need of the live server.
type Sockets interface {
	// Disconnect closes every socket with this id, on every node.
	Disconnect(ctx context.Context, socketID string) error
	// Drain closes this node's sockets spread over the drain window and returns how many.
	Drain() int
}

// socketIDPattern bounds the ids the API accepts (the app's ids are "shopper:" + a cart id).
var socketIDPattern = regexp.MustCompile(`^[A-Za-z0-9_:-]{1,100}$`)

// NewSocketsAPI serves
//
//	POST /admin/api/sockets/{id}/disconnect   close that socket id's sockets on every node
//	POST /admin/api/sockets/drain             close this node's sockets over the drain window
//
// with the same JSON errors as the API. It does not authenticate: wrap it in BasicAuth.
func NewSocketsAPI(s Sockets, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/api/sockets/{id}/disconnect", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !socketIDPattern.MatchString(id) {
			writeError(w, http.StatusBadRequest, "bad socket id: want 1–100 of A-Z a-z 0-9 _ : -")
			return
		}
		if err := s.Disconnect(r.Context(), id); err != nil {
			logger.Error("admin api: disconnect", "socket_id", id, "err", err)
			writeError(w, http.StatusInternalServerError, "disconnect failed")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"disconnected": id})
	})
	mux.HandleFunc("POST /admin/api/sockets/drain", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]int{"draining": s.Drain()})
	})
	mux.HandleFunc("/admin/api/sockets/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return mux
}
