package diff

import (
	"testing"

	"github.com/glint-go/glint/render"
)

// The worked examples of docs/protocol.md (Worked examples), byte for byte.

type wire struct {
	msg  string // expected message, "" for no message
	html string // expected client HTML after it
}

func checkWire(t *testing.T, steps []step, want []wire) {
	t.Helper()
	msgs, htmls := run(t, steps)
	for i := range want {
		if string(msgs[i]) != want[i].msg {
			t.Errorf("step %d message:\n got %s\nwant %s", i, msgs[i], want[i].msg)
		}
		if htmls[i] != want[i].html {
			t.Errorf("step %d HTML:\n got %s\nwant %s", i, htmls[i], want[i].html)
		}
	}
}

func counterTree(s *render.Statics, n string) *render.Rendered { return node(s, str(n)) }

func TestWorkedExampleA_Counter(t *testing.T) {
	s := st("Count: ", ` <button phx-click="inc">+</button>`)
	checkWire(t, []step{{tree: counterTree(s, "0")}, {tree: counterTree(s, "1")}, {tree: counterTree(s, "1")}}, []wire{
		{`{"0":"0","s":["Count: "," <button phx-click=\"inc\">+</button>"]}`, `Count: 0 <button phx-click="inc">+</button>`},
		{`{"0":"1"}`, `Count: 1 <button phx-click="inc">+</button>`},
		{``, `Count: 1 <button phx-click="inc">+</button>`}, // S9: nothing changed, nothing sent
	})
}

func TestWorkedExampleB_Branch(t *testing.T) {
	p := st("<p>", "</p>")
	in := st("Hello ", "!")
	out := st(`<a href="/login">Log in</a>`)
	loggedOut := node(p, sub(node(out)))
	as := func(name string) *render.Rendered { return node(p, sub(node(in, str(name)))) }
	checkWire(t, []step{{tree: loggedOut}, {tree: as("Ana")}, {tree: as("Bea")}, {tree: node(p, sub(node(out)))}, {tree: node(p, str(""))}}, []wire{
		{`{"0":{"s":["<a href=\"/login\">Log in</a>"]},"s":["<p>","</p>"]}`, `<p><a href="/login">Log in</a></p>`},
		{`{"0":{"0":"Ana","s":["Hello ","!"]}}`, `<p>Hello Ana!</p>`},
		{`{"0":{"0":"Bea"}}`, `<p>Hello Bea!</p>`},
		{`{"0":{"s":["<a href=\"/login\">Log in</a>"]}}`, `<p><a href="/login">Log in</a></p>`},
		{`{"0":""}`, `<p></p>`}, // an if without else turning false
	})
}

// users builds the list of example C; keyed sets Keys from the ids.
func users(ul, li *render.Statics, keyed bool, people ...[2]string) *render.Rendered {
	var keys []string
	var entries [][]render.Dynamic
	for _, p := range people {
		entries = append(entries, entry(str(p[0]), str(p[1])))
		keys = append(keys, p[0])
	}
	if !keyed {
		keys = nil
	}
	return node(ul, list(li, keys, entries...))
}

func TestWorkedExampleC_Range(t *testing.T) {
	ul := st("<ul>", "</ul>")
	li := st(`<li id="u`, `">`, `</li>`)
	const join = `{"0":{"s":["<li id=\"u","\">","</li>"],"k":{"0":{"0":"1","1":"Ann"},"1":{"0":"2","1":"Bob"},"2":{"0":"3","1":"Cid"},"kc":3}},"s":["<ul>","</ul>"]}`
	const joinHTML = `<ul><li id="u1">Ann</li><li id="u2">Bob</li><li id="u3">Cid</li></ul>`
	const afterHTML = `<ul><li id="u3">Cid</li><li id="u2">Bobby</li><li id="u4">Dee</li></ul>`
	old := [][2]string{{"1", "Ann"}, {"2", "Bob"}, {"3", "Cid"}}
	next := [][2]string{{"3", "Cid"}, {"2", "Bobby"}, {"4", "Dee"}}
	t.Run("by position", func(t *testing.T) {
		checkWire(t, []step{{tree: users(ul, li, false, old...)}, {tree: users(ul, li, false, next...)}}, []wire{
			{join, joinHTML},
			{`{"0":{"k":{"0":{"0":"3","1":"Cid"},"1":{"1":"Bobby"},"2":{"0":"4","1":"Dee"},"kc":3}}}`, afterHTML},
		})
	})
	t.Run("by key", func(t *testing.T) {
		checkWire(t, []step{{tree: users(ul, li, true, old...)}, {tree: users(ul, li, true, next...)}}, []wire{
			{join, joinHTML},
			{`{"0":{"k":{"0":2,"1":{"1":"Bobby"},"2":{"0":"4","1":"Dee"},"kc":3,"km":true}}}`, afterHTML},
		})
	})
	t.Run("by key, moved and changed", func(t *testing.T) {
		renamed := [][2]string{{"3", "Cy"}, {"2", "Bobby"}, {"4", "Dee"}}
		checkWire(t, []step{{tree: users(ul, li, true, old...)}, {tree: users(ul, li, true, renamed...)}}, []wire{
			{join, joinHTML},
			{`{"0":{"k":{"0":[2,{"1":"Cy"}],"1":{"1":"Bobby"},"2":{"0":"4","1":"Dee"},"kc":3,"km":true}}}`, `<ul><li id="u3">Cy</li><li id="u2">Bobby</li><li id="u4">Dee</li></ul>`},
		})
	})
	for _, keyed := range []bool{false, true} {
		checkWire(t, []step{{tree: users(ul, li, keyed, old...)}, {tree: users(ul, li, keyed, old[:2]...)}, {tree: users(ul, li, keyed)}}, []wire{
			{join, joinHTML},
			{`{"0":{"k":{"kc":2}}}`, `<ul><li id="u1">Ann</li><li id="u2">Bob</li></ul>`},
			{`{"0":{"k":{"kc":0}}}`, `<ul></ul>`},
		})
	}
}

func TestWorkedExampleD_Component(t *testing.T) {
	main := st("<main><p>", " likes</p>", "</main>")
	card := st(`<div class="card"><h2>`, `</h2><button phx-click="like" phx-target="`, `">+ `, `</button></div>`)
	cardTree := func(likes string) *render.Rendered { return node(card, str("Intro"), str("1"), str(likes)) }
	parent := func(total string) *render.Rendered { return node(main, str(total), cid(1)) }
	const cardHTML = `<div data-phx-component="1" class="card"><h2>Intro</h2><button phx-click="like" phx-target="1">+ `
	checkWire(t, []step{
		{tree: parent("0"), comps: Components{1: cardTree("0")}},
		{comps: Components{1: cardTree("1")}},
		{tree: parent("1")},
		{tree: parent("1"), comps: Components{1: cardTree("1")}},
	}, []wire{
		{`{"0":"0","1":1,"s":["<main><p>"," likes</p>","</main>"],"c":{"1":{"0":"Intro","1":"1","2":"0","r":1,"s":["<div class=\"card\"><h2>","</h2><button phx-click=\"like\" phx-target=\"","\">+ ","</button></div>"]}}}`,
			`<main><p>0 likes</p>` + cardHTML + `0</button></div></main>`},
		{`{"c":{"1":{"2":"1"}}}`, `<main><p>0 likes</p>` + cardHTML + `1</button></div></main>`},
		{`{"0":"1"}`, `<main><p>1 likes</p>` + cardHTML + `1</button></div></main>`},
		{``, `<main><p>1 likes</p>` + cardHTML + `1</button></div></main>`},
	})
}
