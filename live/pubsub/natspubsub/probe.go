package natspubsub

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// Probe headers: a probe carries hdrProbe, and its answer says how long the answering
// node's link has been up, in microseconds.
const (
	hdrProbe = "Glint-Probe"
	hdrUpFor = "Glint-Up-For"
)

// ErrLinkDown reports a Probe made while this node's link to NATS is down.
var ErrLinkDown = errors.New("natspubsub: link down")

// Probe asks NATS whether another node subscribes to topic, without delivering anything
// to its subscribers. It implements presence.Prober, which is how a presence tracker on
// this PubSub tells a node that is gone from one that is only unreachable:
//
//   - (false, 0, nil): the server knows no subscriber of topic (NATS answered "no
//     responders"): the node that subscribed has closed it, or its connection is gone;
//   - (true, upFor, nil): a node that subscribes answered (its PubSub answers probes by
//     itself); upFor is how long its link has been up;
//   - an error: nobody answered in time, or this node's link is down (ErrLinkDown). A
//     subscriber whose connection the server still holds but that cannot answer (a
//     network partition the server has not noticed yet) looks like this.
func (p *PubSub) Probe(ctx context.Context, topic string) (subscribed bool, upFor time.Duration, err error) {
	if up, _ := p.LinkState(); !up {
		return false, 0, fmt.Errorf("natspubsub: probe %q: %w", topic, ErrLinkDown)
	}
	msg := nats.NewMsg(p.subject(topic))
	msg.Header.Set(hdrProbe, "1")
	msg.Header.Set(hdrNode, p.node)
	reply, err := p.nc.RequestMsgWithContext(ctx, msg)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return false, 0, nil
	case err != nil:
		return false, 0, fmt.Errorf("natspubsub: probe %q: %w", topic, err)
	}
	us, _ := strconv.ParseInt(reply.Header.Get(hdrUpFor), 10, 64)
	return true, time.Duration(us) * time.Microsecond, nil
}

// answerProbe answers a probe on a subscribed topic with how long the link has been up.
func (p *PubSub) answerProbe(m *nats.Msg) {
	if m.Reply == "" {
		return
	}
	var upFor time.Duration
	if up, since := p.link.get(); up {
		upFor = time.Since(since)
	}
	r := nats.NewMsg(m.Reply)
	r.Header.Set(hdrUpFor, strconv.FormatInt(upFor.Microseconds(), 10))
	if err := m.RespondMsg(r); err != nil {
		p.log.Debug("natspubsub: probe not answered", "err", err)
	}
}
