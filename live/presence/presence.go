package presence

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/glint-go/glint/live/pubsub"
)

// DiffEvent is the event name of the diffs broadcast on a tracked topic.
const DiffEvent = "presence_diff"

// Meta describes one connection of a key. The tracker adds "phx_ref", the presence's ref.
type Meta map[string]any

// Presence lists the metas of every connection of one key.
type Presence struct {
	Metas []Meta `json:"metas"`
}

// Diff is the payload of a presence_diff event.
type Diff struct {
	Joins  map[string]Presence `json:"joins"`
	Leaves map[string]Presence `json:"leaves"`
}

// Options configure a Tracker. The zero value is ready to use.
type Options struct {
	// NodeID identifies this node. Default: random.
	NodeID string
	// Heartbeat is how often the node announces itself. Default 1s.
	Heartbeat time.Duration
	// Timeout is how long without a heartbeat before a node is presumed dead, or, on a
	// PubSub that is a Prober, probed (see Prober). Default 3×Heartbeat.
	Timeout time.Duration
	// MaxSilence is, on a PubSub that is a Prober, the longest a silent node is kept when
	// the PubSub cannot say whether it is gone: a node cut off from the others without
	// its connection closing. Default 5×Timeout; never below Timeout.
	MaxSilence time.Duration
	// GossipTopic carries the trackers' own messages. Default "glint:presence".
	GossipTopic string
	// Mailbox bounds gossip messages waiting to be applied. Default 4096; beyond it messages
	// are dropped and the gap is repaired by a full-state request.
	Mailbox int
	// Logger receives node deaths and dropped gossip. Default slog.Default().
	Logger *slog.Logger
}

// ErrClosed is returned by Track and Update after Close.
var ErrClosed = errors.New("presence: tracker closed")

// ErrNotTracked is returned by Update for a ref that this tracker does not track on the
// topic (never tracked, untracked, or ended with its context).
var ErrNotTracked = errors.New("presence: no such presence")

// Tracker tracks presences of this node and mirrors those of the other nodes.
type Tracker struct {
	ps   pubsub.PubSub
	opts Options
	id   string // subscriber id on the gossip topic
	log  *slog.Logger

	inbox chan *pubsub.Message
	stop  chan struct{}
	done  chan struct{}

	mu     sync.Mutex
	closed bool
	// annMu orders announcements: it is taken before mu is released, so diffs are
	// delivered in the order of the changes they describe (a view's update, say, never
	// after the leave its ending caused). Lock order: mu, then annMu.
	annMu   sync.Mutex
	seq     uint64
	local   map[string]*entry // ref → entry, this node
	remote  map[string]*node  // node id → what this node knows of it
	byTopic map[string]map[string]*entry

	// The link to the other nodes as the loop last saw it (loop goroutine only).
	linkUp    bool
	linkSince time.Time

	// Probes of silent nodes (see Prober); nil prober without one.
	prober Prober
	node   *nodeSub // the subscriber of this node's own topic, which peers probe
	probed chan probeResult
	ctx    context.Context // cancelled by Close: ends the probes
	cancel context.CancelFunc
	probes sync.WaitGroup
}

// nodeSub subscribes to a tracker's node topic, so that the PubSub answers the other
// nodes' probes while this node is connected. Nothing is ever delivered to it.
type nodeSub struct{ id string }

func (s *nodeSub) ID() string                { return s.id }
func (s *nodeSub) Deliver(m *pubsub.Message) {}

// probeResult is what a probe of a silent node found.
type probeResult struct {
	node       string
	lastSeen   time.Time // the node's lastSeen when the probe started
	at         time.Time // when the answer came
	subscribed bool
	upFor      time.Duration
	err        error
}

// entry is one presence. Ref identifies it for its whole life; Meta["phx_ref"] is the
// ref of its current meta, which Update changes. An entry is never modified once shared:
// Update replaces it.
type entry struct {
	Topic string `json:"t"`
	Key   string `json:"k"`
	Ref   string `json:"r"`
	Meta  Meta   `json:"m,omitempty"`
	node  string
	stop  func() bool // stops the context.AfterFunc of Track; nil without one
}

