package channel_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/live/channel"
)

// waitParked waits until n sockets are parked: their clients have been quiet for a
// second, and the sweep has handed them to the poller.
func waitParked(t *testing.T, ts *testServer, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for ts.srv.Metrics().SocketsParked.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("parked sockets: %d, want %d", ts.srv.Metrics().SocketsParked.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Quiet sockets are parked without a goroutine, and whatever happens to a parked socket
// is handled as on a socket whose reader waits: its client's frames, pushes, a close by
// either side, the heartbeat timeout, and a connection that just drops.
func TestParkedSockets(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sockets are parked on Linux only; elsewhere each keeps its reader goroutine")
	}
	const n = 3
	cases := []struct {
		name    string
		timeout time.Duration // Options.HeartbeatTimeout; 0: the default
		then    func(t *testing.T, ts *testServer, cs []*client)
	}{
		{"a frame wakes its socket, which parks again", 0, func(t *testing.T, ts *testServer, cs []*client) {
			for round := range 2 {
				for i, c := range cs {
					ref := fmt.Sprint(10*round + i + 2)
					c.send(`["1","` + ref + `","room:a","ok",{"n":` + ref + `}]`)
					c.expect(`["1","` + ref + `","room:a","phx_reply",{"status":"ok","response":{"n":` + ref + `}}]`)
				}
				// A parked socket has no reader: its reply means it was woken.
				waitParked(t, ts, n)
			}
		}},
		{"a push reaches a parked socket, which stays parked", 0, func(t *testing.T, ts *testServer, cs []*client) {
			for seq := range 3 {
				if err := ts.srv.PubSub().Broadcast(context.Background(), "room:a", "news", map[string]int{"seq": seq}); err != nil {
					t.Fatal(err)
				}
				for _, c := range cs {
					c.expect(fmt.Sprintf(`[null,null,"room:a","news",{"seq":%d}]`, seq))
				}
			}
			if got := ts.srv.Metrics().SocketsParked.Load(); got != n {
				t.Fatalf("parked sockets after pushes: %d, want %d", got, n)
			}
		}},
		{"Shutdown closes parked sockets with the handshake", 0, func(t *testing.T, ts *testServer, cs []*client) {
			// The clients read, as browsers do, so that they answer the close handshake.
			codes := make(chan websocket.StatusCode, len(cs))
			for _, c := range cs {
				go func() { codes <- c.closeStatus() }()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
			defer cancel()
			if err := ts.srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			for range cs {
				if got := <-codes; got != websocket.StatusServiceRestart {
					t.Errorf("close status %v, want %v", got, websocket.StatusServiceRestart)
				}
			}
		}},
		{"the heartbeat timeout closes a parked socket", 2500 * time.Millisecond, func(t *testing.T, ts *testServer, cs []*client) {
			for i, c := range cs {
				if got := c.closeStatus(); got != websocket.StatusGoingAway {
					t.Errorf("client %d: close status %v, want %v", i, got, websocket.StatusGoingAway)
				}
			}
			waitFor(t, "the sockets to end", func() bool { return ts.srv.Metrics().Connections.Load() == 0 })
		}},
		{"a client's close ends its parked socket", 0, func(t *testing.T, ts *testServer, cs []*client) {
			for _, c := range cs {
				if err := c.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
					t.Errorf("client close: %v", err)
				}
			}
			waitFor(t, "the sockets to end", func() bool { return ts.srv.Metrics().Connections.Load() == 0 })
		}},
		{"a dropped connection ends its parked socket", 0, func(t *testing.T, ts *testServer, cs []*client) {
			for _, c := range cs {
				c.conn.CloseNow()
			}
			waitFor(t, "the sockets to end", func() bool { return ts.srv.Metrics().Connections.Load() == 0 })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, channel.Options{HeartbeatTimeout: tc.timeout})
			cs := joinedClients(t, ts, n)
			defer func() {
				for _, c := range cs {
					c.conn.CloseNow()
				}
			}()
			waitParked(t, ts, n)
			tc.then(t, ts, cs)
			if got := ts.srv.Metrics().SocketsParked.Load(); got < 0 || got > n {
				t.Errorf("parked sockets: %d, want 0 to %d", got, n)
			}
		})
	}
}

