package live

import (
	"context"
	"log/slog"

	"github.com/glint-go/glint/live/channel"
)

// assignCSRF is the socket assign recording whether the connect carried a valid CSRF
// token. A bad token never refuses the upgrade (docs/protocol.md, Socket URL): joins that need it
// answer stale instead.
const assignCSRF = "glint.csrf"

// newChannelServer builds the socket layer with the lv:* handler and the CSRF check.
func (s *Server) newChannelServer(o channel.Options) *channel.Server {
	if o.Logger == nil {
		o.Logger = s.log
	}
	userConnect := o.Connect
	o.Connect = func(ctx context.Context, info *channel.ConnectInfo) (channel.Assigns, error) {
		a := channel.Assigns{}
		if userConnect != nil {
			ua, err := userConnect(ctx, info)
			if err != nil {
				return nil, err
			}
			for k, v := range ua {
				a[k] = v
			}
		}
		a[assignCSRF] = s.csrfValid(info.Params.Get("_csrf_token"), info.Cookies)
		return a, nil
	}
	if o.Limits.ChunkEvents == nil {
		// An upload's progress follows each of its chunks: count them together.
		o.Limits.ChunkEvents = []string{"progress"}
	}
	ch := channel.NewServer(o)
	if err := ch.Handle("lv:*", func() channel.Handler { return &viewProc{srv: s} }); err != nil {
		panic("live: " + err.Error())
	}
	if err := ch.Handle(uploadTopic, func() channel.Handler { return &uploadProc{srv: s} }); err != nil {
		panic("live: " + err.Error())
	}
	return ch
}

func defaultLogger() *slog.Logger { return slog.Default() }
