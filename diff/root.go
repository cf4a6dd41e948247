package diff

import (
	"bytes"

	"github.com/glint-go/glint/render"
)

// A component's tree is sent with "r":1, and the client then looks for its root element
// the way modifyRoot in rendered.js does: optional whitespace and comments, then "<" and a
// tag name. When there is none it throws "malformed html" and the view stops updating, so
// the encoder refuses such a component with an error instead. Only the beginning of the
// output is examined.

// rootScan reports whether the HTML that starts with prefix begins with an element:
// decided is false while more input is needed.
func rootScan(prefix []byte) (ok, decided bool) {
	s := prefix
	for {
		s = bytes.TrimLeft(s, " \t\n\r\f\v")
		switch {
		case len(s) == 0:
			return false, false
		case bytes.HasPrefix(s, commentOpen):
			end := bytes.Index(s[4:], commentClose)
			if end < 0 {
				return false, false
			}
			if bytes.ContainsAny(s[4:4+end], "\n\r") {
				// JavaScript's "." does not cross lines: the client finds no element.
				return false, true
			}
			s = s[4+end+3:]
		case len(s) < len(commentOpen) && bytes.HasPrefix(commentOpen, s):
			return false, false
		case s[0] != '<':
			return false, true
		case len(s) == 1:
			return false, false
		default:
			c := s[1]
			return c != '/' && c != '>' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v', true
		}
	}
}

var commentOpen, commentClose = []byte("<!--"), []byte("-->")

// rootChecker feeds a tree's output, in order, to rootScan until it decides.
type rootChecker struct {
	buf      []byte
	w        *writer
	ok, done bool
	depth    int
}

func (c *rootChecker) write(s string) {
	if c.done || s == "" {
		return
	}
	c.buf = append(c.buf, s...)
	c.ok, c.done = rootScan(c.buf)
}

func (c *rootChecker) node(r *render.Rendered) {
	parts := r.Statics.Parts()
	for i := range r.Dynamics {
		c.write(parts[i])
		c.dynamic(&r.Dynamics[i])
		if c.done {
			return
		}
	}
	c.write(parts[len(parts)-1])
}

func (c *rootChecker) dynamic(d *render.Dynamic) {
	if c.done {
		return
	}
	switch d.Kind {
	case render.KindString:
		c.write(d.Str)
	case render.KindTree:
		if d.Tree != nil && d.Tree.Statics != nil {
			c.node(d.Tree)
		}
	case render.KindComprehension:
		if d.Comp == nil || d.Comp.Statics == nil {
			return
		}
		parts := d.Comp.Statics.Parts()
		for _, e := range d.Comp.Entries {
			for i := range e {
				c.write(parts[i])
				c.dynamic(&e[i])
			}
			c.write(parts[len(parts)-1])
			if c.done {
				return
			}
		}
	case render.KindComponent:
		// A nested component's root starts the output: its own root decides.
		if t := c.w.lookup(d.CID); t != nil && c.depth < 100 {
			c.depth++
			c.node(t)
			c.depth--
		}
	}
}

// checkRoot fails if a component's tree does not start with an element.
func (w *writer) checkRoot(cid int, r *render.Rendered) {
	if w.err != nil {
		return
	}
	c := rootChecker{buf: w.rootBuf[:0], w: w}
	c.node(r)
	w.rootBuf = c.buf[:0]
	if !c.ok {
		w.fail("component %d does not render a root element (its output must start with a tag, as \"r\":1 requires): %.40q", cid, c.buf)
	}
}

// lookup finds the tree of a component rendered in this message or held by the client.
func (w *writer) lookup(cid int) *render.Rendered {
	if t := w.comps[cid]; t != nil {
		return t
	}
	return w.held[cid]
}