// A frame that arrives in two parts, the first waking a parked socket, is read whole.
func TestParkedSocketFrameInParts(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sockets are parked on Linux only")
	}
	ts := newTestServer(t, channel.Options{})
	conn, br := rawUpgrade(t, ts, appendMaskedText(nil, `["1","1","room:a","phx_join",{}]`))
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	read := func(want string) {
		t.Helper()
		got, err := readServerText(br)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
	read(`["1","1","room:a","phx_reply",{"status":"ok","response":{}}]`)
	for i, split := range []int{1, 2, 9} { // in the header, at its end, in the payload
		waitParked(t, ts, 1)
		payload := fmt.Sprintf(`{"part":%d}`, i)
		frame := appendMaskedText(nil, `["1","`+fmt.Sprint(i+2)+`","room:a","ok",`+payload+`]`)
		if _, err := conn.Write(frame[:split]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the woken reader waits for the rest
		if _, err := conn.Write(frame[split:]); err != nil {
			t.Fatal(err)
		}
		read(`["1","` + fmt.Sprint(i+2) + `","room:a","phx_reply",{"status":"ok","response":` + payload + `}]`)
	}
}

// Sockets parked and woken many times a second, while their clients send frames at
// random moments and the server pushes to all of them, lose nothing: every reply comes,
// in order, and every push reaches every client, in order.
func TestParkingUnderLoad(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("sockets are parked on Linux only")
	}
	// The sweep runs every 50 ms and parks every socket quiet for a millisecond.
	ts := newTestServer(t, channel.Options{HeartbeatTimeout: 400 * time.Millisecond})
	ts.srv.SetParkAfter(time.Millisecond)
	const clients, frames = 16, 40
	cs := joinedClients(t, ts, clients)
	defer func() {
		for _, c := range cs {
			c.conn.CloseNow()
		}
	}()

	// read returns c's next frame, or an error after 5 s.
	read := func(c *client) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, b, err := c.conn.Read(ctx)
		return string(b), err
	}
	// pushes[i] are the seqs client i received, in order.
	pushes := make([][]int, clients)
	collect := func(i int, frame string) bool {
		var seq int
		if _, err := fmt.Sscanf(frame, `[null,null,"room:a","news",{"seq":%d}]`, &seq); err != nil {
			return false
		}
		pushes[i] = append(pushes[i], seq)
		return true
	}

	stop := make(chan struct{})
	sent := make(chan int)
	go func() { // the server pushes every 10 ms
		seq := 0
		defer func() { sent <- seq }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if err := ts.srv.PubSub().Broadcast(context.Background(), "room:a", "news", map[string]int{"seq": seq}); err != nil {
				t.Error(err)
				return
			}
			seq++
		}
	}()
	// ask sends frame on c and reads until want, collecting pushes.
	ask := func(i int, c *client, frame, want string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.conn.Write(ctx, websocket.MessageText, []byte(frame))
		cancel()
		if err != nil {
			return fmt.Errorf("client %d sending %s: %w", i, frame, err)
		}
		for {
			got, err := read(c)
			if err != nil {
				return fmt.Errorf("client %d waiting for %s: %w", i, want, err)
			}
			if got == want {
				return nil
			}
			if !collect(i, got) {
				return fmt.Errorf("client %d waiting for %s got %s", i, want, got)
			}
		}
	}
	maxParked := int64(0)
	var wg, sending sync.WaitGroup  // the clients; those still sending their frames
	finished := make(chan struct{}) // every client has sent its frames
	errs := make(chan error, clients)
	for i, c := range cs {
		wg.Add(1)
		sending.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			sent := false
			defer func() {
				if !sent {
					sending.Done()
				}
			}()
			for j := range frames {
				time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
				ref := strconv.Itoa(j + 2)
				if err := ask(i, c, `["1","`+ref+`","room:a","ok",{"n":`+ref+`}]`,
					`["1","`+ref+`","room:a","phx_reply",{"status":"ok","response":{"n":`+ref+`}}]`); err != nil {
					errs <- err
					return
				}
			}
			sent = true
			sending.Done()
			// Heartbeats until the others are done, as a browser would send.
			for k := 0; ; k++ {
				select {
				case <-finished:
					return
				case <-time.After(100 * time.Millisecond):
				}
				ref := "hb" + strconv.Itoa(k)
				if err := ask(i, c, `[null,"`+ref+`","phoenix","heartbeat",{}]`,
					`[null,"`+ref+`","phoenix","phx_reply",{"status":"ok","response":{}}]`); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	allSent := make(chan struct{})
	go func() { sending.Wait(); close(allSent) }()
	for waiting := true; waiting; {
		select {
		case <-allSent:
			waiting = false
		case <-time.After(5 * time.Millisecond):
			maxParked = max(maxParked, ts.srv.Metrics().SocketsParked.Load())
		}
	}
	close(finished)
	wg.Wait()
	close(stop)
	total := <-sent
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	// A heartbeat's reply comes after every push sent before it.
	for i, c := range cs {
		c.send(`[null,"99","phoenix","heartbeat",{}]`)
		for {
			got, err := read(c)
			if err != nil {
				t.Fatalf("client %d waiting for the heartbeat reply: %v", i, err)
			}
			if got == `[null,"99","phoenix","phx_reply",{"status":"ok","response":{}}]` {
				break
			}
			if !collect(i, got) {
				t.Fatalf("client %d got %s", i, got)
			}
		}
		if len(pushes[i]) != total {
			t.Errorf("client %d got %d pushes, want %d", i, len(pushes[i]), total)
		}
		for k, seq := range pushes[i] {
			if seq != k {
				t.Errorf("client %d: push %d has seq %d", i, k, seq)
				break
			}
		}
	}
	if maxParked == 0 {
		t.Error("no socket was ever parked: the test did not test parking")
	}
	t.Logf("%d pushes to each of %d clients; at most %d sockets parked at once", total, clients, maxParked)
}
