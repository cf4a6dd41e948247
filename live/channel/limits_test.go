package channel_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// dialStatus dials with header and returns the upgrade's HTTP status; the connection, if
// any, is closed with the test.
func dialStatus(t *testing.T, ts *testServer, header http.Header) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, ts.url, &websocket.DialOptions{HTTPHeader: header})
	if conn != nil {
		t.Cleanup(func() { conn.CloseNow() })
	}
	if resp == nil {
		t.Fatalf("no response: %v", err)
	}
	return resp.StatusCode
}

func xff(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }

func TestUpgradeLimits(t *testing.T) {
	cases := []struct {
		name    string
		opts    channel.Options
		headers []http.Header // one dial each, in order
		want    []int
		metric  func(m *channel.Metrics) int64
	}{
		{"sockets per address", channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 2}},
			[]http.Header{nil, nil, nil}, []int{101, 101, 429},
			func(m *channel.Metrics) int64 { return m.LimitAddress.Load() }},
		{"connections in all", channel.Options{Limits: channel.Limits{MaxConnections: 2}},
			[]http.Header{nil, nil, nil}, []int{101, 101, 503},
			func(m *channel.Metrics) int64 { return m.LimitConnections.Load() }},
		{"X-Forwarded-For ignored without trusted proxies", channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 1}},
			[]http.Header{xff("10.0.0.1"), xff("10.0.0.2")}, []int{101, 429},
			func(m *channel.Metrics) int64 { return m.LimitAddress.Load() }},
		{"X-Forwarded-For from a trusted proxy names the client", channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 1, TrustedProxies: []string{"127.0.0.0/8", "::1"}}},
			[]http.Header{xff("10.0.0.1"), xff("10.0.0.2"), xff("10.0.0.1")}, []int{101, 101, 429},
			func(m *channel.Metrics) int64 { return m.LimitAddress.Load() }},
		{"a client cannot pose as a trusted hop", channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 1, TrustedProxies: []string{"127.0.0.0/8", "10.9.0.0/16"}}},
			// The right-most untrusted entry is the client: 10.0.0.7 both times.
			[]http.Header{xff("10.0.0.7, 10.9.0.1"), xff("192.0.2.1, 10.0.0.7, 10.9.0.2")}, []int{101, 429},
			func(m *channel.Metrics) int64 { return m.LimitAddress.Load() }},
		{"IPv6 counted by /64", channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 1, TrustedProxies: []string{"127.0.0.1"}}},
			[]http.Header{xff("2001:db8:1:2::1"), xff("2001:db8:1:2:ffff::9"), xff("2001:db8:1:3::1")}, []int{101, 429, 101},
			func(m *channel.Metrics) int64 { return m.LimitAddress.Load() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.opts)
			for i, h := range tc.headers {
				if got := dialStatus(t, ts, h); got != tc.want[i] {
					t.Fatalf("dial %d: status %d, want %d", i+1, got, tc.want[i])
				}
			}
			refused := 0
			for _, w := range tc.want {
				if w != 101 {
					refused++
				}
			}
			if got := tc.metric(ts.srv.Metrics()); got != int64(refused) {
				t.Errorf("limit metric = %d, want %d", got, refused)
			}
		})
	}
}

// A socket that goes gives its place back.
func TestAddressLimitReleasedOnClose(t *testing.T) {
	ts := newTestServer(t, channel.Options{Limits: channel.Limits{MaxSocketsPerAddress: 1, MaxConnections: 1}})
	c := ts.dial(t, "")
	if got := dialStatus(t, ts, nil); got == 101 {
		t.Fatal("a second socket was admitted over both limits")
	}
	c.close()
	waitFor(t, "the closed socket to go", func() bool { return ts.srv.Metrics().Connections.Load() == 0 })
	if got := dialStatus(t, ts, nil); got != 101 {
		t.Fatalf("after the first socket closed: status %d, want 101", got)
	}
}

func TestClientAddrReachesConnect(t *testing.T) {
	got := make(chan netip.Addr, 1)
	ts := newTestServer(t, channel.Options{Connect: func(_ context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
		got <- info.ClientAddr
		return nil, nil
	}, Limits: channel.Limits{TrustedProxies: []string{"127.0.0.1/32", "::1/128"}}})
	if s := dialStatus(t, ts, xff("203.0.113.9")); s != 101 {
		t.Fatalf("status %d", s)
	}
	if a := <-got; a != netip.MustParseAddr("203.0.113.9") {
		t.Errorf("ClientAddr = %v, want 203.0.113.9", a)
	}
}

func TestTrustedProxiesMustParse(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "not-a-network") {
			t.Fatalf("NewServer with a bad proxy: recovered %v, want a panic naming it", r)
		}
	}()
	channel.NewServer(channel.Options{Limits: channel.Limits{TrustedProxies: []string{"not-a-network"}}})
}

