package diff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/merge")

// goldenCase is one file of testdata/merge: either renders run through an Encoder, or
// hand-written messages (for forms the encoder never emits but clients must accept).
type goldenCase struct {
	name  string
	steps []step   // encoded by an Encoder
	raw   []string // or: messages as they are
}

// goldenFile is the format shared with the JS client's tests.
type goldenFile struct {
	Name  string       `json:"name"`
	View  string       `json:"view"`
	Steps []goldenStep `json:"steps"`
}

type goldenStep struct {
	Diff json.RawMessage `json:"diff"`
	HTML string          `json:"html"`
}

// add records one message and the HTML it must give; a nil file or message is ignored.
func (f *goldenFile) add(msg []byte, html string) {
	if f == nil || len(msg) == 0 {
		return
	}
	f.Steps = append(f.Steps, goldenStep{Diff: append([]byte(nil), msg...), HTML: html})
}

func marshalGolden(f goldenFile) []byte {
	var b bytes.Buffer
	b.WriteString(`{"name":`)
	writeJSONString(&b, f.Name)
	b.WriteString(`,"view":`)
	writeJSONString(&b, f.View)
	b.WriteString(",\"steps\":[\n")
	for i, s := range f.Steps {
		b.WriteString(`  {"diff":`)
		b.Write(s.Diff)
		b.WriteString(`,"html":`)
		writeJSONString(&b, s.HTML)
		b.WriteString("}")
		if i < len(f.Steps)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

func (c goldenCase) file(t *testing.T) goldenFile {
	t.Helper()
	f := goldenFile{Name: c.name, View: "phx-A"}
	if c.raw != nil {
		m := client.New()
		for i, r := range c.raw {
			var err error
			if i == 0 {
				err = m.Join([]byte(r))
			} else {
				err = m.Apply([]byte(r))
			}
			if err != nil {
				t.Fatalf("%s step %d: %v", c.name, i, err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(r)); err != nil {
				t.Fatal(err)
			}
			f.Steps = append(f.Steps, goldenStep{Diff: compact.Bytes(), HTML: m.HTML()})
		}
		return f
	}
	msgs, htmls := run(t, c.steps)
	for i, msg := range msgs {
		if msg == nil {
			continue // nothing changed: nothing is sent
		}
		f.Steps = append(f.Steps, goldenStep{Diff: msg, HTML: htmls[i]})
	}
	return f
}

func TestGoldenMerge(t *testing.T) {
	cases := goldenCases()
	if len(cases) < 25 {
		t.Fatalf("only %d golden cases", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			got := marshalGolden(c.file(t))
			path := filepath.Join("testdata", "merge", c.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./diff -run TestGoldenMerge -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the encoder's output; run with -update if intended\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
	// Every file in the directory belongs to a case: the JS tests load them all.
	files, err := filepath.Glob(filepath.Join("testdata", "merge", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !seen[name] {
			t.Errorf("stale golden file %s", f)
		}
	}
}

// TestGoldenFilesReplay replays every golden file through a fresh client model, the way the
// JS client's tests do, and checks each step's HTML.
func TestGoldenFilesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "merge", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 25 {
		t.Fatalf("only %d golden files", len(files))
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f goldenFile
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f.Name == "" || f.View == "" || len(f.Steps) == 0 {
			t.Fatalf("%s: incomplete file", path)
		}
		m := client.New()
		for i, s := range f.Steps {
			if i == 0 {
				err = m.Join(s.Diff)
			} else {
				err = m.Apply(s.Diff)
			}
			if err != nil {
				t.Fatalf("%s step %d: %v", path, i, err)
			}
			if m.HTML() != s.HTML {
				t.Errorf("%s step %d:\n got %s\nwant %s", path, i, m.HTML(), s.HTML)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }

func goldenCases() []goldenCase {
	counter := st("Count: ", ` <button phx-click="inc">+</button>`)
	p := st("<p>", "</p>")
	hello := st("Hello ", "!")
	login := st(`<a href="/login">Log in</a>`)
	ul := st("<ul>", "</ul>")
	li := st(`<li id="u`, `">`, `</li>`)
	div := st("<div>", "</div>")
	span := st("<span>", "</span>")
	em := st("<em>", "</em>")

	keyedItems := func(keyed bool, names ...string) *render.Rendered {
		var keys []string
		var es [][]render.Dynamic
		for _, n := range names {
			keys = append(keys, n)
			es = append(es, entry(str(n), str(strings.ToUpper(n))))
		}
		if !keyed {
			keys = nil
		}
		return node(ul, list(li, keys, es...))
	}
	seq := func(trees ...*render.Rendered) []step {
		out := make([]step, len(trees))
		for i, tr := range trees {
			out[i] = step{tree: tr}
		}
		return out
	}

	// A table: rows (keyed) of cells, each cell an if/else branch: nested comprehensions
	// whose statics travel once in the outer comprehension's p.
	table := st("<table>", "</table>")
	tr := st(`<tr id="r`, `">`, `</tr>`)
	td := st("<td>", "</td>")
	num := st(`<b>`, `</b>`)
	txt := st(`<i>`, `</i>`)
	cell := func(v string) render.Dynamic {
		if v != "" && v[0] >= '0' && v[0] <= '9' {
			return sub(node(num, str(v)))
		}
		return sub(node(txt, str(v)))
	}
	grid := func(keyed bool, rows ...[]string) *render.Rendered {
		var keys []string
		var es [][]render.Dynamic
		for _, r := range rows {
			var cells [][]render.Dynamic
			for _, c := range r[1:] {
				cells = append(cells, entry(cell(c)))
			}
			keys = append(keys, r[0])
			es = append(es, entry(str(r[0]), list(td, nil, cells...)))
		}
		if !keyed {
			keys = nil
		}
		return node(table, list(tr, keys, es...))
	}

	// Sneakers-like markup: a product list whose entries switch between a size form and
	// "coming soon".
	mainSt := st(`<main class="product-list">`, `</main>`)
	product := st(`<div class="product-listing" data-product-id="`, `"><h4>`, `</h4>`, `</div>`)
	form := st(`<form class="size-container">`, `</form>`)
	button := st(`<button class="size-container__entry--level-`, `" value="`, `"`, `>`, `</button>`)
	soon := st(`<h4 class="product-soon-`, `">coming soon...</h4>`)
	disabled := st(` disabled`)
	sizes := func(levels ...string) render.Dynamic {
		var es [][]render.Dynamic
		var keys []string
		for i, l := range levels {
			d := str("")
			if l == "out" {
				d = sub(node(disabled))
			}
			id := string(rune('a' + i))
			es = append(es, entry(str(l), str(id), d, str(id)))
			keys = append(keys, id)
		}
		return sub(node(form, list(button, keys, es...)))
	}
	shop := func(p1, p2 render.Dynamic) *render.Rendered {
		return node(mainSt, list(product, []string{"1", "2"},
			entry(str("1"), str("Hop"), p1),
			entry(str("2"), str("Breezy"), p2)))
	}
	soonD := func(id string) render.Dynamic { return sub(node(soon, str(id))) }

	// Components.
	mainD := st("<main><p>", " likes</p>", "</main>")
	card := st(`<div class="card"><h2>`, `</h2><button phx-click="like" phx-target="`, `">+ `, `</button></div>`)
	badge := st(`<span class="badge">`, `</span>`)
	cardTree := func(title, cidS, likes string) *render.Rendered {
		return node(card, str(title), str(cidS), str(likes))
	}
	cards := st("<section>", "</section>")
	cardItem := st(`<article>`, `</article>`)
	cardList := func(cids ...int) *render.Rendered {
		var es [][]render.Dynamic
		for _, c := range cids {
			es = append(es, entry(cid(c)))
		}
		return node(cards, list(cardItem, nil, es...))
	}
	listComps := func(likes string, cids ...int) Components {
		m := Components{}
		for _, c := range cids {
			m[c] = cardTree("Card "+string(rune('0'+c)), string(rune('0'+c)), likes)
		}
		return m
	}

	twoSlots := st("<h1>", "</h1><div>", "</div>")
	title := st("<title-less>", "</title-less>")

	return []goldenCase{
		{name: "counter", steps: seq(node(counter, str("0")), node(counter, str("1")), node(counter, str("2")), node(counter, str("43")))},
		{name: "if_else_switch", steps: seq(node(p, sub(node(login))), node(p, sub(node(hello, str("Ana")))), node(p, sub(node(hello, str("Bea")))), node(p, sub(node(login))))},
		{name: "if_without_else", steps: seq(node(p, sub(node(hello, str("Ana")))), node(p, str("")), node(p, sub(node(hello, str("Ana")))))},
		{name: "range_by_position", steps: seq(users(ul, li, false, [2]string{"1", "Ann"}, [2]string{"2", "Bob"}, [2]string{"3", "Cid"}), users(ul, li, false, [2]string{"3", "Cid"}, [2]string{"2", "Bobby"}, [2]string{"4", "Dee"}))},
		{name: "range_keyed_moves", steps: seq(users(ul, li, true, [2]string{"1", "Ann"}, [2]string{"2", "Bob"}, [2]string{"3", "Cid"}), users(ul, li, true, [2]string{"3", "Cid"}, [2]string{"2", "Bobby"}, [2]string{"4", "Dee"}))},
		{name: "range_keyed_move_and_change", steps: seq(users(ul, li, true, [2]string{"1", "Ann"}, [2]string{"2", "Bob"}, [2]string{"3", "Cid"}), users(ul, li, true, [2]string{"3", "Cy"}, [2]string{"2", "Bobby"}, [2]string{"4", "Dee"}))},
		{name: "range_keyed_reverse", steps: seq(keyedItems(true, "a", "b", "c", "d"), keyedItems(true, "d", "c", "b", "a"))},
		{name: "range_keyed_prepend", steps: seq(keyedItems(true, "b", "c"), keyedItems(true, "a", "b", "c"), keyedItems(true, "z", "a", "b", "c"))},
		{name: "range_keyed_delete_middle", steps: seq(keyedItems(true, "a", "b", "c", "d"), keyedItems(true, "a", "c", "d"), keyedItems(true, "a", "d"))},
		{name: "range_keyed_shuffle_insert_delete", steps: seq(keyedItems(true, "a", "b", "c", "d", "e"), keyedItems(true, "e", "x", "c", "a"), keyedItems(true, "c", "a", "e", "y", "x", "z"))},
		{name: "range_position_append_truncate", steps: seq(keyedItems(false, "a"), keyedItems(false, "a", "b", "c"), keyedItems(false, "a", "b"), keyedItems(false, "q", "b"))},
		{name: "range_empty_and_refill", steps: seq(keyedItems(true, "a", "b"), keyedItems(true), keyedItems(true, "c"), keyedItems(false), keyedItems(false, "d", "e"))},
		{name: "range_starts_empty", steps: seq(keyedItems(false), keyedItems(false, "a"), keyedItems(false))},
		{name: "nested_comprehensions_p", steps: seq(grid(false, []string{"1", "1", "x"}, []string{"2", "y", "2"}), grid(false, []string{"1", "1", "z"}, []string{"2", "y", "2"}, []string{"3", "a", "3", "c"}))},
		{name: "nested_comprehensions_keyed", steps: seq(grid(true, []string{"1", "1", "x"}, []string{"2", "y", "2"}, []string{"3", "q"}), grid(true, []string{"3", "7"}, []string{"1", "1", "x"}, []string{"4", "n", "m"}), grid(true, []string{"4", "n"}, []string{"3", "7", "8", "9"}))},
		{name: "nested_branch_switch_in_list", steps: seq(grid(false, []string{"1", "a", "b"}), grid(false, []string{"1", "1", "b"}), grid(false, []string{"1", "1", "2"}, []string{"2", "c"}))},
		{name: "drops_release_and_stock", steps: seq(
			shop(soonD("1"), soonD("2")),
			shop(soonD("1"), sizes("low", "medium", "out")),
			shop(soonD("1"), sizes("low", "low", "out")),
			shop(sizes("high", "out"), sizes("out", "low", "out")),
		)},
		{name: "component_join_and_component_only", steps: []step{
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: cardTree("Intro", "1", "0")}},
			{comps: Components{1: cardTree("Intro", "1", "1")}},
			{tree: node(mainD, str("1"), cid(1))},
		}},
		{name: "component_added_and_template_switch", steps: []step{
			{tree: node(mainD, str("0"), str(""))},
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: cardTree("New", "1", "0")}},
			{tree: node(mainD, str("0"), cid(2)), comps: Components{2: node(badge, str("two"))}},
			{comps: Components{1: node(badge, str("one"))}, tree: node(mainD, str("0"), cid(1))},
		}},
		{name: "top_template_switch_with_component", steps: []step{
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: cardTree("Intro", "1", "0")}},
			{tree: node(twoSlots, str("new root"), cid(1)), comps: Components{1: cardTree("Intro", "1", "0")}},
			{tree: node(twoSlots, str("new root"), cid(1)), comps: Components{1: cardTree("Intro", "1", "2")}},
		}},
		{name: "component_forgotten_and_revived", steps: []step{
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: cardTree("Intro", "1", "0")}},
			{tree: node(mainD, str("0"), str(""))},
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: cardTree("Intro", "1", "0")}, forget: []int{1}},
		}},
		{name: "component_off_page_gets_lists", steps: []step{
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: node(cards, list(cardItem, nil, entry(sub(node(em, str("a"))))))}},
			{tree: node(mainD, str("0"), str("")), comps: Components{1: node(cards, list(cardItem, nil, entry(sub(node(em, str("a")))), entry(sub(node(span, str("b"))))))}},
			{comps: Components{1: node(cards, list(cardItem, nil, entry(sub(node(span, str("c")))), entry(sub(node(em, str("d"))))))}},
			{tree: node(mainD, str("0"), cid(1)), comps: Components{1: node(cards, list(cardItem, nil, entry(sub(node(span, str("c")))), entry(sub(node(em, str("d")))), entry(sub(node(em, str("e"))))))}},
		}},
		{name: "components_in_list", steps: []step{
			{tree: cardList(1, 2), comps: listComps("0", 1, 2)},
			{tree: cardList(1, 2, 3), comps: listComps("1", 2, 3)},
			{tree: cardList(3, 1), comps: Components{1: cardTree("Card 1", "1", "5")}},
		}},
		{name: "title_and_events", steps: []step{
			{tree: node(counter, str("0")), x: &Extras{Title: ptr("Counter")}},
			{tree: node(counter, str("1")), x: &Extras{Title: ptr("Counter (1)"), Events: []Event{{Name: "js:flash", Payload: json.RawMessage(`{"msg":"<b>hi</b>"}`)}}}},
			{tree: node(counter, str("1")), x: &Extras{Events: []Event{{Name: "scroll", BeforePatch: true}}}},
		}},
		{name: "hook_reply", steps: []step{
			{tree: node(counter, str("0"))},
			{tree: node(counter, str("0")), x: &Extras{Reply: json.RawMessage(`{"ok":true}`)}},
			{tree: node(counter, str("1")), x: &Extras{Reply: json.RawMessage(`{"n": 1}`)}},
		}},
		{name: "string_node_switch", steps: seq(
			node(div, str("plain")),
			node(div, sub(node(span, str("in span")))),
			node(div, sub(node(em, str("emph")))),
			node(div, str("plain again")),
			node(div, keyedItems(false, "a").Dynamics[0]),
			node(div, sub(node(span, str("back")))),
		)},
		{name: "escaping", steps: seq(
			node(div, str(`"quoted" \back\slash <script>alert(1)</script> &amp;`)),
			node(div, str("line\nbreak\ttab\r\u2028\u2029 ünïcødé 🎉 \x01")),
			node(div, str("")),
		)},
		{name: "top_template_switch", steps: seq(node(counter, str("0")), node(twoSlots, str("a"), str("b")), node(twoSlots, str("a"), str("c")), node(title, str("x")))},
		{name: "multiple_slots_partial", steps: seq(node(twoSlots, str("a"), str("b")), node(twoSlots, str("a"), str("B")), node(twoSlots, str("A"), str("B")), node(twoSlots, str("A"), str("B")))},
		{name: "many_dynamics_key_order", steps: seq(
			node(st("", "", "", "", "", "", "", "", "", "", "", "", ""), str("0"), str("1"), str("2"), str("3"), str("4"), str("5"), str("6"), str("7"), str("8"), str("9"), str("10"), str("11")),
			node(st("", "", "", "", "", "", "", "", "", "", "", "", ""), str("0"), str("1"), str("2"), str("3"), str("4"), str("5"), str("6"), str("7"), str("8"), str("x"), str("y"), str("z")),
		)},
		// Forms the encoder never emits but a client must accept.
		{name: "raw_top_level_p", raw: []string{
			`{"0":{"s":0,"k":{"0":{"0":"1","1":"Ann"},"1":{"0":"2","1":"Bob"},"kc":2}},"s":1,"p":{"0":["<li id=\"u","\">","</li>"],"1":["<ul>","</ul>"]}}`,
			`{"0":{"k":{"1":{"1":"Bobby"},"kc":2}}}`,
		}},
		{name: "raw_component_statics_sharing", raw: []string{
			`{"0":1,"1":2,"s":["<div>","","</div>"],"c":{"1":{"0":"a","r":1,"s":["<p>","</p>"]},"2":{"0":"b","r":1,"s":1}}}`,
			`{"0":3,"1":2,"c":{"3":{"0":"c","s":-1},"2":{"0":"bb"}}}`,
		}},
		{name: "raw_inner_p_ignored_in_open_scope", raw: []string{
			`{"0":{"s":["<ol>","</ol>"],"k":{"0":{"0":{"s":0,"k":{"0":{"0":{"s":1}},"kc":1},"p":{"0":["wrong"],"1":["wrong"]}}},"kc":1},"p":{"0":["<li>","</li>"],"1":["ok"]}},"s":["",""]}`,
		}},
		{name: "raw_positional_partial_on_moved", raw: []string{
			`{"0":{"s":["<i>","</i>"],"k":{"0":{"0":"a"},"1":{"0":"b"},"2":{"0":"c"},"kc":3}},"s":["",""]}`,
			`{"0":{"k":{"0":2,"1":{"0":"B"},"2":[0,{"0":"A"}],"3":{"0":"d"},"kc":4,"km":true}}}`,
			`{"0":{"k":{"kc":1}}}`,
		}},
	}
}
