package form

import (
	"net/url"
	"testing"

	"github.com/glint-go/glint/live"
)

func TestUsed(t *testing.T) {
	// The phx-change payloads of a form with name, email, a checkbox behind a hidden input,
	// a checkbox group with nothing checked and a nested address, after the user typed in
	// name: the official client puts each _unused_ key before its value, Glint's client
	// puts them last.
	official := "name=Ada&_unused_email=&email=&terms=false&_unused_terms=&address%5B_unused_city%5D=&address%5Bcity%5D=&address%5B_unused_zip%5D=&address%5Bzip%5D="
	glint := "name=Ada&email=&terms=false&address%5Bcity%5D=&address%5Bzip%5D=&_unused_email=&_unused_terms=&address%5B_unused_city%5D=&address%5B_unused_zip%5D="
	type check struct {
		name string
		want bool
	}
	tests := []struct {
		name   string
		query  string
		target string
		checks []check
	}{
		{"official client", official, "name", []check{
			{"name", true}, {"email", false}, {"terms", false}, {"interests", false}, {"interests[]", false},
			{"address", false}, {"address[city]", false}, {"address[zip]", false}, {"nothing", false},
			{"_unused_email", false}, {"", false},
		}},
		{"glint client", glint, "name", []check{
			{"name", true}, {"email", false}, {"terms", false}, {"interests", false},
			{"address", false}, {"address[city]", false}, {"address[zip]", false},
		}},
		{"one nested field used makes its group used", "address%5Bcity%5D=Oslo&address%5B_unused_zip%5D=&address%5Bzip%5D=", "address[city]", []check{
			{"address", true}, {"address[city]", true}, {"address[zip]", false},
		}},
		{"a group used through a deeper field", "a%5Bb%5D%5Bc%5D=1&a%5Bb%5D%5B_unused_d%5D=&a%5Bb%5D%5Bd%5D=", "", []check{
			{"a", true}, {"a[b]", true}, {"a[b][c]", true}, {"a[b][d]", false},
		}},
		{"a group whose fields are all unused", "a%5B_unused_x%5D=&a%5Bx%5D=", "", []check{{"a", false}, {"a[x]", false}}},
		{"a checked group, official client, untouched", "_unused_interests%5B%5D=&interests%5B%5D=go", "name", []check{
			{"interests", false}, {"interests[]", false},
		}},
		{"a checked group, touched", "interests%5B%5D=go&interests%5B%5D=rust", "interests[]", []check{
			{"interests", true}, {"interests[]", true},
		}},
		{"a repeated key, untouched", "_unused_tags=&tags=a&tags=b", "", []check{{"tags", false}}},
		{"the target counts even when absent", "name=Ada", "interests[]", []check{
			{"interests", true}, {"name", true}, {"email", false},
		}},
		{"a target nested in a group", "address%5Bcity%5D=x&address%5B_unused_city%5D=", "address[city]", []check{
			{"address", true}, {"address[city]", true}, {"addr", false},
		}},
		{"a submit: no _unused_ keys", "name=&email=&terms=false&address%5Bcity%5D=", "", []check{
			{"name", true}, {"email", true}, {"terms", true}, {"address", true}, {"address[city]", true},
			{"interests", false}, // absent: nothing checked
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Form{Values: mustQuery(t, tt.query), Target: tt.target}
			for _, c := range tt.checks {
				if got := f.Used(c.name); got != c.want {
					t.Errorf("Used(%q) = %v, want %v (form %v, target %q)", c.name, got, c.want, f.Values, f.Target)
				}
			}
		})
	}
}

func TestChanged(t *testing.T) {
	tests := []struct {
		target, name string
		want         bool
	}{
		{"email", "email", true},
		{"email", "emails", false},
		{"emails", "email", false},
		{"interests[]", "interests", true},
		{"interests[]", "interests[]", true},
		{"interests", "interests[]", true},
		{"address[city]", "address", true},
		{"address[city]", "address[city]", true},
		{"address[city]", "address[zip]", false},
		{"address", "address[city]", false},
		{"", "", false},
		{"", "email", false},
	}
	for _, tt := range tests {
		f := Form{Target: tt.target}
		if got := f.Changed(tt.name); got != tt.want {
			t.Errorf("target %q: Changed(%q) = %v, want %v", tt.target, tt.name, got, tt.want)
		}
	}
}

func TestFromEvent(t *testing.T) {
	e := live.Event{Type: "form", Name: "validate", Value: url.Values{"email": {"a@b.c"}, "_unused_name": {""}}, Target: "email"}
	f := FromEvent(e)
	if f.Target != "email" || f.Values.Get("email") != "a@b.c" {
		t.Fatalf("FromEvent = %+v", f)
	}
	if !f.Used("email") || f.Used("name") {
		t.Errorf("Used: email %v, name %v", f.Used("email"), f.Used("name"))
	}
	var in struct {
		Email string `form:"email"`
		Name  string `form:"name"`
	}
	if err := f.Decode(&in); err != nil || in.Email != "a@b.c" || in.Name != "" {
		t.Fatalf("Decode: %+v, %v", in, err)
	}
}
