package natspubsub

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/glint-go/glint/internal/jsonenc"
	"github.com/glint-go/glint/live/pubsub"
)

// EnvURL is the environment variable that names the NATS server when no URL is configured.
const EnvURL = "GLINT_NATS_URL"

// ErrDropped reports a broadcast that could not be handed to NATS (the connection is down
// and the reconnect buffer is full, or the connection is closed). Local subscribers still
// received it.
var ErrDropped = errors.New("natspubsub: message dropped")

// Message headers. The payload travels as the message body, unchanged.
const (
	hdrNode  = "Glint-Node"
	hdrFrom  = "Glint-From"
	hdrEvent = "Glint-Event"
	hdrTopic = "Glint-Topic"
)

// Options configure Connect.
type Options struct {
	// URL of the NATS server(s), comma-separated. Empty means the GLINT_NATS_URL
	// environment variable.
	URL string
	// NodeID identifies this node. Empty means a random id.
	NodeID string
	// Local serves this node's subscribers. Nil means pubsub.NewLocal().
	Local *pubsub.Local
	// Prefix starts every NATS subject this package uses. Default "glint".
	Prefix string
	// ReconnectBuffer bounds, in bytes, what is kept while disconnected. Default 1 MiB.
	ReconnectBuffer int
	// ProbeInterval is how often the link to NATS is checked with a round trip to the
	// server, for LinkState. A link whose server does not answer within a second counts
	// as down even before the client notices the connection is lost. Default 500ms;
	// negative disables probing (LinkState then follows the connection state alone).
	ProbeInterval time.Duration
	// Logger receives connection state changes. Default slog.Default().
	Logger *slog.Logger
}

// Stats are counters since Connect.
type Stats struct {
	Published uint64 // messages handed to NATS
	Received  uint64 // messages from other nodes delivered locally
	Dropped   uint64 // messages that could not be handed to NATS
}

// PubSub is a pubsub.PubSub spanning every node connected to the same NATS cluster.
type PubSub struct {
	nc     *nats.Conn
	local  *pubsub.Local
	node   string
	prefix string
	log    *slog.Logger

	mu     sync.Mutex
	topics map[string]*topicSubs

	published, received, dropped atomic.Uint64

	link       link
	probeEvery time.Duration // < 0: no probing
	closeOnce  sync.Once
	quit       chan struct{} // closed by Close: stops the prober
	probeDone  chan struct{} // closed when the prober has stopped
}

type topicSubs struct {
	ns   *nats.Subscription
	subs map[pubsub.Subscriber]struct{}
}

var _ pubsub.PubSub = (*PubSub)(nil)

// Connect connects to NATS and returns a PubSub. If the server is not reachable yet, the
// connection keeps retrying in the background and Connect still succeeds; broadcasts are
// buffered meanwhile (see the package documentation). ctx bounds only the first attempt.
func Connect(ctx context.Context, opts Options) (*PubSub, error) {
	url := opts.URL
	if url == "" {
		url = os.Getenv(EnvURL)
	}
	if url == "" {
		return nil, fmt.Errorf("natspubsub: no NATS URL given and %s is empty", EnvURL)
	}
	p := &PubSub{
		local:  opts.Local,
		node:   opts.NodeID,
		prefix: opts.Prefix,
		log:    opts.Logger,
		topics: make(map[string]*topicSubs),
	}
	if p.local == nil {
		p.local = pubsub.NewLocal()
	}
	if p.node == "" {
		p.node = randomID()
	}
	if p.prefix == "" {
		p.prefix = "glint"
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	buf := opts.ReconnectBuffer
	if buf == 0 {
		buf = 1 << 20
	}
	log := p.log.With("node", p.node)
	probe := opts.ProbeInterval
	if probe == 0 {
		probe = defaultProbeInterval
	}
	nopts := []nats.Option{
		nats.Name("glint-" + p.node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(250*time.Millisecond, time.Second),
		nats.ReconnectBufSize(buf),
		nats.RetryOnFailedConnect(true),
		// Local subscribers are served in-process, so the server need not echo this
		// node's own messages back to it.
		nats.NoEcho(),
		// A connection that silently stopped answering (a dead peer host, a dropped
		// route) is declared stale after a few seconds and reconnected, rather than
		// after the client's default of minutes.
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(maxPingsOutstanding),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			p.link.set(false)
			log.Warn("natspubsub: disconnected from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("natspubsub: reconnected to NATS", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Error("natspubsub: NATS error", "subject", subject, "err", err)
		}),
	}
	if deadline, ok := ctx.Deadline(); ok {
		nopts = append(nopts, nats.Timeout(time.Until(deadline)))
	}
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("natspubsub: connect %s: %w", url, err)
	}
	p.nc = nc
	p.probeEvery = probe
	p.link.set(nc.IsConnected())
	p.quit = make(chan struct{})
	p.probeDone = make(chan struct{})
	if probe > 0 {
		go p.probe(probe)
	} else {
		close(p.probeDone)
	}
	return p, nil
}

// NodeID returns this node's identity.
func (p *PubSub) NodeID() string { return p.node }

// Local returns the in-process PubSub that serves this node's subscribers.
func (p *PubSub) Local() *pubsub.Local { return p.local }

