package main

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/live/livetest"
)

func TestNestedFirstRender(t *testing.T) {
	page := livetest.Load(t, newTestServer(t, config{}), "/nested")
	html := page.ContainerHTML()
	for _, want := range []string{
		`<aside id="basket" data-phx-session="`,
		`data-phx-sticky=""><div class="basket">Sticky basket: <strong class="items">0</strong>`,
		`<div id="left" data-phx-session="`,
		`data-phx-parent-id="` + page.ID + `"><div class="counter">`,
		`<h3 class="label">Right</h3>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("first render lacks %q:\n%s", want, html)
		}
	}
}

func TestNestedViews(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/nested")
	left, right := v.Child("left"), v.Child("right")
	v.Click("#parent-inc")
	left.Click(".inc")
	left.Click(".inc")
	right.Click(".inc")
	if v.Text("#parent-count") != "1" || left.Text(".count") != "2" || right.Text(".count") != "1" {
		t.Fatalf("counts: parent %s, left %s, right %s", v.Text("#parent-count"), left.Text(".count"), right.Text(".count"))
	}
	right.Click(".tell")
	v.WaitFor(func(html string) bool { return strings.Contains(html, "Right says hi") })
	v.Click("#tell-left")
	left.WaitFor(func(html string) bool { return strings.Contains(html, "The parent says hi") })

	left.ExpectCrash(func() { left.Click(".crash") })
	left.Rejoin()
	v.Click("#parent-inc")
	if left.Text(".count") != "0" || right.Text(".count") != "1" || v.Text("#parent-count") != "2" {
		t.Fatalf("after Left crashed: parent %s, left %s, right %s", v.Text("#parent-count"), left.Text(".count"), right.Text(".count"))
	}
}

func TestNestedStickyBasket(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/nested")
	basket := v.Child("basket")
	basket.Click(".add")
	for i, path := range []string{"/nested/b", "/nested/c", "/nested"} {
		if err := v.Navigate(path); err != nil {
			t.Fatalf("navigate %s: %v", path, err)
		}
		if v.Find("#basket[data-phx-sticky]").Length() != 1 || v.Text("#page") != "BCA"[i:i+1] {
			t.Fatalf("after navigating to %s: %s", path, v.HTML())
		}
		basket.Click(".add")
	}
	if basket.Text(".items") != "4" {
		t.Fatalf("basket after three navigations: %s", basket.HTML())
	}
}
