package form_test

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/glint-go/glint/live/form"
)

type SignUp struct {
	Name      string    `form:"name"`
	Age       *int      `form:"age"`
	Birthday  time.Time `form:"birthday" layout:"date"`
	Terms     bool      `form:"terms"`
	Interests []string  `form:"interests"`
	Address   struct {
		City string `form:"city"`
	} `form:"address"`
}

func ExampleDecode() {
	vals, _ := url.ParseQuery("name=Ada&age=36&birthday=1815-12-10&terms=false&terms=on" +
		"&interests[]=go&interests[]=rust&address[city]=London")
	var in SignUp
	if err := form.Decode(vals, &in); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in.Name, *in.Age, in.Birthday.Format("2 Jan 2006"), in.Terms, in.Interests, in.Address.City)
	// Output: Ada 36 10 Dec 1815 true [go rust] London
}

func ExampleDecode_errors() {
	vals, _ := url.ParseQuery("name=Ada&age=thirty&birthday=1815-13-10")
	var in SignUp
	err := form.Decode(vals, &in)

	var errs form.Errors
	if errors.As(err, &errs) {
		fmt.Printf("age: %s\n", errs.Get("age"))
		fmt.Printf("birthday: %s\n", errs.Get("birthday"))
	}
	fmt.Println(err)
	fmt.Println("name decoded all the same:", in.Name)
	// Output:
	// age: must be a whole number
	// birthday: must be a date
	// form: age must be a whole number; birthday must be a date
	// name decoded all the same: Ada
}

func ExampleErrors_Check() {
	vals, _ := url.ParseQuery("name=A&age=12")
	var in SignUp
	errs := form.Errors{}
	if err := form.Decode(vals, &in); err != nil && !errors.As(err, &errs) {
		fmt.Println("refused:", err)
		return
	}
	errs.Check("name", form.MinLength(in.Name, 2))
	errs.Check("age", form.Required(in.Age))
	if in.Age != nil {
		errs.Check("age", form.Range(*in.Age, 13, 120))
	}
	errs.Check("address[city]", form.Required(in.Address.City))
	fmt.Println(errs)
	// Output: form: address[city] is required; age must be between 13 and 120; name must be at least 2 characters
}

func ExampleForm_Used() {
	// A phx-change after the user typed in the name input: the client marks the inputs
	// not used yet with _unused_ keys.
	vals, _ := url.ParseQuery("name=&_unused_age=&age=&address[_unused_city]=&address[city]=")
	f := form.Form{Values: vals, Target: "name"}

	var in SignUp
	errs := form.Errors{}
	_ = f.Decode(&in)
	errs.Check("name", form.Required(in.Name))
	errs.Check("age", form.Required(in.Age))
	errs.Check("address[city]", form.Required(in.Address.City))

	fmt.Println("all:", errs)
	fmt.Println("shown:", errs.Only(f.Used))
	fmt.Println("changed:", f.Changed("name"), f.Changed("age"))
	// Output:
	// all: form: address[city] is required; age is required; name is required
	// shown: form: name is required
	// changed: true false
}

func ExampleErrTooLarge() {
	vals := url.Values{}
	for i := range form.MaxFields + 1 {
		vals.Add("interests[]", fmt.Sprint(i))
	}
	var in SignUp
	err := form.Decode(vals, &in)
	fmt.Println(errors.Is(err, form.ErrTooLarge), err)
	// Output: true form: too large: 10001 values, at most 10000
}