// metaRef returns the phx_ref of e's meta.
func (e *entry) metaRef() string {
	r, _ := e.Meta["phx_ref"].(string)
	return r
}

type node struct {
	seq      uint64
	lastSeen time.Time
	entries  map[string]*entry
	asked    time.Time // last full-state request
	synced   bool
	// Probing a silent node (see Prober); reset by every message from it.
	probing   bool
	reachable time.Time // since when a probe says its link works; zero: unknown
}

// gossip is one message between trackers.
type gossip struct {
	Node    string   `json:"n"`
	Kind    string   `json:"k"` // delta, hb, state, sync, bye
	Seq     uint64   `json:"s,omitempty"`
	Joins   []*entry `json:"j,omitempty"`
	Leaves  []*entry `json:"l,omitempty"`
	Entries []*entry `json:"e,omitempty"`
	Want    string   `json:"w,omitempty"`
}

// New starts a tracker on ps. Close stops it.
func New(ps pubsub.PubSub, opts Options) (*Tracker, error) {
	if opts.NodeID == "" {
		var b [9]byte
		_, _ = rand.Read(b[:])
		opts.NodeID = base64.RawURLEncoding.EncodeToString(b[:])
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * opts.Heartbeat
	}
	if opts.MaxSilence <= 0 {
		opts.MaxSilence = 5 * opts.Timeout
	}
	opts.MaxSilence = max(opts.MaxSilence, opts.Timeout)
	if opts.GossipTopic == "" {
		opts.GossipTopic = "glint:presence"
	}
	if opts.Mailbox <= 0 {
		opts.Mailbox = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := &Tracker{
		ps:      ps,
		opts:    opts,
		id:      "presence:" + opts.NodeID,
		log:     opts.Logger.With("node", opts.NodeID),
		inbox:   make(chan *pubsub.Message, opts.Mailbox),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		local:   make(map[string]*entry),
		remote:  make(map[string]*node),
		byTopic: make(map[string]map[string]*entry),
	}
	t.linkUp, t.linkSince = t.linkState()
	t.ctx, t.cancel = context.WithCancel(context.Background())
	if pr, ok := ps.(Prober); ok {
		t.prober = pr
		t.probed = make(chan probeResult, 16)
		t.node = &nodeSub{id: "presence-node:" + opts.NodeID}
		if err := ps.Subscribe(t.nodeTopic(opts.NodeID), t.node); err != nil {
			t.cancel()
			return nil, fmt.Errorf("presence: subscribe the node topic: %w", err)
		}
	}
	if err := ps.Subscribe(opts.GossipTopic, (*gossipSub)(t)); err != nil {
		t.cancel()
		if t.node != nil {
			ps.Unsubscribe(t.nodeTopic(opts.NodeID), t.node)
		}
		return nil, fmt.Errorf("presence: subscribe %s: %w", opts.GossipTopic, err)
	}
	go t.loop()
	// Ask the other nodes for their state right away instead of waiting for heartbeats.
	t.send(&gossip{Kind: "sync", Want: "*"})
	return t, nil
}

// NodeID returns this node's id.
func (t *Tracker) NodeID() string { return t.opts.NodeID }

// gossipSub is the Tracker seen as a pubsub subscriber of the gossip topic.
type gossipSub Tracker

func (g *gossipSub) ID() string { return g.id }

func (g *gossipSub) Deliver(m *pubsub.Message) {
	select {
	case g.inbox <- m:
	default:
		// The gap this leaves is detected by sequence numbers and repaired by a full state.
		g.log.Warn("presence: gossip mailbox full, message dropped")
	}
}

// Track adds a presence for key on topic and returns its ref. When ctx ends (for example a
// channel's context when its connection closes), the presence is removed.
func (t *Tracker) Track(ctx context.Context, topic, key string, meta Meta) (string, error) {
	if topic == "" || key == "" {
		return "", errors.New("presence: Track needs a topic and a key")
	}
	ref := newRef()
	e := &entry{Topic: topic, Key: key, Ref: ref, Meta: withRefs(meta, ref, ""), node: t.opts.NodeID}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return "", ErrClosed
	}
	t.local[ref] = e
	t.index(e)
	t.seq++
	t.send(&gossip{Kind: "delta", Seq: t.seq, Joins: []*entry{e}})
	if ctx != nil && ctx.Done() != nil {
		// Set under the lock, before anyone can Untrack or Update e. AfterFunc runs its
		// function on a goroutine of its own, never here, so the lock is not taken twice.
		e.stop = context.AfterFunc(ctx, func() { t.Untrack(topic, ref) })
	}
	t.unlockAndAnnounce([]*entry{e}, nil)
	return ref, nil
}

