package pubsub

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
)

// localShards is the number of independently locked topic tables of a Local.
const localShards = 64

// Local is the in-process PubSub. Topics are spread over independently locked shards so
// that unrelated topics do not contend. It only reaches subscribers in this process:
// Broadcast, BroadcastFrom and LocalBroadcast behave the same.
type Local struct {
	seed   maphash.Seed
	shards [localShards]localShard
}

type localShard struct {
	mu     sync.RWMutex
	topics map[string]*subscribers
}

// subscribers is a set with O(1) add and remove and cheap iteration.
type subscribers struct {
	list  []Subscriber
	index map[Subscriber]int
}

// NewLocal returns an empty in-process PubSub.
func NewLocal() *Local {
	l := &Local{seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].topics = make(map[string]*subscribers)
	}
	return l
}

func (l *Local) shard(topic string) *localShard {
	return &l.shards[maphash.String(l.seed, topic)%localShards]
}

// Subscribe registers sub on topic. Subscribing twice is a no-op.
func (l *Local) Subscribe(topic string, sub Subscriber) error {
	if topic == "" {
		return ErrEmptyTopic
	}
	if sub == nil {
		return ErrNilSubscriber
	}
	sh := l.shard(topic)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.topics[topic]
	if s == nil {
		s = &subscribers{index: make(map[Subscriber]int, 1)}
		sh.topics[topic] = s
	}
	if _, ok := s.index[sub]; ok {
		return nil
	}
	s.index[sub] = len(s.list)
	s.list = append(s.list, sub)
	return nil
}

// Unsubscribe removes sub from topic; unknown pairs are ignored.
func (l *Local) Unsubscribe(topic string, sub Subscriber) {
	sh := l.shard(topic)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s := sh.topics[topic]
	if s == nil {
		return
	}
	i, ok := s.index[sub]
	if !ok {
		return
	}
	last := len(s.list) - 1
	if i != last {
		moved := s.list[last]
		s.list[i] = moved
		s.index[moved] = i
	}
	s.list[last] = nil
	s.list = s.list[:last]
	delete(s.index, sub)
	if len(s.list) == 0 {
		delete(sh.topics, topic)
	}
}

// Broadcast delivers payload to every subscriber of topic in this process.
func (l *Local) Broadcast(ctx context.Context, topic, event string, payload any) error {
	return l.BroadcastFrom(ctx, "", topic, event, payload)
}

// LocalBroadcast is Broadcast: Local has no other nodes.
func (l *Local) LocalBroadcast(ctx context.Context, topic, event string, payload any) error {
	return l.BroadcastFrom(ctx, "", topic, event, payload)
}

// BroadcastFrom delivers payload to every subscriber of topic except the one whose ID is
// from (a from of "" skips nobody).
func (l *Local) BroadcastFrom(ctx context.Context, from, topic, event string, payload any) error {
	if topic == "" {
		return ErrEmptyTopic
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	raw, err := EncodePayload(payload)
	if err != nil {
		return err
	}
	l.Deliver(&Message{Topic: topic, Event: event, Payload: raw, From: from})
	return nil
}

// Deliver hands an already built message to this process's subscribers of msg.Topic,
// skipping the subscriber whose ID is msg.From. A topic with thousands of subscribers is
// delivered by several goroutines at once (one per CPU); Deliver returns when all are
// done. Distributed adapters use it to deliver
// what they receive from the network. It returns the number of subscribers reached.
func (l *Local) Deliver(msg *Message) int {
	sh := l.shard(msg.Topic)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	s := sh.topics[msg.Topic]
	if s == nil {
		return 0
	}
	list := s.list
	chunks := min(runtime.GOMAXPROCS(0), len(list)/parallelChunk)
	if chunks < 2 {
		return deliverAll(list, msg)
	}
	// A big topic: deliver over the CPUs (each Deliver can cost a system call), and return
	// only when all is done, so that one publisher's messages still arrive in order.
	size := (len(list) + chunks - 1) / chunks
	var wg sync.WaitGroup
	var n atomic.Int64
	for i := 1; i < chunks; i++ {
		part := list[i*size : min((i+1)*size, len(list))]
		wg.Go(func() { n.Add(int64(deliverAll(part, msg))) })
	}
	n.Add(int64(deliverAll(list[:size], msg)))
	wg.Wait()
	return int(n.Load())
}

// parallelChunk is the least number of subscribers given to each goroutine when Deliver
// spreads a big topic's delivery over the CPUs.
const parallelChunk = 512

// deliverAll delivers msg to list, skipping msg.From, and returns how many it reached.
func deliverAll(list []Subscriber, msg *Message) int {
	n := 0
	for _, sub := range list {
		if msg.From != "" && sub.ID() == msg.From {
			continue
		}
		deliver(sub, msg)
		n++
	}
	return n
}

// deliver calls sub.Deliver, recovering a panic so that one faulty subscriber cannot stop
// the broadcast for the others (or crash the publisher).
func deliver(sub Subscriber, msg *Message) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("pubsub: subscriber panicked", "topic", msg.Topic, "event", msg.Event, "panic", fmt.Sprint(p))
		}
	}()
	sub.Deliver(msg)
}

// Subscribers returns how many subscribers topic has in this process.
func (l *Local) Subscribers(topic string) int {
	sh := l.shard(topic)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if s := sh.topics[topic]; s != nil {
		return len(s.list)
	}
	return 0
}

var _ PubSub = (*Local)(nil)
