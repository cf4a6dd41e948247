package conformance

import (
	"errors"
	"fmt"
	"html/template"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/glint-go/glint/render"
)

// fixtures are the named Go data values a corpus case can use with "@name". Each entry is
// a constructor, so that single-use values such as channels are fresh for every execution.
var fixtures = map[string]func() any{}

// valueSets name lists of fixtures; a ".values" section may name a set instead of listing
// fixtures one by one.
var valueSets = map[string][]string{}

func fixture(name string, mk func() any) {
	if _, dup := fixtures[name]; dup {
		panic("duplicate fixture " + name)
	}
	fixtures[name] = mk
}

func constant(name string, v any) { fixture(name, func() any { return v }) }

// Point has value-receiver and pointer-receiver methods.
type Point struct {
	X, Y int
	Name string
}

// Sum has a value receiver.
func (p Point) Sum() int { return p.X + p.Y }

// Scale has a pointer receiver, so it is callable only on an addressable or pointer Point.
func (p *Point) Scale(k int) int { return (p.X + p.Y) * k }

// Label returns a string with markup.
func (p Point) Label() string { return "<" + p.Name + ">" }

// Fail always returns an error.
func (p Point) Fail() (string, error) { return "", errors.New("point failed <on purpose>") }

// MaybeFail returns an error when asked to.
func (p Point) MaybeFail(fail bool) (string, error) {
	if fail {
		return "", fmt.Errorf("maybe failed for %q", p.Name)
	}
	return "fine:" + p.Name, nil
}

// Boom panics.
func (p Point) Boom() string { panic("boom from Point") }

// Node is a recursive structure for recursive templates.
type Node struct {
	Name     string
	Children []*Node
	Parent   *Node
}

// Stringish implements fmt.Stringer.
type Stringish struct{ S string }

func (s Stringish) String() string { return "Stringish(" + s.S + ")" }

// Keyed implements render.Keyer's method set (Key() string) without importing render.
type Keyed struct {
	ID   int
	Name string
}

// Key gives a stable identity.
func (k Keyed) Key() string { return fmt.Sprintf("k%d", k.ID) }

// JSONer has a custom JSON form.
type JSONer struct{ V string }

// MarshalJSON emits markup, which the JS escaper must still neutralise.
func (j JSONer) MarshalJSON() ([]byte, error) {
	return []byte(`{"custom":"</script><b>` + j.V + `"}`), nil
}

// BadJSON fails to marshal.
type BadJSON struct{}

// MarshalJSON always fails.
func (BadJSON) MarshalJSON() ([]byte, error) { return nil, errors.New("bad json */ <x>") }

// NamedString is a string type that is none of the safe types.
type NamedString string

// Wrapper holds values behind interfaces and pointers.
type Wrapper struct {
	Any     any
	Ptr     *Point
	Err     error
	Str     fmt.Stringer
	Map     map[string]any
	Slice   []string
	Fn      func(string) string
	FnErr   func() (string, error)
	Private string
	hidden  string //nolint:unused // proves unexported fields are errors
}

// Embedded proves promoted fields and methods.
type Embedded struct {
	Point
	Extra string
}

// Item is a sneaker size, mirroring the Sneakers23 demo (examples/productpage).
type Item struct {
	ID    int
	SKU   string
	Size  string
	Count int
}

// Level derives the stock level from the count.
func (i Item) Level() string {
	switch {
	case i.Count <= 0:
		return "out"
	case i.Count < 150:
		return "low"
	case i.Count < 500:
		return "medium"
	default:
		return "high"
	}
}

// Product is a sneaker, mirroring the Sneakers23 demo.
type Product struct {
	ID           int
	SKU          string
	Order        int
	Brand        string
	Name         string
	Color        string
	PriceUSD     int
	MainImageURL string
	Released     bool
	Items        []Item
}

// DropsPage is the dot of the /drops template.
type DropsPage struct {
	Products []Product
}

var sizes13 = []string{"6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12"}

// dropsPage builds the demo's seed data (2 products of 13 sizes) with deterministic stock;
// released says which of the two products are released.
func dropsPage(released1, released2 bool) DropsPage {
	mk := func(id, order int, sku, brand, name, color, img string, price int, released bool, firstItem int, skuBase int) Product {
		p := Product{ID: id, SKU: sku, Order: order, Brand: brand, Name: name, Color: color,
			PriceUSD: price, MainImageURL: img, Released: released}
		for i, s := range sizes13 {
			id := firstItem + i
			count := 201 + (id*7919)%1000
			if id%10 == 3 {
				count = 0
			}
			if id%13 == 5 {
				count = 120
			}
			p.Items = append(p.Items, Item{ID: id, SKU: fmt.Sprintf("SHU%d", skuBase+i+1), Size: s, Count: count})
		}
		return p
	}
	return DropsPage{Products: []Product{
		mk(1, 0, "SHU6000", "Snks 23", "Hop Man 3", "yellow/blue", "/images/hopman.png", 120, released1, 1, 6000),
		mk(2, 1, "SHU6100", "Asler", "Breezy Boost 600", "momentum", "/images/breezy.png", 140, released2, 14, 6100),
	}}
}

