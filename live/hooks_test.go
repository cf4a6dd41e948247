package live_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/livetest"
	"github.com/glint-go/glint/render"
)

// member is what the admin group's mount hook shares with the views: a view embeds it
// and the hook finds it through the userSetter interface.
type member struct{ User string }

func (m *member) SetUser(name string) { m.User = name }

type userSetter interface{ SetUser(name string) }

// hookTick is a message the info hook answers itself.
type hookTick struct{}

// console is a page of the "admin" group.
type console struct {
	member
	Mounted string // the user its Mount saw
	Tab     string
	Events  string // the events HandleEvent got
	Infos   int    // the messages HandleInfo got
}

var consoleTemplate = render.Must(render.New("console").Parse(
	`<p id="user">{{.User}}</p><p id="mounted">{{.Mounted}}</p><p id="tab">{{.Tab}}</p>` +
		`<p id="events">{{.Events}}</p><p id="infos">{{.Infos}}</p>` +
		`<button id="ping" phx-click="ping">ping</button><button id="drop" phx-click="drop">drop</button>` +
		`<button id="tick" phx-click="tick">tick</button><button id="other" phx-click="other">other</button>` +
		`<a id="secret" href="/console?tab=secret" data-phx-link="patch" data-phx-link-state="push">secret</a>` +
		`<a id="logs" href="/console?tab=logs" data-phx-link="patch" data-phx-link-state="push">logs</a>`))

func (c *console) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	c.Mounted = c.User
	return nil
}

func (c *console) HandleParams(ctx context.Context, s *live.Socket, p live.Params) error {
	c.Tab = p.Get("tab")
	return nil
}

func (c *console) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	c.Events += e.Name + ";"
	switch e.Name {
	case "tick":
		s.Send(hookTick{})
		s.Send("plain")
	case "other":
		s.PushNavigate("/console2?as="+c.User, false)
	}
	return nil
}

func (c *console) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	c.Infos++
	return nil
}

// hookLog records what the hooks saw, for the tests.
type hookLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *hookLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

func (l *hookLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.calls, " ")
}

// newHookServer serves /console and /console2 in group "admin" behind two mount hooks,
// and /public in the default group.
func newHookServer(t *testing.T, log *hookLog) http.Handler {
	t.Helper()
	srv := live.New(live.Options{Secret: testSecret, Logger: quietLogger()})
	srv.OnMount("admin", func(ctx context.Context, s *live.Socket, v live.View, p live.Params) error {
		log.add("auth(connected=%v)", s.Connected())
		switch p.Get("as") {
		case "":
			s.Redirect("/login")
			return live.Halt
		case "mallory":
			return &live.StatusError{Status: http.StatusForbidden, Err: errors.New("not an admin")}
		case "late":
			if s.Connected() {
				s.Redirect("/login")
			}
		case "halt":
			return live.Halt
		}
		if us, ok := v.(userSetter); ok {
			us.SetUser(p.Get("as"))
		}
		return nil
	}, func(ctx context.Context, s *live.Socket, v live.View, p live.Params) error {
		log.add("attach(connected=%v)", s.Connected())
		s.OnEvent(func(ctx context.Context, s *live.Socket, e live.Event) error {
			if e.Name == "drop" {
				return live.Halt
			}
			return nil
		})
		s.OnInfo(func(ctx context.Context, s *live.Socket, msg any) error {
			if _, ok := msg.(hookTick); ok {
				log.add("tick")
				return live.Halt
			}
			return nil
		})
		s.OnParams(func(ctx context.Context, s *live.Socket, p live.Params) error {
			log.add("params(%s)", p.Get("tab"))
			if p.Get("tab") == "secret" {
				return live.Halt
			}
			return nil
		})
		return nil
	})
	newConsole := func() live.View { return &console{} }
	srv.Handle("/console", live.Page{New: newConsole, Template: consoleTemplate, Group: "admin"})
	srv.Handle("/console2", live.Page{New: newConsole, Template: consoleTemplate, Group: "admin"})
	srv.Handle("/public", live.Page{New: newConsole, Template: consoleTemplate})
	return srv
}

