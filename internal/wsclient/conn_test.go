package wsclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestEcho(t *testing.T) {
	url := coderServer(t, echo)
	c := dial(t, url, nil)
	for _, size := range []int{0, 1, 125, 126, 65535, 65536, 200 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = 'a' + byte(i%26)
			}
			orig := bytes.Clone(msg)
			if err := c.WriteText(msg); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(msg, orig) {
				t.Fatal("WriteText modified its argument")
			}
			got, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, orig) {
				t.Fatalf("echo of %d bytes came back as %d bytes, equal prefix %d", size, len(got), commonPrefix(got, orig))
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// TestServerMessages covers what a coder/websocket server can send: fragmented
// messages, binary messages, a ping in the middle, a message written at once after the
// handshake.
func TestServerMessages(t *testing.T) {
	tests := []struct {
		name string
		send func(ctx context.Context, c *websocket.Conn) error
		want []string
	}{
		{
			name: "fragmented text",
			send: func(ctx context.Context, c *websocket.Conn) error {
				w, err := c.Writer(ctx, websocket.MessageText)
				if err != nil {
					return err
				}
				for _, part := range []string{"frag", "", "mented ", strings.Repeat("x", 70000)} {
					if _, err := w.Write([]byte(part)); err != nil {
						return err
					}
				}
				return w.Close()
			},
			want: []string{"fragmented " + strings.Repeat("x", 70000)},
		},
		{
			name: "binary then text",
			send: func(ctx context.Context, c *websocket.Conn) error {
				if err := c.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2}); err != nil {
					return err
				}
				return c.Write(ctx, websocket.MessageText, []byte("two"))
			},
			want: []string{"\x00\x01\x02", "two"},
		},
		{
			name: "many small at once",
			send: func(ctx context.Context, c *websocket.Conn) error {
				for i := range 50 {
					if err := c.Write(ctx, websocket.MessageText, []byte(fmt.Sprint(i))); err != nil {
						return err
					}
				}
				return nil
			},
			want: func() []string {
				var s []string
				for i := range 50 {
					s = append(s, fmt.Sprint(i))
				}
				return s
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := make(chan error, 1)
			url := coderServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
				sent <- tt.send(ctx, c)
				_, _, _ = c.Read(ctx) // until the client goes
			})
			c := dial(t, url, nil)
			for i, want := range tt.want {
				got, err := c.ReadMessage()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if string(got) != want {
					t.Fatalf("message %d: got %d bytes %.40q, want %d bytes %.40q", i, len(got), got, len(want), want)
				}
			}
			if err := <-sent; err != nil {
				t.Fatalf("server: %v", err)
			}
		})
	}
}

func TestPingGetsPong(t *testing.T) {
	pinged := make(chan error, 1)
	url := coderServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		ctx = c.CloseRead(ctx) // a reader on the server side, to receive the pong
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err := c.Ping(pctx)
		pinged <- err
		if err == nil {
			_ = c.Write(ctx, websocket.MessageText, []byte("after ping"))
		}
		<-ctx.Done()
	})
	c := dial(t, url, nil)
	got, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "after ping" {
		t.Fatalf("got %q", got)
	}
	if err := <-pinged; err != nil {
		t.Fatalf("server's Ping: %v", err)
	}
}

func TestServerClose(t *testing.T) {
	tests := []struct {
		code   websocket.StatusCode
		reason string
	}{
		{websocket.StatusGoingAway, "bye"},
		{websocket.StatusPolicyViolation, ""},
		{4001, strings.Repeat("r", 100)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			closed := make(chan error, 1)
			url := coderServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
				// coder's Close waits for the client's close frame: nil means it came.
				closed <- c.Close(tt.code, tt.reason)
			})
			c := dial(t, url, nil)
			_, err := c.ReadMessage()
			var ce *CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("ReadMessage: %v, want a *CloseError", err)
			}
			if ce.Code != int(tt.code) || ce.Reason != tt.reason {
				t.Fatalf("got close %d %q, want %d %q", ce.Code, ce.Reason, tt.code, tt.reason)
			}
			if err := <-closed; err != nil {
				t.Fatalf("server's Close (waits for our close frame): %v", err)
			}
			if _, err2 := c.ReadMessage(); err2 != err {
				t.Fatalf("second ReadMessage: %v, want the same error %v", err2, err)
			}
			if err := c.WriteText([]byte("late")); err == nil {
				t.Fatal("WriteText after close: no error")
			}
		})
	}
}

func TestClientClose(t *testing.T) {
	status := make(chan websocket.StatusCode, 1)
	url := coderServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		_, _, err := c.Read(ctx)
		status <- websocket.CloseStatus(err)
	})
	c := dial(t, url, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := <-status; got != websocket.StatusNormalClosure {
		t.Fatalf("server saw status %d, want 1000", got)
	}
	if err := c.Close(); err == nil {
		t.Fatal("second Close: no error")
	}
}

