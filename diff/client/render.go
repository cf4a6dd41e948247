package client

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// renderer turns a merged tree into HTML, as toOutputBuffer in rendered.js does. Like the
// browser client, it resolves integer statics in place and drops "p" once used (P4).
type renderer struct {
	comps   map[string]any
	depth   int
	streams map[string][]streamItem // what the DOM holds of each stream, by ref
}

// streamItem is one element of a stream container, as the DOM holds it.
type streamItem struct {
	id, html string
}

// maxDepth bounds nesting, so that a hostile message cannot exhaust the stack.
const maxDepth = 10000

func (r *renderer) view(tree map[string]any) (string, error) {
	var b strings.Builder
	if err := r.node(&b, tree, nil, ""); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (r *renderer) component(cid string) (string, error) {
	var b strings.Builder
	if err := r.componentTo(&b, cid); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (r *renderer) componentTo(b *strings.Builder, cid string) error {
	c, ok := isObject(r.comps[cid])
	if !ok {
		return fmt.Errorf("%w: missing component %s", ErrMalformed, cid)
	}
	return r.node(b, c, nil, cid)
}

// statics resolves an "s" value: a list of strings, or an index into templates.
func statics(s any, templates map[string]any) ([]string, error) {
	if f, ok := s.(float64); ok {
		if templates == nil {
			return nil, fmt.Errorf("%w: statics index %v outside any template scope", ErrMalformed, f)
		}
		n, ok := count(f)
		if !ok {
			return nil, fmt.Errorf("%w: bad statics index %v", ErrMalformed, f)
		}
		s, ok = templates[strconv.Itoa(n)]
		if !ok {
			return nil, fmt.Errorf("%w: statics index %d not in p", ErrMalformed, n)
		}
	}
	list, ok := s.([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("%w: statics are not a non-empty list", ErrMalformed)
	}
	out := make([]string, len(list))
	for i, p := range list {
		if out[i], ok = p.(string); !ok {
			return nil, fmt.Errorf("%w: static part %d is not a string", ErrMalformed, i)
		}
	}
	return out, nil
}

// node renders a node; cid is set for a component's root.
func (r *renderer) node(b *strings.Builder, n map[string]any, templates map[string]any, cid string) error {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxDepth {
		return fmt.Errorf("%w: tree nested too deeply", ErrMalformed)
	}
	if _, ok := n["k"]; ok {
		return r.comprehension(b, n, templates)
	}
	if p, ok := n["p"]; ok {
		pm, ok := isObject(p)
		if !ok {
			return fmt.Errorf("%w: p is not an object", ErrMalformed)
		}
		templates = pm
		delete(n, "p")
	}
	if _, ok := n["s"]; !ok {
		return fmt.Errorf("%w: node without s", ErrMalformed)
	}
	st, err := statics(n["s"], templates)
	if err != nil {
		return err
	}
	n["s"] = stringsToAny(st)
	root := truthy(n["r"])
	var out *strings.Builder
	if root {
		out = b
		b = &strings.Builder{}
	}
	if err := r.dynamics(b, n, st, templates); err != nil {
		return err
	}
	if root {
		html, err := modifyRoot(b.String(), cid)
		if err != nil {
			return err
		}
		out.WriteString(html)
	}
	return nil
}

func stringsToAny(s []string) []any {
	out := make([]any, len(s))
	for i, p := range s {
		out[i] = p
	}
	return out
}

// dynamics interleaves statics with the dynamics of a node or comprehension entry.
func (r *renderer) dynamics(b *strings.Builder, n map[string]any, st []string, templates map[string]any) error {
	for i := 0; i < len(st)-1; i++ {
		b.WriteString(st[i])
		v, ok := n[strconv.Itoa(i)]
		if !ok {
			return fmt.Errorf("%w: dynamic %d missing", ErrMalformed, i)
		}
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case float64:
			c, ok := count(v)
			if !ok || c == 0 {
				return fmt.Errorf("%w: dynamic %d is a number but not a cid", ErrMalformed, i)
			}
			if err := r.componentTo(b, strconv.Itoa(c)); err != nil {
				return err
			}
		case map[string]any:
			if err := r.node(b, v, templates, ""); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: dynamic %d is %T", ErrMalformed, i, v)
		}
	}
	b.WriteString(st[len(st)-1])
	return nil
}

// comprehension renders the entries of a comprehension. Its own statics resolve in the
// enclosing scope; its entries use the enclosing scope if one is open, else its own p (P1,
// P2).
func (r *renderer) comprehension(b *strings.Builder, n map[string]any, templates map[string]any) error {
	entryTemplates := templates
	if entryTemplates == nil {
		if p, ok := n["p"]; ok {
			pm, ok := isObject(p)
			if !ok {
				return fmt.Errorf("%w: p is not an object", ErrMalformed)
			}
			entryTemplates = pm
		}
	}
	st, err := statics(n["s"], templates)
	if err != nil {
		return err
	}
	n["s"] = stringsToAny(st)
	delete(n, "p")
	k, ok := isObject(n["k"])
	if !ok {
		return fmt.Errorf("%w: k is not an object", ErrMalformed)
	}
	kc, ok := count(k["kc"])
	if !ok {
		return fmt.Errorf("%w: k without a valid kc", ErrMalformed)
	}
	stream, isStream := n["stream"]
	if ref, ok := n["streamRef"].(string); ok && !isStream {
		// A stream whose operations were applied: the DOM holds its items.
		for _, it := range r.streams[ref] {
			b.WriteString(it.html)
		}
		return nil
	}
	var entries []string
	for i := 0; i < kc; i++ {
		e, ok := isObject(k[strconv.Itoa(i)])
		if !ok {
			return fmt.Errorf("%w: comprehension entry %d missing", ErrMalformed, i)
		}
		if !isStream {
			if err := r.dynamics(b, e, st, entryTemplates); err != nil {
				return err
			}
			continue
		}
		var eb strings.Builder
		if err := r.dynamics(&eb, e, st, entryTemplates); err != nil {
			return err
		}
		entries = append(entries, eb.String())
	}
	if !isStream {
		return nil
	}
	ref, err := r.applyStream(stream, entries)
	if err != nil {
		return err
	}
	// As the client does, forget the rendered entries: the DOM holds the items now.
	n["k"] = map[string]any{"kc": float64(0)}
	delete(n, "stream")
	n["streamRef"] = ref
	for _, it := range r.streams[ref] {
		b.WriteString(it.html)
	}
	return nil
}

// idAttr finds the id of an entry's root element.
var idAttr = regexp.MustCompile(`^\s*<[^\s/>]+[^>]*?\sid="([^"]*)"`)

// applyStream applies a stream's operations ([ref, inserts, deletes, reset?]) to the items
// the DOM holds, with the entries' HTML, as the client's stream patching does: deletes,
// then a reset (items not inserted again go), then each insert at its place, capped by its
// limit. It returns the stream's ref.
func (r *renderer) applyStream(v any, entries []string) (string, error) {
	ops, ok := v.([]any)
	if !ok || len(ops) < 3 {
		return "", fmt.Errorf("%w: stream is not [ref, inserts, deletes(, reset)]", ErrMalformed)
	}
	ref, ok := ops[0].(string)
	if !ok {
		return "", fmt.Errorf("%w: stream ref is not a string", ErrMalformed)
	}
	inserts, ok1 := ops[1].([]any)
	deletes, ok2 := ops[2].([]any)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("%w: stream inserts or deletes are not lists", ErrMalformed)
	}
	reset := len(ops) > 3 && truthy(ops[3])
	type place struct {
		at, limit  int
		updateOnly bool
	}
	where := map[string]place{}
	for _, in := range inserts {
		l, ok := in.([]any)
		if !ok || len(l) < 2 {
			return "", fmt.Errorf("%w: a stream insert is not [dom_id, at, limit, update_only]", ErrMalformed)
		}
		id, _ := l[0].(string)
		at, _ := l[1].(float64)
		p := place{at: int(at)}
		if len(l) > 2 {
			if lim, ok := l[2].(float64); ok {
				p.limit = int(lim)
			}
		}
		if len(l) > 3 {
			p.updateOnly = truthy(l[3])
		}
		if _, seen := where[id]; !seen {
			where[id] = p
		}
	}
	items := append([]streamItem(nil), r.streams[ref]...)
	// held says which ids the stream holds, so that only an id held is looked for: a join
	// of thousands of new items stays linear.
	held := make(map[string]bool, len(items)+len(entries))
	for _, it := range items {
		held[it.id] = true
	}
	index := func(id string) int {
		if held[id] {
			for i, it := range items {
				if it.id == id {
					return i
				}
			}
		}
		return -1
	}
	for _, d := range deletes {
		id, _ := d.(string)
		if i := index(id); i >= 0 {
			items = append(items[:i], items[i+1:]...)
			delete(held, id)
		}
	}
	if reset {
		kept := items[:0]
		for _, it := range items {
			if _, again := where[it.id]; again {
				kept = append(kept, it)
			} else {
				delete(held, it.id)
			}
		}
		items = kept
	}
	for _, html := range entries {
		m := idAttr.FindStringSubmatch(html)
		if m == nil {
			return "", fmt.Errorf("%w: a stream item has no id on its root element", ErrMalformed)
		}
		id := m[1]
		p := where[id]
		if i := index(id); i >= 0 {
			items[i].html = html
			continue
		}
		if p.updateOnly {
			continue
		}
		it := streamItem{id: id, html: html}
		switch {
		case p.at < 0 || p.at >= len(items):
			items = append(items, it)
		default:
			items = append(items[:p.at], append([]streamItem{it}, items[p.at:]...)...)
		}
		held[id] = true
		var cut []streamItem
		if p.limit > 0 && len(items) > p.limit {
			cut, items = items[p.limit:], items[:p.limit]
		} else if p.limit < 0 && len(items) > -p.limit {
			cut, items = items[:len(items)+p.limit], items[len(items)+p.limit:]
		}
		for _, c := range cut {
			delete(held, c.id)
		}
	}
	if r.streams == nil {
		r.streams = map[string][]streamItem{}
	}
	r.streams[ref] = items
	return ref, nil
}

// rootTag finds the first start tag, after optional whitespace and comments, as the
// client's modifyRoot does.
var rootTag = regexp.MustCompile(`^(\s*(?:<!--.*?-->\s*)*)<([^\s/>]+)`)

// modifyRoot injects data-phx-component right after the root's tag name, for component
// roots. For other r nodes it only checks that there is a root element.
func modifyRoot(html, cid string) (string, error) {
	m := rootTag.FindStringSubmatchIndex(html)
	if m == nil {
		return "", fmt.Errorf("%w: malformed html: r node without a root element: %.40q", ErrMalformed, html)
	}
	if cid == "" {
		return html, nil
	}
	end := m[1]
	return html[:end] + ` data-phx-component="` + cid + `"` + html[end:], nil
}

// reachable returns the cids rendered as part of the view: those referenced by the view's
// tree, and by those components' trees, transitively.
func reachable(tree map[string]any, comps map[string]any) map[string]bool {
	seen := map[string]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > maxDepth {
			return
		}
		switch v := v.(type) {
		case float64:
			if c, ok := count(v); ok && c > 0 {
				cid := strconv.Itoa(c)
				if !seen[cid] {
					seen[cid] = true
					walk(comps[cid], depth+1)
				}
			}
		case map[string]any:
			for k, x := range v {
				switch k {
				case "s", "p", "r", "kc", "km", "stream":
					continue
				case "k":
					if entries, ok := isObject(x); ok {
						for ek, e := range entries {
							if ek != "kc" && ek != "km" {
								walk(e, depth+1)
							}
						}
					}
					continue
				}
				walk(x, depth+1)
			}
		}
	}
	walk(tree, 0)
	return seen
}
