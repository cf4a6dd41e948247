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

// A non-blocking flush to a client that does not read leaves the rest pending; flush and
// later writes deliver every byte, in order.
func TestSockConnPendingWritesKeepOrder(t *testing.T) {
	srv, cli := tcpPair(t)
	if err := srv.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	c := newSockConn(srv, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<17) // 2 MiB
	c.beginBatch()
	if _, err := c.Write(big); err != nil {
		t.Fatal(err)
	}
	done, err := c.endBatchNow()
	if err != nil {
		t.Fatal(err)
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
		b, _ := io.ReadAll(io.LimitReader(cli, int64(len(big)+5)))
		got <- b
	}()
	// A batch added while bytes are pending goes after them.
	c.beginBatch()
	if _, err := c.Write([]byte("tail1")); err != nil {
		t.Fatal(err)
	}
	if done, err := c.endBatchNow(); done || err != nil {
		t.Fatalf("endBatchNow behind pending bytes = %v, %v; want false, nil", done, err)
	}
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
	if c.pending != nil {
		t.Fatal("flush left bytes pending")
	}
	b := <-got
	if len(b) != len(big)+5 || !bytes.Equal(b[:len(big)], big) || string(b[len(big):]) != "tail1" {
		t.Fatalf("client got %d bytes (want %d), order or content wrong", len(b), len(big)+5)
	}
}

// With nothing pending and room in the kernel, endBatchNow writes the whole batch.
func TestSockConnWritesAtOnce(t *testing.T) {
	srv, cli := tcpPair(t)
	c := newSockConn(srv, nil)
	c.beginBatch()
	for _, s := range []string{"one,", "two,", "three"} {
		if _, err := c.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if done, err := c.endBatchNow(); !done || err != nil {
		t.Fatalf("endBatchNow = %v, %v; want true, nil", done, err)
	}
	buf := make([]byte, 64)
	_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := io.ReadAtLeast(cli, buf, len("one,two,three"))
	if err != nil || string(buf[:n]) != "one,two,three" {
		t.Fatalf("client read %q, %v", buf[:n], err)
	}
}
