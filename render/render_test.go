package render

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"iter"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// person exercises fields, value and pointer methods, methods with arguments and methods
// returning errors.
type person struct {
	Name    string
	Age     int
	Tags    []string
	Friend  *person
	Meta    map[string]any
	private string
}

func (p person) Greeting() string             { return "Hi, " + p.Name }
func (p *person) Shout() string               { return strings.ToUpper(p.Name) }
func (p person) Plus(n int) int               { return p.Age + n }
func (p person) Checked(ok bool) (int, error) { return p.Age, errIf(ok) }
func (p person) Panics() string               { panic("boom") }

func errIf(ok bool) error {
	if ok {
		return nil
	}
	return errors.New("not ok")
}

// keyed is a range item with a stable identity.
type keyed struct {
	ID   int
	Name string
}

func (k keyed) Key() string { return fmt.Sprint("k", k.ID) }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { panic("marshal panicked") }

type errJSON struct{}

func (errJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("marshal failed") }

type stringer struct{ s string }

func (s stringer) String() string { return "<" + s.s + ">" }

func testFuncs() FuncMap {
	return FuncMap{
		"upper": strings.ToUpper,
		"join":  strings.Join,
		"fail":  func() (string, error) { return "", errors.New("func failed") },
		"boom":  func() string { panic("func panicked") },
		"pair":  func(a, b int) []int { return []int{a, b} },
		"seq": func(n int) iter.Seq[int] {
			return func(yield func(int) bool) {
				for i := range n {
					if !yield(i * 10) {
						return
					}
				}
			}
		},
		"seq2": func() iter.Seq2[string, int] {
			return func(yield func(string, int) bool) {
				_ = yield("a", 1) && yield("b", 2)
			}
		},
	}
}

func testData() map[string]any {
	ch := make(chan string, 3)
	ch <- "x"
	ch <- "<y>"
	close(ch)
	bob := &person{Name: "Bob <b>", Age: 41, Tags: []string{"a", "b&c"}}
	return map[string]any{
		"Str":     `He said "hi" & <left> 'quickly' + more`,
		"Int":     42,
		"Neg":     -7,
		"Float":   3.5,
		"Bool":    true,
		"Nil":     nil,
		"NilPtr":  (*person)(nil),
		"Alice":   person{Name: "Alice", Age: 30, Tags: []string{"x"}, Friend: bob, Meta: map[string]any{"k": "v"}},
		"Bob":     bob,
		"List":    []string{"one", "<two>", "three"},
		"Empty":   []string{},
		"Map":     map[string]int{"z": 1, "a": 2, "m": 3},
		"IntMap":  map[int]string{3: "c", 1: "a", 2: "b"},
		"Chan":    ch,
		"Keyed":   []keyed{{1, "a"}, {2, "b"}},
		"Iface":   any(stringer{"s"}),
		"URL":     "javascript:alert(1)",
		"GoodURL": "https://example.com/a b?q=1&r=<2>",
		"HTML":    htmltemplate.HTML("<b>bold</b>"),
		"Attr":    htmltemplate.HTMLAttr(`data-x="1"`),
		"SafeURL": htmltemplate.URL("javascript:ok()"),
		"JS":      htmltemplate.JS("alert(1)"),
		"JSStr":   htmltemplate.JSStr(`it\'s`),
		"CSS":     htmltemplate.CSS("color: red"),
		"Srcset":  htmltemplate.Srcset("a.png 1x, b.png 2x"),
		"Deep":    []map[string][]int{{"a": {1, 2}}, {"b": {3}}},
	}
}

