package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/examples/productpage/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunServesAndShutsDown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"in-process pubsub", nil},
		{"embedded NATS", []string{"-nats-embed", "-nats-listen", "127.0.0.1:0", "-node", "n1", "-reconcile", "1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) { testRunServesAndShutsDown(t, tc.extra) })
	}
}

func testRunServesAndShutsDown(t *testing.T, extra []string) {
	t.Setenv("ADMIN_PASSWORD", "pw")
	db := filepath.Join(t.TempDir(), "sneakers.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	args := append([]string{"-addr", "127.0.0.1:0", "-db", db, "-drain-delay", "3s"}, extra...)
	go func() { done <- run(ctx, args, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	resp, err := http.Get("http://" + addr + "/drops")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Hop Man 3") || !strings.Contains(string(body), "Breezy Boost 600") {
		t.Fatalf("GET /drops: %d\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, "http://"+addr+path); code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
	}
	cancel()
	// On shutdown the node turns not ready first, and stays so for the drain delay while
	// it still serves.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, "http://"+addr+"/readyz")
		if code == http.StatusServiceUnavailable && body == "not ready: draining\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz after the shutdown signal: %d %q, want 503 draining", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitShutdown(t, done)
}

func TestRunRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"-nope"}},
		{"stray argument", []string{"-db", filepath.Join(t.TempDir(), "x.db"), "extra"}},
		{"bad nats listen address", []string{"-nats-embed", "-nats-listen", "nohost", "-db", filepath.Join(t.TempDir(), "x.db")}},
		{"bad nats route", []string{"-nats-embed", "-nats-listen", "127.0.0.1:0", "-nats-routes", "::bad", "-db", filepath.Join(t.TempDir(), "x.db")}},
		{"bad postgres URL", []string{"-db", "postgres://u:p@127.0.0.1:notaport/db", "-addr", "127.0.0.1:0"}},
		{"db is a directory", []string{"-db", t.TempDir(), "-addr", "127.0.0.1:0"}},
		{"bad address", []string{"-addr", "256.0.0.1:99999", "-db", filepath.Join(t.TempDir(), "x.db")}},
		{"bad trusted proxy", []string{"-trusted-proxies", "10.0.0.0/8,proxy.example", "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "x.db")}},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := run(ctx, tt.args, nil)
		cancel()
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// get returns a GET's status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestRunWaitsForPostgres starts a node whose database does not answer (its URL points to
// a closed port): the node serves /healthz, answers 503 to /readyz and to pages, and once
// the port leads to the database (a proxy in front of the real server starts listening
// there), it becomes ready and serves the shop without a restart.
func TestRunWaitsForPostgres(t *testing.T) {
	base := os.Getenv("GLINT_TEST_POSTGRES")
	if base == "" {
		t.Skip("set GLINT_TEST_POSTGRES to run the PostgreSQL start-up test")
	}
	t.Setenv("ADMIN_PASSWORD", "pw")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A schema of its own, which the node migrates and seeds.
	u, err := url.Parse(storetest.FreshSchema(t, base, "glint_main"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	proxy := storetest.NewProxy(t, u.Host, false) // a closed port for now
	db, err := proxy.URL(u.String())
	if err != nil {
		t.Fatal(err)
	}

	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", db}, func(a string) { addrc <- a }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("run ended while the database was down: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start listening")
	}
	// Several backoff rounds with the database down.
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code, body := get(t, "http://"+addr+"/healthz"); code != http.StatusOK {
			t.Fatalf("GET /healthz while the database is down: %d %q", code, body)
		}
		if code, body := get(t, "http://"+addr+"/readyz"); code != http.StatusServiceUnavailable || body != "not ready: store not answering\n" {
			t.Fatalf("GET /readyz while the database is down: %d %q", code, body)
		}
		if code, body := get(t, "http://"+addr+"/drops"); code != http.StatusServiceUnavailable {
			t.Fatalf("GET /drops while the database is down: %d %q", code, body)
		}
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	for {
		code, body := get(t, "http://"+addr+"/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Since(restored) > 30*time.Second {
			t.Fatalf("GET /readyz 30s after the database came back: %d %q", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ready %v after the database came back", time.Since(restored).Round(time.Millisecond))
	if code, body := get(t, "http://"+addr+"/drops"); code != http.StatusOK || !strings.Contains(body, "Hop Man 3") {
		t.Fatalf("GET /drops once ready: %d\n%s", code, body)
	}
	cancel()
	waitShutdown(t, done)
}

// TestRunShutsDownWhileWaitingForPostgres stops a node that never reached its database.
func TestRunShutsDownWhileWaitingForPostgres(t *testing.T) {
	t.Setenv("ADMIN_PASSWORD", "pw")
	proxy := storetest.NewProxy(t, "127.0.0.1:1", false)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-db", "postgres://u:p@" + proxy.Addr() + "/db?connect_timeout=2"}, func(a string) { addrc <- a })
	}()
	select {
	case addr := <-addrc:
		if code, body := get(t, "http://"+addr+"/readyz"); code != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz: %d %q", code, body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start listening")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown while waiting for the database")
	}
}

// waitShutdown waits for run, told to stop, to return without an error.
func waitShutdown(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}
