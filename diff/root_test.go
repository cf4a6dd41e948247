package diff

import (
	"errors"
	"testing"

	"github.com/glint-go/glint/render"
)

func TestRootScan(t *testing.T) {
	for _, tc := range []struct {
		in          string
		ok, decided bool
	}{
		{"<div>", true, true},
		{"  \n<p class=x>", true, true},
		{"<!-- c --> <li>", true, true},
		{"<!-- a --><!-- b --><b>", true, true},
		{"<!-- unterminated", false, false},
		{"<!-", false, false},
		{"<", false, false},
		{"   ", false, false},
		{"", false, false},
		{"text<div>", false, true},
		{"</div>", false, true},
		{"< div>", false, true},
		{"<>", false, true},
		{"<!-- multi\nline --><div>", false, true},
	} {
		ok, decided := rootScan([]byte(tc.in))
		if ok != tc.ok || decided != tc.decided {
			t.Errorf("rootScan(%q) = %v, %v; want %v, %v", tc.in, ok, decided, tc.ok, tc.decided)
		}
	}
}

func TestComponentRootElement(t *testing.T) {
	page := node(st("<main>", "</main>"), cid(1))
	for _, tc := range []struct {
		name string
		comp *render.Rendered
		ok   bool
	}{
		{"static tag", node(st("<div>", "</div>"), str("x")), true},
		{"tag from a dynamic", node(st("", ""), str("<p>x</p>")), true},
		{"tag split over parts", node(st("  <", "", ">x</i>"), str(""), str("i")), true},
		{"tag in a branch", node(st("<!-- c -->", ""), sub(node(st("<b>", "</b>"), str("x")))), true},
		{"tag in a list", node(st("", ""), list(st("<li>", "</li>"), nil, entry(str("1")))), true},
		{"nested component", node(st("", ""), cid(2)), true},
		{"text first", node(st("text ", ""), str("x")), false},
		{"empty output", node(st("", ""), str("")), false},
		{"empty list", node(st("", ""), list(st("<li>", "</li>"), nil)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var enc Encoder
			_, err := enc.Join(nil, page, Components{1: tc.comp, 2: node(st("<em>", "</em>"), str("2"))}, nil)
			if tc.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrMalformedTree) {
				t.Fatalf("accepted, or wrong error: %v", err)
			}
		})
	}
	// A partial update that loses the root element is refused too, and loses nothing.
	var enc Encoder
	branch := st("", "")
	comp := func(d render.Dynamic) *render.Rendered { return node(branch, d) }
	if _, err := enc.Join(nil, page, Components{1: comp(sub(node(st("<b>", "</b>"), str("x"))))}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := enc.Update(nil, nil, Components{1: comp(str("plain text"))}, nil); !errors.Is(err, ErrMalformedTree) {
		t.Fatalf("update to a rootless component: %v", err)
	}
	out, _, err := enc.Update(nil, nil, Components{1: comp(sub(node(st("<b>", "</b>"), str("y"))))}, nil)
	if err != nil || string(out) != `{"c":{"1":{"0":{"0":"y"}}}}` {
		t.Fatalf("after the refusal: %s %v", out, err)
	}
}
