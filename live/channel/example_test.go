package channel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/glint-go/glint/live/channel"
	"github.com/glint-go/glint/live/pubsub"
)

// chatRoom is a channel handler: members of "room:<name>" shout to each other.
type chatRoom struct{ user string }

func (r *chatRoom) Join(ctx context.Context, c *channel.Channel, payload json.RawMessage) (any, error) {
	user, _ := c.Assigns()["user"].(string)
	if user == "" {
		return nil, errors.New("unauthorized") // → {"status":"error","response":{"reason":"unauthorized"}}
	}
	r.user = user
	return map[string]string{"welcome": user}, nil
}

func (r *chatRoom) HandleIn(ctx context.Context, c *channel.Channel, event string, payload json.RawMessage) channel.Reply {
	switch event {
	case "shout":
		var msg struct{ Body string }
		if err := json.Unmarshal(payload, &msg); err != nil || msg.Body == "" {
			return channel.Error(map[string]string{"reason": "empty message"})
		}
		// Every member's socket gets [null,null,"room:…","shout",{…}], encoded once.
		if err := c.Broadcast(ctx, "shout", map[string]string{"from": r.user, "body": msg.Body}); err != nil {
			return channel.Error(map[string]string{"reason": "try again"})
		}
		return channel.Ok(nil)
	case "bye":
		return channel.Ok(map[string]string{"see_you": r.user}).Stop() // reply, then phx_close
	}
	return channel.NoReply()
}

// HandleOut sees the intercepted "typing" broadcasts and hides a member's own.
func (r *chatRoom) Intercept() []string { return []string{"typing"} }

func (r *chatRoom) HandleOut(ctx context.Context, c *channel.Channel, msg *pubsub.Message) {
	var m struct{ User string }
	if msg.Decode(&m) == nil && m.User != r.user {
		_ = c.Push("typing", msg.Payload)
	}
}

func ExampleServer() {
	srv := channel.NewServer(channel.Options{
		// The phoenix client sends its params in the socket URL.
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
			user := info.Params.Get("user") // in real code: verify a signed token (package token)
			if user == "" {
				return nil, errors.New("no user") // → HTTP 403, logged
			}
			return channel.Assigns{"user": user, "socket_id": "user:" + user}, nil
		},
		HeartbeatTimeout: time.Minute,
	})
	if err := srv.Handle("room:*", func() channel.Handler { return &chatRoom{} }); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket/websocket", srv)  // new Socket("/socket") in the browser
	mux.Handle("/metrics", srv.Metrics()) // Prometheus text format
	httpSrv := &http.Server{Addr: "localhost:4000", Handler: mux}
	_ = httpSrv // go httpSrv.ListenAndServe(); on exit: srv.Shutdown(ctx), then httpSrv.Shutdown(ctx)
	fmt.Println("ready")
	// Output: ready
}

func ExampleServer_Handle() {
	srv := channel.NewServer(channel.Options{})
	fmt.Println(srv.Handle("room:lobby", func() channel.Handler { return &chatRoom{} }))
	fmt.Println(srv.Handle("room:*", func() channel.Handler { return &chatRoom{} }))
	fmt.Println(srv.Handle("room:*:admin", func() channel.Handler { return &chatRoom{} }))
	// Output:
	// <nil>
	// <nil>
	// channel: bad topic pattern "room:*:admin": '*' is only allowed at the end
}

func ExampleServer_Disconnect() {
	srv := channel.NewServer(channel.Options{})
	// After a logout: every socket of user 42, on every node sharing the PubSub, is closed
	// with 1001 and its client reconnects (and must authenticate again).
	err := srv.Disconnect(context.Background(), "user:42")
	fmt.Println(err)
	// Output: <nil>
}

func ExampleAllowOrigins() {
	srv := channel.NewServer(channel.Options{
		CheckOrigin: channel.AllowOrigins("https://example.com", "app.example.com"),
	})
	_ = srv
}
