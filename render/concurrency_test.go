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
