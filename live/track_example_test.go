package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/presence"
	"github.com/glint-go/glint/live/pubsub"
	"github.com/glint-go/glint/render"
)

// lobbyTopic is the presence topic of the lobby: its diffs are broadcast on it too.
const lobbyTopic = "lobby"

// Lobby lists who is on the page and lets each visitor set a status.
type Lobby struct {
	tracker *presence.Tracker
	name    string
	Status  string
	Online  []string // "name (status)", sorted
}

var lobbyTemplate = render.Must(render.New("lobby").Parse(
	`<p>{{len .Online}} online</p><ul>{{range .Online}}<li>{{.}}</li>{{end}}</ul>` +
		`<button phx-click="busy">busy</button>`))

func (l *Lobby) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	l.name, l.Status = s.Session()["name"], "available"
	if s.Connected() {
		// Subscribe first, so that no change between the List below and the
		// subscription is missed; then track this view: the presence ends with it.
		if err := s.Subscribe(lobbyTopic); err != nil {
			return err
		}
		if err := s.Track(l.tracker, lobbyTopic, l.name, presence.Meta{"status": l.Status}); err != nil {
			return err
		}
	}
	l.list()
	return nil
}

func (l *Lobby) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "busy" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	l.Status = "busy"
	// Tracking again updates the meta in place: the others see one presence_diff.
	return s.Track(l.tracker, lobbyTopic, l.name, presence.Meta{"status": l.Status})
}

func (l *Lobby) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(*pubsub.Message); ok && m.Event == presence.DiffEvent {
		l.list() // or decode m into a presence.Diff and apply it
	}
	return nil
}

func (l *Lobby) list() {
	l.Online = l.Online[:0]
	for name, p := range l.tracker.List(lobbyTopic) {
		for _, m := range p.Metas {
			l.Online = append(l.Online, fmt.Sprintf("%s (%v)", name, m["status"]))
		}
	}
	sort.Strings(l.Online)
}

// ExampleSocket_Track wires a presence tracker into a server. The first, disconnected
// render is not a presence: Track only counts connected views, which is why the page shows
// nobody online until its view connects.
func ExampleSocket_Track() {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := live.New(live.Options{
		Secret: []byte("a secret of at least 32 bytes, from config"),
		Logger: quiet,
		Session: func(r *http.Request) (map[string]string, error) {
			return map[string]string{"name": "ada"}, nil
		},
	})
	// One tracker per server, on the server's PubSub: with a NATS PubSub, every node
	// lists the presences of every other node.
	tracker, err := presence.New(srv.PubSub(), presence.Options{Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tracker.Close()
	srv.Handle("/{$}", live.Page{New: func() live.View { return &Lobby{tracker: tracker} }, Template: lobbyTemplate})

	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	resp, err := http.Get(ts.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(containerContent.FindStringSubmatch(string(body))[1])
	// Output: <p>0 online</p><ul></ul><button phx-click="busy">busy</button>
}
