package main

import (
	"strings"
	"testing"

	"github.com/glint-go/glint/live/livetest"
)

func TestAsyncPage(t *testing.T) {
	page := livetest.Load(t, newTestServer(t, config{}), "/async")
	if html := page.ContainerHTML(); !strings.Contains(html, "Loading the report…") || !strings.Contains(html, "Loading the forecast…") {
		t.Fatalf("first render: %s", html)
	}
	v := page.MustJoin()
	v.WaitFor(func(html string) bool {
		return strings.Contains(html, `<strong id="orders">41</strong>`) && strings.Contains(html, "Could not load the forecast: the forecast service is down")
	})
	v.Click("#reload")
	if !strings.Contains(v.HTML(), "Loading the report… (showing the last one)") || v.Text("#orders") != "41" {
		t.Fatalf("reloading: %s", v.HTML())
	}
	v.WaitFor(func(html string) bool { return strings.Contains(html, `<strong id="orders">42</strong>`) })
}
