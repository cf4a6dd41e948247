package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/glint-go/glint/live/livetest"
)

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

	v := livetest.OpenURL(t, "http://"+ln.Addr().String()+"/")
	v.Click(`button[phx-click="inc"]`)

	cancel() // what SIGINT does in main
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after a graceful shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return within 15s of the shutdown signal")
	}
	// The live socket was closed by the server, and the port no longer answers.
	v.WaitFor(func(string) bool { return !v.Connected() })
	if code := v.CloseStatus(); code != 1012 {
		t.Errorf("socket closed with status %d, want 1012 (service restart: clients reconnect)", code)
	}
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("the listener still accepts connections after shutdown")
	}
}
