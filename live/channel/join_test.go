package channel_test

import (
	"testing"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

// A Join that subscribes and then refuses leaves no subscription behind.
func TestFailedJoinDropsItsSubscriptions(t *testing.T) {
	ps := pubsub.NewLocal()
	ts := newTestServer(t, channel.Options{PubSub: ps})
	c := ts.dial(t, "")
	defer c.close()
	c.send(`["1","1","room:a","phx_join",{"mode":"subscribe_then_error"}]`)
	c.expect(`["1","1","room:a","phx_reply",{"status":"error","response":{"reason":"refused after subscribing"}}]`)
	waitFor(t, "the refused join's subscription to go", func() bool { return ps.Subscribers("extra:room:a") == 0 })
}
