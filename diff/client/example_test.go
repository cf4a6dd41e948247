package client_test

import (
	"fmt"

	"github.com/glint-go/glint/diff/client"
)

func ExampleModel() {
	m := client.New()
	join := `{"0":{"s":["<li id=\"u","\">","</li>"],"k":{"0":{"0":"1","1":"Ann"},"1":{"0":"2","1":"Bob"},"kc":2}},"s":["<ul>","</ul>"],"t":"Users"}`
	if err := m.Join([]byte(join)); err != nil {
		panic(err)
	}
	fmt.Println(m.Title(), m.HTML())

	// Bob moves to the front and is renamed; Ann is dropped.
	if err := m.Apply([]byte(`{"0":{"k":{"0":[1,{"1":"Bobby"}],"kc":1,"km":true}}}`)); err != nil {
		panic(err)
	}
	fmt.Println(m.HTML())
	// Output:
	// Users <ul><li id="u1">Ann</li><li id="u2">Bob</li></ul>
	// <ul><li id="u2">Bobby</li></ul>
}

func ExampleModel_components() {
	m := client.New()
	if err := m.Join([]byte(`{"0":1,"s":["<main>","</main>"],"c":{"1":{"0":"0","r":1,"s":["<div class=\"card\">"," likes</div>"]}}}`)); err != nil {
		panic(err)
	}
	if err := m.Apply([]byte(`{"c":{"1":{"0":"1"}}}`)); err != nil {
		panic(err)
	}
	html, _ := m.ComponentHTML(1)
	fmt.Println(m.ComponentOnly(), html)
	fmt.Println(m.HTML())
	// Output:
	// true <div data-phx-component="1" class="card">1 likes</div>
	// <main><div data-phx-component="1" class="card">1 likes</div></main>
}