func TestJoinTimeout(t *testing.T) {
	ts := newTestServer(t, channel.Options{HeartbeatTimeout: 2 * time.Second, Limits: channel.Limits{JoinTimeout: 300 * time.Millisecond}})
	idle := ts.dial(t, "")
	defer idle.close()
	member := ts.dial(t, "")
	defer member.close()
	member.send(`["1","1","room:a","phx_join",{}]`)
	member.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)

	// Heartbeats alone do not keep a socket that never joins.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				err := idle.conn.Write(ctx, websocket.MessageText, []byte(`[null,"9","phoenix","heartbeat",{}]`))
				cancel()
				if err != nil {
					return
				}
			}
		}
	}()
	got := idle.closeStatus()
	close(stop)
	<-done
	if got != websocket.StatusPolicyViolation {
		t.Fatalf("never-joined socket: close status %v, want 1008", got)
	}
	// The member, past the same timeout, is still served.
	member.quiet("2")
	if n := ts.srv.Metrics().JoinTimeouts.Load(); n != 1 {
		t.Errorf("JoinTimeouts = %d, want 1", n)
	}
	// Leaving its last channel starts the clock for the member too.
	member.send(`["1","3","room:a","phx_leave",{}]`)
	if got := member.closeStatus(); got != websocket.StatusPolicyViolation {
		t.Fatalf("socket that left its last channel: close status %v, want 1008", got)
	}
}

func TestJoinLimits(t *testing.T) {
	ts := newTestServer(t, channel.Options{Limits: channel.Limits{JoinsPerSecond: 0.5, JoinBurst: 2, MaxTopicBytes: 64}})
	c := ts.dial(t, "")
	defer c.close()
	long := "room:" + strings.Repeat("x", 100)
	c.send(`["1","1","` + long + `","phx_join",{}]`)
	if got := c.recv(); !strings.Contains(got, `"topic too long"`) || strings.Contains(got, "xxxx") {
		t.Fatalf("long topic: %s (want the refusal, without echoing the topic)", got)
	}
	c.send(`["2","2","room:a","phx_join",{}]`)
	c.expect(`["2","2","room:a","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["3","3","room:b","phx_join",{}]`)
	c.expect(`["3","3","room:b","phx_reply",{"status":"ok","response":{}}]`)
	c.send(`["4","4","room:c","phx_join",{}]`)
	c.expect(`["4","4","room:c","phx_reply",{"status":"error","response":{"reason":"too many joins"}}]`)
	if n := ts.srv.Metrics().LimitJoins.Load(); n != 2 {
		t.Errorf("LimitJoins = %d, want 2", n)
	}
	c.quiet("5") // still served
}

func TestEventRateLimit(t *testing.T) {
	// One event a second: however slow the machine, the bucket refills too slowly to let
	// the sixth event through.
	ts := newTestServer(t, channel.Options{Limits: channel.Limits{EventsPerSecond: 1, EventBurst: 5, AbuseBan: 500 * time.Millisecond}})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	for i := 2; i <= 6; i++ {
		c.send(fmt.Sprintf(`["1","%d","room:a","ok",{}]`, i))
		c.expect(fmt.Sprintf(`["1","%d","room:a","phx_reply",{"status":"ok","response":{}}]`, i))
	}
	c.send(`["1","7","room:a","ok",{}]`)
	c.expect(`["1","7","room:a","phx_reply",{"status":"error","response":{"reason":"rate limited"}}]`)
	// The rate comes back with time.
	time.Sleep(1100 * time.Millisecond)
	c.send(`["1","8","room:a","ok",{}]`)
	c.expect(`["1","8","room:a","phx_reply",{"status":"ok","response":{}}]`)
	// Kept up, the flood closes the socket.
	go func() {
		for i := 0; i < 200; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := c.conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`["1","f%d","room:a","ok",{}]`, i)))
			cancel()
			if err != nil {
				return
			}
		}
	}()
	if got := c.closeStatus(); got != websocket.StatusPolicyViolation {
		t.Fatalf("flood: close status %v, want 1008", got)
	}
	m := ts.srv.Metrics()
	if m.LimitEvents.Load() < 5 || m.LimitClosed.Load() != 1 {
		t.Errorf("LimitEvents = %d (want ≥ 5), LimitClosed = %d (want 1)", m.LimitEvents.Load(), m.LimitClosed.Load())
	}
	// The address is refused for AbuseBan, then admitted again.
	if got := dialStatus(t, ts, nil); got != http.StatusTooManyRequests {
		t.Fatalf("right after the abuse: status %d, want 429", got)
	}
	if m.LimitBanned.Load() != 1 {
		t.Errorf("LimitBanned = %d, want 1", m.LimitBanned.Load())
	}
	time.Sleep(600 * time.Millisecond)
	if got := dialStatus(t, ts, nil); got != 101 {
		t.Fatalf("after the ban: status %d, want 101", got)
	}
}