// Row is one row of the 1,000-row table.
type Row struct {
	ID     int
	Name   string
	Email  string
	URL    string
	Active bool
}

func tableRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{
			ID:     i + 1,
			Name:   fmt.Sprintf("User <%d> & \"friends\"", i+1),
			Email:  fmt.Sprintf("o'brien+%d@example.com", i+1),
			URL:    fmt.Sprintf("/users/%d?tab=a&b=<x>", i+1),
			Active: i%3 == 0,
		}
	}
	return rows
}

func seqInts(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i * 10) {
				return
			}
		}
	}
}

func seqPairs() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, kv := range [][2]string{{"b", "<two>"}, {"a", "one&"}, {"c", "'three'"}} {
			if !yield(kv[0], kv[1]) {
				return
			}
		}
	}
}

func chanOf(vals ...string) chan string {
	c := make(chan string, len(vals))
	for _, v := range vals {
		c <- v
	}
	close(c)
	return c
}

// nastyStrings are the awkward strings every context sees.
var nastyStrings = map[string]string{
	"str_plain":    "hello",
	"str_empty":    "",
	"str_nasty":    `<script>alert('x&y')</script> "q" \ / ` + "`b`",
	"str_js_url":   "javascript:alert(1)",
	"str_js_url2":  " JavaScript:alert(1)",
	"str_data_url": "data:text/html,<b>x</b>",
	"str_url":      "https://example.com/a b?x=1&y=<2>#frag",
	"str_rel_url":  "/path/to?q=a+b&r=%20c",
	"str_unicode":  "héllo ✓ \u2028\u2029 \u00a0 𝄞",
	"str_ctrl":     "a\x00b\x01c\td\ne\rf",
	"str_css":      "red; background: url(javascript:x)",
	"str_expr":     "expression(alert(1))",
	"str_quotes":   `'"'"` + "``",
	"str_comment":  "<!-- x --> */ /* //",
	"str_script":   "</script><script>x()</script>",
	"str_dollar":   "${a} $ {{ }} }}",
	"str_regexp":   `/.*[a-z]\/+?/g`,
	"str_number":   "12.5e3",
	"str_attrname": "onclick",
	"str_srcset":   "a.png 1x, javascript:b 2x",
}

