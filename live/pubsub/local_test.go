package pubsub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/glint-go/glint/live/pubsub"
)

type recorder struct {
	id  string
	mu  sync.Mutex
	got []*pubsub.Message
}

func (r *recorder) ID() string { return r.id }
func (r *recorder) Deliver(m *pubsub.Message) {
	r.mu.Lock()
	r.got = append(r.got, m)
	r.mu.Unlock()
}
func (r *recorder) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.got {
		out = append(out, m.Topic+"/"+m.Event+"/"+string(m.Payload))
	}
	return out
}

func TestLocalDelivery(t *testing.T) {
	ctx := context.Background()
	ps := pubsub.NewLocal()
	a, b, c := &recorder{id: "a"}, &recorder{id: "b"}, &recorder{}
	for _, s := range []struct {
		topic string
		sub   pubsub.Subscriber
	}{{"t", a}, {"t", b}, {"t", a}, {"u", c}} {
		if err := ps.Subscribe(s.topic, s.sub); err != nil {
			t.Fatal(err)
		}
	}
	if n := ps.Subscribers("t"); n != 2 {
		t.Fatalf("Subscribers(t) = %d, want 2 (double subscribe is a no-op)", n)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(ps.Broadcast(ctx, "t", "e1", map[string]int{"n": 1}))
	must(ps.BroadcastFrom(ctx, "a", "t", "e2", json.RawMessage(`{"raw":true}`)))
	must(ps.LocalBroadcast(ctx, "t", "e3", nil))
	must(ps.Broadcast(ctx, "u", "e4", []byte(`[1,2]`)))
	must(ps.Broadcast(ctx, "nobody", "e5", nil))
	ps.Unsubscribe("t", b)
	ps.Unsubscribe("t", b) // unknown pair: ignored
	ps.Unsubscribe("zzz", b)
	must(ps.Broadcast(ctx, "t", "e6", "s"))

	check := func(name string, got, want []string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s got %v, want %v", name, got, want)
		}
	}
	check("a", a.events(), []string{`t/e1/{"n":1}`, `t/e3/{}`, `t/e6/"s"`})
	check("b", b.events(), []string{`t/e1/{"n":1}`, `t/e2/{"raw":true}`, `t/e3/{}`})
	check("c", c.events(), []string{`u/e4/[1,2]`})
	if a.got[0] != b.got[0] {
		t.Error("subscribers got different *Message values for one broadcast")
	}
	if n := ps.Subscribers("t"); n != 1 {
		t.Fatalf("Subscribers(t) = %d after unsubscribe, want 1", n)
	}
}

type panicSub struct{}

func (panicSub) ID() string              { return "" }
func (panicSub) Deliver(*pubsub.Message) { panic("boom") }

func TestLocalSurvivesPanickingSubscriber(t *testing.T) {
	ps := pubsub.NewLocal()
	good := &recorder{}
	_ = ps.Subscribe("t", &panicSub{})
	_ = ps.Subscribe("t", good)
	if err := ps.Broadcast(context.Background(), "t", "e", nil); err != nil {
		t.Fatal(err)
	}
	if got := good.events(); len(got) != 1 {
		t.Fatalf("good subscriber got %v", got)
	}
}

func TestLocalErrors(t *testing.T) {
	ctx := context.Background()
	ps := pubsub.NewLocal()
	if err := ps.Subscribe("", &recorder{}); !errors.Is(err, pubsub.ErrEmptyTopic) {
		t.Errorf("Subscribe empty topic: %v", err)
	}
	if err := ps.Subscribe("t", nil); !errors.Is(err, pubsub.ErrNilSubscriber) {
		t.Errorf("Subscribe nil: %v", err)
	}
	if err := ps.Broadcast(ctx, "", "e", nil); !errors.Is(err, pubsub.ErrEmptyTopic) {
		t.Errorf("Broadcast empty topic: %v", err)
	}
	if err := ps.Broadcast(ctx, "t", "e", json.RawMessage(`{bad`)); !errors.Is(err, pubsub.ErrInvalidPayload) {
		t.Errorf("Broadcast invalid raw: %v", err)
	}
	if err := ps.Broadcast(ctx, "t", "e", make(chan int)); err == nil {
		t.Error("Broadcast of a channel value succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := ps.Broadcast(cctx, "t", "e", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Broadcast with cancelled ctx: %v", err)
	}
}