// Update replaces the meta of the presence with ref on topic, as Phoenix's Presence.update
// does. The presence keeps its ref, which Update and Untrack go on taking, and its key;
// its meta gets a new "phx_ref", and "phx_ref_prev" holds the previous one. Every node
// delivers one presence_diff for the change, listing the old meta among the key's leaves
// and the new one among its joins. Clients match metas by phx_ref, which is why the meta's
// phx_ref must change: a leave and a join carrying the same phx_ref would cancel out.
//
// Update returns an error wrapping ErrNotTracked when this tracker does not track ref on
// topic, and ErrClosed after Close.
func (t *Tracker) Update(topic, ref string, meta Meta) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return ErrClosed
	}
	old := t.local[ref]
	if old == nil || old.Topic != topic {
		t.mu.Unlock()
		return fmt.Errorf("%w: ref %q on topic %q", ErrNotTracked, ref, topic)
	}
	e := &entry{Topic: topic, Key: old.Key, Ref: ref, Meta: withRefs(meta, newRef(), old.metaRef()), node: old.node, stop: old.stop}
	t.local[ref] = e
	t.index(e)
	t.seq++
	// Receivers apply a delta's leaves before its joins, so the pair replaces the entry.
	t.send(&gossip{Kind: "delta", Seq: t.seq, Leaves: []*entry{old}, Joins: []*entry{e}})
	t.unlockAndAnnounce([]*entry{e}, []*entry{old})
	return nil
}

// withRefs returns a copy of meta carrying phx_ref and, when prev is not "", phx_ref_prev.
func withRefs(meta Meta, ref, prev string) Meta {
	m := make(Meta, len(meta)+2)
	for k, v := range meta {
		m[k] = v
	}
	delete(m, "phx_ref_prev")
	m["phx_ref"] = ref
	if prev != "" {
		m["phx_ref_prev"] = prev
	}
	return m
}

// Untrack removes the presence with ref from topic. Unknown refs are ignored.
func (t *Tracker) Untrack(topic, ref string) {
	t.mu.Lock()
	e := t.local[ref]
	if e == nil || e.Topic != topic || t.closed {
		t.mu.Unlock()
		return
	}
	delete(t.local, ref)
	t.unindex(e)
	if e.stop != nil {
		e.stop()
	}
	t.seq++
	t.send(&gossip{Kind: "delta", Seq: t.seq, Leaves: []*entry{e}})
	t.unlockAndAnnounce(nil, []*entry{e})
}

// List returns the presences on topic, from every live node, keyed by key. Metas are in a
// stable order (by ref). The metas are shared with the tracker and must not be modified;
// those of other nodes went through JSON (numbers are float64, slices []any).
func (t *Tracker) List(topic string) map[string]Presence {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]Presence{}
	var es []*entry
	for _, e := range t.byTopic[topic] {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Ref < es[j].Ref })
	for _, e := range es {
		p := out[e.Key]
		p.Metas = append(p.Metas, e.Meta)
		out[e.Key] = p
	}
	return out
}

