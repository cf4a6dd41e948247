package main

// The floor of a fan-out: a bare channel broadcast. With -baseline, the fanout scenario
// also starts a child process (this program, told so by bareServerEnv) serving
// live/channel alone: a topic that every socket joins, and an HTTP endpoint that
// broadcasts one frame on it, as large as the views' diff frame. The same number of
// sockets, dialled and read by the same code, measure the time from that request until
// the last socket has the frame: what any fan-out on this stack and machine costs at
// least.

import (
	"bufio"
	"bytes"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/internal/wsclient"
	"github.com/glint-go/glint/live/channel"
)

// bareServerEnv, set in the environment, makes the program the baseline's server.
const bareServerEnv = "GLINTLOAD_BARE_SERVER"

// bareTopic is the topic every baseline socket joins.
const bareTopic = "bare:fanout"

// bareHandler is the baseline's channel: join, nothing else.
type bareHandler struct{ joined *atomic.Int64 }

func (h bareHandler) Join(context.Context, *channel.Channel, json.RawMessage) (any, error) {
	h.joined.Add(1)
	return nil, nil
}

func (bareHandler) HandleIn(context.Context, *channel.Channel, string, json.RawMessage) channel.Reply {
	return channel.Ok(nil)
}

// serveBare runs the baseline's server until stdin closes: it prints "listening ADDR",
// serves the socket at /live/websocket and POST /broadcast?bytes=N, which broadcasts a
// payload of about N bytes on bareTopic.
func serveBare(stdin io.Reader, stdout io.Writer) int {
	var joined atomic.Int64 // for a debugger; the parent counts its join replies
	srv := channel.NewServer(channel.Options{
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		CheckOrigin: channel.AllowAnyOrigin,
	})
	if err := srv.Handle("bare:*", func() channel.Handler { return bareHandler{&joined} }); err != nil {
		fmt.Fprintln(os.Stderr, "glintload baseline:", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.Handle("/live/websocket", srv)
	mux.HandleFunc("POST /broadcast", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
		payload := `{"pad":"` + strings.Repeat("x", max(n-len(`{"pad":""}`), 0)) + `"}`
		if err := srv.PubSub().Broadcast(r.Context(), bareTopic, "diff", json.RawMessage(payload)); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "glintload baseline:", err)
		return 1
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	fmt.Fprintln(stdout, "listening", ln.Addr().String())
	_, _ = io.Copy(io.Discard, stdin) // until the parent closes it (or exits)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	_ = hs.Shutdown(ctx)
	return 0
}

// bareFanout measures the baseline with n sockets and a frame of about frameBytes bytes,
// and adds its rows to res.
func (r *runner) bareFanout(ctx context.Context, res *result, n, frameBytes int) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), bareServerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		return fmt.Errorf("baseline: server said %q: %v", line, err)
	}
	base := "http://" + addr

	// Frame overhead: [null,null,"bare:fanout","diff",…] against the views'
	// [join_ref,null,"lv:phx-…","diff",…]: pad the payload to the same frame size.
	payloadBytes := frameBytes - len(`[null,null,"`+bareTopic+`","diff",]`)
	socks := make([]*wsclient.Conn, n)
	got := make([]atomic.Int64, n)
	var readers sync.WaitGroup
	defer func() {
		for _, c := range socks {
			if c != nil {
				c.CloseNow()
			}
		}
		readers.Wait()
	}()
	var connectErr atomic.Value
	var failed atomic.Int64
	jobs := make(chan int)
	var dials sync.WaitGroup
	for range r.cfg.Workers {
		dials.Go(func() {
			for i := range jobs {
				c, err := r.bareConnect(ctx, base)
				if err != nil {
					failed.Add(1)
					connectErr.Store(err)
					continue
				}
				socks[i] = c
				readers.Go(func() { bareRead(c, &got[i]) })
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	dials.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("baseline: %d sockets failed to join: %v", f, connectErr.Load())
	}
	sleep(ctx, time.Second)
	t0 := time.Now()
	resp, err := r.http.Post(base+"/broadcast?bytes="+strconv.Itoa(payloadBytes), "", nil)
	if err != nil {
		return fmt.Errorf("baseline: broadcast: %w", err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(r.cfg.Settle)
	var lats []time.Duration
	for {
		lats = lats[:0]
		for i := range got {
			if at := got[i].Load(); at != 0 {
				lats = append(lats, time.Duration(at-t0.UnixNano()))
			}
		}
		if len(lats) == n || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	p50, _, _, mx := percentiles(lats)
	res.set("bare broadcast: sockets", float64(n), "")
	res.set("bare broadcast: missed", float64(n-len(lats)), "")
	res.set("bare broadcast: frame bytes", float64(frameBytes), "B")
	res.set("bare broadcast: time to p50 socket", ms(p50), "ms")
	res.set("bare broadcast: time to last socket", ms(mx), "ms")
	if len(lats) < n {
		return errors.New("baseline: some sockets never got the broadcast")
	}
	return nil
}

// bareConnect dials the baseline's server and joins bareTopic.
func (r *runner) bareConnect(ctx context.Context, base string) (*wsclient.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.JoinTimeout)
	defer cancel()
	c, err := r.dial.dialer().Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/live/websocket?vsn=2.0.0", nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if err := c.WriteText(encodeFrame("1", "1", bareTopic, "phx_join", []byte("{}"))); err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("join: %w", err)
	}
	b, err := c.ReadMessage()
	if err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("join: %w", err)
	}
	if f, err := decodeFrame(b); err != nil || f.Event != "phx_reply" || f.Status != "ok" {
		c.CloseNow()
		return nil, fmt.Errorf("join refused: %.100s", b)
	}
	return c, nil
}

// bareRead records when the first diff frame arrives, and reads until the socket closes.
func bareRead(c *wsclient.Conn, at *atomic.Int64) {
	for {
		b, err := c.ReadMessage()
		if err != nil {
			return
		}
		if bytes.Contains(b[:min(len(b), 64)], []byte(`"diff"`)) {
			at.CompareAndSwap(0, time.Now().UnixNano())
		}
	}
}
