package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/glint-go/glint/live"
)

// hooksGroup is the page group of /hooks: visitorHook runs before the Mount of its views.
const hooksGroup = "hooks"

var hooksPage = showcasePage{
	Path:    "/hooks",
	Title:   "Hooks, connect info and errors",
	Summary: "A page group's mount hook with event and info hooks, what the browser said when it connected, and errors shown to the user.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &HooksPage{} }, Template: hooksTemplate, Group: hooksGroup}
	},
}

var hooksTemplate = parsePage("hooks.html")

// Visitor is what the hooks group's mount hook gives the group's views: a view embeds it,
// and the hook finds it through the visitorView interface.
type Visitor struct {
	Name    string // the visitor's random name, from the session
	Seconds int    // seconds connected, counted by the hook's info hook
	Blocked int    // launches the hook's event hook stopped
}

func (v *Visitor) visitor() *Visitor { return v }

// visitorView is implemented by the views that embed Visitor.
type visitorView interface{ visitor() *Visitor }

// visitorTick is the message of the visitor's clock; the info hook takes it, the view never
// sees it.
type visitorTick struct{}

// visitorHook is the mount hook of the "hooks" group, run before Mount on both renders. A
// banned visitor (?banned=1) is sent to the index before the page mounts. Others get their
// name in the view, and two hooks in front of the view's handlers: an info hook counting
// the seconds, and an event hook that stops "launch".
func visitorHook(ctx context.Context, s *live.Socket, v live.View, p live.Params) error {
	if p.Get("banned") != "" {
		s.Redirect("/")
		return nil
	}
	vv, ok := v.(visitorView)
	if !ok {
		return nil
	}
	vis := vv.visitor()
	vis.Name = s.Session()[sessionName]
	if s.Connected() {
		s.Every(time.Second, visitorTick{})
	}
	s.OnInfo(func(ctx context.Context, s *live.Socket, msg any) error {
		if _, ok := msg.(visitorTick); ok {
			vis.Seconds++
			return live.Halt
		}
		return nil
	})
	s.OnEvent(func(ctx context.Context, s *live.Socket, e live.Event) error {
		if e.Name == "launch" {
			vis.Blocked++
			s.PutFlash("error", "Only the crew may launch: the group's event hook stopped it.")
			return live.Halt
		}
		return nil
	})
	return nil
}

// userError is a handler error whose message is written for the user; showError shows
// it as it is.
type userError struct{ msg string }

// Error implements error.
func (e *userError) Error() string { return e.msg }

// showError is the showcase's Options.OnError: a failed handler's error reaches the user
// as an "error" flash — its own message for a *userError, a generic one otherwise (the
// details are in the log).
func showError(ctx context.Context, s *live.Socket, err error) {
	var ue *userError
	if errors.As(err, &ue) {
		s.PutFlash("error", ue.msg)
		return
	}
	s.PutFlash("error", "Something went wrong; the details are in the server's log.")
}

// HooksPage shows what visitorHook gave it, what its socket knows of the browser, and
// buttons whose handlers fail.
type HooksPage struct {
	live.Flash // the template reads .Flash.info and .Flash.error
	Visitor

	Connected bool
	TimeZone  string // the browser's, from the connect params
	Client    string // the browser's address
	Browser   string // its User-Agent (kept by Options.Channel.KeepHeaders)
	Mounted   string // the visitor's name as Mount saw it: the hook ran first
}

// Mount reads the connect params and info once connected.
func (hp *HooksPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Hooks")
	hp.Mounted = hp.Name
	if !s.Connected() {
		return nil
	}
	hp.Connected = true
	hp.TimeZone = s.ConnectParams().Get("timezone")
	if info := s.ConnectInfo(); info != nil {
		hp.Client = info.ClientAddr.String()
		hp.Browser = info.UserAgent
	}
	return nil
}

// HandleEvent handles the buttons; two of them fail on purpose.
func (hp *HooksPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "hello":
		s.PutFlash("info", "Hello, "+hp.Name+"!")
	case "reload":
		// A full page load: the flash rides along in a cookie for the next page.
		s.PutFlash("info", "Reloaded, and the flash came along.")
		s.Redirect("/hooks")
	case "buy":
		return &userError{"Sold out: someone else got the last ticket."}
	case "break":
		return errors.New("showcase: the flux capacitor is missing")
	case "launch":
		return errors.New("showcase: launch reached the view; the event hook should have stopped it")
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}
