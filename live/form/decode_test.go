package form

import (
	"errors"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// level implements encoding.TextUnmarshaler: only "low" and "high".
type level string

var errLevel = errors.New("unknown level")

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low", "high":
		*l = level(b)
		return nil
	}
	return errLevel
}

type geo struct {
	Lat float64 `form:"lat"`
}

type address struct {
	Street string `form:"street"`
	City   string `form:"city"`
	Geo    *geo   `form:"geo"`
}

type Base struct {
	Note  string `form:"note"`
	Shade string `form:"s"` // shadowed by all.S
}

// all has a field of every supported kind.
type all struct {
	S   string  `form:"s"`
	I   int     `form:"i"`
	I8  int8    `form:"i8"`
	I16 int16   `form:"i16"`
	I32 int32   `form:"i32"`
	I64 int64   `form:"i64"`
	U   uint    `form:"u"`
	U8  uint8   `form:"u8"`
	U16 uint16  `form:"u16"`
	U32 uint32  `form:"u32"`
	U64 uint64  `form:"u64"`
	F32 float32 `form:"f32"`
	F64 float64 `form:"f64"`
	B   bool    `form:"b"`

	T  time.Time `form:"t"`
	D  time.Time `form:"d" layout:"date"`
	DT time.Time `form:"dt" layout:"datetime-local"`
	TM time.Time `form:"tm" layout:"time"`
	C  time.Time `form:"c" layout:"02/01/2006"`

	PI *int       `form:"pi"`
	PS *string    `form:"ps"`
	PB *bool      `form:"pb"`
	PT *time.Time `form:"pt" layout:"date"`
	PP **int      `form:"pp"`

	L  level      `form:"l"`
	PL *level     `form:"pl"`
	IP netip.Addr `form:"ip"`

	Tags  []string    `form:"tags"`
	Nums  []int       `form:"nums"`
	PNums []*int      `form:"pnums"`
	Days  []time.Time `form:"days" layout:"date"`
	Lvls  []level     `form:"lvls"`

	Address  address  `form:"address"`
	PAddress *address `form:"paddress"`

	NoTag      string
	Skip       string `form:"-"`
	unexported string
	Base
}

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func mustQuery(t testing.TB, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", q, err)
	}
	return v
}

