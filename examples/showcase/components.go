package main

import (
	"context"
	"fmt"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

var componentsPage = showcasePage{
	Path:    "/components",
	Title:   "Components",
	Summary: "A stateful component hidden and shown again: the browser destroys it, and it comes back mounted afresh.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &ComponentsPage{Show: true} }, Template: componentsTemplate}
	},
}

var (
	componentsTemplate = parsePage("components.html")
	likeCardTemplate   = parsePage("like_card.html")
)

// ComponentsPage shows one stateful component behind an {{if}}. It mounts the card once,
// in Mount, and keeps its reference: hiding the card makes the browser destroy it
// (cids_will_destroy, then cids_destroyed), and showing it again renders the same
// reference, which the runtime mounts afresh under a new cid, as LiveView does.
type ComponentsPage struct {
	Show   bool
	Card   render.ComponentRef
	Mounts int // how many times this view mounted the card
}

// Mount mounts the card.
func (cp *ComponentsPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	s.SetTitle("Components")
	ref, err := s.Component("card", func() live.Component { return &LikeCard{page: cp} })
	cp.Card = ref
	return err
}

// HandleEvent hides and shows the card.
func (cp *ComponentsPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "toggle" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	cp.Show = !cp.Show
	return nil
}

// LikeCard is a stateful component: its likes are its own, and its events (phx-target)
// go to it. Each mount numbers itself.
type LikeCard struct {
	live.ComponentBase
	page  *ComponentsPage
	Nth   int // which mount of the card this is, from 1
	Likes int
}

// Template implements live.Component.
func (c *LikeCard) Template() *render.Template { return likeCardTemplate }

// Mount counts the card's mounts; it runs again when the card comes back.
func (c *LikeCard) Mount(ctx context.Context, s *live.Socket) error {
	c.page.Mounts++
	c.Nth = c.page.Mounts
	return nil
}

// HandleEvent counts the likes.
func (c *LikeCard) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "like" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	c.Likes++
	return nil
}
