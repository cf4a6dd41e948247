package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

var streamPage = showcasePage{
	Path:    "/stream",
	Title:   "Streams",
	Summary: "A chat-like feed the server does not keep: post, pin to the top, insert second, star, delete, a burst past the limit of 50, and a reset.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &StreamPage{} }, Template: streamTemplate}
	},
}

var streamTemplate = parsePage("stream.html")

// chatLine is one message of the feed.
type chatLine struct {
	ID      int
	Text    string
	Starred bool
}

// StreamPage shows a feed of messages in a stream: each message is sent to the browser
// once and forgotten; the page holds them, at most the last 50.
type StreamPage struct {
	Lines  *live.Stream[chatLine]
	Posted int                 // messages posted so far; the server keeps the count, not the messages
	Log    render.ComponentRef // EventLog, a component with a stream of its own
}

// Mount makes the stream and puts the first messages in it.
func (sp *StreamPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Streams")
	sp.Lines = live.NewStream("lines", func(l chatLine) string { return "line-" + strconv.Itoa(l.ID) })
	if err := sp.Lines.SetLimit(-50); err != nil {
		return err
	}
	for _, t := range []string{"Welcome to the feed.", "Each message is sent once, then forgotten by the server.", "Post, star, delete, or burst past the limit."} {
		sp.post(t)
	}
	var err error
	sp.Log, err = s.Component("log", func() live.Component { return &EventLog{} })
	return err
}

func (sp *StreamPage) post(text string) {
	sp.Posted++
	sp.Lines.Append(chatLine{ID: sp.Posted, Text: text})
}

// HandleEvent edits the stream.
func (sp *StreamPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "post":
		text := strings.TrimSpace(e.Get("text"))
		if text == "" {
			return nil
		}
		if len(text) > 280 {
			text = text[:280]
		}
		sp.post(text)
	case "star":
		id, err := strconv.Atoi(e.Get("id"))
		if err != nil {
			return fmt.Errorf("star: bad id %q: %w", e.Get("id"), err)
		}
		// The server does not keep the messages: the button carries the text back.
		sp.Lines.Update(chatLine{ID: id, Text: e.Get("text"), Starred: true})
	case "delete":
		sp.Lines.DeleteID("line-" + e.Get("id"))
	case "pin":
		sp.Posted++
		sp.Lines.Prepend(chatLine{ID: sp.Posted, Text: "Pinned to the top."})
	case "second":
		sp.Posted++
		sp.Lines.InsertAt(1, chatLine{ID: sp.Posted, Text: "Slipped in second."})
	case "burst":
		for i := range 60 {
			sp.post(fmt.Sprintf("Burst message %d of 60", i+1))
		}
	case "reset":
		sp.Posted++
		sp.Lines.Reset(chatLine{ID: sp.Posted, Text: "The feed starts over."})
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// EventLog is a component with a stream of its own: the page's events, newest first.
type EventLog struct {
	live.ComponentBase
	Entries *live.Stream[logEntry]
	n       int
}

type logEntry struct {
	N    int
	Text string
}

var eventLogTemplate = parsePage("stream_log.html")

// Template implements live.Component.
func (l *EventLog) Template() *render.Template { return eventLogTemplate }

// Mount makes the log's stream, capped at 5 entries.
func (l *EventLog) Mount(ctx context.Context, s *live.Socket) error {
	l.Entries = live.NewStream("log", func(e logEntry) string { return "log-" + strconv.Itoa(e.N) })
	if err := l.Entries.SetLimit(5); err != nil {
		return err
	}
	l.note("The log started.")
	return nil
}

func (l *EventLog) note(text string) {
	l.n++
	l.Entries.Prepend(logEntry{N: l.n, Text: text})
}

// HandleEvent notes a click.
func (l *EventLog) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "note" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	l.note("Noted, " + strconv.Itoa(l.n) + " so far.")
	return nil
}