func TestDecodeKinds(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  all
	}{
		{"string", "s=hello+world", all{S: "hello world"}},
		{"string kept as sent", "s=++a++", all{S: "  a  "}},
		{"invalid UTF-8 replaced", "s=a%FFb", all{S: "a\uFFFDb"}},
		{"ints", "i=-5&i8=-128&i16=32767&i32=%2B7&i64=-9223372036854775808", all{I: -5, I8: -128, I16: 32767, I32: 7, I64: -9223372036854775808}},
		{"uints", "u=5&u8=255&u16=65535&u32=4294967295&u64=18446744073709551615", all{U: 5, U8: 255, U16: 65535, U32: 4294967295, U64: 18446744073709551615}},
		{"numbers trimmed", "i=+%2042+&f64=%201.5%20", all{I: 42, F64: 1.5}},
		{"floats", "f32=1.5&f64=-2e3", all{F32: 1.5, F64: -2000}},
		{"bool on", "b=on", all{B: true}},
		{"bool true", "b=true", all{B: true}},
		{"bool any value", "b=yes", all{B: true}},
		{"bool false", "b=false", all{}},
		{"bool off", "b=OFF", all{}},
		{"bool 0", "b=0", all{}},
		{"checkbox behind a hidden input, unchecked", "b=false", all{}},
		{"checkbox behind a hidden input, checked", "b=false&b=on", all{B: true}},
		{"last value wins", "s=a&s=b&i=1&i=2", all{S: "b", I: 2}},
		{"date", "d=2024-02-29", all{D: date(2024, 2, 29)}},
		{"datetime-local", "dt=2024-02-29T13:45", all{DT: time.Date(2024, 2, 29, 13, 45, 0, 0, time.UTC)}},
		{"datetime-local with seconds", "dt=2024-02-29T13:45:07.250", all{DT: time.Date(2024, 2, 29, 13, 45, 7, 250e6, time.UTC)}},
		{"time", "tm=08:30", all{TM: time.Date(0, 1, 1, 8, 30, 0, 0, time.UTC)}},
		{"time with seconds", "tm=08:30:15", all{TM: time.Date(0, 1, 1, 8, 30, 15, 0, time.UTC)}},
		{"default layouts: date", "t=2024-01-02", all{T: date(2024, 1, 2)}},
		{"default layouts: datetime-local", "t=2024-01-02T03:04", all{T: time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC)}},
		{"default layouts: time", "t=03:04", all{T: time.Date(0, 1, 1, 3, 4, 0, 0, time.UTC)}},
		{"custom layout", "c=31/12/1999", all{C: date(1999, 12, 31)}},
		{"pointers", "pi=7&ps=x&pb=on&pt=2000-01-01&pp=9", all{PI: ptr(7), PS: ptr("x"), PB: ptr(true), PT: ptr(date(2000, 1, 1)), PP: ptr(ptr(9))}},
		{"empty pointers stay nil", "pi=&ps=&pb=&pt=+&pp=", all{}},
		{"empty values give zero", "s=&i=&f64=&b=&d=&l=&ip=", all{}},
		{"TextUnmarshaler", "l=high&pl=low&ip=192.0.2.1", all{L: "high", PL: ptr(level("low")), IP: netip.MustParseAddr("192.0.2.1")}},
		{"list with brackets", "tags[]=a&tags[]=b", all{Tags: []string{"a", "b"}}},
		{"list of repeated keys", "nums=1&nums=2&nums=3", all{Nums: []int{1, 2, 3}}},
		{"list leaves out empty values", "nums[]=&nums[]=4&tags[]=", all{Nums: []int{4}}},
		{"list of pointers", "pnums[]=5", all{PNums: []*int{ptr(5)}}},
		{"list of dates", "days[]=2024-01-01&days[]=2024-01-02", all{Days: []time.Time{date(2024, 1, 1), date(2024, 1, 2)}}},
		{"list of TextUnmarshalers", "lvls[]=low&lvls[]=high", all{Lvls: []level{"low", "high"}}},
		{"nested", "address[street]=Main+St&address[city]=Paris&address[geo][lat]=48.85", all{Address: address{Street: "Main St", City: "Paris", Geo: &geo{Lat: 48.85}}}},
		{"nested pointer", "paddress[city]=Oslo", all{PAddress: &address{City: "Oslo"}}},
		{"untagged field by its Go name", "NoTag=x", all{NoTag: "x"}},
		{"promoted field", "note=n", all{Base: Base{Note: "n"}}},
		{"outer field shadows a promoted one", "s=outer", all{S: "outer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got all
			if err := Decode(mustQuery(t, tt.query), &got); err != nil {
				t.Fatalf("Decode(%q): %v", tt.query, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decode(%q):\n got %+v\nwant %+v", tt.query, got, tt.want)
			}
		})
	}
}

