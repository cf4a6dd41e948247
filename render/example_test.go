package render_test

import (
	"fmt"

	"github.com/glint-go/glint/render"
)

func ExampleTemplate_Execute() {
	t := render.Must(render.New("greeting").Parse(`<p title="{{.Title}}">Hello, {{.Name}}!</p>`))
	r, err := t.Execute(map[string]string{"Title": `"quoted"`, "Name": "<Gopher>"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.HTML(nil))
	fmt.Printf("statics %q\n", r.Statics.Parts())
	fmt.Printf("dynamics %q %q\n", r.Dynamics[0].Str, r.Dynamics[1].Str)
	// Output:
	// <p title="&#34;quoted&#34;">Hello, &lt;Gopher&gt;!</p>
	// statics ["<p title=\"" "\">Hello, " "!</p>"]
	// dynamics "&#34;quoted&#34;" "&lt;Gopher&gt;"
}

func ExampleNew() {
	t := render.New("list").Funcs(render.FuncMap{"double": func(n int) int { return 2 * n }})
	render.Must(t.Parse(`<ul>{{range .}}<li>{{double .}}</li>{{end}}</ul>`))
	r, err := t.Execute([]int{1, 2, 3})
	if err != nil {
		panic(err)
	}
	comp := r.Dynamics[0].Comp
	fmt.Println(r.HTML(nil))
	fmt.Printf("%d entries sharing statics %q\n", len(comp.Entries), comp.Statics.Parts())
	// Output:
	// <ul><li>2</li><li>4</li><li>6</li></ul>
	// 3 entries sharing statics ["<li>" "</li>"]
}

func ExampleTemplate_Parse() {
	t := render.New("page")
	_, err := t.Parse("<p>\n{{.Name</p>")
	fmt.Println(err)
	// Output:
	// template: page:2: bad character U+003C '<'
}

func ExampleRendered_HTML() {
	t := render.Must(render.New("drop").Parse(
		`{{if .Released}}<a href="{{.URL}}">buy</a>{{else}}<i>coming soon...</i>{{end}} {{markdown .Notes}}`))
	r, err := t.Execute(map[string]any{"Released": true, "URL": "javascript:alert(1)", "Notes": "**new** <script>x</script>"})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.HTML(nil))
	fmt.Println(r.Dynamics[0].Kind == render.KindTree)
	// Output:
	// <a href="#ZgotmplZ">buy</a> <p><strong>new</strong> <!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>
	//
	// true
}

// sizesPage is a view's data: its own user beside the catalog's shared snapshot.
type sizesPage struct {
	User  string
	Stock *render.Snapshot[[]string]
}

// A template called with a Snapshot renders once per snapshot: every page that shows the
// same snapshot holds the same tree, which a diff recognises without comparing it.
func ExampleSnapshot() {
	page := render.Must(render.New("page").Parse(
		`{{define "sizes"}}<ul>{{range .Value}}<li>{{.}}</li>{{end}}</ul>{{end}}` +
			`<p>Hello, {{.User}}</p>{{template "sizes" .Stock}}`))

	// One snapshot per version of the data, made by its source and shared by every reader.
	stock := render.NewSnapshot([]string{"8", "9", "10"})

	ann, err := page.Execute(sizesPage{User: "Ann", Stock: stock})
	if err != nil {
		panic(err)
	}
	bob, err := page.Execute(sizesPage{User: "Bob", Stock: stock}) // does not execute "sizes"
	if err != nil {
		panic(err)
	}
	fmt.Println(bob.HTML(nil))
	fmt.Println("one tree:", ann.Dynamics[1].Tree == bob.Dynamics[1].Tree, "shared:", bob.Dynamics[1].Shared())

	// The next version is another snapshot: rendered once more, for everyone.
	next := render.NewSnapshot([]string{"8", "10"})
	carl, err := page.Execute(sizesPage{User: "Carl", Stock: next})
	if err != nil {
		panic(err)
	}
	fmt.Println(carl.HTML(nil))
	// Output:
	// <p>Hello, Bob</p><ul><li>8</li><li>9</li><li>10</li></ul>
	// one tree: true shared: true
	// <p>Hello, Carl</p><ul><li>8</li><li>10</li></ul>
}
