// Package render compiles Go templates into trees of shared statics and dynamic slots.
//
// A Template is parsed with the ordinary Go template syntax and escaped exactly as
// html/template escapes it. Executing it against data yields a Rendered tree: the static
// HTML fragments, shared by every render, interleaved with the dynamic values. Ranges
// become comprehensions whose statics are stored once, and branches and template calls
// become nested trees with fingerprints, so that package diff can send only what changed.
//
// # Exactness
//
// Parsing and escaping are html/template's own: render parses with html/template, lets
// its escaper rewrite the parse trees, and compiles the escaped trees. Execution follows
// text/template's rules and error messages, and the escapers inserted by html/template
// are the real functions. So for any template and data, Rendered.HTML equals what
// html/template's Execute writes, and a template html/template rejects is rejected with
// the same error.
//
// Errors have html/template's types too: escaping errors are *html/template.Error, and
// errors that arise while executing are text/template ExecErrors (see errors.As), naming
// the template that was executing. The life cycle of a set of templates is
// html/template's: New with the name of an existing template replaces it and resets the
// old value, and the first Execute or ExecuteTemplate call, even a failing one, ends
// parsing into the set.
//
// # Tree shape
//
// Each template body compiles to statics and slots:
//
//   - an action that prints (not one that only declares or assigns variables) is a
//     KindString slot holding the escaped text;
//   - an {{if}} or {{with}} is a KindTree slot whose tree is the chosen branch, with the
//     branch's own statics; when no branch runs (a false condition without {{else}}),
//     the slot is the empty string, Dynamic{Kind: KindString, Str: ""};
//   - a {{range}} is a KindComprehension slot: the body's statics once and one entry
//     of dynamics per item, with Keys when every item implements Keyer. No items and an
//     {{else}} give a KindTree slot of the else branch; no items and no else give an
//     empty comprehension;
//   - a {{template}} or {{block}} call is a KindTree slot with the called template's
//     statics (the same statics as executing that template directly); called with a
//     *Snapshot, it is the one tree of that snapshot, shared by every render
//     (Dynamic.Shared);
//   - in HTML text, an action whose value is a ComponentRef is a KindComponent slot;
//   - comments, variable declarations, {{break}} and {{continue}} make no slot.
//
// Text that follows a {{break}} or {{continue}} that may run (directly or inside an
// {{if}} or {{with}}) in the same body is compiled into KindString slots rather than
// statics, so that an iteration cut short leaves those slots empty; every slot an
// execution does not reach holds the empty string.
//
// Statics are created when a template is first executed and shared by all later
// executions; a fingerprint is derived from their text.
package render
