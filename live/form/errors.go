package form

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"
)

// FieldError is what is wrong with one field of a form.
type FieldError struct {
	// Field is the field's name in the form: "email", "address[city]", "interests" (for
	// the inputs named "interests[]").
	Field string
	// Msg says what is wrong, for the user and without the field's name: "must be a
	// whole number", "is required".
	Msg string
	// Err is the cause, when there is one: the *strconv.NumError of a number, the
	// *time.ParseError of a time, the error of an UnmarshalText or of a check. It may be
	// nil.
	Err error
}

// Error returns the field's name followed by the message: "age must be a whole number".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + " " + e.Msg
}

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// Errors maps the names of a form's fields to what is wrong with them: one error per field,
// the first found. Decode returns one when values do not fit their fields, and views add
// their own checks to it with Add and Check.
//
// In a template, Get gives a field's message, or "" when it has none:
//
//	<input name="email" value="{{.Email}}"{{if .Errors.Get "email"}} aria-invalid="true"{{end}}>
//	{{with .Errors.Get "email"}}<p class="error">{{.}}</p>{{end}}
//
// Errors is also an error whose Unwrap gives every *FieldError, in the order of the fields'
// names, so errors.As finds them in what Decode returns. Like a map, a nil Errors can be
// read but not added to.
type Errors map[string]*FieldError

// Add records msg for field, unless field has an error already.
func (e Errors) Add(field, msg string) { e.add(field, msg, nil) }

// Check records err's message for field when err is not nil, unless field has an error
// already. It goes with the checks of this package:
//
//	errs.Check("name", form.Required(in.Name))
func (e Errors) Check(field string, err error) {
	if err != nil {
		e.add(field, err.Error(), err)
	}
}

func (e Errors) add(field, msg string, cause error) {
	if _, ok := e[field]; !ok {
		e[field] = &FieldError{Field: field, Msg: msg, Err: cause}
	}
}

// Get returns the message for field, or "" when it has none.
func (e Errors) Get(field string) string {
	if fe := e[field]; fe != nil {
		return fe.Msg
	}
	return ""
}

// Only returns the errors of the fields for which keep returns true, such as a Form's Used:
// errs.Only(f.Used) leaves out the fields the user has not touched yet.
func (e Errors) Only(keep func(field string) bool) Errors {
	out := Errors{}
	for name, fe := range e {
		if keep(name) {
			out[name] = fe
		}
	}
	return out
}

// Err returns e as an error, or nil when it holds no error.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Error lists the fields' errors in the order of their names: "form: age must be a whole
// number; email is required".
func (e Errors) Error() string {
	var b strings.Builder
	b.WriteString("form: ")
	for i, fe := range e.sorted() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns every *FieldError, in the order of the fields' names.
func (e Errors) Unwrap() []error {
	out := make([]error, 0, len(e))
	for _, fe := range e.sorted() {
		out = append(out, fe)
	}
	return out
}

func (e Errors) sorted() []*FieldError {
	out := make([]*FieldError, 0, len(e))
	for _, fe := range e {
		out = append(out, fe)
	}
	slices.SortFunc(out, func(a, b *FieldError) int { return cmp.Compare(a.Field, b.Field) })
	return out
}

// checkError is the error of a failed check: its text is the message for the user.
type checkError string

func (c checkError) Error() string { return string(c) }

// Required returns an error ("is required") when v is empty: a string of only spaces, an
// empty slice or map, a nil pointer, a value whose IsZero method reports true (a zero
// time.Time), or another type's zero value (0, false).
func Required(v any) error {
	rv := reflect.ValueOf(v)
	empty := !rv.IsValid()
	if z, ok := v.(interface{ IsZero() bool }); ok && !empty && (rv.Kind() != reflect.Pointer || !rv.IsNil()) {
		empty = z.IsZero()
	} else if !empty {
		switch rv.Kind() {
		case reflect.String:
			empty = strings.TrimSpace(rv.String()) == ""
		case reflect.Slice, reflect.Map, reflect.Array:
			empty = rv.Len() == 0
		default:
			empty = rv.IsZero()
		}
	}
	if empty {
		return checkError("is required")
	}
	return nil
}

// MinLength returns an error ("must be at least 8 characters") when s has fewer than n
// characters (runes).
func MinLength(s string, n int) error {
	if utf8.RuneCountInString(s) < n {
		return checkError(fmt.Sprintf("must be at least %d %s", n, characters(n)))
	}
	return nil
}

// MaxLength returns an error ("must be at most 80 characters") when s has more than n
// characters (runes).
func MaxLength(s string, n int) error {
	if utf8.RuneCountInString(s) > n {
		return checkError(fmt.Sprintf("must be at most %d %s", n, characters(n)))
	}
	return nil
}

func characters(n int) string {
	if n == 1 {
		return "character"
	}
	return "characters"
}

// Range returns an error ("must be between 18 and 130") when v is below lo or above hi, or
// is NaN.
func Range[T cmp.Ordered](v, lo, hi T) error {
	if cmp.Compare(v, lo) < 0 || cmp.Compare(v, hi) > 0 { // NaN is out of every range
		return checkError(fmt.Sprintf("must be between %v and %v", lo, hi))
	}
	return nil
}
