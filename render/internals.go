package render

// This file is the only place that reaches into html/template's unexported state. It is
// isolated here on purpose:
//
//   - html/template keeps the text/template it escapes in an unexported field, and the
//     derived copies it makes for {{template}} calls in non-text contexts
//     ("X$htmltemplate_state…") exist only in that text/template's set;
//   - the escaper functions that html/template inserts into pipelines
//     (_html_template_htmlescaper and friends) are unexported; html/template installs them
//     into the text/template's function map when it escapes.
//
// Both are read with reflect.NewAt on the unexported fields. checkInternals verifies the
// result at init against html/template's own output, and internalsErr makes every
// Execute fail loudly (and TestInternals fail) if a Go release changes these internals.

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"reflect"
	"strings"
	texttemplate "text/template"
	"unsafe"
)

// escaperNames lists the functions html/template may insert into escaped pipelines.
var escaperNames = []string{
	"_html_template_attrescaper",
	"_html_template_commentescaper",
	"_html_template_cssescaper",
	"_html_template_cssvaluefilter",
	"_html_template_htmlnamefilter",
	"_html_template_htmlescaper",
	"_html_template_jsregexpescaper",
	"_html_template_jsstrescaper",
	"_html_template_jstmpllitescaper",
	"_html_template_jsvalescaper",
	"_html_template_nospaceescaper",
	"_html_template_rcdataescaper",
	"_html_template_srcsetescaper",
	"_html_template_urlescaper",
	"_html_template_urlfilter",
	"_html_template_urlnormalizer",
	"_eval_args_",
}

// escaperFunc is the signature of every html/template escaper.
type escaperFunc = func(...any) string

var (
	// escapers maps escaper names to the real html/template functions.
	escapers map[string]escaperFunc
	// internalsErr is non-nil when html/template's internals are not what this file
	// expects; Execute then returns it.
	internalsErr error
)

func init() {
	escapers, internalsErr = loadEscapers()
	escaperValues = make(map[string]reflect.Value, len(escapers))
	for k, v := range escapers {
		escaperValues[k] = reflect.ValueOf(v)
	}
	if internalsErr == nil {
		internalsErr = checkInternals()
	}
	if internalsErr != nil {
		internalsErr = fmt.Errorf("render: incompatible html/template internals (Go upgrade?): %w", internalsErr)
	}
}

// textTemplateOf returns the text/template that html/template t escapes and executes.
func textTemplateOf(t *htmltemplate.Template) (*texttemplate.Template, error) {
	f := reflect.ValueOf(t).Elem().FieldByName("text")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*texttemplate.Template]() {
		return nil, errors.New("html/template.Template has no field text *text/template.Template")
	}
	return *(**texttemplate.Template)(unsafe.Pointer(f.UnsafeAddr())), nil
}

// loadEscapers escapes a throwaway template and reads the escaper functions that
// html/template installed into its text/template's execution func map.
func loadEscapers() (map[string]escaperFunc, error) {
	ht := htmltemplate.Must(htmltemplate.New("probe").Parse(`{{.}}`))
	if err := ht.Execute(io.Discard, ""); err != nil {
		return nil, err
	}
	tt, err := textTemplateOf(ht)
	if err != nil {
		return nil, err
	}
	common := reflect.ValueOf(tt).Elem().FieldByName("common")
	if !common.IsValid() || common.Kind() != reflect.Pointer || common.IsNil() {
		return nil, errors.New("text/template.Template has no *common")
	}
	f := common.Elem().FieldByName("execFuncs")
	if !f.IsValid() || f.Type() != reflect.TypeFor[map[string]reflect.Value]() {
		return nil, errors.New("text/template common has no execFuncs map[string]reflect.Value")
	}
	funcs := *(*map[string]reflect.Value)(reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).UnsafePointer())
	out := make(map[string]escaperFunc, len(escaperNames))
	for _, name := range escaperNames {
		v, ok := funcs[name]
		if !ok {
			return nil, fmt.Errorf("escaper %s not installed", name)
		}
		fn, ok := v.Interface().(escaperFunc)
		if !ok {
			return nil, fmt.Errorf("escaper %s has type %s", name, v.Type())
		}
		out[name] = fn
	}
	for name := range funcs {
		if strings.HasPrefix(name, "_html_template_") {
			if _, ok := out[name]; !ok {
				return nil, fmt.Errorf("unknown escaper %s", name)
			}
		}
	}
	return out, nil
}

// checkInternals compares the loaded escapers with html/template's output for inputs that
// exercise each of them.
func checkInternals() error {
	cases := []struct{ tmpl, fn, in string }{
		{`{{.}}`, "_html_template_htmlescaper", ""},
		{`<a title="{{.}}">`, "_html_template_attrescaper", ""},
		{`<a title={{.}}>`, "_html_template_nospaceescaper", ""},
		{`<textarea>{{.}}</textarea>`, "_html_template_rcdataescaper", ""},
		{`<script>var x = {{.}};</script>`, "_html_template_jsvalescaper", ""},
		{`<script>var x = "{{.}}";</script>`, "_html_template_jsstrescaper", ""},
		{"<script>var x = `{{.}}`;</script>", "_html_template_jstmpllitescaper", ""},
		{`<script>var x = /{{.}}/;</script>`, "_html_template_jsregexpescaper", ""},
		{`<style>p { color: {{.}} }</style>`, "_html_template_cssvaluefilter", ""},
		{`<a style="font-family: '{{.}}'">`, "_html_template_cssescaper", "a\"b\\c<d>e\x00"},
		{`<a href="/x?q={{.}}">`, "_html_template_urlescaper", ""},
		{`<img srcset="{{.}}">`, "_html_template_srcsetescaper", ""},
	}
	const in = "<a href=\"javascript:x\" onclick='y'>&amp; \x00 \u2028 `${z}` /re/ + = </a>"
	for _, c := range cases {
		in := string(in)
		if c.in != "" {
			in = c.in
		}
		ht, err := htmltemplate.New("check").Parse(c.tmpl)
		if err != nil {
			return err
		}
		var want strings.Builder
		if err := ht.Execute(&want, in); err != nil {
			return err
		}
		if got := escapers[c.fn](in); !strings.Contains(want.String(), got) {
			return fmt.Errorf("%s(%q) = %q, not found in html/template output %q", c.fn, in, got, want.String())
		}
	}
	return nil
}
