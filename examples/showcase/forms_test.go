package main

import (
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/glint-go/glint/live/livetest"
)

// validSignUp is a complete, valid sign-up.
func validSignUp() url.Values {
	return url.Values{
		"name":              {"Ada Lovelace"},
		"email":             {"ada@example.com"},
		"age":               {"36"},
		"birthday":          {"1990-12-10"},
		"terms":             {"true"}, // replaces the hidden "false": the box is checked
		"interests[]":       {"go", "sql"},
		"address[street]":   {"12 St James's Square"},
		"address[city]":     {"London"},
		"address[postcode]": {"SW1Y 4JH"},
	}
}

// shownErrors returns the errors the page shows, by field.
func shownErrors(v *livetest.View) map[string]string {
	out := map[string]string{}
	v.Find("[data-for]").Each(func(_ int, s *goquery.Selection) {
		out[s.AttrOr("data-for", "")] = s.Text()
	})
	return out
}

func wantErrors(t *testing.T, v *livetest.View, want map[string]string) {
	t.Helper()
	if got := shownErrors(v); !maps.Equal(got, want) {
		t.Fatalf("errors shown %v, want %v:\n%s", got, want, v.HTML())
	}
}

func TestFormsFirstRender(t *testing.T) {
	sc := newTestServer(t, config{})
	page := livetest.Load(t, sc, "/forms")
	if page.Title != "Forms" {
		t.Errorf("title %q", page.Title)
	}
	v := page.MustJoin()
	wantErrors(t, v, map[string]string{})
	if v.Has("#welcome") || !v.Has("form#signup-0") {
		t.Fatalf("first render:\n%s", v.HTML())
	}
	if n := v.Find(`input[type=checkbox][name="interests[]"]`).Length(); n != len(interests) {
		t.Errorf("%d interest checkboxes, want %d", n, len(interests))
	}
	if n := v.Find(`input[checked]`).Length(); n != 0 {
		t.Errorf("%d inputs checked at first", n)
	}
}

// livetest's Change sends no _unused_ keys, so every input in the form data counts as used
// (the browser tests check the hiding of untouched fields with both clients). What the
// form lacks altogether, the interests group with nothing checked, is still not used.
func TestFormsChangeWithoutUnusedKeys(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/forms")
	v.Change(`input[name="age"]`, url.Values{"age": {"abc"}}, "")
	wantErrors(t, v, map[string]string{
		"name":              "is required",
		"email":             "is required",
		"age":               "must be a whole number",
		"birthday":          "is required",
		"terms":             "must be accepted",
		"address[city]":     "is required",
		"address[postcode]": "is required",
	})
	if got := v.Find(`input[name="age"]`).AttrOr("value", ""); got != "abc" {
		t.Errorf("age input shows %q, want what was typed", got)
	}
}

func TestFormsBadValues(t *testing.T) {
	nextYear := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	tests := []struct {
		name    string
		input   string // the input that changes (its selector)
		values  url.Values
		field   string
		message string
	}{
		{"word for the age", `input[name="age"]`, url.Values{"age": {"abc"}}, "age", "must be a whole number"},
		{"fraction for the age", `input[name="age"]`, url.Values{"age": {"4.5"}}, "age", "must be a whole number"},
		{"age overflowing an int", `input[name="age"]`, url.Values{"age": {"99999999999999999999"}}, "age", "must be between -9223372036854775808 and 9223372036854775807"},
		{"too young", `input[name="age"]`, url.Values{"age": {"12"}}, "age", "must be between 13 and 120"},
		{"no such day", `input[name="birthday"]`, url.Values{"birthday": {"2023-02-30"}}, "birthday", "must be a date"},
		{"not the date input's format", `input[name="birthday"]`, url.Values{"birthday": {"10/12/1990"}}, "birthday", "must be a date"},
		{"born next year", `input[name="birthday"]`, url.Values{"birthday": {nextYear}}, "birthday", "must be in the past"},
		{"not an email", `input[name="email"]`, url.Values{"email": {"ada"}}, "email", "must be an email address"},
		{"name of spaces", `input[name="name"]`, url.Values{"name": {"   "}}, "name", "is required"},
		{"name too long", `input[name="name"]`, url.Values{"name": {strings.Repeat("é", 81)}}, "name", "must be at most 80 characters"},
		{"interest not offered", `input[name="interests[]"][value="go"]`, url.Values{"interests[]": {"go", "cobol"}}, "interests", "must be chosen from the list"},
		{"last interest unchecked", `input[name="interests[]"][value="go"]`, url.Values{"interests[]": {}}, "interests", "must include at least one choice"},
		{"terms unchecked", `input[type=checkbox][name="terms"]`, url.Values{"terms": {"false"}}, "terms", "must be accepted"},
		{"postcode too long", `input[name="address[postcode]"]`, url.Values{"address[postcode]": {"12345678901"}}, "address[postcode]", "must be at most 10 characters"},
		{"city left empty", `input[name="address[city]"]`, url.Values{"address[city]": {""}}, "address[city]", "is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := livetest.Open(t, newTestServer(t, config{}), "/forms")
			vals := validSignUp()
			maps.Copy(vals, tt.values)
			v.Change(tt.input, vals, "")
			wantErrors(t, v, map[string]string{tt.field: tt.message})
			invalid := tt.input
			if tt.field == "interests" {
				invalid = "fieldset.interests"
			}
			if got := v.Find(invalid).AttrOr("aria-invalid", ""); got != "true" {
				t.Errorf("%s has aria-invalid=%q", invalid, got)
			}
			if n := v.Find(`[aria-invalid]`).Length(); n != 1 {
				t.Errorf("%d elements marked invalid, want 1", n)
			}
			// The same form submitted shows the same error and signs nobody up.
			v.Submit("form", vals)
			wantErrors(t, v, map[string]string{tt.field: tt.message})
			if v.Has("#welcome") || !v.Has("form#signup-0") {
				t.Fatalf("an invalid form was accepted:\n%s", v.HTML())
			}
		})
	}
}

