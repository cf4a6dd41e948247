package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/live/form"
)

var formsPage = showcasePage{
	Path:    "/forms",
	Title:   "Forms",
	Summary: "A typed sign-up form: checked as you type, each error shown once you have used its field.",
	page: func(a *app) live.Page {
		return live.Page{New: func() live.View { return &FormsPage{} }, Template: formsTemplate}
	},
}

var formsTemplate = parsePage("forms.html")

// SignUp is what the sign-up form holds, decoded by package live/form. The tags name the
// inputs; Address's fields are the inputs "address[street]", "address[city]" and
// "address[postcode]".
type SignUp struct {
	Name      string    `form:"name"`
	Email     string    `form:"email"`
	Age       *int      `form:"age"` // nil when the input is empty
	Birthday  time.Time `form:"birthday" layout:"date"`
	Terms     bool      `form:"terms"`     // a checkbox behind a hidden "false"
	Interests []string  `form:"interests"` // the "interests[]" checkboxes
	Address   Address   `form:"address"`
}

// Address is the sign-up's nested group of fields.
type Address struct {
	Street   string `form:"street"`
	City     string `form:"city"`
	Postcode string `form:"postcode"`
}

// Choice is one of the interests offered.
type Choice struct {
	Value, Label string
}

// interests are the checkboxes of the "interests[]" group.
var interests = []Choice{{"go", "Go"}, {"elixir", "Elixir"}, {"js", "JavaScript"}, {"sql", "SQL"}}

// FormsPage is a sign-up form validated on every change (phx-change "validate") and on
// submit (phx-submit "save"). A change shows the errors of the fields the user has used;
// a submit shows them all, or, when there are none, a confirmation and a fresh form.
type FormsPage struct {
	// Round counts the sign-ups; it is part of the form's id, so that after a sign-up the
	// browser gets a new form and forgets which inputs were used.
	Round int
	// Input is the last form decoded, for the checkboxes; Values its values as sent, for
	// the text inputs (a value that did not decode is shown as typed).
	Input  SignUp
	Values url.Values
	// Errors are the errors shown.
	Errors form.Errors
	// Welcome confirms the last sign-up, until the next event.
	Welcome *Welcome
	// Choices are the interests offered.
	Choices []Choice
}

// Welcome is the confirmation of a sign-up.
type Welcome struct {
	Name, Email, Age, Birthday, Interests, City string
}

// Mount sets the title and the choices.
func (p *FormsPage) Mount(ctx context.Context, s *live.Socket, params live.Params) error {
	s.SetTitle("Forms")
	p.Choices = interests
	return nil
}

// HandleEvent decodes and checks the form on "validate" (each change) and "save" (submit).
func (p *FormsPage) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
	if e.Name != "validate" && e.Name != "save" {
		return fmt.Errorf("%w: %q", live.ErrUnknownEvent, e.Name)
	}
	f := form.FromEvent(e)
	var in SignUp
	errs := form.Errors{}
	if err := f.Decode(&in); err != nil && !errors.As(err, &errs) {
		return fmt.Errorf("forms page: %w", err) // refused (too large): logged, nothing changes
	}
	check(in, errs, time.Now())
	p.Welcome = nil
	p.Input, p.Values = in, f.Values
	if e.Name == "validate" {
		p.Errors = errs.Only(f.Used)
		return nil
	}
	p.Errors = errs
	if len(errs) > 0 {
		return nil
	}
	p.Welcome = welcome(in)
	p.Round++
	p.Input, p.Values, p.Errors = SignUp{}, nil, nil
	return nil
}

// check adds the sign-up's own rules to errs. Decode has already reported the values
// that are not of their field's type; Check and Add keep those.
func check(in SignUp, errs form.Errors, now time.Time) {
	errs.Check("name", form.Required(in.Name))
	errs.Check("name", form.MaxLength(in.Name, 80))
	errs.Check("email", form.Required(in.Email))
	if in.Email != "" && !looksLikeEmail(in.Email) {
		errs.Add("email", "must be an email address")
	}
	errs.Check("age", form.Required(in.Age))
	if in.Age != nil {
		errs.Check("age", form.Range(*in.Age, 13, 120))
	}
	errs.Check("birthday", form.Required(in.Birthday))
	if !in.Birthday.IsZero() && !in.Birthday.Before(now) {
		errs.Add("birthday", "must be in the past")
	}
	if !in.Terms {
		errs.Add("terms", "must be accepted")
	}
	if len(in.Interests) == 0 {
		errs.Add("interests", "must include at least one choice")
	}
	for _, v := range in.Interests {
		if !slices.ContainsFunc(interests, func(c Choice) bool { return c.Value == v }) {
			errs.Add("interests", "must be chosen from the list")
		}
	}
	errs.Check("address[street]", form.MaxLength(in.Address.Street, 120))
	errs.Check("address[city]", form.Required(in.Address.City))
	errs.Check("address[postcode]", form.Required(in.Address.Postcode))
	errs.Check("address[postcode]", form.MaxLength(in.Address.Postcode, 10))
}

// looksLikeEmail is a deliberately loose check: something, "@", something with a dot.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t\r\n")
}

// welcome is the confirmation of a valid sign-up.
func welcome(in SignUp) *Welcome {
	var labels []string
	for _, c := range interests {
		if slices.Contains(in.Interests, c.Value) {
			labels = append(labels, c.Label)
		}
	}
	return &Welcome{
		Name:      in.Name,
		Email:     in.Email,
		Age:       fmt.Sprint(*in.Age),
		Birthday:  in.Birthday.Format("2 January 2006"),
		Interests: strings.Join(labels, ", "),
		City:      in.Address.City,
	}
}

// Value returns what the input named name shows: the last value the form sent for it.
func (p *FormsPage) Value(name string) string {
	if vs := p.Values[name]; len(vs) > 0 {
		return vs[len(vs)-1]
	}
	return ""
}

// Chose reports whether the interest with this value is checked.
func (p *FormsPage) Chose(value string) bool { return slices.Contains(p.Input.Interests, value) }
