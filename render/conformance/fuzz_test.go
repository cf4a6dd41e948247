package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/glint-go/glint/render"
)

// FuzzRenderMatchesHTMLTemplate turns fuzz bytes into a template (from a small grammar of
// text, tags, attributes of every context type, script and style blocks, comments,
// actions, pipelines, if/range/with and template calls) and into data (nasty strings,
// raw fuzz bytes, numbers, typed safe values, slices, nil), then requires render and
// html/template to agree: equal HTML, or both failing with errors in which errors.As
// finds the same text/template ExecError or *html/template.Error. Templates
// html/template cannot parse are not interesting and are passed over. Some inputs also
// replace the define "t" with New("t") before executing, which both engines must
// follow.
func FuzzRenderMatchesHTMLTemplate(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		g := &gen{b: in}
		data := g.data()
		text := g.template()
		// Second data from the input read backwards: the same parsed templates must give
		// equal results for other data too (render caches per template and per type).
		back := slices.Clone(in)
		slices.Reverse(back)
		data2 := (&gen{b: back}).data()

		// Only parse errors disqualify an input; escape and execution errors must match.
		ht, err := template.New("fuzz").Funcs(htmlFuncs()).Parse(text)
		if err != nil {
			return
		}
		rt, err := render.New("fuzz").Funcs(funcs()).Parse(text)
		if err != nil {
			t.Fatalf("render rejected a template html/template parses: %v\ntemplate: %q", err, text)
		}
		if body, ok := g.replacement(); ok {
			_, herr := ht.New("t").Parse(body)
			_, rerr := rt.New("t").Parse(body)
			if (herr == nil) != (rerr == nil) || herr != nil && herr.Error() != rerr.Error() {
				t.Fatalf("parsing a replacement of \"t\": html/template %v, render %v\ntemplate: %q\nreplacement: %q", herr, rerr, text, body)
			}
			text += "\nwith \"t\" replaced by: " + body // for the messages below
		}
		c := &testCase{id: "fuzz", name: "fuzz", text: text}
		for _, d := range []any{data, data2} {
			var buf bytes.Buffer
			var want outcome
			if want.err = ht.Execute(&buf, d); want.err == nil {
				want.out = buf.String()
			}
			got, tree, p := executeRecovered(rt, d)
			if p != nil {
				t.Fatalf("render panicked: %v\ntemplate: %q\ndata: %#v", p, text, d)
			}
			switch {
			case want.err != nil && got.err == nil:
				t.Fatalf("html/template failed, render did not\nhtml/template: %v\nrender output: %q\ntemplate: %q\ndata: %#v", want.err, got.out, text, d)
			case want.err == nil && got.err != nil:
				t.Fatalf("render failed, html/template did not\nrender: %v\nhtml/template output: %q\ntemplate: %q\ndata: %#v", got.err, want.out, text, d)
			case want.err != nil:
				if msg := checkErrorLocation(c, want.err, got.err); msg != "" {
					t.Fatalf("%s\nhtml/template: %v\nrender: %v\ntemplate: %q", msg, want.err, got.err, text)
				}
				if msg := checkErrorShape(want.err, got.err, false); msg != "" {
					t.Fatalf("%s\ntemplate: %q\ndata: %#v", msg, text, d)
				}
				continue
			}
			if got.out != want.out {
				t.Fatalf("output differs\n%s\ntemplate: %q\ndata: %#v", describeDiff(want.out, got.out), text, d)
			}
			if _, err := checkTree(tree); err != nil {
				t.Fatalf("tree invariant: %v\ntemplate: %q", err, text)
			}
		}
	})
}

// executeRecovered executes t, reporting a panic that escapes render.
func executeRecovered(t *render.Template, data any) (o outcome, tree *render.Rendered, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	tree, err := t.Execute(data)
	if err != nil {
		return outcome{err: err}, nil, nil
	}
	return outcome{out: tree.HTML(nil)}, tree, nil
}

