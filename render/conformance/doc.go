// Package conformance proves that package render escapes exactly like html/template.
//
// It holds no production code. Its tests execute every case of a differential corpus
// (testdata/corpus/*.txtar: template text, data, options and the expected outcome) with
// both html/template and render, using the same FuncMap, and require that both succeed or
// both fail; on success the HTML of render's tree must equal html/template's output byte
// for byte, and on failure render's error must have html/template's text, and errors.As
// must find the same text/template ExecError or *html/template.Error in both. A case may
// also execute its template before making another with New (which replaces a template
// of the same name) and execute either. Cheap properties of the tree are checked on the
// way: statics are shared between renders, every node has one more static part than
// dynamic slots, and ranges become comprehensions. TestReplaceLifecycle runs longer
// scripts of New, Parse, ParseFiles, Lookup and executions on both engines.
//
// FuzzRenderMatchesHTMLTemplate generates templates from a small grammar covering every
// escaping context and checks the same equality on random data. The benchmarks in
// bench_test.go execute the /drops page of the Sneakers23 demo and a 1,000-row table with
// both engines side by side.
package conformance
