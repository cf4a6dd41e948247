package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
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
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown")
	}
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
		{"unreachable postgres", []string{"-db", "postgres://u:p@127.0.0.1:1/db?connect_timeout=2", "-addr", "127.0.0.1:0"}},
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
