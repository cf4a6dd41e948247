package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/presence"
)

// presenceTopic is where the presence page's tabs track themselves; the tracker broadcasts
// its presence_diffs on it too.
const presenceTopic = "showcase:presence"

// listWindow coalesces presence diffs: however many tabs come and go at once, a tab lists
// them again at most once per window, and its mailbox never fills with diffs.
const listWindow = 50 * time.Millisecond

// relist is the message SubscribeCoalesced delivers after presence diffs.
type relist struct{}

// statuses are the statuses a tab can choose, in the buttons' order; the first is where a
// tab starts.
var statuses = []string{"available", "busy", "away"}

var presencePage = showcasePage{
	Path:    "/presence",
	Title:   "Presence",
	Summary: "Who is on this page, live: tabs come and go, and change their status.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &PresencePage{tracker: a.tracker} }, Template: presenceTemplate}
	},
}

var presenceTemplate = parsePage("presence.html")

// PresencePage lists the tabs that have the page open, on every node. Each tab tracks
// itself with its random id as key and {"name", "status"} as meta; a status button tracks
// it again with the new status, which updates the meta in place.
type PresencePage struct {
	tracker *presence.Tracker
	tab     string

	Me       string   // this tab's name
	Status   string   // this tab's status
	Statuses []string // the status buttons
	People   []Person // every tab on the page, this one first
}

// Person is one tab on the page.
type Person struct {
	Tab    string
	Name   string
	Status string
	Me     bool // this tab
}

// Key makes the list a keyed comprehension: a tab that comes or goes moves no other row.
func (p Person) Key() string { return p.Tab }

// Mount reads the tab's name and id from the session and, once connected, subscribes to
// the presence diffs and tracks the tab.
func (pp *PresencePage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	pp.tab, pp.Me = s.Session()[sessionTab], s.Session()[sessionName]
	pp.Status, pp.Statuses = statuses[0], statuses
	s.SetTitle("Presence")
	if s.Connected() {
		// Subscribe before tracking and listing, so that no change falls in between.
		if err := s.SubscribeCoalesced(presenceTopic, listWindow, relist{}); err != nil {
			return err
		}
		if err := pp.track(s); err != nil {
			return err
		}
	}
	pp.list(s.Connected())
	return nil
}

// track tracks this tab, or updates its meta when it is tracked already.
func (pp *PresencePage) track(s *live.Socket) error {
	return s.Track(pp.tracker, presenceTopic, pp.tab, presence.Meta{"name": pp.Me, "status": pp.Status})
}

// HandleEvent handles the status buttons.
func (pp *PresencePage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "status" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	st := e.Get("status")
	if !slices.Contains(statuses, st) {
		return fmt.Errorf("presence page: unknown status %q", st)
	}
	pp.Status = st
	if err := pp.track(s); err != nil {
		return err
	}
	pp.list(true)
	return nil
}

// HandleInfo lists the tabs again after presence diffs.
func (pp *PresencePage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(relist); ok {
		pp.list(true)
	}
	return nil
}

// list rebuilds People from the tracker. The disconnected render, not tracked, adds this
// tab itself so that the connected render does not change the list.
func (pp *PresencePage) list(connected bool) {
	pp.People = pp.People[:0]
	for key, p := range pp.tracker.List(presenceTopic) {
		for _, m := range p.Metas {
			name, _ := m["name"].(string)
			status, _ := m["status"].(string)
			pp.People = append(pp.People, Person{Tab: key, Name: name, Status: status, Me: key == pp.tab})
		}
	}
	if !connected {
		pp.People = append(pp.People, Person{Tab: pp.tab, Name: pp.Me, Status: pp.Status, Me: true})
	}
	sort.Slice(pp.People, func(i, j int) bool {
		a, b := pp.People[i], pp.People[j]
		if a.Me != b.Me {
			return a.Me
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Tab < b.Tab
	})
}
