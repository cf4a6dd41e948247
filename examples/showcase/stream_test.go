package main

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/glint-go/glint/live/livetest"
)

// lineIDs lists the ids of the feed's items, in order.
func lineIDs(v *livetest.View) string {
	var ids []string
	v.Find("#lines li").Each(func(_ int, s *goquery.Selection) { ids = append(ids, strings.TrimPrefix(s.AttrOr("id", ""), "line-")) })
	return strings.Join(ids, " ")
}

func TestStreamFeed(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/stream")
	if got := lineIDs(v); got != "1 2 3" {
		t.Fatalf("first lines %q", got)
	}
	v.Submit("#post", map[string][]string{"text": {"hello"}})
	if got := lineIDs(v); got != "1 2 3 4" || v.Text("#line-4 .text") != "hello" {
		t.Fatalf("after a post: %q\n%s", got, v.HTML())
	}
	v.Click("#line-2 .star")
	if !v.Has("#line-2.starred") || lineIDs(v) != "1 2 3 4" {
		t.Fatalf("after a star: %s", v.HTML())
	}
	v.Click("#line-1 .delete")
	if got := lineIDs(v); got != "2 3 4" {
		t.Fatalf("after a delete: %q", got)
	}
	v.Click("#pin")
	v.Click("#second")
	if got := lineIDs(v); got != "5 6 2 3 4" {
		t.Fatalf("after a prepend and an insert at 1: %q", got)
	}
	v.Click("#burst")
	ids := strings.Fields(lineIDs(v))
	if len(ids) != 50 || ids[0] != "17" || ids[49] != "66" {
		t.Fatalf("after a burst: %d lines, %v…%v", len(ids), ids[:1], ids[len(ids)-1:])
	}
	v.Click("#reset")
	if got := lineIDs(v); got != "67" || v.Text("#posted") != "67" {
		t.Fatalf("after a reset: %q, posted %s", got, v.Text("#posted"))
	}
}
