package conformance

import (
	"fmt"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// TestDropsMarkup checks that the corpus's /drops template (also the benchmark's) renders
// the hooks the demo's page relies on, through render, so the benchmark measures the real page.
func TestDropsMarkup(t *testing.T) {
	var text string
	for _, c := range loadCorpus(t) {
		if c.name == "drops" {
			text = c.text
			break
		}
	}
	if text == "" {
		t.Fatal("no drops case in the corpus")
	}
	tmpl := render.Must(render.New("drops").Funcs(funcs()).Parse(text))
	for _, tc := range []struct {
		name     string
		page     DropsPage
		released []bool
	}{
		{"none released", dropsPage(false, false), []bool{false, false}},
		{"second released", dropsPage(false, true), []bool{false, true}},
		{"both released", dropsPage(true, true), []bool{true, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tree, err := tmpl.Execute(tc.page)
			if err != nil {
				t.Fatal(err)
			}
			html := tree.HTML(nil)
			if !strings.Contains(html, `<main class="product-list">`) {
				t.Error(`no <main class="product-list">`)
			}
			if n := strings.Count(html, `<div class="product-listing" data-product-id="`); n != 2 {
				t.Errorf("%d product listings, want 2", n)
			}
			for i, p := range tc.page.Products {
				soon := fmt.Sprintf(`<h4 class="product-soon-%d">coming soon...</h4>`, p.ID)
				if got := strings.Contains(html, soon); got == tc.released[i] {
					t.Errorf("product %d: coming soon shown=%v, released=%v", p.ID, got, tc.released[i])
				}
				for _, it := range p.Items {
					button := fmt.Sprintf(`size-container__entry--level-%s" name="item_id" value="%d"`, it.Level(), it.ID)
					if got := strings.Contains(html, button); got != tc.released[i] {
						t.Errorf("item %d: button shown=%v, released=%v", it.ID, got, tc.released[i])
					}
					disabled := button + ` disabled>` + it.Size + `</button>`
					if tc.released[i] && strings.Contains(html, disabled) != (it.Level() == "out") {
						t.Errorf("item %d (level %s): disabled attribute wrong", it.ID, it.Level())
					}
				}
			}
		})
	}
	// The fixture has every level, so the test above saw each form of the button.
	levels := map[string]bool{}
	for _, p := range dropsPage(true, true).Products {
		for _, it := range p.Items {
			levels[it.Level()] = true
		}
	}
	for _, l := range []string{"out", "low", "medium", "high"} {
		if !levels[l] {
			t.Errorf("fixture has no item at level %s", l)
		}
	}
}