// cases are checked against html/template: same output, or an error from both.
var cases = []struct{ name, text string }{
	{"text", `<p>{{.Str}}</p>`},
	{"numbers", `{{.Int}} {{.Neg}} {{.Float}} {{.Bool}} {{.Nil}} {{.NilPtr}}`},
	{"missing key", `[{{.Nope}}] [{{.Alice.Meta.nope}}]`},
	{"fields and methods", `{{.Alice.Name}} {{.Alice.Greeting}} {{.Bob.Shout}} {{.Alice.Plus 3}} {{.Alice.Friend.Name}} {{.Alice.Friend.Greeting}}`},
	{"pointer method on addressable value", `{{with .Keyed}}{{range .}}{{.Name}}{{end}}{{end}}{{$p := .Alice}}{{$p.Greeting}}`},
	{"method returning value and error", `{{.Alice.Checked true}}`},
	{"variables", `{{$x := .Int}}{{$y := "s"}}{{$x}}{{$y}}{{$x = 7}}{{$x}}{{range .List}}{{$x}}{{$.Int}}{{end}}`},
	{"pipelines", `{{.Str | printf "%.5s" | upper}} {{"a" | printf "%s-%s" "b"}} {{join .List ", "}}`},
	{"parenthesized", `{{printf "%d" (len .List)}} {{(index .List 1)}} {{(.Alice).Name}}`},
	{"if else if", `{{if .Nil}}a{{else if .Empty}}b{{else if .List}}c{{.Int}}{{else}}d{{end}}|{{if false}}x{{end}}|`},
	{"with else", `{{with .Alice}}{{.Name}}{{else}}none{{end}} {{with .Nope}}x{{else}}none{{end}} {{with $x := .Int}}{{$x}}{{end}}`},
	{"with else with", `{{with .Nope}}a{{else with .Int}}{{.}}{{end}}`},
	{"range slice", `<ul>{{range $i, $v := .List}}<li id="i{{$i}}">{{$v}}</li>{{end}}</ul>`},
	{"range else", `{{range .Empty}}x{{else}}<i>empty</i>{{end}}{{range .Nope}}x{{else}}nil{{end}}`},
	{"range map sorted", `{{range $k, $v := .Map}}{{$k}}={{$v}};{{end}} {{range .IntMap}}{{.}}{{end}}`},
	{"range int", `{{range 4}}{{.}}{{end}} {{range $i := 3}}[{{$i}}]{{end}}{{range 0}}x{{else}}zero{{end}}`},
	{"range array", `{{range $i, $v := .Array}}{{$i}}:{{$v}} {{end}}`},
	{"range assign form", `{{$i := 0}}{{$v := ""}}{{range $i, $v = .List}}{{end}}{{$i}}={{$v}}`},
	{"and or short-circuit", `{{and false (fail)}} {{or true (fail)}} {{and 1 "x"}} {{or 0 ""}}`},
	{"variable scope", `{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}{{with .Int}}{{$x = .}}{{end}}{{$x}}`},
	{"range chan", `{{range .Chan}}({{.}}){{end}}`},
	{"range iter seq", `{{range seq 3}}{{.}},{{end}} {{range $k, $v := seq2}}{{$k}}{{$v}}{{end}} {{range seq2}}{{.}}{{end}}`},
	{"break continue", `{{range .List}}{{if eq . "<two>"}}{{continue}}{{end}}[{{.}}]{{end}}|{{range .List}}a{{if eq . "<two>"}}B{{break}}C{{end}}d{{.}}e{{end}}`},
	{"nested break", `{{range $i, $r := .Deep}}{{range $k, $v := .}}{{range $v}}{{if eq . 2}}{{break}}{{end}}<{{.}}>{{end}}{{end}}{{if $i}}{{break}}{{end}}#{{end}}end`},
	{"break in range else", `{{range .List}}{{range $.Empty}}x{{else}}E{{break}}F{{end}}G{{end}}H`},
	{"continue in range else", `{{range .List}}{{range $.Empty}}x{{else}}E{{continue}}F{{end}}G{{end}}H`},
	{"define template block", `{{define "item"}}<b>{{.}}</b>{{end}}{{range .List}}{{template "item" .}}{{end}}{{block "blk" .Int}}[{{.}}]{{end}}`},
	{"recursive template", `{{define "tree"}}{{.Name}}{{with .Friend}}({{template "tree" .}}){{end}}{{end}}{{template "tree" .Alice}}`},
	{"comments and trim", `a  {{- /* comment */ -}}  b {{- .Int -}} c {{/* x */}} d`},
	{"builtins", `{{and 1 0 2}} {{or 0 "" "x"}} {{not .Bool}} {{len .Map}} {{index .Deep 0 "a" 1}} {{slice "abcdef" 1 3}} {{print 1 2 "x"}} {{println "a"}} {{html "<a>"}} {{js "a'b"}} {{urlquery "a b&c"}}`},
	{"comparisons", `{{eq .Int 42}} {{eq 1 2 3 1}} {{ne "a" "b"}} {{lt 1 2}} {{le 2 2}} {{gt 1.5 1.0}} {{ge "b" "a"}} {{eq .Nil nil}}`},
	{"call", `{{call .Fn 2 3}}`},
	{"interface", `{{.Iface}} {{printf "%v" .Iface}}`},
	{"attr quoted", `<a title="{{.Str}}" class='{{.Str}}'>x</a>`},
	{"attr unquoted", `<a title={{.Str}}>x</a>`},
	{"attr name", `<a {{.Attr}}>x</a><a {{.Str}}="v">y</a>`},
	{"url attrs", `<a href="{{.URL}}">1</a><a href="{{.GoodURL}}">2</a><a href="/p?q={{.Str}}">3</a><a href="{{.SafeURL}}">4</a>`},
	{"srcset", `<img srcset="{{.Srcset}}"><img srcset="{{.GoodURL}} 2x">`},
	{"css", `<style>p { color: {{.Str}}; } a { {{.CSS}} }</style><p style="color: {{.CSS}}">x</p>`},
	{"js", `<script>var a = {{.Str}}, b = "{{.Str}}", c = {{.List}}, d = {{.Alice}}, e = {{.JS}}, f = '{{.JSStr}}';</script>`},
	{"js template literal and regexp", "<script>var t = `a ${ {{.Int}} } {{.Str}}`; var r = /{{.Str}}/;</script>"},
	{"on attr", `<button onclick="go({{.Str}}, {{.Int}})">x</button>`},
	{"rcdata", `<title>{{.Str}}</title><textarea>{{.HTML}}</textarea>`},
	{"html comment stripped", `<p>a<!-- {{.Str}} -->b</p>`},
	{"typed html", `<div>{{.HTML}}</div><p title="{{.HTML}}">x</p>`},
	{"template call in attr context", `{{define "v"}}{{.}}{{end}}<a title="{{template "v" .Str}}" href="{{template "v" .URL}}">x</a><script>var x = {{template "v" .Str}};</script>`},
	{"nil pointer field", `{{.NilPtr.Name}}`},
	{"value method on nil pointer", `{{.NilPtr.Greeting}}`},
	{"pointer method on nil pointer", `{{.NilPtr.Shout}}`},
	{"method through interface", `{{.Iface.String}}`},
	{"missing method", `{{.Alice.Nope}}`},
	{"func error", `{{fail}}`},
	{"method error", `{{.Alice.Checked false}}`},
	{"func panic", `{{boom}}`},
	{"method panic", `{{.Alice.Panics}}`},
	{"index out of range", `{{index .List 9}}`},
	{"wrong arg type", `{{.Alice.Plus "x"}}`},
	{"unexported field", `{{.Alice.private}}`},
	{"bad comparison", `{{lt .Bool 1}}`},
	{"range over string", `{{range .Str}}x{{end}}`},
	{"unsafe end context", `<a href="{{.URL}}`},
	{"undefined template", `{{template "nope" .}}`},
	{"json marshal panics", `<script>var x = {{.BadJSON}};</script>`},
	{"json marshal error", `<script>var x = {{.ErrJSON}};</script>`},
	{"stringer", `<p title="{{.Stringer}}">{{.Stringer}}</p><script>var s = {{.Stringer}};</script>`},
	{"component ref outside text", `<p title="{{.Comp}}" data-x={{.Comp}}>x</p><script>var c = {{.Comp}};</script>`},
	{"predefined escapers", `{{.Str | html}} {{html .Str}} <a href="/?q={{.Str | urlquery}}">x</a> <a href="/?q={{urlquery .Str "b"}}">y</a> {{.Str | js}}`},
	{"chains and nospace", `<a href=/p/{{.Str}} title={{.Int}} class={{.Neg}}>x</a><a href="{{.GoodURL}}?x={{.Int}}#{{.Str}}">y</a>`},
	{"url chains with specials", `<a href="{{.Str}}">a</a><a href='mailto:{{.Str}}'>b</a><a href="?{{.Str}}#{{.Str}}">c</a><img src="{{.Str}}" srcset="{{.Str}} 1x">`},
	{"css url", `<p style="background: url({{.GoodURL}})">x</p><style>a { background: url('{{.URL}}') }</style>`},
	{"attr of unknown type", `<input value="{{.Int}}" data-a="{{.Float}}" onfocus="f({{.Map}})">`},
	{"typed in wrong context", `<p title="{{.JS}}" onclick="{{.HTML}}">{{.URL}}{{.CSS}}</p>`},
}