func TestFormsSubmitShowsEveryError(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/forms")
	v.Submit("form", nil)
	wantErrors(t, v, map[string]string{
		"name":              "is required",
		"email":             "is required",
		"age":               "is required",
		"birthday":          "is required",
		"terms":             "must be accepted",
		"interests":         "must include at least one choice",
		"address[city]":     "is required",
		"address[postcode]": "is required",
	})
	if v.Has("#welcome") {
		t.Fatalf("welcome after a failed submit:\n%s", v.HTML())
	}
}

func TestFormsSubmitSignsUp(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/forms")
	v.Submit("form", validSignUp())
	wantErrors(t, v, map[string]string{})
	if got := v.Text("#welcome h2"); got != "Welcome, Ada Lovelace!" {
		t.Fatalf("welcome %q:\n%s", got, v.HTML())
	}
	text := v.Text("#welcome p")
	for _, want := range []string{"ada@example.com", "Age 36", "born 10 December 1990", "in London", "interested in Go, SQL"} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation %q lacks %q", text, want)
		}
	}
	// A fresh, empty form with a new id.
	if !v.Has("form#signup-1") {
		t.Fatalf("no new form:\n%s", v.HTML())
	}
	v.Find("form input").Each(func(_ int, in *goquery.Selection) {
		typ, name := in.AttrOr("type", ""), in.AttrOr("name", "")
		if _, checked := in.Attr("checked"); checked {
			t.Errorf("input %s still checked", name)
		}
		if typ != "checkbox" && typ != "hidden" && in.AttrOr("value", "") != "" {
			t.Errorf("input %s still holds %q", name, in.AttrOr("value", ""))
		}
	})
	// The next change starts a new sign-up: the confirmation goes.
	v.Change(`input[name="name"]`, url.Values{"name": {"Charles"}}, "")
	if v.Has("#welcome") {
		t.Errorf("the confirmation outlived the next change:\n%s", v.HTML())
	}
	v.Submit("form", validSignUp())
	if !v.Has("form#signup-2") || v.Text("#welcome h2") != "Welcome, Ada Lovelace!" {
		t.Fatalf("second sign-up:\n%s", v.HTML())
	}
}

func TestFormsKeepsValuesAfterAFailedSubmit(t *testing.T) {
	v := livetest.Open(t, newTestServer(t, config{}), "/forms")
	vals := validSignUp()
	vals.Set("email", "ada at example")
	v.Submit("form", vals)
	wantErrors(t, v, map[string]string{"email": "must be an email address"})
	for sel, want := range map[string]string{
		`input[name="name"]`:          "Ada Lovelace",
		`input[name="email"]`:         "ada at example",
		`input[name="age"]`:           "36",
		`input[name="birthday"]`:      "1990-12-10",
		`input[name="address[city]"]`: "London",
	} {
		if got := v.Find(sel).AttrOr("value", ""); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	for _, sel := range []string{`input[value="go"]`, `input[value="sql"]`, `input[type=checkbox][name="terms"]`} {
		if _, ok := v.Find(sel).Attr("checked"); !ok {
			t.Errorf("%s not checked", sel)
		}
	}
	if _, ok := v.Find(`input[value="js"]`).Attr("checked"); ok {
		t.Errorf("an interest not chosen is checked")
	}
}