// A frame header declaring a huge payload is refused at once, not when the heartbeat
// timeout finally notices that the payload never comes.
func TestOversizedFrameHeaderRefusedAtOnce(t *testing.T) {
	ts := newTestServer(t, channel.Options{HeartbeatTimeout: time.Minute})
	conn, br := rawUpgrade(t, ts, nil)
	defer conn.Close()
	hdr := []byte{0x81, 0x80 | 127}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<62)
	hdr = append(hdr, 1, 2, 3, 4) // the mask key; no payload follows
	if _, err := conn.Write(hdr); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	code, err := readCloseCode(br)
	if err != nil {
		t.Fatalf("no close frame: %v", err)
	}
	if code != 1009 {
		t.Fatalf("close code %d, want 1009", code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refused after %v", d)
	}
}

// rawUpgrade opens a WebSocket to ts by hand, so that the test can write frames no client
// library would; frames, if any, are written in the same write as the upgrade request.
func rawUpgrade(t *testing.T, ts *testServer, frames []byte) (net.Conn, *bufio.Reader) {
	t.Helper()
	host := strings.TrimPrefix(ts.http.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	req := "GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write(append([]byte(req), frames...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade status %d", resp.StatusCode)
	}
	return conn, br
}

// readCloseCode reads server frames until a close frame and returns its code.
func readCloseCode(br *bufio.Reader) (int, error) {
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return 0, err
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return 0, err
			}
			n = int(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			if _, err := io.ReadFull(br, l[:]); err != nil {
				return 0, err
			}
			n = int(binary.BigEndian.Uint64(l[:]))
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return 0, err
		}
		if h[0]&0x0f == 0x8 {
			if n < 2 {
				return 0, fmt.Errorf("close frame without a code")
			}
			return int(binary.BigEndian.Uint16(payload)), nil
		}
	}
}

// Client values in log lines are shortened: a huge Origin cannot grow the log by its size.
func TestLoggedClientValuesAreClipped(t *testing.T) {
	var logBuf syncBuffer
	ts := newTestServer(t, channel.Options{Logger: slog.New(slog.NewTextHandler(&logBuf, nil))})
	origin := "http://" + strings.Repeat("e", 100_000) + ".example"
	if got := dialStatus(t, ts, http.Header{"Origin": {origin}}); got != http.StatusForbidden {
		t.Fatalf("status %d", got)
	}
	if n := len(logBuf.String()); n == 0 || n > 1000 {
		t.Fatalf("log of the refusal is %d bytes: %q", n, logBuf.String())
	}
	if !strings.Contains(logBuf.String(), "100015 bytes") {
		t.Errorf("the log does not say how long the value was: %s", logBuf.String())
	}
}

func TestChannelsPerAddress(t *testing.T) {
	ts := newTestServer(t, channel.Options{Limits: channel.Limits{MaxChannelsPerAddress: 3}})
	a, b := ts.dial(t, ""), ts.dial(t, "")
	defer a.close()
	defer b.close()
	for i, c := range []*client{a, a, b} {
		c.send(fmt.Sprintf(`["%d","%d","room:%d","phx_join",{}]`, i, i, i))
		c.expect(fmt.Sprintf(`["%d","%d","room:%d","phx_reply",{"status":"ok","response":{}}]`, i, i, i))
	}
	b.send(`["9","9","room:9","phx_join",{}]`)
	b.expect(`["9","9","room:9","phx_reply",{"status":"error","response":{"reason":"too many channels from this address"}}]`)
	// A channel that leaves frees its place.
	a.send(`["0","10","room:0","phx_leave",{}]`)
	a.expect(`["0","10","room:0","phx_reply",{"status":"ok","response":{}}]`)
	waitFor(t, "the left channel to end", func() bool { return ts.srv.Metrics().Channels.Load() == 2 })
	// Its place is given back when it has finished, just after the gauge counts it gone:
	// a join in between is refused, and one a moment later is not.
	for ref := 11; ; ref++ {
		b.send(fmt.Sprintf(`["%d","%d","room:%d","phx_join",{}]`, ref, ref, ref))
		got := b.recv()
		if got == fmt.Sprintf(`["%d","%d","room:%d","phx_reply",{"status":"ok","response":{}}]`, ref, ref, ref) {
			break
		}
		if refused := fmt.Sprintf(`["%d","%d","room:%d","phx_reply",{"status":"error","response":{"reason":"too many channels from this address"}}]`, ref, ref, ref); got != refused || ref == 30 {
			t.Fatalf("join after a leave: %s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