// Close removes this node's presences everywhere (announcing the leaves) and stops the
// tracker.
func (t *Tracker) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	var leaves []*entry
	for ref, e := range t.local {
		leaves = append(leaves, e)
		delete(t.local, ref)
		t.unindex(e)
		if e.stop != nil {
			e.stop()
		}
	}
	t.send(&gossip{Kind: "bye"})
	t.unlockAndAnnounce(nil, leaves)
	t.ps.Unsubscribe(t.opts.GossipTopic, (*gossipSub)(t))
	if t.node != nil {
		t.ps.Unsubscribe(t.nodeTopic(t.opts.NodeID), t.node)
	}
	close(t.stop)
	<-t.done
	t.cancel()
	t.probes.Wait()
	return nil
}

// nodeTopic is the topic a tracker subscribes to so that its peers can probe it.
func (t *Tracker) nodeTopic(id string) string { return t.opts.GossipTopic + ":node:" + id }

// send broadcasts a gossip message to the other nodes. Callers may hold t.mu: the message
// is encoded here and the PubSub never calls back into the tracker synchronously (its
// Deliver only queues).
func (t *Tracker) send(g *gossip) {
	g.Node = t.opts.NodeID
	b, err := json.Marshal(g)
	if err != nil {
		t.log.Error("presence: encode gossip", "err", err)
		return
	}
	if err := t.ps.BroadcastFrom(context.Background(), t.id, t.opts.GossipTopic, "gossip", json.RawMessage(b)); err != nil {
		t.log.Warn("presence: gossip not sent", "kind", g.Kind, "err", err)
	}
}

func (t *Tracker) loop() {
	defer close(t.done)
	tick := time.NewTicker(t.opts.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case m := <-t.inbox:
			var g gossip
			if err := m.Decode(&g); err != nil || g.Node == "" {
				t.log.Warn("presence: malformed gossip ignored", "err", err)
				continue
			}
			if g.Node != t.opts.NodeID {
				t.apply(&g)
			}
		case now := <-tick.C:
			t.heartbeat(now)
		case r := <-t.probed:
			t.probeDone(r)
		}
	}
}

// linkState is the PubSub's Link state, or "up since the tracker started" for a PubSub
// that is not a Link.
func (t *Tracker) linkState() (bool, time.Time) {
	if l, ok := t.ps.(Link); ok {
		return l.LinkState()
	}
	if t.linkSince.IsZero() {
		return true, time.Now()
	}
	return true, t.linkSince
}