func dataWithFn() map[string]any {
	d := testData()
	d["Fn"] = func(a, b int) int { return a * b }
	return d
}

func TestMatchesHTMLTemplate(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, wantErr := execHTMLTemplate(c.text, dataWithFn())
			r, gotErr := executeRender(c.text, dataWithFn())
			if (wantErr != nil) != (gotErr != nil) {
				t.Fatalf("errors differ:\nhtml/template: %v\nrender:        %v", wantErr, gotErr)
			}
			if wantErr != nil {
				if wantErr.Error() != gotErr.Error() {
					t.Errorf("error text differs:\nhtml/template: %v\nrender:        %v", wantErr, gotErr)
				}
				return
			}
			if got := r.HTML(nil); got != want {
				t.Fatalf("output differs:\nhtml/template: %q\nrender:        %q", want, got)
			}
		})
	}
}

func execHTMLTemplate(text string, data any) (string, error) {
	fm := testFuncs()
	fm["markdown"] = markdown
	ht, err := htmltemplate.New("t").Funcs(fm).Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = ht.Execute(&b, data)
	return b.String(), err
}

func execHTMLTemplateNamed(text string, data any) (string, error) {
	ht, err := htmltemplate.New("page").Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = ht.Execute(&b, data)
	return b.String(), err
}