func TestReadLimit(t *testing.T) {
	tests := []struct {
		name  string
		limit int64
		parts []int // fragment sizes of the server's message
		ok    bool
	}{
		{"at limit", 1000, []int{1000}, true},
		{"over limit", 1000, []int{1001}, false},
		{"fragments over limit", 1000, []int{600, 600}, false},
		{"default limit", 0, []int{DefaultReadLimit + 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := make(chan websocket.StatusCode, 1)
			url := coderServer(t, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
				w, err := c.Writer(ctx, websocket.MessageText)
				if err != nil {
					return
				}
				for _, n := range tt.parts {
					_, _ = w.Write(bytes.Repeat([]byte("z"), n))
				}
				_ = w.Close()
				_, _, err = c.Read(ctx)
				status <- websocket.CloseStatus(err)
			})
			c := dial(t, url, nil)
			c.SetReadLimit(tt.limit)
			got, err := c.ReadMessage()
			if tt.ok {
				if err != nil || len(got) != tt.parts[0] {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				c.Close()
				return
			}
			if !errors.Is(err, ErrReadLimit) {
				t.Fatalf("ReadMessage: %v, want ErrReadLimit", err)
			}
			if st := <-status; st != websocket.StatusMessageTooBig {
				t.Fatalf("server saw status %d, want 1009", st)
			}
		})
	}
}

func TestHeadersReachServer(t *testing.T) {
	got := make(chan http.Header, 1)
	url := coderServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		got <- r.Header.Clone()
		_, _, _ = c.Read(ctx)
	})
	c := dial(t, url+"?vsn=2.0.0", http.Header{"Cookie": {"_glint=abc; other=1"}, "X-Load-Client": {"7"}})
	h := <-got
	if h.Get("Cookie") != "_glint=abc; other=1" || h.Get("X-Load-Client") != "7" {
		t.Fatalf("server got headers %v", h)
	}
	c.Close()
}

func TestQueryReachesServer(t *testing.T) {
	got := make(chan string, 1)
	url := coderServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		got <- r.URL.RequestURI()
		_, _, _ = c.Read(ctx)
	})
	c := dial(t, url+"?vsn=2.0.0&x=a%20b", nil)
	if uri := <-got; uri != "/ws?vsn=2.0.0&x=a%20b" {
		t.Fatalf("server got request URI %q", uri)
	}
	c.Close()
}

// TestConcurrentReadWrite has one goroutine writing while another reads the echoes and
// the server pings in between (the pongs share the write path): run with -race.
func TestConcurrentReadWrite(t *testing.T) {
	const n = 500
	url := coderServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		var mu sync.Mutex // coder allows concurrent writes, but keep echo order with pings apart
		go func() {
			for {
				pctx, cancel := context.WithTimeout(ctx, time.Second)
				err := c.Ping(pctx)
				cancel()
				if err != nil {
					return
				}
			}
		}()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			err = c.Write(ctx, typ, p)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	})
	c := dial(t, url, nil)
	werr := make(chan error, 1)
	go func() {
		for i := range n {
			if err := c.WriteText(fmt.Appendf(nil, "m%d", i)); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	for i := range n {
		got, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("m%d", i); string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestProtocolErrors feeds a hand-written server's frames that RFC 6455 forbids, and
// one that is allowed (a ping between fragments).
func TestProtocolErrors(t *testing.T) {
	tests := []struct {
		name    string
		frames  [][]byte
		want    string // the message, when no error is expected
		wantErr string
	}{
		{"ping between fragments", [][]byte{serverFrame(0x01, []byte("ab")), serverFrame(0x89, []byte("p")), serverFrame(0x80, []byte("cd"))}, "abcd", ""},
		{"pong skipped", [][]byte{serverFrame(0x8A, nil), serverFrame(0x81, []byte("x"))}, "x", ""},
		{"masked frame", [][]byte{{0x81, 0x81, 1, 2, 3, 4, 'x'}}, "", "masked frame"},
		{"reserved bit", [][]byte{serverFrame(0xC1, []byte("x"))}, "", "reserved bits"},
		{"unknown opcode", [][]byte{serverFrame(0x83, []byte("x"))}, "", "unknown data opcode"},
		{"unknown control", [][]byte{serverFrame(0x8B, nil)}, "", "unknown control opcode"},
		{"lone continuation", [][]byte{serverFrame(0x80, []byte("x"))}, "", "continuation frame without"},
		{"text inside fragmented", [][]byte{serverFrame(0x01, []byte("a")), serverFrame(0x81, []byte("b"))}, "", "inside a fragmented"},
		{"fragmented ping", [][]byte{serverFrame(0x09, nil)}, "", "fragmented control"},
		{"long ping", [][]byte{serverFrame(0x89, make([]byte, 126))}, "", "more than 125"},
		{"1-byte close", [][]byte{serverFrame(0x88, []byte{3})}, "", "1-byte payload"},
		{"invalid close code", [][]byte{serverFrame(0x88, []byte{0x03, 0xED})}, "", "invalid status 1005"},
		{"64-bit length MSB", [][]byte{{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1}}, "", "most significant bit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, func(conn net.Conn, key string) {
				resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n"
				// The frames go in the same write as the response: Dial must keep them.
				_, _ = conn.Write(append([]byte(resp), bytes.Join(tt.frames, nil)...))
			})
			c := dial(t, url, nil)
			got, err := c.ReadMessage()
			if tt.wantErr == "" {
				if err != nil || string(got) != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want ErrProtocol with %q", err, tt.wantErr)
			}
		})
	}
}