// heartbeat announces this node and presumes dead the peers not heard from for
// Options.Timeout while this node's own link was up. It runs on the loop goroutine.
func (t *Tracker) heartbeat(now time.Time) {
	up, since := t.linkState()
	t.mu.Lock()
	// Sent even while the link is down: the PubSub may buffer it, and then it tells the
	// peers at once that this node is alive when the link returns.
	t.send(&gossip{Kind: "hb", Seq: t.seq})
	if !up {
		if t.linkUp {
			t.log.Warn("presence: link to the other nodes is down; no node is presumed dead until it is back")
		}
		t.linkUp, t.linkSince = false, since
		t.mu.Unlock()
		return
	}
	if !t.linkUp || since.After(t.linkSince) {
		// The link is back (perhaps after an outage shorter than a heartbeat). Deltas
		// sent meanwhile may be lost both ways: ask every node for its full state now
		// rather than waiting for a heartbeat to show the gap.
		t.log.Info("presence: link to the other nodes is up; asking every node for its state", "since", since)
		t.send(&gossip{Kind: "sync", Want: "*"})
	}
	t.linkUp, t.linkSince = true, since
	var dead []string
	for id, n := range t.remote {
		// A peer is only silent since the link returned: before that this node could not
		// have heard it.
		quiet := later(n.lastSeen, since)
		silent := now.Sub(quiet)
		switch {
		case silent <= t.opts.Timeout:
		case t.prober == nil:
			t.log.Warn("presence: node presumed dead, removing its presences", "peer", id, "silent", silent.Round(time.Millisecond))
			dead = append(dead, id)
		case silent > t.opts.MaxSilence:
			t.log.Warn("presence: node silent too long, removing its presences", "peer", id, "silent", silent.Round(time.Millisecond))
			dead = append(dead, id)
		case !n.reachable.IsZero() && now.Sub(later(quiet, n.reachable)) > t.opts.Timeout:
			t.log.Warn("presence: node reachable but silent, removing its presences", "peer", id, "silent", silent.Round(time.Millisecond))
			dead = append(dead, id)
		case !n.probing:
			n.probing = true
			t.probes.Add(1)
			go t.probe(id, n.lastSeen)
		}
	}
	t.mu.Unlock()
	for _, id := range dead {
		t.dropNode(id)
	}
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// probe asks the PubSub whether the silent node id is still connected, and hands the
// answer to the loop. A "no subscriber" answer is asked again a moment later, so that a
// node caught between two connections is not taken for gone.
func (t *Tracker) probe(id string, lastSeen time.Time) {
	defer t.probes.Done()
	ask := func() (bool, time.Duration, error) {
		ctx, cancel := context.WithTimeout(t.ctx, min(max(t.opts.Heartbeat, 100*time.Millisecond), 2*time.Second))
		defer cancel()
		return t.prober.Probe(ctx, t.nodeTopic(id))
	}
	sub, upFor, err := ask()
	if err == nil && !sub {
		select {
		case <-time.After(min(t.opts.Heartbeat/4, 250*time.Millisecond)):
		case <-t.ctx.Done():
			return
		}
		sub, upFor, err = ask()
	}
	r := probeResult{node: id, lastSeen: lastSeen, at: time.Now(), subscribed: sub, upFor: upFor, err: err}
	select {
	case t.probed <- r:
	case <-t.ctx.Done():
	}
}

// probeDone applies a probe's answer. It runs on the loop goroutine.
func (t *Tracker) probeDone(r probeResult) {
	t.mu.Lock()
	n := t.remote[r.node]
	if n == nil || t.closed {
		t.mu.Unlock()
		return
	}
	n.probing = false
	if !n.lastSeen.Equal(r.lastSeen) {
		t.mu.Unlock() // heard from since: the answer is moot
		return
	}
	switch {
	case r.err != nil:
		// Cannot tell: a partition, or this node's own link. MaxSilence bounds the wait.
		t.log.Debug("presence: silent node not probed", "peer", r.node, "err", r.err)
		t.mu.Unlock()
		return
	case !r.subscribed:
		t.mu.Unlock()
		t.log.Warn("presence: node gone (the PubSub knows no connection of it), removing its presences", "peer", r.node)
		t.dropNode(r.node)
		return
	}
	n.reachable = r.at.Add(-r.upFor)
	quiet := later(n.lastSeen, t.linkSince)
	if time.Since(later(quiet, n.reachable)) > t.opts.Timeout {
		t.mu.Unlock()
		t.log.Warn("presence: node reachable but silent, removing its presences", "peer", r.node)
		t.dropNode(r.node)
		return
	}
	t.mu.Unlock()
}

// apply handles one gossip message from another node. It runs on the loop goroutine.
func (t *Tracker) apply(g *gossip) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	n := t.remote[g.Node]
	if n == nil && g.Kind != "bye" {
		n = &node{entries: map[string]*entry{}}
		t.remote[g.Node] = n
	}
	if n != nil {
		n.lastSeen = time.Now()
		n.reachable = time.Time{}
	}
	var joins, leaves []*entry
	switch g.Kind {
	case "sync":
		if g.Want == "*" || g.Want == t.opts.NodeID {
			st := &gossip{Kind: "state", Seq: t.seq}
			for _, e := range t.local {
				st.Entries = append(st.Entries, e)
			}
			t.send(st)
		}
	case "state":
		old := n.entries
		n.entries = map[string]*entry{}
		for _, e := range g.Entries {
			e.node = g.Node
			n.entries[e.Ref] = e
			prev, had := old[e.Ref]
			switch {
			case !had:
				t.index(e)
				joins = append(joins, e)
			case prev.metaRef() != e.metaRef():
				// Updated while its delta was missed: the same leave and join as the delta.
				t.index(e)
				leaves = append(leaves, prev)
				joins = append(joins, e)
			default:
				n.entries[e.Ref] = prev // unchanged: keep the indexed entry
			}
		}
		for ref, e := range old {
			if _, still := n.entries[ref]; !still {
				t.unindex(e)
				leaves = append(leaves, e)
			}
		}
		n.seq, n.synced = g.Seq, true
	case "delta":
		if !n.synced || g.Seq != n.seq+1 {
			if !n.synced || g.Seq > n.seq {
				t.askState(g.Node, n)
			}
			break
		}
		n.seq = g.Seq
		// Leaves first: an Update is the leave and the join of one ref.
		for _, e := range g.Leaves {
			if old := n.entries[e.Ref]; old != nil {
				delete(n.entries, e.Ref)
				t.unindex(old)
				leaves = append(leaves, old)
			}
		}
		for _, e := range g.Joins {
			e.node = g.Node
			n.entries[e.Ref] = e
			t.index(e)
			joins = append(joins, e)
		}
	case "hb":
		if !n.synced || g.Seq != n.seq {
			t.askState(g.Node, n)
		}
	case "bye":
		t.mu.Unlock()
		t.dropNode(g.Node)
		return
	}
	t.unlockAndAnnounce(joins, leaves)
}