// fuzzSeeds covers each element kind and each value kind at least once.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	for k := range numElementKinds {
		for v := 0; v < len(valueMakers); v += 5 {
			seeds = append(seeds, []byte{
				byte(v), byte(v + 1), byte(v + 2), byte(v + 3), 3, byte(v + 4), byte(v + 1), byte(v + 7), // data
				3, byte(k), 1, 2, 3, 4, 5, 6, byte(k + 1), 7, 8, 9, 10, 11, byte(k + 2), 12, 13, 14, 15, // template
			})
		}
	}
	// Longer pseudo-random inputs make larger templates from the start.
	r := rand.New(rand.NewPCG(23, 2026))
	for range 40 {
		s := make([]byte, 64+r.IntN(256))
		for i := range s {
			s[i] = byte(r.Uint32())
		}
		seeds = append(seeds, s)
	}
	seeds = append(seeds,
		[]byte("javascript:alert(1)<script>\"'`&\x00\xff\u2028"),
		[]byte{4, 4, 4, 4, 2, 9, 9, 2, 8, 2, 1, 1, 3, 0, 2, 4, 4, 5, 6, 6},
		[]byte{},
	)
	return seeds
}

// gen reads choices from fuzz bytes; an exhausted input reads as zeros, which always
// picks the first (and smallest) alternative, so generation terminates.
type gen struct {
	b      []byte
	i      int
	depth  int
	nodes  int
	scoped int // > 0 inside range or with, where dot is not the root
	vars   int // variables declared so far, for unique names
	blocks int // blocks defined so far, for unique names
}

func (g *gen) byte() byte {
	if g.i >= len(g.b) {
		return 0
	}
	c := g.b[g.i]
	g.i++
	return c
}

func (g *gen) pick(n int) int { return int(g.byte()) % n }

// raw takes up to limit raw bytes of input as a string, which may be invalid UTF-8.
func (g *gen) raw(limit int) string {
	n := g.pick(limit + 1)
	end := min(g.i+n, len(g.b))
	s := string(g.b[g.i:end])
	g.i = end
	return s
}

