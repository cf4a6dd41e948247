// Package docstest keeps the Go examples in the documentation compiling. Its test reads
// README.md and docs/*.md at the repository root, extracts every fenced code block whose
// info string is "go", and builds the complete ones against the repository's own packages.
//
// The convention, for whoever writes the docs:
//
//   - A block whose first line of code (after blank lines and // comments) is a package
//     clause is a complete Go file. It must compile and pass go vet: it is written to a
//     package of its own in a temporary module that requires Glint through a replace
//     directive to this checkout (so no network is needed beyond the module cache the
//     repository's own build uses). Imports must be complete, and a package main needs a
//     func main. For each //go:embed pattern a placeholder file is created
//     ("templates/*.html" gets templates/example.html), so examples may embed files.
//   - Any other go block is a fragment (a few statements, or declarations shown without
//     their imports) and is not compiled. Prefer a complete file for anything a reader is
//     expected to copy.
//
// Errors are reported at the Markdown file and line of the block (a //line directive
// maps the generated file back), for example "docs/views.md:57:2: undefined: x".
package docstest
