package diff_test

import (
	"fmt"

	"github.com/glint-go/glint/diff"
	"github.com/glint-go/glint/diff/client"
	"github.com/glint-go/glint/render"
)

func ExampleEncoder() {
	tpl := render.Must(render.New("counter").Parse(`Count: {{.}} <button phx-click="inc">+</button>`))
	var enc diff.Encoder
	buf := make([]byte, 0, 512)

	tree, _ := tpl.Execute(0)
	buf, _ = enc.Join(buf[:0], tree, nil, nil)
	fmt.Printf("join: %s\n", buf)

	tree, _ = tpl.Execute(1)
	buf, changed, _ := enc.Update(buf[:0], tree, nil, nil)
	fmt.Printf("diff: %s %v\n", buf, changed)

	tree, _ = tpl.Execute(1)
	buf, changed, _ = enc.Update(buf[:0], tree, nil, nil)
	fmt.Printf("again: %q %v\n", buf, changed)
	// Output:
	// join: {"0":"0","s":["Count: "," <button phx-click=\"inc\">+</button>"]}
	// diff: {"0":"1"} true
	// again: "" false
}

type user struct{ ID, Name string }

// Key makes a range over users keyed, so that diffs express moves.
func (u user) Key() string { return u.ID }

func ExampleEncoder_keyed() {
	tpl := render.Must(render.New("users").Parse(`<ul>{{range .}}<li id="u{{.ID}}">{{.Name}}</li>{{end}}</ul>`))
	var enc diff.Encoder
	tree, _ := tpl.Execute([]user{{"1", "Ann"}, {"2", "Bob"}, {"3", "Cid"}})
	if _, err := enc.Join(nil, tree, nil, nil); err != nil {
		panic(err)
	}
	tree, _ = tpl.Execute([]user{{"3", "Cid"}, {"2", "Bobby"}, {"4", "Dee"}})
	out, _, _ := enc.Update(nil, tree, nil, nil)
	fmt.Printf("%s\n", out)
	// Output:
	// {"0":{"k":{"0":2,"1":{"1":"Bobby"},"2":{"0":"4","1":"Dee"},"kc":3,"km":true}}}
}

func ExampleEncoder_components() {
	page := render.Must(render.New("page").Parse(`<main>{{.}}</main>`))
	card := render.Must(render.New("card").Parse(`<div class="card">{{.}} likes</div>`))
	var enc diff.Encoder

	tree, _ := page.Execute(render.ComponentRef(1))
	c, _ := card.Execute(0)
	out, _ := enc.Join(nil, tree, diff.Components{1: c}, nil)
	fmt.Printf("%s\n", out)

	// An event handled by the component re-renders only the component.
	c, _ = card.Execute(1)
	out, _, _ = enc.Update(nil, nil, diff.Components{1: c}, nil)
	fmt.Printf("%s\n", out)
	// Output:
	// {"0":1,"s":["<main>","</main>"],"c":{"1":{"0":"0","r":1,"s":["<div class=\"card\">"," likes</div>"]}}}
	// {"c":{"1":{"0":"1"}}}
}

func ExampleEncoder_extras() {
	tpl := render.Must(render.New("t").Parse(`{{.}}`))
	var enc diff.Encoder
	tree, _ := tpl.Execute("x")
	title := "Sneakers23"
	out, _ := enc.Join(nil, tree, nil, &diff.Extras{Title: &title})
	fmt.Printf("%s\n", out)
	out, _, _ = enc.Update(nil, nil, nil, &diff.Extras{Events: []diff.Event{{Name: "highlight", Payload: []byte(`{"id":"u1"}`)}}})
	fmt.Printf("%s\n", out)
	// Output:
	// {"0":"x","s":["",""],"t":"Sneakers23"}
	// {"e":[["highlight",{"id":"u1"}]]}
}

func Example_clientModel() {
	m := client.New()
	if err := m.Join([]byte(`{"0":"0","s":["Count: "," <button phx-click=\"inc\">+</button>"]}`)); err != nil {
		panic(err)
	}
	if err := m.Apply([]byte(`{"0":"1"}`)); err != nil {
		panic(err)
	}
	fmt.Println(m.HTML())
	fmt.Println(m.Apply([]byte(`{"0":{"k":{"0":7,"kc":1}}}`)) != nil, m.HTML())
	// Output:
	// Count: 1 <button phx-click="inc">+</button>
	// true Count: 1 <button phx-click="inc">+</button>
}
