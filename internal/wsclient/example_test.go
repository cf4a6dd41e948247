package wsclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/glint-go/glint/internal/wsclient"
)

func ExampleDial() {
	// A coder/websocket echo server on loopback.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, p, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, p); err != nil {
				return
			}
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket?vsn=2.0.0"
	c, err := wsclient.Dial(ctx, url, http.Header{"Cookie": {"session=abc"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	if err := c.WriteText([]byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	msg, err := c.ReadMessage() // valid until the next ReadMessage
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(msg))
	// Output: hello
}
