package render

import (
	"sync"
	"testing"
)

// TestConcurrentExecute runs one template from many goroutines, including the first
// execution (which escapes and compiles), under the race detector.
func TestConcurrentExecute(t *testing.T) {
	tm := Must(New("page").Parse(dropsTemplate))
	Must(tm.New("other").Parse(`{{range .Products}}{{template "row" .}}{{end}}{{define "row"}}<p title="{{.Name}}">{{.ID}}</p>{{end}}`))
	data := dropsData()
	want, err := execHTMLTemplateNamed(dropsTemplate, data)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				name := "page"
				if g%2 == 1 {
					name = "other"
				}
				r, err := tm.ExecuteTemplate(name, data)
				if err != nil {
					errs <- err.Error()
					return
				}
				if name == "page" && r.HTML(nil) != want {
					errs <- "output differs from html/template"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestConcurrentLookupAndExecute calls Lookup, Templates and DefinedTemplates while the
// looked-up templates execute for the first time, under the race detector; every
// goroutine must get the same *Template for a name.
func TestConcurrentLookupAndExecute(t *testing.T) {
	tm := Must(New("page").Parse(`{{range .}}{{template "row" .}}{{end}}{{define "row"}}<p title="{{.}}">{{.}}</p>{{end}}`))
	row := tm.Lookup("row")
	data := []string{"a", "<b>"}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for range 20 {
				name := []string{"page", "row"}[g%2]
				l := tm.Lookup(name)
				if name == "row" && l != row {
					errs <- "Lookup(row) gave another *Template"
					return
				}
				if _, err := l.Execute(data); err != nil && name == "page" {
					errs <- err.Error()
					return
				}
				if len(tm.Templates()) != 2 || tm.DefinedTemplates() == "" {
					errs <- "Templates or DefinedTemplates changed"
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