func TestDecodeBadInput(t *testing.T) {
	tests := []struct {
		name, query string
		field, msg  string
		cause       error // errors.Is the FieldError's cause, when not nil
	}{
		// Wrong types.
		{"word for an int", "i=abc", "i", "must be a whole number", strconv.ErrSyntax},
		{"two points in a float", "f64=1..5", "f64", "must be a number", strconv.ErrSyntax},
		{"fraction for an int", "i=1.5", "i", "must be a whole number", strconv.ErrSyntax},
		{"exponent for an int", "i=1e3", "i", "must be a whole number", strconv.ErrSyntax},
		{"word for a uint", "u=x", "u", "must be a whole number", strconv.ErrSyntax},
		{"word for a float", "f64=abc", "f64", "must be a number", strconv.ErrSyntax},
		{"NaN for a float", "f64=NaN", "f64", "must be a number", strconv.ErrSyntax},
		{"Inf for a float", "f64=-Inf", "f64", "must be a number", strconv.ErrSyntax},
		{"hexadecimal float", "f64=0x1p-2", "f64", "must be a number", strconv.ErrSyntax},
		{"underscores in a float", "f64=1_000", "f64", "must be a number", strconv.ErrSyntax},
		{"TextUnmarshaler refuses", "l=medium", "l", "is not valid", errLevel},
		{"bad address", "ip=300.1.1.1", "ip", "is not valid", nil},
		// Overflow.
		{"int8 overflow", "i8=128", "i8", "must be between -128 and 127", strconv.ErrRange},
		{"int8 underflow", "i8=-129", "i8", "must be between -128 and 127", strconv.ErrRange},
		{"int64 overflow", "i64=9223372036854775808", "i64", "must be between -9223372036854775808 and 9223372036854775807", strconv.ErrRange},
		{"uint8 overflow", "u8=256", "u8", "must be between 0 and 255", strconv.ErrRange},
		{"negative uint", "u16=-1", "u16", "must be between 0 and 65535", strconv.ErrSyntax},
		{"very negative uint", "u64=-99999999999999999999", "u64", "must be between 0 and 18446744073709551615", strconv.ErrSyntax},
		{"uint64 overflow", "u64=18446744073709551616", "u64", "must be between 0 and 18446744073709551615", strconv.ErrRange},
		{"float32 overflow", "f32=1e39", "f32", "is out of range", strconv.ErrRange},
		{"float64 overflow", "f64=-1e400", "f64", "is out of range", strconv.ErrRange},
		// Bad times.
		{"not a date", "d=tomorrow", "d", "must be a date", nil},
		{"no such day", "d=2023-02-29", "d", "must be a date", nil},
		{"month 13", "d=2024-13-01", "d", "must be a date", nil},
		{"one-digit month", "d=2024-1-02", "d", "must be a date", nil},
		{"date for a datetime-local", "dt=2024-01-02", "dt", "must be a date and time", nil},
		{"25 o'clock", "tm=25:00", "tm", "must be a time", nil},
		{"not any HTML format", "t=02/01/2024", "t", "must be a date or a time", nil},
		{"not the custom layout", "c=2024-01-02", "c", "must be formatted like 02/01/2006", nil},
		{"bad date in a list", "days[]=2024-01-01&days[]=soon", "days", "each value must be a date", nil},
		{"bad pointer", "pi=seven", "pi", "must be a whole number", strconv.ErrSyntax},
		{"bad int in a list", "nums[]=1&nums[]=two", "nums", "each value must be a whole number", strconv.ErrSyntax},
		{"overflow in a list", "nums=99999999999999999999", "nums", "each value must be between -9223372036854775808 and 9223372036854775807", strconv.ErrRange},
		{"bad nested value", "address[geo][lat]=north", "address[geo][lat]", "must be a number", strconv.ErrSyntax},
		// Bad nesting.
		{"value for a group", "address=Paris", "address", "must be a group of fields", nil},
		{"list for a group", "address[]=Paris", "address", "must be a group of fields", nil},
		{"value for a nested group", "address[geo]=x", "address[geo]", "must be a group of fields", nil},
		{"group for a string", "s[first]=a", "s", "must be a single value", nil},
		{"list for a string", "s[]=a", "s", "must be a single value", nil},
		{"group for a nested string", "address[city][name]=x", "address[city]", "must be a single value", nil},
		{"indexed list", "tags[0]=a", "tags", "must be a list of values", nil},
		{"nested list", "tags[a][]=a", "tags", "must be a list of values", nil},
		{"group for a time", "d[year]=2024", "d", "must be a single value", nil},
		{"group for a TextUnmarshaler", "l[x]=low", "l", "must be a single value", nil},
		// Malformed names.
		{"unclosed bracket", "address[city=x", "address", "has a malformed name", nil},
		{"text after a bracket", "address[city]x=y", "address", "has a malformed name", nil},
		{"empty segment in the middle", "address[][city]=x", "address", "has a malformed name", nil},
		{"nested brackets", "address[ci[ty]]=x", "address", "has a malformed name", nil},
		{"stray closing bracket", "address]=x", "", "", nil}, // no field is named "address]": ignored
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Fields with a bad value are left as they were.
			before := all{S: "keep", I: 1, D: date(2001, 1, 1), Nums: []int{8}, Address: address{City: "Rome"}}
			got := before
			got.Address.Geo = &geo{Lat: 1}
			before.Address.Geo = &geo{Lat: 1}
			err := Decode(mustQuery(t, tt.query), &got)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Decode(%q) = %v, want nil", tt.query, err)
				}
				return
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Decode(%q) = %v (%T), want Errors", tt.query, err, err)
			}
			if len(errs) != 1 || errs.Get(tt.field) != tt.msg {
				t.Fatalf("Decode(%q) errors %v, want only %s: %q", tt.query, errs, tt.field, tt.msg)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Msg != tt.msg {
				t.Fatalf("errors.As(*FieldError) = %+v", fe)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %v does not wrap %v (cause %v)", err, tt.cause, fe.Err)
			}
			if want := tt.field + " " + tt.msg; !strings.Contains(err.Error(), want) {
				t.Errorf("Error() = %q, want it to contain %q", err.Error(), want)
			}
			for _, untouched := range []struct {
				name      string
				got, want any
			}{
				{"s", got.S, before.S}, {"i", got.I, before.I}, {"d", got.D, before.D},
				{"address[city]", got.Address.City, before.Address.City}, {"address[geo]", got.Address.Geo, before.Address.Geo},
			} {
				if strings.HasPrefix(tt.query, untouched.name+"=") && !reflect.DeepEqual(untouched.got, untouched.want) {
					t.Errorf("%s changed to %v by a bad value", untouched.name, untouched.got)
				}
			}
			if tt.field == "s" || tt.field == "address" || tt.field == "address[city]" || tt.field == "address[geo]" {
				if got.S != before.S || got.Address.City != before.Address.City || got.Address.Geo.Lat != before.Address.Geo.Lat {
					t.Errorf("bad nesting changed a field: %+v", got)
				}
			}
		})
	}
}

