package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/livetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testSecret keeps sessions valid across the servers (and nodes) of one test.
var testSecret = []byte("showcase-test-secret-0123456789abcdef")

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestServer returns a showcase configured by cfg (secret and logger filled in), shut
// down at cleanup.
func newTestServer(t *testing.T, cfg config) *showcase {
	t.Helper()
	if cfg.Secret == nil {
		cfg.Secret = testSecret
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	cfg.DrainWindow = time.Millisecond
	sc, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sc.Shutdown(ctx)
	})
	return sc
}

func TestIndexListsEveryPage(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/")
	if v.Title() != "Glint showcase" {
		t.Errorf("title %q", v.Title())
	}
	for _, p := range pages {
		link := v.Find(`#pages a[href="` + p.Path + `"]`)
		if link.Length() != 1 || link.Text() != p.Title {
			t.Errorf("the index has no link %q to %s:\n%s", p.Title, p.Path, v.HTML())
		}
		// Every page listed serves a live view.
		livetest.Open(t, sc, p.Path)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, ln, config{Secret: testSecret, Logger: quietLogger(), DrainWindow: time.Millisecond})
	}()
	v := livetest.OpenURL(t, "http://"+ln.Addr().String()+"/presence")
	if !strings.Contains(v.Text("#count"), "1 tab") {
		t.Fatalf("count = %q", v.Text("#count"))
	}
	cancel() // what SIGINT does in main
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after a graceful shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return within 15s of the shutdown signal")
	}
	v.WaitFor(func(string) bool { return !v.Connected() })
}
