package natspubsub

import (
	"sync"
	"time"
)

// defaultProbeInterval is Options.ProbeInterval's default.
const defaultProbeInterval = 500 * time.Millisecond

// probeTimeout is how long a probe waits for the server's answer before the link counts
// as down. Generous next to a loopback or LAN round trip, so that a busy server is not
// taken for a lost one.
const probeTimeout = time.Second

// The NATS client's own keepalive: a connection whose server misses this many pings in a
// row, one every pingInterval, is dropped and reconnected.
const (
	pingInterval        = 2 * time.Second
	maxPingsOutstanding = 2
)

// link is the state LinkState reports, with the time of its last change.
type link struct {
	mu    sync.Mutex
	up    bool
	since time.Time
}

func (l *link) set(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.up != up || l.since.IsZero() {
		l.up, l.since = up, time.Now()
	}
}

func (l *link) get() (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up, l.since
}

// LinkState reports whether this node's link to NATS works, and since when it has been in
// that state. It implements presence.Link, which is how a presence tracker on this PubSub
// tells a NATS outage from dead peers.
//
// The link is down from the moment the client loses its connection. It is up again only
// once the server has answered a round trip sent after the reconnection, which the server
// answers after the subscriptions the client renewed on reconnecting: from then on, this
// node receives the other nodes' broadcasts again. With probing on (Options.ProbeInterval),
// a connection whose server stops answering for a second also counts as down, even while
// the client still believes it is connected.
func (p *PubSub) LinkState() (up bool, since time.Time) {
	if connected := p.nc.IsConnected(); !connected || p.probeEvery < 0 {
		p.link.set(connected)
	}
	return p.link.get()
}

// probe checks the link with a round trip to the server every interval until Close.
func (p *PubSub) probe(every time.Duration) {
	defer close(p.probeDone)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-tick.C:
		}
		ok := p.nc.IsConnected() && p.nc.FlushTimeout(probeTimeout) == nil && p.nc.IsConnected()
		select {
		case <-p.quit:
			return // closing: the failed probe says nothing about the link
		default:
		}
		p.link.set(ok)
	}
}
