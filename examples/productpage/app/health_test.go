package app_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/examples/productpage/admin"
	"github.com/glint-go/glint/examples/productpage/app"
	"github.com/glint-go/glint/examples/productpage/store"
	"github.com/glint-go/glint/live/pubsub/natspubsub"
)

// probe answers one request through h and returns its status and body.
func probe(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if strings.HasPrefix(path, "/admin/") {
		req.SetBasicAuth(admin.User, testPassword)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func TestHealthAndReadiness(t *testing.T) {
	a := fixtureApp(t)
	h := a.Health.Wrap(a)
	if code, body := probe(t, h, http.MethodGet, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", code, body)
	}
	if code, body := probe(t, h, http.MethodGet, "/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("GET /readyz = %d %q, want 200 ready", code, body)
	}
	if code, _ := probe(t, h, http.MethodPost, "/readyz"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /readyz = %d, want 405", code)
	}
	// The rest of the app is still served behind the probes.
	if code, _ := probe(t, h, http.MethodGet, "/drops"); code != http.StatusOK {
		t.Errorf("GET /drops behind the probes = %d", code)
	}

	// The admin's socket drain marks the node not ready; it stays alive.
	if code, body := probe(t, h, http.MethodPost, "/admin/api/sockets/drain"); code != http.StatusOK {
		t.Fatalf("POST drain = %d %s", code, body)
	}
	if code, body := probe(t, h, http.MethodGet, "/readyz"); code != http.StatusServiceUnavailable || body != "not ready: draining\n" {
		t.Errorf("GET /readyz while draining = %d %q, want 503 draining", code, body)
	}
	if code, _ := probe(t, h, http.MethodGet, "/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz while draining = %d, want 200", code)
	}
}

func TestReadinessFollowsTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ready.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 2)), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := app.NewHealth(app.HealthOptions{Store: st, Logger: quietLogger()})
	if reason := h.Ready(ctx); reason != "" {
		t.Fatalf("Ready = %q with the store open", reason)
	}
	st.Close()
	if code, body := probe(t, h, http.MethodGet, "/readyz"); code != http.StatusServiceUnavailable || body != "not ready: store not answering\n" {
		t.Errorf("GET /readyz with the store closed = %d %q", code, body)
	}
	if code, _ := probe(t, h, http.MethodGet, "/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz with the store closed = %d, want 200", code)
	}
	if !h.Drain() || h.Drain() || !h.Draining() {
		t.Error("Drain reports the first call only, and Draining stays true")
	}
}

func TestReadinessFollowsTheNATSLink(t *testing.T) {
	ctx := context.Background()
	srv, err := natspubsub.StartServer(natspubsub.ServerOptions{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.Shutdown()
		}
	})
	ps, err := natspubsub.Connect(ctx, natspubsub.Options{URL: srv.ClientURL(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ready.db"), store.SQLiteOptions{Rand: rand.New(rand.NewPCG(1, 2)), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, app.Config{Store: st, PubSub: ps, AdminPassword: testPassword, Secret: testSecret, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(ctx)
	})
	h := a.Health.Wrap(a)
	if code, body := probe(t, h, http.MethodGet, "/readyz"); code != http.StatusOK {
		t.Fatalf("GET /readyz on NATS = %d %q", code, body)
	}
	srv.Shutdown()
	stopped = true
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := probe(t, h, http.MethodGet, "/readyz")
		if code == http.StatusServiceUnavailable && body == "not ready: NATS link down\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz with NATS stopped = %d %q, want 503 NATS link down", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