func executeRender(text string, data any) (*Rendered, error) {
	t, err := New("t").Funcs(testFuncs()).Parse(text)
	if err != nil {
		return nil, err
	}
	return t.Execute(data)
}

// TestCalleeExecutedDirectly: a template that escapes fine when called may not when
// executed directly, as html/template decides.
func TestCalleeExecutedDirectly(t *testing.T) {
	const text = `{{define "X"}}<a href="{{.}}{{end}}{{define "Y"}}{{template "X" .}}">x</a>{{end}}`
	ht := htmltemplate.Must(htmltemplate.New("t").Parse(text))
	tm := Must(New("t").Parse(text))
	for _, name := range []string{"Y", "X", "Y"} {
		checkSame(t, ht, tm, name)
	}
	// The other order: X fails as html/template says; html/template then panics
	// executing Y (it drops X's tree), while render executes Y, escaped.
	ht = htmltemplate.Must(htmltemplate.New("t").Parse(text))
	tm = Must(New("t").Parse(text))
	checkSame(t, ht, tm, "X")
	r, err := tm.ExecuteTemplate("Y", `"><script>`)
	if err != nil || r.HTML(nil) != `<a href="%22%3e%3cscript%3e">x</a>` {
		t.Fatalf("Y after X failed: %v %q", err, r.HTML(nil))
	}
}

func checkSame(t *testing.T, ht *htmltemplate.Template, tm *Template, name string) {
	t.Helper()
	{
		var want strings.Builder
		wantErr := ht.ExecuteTemplate(&want, name, "v")
		r, err := tm.ExecuteTemplate(name, "v")
		if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("%s: render %v, html/template %v", name, err, wantErr)
		}
		if err == nil && r.HTML(nil) != want.String() {
			t.Fatalf("%s: render %q, html/template %q", name, r.HTML(nil), want.String())
		}
	}
}

func TestMissingKeyOption(t *testing.T) {
	data := map[string]map[string]int{"M": {"a": 1}}
	for _, opt := range []string{"missingkey=default", "missingkey=invalid", "missingkey=zero", "missingkey=error"} {
		t.Run(opt, func(t *testing.T) {
			const text = `[{{.M.a}}][{{.M.b}}]`
			ht := htmltemplate.Must(htmltemplate.New("t").Option(opt).Parse(text))
			var want strings.Builder
			wantErr := ht.Execute(&want, data)
			r, err := Must(New("t").Option(opt).Parse(text)).Execute(data)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("errors differ: html/template %v, render %v", wantErr, err)
			}
			if err != nil {
				if err.Error() != wantErr.Error() {
					t.Fatalf("error text: html/template %q, render %q", wantErr, err)
				}
				return
			}
			if got := r.HTML(nil); got != want.String() {
				t.Fatalf("got %q, want %q", got, want.String())
			}
		})
	}
}

func TestDelims(t *testing.T) {
	tm := Must(New("t").Delims("[[", "]]").Parse(`<p title="[[.]]">[[.]] {{.}}</p>`))
	r, err := tm.Execute("<x>")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.HTML(nil), `<p title="&lt;x&gt;">&lt;x&gt; {{.}}</p>`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
