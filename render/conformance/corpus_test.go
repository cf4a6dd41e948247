package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// A corpus file is a txtar archive (sections introduced by "-- name --" lines). A section
// named NAME holds the template text of case NAME; optional companion sections are
//
//	NAME.data    the dot: JSON, or "@fixture" naming a Go value from fixtures_test.go
//	NAME.values  run the template once per value: fixture names or "set:NAME" lines
//	NAME.opts    "key: value" lines:
//	               exec: T        execute associated template T (ExecuteTemplate)
//	               want: error    html/template must fail (parse, escape or execution)
//	               errhas: TEXT   html/template must fail with an error containing TEXT
//	               option: OPT    Template.Option(OPT), e.g. missingkey=error
//	               delims: L R    Template.Delims(L, R)
//	               errtype: TYPE  html/template's error must be of this type: exec (a
//	                              text/template ExecError), escape (an
//	                              *html/template.Error) or other (neither)
//	               tree: KINDS    render's tree must hold slots of these kinds
//	                              (comprehension, tree)
//	               newline: keep  keep the template section's final newline
//	               warm: yes      execute the template once, after parsing and before
//	                              NAME.new, with the same data; both engines must succeed
//	                              with the same output or both fail
//	               new: N         the name NAME.new is given (NAME when absent)
//	               run: WHICH     with NAME.new, which template value the case executes
//	                              (or calls ExecuteTemplate on): new (the default), first
//	                              (the template NAME.new was made from) or lookup (the
//	                              first's Lookup of the new name)
//	NAME.parse2  more template text, parsed into the same template by a second Parse call
//	             (as a page's defines are parsed after its layout)
//	NAME.new     template text parsed into first.New(N), after NAME, NAME.parse2 and any
//	             warm-up execution. If a template called N exists, html/template replaces
//	             it and resets the old value. The Parse must succeed in both engines or fail
//	             in both with the same error; the case executes either way.
//
// The template's name is NAME, so errors name it. A template section must not end with
// a newline that matters: the final newline of every section is dropped, so write the
// template's trailing text explicitly when it is significant.

// caseOpts are the per-case options.
type caseOpts struct {
	exec    string   // execute this associated template instead of NAME (ExecuteTemplate)
	wantErr bool     // html/template must fail (parse, escape or exec)
	errHas  string   // html/template's error must contain this (proves the case tests what it says)
	options []string // Template.Option arguments, e.g. missingkey=error
	delims  [2]string
	errType string   // html/template's error must be of this type: exec, escape or other
	treeHas []string // render's tree must contain these dynamic kinds: comprehension, tree
	keepNL  bool     // keep the template section's final newline
	warm    bool     // execute once before making the .new template
	newName string   // name of the .new template; the case's name when empty
	run     string   // with a .new template, which value to execute: new, first or lookup
}

// testCase is one executable case.
type testCase struct {
	id   string // file:NAME[value]
	name string // template name
	text string
	more string // parsed after text by a second Parse call, when non-empty
	// newText, when hasNew, is parsed into a template made by New after the others.
	newText string
	hasNew  bool
	data    func() any
	opts    caseOpts
}

type section struct {
	name string
	body string
}

// parseTxtar splits an archive into sections, ignoring the leading comment.
func parseTxtar(src string) []section {
	var out []section
	var cur *section
	var b strings.Builder
	flush := func() {
		if cur != nil {
			cur.body = b.String()
			out = append(out, *cur)
		}
		b.Reset()
	}
	for line := range strings.Lines(src) {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			flush()
			cur = &section{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])}
			continue
		}
		if cur != nil {
			b.WriteString(line)
		}
	}
	flush()
	return out
}

func parseOpts(s string) (caseOpts, error) {
	var o caseOpts
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return o, fmt.Errorf("bad option line %q", line)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "exec":
			o.exec = v
		case "want":
			switch v {
			case "ok":
			case "error":
				o.wantErr = true
			default:
				return o, fmt.Errorf("want: %q is neither ok nor error", v)
			}
		case "errhas":
			o.wantErr = true
			o.errHas = v
		case "option":
			o.options = append(o.options, v)
		case "delims":
			f := strings.Fields(v)
			if len(f) != 2 {
				return o, fmt.Errorf("delims: want two fields, got %q", v)
			}
			o.delims = [2]string{f[0], f[1]}
		case "tree":
			for _, kind := range strings.Fields(v) {
				if kind != "comprehension" && kind != "tree" {
					return o, fmt.Errorf("tree: unknown kind %q", kind)
				}
				o.treeHas = append(o.treeHas, kind)
			}
		case "newline":
			o.keepNL = v == "keep"
		case "errtype":
			if v != "exec" && v != "escape" && v != "other" {
				return o, fmt.Errorf("errtype: %q is not exec, escape or other", v)
			}
			o.wantErr = true
			o.errType = v
		case "warm":
			if v != "yes" {
				return o, fmt.Errorf("warm: %q is not yes", v)
			}
			o.warm = true
		case "new":
			o.newName = v
		case "run":
			if v != "new" && v != "first" && v != "lookup" {
				return o, fmt.Errorf("run: %q is not new, first or lookup", v)
			}
			o.run = v
		default:
			return o, fmt.Errorf("unknown option %q", k)
		}
	}
	return o, nil
}

