package compat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/glint-go/glint/internal/testenv"
	"github.com/glint-go/glint/live/channel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// repoNodeModules finds node_modules next to the module's go.mod, walking up from here.
func repoNodeModules(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "node_modules")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// needNode returns the node binary and node_modules, or skips (fails when CI=true).
func needNode(t *testing.T) (string, string) {
	t.Helper()
	missing := func(why string) { testenv.Missing(t, "compatibility test cannot run: "+why) }
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH")
	}
	nm := repoNodeModules(t)
	for _, p := range []string{"phoenix/priv/static/phoenix.mjs", "ws/wrapper.mjs"} {
		if _, err := os.Stat(filepath.Join(nm, p)); err != nil {
			missing("node_modules lacks " + p + " (run npm ci at the repository root)")
		}
	}
	return node, nm
}

// room is the channel the JS client talks to.
type room struct{ joins *atomic.Int32 }

func (r room) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	var p struct{ Hello string }
	if err := json.Unmarshal(payload, &p); err != nil || p.Hello != "node" {
		return nil, fmt.Errorf("bad join payload %s", payload)
	}
	return map[string]any{"joins": r.joins.Add(1), "user": c.Assigns()["user"]}, nil
}

func (room) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	switch event {
	case "ok":
		return channel.Ok(payload)
	case "error":
		return channel.Error(map[string]string{"reason": "nope"})
	case "noreply":
		return channel.NoReply()
	case "broadcast":
		if err := c.Broadcast(ctx, "shout", payload); err != nil {
			return channel.Error(map[string]string{"reason": err.Error()})
		}
		return channel.Ok(nil)
	}
	return channel.Error(map[string]string{"reason": "unknown event"})
}

// node is one running server generation.
type node struct {
	srv  *channel.Server
	http *http.Server
	done chan error
}

func start(t *testing.T, addr string, joins *atomic.Int32) (*node, string) {
	t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	srv := channel.NewServer(channel.Options{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		DrainWindow: 20 * time.Millisecond,
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			if info.Params.Get("token") != "node-token" {
				return nil, errors.New("bad token")
			}
			if info.AuthToken != "secret/auth+token" {
				return nil, fmt.Errorf("auth token %q", info.AuthToken)
			}
			return channel.Assigns{"user": "node"}, nil
		},
	})
	if err := srv.Handle("room:*", func() channel.Handler { return room{joins} }); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket/websocket", srv)
	n := &node{srv: srv, http: &http.Server{Handler: mux}, done: make(chan error, 1)}
	go func() { n.done <- n.http.Serve(ln) }()
	return n, ln.Addr().String()
}

func (n *node) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.srv.Shutdown(ctx); err != nil {
		t.Errorf("channel shutdown: %v", err)
	}
	if err := n.http.Close(); err != nil {
		t.Errorf("http close: %v", err)
	}
	<-n.done
}

type step struct {
	Step string          `json:"step"`
	Data json.RawMessage `json:"data"`
}

func TestOfficialPhoenixClient(t *testing.T) {
	nodeBin, nodeModules := needNode(t)
	var joins atomic.Int32
	n, addr := start(t, "127.0.0.1:0", &joins)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodeBin, filepath.Join("testdata", "client.mjs"), nodeModules, "ws://"+addr+"/socket")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan step, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var s step
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				s = step{Step: "garbage", Data: json.RawMessage(fmt.Sprintf("%q", sc.Text()))}
			}
			lines <- s
		}
	}()
	// next returns the next step other than socket open/close notices.
	next := func() step {
		t.Helper()
		for {
			select {
			case s, ok := <-lines:
				if !ok {
					t.Fatalf("node exited early; stderr:\n%s", stderr.String())
				}
				if s.Step == "open" || s.Step == "close" {
					continue
				}
				if s.Step == "fail" {
					t.Fatalf("node client failed: %s; stderr:\n%s", s.Data, stderr.String())
				}
				return s
			case <-time.After(15 * time.Second):
				t.Fatalf("no output from node; stderr:\n%s", stderr.String())
			}
		}
	}
	expect := func(name, data string) {
		t.Helper()
		s := next()
		if s.Step != name || string(s.Data) != data {
			t.Fatalf("step %s %s, want %s %s", s.Step, s.Data, name, data)
		}
	}

	expect("joined", `{"joins":1,"user":"node"}`)
	expect("push-ok", `["ok",{"x":1}]`)
	expect("push-error", `["error",{"reason":"nope"}]`)
	expect("push-timeout", `["timeout",null]`)
	// The broadcast reaches the client before the push's reply.
	expect("broadcast", `{"n":1}`)
	expect("push-broadcast", `["ok",{}]`)
	expect("ready-for-restart", `null`)

	// Restart the server on the same port: the client reconnects and rejoins by itself.
	n.stop(t)
	n, _ = start(t, addr, &joins)
	defer n.stop(t)
	expect("joined", `{"joins":2,"user":"node"}`)
	expect("push-after-rejoin", `["ok",{"after":"restart"}]`)
	expect("left", `null`)
	expect("done", `null`)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("node: %v; stderr:\n%s", err, stderr.String())
	}
	for range lines {
	}
}

// limitedBuffer keeps the first 64 KiB written to it, safe for concurrent use by exec.
type limitedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