// OnMount hooks run before Mount on both renders, for the pages of their group only, in
// the order added; they share state through the view, and can halt with a redirect or an
// error.
func TestMountHooks(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		wantStatus int    // of the first GET
		wantTo     string // its Location
		wantCalls  string // the hooks called by the GET
	}{
		{"the group's page", "/console?as=ann&tab=logs", 200, "", "auth(connected=false) attach(connected=false) params(logs)"},
		{"a page of another group", "/public?as=ann", 200, "", ""},
		{"a hook redirects", "/console", http.StatusFound, "/login", "auth(connected=false)"},
		{"a hook fails with a status", "/console?as=mallory", http.StatusForbidden, "", "auth(connected=false)"},
		{"Halt without a redirect is an error", "/console?as=halt", http.StatusInternalServerError, "", "auth(connected=false)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &hookLog{}
			hs := httptest.NewServer(newHookServer(t, log))
			defer hs.Close()
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Get(hs.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Location") != tt.wantTo {
				t.Errorf("GET %s: %d %q, want %d %q", tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.wantStatus, tt.wantTo)
			}
			if got := log.String(); got != tt.wantCalls {
				t.Errorf("hooks called: %q, want %q", got, tt.wantCalls)
			}
		})
	}
}

func TestMountHooksConnected(t *testing.T) {
	log := &hookLog{}
	h := newHookServer(t, log)
	v := livetest.Open(t, h, "/console?as=ann&tab=logs")
	if got := log.String(); got != "auth(connected=false) attach(connected=false) params(logs) auth(connected=true) attach(connected=true) params(logs)" {
		t.Errorf("hooks called: %q", got)
	}
	// Shared state: the hook set the user before Mount ran, on both renders.
	if v.Text("#user") != "ann" || v.Text("#mounted") != "ann" || v.Text("#tab") != "logs" {
		t.Errorf("the view did not get the hook's user before Mount:\n%s", v.HTML())
	}

	// Event hooks: "drop" is halted before the view; "ping" goes through.
	v.Click("#drop")
	v.Click("#ping")
	if got := v.Text("#events"); got != "ping;" {
		t.Errorf("the view handled events %q, want ping; only", got)
	}

	// Info hooks: the tick is answered by the hook, the plain message reaches the view.
	v.Click("#tick")
	v.WaitFor(func(string) bool { return v.Text("#infos") == "1" })
	if !strings.Contains(log.String(), "tick") {
		t.Errorf("the info hook never saw the tick: %q", log.String())
	}

	// Params hooks: a live patch runs them first; "secret" is halted before HandleParams.
	v.Click("#secret")
	if got := v.Text("#tab"); got != "logs" {
		t.Errorf("tab %q after a halted patch, want logs", got)
	}
	if !strings.HasSuffix(log.String(), "params(secret)") {
		t.Errorf("the params hook did not see the patch: %q", log.String())
	}

	// Live navigation within the group mounts the next view behind the hooks too.
	before := strings.Count(log.String(), "auth(connected=true)")
	v.Click("#other")
	v.FollowRedirect()
	if got := strings.Count(log.String(), "auth(connected=true)"); got != before+1 {
		t.Errorf("navigation ran the mount hook %d more times, want 1", got-before)
	}
	if v.URL().Path != "/console2" {
		t.Errorf("navigated to %s, want /console2", v.URL())
	}
}

// A hook that lets the first GET through may still halt the connected mount: the join is
// answered with its redirect, or with its status.
func TestMountHooksHaltTheJoin(t *testing.T) {
	log := &hookLog{}
	page := livetest.Load(t, newHookServer(t, log), "/console?as=late")
	_, err := page.Join()
	var je *livetest.JoinError
	if !errors.As(err, &je) || je.Redirect == nil || je.Redirect.Kind != "redirect" || je.Redirect.To != "/login" {
		t.Fatalf("join: %v, want a redirect to /login", err)
	}
	if strings.Contains(log.String(), "attach(connected=true)") {
		t.Errorf("a hook after the halting one ran: %q", log.String())
	}
}
