package channel

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// A frame the kernel does not take at once is left pending; flush and later frames
// deliver every byte, in order.
func TestSockConnPendingWritesKeepOrder(t *testing.T) {
	srv, cli := tcpPair(t)
	if err := srv.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	c := newSockConn(srv, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB
	want := append(appendFrameHeader(nil, 0x81, len(big)), big...)
	want = append(appendFrameHeader(want, 0x81, len("tail1")), "tail1"...)
	n, done, err := c.writeFrameNow(big, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(big) {
		t.Fatalf("payload of %d bytes reported, want %d", n, len(big))
	}
	if done {
		t.Fatal("2 MiB to a client that does not read was written at once; want some pending")
	}
	if c.pending == nil || c.pendingOff >= len(big) {
		t.Fatalf("pending %v from %d", c.pending != nil, c.pendingOff)
	}
	got := make(chan []byte, 1)
	go func() {
		_ = cli.SetReadDeadline(time.Now().Add(20 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(cli, int64(len(want))))
		got <- b
	}()
	// A frame written while bytes are pending goes after them.
	if _, done, err := c.writeFrameNow([]byte("tail1"), nil); done || err != nil {
		t.Fatalf("writeFrameNow behind pending bytes = %v, %v; want false, nil", done, err)
	}
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
	if c.pending != nil {
		t.Fatal("flush left bytes pending")
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("client got %d bytes (want %d), order or content wrong", len(b), len(want))
	}
}

// With nothing pending and room in the kernel, writeFrameNow writes the whole frame.
func TestSockConnWritesAtOnce(t *testing.T) {
	srv, cli := tcpPair(t)
	c := newSockConn(srv, nil)
	if n, done, err := c.writeFrameNow([]byte("one,two,three"), nil); n != len("one,two,three") || !done || err != nil {
		t.Fatalf("writeFrameNow = %d, %v, %v; want 13, true, nil", n, done, err)
	}
	want := "\x81\x0done,two,three"
	buf := make([]byte, 64)
	_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.ReadAtLeast(cli, buf, len(want))
	if err != nil || string(buf[:n]) != want {
		t.Fatalf("client read %q, %v; want %q", buf[:n], err, want)
	}
}

// maskedFrame is a client frame: first (FIN, RSV and opcode), the masked length, the key
// and p masked with it.
func maskedFrame(first byte, p []byte) []byte {
	b := []byte{first}
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xFFFF:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	key := [4]byte{0xa1, 0x5e, 0x07, 0xf3}
	b = append(b, key[:]...)
	for i, c := range p {
		b = append(b, c^key[i%4])
	}
	return b
}

// takeFrame reads the common frames itself and leaves every other one, unconsumed, to the
// library.
func TestTakeFrame(t *testing.T) {
	pad := func(n int) []byte { return bytes.Repeat([]byte("abcdefghij"), n/10+1)[:n] }
	unmasked := maskedFrame(0x81, []byte("hi"))
	unmasked[1] &^= 0x80
	cases := []struct {
		name   string
		in     []byte
		limit  int64
		taken  bool
		binary bool
		want   []byte // payload taken
		left   int    // unread bytes after the call
	}{
		{"empty text", maskedFrame(0x81, nil), 100, true, false, nil, 0},
		{"text", maskedFrame(0x81, []byte(`["1","2","lv:x","event",{}]`)), 100, true, false, []byte(`["1","2","lv:x","event",{}]`), 0},
		{"odd length", maskedFrame(0x81, pad(13)), 100, true, false, pad(13), 0},
		{"binary", maskedFrame(0x82, []byte{0, 1, 2, 3, 255}), 100, true, true, []byte{0, 1, 2, 3, 255}, 0},
		{"16-bit length", maskedFrame(0x81, pad(1500)), 2000, true, false, pad(1500), 0},
		{"first of two", append(maskedFrame(0x81, pad(9)), maskedFrame(0x81, pad(3))...), 100, true, false, pad(9), 9},
		{"64-bit length", maskedFrame(0x82, pad(70000)), 1 << 20, false, false, nil, 70000 + 14},
		{"over the limit", maskedFrame(0x81, pad(101)), 100, false, false, nil, 101 + 6},
		{"at the limit", maskedFrame(0x81, pad(100)), 100, true, false, pad(100), 0},
		{"first fragment", maskedFrame(0x01, pad(5)), 100, false, false, nil, 11},
		{"continuation", maskedFrame(0x80, pad(5)), 100, false, false, nil, 11},
		{"compressed", maskedFrame(0xC1, pad(5)), 100, false, false, nil, 11},
		{"ping", maskedFrame(0x89, pad(5)), 100, false, false, nil, 11},
		{"close", maskedFrame(0x88, []byte{3, 232}), 100, false, false, nil, 8},
		{"unmasked", unmasked, 100, false, false, nil, 8},
		{"header only", maskedFrame(0x81, pad(20))[:6], 100, false, false, nil, 6},
		{"payload cut", maskedFrame(0x81, pad(20))[:25], 100, false, false, nil, 25},
		{"length cut", maskedFrame(0x81, pad(300))[:3], 100, false, false, nil, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := tcpPair(t)
			c := newSockConn(srv, tc.in)
			var buf bytes.Buffer
			buf.WriteString("kept")
			binary, ok := c.takeFrame(&buf, tc.limit)
			if ok != tc.taken || binary != tc.binary {
				t.Fatalf("taken %v binary %v, want %v %v", ok, binary, tc.taken, tc.binary)
			}
			if got := buf.Bytes(); !bytes.Equal(got, append([]byte("kept"), tc.want...)) {
				t.Errorf("buffer %q, want %q", got, append([]byte("kept"), tc.want...))
			}
			if len(c.unread) != tc.left {
				t.Errorf("%d unread bytes left, want %d", len(c.unread), tc.left)
			}
			if tc.left == 0 && c.stash != nil {
				t.Error("the read buffer was kept after its last frame was taken")
			}
		})
	}
	// Bytes already in the library's buffer come first: the frame is left to it.
	srv, _ := tcpPair(t)
	c := newSockConn(srv, append(maskedFrame(0x81, pad(3)), maskedFrame(0x81, pad(3))...))
	if _, err := c.br.Peek(1); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, ok := c.takeFrame(&buf, 100); ok || buf.Len() != 0 {
		t.Fatalf("took %q with bytes in the library's buffer", buf.Bytes())
	}
}
