package render

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseFS(t *testing.T) {
	fsys := fstest.MapFS{
		"views/page.html":   {Data: []byte(`{{define "page"}}<h1>{{.}}</h1>{{template "footer.html" .}}{{end}}`)},
		"views/footer.html": {Data: []byte(`<footer>{{.}}</footer>`)},
		"other/skip.txt":    {Data: []byte(`not parsed`)},
	}
	tm, err := ParseFS(fsys, "views/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if tm.Name() != "footer.html" {
		t.Fatalf("name %q, want the first match's base name", tm.Name())
	}
	r, err := tm.ExecuteTemplate("page", "<x>")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.HTML(nil), `<h1>&lt;x&gt;</h1><footer>&lt;x&gt;</footer>`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := ParseFS(fsys, "nothing/*.html"); err == nil || !strings.Contains(err.Error(), "pattern matches no files") {
		t.Fatalf("no match: %v", err)
	}
}

func TestParseFilesAndGlob(t *testing.T) {
	tm, err := New("site").ParseFiles("testdata/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.ParseGlob("testdata/glob/*.html"); err != nil {
		t.Fatal(err)
	}
	r, err := tm.ExecuteTemplate("layout", map[string]string{"Title": "T&C", "Message": "hi"})
	if err != nil {
		t.Fatal(err)
	}
	want := `<html><head><title>Page: T&amp;C</title></head><body><p>hi</p></body></html>`
	if got := r.HTML(nil); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	for _, name := range []string{"layout", "title", "content"} {
		if tm.Lookup(name) == nil || !strings.Contains(tm.DefinedTemplates(), `"`+name+`"`) {
			t.Errorf("template %q missing: %s", name, tm.DefinedTemplates())
		}
	}
	if strings.Contains(tm.DefinedTemplates(), wrapperPrefix) || tm.Lookup(wrapperPrefix+"layout") != nil {
		t.Error("escape wrappers are visible")
	}
	g, err := ParseGlob("testdata/glob/*.html")
	if err != nil || g.Name() != "page.html" {
		t.Fatalf("ParseGlob: %v, name %q", err, g.Name())
	}
	f, err := ParseFiles("testdata/layout.html")
	if err != nil || f.Name() != "layout.html" || f.Lookup("layout") == nil {
		t.Fatalf("ParseFiles: %v", err)
	}
	if _, err := ParseFiles(); err == nil {
		t.Fatal("ParseFiles with no files succeeded")
	}
}

func TestNewAssociatesTemplates(t *testing.T) {
	root := New("root")
	Must(root.New("a").Parse(`<a>{{.}}</a>`))
	Must(root.Parse(`{{template "a" .}}!`))
	r, err := root.Execute(1)
	if err != nil || r.HTML(nil) != "<a>1</a>!" {
		t.Fatalf("%v %v", r, err)
	}
	if root.Lookup("a").Name() != "a" || root.Lookup("zz") != nil {
		t.Fatal("Lookup")
	}
	names := map[string]bool{}
	for _, tm := range root.Templates() {
		names[tm.Name()] = true
	}
	if len(names) != 2 || !names["root"] || !names["a"] {
		t.Fatalf("Templates after Execute: %v", names)
	}
}

func TestClone(t *testing.T) {
	layout := Must(New("layout").Parse(`<main>{{template "body" .}}</main>{{define "body"}}default{{end}}`))
	a := Must(Must(layout.Clone()).Parse(`{{define "body"}}<a>{{.}}</a>{{end}}`))
	b := Must(Must(layout.Clone()).Parse(`{{define "body"}}<b title="{{.}}">b</b>{{end}}`))
	for _, tt := range []struct {
		t    *Template
		want string
	}{
		{a, "<main><a>&lt;x&gt;</a></main>"},
		{b, `<main><b title="&lt;x&gt;">b</b></main>`},
		{layout, "<main>default</main>"},
	} {
		r, err := tt.t.Execute("<x>")
		if err != nil || r.HTML(nil) != tt.want {
			t.Fatalf("got %v %v, want %q", r, err, tt.want)
		}
	}
	if _, err := layout.Clone(); err == nil {
		t.Fatal("Clone after Execute succeeded")
	}
}
