package live

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glint-go/glint/live/channel"
)

// crowd is the state a coalescedView recounts from, as a dashboard reads a presence list.
var crowd atomic.Int64

// recount is the coalescedView's coalesced message.
type recount struct{}

// coalescedView shows crowd, re-read on each coalesced message, and counts its messages.
type coalescedView struct {
	Count    int64
	Messages int
}

var coalescedTmpl = mustParse("coalesced", `Count: {{.Count}} Messages: {{.Messages}}<button phx-click="stop">stop</button>`)

func (c *coalescedView) Mount(ctx context.Context, s *Socket, p Params) error {
	if err := s.SubscribeCoalesced("crowd", 50*time.Millisecond, recount{}); err != nil && s.Connected() {
		return err
	}
	if err := s.SubscribeCoalesced("crowd", 0, recount{}); err == nil {
		return fmt.Errorf("a zero window was accepted")
	}
	c.Count = crowd.Load()
	return nil
}

func (c *coalescedView) HandleInfo(ctx context.Context, s *Socket, msg any) error {
	switch msg.(type) {
	case recount:
		c.Messages++
		c.Count = crowd.Load()
	default:
		return fmt.Errorf("unexpected message %T", msg)
	}
	return nil
}

func (c *coalescedView) HandleEvent(ctx context.Context, s *Socket, e Event) error {
	s.Unsubscribe("crowd")
	return nil
}

// A flood of broadcasts on a coalesced topic reaches the view as a few messages, the last
// of which sees the final state, and never fills its small mailbox (a plain Subscribe
// would drop most of them); Unsubscribe ends it.
func TestSubscribeCoalesced(t *testing.T) {
	crowd.Store(0)
	ts := newTestServer(t, Options{Channel: channel.Options{MailboxSize: 16}}, func(s *Server) {
		s.Handle("/", Page{New: func() View { return &coalescedView{} }, Template: coalescedTmpl})
	})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	ctx := context.Background()
	const n = 2000
	start := time.Now()
	for i := 1; i <= n; i++ {
		crowd.Store(int64(i))
		if err := ts.PubSub().Broadcast(ctx, "crowd", "diff", i); err != nil {
			t.Fatal(err)
		}
	}
	lv.waitHTML(t, fmt.Sprintf("Count: %d ", n))
	html := lv.model.HTML()
	var count int64
	var msgs int
	if _, err := fmt.Sscanf(html, "Count: %d Messages: %d", &count, &msgs); err != nil {
		t.Fatalf("%v in %q", err, html)
	}
	// One message per 50 ms window at most, plus one in flight at the end.
	if limit := int(time.Since(start)/(50*time.Millisecond)) + 2; msgs > limit {
		t.Errorf("%d broadcasts became %d messages; want at most %d", n, msgs, limit)
	}
	if got := ts.ch.Metrics().MailboxDropped.Load(); got != 0 {
		t.Errorf("%d messages dropped on a full mailbox", got)
	}

	// Unsubscribed, the view hears nothing more of the topic. A delivery scheduled by the
	// last broadcasts may still come before the click: let it, then forget its frames.
	time.Sleep(300 * time.Millisecond)
	lv.click(t, "stop", nil)
	lv.c.inbox = nil
	crowd.Store(n + 1)
	if err := ts.PubSub().Broadcast(ctx, "crowd", "diff", n+1); err != nil {
		t.Fatal(err)
	}
	lv.c.noFrame(150 * time.Millisecond)
}