func TestMessageEncodedOnce(t *testing.T) {
	ps := pubsub.NewLocal()
	var calls atomic.Int32
	var frames sync.Map
	subs := make([]*encSub, 50)
	for i := range subs {
		subs[i] = &encSub{calls: &calls, frames: &frames, i: i}
		if err := ps.Subscribe("t", subs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ps.Broadcast(context.Background(), "t", "e", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("encode ran %d times for 50 subscribers, want 1", n)
	}
	var first *byte
	frames.Range(func(_, v any) bool {
		b := v.([]byte)
		if first == nil {
			first = &b[0]
		} else if &b[0] != first {
			t.Error("subscribers got different encodings")
		}
		return true
	})
}

type encSub struct {
	calls  *atomic.Int32
	frames *sync.Map
	i      int
}

func (s *encSub) ID() string { return "" }
func (s *encSub) Deliver(m *pubsub.Message) {
	b := m.Encoded(func(m *pubsub.Message) []byte {
		s.calls.Add(1)
		return append([]byte(m.Event+":"), m.Payload...)
	})
	s.frames.Store(s.i, b)
}

func TestLocalConcurrent(t *testing.T) {
	ps := pubsub.NewLocal()
	var wg sync.WaitGroup
	var delivered atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			sub := &countSub{n: &delivered}
			for i := range 200 {
				topic := fmt.Sprintf("t%d", (g+i)%5)
				_ = ps.Subscribe(topic, sub)
				_ = ps.Broadcast(context.Background(), topic, "e", nil)
				ps.Unsubscribe(topic, sub)
			}
		})
	}
	wg.Wait()
	for i := range 5 {
		if n := ps.Subscribers(fmt.Sprintf("t%d", i)); n != 0 {
			t.Fatalf("t%d has %d subscribers left", i, n)
		}
	}
	if delivered.Load() < 8*200 {
		t.Fatalf("delivered %d, want at least %d (each goroutine reaches itself)", delivered.Load(), 8*200)
	}
}

type countSub struct{ n *atomic.Int64 }

func (s *countSub) ID() string                { return "" }
func (s *countSub) Deliver(m *pubsub.Message) { s.n.Add(1) }

func BenchmarkLocalFanout10k(b *testing.B) {
	ps := pubsub.NewLocal()
	var n atomic.Int64
	for range 10000 {
		_ = ps.Subscribe("t", &countSub{n: &n})
	}
	payload := map[string]any{"user": "ann", "body": "hello"}
	b.ReportAllocs()
	for b.Loop() {
		_ = ps.Broadcast(context.Background(), "t", "msg", payload)
	}
}

func ExampleLocal() {
	ps := pubsub.NewLocal()
	sub := &recorder{id: "me"}
	_ = ps.Subscribe("room:lobby", sub)
	_ = ps.Broadcast(context.Background(), "room:lobby", "shout", map[string]string{"body": "hi"})
	fmt.Println(sub.events())
	// Output: [room:lobby/shout/{"body":"hi"}]
}

// A big topic is delivered by several goroutines, yet every subscriber gets each
// publisher's messages in order, BroadcastFrom still skips its sender, and Deliver
// reports the subscribers reached.
func TestLocalBigTopicKeepsOrder(t *testing.T) {
	// Several CPUs, so that the spread delivery runs even on a one-CPU machine.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(4, runtime.GOMAXPROCS(0))))
	for _, n := range []int{10, 1023, 1024, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ps := pubsub.NewLocal()
			subs := make([]*recorder, n)
			for i := range subs {
				subs[i] = &recorder{id: fmt.Sprint("s", i)}
				if err := ps.Subscribe("big", subs[i]); err != nil {
					t.Fatal(err)
				}
			}
			const msgs = 20
			for i := range msgs {
				if got := ps.Deliver(&pubsub.Message{Topic: "big", Event: fmt.Sprint(i), Payload: []byte(`{}`), From: "s3"}); got != n-1 {
					t.Fatalf("Deliver reached %d subscribers, want %d", got, n-1)
				}
			}
			for i, s := range subs {
				got := s.events()
				if i == 3 {
					if len(got) != 0 {
						t.Fatalf("the sender got %d of its own messages", len(got))
					}
					continue
				}
				if len(got) != msgs {
					t.Fatalf("subscriber %d got %d messages, want %d", i, len(got), msgs)
				}
				for j, e := range got {
					if e != fmt.Sprintf("big/%d/{}", j) {
						t.Fatalf("subscriber %d got %v, want 0..%d in order", i, got, msgs-1)
					}
				}
			}
		})
	}
}
