// Package render compiles Go templates into trees of shared statics and dynamic slots.
//
// A Template is parsed with the ordinary Go template syntax and escaped exactly as
// html/template escapes it. Executing it against data yields a Rendered tree: the static
// HTML fragments, shared by every render, interleaved with the dynamic values. Ranges
// become comprehensions whose statics are stored once, and branches and template calls
// become nested trees with fingerprints, so that package diff can send only what changed.
package render