func parseData(src string) (func() any, error) {
	src = strings.TrimSpace(src)
	if name, ok := strings.CutPrefix(src, "@"); ok {
		mk, ok := fixtures[name]
		if !ok {
			return nil, fmt.Errorf("unknown fixture %q", name)
		}
		return mk, nil
	}
	dec := json.NewDecoder(strings.NewReader(src))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("data is neither @fixture nor JSON: %w", err)
	}
	// JSON values are immutable from the template's point of view; share one.
	return func() any { return v }, nil
}

func parseValues(src string) ([]string, error) {
	var names []string
	for line := range strings.Lines(src) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if set, ok := strings.CutPrefix(line, "set:"); ok {
			vs, ok := valueSets[set]
			if !ok {
				return nil, fmt.Errorf("unknown value set %q", set)
			}
			names = append(names, vs...)
			continue
		}
		if _, ok := fixtures[line]; !ok {
			return nil, fmt.Errorf("unknown fixture %q", line)
		}
		names = append(names, line)
	}
	return names, nil
}

// loadCorpus reads every case of testdata/corpus.
func loadCorpus(t testing.TB) []testCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	sort.Strings(files)
	var cases []testCase
	seen := map[string]bool{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(file), ".txtar")
		secs := parseTxtar(string(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))))
		byName := map[string]string{}
		for _, s := range secs {
			if _, dup := byName[s.name]; dup {
				t.Fatalf("%s: duplicate section %q", file, s.name)
			}
			byName[s.name] = s.body
		}
		for _, s := range secs {
			if strings.Contains(s.name, ".") {
				suffix := s.name[strings.LastIndex(s.name, ".")+1:]
				owner := s.name[:strings.LastIndex(s.name, ".")]
				if suffix != "data" && suffix != "values" && suffix != "opts" && suffix != "parse2" && suffix != "new" {
					t.Fatalf("%s: section %q has unknown suffix", file, s.name)
				}
				if _, ok := byName[owner]; !ok {
					t.Fatalf("%s: section %q has no template section %q", file, s.name, owner)
				}
				continue
			}
			opts, err := parseOpts(byName[s.name+".opts"])
			if err != nil {
				t.Fatalf("%s: %s: %v", file, s.name, err)
			}
			text := s.body
			if !opts.keepNL {
				text = strings.TrimSuffix(text, "\n")
			}
			more := strings.TrimSuffix(byName[s.name+".parse2"], "\n")
			newText, hasNew := byName[s.name+".new"]
			newText = strings.TrimSuffix(newText, "\n")
			if !hasNew && (opts.newName != "" || opts.run != "") {
				t.Fatalf("%s: %s: new and run options need a %s.new section", file, s.name, s.name)
			}
			if opts.newName == "" {
				opts.newName = s.name
			}
			id := base + ":" + s.name
			if seen[id] {
				t.Fatalf("duplicate case %s", id)
			}
			seen[id] = true
			dataSrc, hasData := byName[s.name+".data"]
			valSrc, hasValues := byName[s.name+".values"]
			if hasData && hasValues {
				t.Fatalf("%s: %s has both .data and .values", file, s.name)
			}
			if hasValues && (hasNew || opts.warm) {
				// TestCorpusReuse executes one parsed template with every value.
				t.Fatalf("%s: %s: .values cannot be combined with .new or warm", file, s.name)
			}
			switch {
			case hasValues:
				names, err := parseValues(valSrc)
				if err != nil {
					t.Fatalf("%s: %s: %v", file, s.name, err)
				}
				for _, v := range names {
					cases = append(cases, testCase{id: id + "[" + v + "]", name: s.name, text: text, more: more, newText: newText, hasNew: hasNew, data: fixtures[v], opts: opts})
				}
			case hasData:
				mk, err := parseData(dataSrc)
				if err != nil {
					t.Fatalf("%s: %s: %v", file, s.name, err)
				}
				cases = append(cases, testCase{id: id, name: s.name, text: text, more: more, newText: newText, hasNew: hasNew, data: mk, opts: opts})
			default:
				cases = append(cases, testCase{id: id, name: s.name, text: text, more: more, newText: newText, hasNew: hasNew, data: func() any { return nil }, opts: opts})
			}
		}
	}
	return cases
}
