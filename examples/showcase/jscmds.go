package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/glint-go/glint/live"
)

var jsPage = showcasePage{
	Path:    "/js",
	Title:   "JS commands",
	Summary: "A modal, a menu, classes, attributes, focus, transitions and lifecycle bindings run in the browser, kept through the server's renders.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &JSPage{} }, Template: jsTemplate}
	},
}

var jsTemplate = parsePage("js.html")

// JSPage shows JS commands, built with live.JS. The server keeps counts, so that its
// renders patch the elements the commands changed.
type JSPage struct {
	Opened   int    // "opened" pushes
	Ticks    int    // renders asked for with the tick button
	Saved    string // the value of the last save
	Tab      string // the URL's tab param (a Patch command)
	Items    []int
	NextID   int
	Open     live.JS
	Close    live.JS
	Menu     live.JS
	Mark     live.JS
	Unmark   live.JS
	Flip     live.JS
	Expand   live.JS
	Press    live.JS
	Save     live.JS
	ToTab    live.JS
	Shake    live.JS
	Remember live.JS
	Return   live.JS
	Mounted  live.JS
	Leave    live.JS
	Online   live.JS
	Offline  live.JS
	RunMark  live.JS
}

// Mount builds the commands once; the template renders them into bindings.
func (p *JSPage) Mount(ctx context.Context, s *live.Socket, params live.Params) error {
	s.SetTitle("JS commands")
	p.Items, p.NextID = []int{1, 2, 3}, 4
	p.Open = live.JS{}.
		Show(live.JSOpts{To: "#modal", Transition: live.Transition{"fading", "faded", "shown"}, Time: 100 * time.Millisecond}).
		Push("opened")
	p.Close = live.JS{}.Hide(live.JSOpts{To: "#modal"})
	p.Menu = live.JS{}.Toggle(live.JSOpts{To: "#menu"}).ToggleAttributeOf(live.JSOpts{To: "#menu-button"}, "aria-expanded", "true", "false")
	p.Mark = live.JS{}.AddClass("marked bold", live.JSOpts{To: "#card"})
	p.Unmark = live.JS{}.RemoveClass("bold", live.JSOpts{To: "#card"})
	p.Flip = live.JS{}.ToggleClass("flipped", live.JSOpts{To: "#card"})
	p.Expand = live.JS{}.SetAttribute("data-size", "large", live.JSOpts{To: "#card"}).RemoveAttribute("title", live.JSOpts{To: "#card"})
	p.Press = live.JS{}.ToggleAttribute("aria-pressed", "true", "false")
	p.Save = live.JS{}.Push("save", live.PushOpts{Value: map[string]any{"id": 7}, Loading: "#card"})
	p.ToTab = live.JS{}.Patch("/js?tab=two", false)
	p.Shake = live.JS{}.Transition(live.JSOpts{To: "#card", Transition: live.Transition{"shaking"}, Time: 100 * time.Millisecond})
	p.Remember = live.JS{}.PushFocus().FocusFirst(live.JSOpts{To: "#form"})
	p.Return = live.JS{}.PopFocus()
	p.Mounted = live.JS{}.AddClass("was-mounted")
	p.Leave = live.JS{}.Hide(live.JSOpts{Transition: live.Transition{"leaving"}, Time: 100 * time.Millisecond})
	p.Online = live.JS{}.SetAttribute("data-link", "up")
	p.Offline = live.JS{}.SetAttribute("data-link", "down")
	p.RunMark = live.JS{}.Exec("data-mark", live.JSOpts{To: "#exec-source"})
	return nil
}

// HandleParams reads the tab a Patch command set.
func (p *JSPage) HandleParams(ctx context.Context, s *live.Socket, params live.Params) error {
	p.Tab = params.Get("tab")
	return nil
}

// HandleEvent counts, saves, and adds and removes items.
func (p *JSPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	switch e.Name {
	case "opened":
		p.Opened++
	case "tick":
		p.Ticks++
	case "save":
		p.Saved = "item " + e.Get("id")
	case "add":
		p.Items = append(p.Items, p.NextID)
		p.NextID++
	case "remove":
		id, err := strconv.Atoi(e.Get("id"))
		if err != nil {
			return fmt.Errorf("remove: bad id %q: %w", e.Get("id"), err)
		}
		for i, it := range p.Items {
			if it == id {
				p.Items = append(p.Items[:i], p.Items[i+1:]...)
				break
			}
		}
	default:
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	return nil
}