var fuzzStrings = []string{
	"", "x", "<b>&amp;</b>", `"'` + "`", "javascript:alert(1)", " JaVaScRiPt:x", "/a b?c=d&e=f#g",
	"</script><script>", "</style>", "<!--", "-->", "${x}", `\`, "\u2028\u2029", "é✓𝄞", "\x00\x01",
	"expression(x)", "a.png 1x, b.png 2x", "onclick", "url(x)", "/* */", "//", "1e3", "-0",
}

// valueMakers build the data values; fuzz bytes choose among them.
var valueMakers = []func(g *gen) any{
	func(g *gen) any { return fuzzStrings[g.pick(len(fuzzStrings))] },
	func(g *gen) any { return g.raw(12) },
	func(g *gen) any { return int(int8(g.byte())) },
	func(g *gen) any { return float64(int8(g.byte())) / 4 },
	func(g *gen) any { return g.byte()%2 == 0 },
	func(g *gen) any { return nil },
	func(g *gen) any { return (*Point)(nil) },
	func(g *gen) any { return Point{X: int(g.byte()), Y: 2, Name: fuzzStrings[g.pick(len(fuzzStrings))]} },
	func(g *gen) any { return template.HTML(g.str()) },
	func(g *gen) any { return template.HTMLAttr(g.str()) },
	func(g *gen) any { return template.URL(g.str()) },
	func(g *gen) any { return template.JS(g.str()) },
	func(g *gen) any { return template.JSStr(g.str()) },
	func(g *gen) any { return template.CSS(g.str()) },
	func(g *gen) any { return template.Srcset(g.str()) },
	func(g *gen) any { return []string{g.str(), g.str()} },
	func(g *gen) any { return []any{g.str(), int(g.byte()), nil} },
	func(g *gen) any { return map[string]any{"k": g.str(), "n": int(g.byte())} },
	func(g *gen) any { return errors.New(g.str()) },
	func(g *gen) any { return Stringish{g.str()} },
	func(g *gen) any { return []byte(g.str()) },
	func(g *gen) any { return seqInts(g.pick(4)) },
	func(g *gen) any { return map[int]string{int(g.byte()): g.str(), -1: g.str()} },
	func(g *gen) any { return &Point{X: int(g.byte()), Name: g.str()} },
	func(g *gen) any { return []Keyed{{ID: int(g.byte()), Name: g.str()}, {ID: 2, Name: g.str()}} },
}

func (g *gen) str() string {
	if g.byte()%2 == 0 {
		return fuzzStrings[g.pick(len(fuzzStrings))]
	}
	return g.raw(10)
}

func (g *gen) value() any { return valueMakers[g.pick(len(valueMakers))](g) }

// data builds the dot: four scalar-ish fields and a list.
func (g *gen) data() map[string]any {
	d := map[string]any{}
	for i := range 4 {
		d[fmt.Sprintf("F%d", i)] = g.value()
	}
	n := g.pick(4)
	l := make([]any, n)
	for i := range l {
		l[i] = g.value()
	}
	d["L"] = l
	return d
}

// ctx is the syntactic place generated text lands in; it decides which static snippets
// keep the surrounding construct well-formed.
type ctx int

const (
	ctxText ctx = iota
	ctxAttrDQ
	ctxAttrSQ
	ctxAttrUnquoted
	ctxURL
	ctxCSS
	ctxJS
	ctxJSString
	ctxJSTemplate
	ctxJSRegexp
	ctxComment
	ctxRCDATA
	numCtx
)

var staticSnippets = [numCtx][]string{
	ctxText:         {"hi", " ", "<b>", "</b>", "&amp;", "<br>", "a > b", "<p class=x>", "\n"},
	ctxAttrDQ:       {"x", " ", "&quot;", "a'b", "&amp;", "=", "<>"},
	ctxAttrSQ:       {"x", " ", "&#39;", `a"b`, "&amp;", "="},
	ctxAttrUnquoted: {"x", "y-z", "&amp;", "1"},
	ctxURL:          {"/p/", "?q=", "&amp;x=", "#f", "http://e.com/", "javascript:", "mailto:", " ", "%20"},
	ctxCSS:          {"color: ", ";", " ", "1px", "p { x: y }", "'s'", `"d"`, "/* c */", "url(/a)"},
	ctxJS:           {" ", "x = ", ";", "+", "(1)", "/ 2", "'a'", `"b"`, "`c`", "/* c */", "[1,2]", "{a:1}", "return ", "\n"},
	ctxJSString:     {"x", " ", `\n`, `\'`, `\"`, "</", "${"},
	ctxJSTemplate:   {"x", " ", "${ 1 }", "\\`", "\n"},
	ctxJSRegexp:     {"a", ".*", `\/`, "[a-z]", "+?"},
	ctxComment:      {"c", " ", "-", "<b>"},
	ctxRCDATA:       {"t", " ", "<b>", "&amp;", "</x>"},
}

const maxDepth, maxNodes = 3, 40

// template generates the defines and the body.
func (g *gen) template() string {
	var b strings.Builder
	// One define, called by {{template "t"}} actions in any context.
	b.WriteString(`{{define "t"}}`)
	switch g.pick(5) {
	case 0:
		b.WriteString("{{.}}")
	case 1:
		b.WriteString("[{{.}}]")
	case 2:
		b.WriteString("{{if .}}{{.}}{{else}}empty{{end}}")
	case 3:
		b.WriteString("{{range .}}{{.}},{{end}}")
	case 4:
		b.WriteString("{{printf \"%v\" .}}")
	}
	b.WriteString("{{end}}")
	g.elements(&b)
	return b.String()
}

const numElementKinds = 13

func (g *gen) elements(b *strings.Builder) {
	n := g.pick(5)
	if g.depth == 0 {
		n = 1 + g.pick(8)
	}
	for range n {
		if g.nodes >= maxNodes {
			return
		}
		g.nodes++
		g.element(b)
	}
}

var attrsByCtx = []struct {
	name string
	ctx  ctx
}{
	{"title", ctxAttrDQ}, {"class", ctxAttrDQ}, {"data-x", ctxAttrDQ}, {"value", ctxAttrDQ},
	{"href", ctxURL}, {"src", ctxURL}, {"action", ctxURL}, {"xlink:href", ctxURL},
	{"onclick", ctxJS}, {"onmouseover", ctxJS}, {"style", ctxCSS}, {"srcset", ctxAttrDQ},
}

var tags = []string{"a", "div", "img", "input", "span", "svg", "button", "form", "iframe"}

