package natspubsub

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/glint-go/glint/live/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// recorder is a subscriber that keeps what it receives on a bounded channel.
type recorder struct {
	id string
	ch chan *pubsub.Message
}

func newRecorder(id string) *recorder { return &recorder{id: id, ch: make(chan *pubsub.Message, 1024)} }

func (r *recorder) ID() string { return r.id }
func (r *recorder) Deliver(m *pubsub.Message) {
	select {
	case r.ch <- m:
	default:
	}
}

func (r *recorder) next(t *testing.T) *pubsub.Message {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(5 * time.Second):
		t.Fatalf("subscriber %q: no message within 5s", r.id)
		return nil
	}
}

func (r *recorder) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case m := <-r.ch:
		t.Fatalf("subscriber %q: unexpected message %s %s", r.id, m.Event, m.Payload)
	case <-time.After(within):
	}
}

func startServer(t *testing.T, o ServerOptions) *Server {
	t.Helper()
	o.Logger = quiet
	s, err := StartServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func connect(t *testing.T, url, node string, o Options) *PubSub {
	t.Helper()
	o.URL, o.NodeID, o.Logger = url, node, quiet
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := Connect(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func syncAll(t *testing.T, ps ...*PubSub) {
	t.Helper()
	for _, p := range ps {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := p.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
}

func TestBroadcastReachesEveryNodeOnce(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	a := connect(t, srv.ClientURL(), "a", Options{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	onA, onB := newRecorder("on-a"), newRecorder("on-b")
	if err := a.Subscribe("product:1", onA); err != nil {
		t.Fatal(err)
	}
	if err := b.Subscribe("product:1", onB); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)

	payload := map[string]any{"product_id": 1, "item_id": 3, "level": "out"}
	if err := a.Broadcast(context.Background(), "product:1", "stock_change", payload); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*recorder{onA, onB} {
		m := r.next(t)
		if m.Topic != "product:1" || m.Event != "stock_change" {
			t.Errorf("%s got %s/%s", r.id, m.Topic, m.Event)
		}
		var got struct {
			ItemID int    `json:"item_id"`
			Level  string `json:"level"`
		}
		if err := m.Decode(&got); err != nil || got.ItemID != 3 || got.Level != "out" {
			t.Errorf("%s decoded %+v, %v from %s", r.id, got, err, m.Payload)
		}
		r.none(t, 150*time.Millisecond) // exactly once: no echo of a's own message from NATS
	}
	if st := a.Stats(); st.Published != 1 || st.Dropped != 0 {
		t.Errorf("a stats = %+v", st)
	}
	if st := b.Stats(); st.Received != 1 {
		t.Errorf("b stats = %+v", st)
	}
}

func TestTopicsWithSubjectCharacters(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	a := connect(t, srv.ClientURL(), "a", Options{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	topics := []string{"a.b", "x.*", "y.>", "with space", "ünïcode:1", ""}
	recs := map[string]*recorder{}
	for _, topic := range topics[:len(topics)-1] {
		r := newRecorder(topic)
		recs[topic] = r
		if err := b.Subscribe(topic, r); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, a, b)
	for _, topic := range topics[:len(topics)-1] {
		if err := a.Broadcast(context.Background(), topic, "e", map[string]string{"t": topic}); err != nil {
			t.Fatal(err)
		}
	}
	for _, topic := range topics[:len(topics)-1] {
		m := recs[topic].next(t)
		if m.Topic != topic {
			t.Errorf("subscriber of %q got topic %q", topic, m.Topic)
		}
		recs[topic].none(t, 50*time.Millisecond) // wildcards must not have matched other topics
	}
	if err := a.Broadcast(context.Background(), "", "e", nil); err == nil {
		t.Error("broadcast on the empty topic: want an error")
	}
}

func TestBroadcastFromExcludesSenderOnEveryNode(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	a := connect(t, srv.ClientURL(), "a", Options{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	sender, peerA := newRecorder("sender"), newRecorder("peer-a")
	sameIDOnB, peerB := newRecorder("sender"), newRecorder("peer-b")
	for _, s := range []struct {
		p *PubSub
		r *recorder
	}{{a, sender}, {a, peerA}, {b, sameIDOnB}, {b, peerB}} {
		if err := s.p.Subscribe("room", s.r); err != nil {
			t.Fatal(err)
		}
	}
	syncAll(t, a, b)
	if err := a.BroadcastFrom(context.Background(), "sender", "room", "msg", json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if m := peerA.next(t); string(m.Payload) != `{"n":1}` || m.From != "sender" {
		t.Errorf("peer-a got %s from %q", m.Payload, m.From)
	}
	if m := peerB.next(t); string(m.Payload) != `{"n":1}` || m.From != "sender" {
		t.Errorf("peer-b got %s from %q", m.Payload, m.From)
	}
	sender.none(t, 100*time.Millisecond)
	sameIDOnB.none(t, 10*time.Millisecond)
}

func TestUnsubscribeStopsRemoteDelivery(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	a := connect(t, srv.ClientURL(), "a", Options{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	r1, r2 := newRecorder("1"), newRecorder("2")
	_ = b.Subscribe("t", r1)
	_ = b.Subscribe("t", r2)
	b.Unsubscribe("t", r1)
	syncAll(t, a, b)
	_ = a.Broadcast(context.Background(), "t", "e", nil)
	r2.next(t)
	r1.none(t, 100*time.Millisecond)

	b.Unsubscribe("t", r2)
	syncAll(t, b)
	_ = a.Broadcast(context.Background(), "t", "e", nil)
	syncAll(t, a)
	r2.none(t, 100*time.Millisecond)
	if st := b.Stats(); st.Received != 1 {
		t.Errorf("b received %d messages from NATS, want 1 (no subscription after the last unsubscribe)", st.Received)
	}
}

func TestMalformedMessagesAreIgnored(t *testing.T) {
	srv := startServer(t, ServerOptions{})
	b := connect(t, srv.ClientURL(), "b", Options{})
	r := newRecorder("r")
	_ = b.Subscribe("t", r)
	syncAll(t, b)
	raw, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	subject := b.subject("t")
	bad := []*nats.Msg{
		{Subject: subject, Data: []byte(`{"x":1}`)}, // no headers
		{Subject: subject, Data: []byte(`not json`), Header: nats.Header{hdrNode: {"z"}, hdrTopic: {"t"}, hdrEvent: {"e"}}},
	}
	for _, m := range bad {
		if err := raw.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	good := &nats.Msg{Subject: subject, Data: []byte(`{"ok":true}`), Header: nats.Header{hdrNode: {"z"}, hdrTopic: {"t"}, hdrEvent: {"e"}}}
	if err := raw.PublishMsg(good); err != nil {
		t.Fatal(err)
	}
	if m := r.next(t); string(m.Payload) != `{"ok":true}` {
		t.Fatalf("first delivered message = %s, want the well-formed one", m.Payload)
	}
	r.none(t, 50*time.Millisecond)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestOutageBuffersBoundsAndRecovers(t *testing.T) {
	port := freePort(t)
	srv, err := StartServer(ServerOptions{Port: port, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	a := connect(t, srv.ClientURL(), "a", Options{ReconnectBuffer: 4096})
	b := connect(t, srv.ClientURL(), "b", Options{})
	local, remote := newRecorder("local"), newRecorder("remote")
	_ = a.Subscribe("t", local)
	_ = b.Subscribe("t", remote)
	syncAll(t, a, b)

	srv.Shutdown()
	waitFor(t, func() bool { return !a.Connected() && !b.Connected() })

	// While NATS is down, local subscribers are still served and sends are buffered up to
	// the bound; beyond it they are dropped and counted.
	payload := map[string]string{"pad": string(make([]byte, 200))}
	var dropped int
	for i := 0; i < 100; i++ {
		err := a.Broadcast(context.Background(), "t", "e"+strconv.Itoa(i), payload)
		if errors.Is(err, ErrDropped) {
			dropped++
		} else if err != nil {
			t.Fatalf("broadcast %d: %v", i, err)
		}
	}
	for i := 0; i < 100; i++ {
		if m := local.next(t); m.Event != "e"+strconv.Itoa(i) {
			t.Fatalf("local message %d is %s", i, m.Event)
		}
	}
	if dropped == 0 || dropped == 100 {
		t.Fatalf("dropped %d of 100 with a 4 KiB buffer: want some buffered and some dropped", dropped)
	}
	if got := a.Stats().Dropped; got != uint64(dropped) {
		t.Errorf("Stats().Dropped = %d, want %d", got, dropped)
	}

	srv2, err := StartServer(ServerOptions{Port: port, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Shutdown()
	waitFor(t, func() bool { return a.Connected() && b.Connected() })
	syncAll(t, a, b)
	// The buffered messages arrive (b resubscribed before a flushed, or they are lost:
	// at-most-once); what matters is that new broadcasts flow again and nothing repeats.
	if err := a.Broadcast(context.Background(), "t", "after", nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	deadline := time.After(5 * time.Second)
	for seen["after"] == 0 {
		select {
		case m := <-remote.ch:
			seen[m.Event]++
		case <-deadline:
			t.Fatalf("no message after reconnect; saw %v", seen)
		}
	}
	for ev, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", ev, n)
		}
	}
}

func TestClusteredServers(t *testing.T) {
	s1 := startServer(t, ServerOptions{ClusterName: "c", ClusterPort: -1})
	s2 := startServer(t, ServerOptions{ClusterName: "c", ClusterPort: -1, Routes: []string{s1.ClusterURL()}})
	waitFor(t, func() bool { return s1.NumRoutes() > 0 && s2.NumRoutes() > 0 })
	a := connect(t, s1.ClientURL(), "a", Options{})
	b := connect(t, s2.ClientURL(), "b", Options{})
	r := newRecorder("r")
	_ = b.Subscribe("drops", r)
	syncAll(t, a, b)
	// Interest crosses the route asynchronously: probe until it has.
	var got *pubsub.Message
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; got == nil && time.Now().Before(deadline); i++ {
		_ = a.Broadcast(context.Background(), "drops", "probe", map[string]int{"i": i})
		select {
		case got = <-r.ch:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if got == nil {
		t.Fatal("no broadcast crossed the cluster route within 5s")
	}
	drain(r)
	if err := a.Broadcast(context.Background(), "drops", "released", map[string]int{"product_id": 2}); err != nil {
		t.Fatal(err)
	}
	for {
		m := r.next(t)
		if m.Event == "released" {
			break
		}
	}
}

func TestConnectNeedsURL(t *testing.T) {
	t.Setenv(EnvURL, "")
	if _, err := Connect(context.Background(), Options{}); err == nil {
		t.Fatal("Connect without a URL: want an error")
	}
}

func TestBadRoute(t *testing.T) {
	if _, err := StartServer(ServerOptions{Routes: []string{"::bad"}, Logger: quiet}); err == nil {
		t.Fatal("want an error for a malformed route")
	}
}

func drain(r *recorder) {
	for {
		select {
		case <-r.ch:
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