func TestDecodeReportsEveryField(t *testing.T) {
	var got all
	err := Decode(mustQuery(t, "i=x&f64=y&d=z&s=fine&address[city]=Lyon&address=bad"), &got)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Decode = %v, want Errors", err)
	}
	want := map[string]string{"i": "must be a whole number", "f64": "must be a number", "d": "must be a date", "address": "must be a group of fields"}
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %v", errs, want)
	}
	for f, msg := range want {
		if errs.Get(f) != msg {
			t.Errorf("%s: %q, want %q", f, errs.Get(f), msg)
		}
	}
	// The good fields are decoded all the same.
	if got.S != "fine" || got.Address.City != "Lyon" {
		t.Errorf("good fields not decoded: %+v", got)
	}
	if want := "form: address must be a group of fields; d must be a date; f64 must be a number; i must be a whole number"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestDecodeIgnoresUnknownKeys(t *testing.T) {
	q := "_target=s&_unused_s=&_csrf_token=abc&unknown=1&unknown[x]=2&address[_unused_city]=&address[zip]=75001" +
		"&_unused_tags[]=&Skip=no&skip=no&unexported=no&paddress[nope]=1&%5Bs%5D=x&=empty&s=ok"
	var got all
	if err := Decode(mustQuery(t, q), &got); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := all{S: "ok"} // an unknown nested key allocates no group
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestDecodeLeavesAbsentFields(t *testing.T) {
	got := all{S: "kept", I: 3, PI: ptr(4), Tags: []string{"old"}, Nums: []int{1}, B: true}
	if err := Decode(mustQuery(t, "pi=&tags[]=new&i=5"), &got); err != nil {
		t.Fatal(err)
	}
	want := all{S: "kept", I: 5, Tags: []string{"new"}, Nums: []int{1}, B: true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestDecodeListFromBothKeyForms(t *testing.T) {
	var got all
	if err := Decode(mustQuery(t, "tags=a&tags[]=b&tags[]=c"), &got); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got.Tags)
	if !slices.Equal(got.Tags, []string{"a", "b", "c"}) {
		t.Fatalf("tags %q", got.Tags)
	}
	// A hidden input's empty value alone empties the list.
	got.Tags = []string{"x"}
	if err := Decode(mustQuery(t, "tags[]="), &got); err != nil || len(got.Tags) != 0 {
		t.Fatalf("tags %q, %v; want none", got.Tags, err)
	}
}

type chain struct {
	Name string `form:"name"`
	Next *chain `form:"next"`
}

func TestDecodeRecursiveType(t *testing.T) {
	var got chain
	if err := Decode(mustQuery(t, "name=a&next[name]=b&next[next][next][name]=d"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != "a" || got.Next.Name != "b" || got.Next.Next.Name != "" || got.Next.Next.Next.Name != "d" || got.Next.Next.Next.Next != nil {
		t.Fatalf("got %+v", got)
	}
	// A deeper key than the data is just decoded deeper; a malformed one is refused.
	err := Decode(mustQuery(t, "next[next]=x"), &got)
	if err == nil || !strings.Contains(err.Error(), "next[next] must be a group of fields") {
		t.Fatalf("Decode = %v", err)
	}
}

// self embeds itself through a pointer.
type self struct {
	*self
	X string `form:"x"`
}

func TestDecodeKeyWithoutValues(t *testing.T) {
	got := all{PI: ptr(1), S: "s", Tags: []string{"t"}}
	if err := Decode(url.Values{"pi": {}, "s": {}, "tags": {}}, &got); err != nil {
		t.Fatal(err)
	}
	// No value: nothing to store, except that a list is emptied.
	if got.PI == nil || *got.PI != 1 || got.S != "s" || len(got.Tags) != 0 {
		t.Fatalf("got %+v", got)
	}
}

func TestDecodeSelfEmbedding(t *testing.T) {
	var got self
	if err := Decode(mustQuery(t, "x=1"), &got); err != nil || got.X != "1" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestDecodeNestedTypeAnalysedFirst(t *testing.T) {
	// address analysed as a root first, then met inside all.
	var a address
	if err := Decode(mustQuery(t, "city=x"), &a); err != nil || a.City != "x" {
		t.Fatalf("%+v, %v", a, err)
	}
	var got all
	if err := Decode(mustQuery(t, "address[city]=y"), &got); err != nil || got.Address.City != "y" {
		t.Fatalf("%+v, %v", got.Address, err)
	}
}

type Inner struct {
	A string `form:"a"`
}

type inner2 struct {
	B string `form:"b"`
}

type embeds struct {
	*Inner
	inner2
	C string `form:"c"`
}

func TestDecodeEmbedded(t *testing.T) {
	var got embeds
	if err := Decode(mustQuery(t, "a=1&b=2&c=3"), &got); err != nil {
		t.Fatal(err)
	}
	if got.Inner == nil || got.A != "1" || got.B != "2" || got.C != "3" {
		t.Fatalf("got %+v", got)
	}
}

func TestDecodeTooLarge(t *testing.T) {
	many := func(n int) url.Values {
		v := url.Values{}
		for i := range n {
			v.Add("k"+strconv.Itoa(i%7), "1")
		}
		return v
	}
	manyKeys := url.Values{}
	for i := range MaxFields + 1 {
		manyKeys.Set("field"+strconv.Itoa(i), "")
	}
	big := strings.Repeat("x", MaxValueBytes+1)
	tests := []struct {
		name string
		vals url.Values
		want string // in the error
	}{
		{"too many values of a few keys", many(MaxFields + 1), "10002 values, at most 10000"}, // with i=5
		{"too many keys", manyKeys, "10002 values, at most 10000"},
		{"a value over 1 MiB", url.Values{"s": {"short", big}}, `field "s" has a value of 1048577 bytes, at most 1048576`},
		{"a key over 1 MiB", url.Values{big: {"v"}}, "a key of 1048577 bytes, at most 1048576"},
		{"an unknown field over 1 MiB", url.Values{"unknown": {big}}, `field "unknown" has a value`},
		{"a long name, cut in the error", url.Values{strings.Repeat("n", 100): {big}}, `field "` + strings.Repeat("n", 64) + `"… has a value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := all{S: "before"}
			tt.vals.Set("i", "5")
			err := Decode(tt.vals, &got)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decode = %v, want ErrTooLarge", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			var errs Errors
			if errors.As(err, &errs) {
				t.Errorf("a refused form returned field errors %v", errs)
			}
			if got.S != "before" || got.I != 0 {
				t.Errorf("a refused form changed dst: %+v", got)
			}
		})
	}
	// At the limits, a form is decoded.
	atLimit := many(MaxFields - 1)
	atLimit.Set("s", strings.Repeat("y", MaxValueBytes))
	var got all
	if err := Decode(atLimit, &got); err != nil || len(got.S) != MaxValueBytes {
		t.Fatalf("a form at the limits: %v (len(s) = %d)", err, len(got.S))
	}
}

func TestDecodeBadDestination(t *testing.T) {
	var nilPtr *all
	n := 3
	tests := []struct {
		name string
		dst  any
		want string
	}{
		{"nil", nil, "not <nil>"},
		{"struct value", all{}, "not form.all"},
		{"nil pointer", nilPtr, "not *form.all"},
		{"pointer to int", &n, "not *int"},
		{"map field", &struct{ M map[string]string }{}, "M: type map[string]string is not supported"},
		{"chan field", &struct{ C chan int }{}, "type chan int is not supported"},
		{"func field", &struct{ F func() }{}, "type func() is not supported"},
		{"complex field", &struct{ X complex128 }{}, "type complex128 is not supported"},
		{"interface field", &struct{ X any }{}, "type interface {} is not supported"},
		{"array field", &struct{ X [2]int }{}, "type [2]int is not supported"},
		{"slice of structs", &struct{ X []address }{}, "type []form.address is not supported: a slice holds single values"},
		{"slice of slices", &struct{ X [][]int }{}, "type [][]int is not supported"},
		{"unsupported nested field", &struct {
			A struct{ M map[int]int }
		}{}, "M: type map[int]int is not supported"},
		{"layout on a string", &struct {
			S string `layout:"date"`
		}{}, "a layout tag on type string"},
		{"layout on a TextUnmarshaler", &struct {
			L level `layout:"date"`
		}{}, "a layout tag on type form.level, which holds no time.Time"},
		{"layout on a slice of strings", &struct {
			L []string `layout:"date"`
		}{}, "a layout tag on type []string"},
		{"layout on a group", &struct {
			A address `layout:"date"`
		}{}, "a layout tag on type form.address"},
		{"brackets in a name", &struct {
			S string `form:"a[b]"`
		}{}, `the name "a[b]" has brackets`},
		{"two fields with one name", &struct {
			A string `form:"x"`
			B string `form:"x"`
		}{}, `two fields are named "x"`},
		{"two embedded structs promote a name", &struct {
			Inner
			Other struct {
				A string `form:"a"`
			}
			*Inner2
		}{}, `two embedded structs promote a field named "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Refused whatever the form holds, even an empty one.
			for _, q := range []string{"", "a=1"} {
				err := Decode(mustQuery(t, q), tt.dst)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "form: ") {
					t.Fatalf("Decode(%q) = %v, want an error containing %q", q, err, tt.want)
				}
				var errs Errors
				if errors.As(err, &errs) || errors.Is(err, ErrTooLarge) {
					t.Errorf("a bad destination reported as bad input: %v", err)
				}
			}
		})
	}
}

// Inner2 promotes "a" as Inner does.
type Inner2 struct {
	A string `form:"a"`
}

func TestDecodeIsDeterministic(t *testing.T) {
	q := mustQuery(t, "i=x&i8=999&nums=a&nums[]=b&address=x&address[city]=y&d=no")
	first := Decode(q, &all{}).Error()
	for range 20 {
		if got := Decode(q, &all{}).Error(); got != first {
			t.Fatalf("Decode gave %q, then %q", first, got)
		}
	}
}