func (g *gen) element(b *strings.Builder) {
	switch g.pick(numElementKinds) {
	case 0:
		g.seq(b, ctxText)
	case 1:
		g.action(b, ctxText)
	case 2: // a tag with a few attributes, each in its own context
		tag := tags[g.pick(len(tags))]
		b.WriteString("<" + tag)
		for range 1 + g.pick(3) {
			a := attrsByCtx[g.pick(len(attrsByCtx))]
			b.WriteString(" " + a.name + "=")
			c := a.ctx
			switch g.pick(3) {
			case 0:
				b.WriteString(`"`)
				g.seq(b, c)
				b.WriteString(`"`)
			case 1:
				if c == ctxAttrDQ {
					c = ctxAttrSQ
				}
				b.WriteString(`'`)
				g.seq(b, c)
				b.WriteString(`'`)
			case 2:
				g.action(b, ctxAttrUnquoted)
			}
		}
		b.WriteString(">")
		g.depth++
		if g.depth < maxDepth {
			g.elements(b)
		}
		g.depth--
		b.WriteString("</" + tag + ">")
	case 3: // an action as an attribute name
		b.WriteString("<a ")
		g.action(b, ctxAttrUnquoted)
		b.WriteString(`="x">l</a>`)
	case 4: // script with code, strings, template literals and regexps
		b.WriteString("<script>")
		for range 1 + g.pick(3) {
			switch g.pick(5) {
			case 0, 1:
				g.seq(b, ctxJS)
			case 2:
				b.WriteString(`var s = "`)
				g.seq(b, ctxJSString)
				b.WriteString(`";`)
			case 3:
				b.WriteString("var t = `")
				g.seq(b, ctxJSTemplate)
				b.WriteString("`;")
			case 4:
				b.WriteString("var r = /")
				g.seq(b, ctxJSRegexp)
				b.WriteString("/g;")
			}
		}
		b.WriteString("</script>")
	case 5:
		b.WriteString("<style>")
		g.seq(b, ctxCSS)
		b.WriteString("</style>")
	case 6:
		tag := []string{"title", "textarea"}[g.pick(2)]
		b.WriteString("<" + tag + ">")
		g.seq(b, ctxRCDATA)
		b.WriteString("</" + tag + ">")
	case 7:
		b.WriteString("<!--")
		g.seq(b, ctxComment)
		b.WriteString("-->")
	case 8, 9, 10: // control structure around elements
		if g.depth >= maxDepth {
			g.action(b, ctxText)
			return
		}
		g.depth++
		g.control(b, func() { g.elements(b) })
		g.depth--
	case 11:
		fmt.Fprintf(b, `{{template "t" %s}}`, g.operand())
	case 12: // raw fuzz text, delimiters removed
		s := g.raw(16)
		s = strings.ReplaceAll(strings.ReplaceAll(s, "{{", "{"), "}}", "}")
		b.WriteString(s)
	}
}

// replacementBodies are the bodies a replacement of the define "t" may have: some are
// valid in every context "t" is called from, some only in text.
var replacementBodies = []string{
	"{{.}}",
	"<b>{{.}}</b>",
	"{{if .}}{{.}}{{end}}",
	`{{printf "%q" .}}`,
	"",
	"{{",
}

// replacement decides, from the bytes after those the template was made from, whether
// to replace the define "t" with New("t"), and with which body. An exhausted input
// replaces nothing, so inputs made before this choice existed make what they made.
func (g *gen) replacement() (string, bool) {
	c := g.pick(2 * len(replacementBodies))
	if c == 0 || c > len(replacementBodies) {
		return "", false
	}
	return replacementBodies[c-1], true
}

// seq writes a short mix of static snippets and actions valid in context c.
func (g *gen) seq(b *strings.Builder, c ctx) {
	for range g.pick(4) {
		if g.nodes >= maxNodes {
			return
		}
		g.nodes++
		if g.byte()%2 == 0 {
			s := staticSnippets[c]
			b.WriteString(s[g.pick(len(s))])
		} else {
			g.action(b, c)
		}
	}
}

var fields = []string{".F0", ".F1", ".F2", ".F3", ".", "$.F0", ".L"}

