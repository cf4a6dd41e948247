package form

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestErrorsAddKeepsTheFirst(t *testing.T) {
	errs := Errors{}
	errs.Add("name", "is required")
	errs.Add("name", "must be at least 2 characters")
	errs.Check("name", errors.New("third"))
	errs.Check("email", nil)
	if got := errs.Get("name"); got != "is required" {
		t.Errorf("Get(name) = %q, want the first message", got)
	}
	if len(errs) != 1 || errs.Get("email") != "" {
		t.Errorf("Check with a nil error added something: %v", errs)
	}
	var none Errors
	if none.Get("x") != "" || none.Err() != nil || len(none.Only(func(string) bool { return true })) != 0 {
		t.Errorf("a nil Errors is not empty")
	}
}

func TestErrorsCheckKeepsTheCause(t *testing.T) {
	errs := Errors{}
	cause := MinLength("ab", 3)
	errs.Check("name", cause)
	var fe *FieldError
	if !errors.As(errs.Err(), &fe) || fe.Field != "name" || fe.Msg != "must be at least 3 characters" || fe.Err != cause {
		t.Fatalf("FieldError %+v", fe)
	}
	if !errors.Is(errs, cause) {
		t.Errorf("errors.Is does not find the check's error")
	}
}

func TestErrorsErrorAndUnwrapAreSorted(t *testing.T) {
	errs := Errors{}
	errs.Add("zip", "is required")
	errs.Add("address[city]", "is required")
	errs.Add("age", "must be a whole number")
	want := "form: address[city] is required; age must be a whole number; zip is required"
	if errs.Error() != want {
		t.Errorf("Error() = %q, want %q", errs.Error(), want)
	}
	var fields []string
	for _, e := range errs.Unwrap() {
		fields = append(fields, e.(*FieldError).Field)
	}
	if !slices.Equal(fields, []string{"address[city]", "age", "zip"}) {
		t.Errorf("Unwrap order %q", fields)
	}
	if (&FieldError{Msg: "the form is closed"}).Error() != "the form is closed" {
		t.Errorf("a FieldError without a field")
	}
	if (Errors{}).Err() != nil {
		t.Errorf("empty Errors is a non-nil error")
	}
}

func TestErrorsOnly(t *testing.T) {
	errs := Errors{}
	errs.Add("name", "is required")
	errs.Add("email", "is required")
	errs.Add("address[city]", "is required")
	got := errs.Only(func(f string) bool { return f != "email" })
	if len(got) != 2 || got.Get("name") == "" || got.Get("address[city]") == "" || got.Get("email") != "" {
		t.Errorf("Only = %v", got)
	}
	if len(errs) != 3 {
		t.Errorf("Only changed its receiver: %v", errs)
	}
}

func TestChecks(t *testing.T) {
	var nilInt *int
	zero := 0
	tests := []struct {
		name string
		err  error
		want string // "" for no error
	}{
		{"Required empty string", Required(""), "is required"},
		{"Required spaces", Required(" \t\n"), "is required"},
		{"Required string", Required("a"), ""},
		{"Required zero int", Required(0), "is required"},
		{"Required int", Required(3), ""},
		{"Required false", Required(false), "is required"},
		{"Required true", Required(true), ""},
		{"Required nil pointer", Required(nilInt), "is required"},
		{"Required pointer to zero", Required(&zero), ""},
		{"Required nil", Required(nil), "is required"},
		{"Required empty slice", Required([]string{}), "is required"},
		{"Required nil slice", Required([]int(nil)), "is required"},
		{"Required slice", Required([]string{""}), ""},
		{"Required empty map", Required(map[string]int{}), "is required"},
		{"Required zero time", Required(time.Time{}), "is required"},
		{"Required time", Required(date(2000, 1, 1)), ""},
		{"Required nil *time.Time", Required((*time.Time)(nil)), "is required"},
		{"Required zero struct", Required(geo{}), "is required"},
		{"MinLength short", MinLength("ab", 3), "must be at least 3 characters"},
		{"MinLength one", MinLength("", 1), "must be at least 1 character"},
		{"MinLength counts runes", MinLength("héé", 3), ""},
		{"MinLength exact", MinLength("abc", 3), ""},
		{"MaxLength long", MaxLength("abcd", 3), "must be at most 3 characters"},
		{"MaxLength counts runes", MaxLength("ééé", 3), ""},
		{"MaxLength one", MaxLength("ab", 1), "must be at most 1 character"},
		{"Range below", Range(12, 13, 120), "must be between 13 and 120"},
		{"Range above", Range(121, 13, 120), "must be between 13 and 120"},
		{"Range low end", Range(13, 13, 120), ""},
		{"Range high end", Range(120, 13, 120), ""},
		{"Range float", Range(0.5, 1.0, 2.5), "must be between 1 and 2.5"},
		{"Range NaN", Range(math.NaN(), 0, 1), "must be between 0 and 1"},
		{"Range strings", Range("m", "a", "k"), "must be between a and k"},
		{"Range uint", Range(uint8(200), 0, 100), "must be between 0 and 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if tt.err != nil {
				got = tt.err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFieldErrorUnwrapsTheCause(t *testing.T) {
	var got struct {
		N int8 `form:"n"`
	}
	err := Decode(mustQuery(t, "n=300"), &got)
	var ne *strconv.NumError
	if !errors.As(err, &ne) || ne.Num != "300" || !errors.Is(err, strconv.ErrRange) {
		t.Fatalf("Decode = %v: no *strconv.NumError inside", err)
	}
}
