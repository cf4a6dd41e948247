package form

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode decodes arbitrary url-encoded forms into a struct with a field of every kind.
// Decode must never panic, must fail only with Errors (naming fields the struct has) or
// ErrTooLarge, must leave strings valid UTF-8, and must be deterministic; Used and Changed
// must never panic.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"s=a&i=1&u8=255&f64=1.5&b=on&d=2024-01-02&dt=2024-01-02T03:04&tm=05:06&c=01/02/2003",
		"pi=&ps=x&pp=3&pt=2000-01-01&l=low&pl=high&ip=::1",
		"tags[]=a&tags=b&nums[]=1&nums=x&pnums[]=2&days[]=2024-01-01&lvls[]=mid",
		"address[city]=Oslo&address[geo][lat]=1e3&paddress[street]=x&address[_unused_city]=",
		"address=x&address[]=y&s[x]=1&tags[0]=a&address[city=x&address[][city]=1&address[city]x=1",
		"i8=128&u=-1&f32=1e39&f64=NaN&d=2023-02-29&c=x",
		"_target=s&_unused_s=&note=n&NoTag=t&%5Bs%5D=1&s=%FF",
		"next[next][next][name]=deep",
	} {
		f.Add(seed, "s")
	}
	root, err := structInfo(reflect.TypeFor[all]())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, target string) {
		vals, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		var a, b all
		errA, errB := Decode(vals, &a), Decode(vals, &b)
		if !reflect.DeepEqual(a, b) || (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("Decode is not deterministic:\n%+v, %v\n%+v, %v", a, errA, b, errB)
		}
		if errA != nil {
			var errs Errors
			switch {
			case errors.Is(errA, ErrTooLarge):
			case errors.As(errA, &errs):
				if len(errs) == 0 {
					t.Fatalf("an empty Errors returned as an error")
				}
				for name, fe := range errs {
					if fe == nil || fe.Field != name || fe.Msg == "" {
						t.Fatalf("bad FieldError %q: %+v", name, fe)
					}
					base, _, _ := strings.Cut(name, "[")
					if root.fields[base] == nil {
						t.Fatalf("an error for %q, which names no field", name)
					}
				}
			default:
				t.Fatalf("Decode failed with %T: %v", errA, errA)
			}
		}
		for _, s := range []string{a.S, a.NoTag, a.Note, a.Address.City, a.Address.Street} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 decoded: %q", s)
			}
		}
		for _, s := range a.Tags {
			if s == "" || !utf8.ValidString(s) {
				t.Fatalf("list element %q", s)
			}
		}
		var c chain
		_ = Decode(vals, &c)
		form := Form{Values: vals, Target: target}
		for k := range vals {
			form.Used(k)
			form.Changed(k)
		}
		form.Used(target)
	})
}
