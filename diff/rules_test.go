package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// One table row per rule of docs/protocol.md, Diff rules: the message of the last step, byte
// for byte. run (helpers_test.go) also applies every message to the client model, so each row
// checks that the client accepts it.
func TestRules(t *testing.T) {
	wrap := st("<div>", "</div>")
	two := st("<p>", "|", "</p>")
	a := st("A:", "")
	b := st("B:", "")
	li := st("<li>", "</li>")
	ol := st("<ol>", "</ol>")
	row := st("<tr>", "</tr>")
	cellIf := st("<td>", "</td>")
	card := st(`<div class="card">`, `</div>`)
	inner := func(vals ...string) render.Dynamic {
		var es [][]render.Dynamic
		for _, v := range vals {
			es = append(es, entry(sub(node(cellIf, str(v)))))
		}
		return list(li, nil, es...)
	}
	rows := func(n ...[]string) *render.Rendered {
		var es [][]render.Dynamic
		for _, r := range n {
			es = append(es, entry(inner(r...)))
		}
		return node(ol, list(row, nil, es...))
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  string
	}{
		{"S1 full node: statics and every dynamic", []step{
			{tree: node(wrap, str(""))}, {tree: node(wrap, sub(node(two, str("x"), str("y"))))},
		}, `{"0":{"0":"x","1":"y","s":["<p>","|","</p>"]}}`},
		{"S1 other template at the same position", []step{
			{tree: node(wrap, sub(node(a, str("1"))))}, {tree: node(wrap, sub(node(b, str("1"))))},
		}, `{"0":{"0":"1","s":["B:",""]}}`},
		{"S2 partial node: only the changed index", []step{
			{tree: node(wrap, sub(node(two, str("x"), str("y"))))}, {tree: node(wrap, sub(node(two, str("x"), str("z"))))},
		}, `{"0":{"1":"z"}}`},
		{"S3 node to string", []step{
			{tree: node(wrap, sub(node(a, str("1"))))}, {tree: node(wrap, str("text"))},
		}, `{"0":"text"}`},
		{"S3 string to comprehension", []step{
			{tree: node(wrap, str("text"))}, {tree: node(wrap, list(li, nil, entry(str("1"))))},
		}, `{"0":{"s":["<li>","</li>"],"k":{"0":{"0":"1"},"kc":1}}}`},
		{"S4 conditional rendering nothing", []step{
			{tree: node(wrap, sub(node(a, str("1"))))}, {tree: node(wrap, str(""))},
		}, `{"0":""}`},
		{"S4 empty range is still a comprehension", []step{
			{tree: node(wrap, list(li, nil))},
		}, `{"0":{"s":["<li>","</li>"],"k":{"kc":0}},"s":["<div>","</div>"]}`},
		{"S5 r only on component roots", []step{
			{tree: node(wrap, sub(node(a, cid(1)))), comps: Components{1: node(card, sub(node(b, str("x"))))}},
		}, `{"0":{"0":1,"s":["A:",""]},"s":["<div>","</div>"],"c":{"1":{"0":{"0":"x","s":["B:",""]},"r":1,"s":["<div class=\"card\">","</div>"]}}}`},
		{"S6 kc in every k, km with moves", []step{
			{tree: node(wrap, list(li, []string{"x", "y"}, entry(str("1")), entry(str("2"))))},
			{tree: node(wrap, list(li, []string{"y", "x"}, entry(str("2")), entry(str("1"))))},
		}, `{"0":{"k":{"0":1,"1":0,"kc":2,"km":true}}}`},
		{"S6 same keys in place: no km", []step{
			{tree: node(wrap, list(li, []string{"x", "y"}, entry(str("1")), entry(str("2"))))},
			{tree: node(wrap, list(li, []string{"x", "y"}, entry(str("1")), entry(str("3"))))},
		}, `{"0":{"k":{"1":{"0":"3"},"kc":2}}}`},
		{"S6 duplicate keys: an old entry is the source of one new entry, the other is sent in full", []step{
			{tree: node(wrap, list(li, []string{"x", "y"}, entry(str("1")), entry(str("2"))))},
			{tree: node(wrap, list(li, []string{"y", "y"}, entry(str("2")), entry(str("2"))))},
		}, `{"0":{"k":{"0":{"0":"2"},"kc":2}}}`},
		{"S6 duplicate keys moving", []step{
			{tree: node(wrap, list(li, []string{"x", "y", "z"}, entry(str("1")), entry(str("2")), entry(str("3"))))},
			{tree: node(wrap, list(li, []string{"z", "y", "y", "q"}, entry(str("3")), entry(str("2")), entry(str("2")), entry(str("4"))))},
		}, `{"0":{"k":{"0":2,"2":{"0":"2"},"3":{"0":"4"},"kc":4,"km":true}}}`},
		{"S8 components only at the top level", []step{
			{tree: node(wrap, list(li, nil, entry(cid(2)))), comps: Components{2: node(card, str("x"))}},
			{tree: node(wrap, list(li, nil, entry(cid(2)))), comps: Components{2: node(card, str("y"))}},
		}, `{"c":{"2":{"0":"y"}}}`},
		{"S9 nothing changed: no message", []step{
			{tree: node(wrap, str("same"))}, {tree: node(wrap, str("same"))},
		}, ``},
		{"P1 P2 outermost comprehension opens the scope, nested ones index into it", []step{
			{tree: node(wrap, str(""))}, {tree: node(wrap, sub(rows([]string{"a", "b"}, []string{"c"})))},
		}, `{"0":{"0":{"s":["<tr>","</tr>"],"k":{"0":{"0":{"s":0,"k":{"0":{"0":{"0":"a","s":1}},"1":{"0":{"0":"b","s":1}},"kc":2}}},"1":{"0":{"s":0,"k":{"0":{"0":{"0":"c","s":1}},"kc":1}}},"kc":2},"p":{"0":["<li>","</li>"],"1":["<td>","</td>"]}},"s":["<ol>","</ol>"]}}`},
		{"P3 a component's comprehension opens its own scope", []step{
			{tree: node(wrap, list(li, nil, entry(cid(1)))), comps: Components{1: node(card, list(row, nil, entry(sub(node(a, str("1"))))))}},
		}, `{"0":{"s":["<li>","</li>"],"k":{"0":{"0":1},"kc":1}},"s":["<div>","</div>"],"c":{"1":{"0":{"s":["<tr>","</tr>"],"k":{"0":{"0":{"0":"1","s":0}},"kc":1},"p":{"0":["A:",""]}},"r":1,"s":["<div class=\"card\">","</div>"]}}}`},
		{"P4 a later diff adding entries carries p on the comprehension", []step{
			{tree: rows([]string{"a"})}, {tree: rows([]string{"a"}, []string{"b", "c"})},
		}, `{"0":{"k":{"1":{"0":{"s":0,"k":{"0":{"0":{"0":"b","s":1}},"1":{"0":{"0":"c","s":1}},"kc":2}}},"kc":2},"p":{"0":["<li>","</li>"],"1":["<td>","</td>"]}}}`},
		{"P4 nested additions put statics in the outermost p", []step{
			{tree: rows([]string{"a"})}, {tree: rows([]string{"a", "b"})},
		}, `{"0":{"k":{"0":{"0":{"k":{"1":{"0":{"0":"b","s":0}},"kc":2}}},"kc":1},"p":{"0":["<td>","</td>"]}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, _ := run(t, tc.steps)
			if got := string(msgs[len(msgs)-1]); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestJoinResetsState(t *testing.T) {
	var enc Encoder
	s := st("<b>", "</b>")
	card := st("<i>", "</i>")
	tree := node(s, cid(1))
	comps := Components{1: node(card, str("x"))}
	first, err := enc.Join(nil, tree, comps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, changed, _ := enc.Update(nil, tree, Components{1: node(card, str("x"))}, nil); changed {
		t.Fatal("unchanged component produced a diff")
	}
	enc.Forget(1)
	if enc.Holds(1) {
		t.Fatal("Forget kept the component")
	}
	if out, _, _ := enc.Update(nil, tree, Components{1: node(card, str("x"))}, nil); string(out) != `{"c":{"1":{"0":"x","r":1,"s":["<i>","</i>"]}}}` {
		t.Fatalf("a forgotten component is not sent in full: %s", out)
	}
	if !enc.Holds(1) {
		t.Fatal("a sent component is not held")
	}
	again, err := enc.Join(nil, tree, comps, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Errorf("rejoin is not a full render:\n%s\n%s", first, again)
	}
}

func TestAppendsToCallerBuffer(t *testing.T) {
	var enc Encoder
	s := st("n=", "")
	buf := []byte("prefix:")
	buf, err := enc.Join(buf, node(s, str("1")), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf, changed, err := enc.Update(buf, node(s, str("2")), nil, nil)
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	buf, changed, err = enc.Update(buf, node(s, str("2")), nil, nil)
	if err != nil || changed {
		t.Fatal(changed, err)
	}
	if want := `prefix:{"0":"1","s":["n=",""]}{"0":"2"}`; string(buf) != want {
		t.Errorf("got %s, want %s", buf, want)
	}
}

func TestExtrasAlone(t *testing.T) {
	var enc Encoder
	s := st("n=", "")
	if _, err := enc.Join(nil, node(s, str("1")), nil, nil); err != nil {
		t.Fatal(err)
	}
	out, changed, err := enc.Update(nil, nil, nil, &Extras{Reply: json.RawMessage(" { \"a\" : [1, 2] } ")})
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	if want := `{"r":{"a":[1,2]}}`; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	if _, changed, _ := enc.Update(nil, nil, nil, &Extras{}); changed {
		t.Error("empty extras produced a message")
	}
}

func TestMalformedTrees(t *testing.T) {
	s := st("<b>", "</b>")
	ok := node(s, str("1"))
	for _, tc := range []struct {
		name  string
		tree  *render.Rendered
		comps Components
		x     *Extras
	}{
		{"nil statics", &render.Rendered{Dynamics: []render.Dynamic{str("x")}}, nil, nil},
		{"too few dynamics", node(st("a", "b", "c"), str("x")), nil, nil},
		{"nil subtree", node(s, render.Dynamic{Kind: render.KindTree}), nil, nil},
		{"nil comprehension", node(s, render.Dynamic{Kind: render.KindComprehension}), nil, nil},
		{"entry of wrong length", node(s, list(st("x", "y"), nil, entry())), nil, nil},
		{"keys of wrong length", node(s, list(st("x", "y"), []string{"a"}, entry(str("1")), entry(str("2")))), nil, nil},
		{"unknown kind", node(s, render.Dynamic{Kind: 99}), nil, nil},
		{"cid zero", node(s, cid(0)), Components{0: ok}, nil},
		{"negative cid in c", ok, Components{-1: ok}, nil},
		{"unknown component", node(s, cid(7)), nil, nil},
		{"nil component tree", ok, Components{3: nil}, nil},
		{"event payload not JSON", ok, nil, &Extras{Events: []Event{{Name: "x", Payload: json.RawMessage("{")}}}},
		{"reply not an object", ok, nil, &Extras{Reply: json.RawMessage("[1]")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var enc Encoder
			if _, err := enc.Join(nil, node(s, str("0")), nil, nil); err != nil {
				t.Fatal(err)
			}
			dst := []byte("keep")
			out, changed, err := enc.Update(dst, tc.tree, tc.comps, tc.x)
			if err == nil {
				t.Fatalf("no error; message %s", out)
			}
			if changed || string(out) != "keep" {
				t.Errorf("on error: changed=%v, dst=%q", changed, out)
			}
			if !errors.Is(err, ErrMalformedTree) && !strings.Contains(err.Error(), "JSON") {
				t.Errorf("error %v does not say what is wrong", err)
			}
			// Nothing was lost: the encoder still diffs against the last good tree.
			out, _, err = enc.Update(nil, node(s, str("9")), nil, nil)
			if err != nil || string(out) != `{"0":"9"}` {
				t.Errorf("after the error: %s, %v", out, err)
			}
			// Join reports the same error.
			var fresh Encoder
			if tc.tree != ok || tc.comps != nil || tc.x != nil {
				if _, err := fresh.Join(nil, tc.tree, tc.comps, tc.x); err == nil {
					t.Error("Join accepted it")
				}
			}
		})
	}
}

func TestUpdateBeforeJoin(t *testing.T) {
	var enc Encoder
	if _, _, err := enc.Update(nil, node(st("x")), nil, nil); err == nil {
		t.Fatal("Update before Join succeeded")
	}
	if _, err := enc.Join(nil, nil, nil, nil); err == nil {
		t.Fatal("Join of a nil tree succeeded")
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `"`, `\`, "<>&", "\x00\x1f\x7f", "\n\r\t\b\f", "é🎉", "\u2028\u2029", "\xff\xfe", "a\xc3"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q: %s is not JSON: %v", s, got, err)
			continue
		}
		std, _ := json.Marshal(s)
		var stdBack string
		_ = json.Unmarshal(std, &stdBack)
		if back != stdBack {
			t.Errorf("%q: decodes to %q, encoding/json's to %q", s, back, stdBack)
		}
	}
	if got := string(appendString(nil, "<a href=\"x\">")); got != `"<a href=\"x\">"` {
		t.Errorf("HTML is escaped: %s", got)
	}
}

// FuzzAppendString checks the hand-written string escaper against encoding/json: the
// output must decode to what encoding/json's output decodes to.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "<\"\\>", "\x00\x1f", "\u2028", "\xff", "é🎉"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		std, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("%q decodes to %q, want %q", s, back, want)
		}
	})
}