// Stats returns the counters.
func (p *PubSub) Stats() Stats {
	return Stats{Published: p.published.Load(), Received: p.received.Load(), Dropped: p.dropped.Load()}
}

// Connected reports whether the NATS connection is up right now. LinkState says more: it
// also counts a connection whose server stopped answering as down.
func (p *PubSub) Connected() bool { return p.nc.IsConnected() }

// Sync waits until the NATS server has processed everything sent so far, subscriptions
// included, so that a broadcast made after Sync reaches subscribers registered before it.
func (p *PubSub) Sync(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := p.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("natspubsub: sync: %w", err)
	}
	return nil
}

// Close unsubscribes from NATS, flushes what is pending and closes the connection.
func (p *PubSub) Close() error {
	p.mu.Lock()
	for topic, ts := range p.topics {
		if ts.ns != nil {
			_ = ts.ns.Unsubscribe()
		}
		delete(p.topics, topic)
	}
	p.mu.Unlock()
	if p.nc.IsConnected() {
		_ = p.nc.FlushTimeout(time.Second)
	}
	p.closeOnce.Do(func() { close(p.quit) })
	// Closing the connection also ends a probe waiting for its answer.
	p.nc.Close()
	<-p.probeDone
	p.link.set(false)
	return nil
}

// subject maps a topic to a NATS subject. Topics may hold any characters, including the
// subject separators and wildcards, so the topic is base64url-encoded into one token.
func (p *PubSub) subject(topic string) string {
	return p.prefix + ".ps." + base64.RawURLEncoding.EncodeToString([]byte(topic))
}

// Subscribe registers sub locally and, for the first local subscriber of topic, subscribes
// to the topic on NATS.
func (p *PubSub) Subscribe(topic string, sub pubsub.Subscriber) error {
	if err := p.local.Subscribe(topic, sub); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.topics[topic]
	if ts == nil {
		ns, err := p.nc.Subscribe(p.subject(topic), p.deliver)
		if err != nil {
			p.local.Unsubscribe(topic, sub)
			return fmt.Errorf("natspubsub: subscribe %q: %w", topic, err)
		}
		// A slow node must not grow without bound: NATS drops for this subscription
		// beyond these limits and reports a slow consumer to the error handler.
		_ = ns.SetPendingLimits(65536, 64<<20)
		ts = &topicSubs{ns: ns, subs: make(map[pubsub.Subscriber]struct{})}
		p.topics[topic] = ts
	}
	ts.subs[sub] = struct{}{}
	return nil
}

// Unsubscribe removes sub; the last local subscriber of a topic ends the NATS subscription.
func (p *PubSub) Unsubscribe(topic string, sub pubsub.Subscriber) {
	p.local.Unsubscribe(topic, sub)
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := p.topics[topic]
	if ts == nil {
		return
	}
	delete(ts.subs, sub)
	if len(ts.subs) == 0 {
		_ = ts.ns.Unsubscribe()
		delete(p.topics, topic)
	}
}

// Broadcast delivers to every subscriber of topic on every node.
func (p *PubSub) Broadcast(ctx context.Context, topic, event string, payload any) error {
	return p.BroadcastFrom(ctx, "", topic, event, payload)
}

// BroadcastFrom delivers to every subscriber of topic on every node except the one whose ID
// is from. The payload is encoded once; local subscribers get it without a network trip.
func (p *PubSub) BroadcastFrom(ctx context.Context, from, topic, event string, payload any) error {
	raw, err := pubsub.EncodePayload(payload)
	if err != nil {
		return fmt.Errorf("natspubsub: encode %s on %q: %w", event, topic, err)
	}
	if err := p.local.BroadcastFrom(ctx, from, topic, event, raw); err != nil {
		return err
	}
	msg := &nats.Msg{Subject: p.subject(topic), Data: raw, Header: nats.Header{}}
	msg.Header.Set(hdrNode, p.node)
	msg.Header.Set(hdrTopic, topic)
	msg.Header.Set(hdrEvent, event)
	if from != "" {
		msg.Header.Set(hdrFrom, from)
	}
	if err := p.nc.PublishMsg(msg); err != nil {
		p.dropped.Add(1)
		return fmt.Errorf("%w: %s on %q: %w", ErrDropped, event, topic, err)
	}
	p.published.Add(1)
	return nil
}

// LocalBroadcast delivers only to this node's subscribers.
func (p *PubSub) LocalBroadcast(ctx context.Context, topic, event string, payload any) error {
	return p.local.LocalBroadcast(ctx, topic, event, payload)
}

// deliver hands a message from another node to the local subscribers, still excluding the
// BroadcastFrom sender in case its id is not unique to one node.
func (p *PubSub) deliver(m *nats.Msg) {
	if m.Header.Get(hdrProbe) != "" {
		p.answerProbe(m)
		return
	}
	if m.Header.Get(hdrNode) == p.node {
		return
	}
	topic, event := m.Header.Get(hdrTopic), m.Header.Get(hdrEvent)
	if topic == "" || event == "" || !jsonenc.Valid(m.Data) {
		p.log.Warn("natspubsub: ignoring malformed message", "subject", m.Subject)
		return
	}
	p.received.Add(1)
	p.local.Deliver(&pubsub.Message{Topic: topic, Event: event, Payload: json.RawMessage(m.Data), From: m.Header.Get(hdrFrom)})
}

func randomID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
