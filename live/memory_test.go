package live

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Environment of the client process started by BenchmarkIdleViewMemoryServerSide.
const (
	envMemClientURL  = "GLINT_LIVE_MEMCLIENT_URL"
	envMemClientFile = "GLINT_LIVE_MEMCLIENT_FILE"
)

// BenchmarkIdleViewMemoryServerSide measures the server-side memory (heap in use plus
// goroutine stacks) of 10,000 idle connected counter views, one socket each, as browser
// tabs have them. The clients run in a child process, so that only the server is
// measured.
func BenchmarkIdleViewMemoryServerSide(b *testing.B) {
	const views = 10000
	for i := 0; i < b.N; i++ {
		ts := newTestServer(b, benchOptions(), func(s *Server) {
			s.Handle("/", Page{New: func() View { return &plainCounter{} }, Template: plainCounterTmpl})
		})
		var sb strings.Builder
		for j := 0; j < views; j++ {
			p := mintPage(b, ts.Server, "/")
			fmt.Fprintf(&sb, "%s %s\n", p.id, p.session)
		}
		file := filepath.Join(b.TempDir(), "views")
		if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
			b.Fatal(err)
		}
		before := heapAndStack()
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryClientProcess$")
		cmd.Env = append(os.Environ(), envMemClientURL+"="+ts.http.URL, envMemClientFile+"="+file)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil || line != "READY\n" {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatalf("client process: %q %v", line, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for ts.metrics.views.Load() != views && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := ts.metrics.views.Load(); got != views {
			b.Fatalf("%d views connected, want %d", got, views)
		}
		after := heapAndStack()
		b.ReportMetric(float64(after-before)/views, "bytes/view")
		stdin.Close()
		cmd.Wait()
	}
}

// TestMemoryClientProcess is the client side of BenchmarkIdleViewMemoryServerSide, run in
// a child process; run directly, it has nothing to do.
func TestMemoryClientProcess(t *testing.T) {
	base, file := os.Getenv(envMemClientURL), os.Getenv(envMemClientFile)
	if base == "" {
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/live/websocket?vsn=2.0.0"
	var conns []*websocket.Conn
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		id, session, _ := strings.Cut(line, " ")
		conn, _, err := websocket.Dial(ctx, wsURL, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		payload, _ := json.Marshal(map[string]any{"url": base + "/", "params": map[string]any{}, "session": session, "static": nil})
		if err := conn.Write(ctx, websocket.MessageText, []byte(`["1","1","lv:`+id+`","phx_join",`+string(payload)+`]`)); err != nil {
			fmt.Fprintln(os.Stderr, "join:", err)
			os.Exit(1)
		}
		if _, reply, err := conn.Read(ctx); err != nil || !strings.Contains(string(reply), `"ok"`) {
			fmt.Fprintf(os.Stderr, "join reply %s: %v\n", reply, err)
			os.Exit(1)
		}
		conns = append(conns, conn)
	}
	fmt.Println("READY")
	// Stay connected, idle, until the parent closes stdin.
	bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.CloseNow()
	}
	os.Exit(0)
}
