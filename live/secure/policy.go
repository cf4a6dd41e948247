package secure

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// Policy is a Content-Security-Policy: directives in order, each with its sources. The
// zero Policy has no directive. A Policy is a value: With, Set and Without return a
// changed copy and never modify the receiver, so DefaultPolicy().With(…) is safe to use
// from several places.
//
// Directive names and sources are written as in the header ("img-src",
// "'self'", "https://cdn.example.com"). With and Set panic on a name or source that could
// not be part of a well-formed policy (empty, or holding whitespace, ';', ',', quotes
// out of place or non-ASCII characters), since policies are written in code.
type Policy struct {
	directives []directive
}

type directive struct {
	name    string
	sources []string
}

// DefaultPolicy returns the policy Headers sends unless told otherwise:
//
//	default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';
//	connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';
//	frame-ancestors 'self'
//
// Everything comes from the page's own origin: the client script, the stylesheets and
// images, the live socket (connect-src 'self' covers a same-origin ws: or wss: URL);
// no inline script, inline style or eval; no plugins; no <base> pointing elsewhere; forms
// submit only to the site; and only the site's own pages may frame it.
func DefaultPolicy() Policy {
	self := []string{"'self'"}
	return Policy{directives: []directive{
		{"default-src", self},
		{"script-src", self},
		{"style-src", self},
		{"img-src", self},
		{"connect-src", self},
		{"object-src", []string{"'none'"}},
		{"base-uri", self},
		{"form-action", self},
		{"frame-ancestors", self},
	}}
}

// fetchDirectives fall back to default-src when absent.
var fetchDirectives = []string{
	"child-src", "connect-src", "font-src", "frame-src", "img-src", "manifest-src",
	"media-src", "object-src", "script-src", "script-src-attr", "script-src-elem",
	"style-src", "style-src-attr", "style-src-elem", "worker-src",
}

// With returns a copy of p with sources added to the directive name. A fetch directive
// (script-src, img-src, …) that p lacks starts from default-src's sources, so that adding
// a CDN to img-src keeps the images p allowed before; 'none' is dropped from a directive
// that gets a source.
func (p Policy) With(name string, sources ...string) Policy {
	mustName(name)
	for _, s := range sources {
		mustSource(s)
	}
	q := p.clone()
	i := q.index(name)
	if i < 0 {
		var start []string
		if slices.Contains(fetchDirectives, name) {
			if d := q.index("default-src"); d >= 0 {
				start = slices.Clone(q.directives[d].sources)
			}
		}
		q.directives = append(q.directives, directive{name: name, sources: start})
		i = len(q.directives) - 1
	}
	d := &q.directives[i]
	if len(sources) > 0 {
		d.sources = slices.DeleteFunc(d.sources, func(s string) bool { return s == "'none'" })
	}
	for _, s := range sources {
		if !slices.Contains(d.sources, s) {
			d.sources = append(d.sources, s)
		}
	}
	return q
}

// Set returns a copy of p whose directive name has exactly these sources, in place when
// p has it, else at the end. With no sources it is a directive without value, such as
// upgrade-insecure-requests.
func (p Policy) Set(name string, sources ...string) Policy {
	mustName(name)
	for _, s := range sources {
		mustSource(s)
	}
	q := p.clone()
	d := directive{name: name, sources: slices.Clone(sources)}
	if i := q.index(name); i >= 0 {
		q.directives[i] = d
	} else {
		q.directives = append(q.directives, d)
	}
	return q
}

// Without returns a copy of p without the directive name.
func (p Policy) Without(name string) Policy {
	q := p.clone()
	if i := q.index(name); i >= 0 {
		q.directives = slices.Delete(q.directives, i, i+1)
	}
	return q
}

// Sources returns the sources of the directive name, and whether p has it.
func (p Policy) Sources(name string) ([]string, bool) {
	if i := p.index(name); i >= 0 {
		return slices.Clone(p.directives[i].sources), true
	}
	return nil, false
}

// String returns the policy as a header value: directives separated by "; ".
func (p Policy) String() string {
	var b strings.Builder
	for i, d := range p.directives {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name)
		for _, s := range d.sources {
			b.WriteByte(' ')
			b.WriteString(s)
		}
	}
	return b.String()
}

func (p Policy) index(name string) int {
	return slices.IndexFunc(p.directives, func(d directive) bool { return d.name == name })
}

func (p Policy) clone() Policy {
	q := Policy{directives: make([]directive, len(p.directives))}
	for i, d := range p.directives {
		q.directives[i] = directive{name: d.name, sources: slices.Clone(d.sources)}
	}
	return q
}

// Hash returns the CSP source that allows one inline <script> or <style> block whose
// text, exactly as it appears between the tags, is content: 'sha256-…'. Add it to
// script-src or style-src with Policy.With. The block must not change per request.
func Hash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// mustName panics unless name is a directive name: lower-case letters, digits and '-'.
func mustName(name string) {
	ok := name != "" && name[0] >= 'a' && name[0] <= 'z'
	for _, c := range []byte(name) {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')
	}
	if !ok {
		panic(fmt.Sprintf("secure: invalid Content-Security-Policy directive name %q", name))
	}
}

// mustSource panics unless s can be one source of a directive: printable ASCII without
// whitespace, ';' or ',', and quotes only around a keyword ('self', 'sha256-…').
func mustSource(s string) {
	ok := s != ""
	for _, c := range []byte(s) {
		ok = ok && c > ' ' && c < 0x7f && c != ';' && c != ','
	}
	if q := strings.Count(s, "'"); q != 0 && (q != 2 || s[0] != '\'' || s[len(s)-1] != '\'' || len(s) < 3) {
		ok = false
	}
	if !ok {
		panic(fmt.Sprintf("secure: invalid Content-Security-Policy source %q", s))
	}
}
