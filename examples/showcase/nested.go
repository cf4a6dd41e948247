package main

import (
	"context"
	"fmt"
	"html/template"

	"github.com/glint-go/glint/live"
)

// nestedGroup is the page group of /nested and its sibling pages: live navigation between
// them keeps the sticky basket.
const nestedGroup = "nested"

// The nested views' names (Server.HandleNested).
const (
	nestedCounterName = "nested-counter"
	nestedBasketName  = "nested-basket"
)

var nestedPage = showcasePage{
	Path:    "/nested",
	Also:    []string{"/nested/b", "/nested/c"},
	Title:   "Nested and sticky views",
	Summary: "A parent view with two nested views, each with its own state and crashes, and a sticky basket kept across live navigation.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &NestedPage{} }, Template: nestedTemplate, Group: nestedGroup}
	},
	nested: map[string]live.Page{
		nestedCounterName: {New: func() live.View { return &NestedCounter{} }, Template: nestedCounterTemplate},
		nestedBasketName:  {New: func() live.View { return &NestedBasket{} }, Template: nestedBasketTemplate},
	},
}

var (
	nestedTemplate        = parsePage("nested.html")
	nestedCounterTemplate = parsePage("nested_counter.html")
	nestedBasketTemplate  = parsePage("nested_basket.html")
)

// NestedPage is the parent: on /nested it renders two nested counters; on every page of
// the group it renders the sticky basket.
type NestedPage struct {
	Page        string // "A", "B" or "C"
	Count       int
	Heard       string // the last message from a child
	Left, Right template.HTML
	Basket      template.HTML
}

// Mount renders the children: their containers are part of the parent's render.
func (np *NestedPage) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	np.Page = map[string]string{"/nested": "A", "/nested/b": "B", "/nested/c": "C"}[s.URL().Path]
	s.SetTitle("Nested and sticky views")
	var err error
	if np.Basket, err = s.LiveRender(live.Child{ID: "basket", Page: nestedBasketName, Sticky: true, Tag: "aside"}); err != nil {
		return err
	}
	if np.Page != "A" {
		return nil
	}
	if np.Left, err = s.LiveRender(live.Child{ID: "left", Page: nestedCounterName, Session: map[string]string{"label": "Left"}}); err != nil {
		return err
	}
	np.Right, err = s.LiveRender(live.Child{ID: "right", Page: nestedCounterName, Session: map[string]string{"label": "Right"}})
	return err
}

// HandleEvent counts, and sends a message to one child.
func (np *NestedPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		np.Count++
	case "tell":
		to := e.Get("to")
		if !s.Child(to).Send(childMessage("The parent says hi")) {
			return fmt.Errorf("child %q is not connected", to)
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// childMessage is a message between the parent and its children.
type childMessage string

// HandleInfo takes the children's messages.
func (np *NestedPage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(childMessage); ok {
		np.Heard = string(m)
	}
	return nil
}

// NestedCounter is a nested view: its count, its crashes and its messages are its own.
type NestedCounter struct {
	Label string
	Count int
	Heard string // the last message from the parent
}

// Mount reads the label the parent gave it.
func (c *NestedCounter) Mount(ctx context.Context, s *live.Socket, p live.Params) error {
	c.Label = s.Session()["label"]
	return nil
}

// HandleEvent counts, crashes on purpose, or writes to the parent.
func (c *NestedCounter) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "inc":
		c.Count++
	case "crash":
		panic(fmt.Sprintf("the %s counter crashed on purpose", c.Label))
	case "tell":
		if !s.Parent().Send(childMessage(c.Label + " says hi")) {
			return fmt.Errorf("the parent is not connected")
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}

// HandleInfo takes the parent's messages.
func (c *NestedCounter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(childMessage); ok {
		c.Heard = string(m)
	}
	return nil
}

// NestedBasket is the sticky view: it lives across live navigation within the group.
type NestedBasket struct{ Items int }

// Mount has nothing to set up.
func (b *NestedBasket) Mount(ctx context.Context, s *live.Socket, p live.Params) error { return nil }

// HandleEvent adds an item.
func (b *NestedBasket) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "add" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	b.Items++
	return nil
}