// operand picks a field; inside range and with, where dot moves, fields are reached
// through $ so that most generated templates execute without error.
func (g *gen) operand() string {
	f := fields[g.pick(len(fields))]
	if g.scoped > 0 && f != "." && strings.HasPrefix(f, ".") {
		return "$" + f
	}
	return f
}

// action writes one action or a small control structure within context c.
func (g *gen) action(b *strings.Builder, c ctx) {
	switch g.pick(20) {
	case 0, 1, 2, 3:
		b.WriteString("{{" + g.operand() + "}}")
	case 4:
		fmt.Fprintf(b, `{{printf "%%v|%%s" %s %s}}`, g.operand(), g.operand())
	case 5:
		fmt.Fprintf(b, "{{%s | print}}", g.operand())
	case 6:
		fmt.Fprintf(b, "{{len %s}}", g.list())
	case 7:
		fmt.Fprintf(b, `{{template "t" %s}}`, g.operand())
	case 8, 9, 10:
		if g.depth >= maxDepth {
			b.WriteString("{{$.F1}}")
			return
		}
		g.depth++
		g.control(b, func() {
			b.WriteString(g.static(c))
			b.WriteString("{{" + g.operand() + "}}")
		})
		g.depth--
	case 11:
		fmt.Fprintf(b, "{{index %s %d}}", g.list(), g.pick(3))
	case 12:
		g.vars++
		fmt.Fprintf(b, "{{$v%d := %s}}{{$v%d}}", g.vars, g.operand(), g.vars)
	case 13:
		fmt.Fprintf(b, "{{- %s -}}", g.operand())
	case 14:
		b.WriteString("{{/* comment */}}")
	case 15:
		fmt.Fprintf(b, "{{if and %s %s}}%s{{else if not %s}}%s{{end}}", g.operand(), g.operand(), g.static(c), g.operand(), g.static(c))
	case 16:
		g.blocks++
		fmt.Fprintf(b, `{{block "b%d" %s}}[{{.}}]{{end}}`, g.blocks, g.operand())
	case 17:
		fmt.Fprintf(b, `{{%s | printf "%%q"}}`, g.operand())
	case 18:
		fmt.Fprintf(b, "{{eq %s %s}}", g.operand(), g.operand())
	case 19:
		g.vars++
		fmt.Fprintf(b, "{{with $w%d := %s}}{{$w%d}}%s{{end}}", g.vars, g.operand(), g.vars, g.static(c))
	}
}

// static picks a snippet that keeps context c well-formed.
func (g *gen) static(c ctx) string {
	s := staticSnippets[c]
	return s[g.pick(len(s))]
}

// list is the list field, through $ where dot has moved.
func (g *gen) list() string {
	if g.scoped > 0 {
		return "$.L"
	}
	return ".L"
}

func (g *gen) scopedBody(body func()) {
	g.scoped++
	body()
	g.scoped--
}

// control wraps body in if/else, range/else, with/else or a range with break/continue.
func (g *gen) control(b *strings.Builder, body func()) {
	switch g.pick(5) {
	case 0:
		fmt.Fprintf(b, "{{if %s}}", g.operand())
		body()
		if g.byte()%2 == 0 {
			fmt.Fprintf(b, "{{else if %s}}", g.operand())
			body()
		}
		b.WriteString("{{else}}")
		body()
		b.WriteString("{{end}}")
	case 1:
		fmt.Fprintf(b, "{{range $i, $e := %s}}", g.operand())
		g.scopedBody(body)
		b.WriteString("{{else}}")
		body()
		b.WriteString("{{end}}")
	case 2:
		fmt.Fprintf(b, "{{with %s}}", g.operand())
		g.scopedBody(body)
		b.WriteString("{{else}}")
		body()
		b.WriteString("{{end}}")
	case 3:
		fmt.Fprintf(b, "{{range %s}}{{if not .}}{{continue}}{{end}}", g.operand())
		g.scopedBody(body)
		b.WriteString("{{if .}}{{break}}{{end}}{{end}}")
	case 4:
		fmt.Fprintf(b, "{{range %d}}", g.pick(3))
		g.scopedBody(body)
		b.WriteString("{{end}}")
	}
}