// askState requests a node's full state, at most once per heartbeat interval.
func (t *Tracker) askState(id string, n *node) {
	if time.Since(n.asked) < t.opts.Heartbeat {
		return
	}
	n.asked = time.Now()
	t.send(&gossip{Kind: "sync", Want: id})
}

func (t *Tracker) dropNode(id string) {
	t.mu.Lock()
	n := t.remote[id]
	delete(t.remote, id)
	var leaves []*entry
	if n != nil {
		for _, e := range n.entries {
			t.unindex(e)
			leaves = append(leaves, e)
		}
	}
	t.unlockAndAnnounce(nil, leaves)
}

func (t *Tracker) index(e *entry) {
	m := t.byTopic[e.Topic]
	if m == nil {
		m = map[string]*entry{}
		t.byTopic[e.Topic] = m
	}
	m[e.Ref] = e
}

func (t *Tracker) unindex(e *entry) {
	if m := t.byTopic[e.Topic]; m != nil {
		delete(m, e.Ref)
		if len(m) == 0 {
			delete(t.byTopic, e.Topic)
		}
	}
}

// unlockAndAnnounce releases t.mu, held since the change was made, and delivers the diff.
func (t *Tracker) unlockAndAnnounce(joins, leaves []*entry) {
	t.annMu.Lock()
	defer t.annMu.Unlock()
	t.mu.Unlock()
	t.announce(joins, leaves)
}

// announce delivers presence_diff events to this node's subscribers, one per topic.
func (t *Tracker) announce(joins, leaves []*entry) {
	if len(joins) == 0 && len(leaves) == 0 {
		return
	}
	diffs := map[string]*Diff{}
	get := func(topic string) *Diff {
		d := diffs[topic]
		if d == nil {
			d = &Diff{Joins: map[string]Presence{}, Leaves: map[string]Presence{}}
			diffs[topic] = d
		}
		return d
	}
	for _, e := range joins {
		d := get(e.Topic)
		p := d.Joins[e.Key]
		p.Metas = append(p.Metas, e.Meta)
		d.Joins[e.Key] = p
	}
	for _, e := range leaves {
		d := get(e.Topic)
		p := d.Leaves[e.Key]
		p.Metas = append(p.Metas, e.Meta)
		d.Leaves[e.Key] = p
	}
	for topic, d := range diffs {
		if err := t.ps.LocalBroadcast(context.Background(), topic, DiffEvent, d); err != nil {
			t.log.Warn("presence: diff not delivered", "topic", topic, "err", err)
		}
	}
}

func newRef() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