func init() {
	for name, s := range nastyStrings {
		constant(name, s)
	}
	constant("int", 42)
	constant("int_neg", -7)
	constant("int64", int64(1)<<40)
	constant("uint8", uint8(200))
	constant("float", 3.5)
	constant("float_big", 1e21)
	constant("float_neg_zero", -0.0)
	constant("bool_true", true)
	constant("bool_false", false)
	constant("nil", nil)
	constant("mixed_ints", map[string]any{"I": 3, "I64": int64(3), "U": uint8(3), "F": 3.0, "Neg": -1, "Nil": nil, "Ptr": (*Point)(nil)})
	constant("nil_ptr", (*Point)(nil))
	constant("nil_map", map[string]string(nil))
	constant("nil_slice", []string(nil))
	constant("nil_error", error(nil))
	constant("error", errors.New("an <error> & more"))
	constant("stringer", Stringish{"<s>"})
	constant("bytes", []byte("hi<"))
	constant("rune_slice", []rune("ab"))
	constant("html", template.HTML(`<b class="x">bold & "q"</b>`))
	constant("html_attr", template.HTMLAttr(`title="a&b"`))
	constant("url", template.URL("javascript:ok('<x>')"))
	constant("url_safe", template.URL("/a b?c=d&e=<f>"))
	constant("js", template.JS(`alert("x") </script>`))
	constant("js_str", template.JSStr(`a'b"c\n</script>`))
	constant("css", template.CSS(`color: red; x: </style>`))
	constant("srcset", template.Srcset(`a.png 1x, b.png 2x`))
	constant("struct", Point{X: 1, Y: 2, Name: "p<1>"})
	constant("struct_ptr", &Point{X: 3, Y: 4, Name: "p'2'"})
	constant("map", map[string]any{"a": 1, "b": "<two>", "c": []int{3}, "d": nil})
	constant("map_int_keys", map[int]string{3: "c", 1: "a<", 2: "b"})
	constant("slice", []string{"a", "<b>", "c&d"})
	constant("slice_int", []int{1, 2, 3})
	constant("slice_any", []any{1, "two", nil, 3.5, true, Point{Name: "x"}})
	constant("empty_slice", []string{})
	constant("empty_map", map[string]int{})
	constant("nested", map[string]any{"list": []map[string]any{{"n": "<1>"}, {"n": 2}}})
	constant("embedded", Embedded{Point: Point{X: 5, Y: 6, Name: "emb"}, Extra: "x&y"})

	constant("jsoner", JSONer{V: "v'1"})
	constant("jsoner_ptr", &JSONer{V: "p"})
	constant("bad_json", BadJSON{})
	constant("nan", math.NaN())
	constant("inf", math.Inf(1))
	constant("neg_inf", math.Inf(-1))
	constant("complex", complex(1, -2))
	constant("func_value", strings.ToUpper)
	constant("chan_value", make(chan int))
	constant("struct_keys", map[Point]int{{X: 1}: 1})
	constant("bool_keys", map[bool]string{true: "t", false: "f<"})
	constant("float_keys", map[float64]string{1.5: "a", -2: "b"})
	n := 7
	pn := &n
	constant("ptr_ptr", &pn)
	constant("time", time.Date(2026, 11, 29, 22, 0, 0, 0, time.UTC))
	constant("duration", 1500*time.Millisecond)
	constant("uint64_max", uint64(math.MaxUint64))
	constant("int_min", math.MinInt64)
	constant("float_tiny", 5e-324)
	constant("struct_json_tags", struct {
		A string `json:"a_tag"`
		B int    `json:"-"`
		C string `json:"c,omitempty"`
		d int
	}{A: "<a>", B: 2})
	constant("any_nil_slice", []any{nil, (*Point)(nil), map[string]any(nil)})
	valueSets["jsodd"] = []string{
		"jsoner", "jsoner_ptr", "bad_json", "nan", "inf", "neg_inf", "complex", "chan_value",
		"struct_keys", "bool_keys", "float_keys", "ptr_ptr", "time", "duration",
		"uint64_max", "int_min", "float_tiny", "struct_json_tags", "any_nil_slice", "nil_error",
		"int64", "uint8", "float_neg_zero", "float_big", "rune_slice", "html_ptr", "named_string",
	}
	// A ComponentRef is a component slot only in HTML text context; anywhere else it
	// must print as the int html/template prints.
	constant("component_ref", render.ComponentRef(3))
	constant("attr_href_js", map[string]any{"Name": "href", "Value": "javascript:alert(1)"})
	constant("attr_onclick", map[string]any{"Name": "onclick", "Value": "alert('x')"})
	constant("attr_style", map[string]any{"Name": "style", "Value": "color: expression(x)"})
	constant("attr_title", map[string]any{"Name": "title", "Value": `"><script>x</script>`})
	constant("attr_bad_name", map[string]any{"Name": `x" onclick="y`, "Value": "v"})

	valueSets["std"] = []string{
		"str_plain", "str_empty", "str_nasty", "str_js_url", "str_url", "str_unicode",
		"str_ctrl", "str_css", "str_quotes", "str_comment", "str_script", "str_dollar",
		"int", "int_neg", "float", "bool_true", "nil", "nil_ptr", "error", "stringer",
		"html", "html_attr", "url", "js", "js_str", "css", "srcset",
		"struct", "map", "slice", "slice_any", "bytes",
	}
	valueSets["short"] = []string{
		"str_nasty", "str_js_url", "str_unicode", "int", "nil", "html", "url", "js", "css",
		"struct", "slice",
	}

	fixture("chan", func() any { return chanOf("x", "<y>", "z&") })
	fixture("chan_empty", func() any { return chanOf() })
	fixture("data_chan", func() any { return map[string]any{"C": chanOf("one", "<two>")} })
	constant("seq", seqInts(4))
	constant("seq2", seqPairs())
	constant("data_seq", map[string]any{"S": seqInts(3), "P": seqPairs(), "Empty": seqInts(0)})

	pt := &Point{X: 1, Y: 2, Name: "pt"}
	constant("wrapper", Wrapper{
		Any:   "any<string>",
		Ptr:   pt,
		Err:   errors.New("wrapped error"),
		Str:   Stringish{"w"},
		Map:   map[string]any{"k": "v<", "n": nil},
		Slice: []string{"s1", "s2"},
		Fn:    func(s string) string { return "fn(" + s + ")" },
		FnErr: func() (string, error) { return "", errors.New("fnerr") },
	})
	constant("wrapper_nil", Wrapper{})
	constant("wrapper_ptr", &Wrapper{Ptr: pt, Any: 7})
	constant("point", Point{X: 1, Y: 2, Name: "pt<>"})
	constant("point_ptr", &Point{X: 10, Y: 20, Name: "ptr"})
	constant("points", []Point{{1, 2, "a"}, {3, 4, "b<"}, {5, 6, "c&"}})
	constant("point_ptrs", []*Point{{1, 2, "a"}, nil, {5, 6, "c"}})
	constant("keyed", []Keyed{{1, "one"}, {2, "two<"}, {3, "three"}})

	tree := &Node{Name: "root", Children: []*Node{
		{Name: "a<", Children: []*Node{{Name: "a1"}, {Name: "a2", Children: []*Node{{Name: "deep&"}}}}},
		{Name: "b"},
	}}
	constant("tree", tree)

	constant("drops_none", dropsPage(false, false))
	constant("drops_one", dropsPage(false, true))
	constant("drops_both", dropsPage(true, true))
	constant("drops_empty", DropsPage{})
	constant("rows", map[string]any{"Rows": tableRows(5)})
	constant("drops_shell", map[string]any{
		"Token": "tok'en<&>", "Session": "SFMyNTY.g2gDaAJhBXQ=", "Static": "", "ID": "F1x<2>",
		"Page": dropsPage(true, false),
	})
	constant("typed_slice", []any{template.HTML("<b>"), template.JS("x()"), template.URL("/u"), template.CSS("c:d"), template.JSStr("s'"), template.HTMLAttr("a=b"), template.Srcset("a 1x")})
	constant("typed_map", map[string]any{"h": template.HTML("<b>h</b>"), "j": template.JS("j<"), "u": template.URL("javascript:u")})
	h := template.HTML("<em>ptr</em>")
	constant("html_ptr", &h)
	constant("named_string", NamedString("named<string>"))

	constant("page", map[string]any{
		"Title":   "A <Title> & more",
		"User":    map[string]any{"Name": "O'Brien", "Admin": true, "Tags": []string{"x", "<y>"}},
		"Items":   []string{"one", "two", "<three>"},
		"Count":   3,
		"Zero":    0,
		"Empty":   "",
		"Nil":     nil,
		"URL":     "javascript:alert(1)",
		"Safe":    template.HTML("<i>safe</i>"),
		"Color":   "#ff0000",
		"Href":    "/a?b=c&d=<e>",
		"Numbers": []int{3, 1, 2},
		"Matrix":  [][]int{{1, 2}, {3, 4}},
		"Markdown": "# Title <script>x</script>\n\nSome *emph* and **strong** & [link](javascript:alert(1)) " +
			"and [ok](https://example.com?a=1&b=2).\n\n<div onclick=\"x\">raw html</div>\n\n- a\n- b\n",
		"Point": Point{X: 1, Y: 2, Name: "pt"},
		"Ptr":   (*Point)(nil),
		"Deep":  map[string]any{"A": map[string]any{"B": map[string]any{"C": "deep<"}}},
	})
	constant("markdown_docs", map[string]any{
		"Plain":   "just text & <tags>",
		"Heading": "## Hello *world*",
		"Code":    "```go\nfmt.Println(\"<hi>\")\n```\n\nand `inline <code>`",
		"Raw":     "<script>alert(1)</script>\n\n<b>bold?</b> text <i>inline</i>",
		"Links":   "[bad](javascript:alert(1)) [good](/x?y=1&z=2) <https://auto.link/x>",
		"Image":   "![alt \"q\"](/img.png \"title\")",
		"List":    "1. one\n2. two\n   - nested <x>\n",
		"Quote":   "> quoted & 'single'\n",
		"Empty":   "",
		"Table":   "| a | b |\n|---|---|\n| 1 | 2 |\n",
		"Unicode": "héllo — “quotes” \u2028 ✓",
	})
}

// funcs is the FuncMap shared by both engines (render adds markdown itself; the
// html/template side adds an equivalent, see markdown_test.go).
func funcs() map[string]any {
	return map[string]any{
		"upper":  strings.ToUpper,
		"join":   strings.Join,
		"repeat": strings.Repeat,
		"add":    func(a, b int) int { return a + b },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i
			}
			return s
		},
		"fail":  func(msg string) (string, error) { return "", errors.New(msg) },
		"okerr": func(s string) (string, error) { return "ok:" + s, nil },
		"boom":  func() string { panic("boom from func") },
		"pair":  func(a, b any) []any { return []any{a, b} },
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"safeHTML": func(s string) template.HTML { return template.HTML(s) },
		"safeURL":  func(s string) template.URL { return template.URL(s) },
		"safeJS":   func(s string) template.JS { return template.JS(s) },
		"safeCSS":  func(s string) template.CSS { return template.CSS(s) },
		"safeAttr": func(s string) template.HTMLAttr { return template.HTMLAttr(s) },
		"nilptr":   func() *Point { return nil },
		"variadic": func(prefix string, xs ...int) string { return fmt.Sprint(prefix, xs) },
		"mkseq":    seqInts,
	}
}
