package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// ErrMalformed is wrapped by every error about a message the model cannot merge or render.
var ErrMalformed = errors.New("client: malformed message")

// Event is one page event carried by a message's "e".
type Event struct {
	// Name is the event name.
	Name string
	// Payload is the event's payload, as sent.
	Payload json.RawMessage
	// BeforePatch is set when the server asked for dispatch before the DOM patch.
	BeforePatch bool
}

// Model holds the rendered tree of one view as the browser client holds it. The zero value
// is not usable; call New.
type Model struct {
	tree    map[string]any
	comps   map[string]any          // cid (decimal) → component tree
	streams map[string][]streamItem // the items of each stream, by ref

	joined        bool
	html          string
	title         string
	events        []Event
	reply         json.RawMessage
	componentOnly bool
}

// New returns a model holding nothing, as the client does before its first join.
func New() *Model {
	return &Model{tree: map[string]any{}, comps: map[string]any{}}
}

// Join replaces the whole tree with a join reply's "rendered" object, as the client does on
// every join and rejoin (docs/protocol.md, Join reply). On error the model is unchanged.
func (m *Model) Join(rendered []byte) error {
	saved := *m
	m.tree, m.comps, m.title, m.joined = map[string]any{}, map[string]any{}, "", true
	// A join renders the streams afresh (the client clears what the first render put
	// there): each stream holds what the join inserts.
	m.streams = nil
	if err := m.Apply(rendered); err != nil {
		*m = saved
		return err
	}
	if _, ok := m.tree["s"]; !ok {
		*m = saved
		return fmt.Errorf("%w: rendered has no top-level s", ErrMalformed)
	}
	return nil
}

// Apply merges a diff (a reply's "diff" or a "diff" push) and renders the tree. On error
// the model is unchanged: the message is applied fully or not at all.
func (m *Model) Apply(diff []byte) error {
	v, err := decode(diff)
	if err != nil {
		return err
	}
	d, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: diff is not an object", ErrMalformed)
	}
	if !m.joined {
		return fmt.Errorf("%w: diff before join", ErrMalformed)
	}

	title, events, reply, err := extract(d)
	if err != nil {
		return err
	}

	// Work on copies so that a failure leaves the model as it was.
	tree := deepClone(m.tree).(map[string]any)
	comps := deepClone(m.comps).(map[string]any)

	newc, hasC := d["c"]
	delete(d, "c")
	componentOnly := hasC && len(d) == 0
	tree, err = mutableMerge(tree, d)
	if err != nil {
		return err
	}
	if _, replaced := d["s"]; replaced && !componentOnly {
		// The client's components live inside its tree: a replaced root drops them.
		comps = map[string]any{}
	}
	var changed []string
	if hasC {
		nc, ok := newc.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: c is not an object", ErrMalformed)
		}
		if changed, err = mergeComponents(comps, nc); err != nil {
			return err
		}
	}

	streams := make(map[string][]streamItem, len(m.streams))
	for ref, items := range m.streams {
		streams[ref] = items
	}
	r := &renderer{comps: comps, streams: streams}
	// A component-only diff re-renders just those components (step 4 of docs/protocol.md, How
	// the client merges), and only the ones on the page: the client looks their elements up in
	// the DOM. A component that is not reachable from the view keeps its tree unrendered, "p"
	// included, until a later message renders it.
	if componentOnly {
		onPage := reachable(tree, comps)
		for _, cid := range changed {
			if !onPage[cid] {
				continue
			}
			if _, err := r.component(cid); err != nil {
				return err
			}
		}
	}
	html, err := r.view(tree)
	if err != nil {
		return err
	}

	m.tree, m.comps, m.html, m.streams = tree, comps, html, r.streams
	m.componentOnly = componentOnly
	if title != nil {
		m.title = *title
	}
	m.events, m.reply = events, reply
	return nil
}

// HTML returns the view's HTML: the container's children after the last message.
func (m *Model) HTML() string { return m.html }

// Title returns the last title a message set, or "".
func (m *Model) Title() string { return m.title }

// Events returns the page events of the last message.
func (m *Model) Events() []Event { return m.events }

// Reply returns the hook reply ("r") of the last message, or nil.
func (m *Model) Reply() json.RawMessage { return m.reply }

// ComponentOnly reports whether the last message changed only components.
func (m *Model) ComponentOnly() bool { return m.componentOnly }

// CIDs returns the ids of the components the model holds, in ascending order.
func (m *Model) CIDs() []int {
	cids := make([]int, 0, len(m.comps))
	for k := range m.comps {
		if n, err := strconv.Atoi(k); err == nil {
			cids = append(cids, n)
		}
	}
	slices.Sort(cids)
	return cids
}

// ComponentHTML renders one component as the client renders it for a component-only patch.
func (m *Model) ComponentHTML(cid int) (string, error) {
	tree := deepClone(m.comps).(map[string]any)
	r := &renderer{comps: tree}
	return r.component(strconv.Itoa(cid))
}

// Destroy drops components, as the client does after cids_destroyed.
func (m *Model) Destroy(cids ...int) {
	for _, cid := range cids {
		delete(m.comps, strconv.Itoa(cid))
	}
}

// decode parses JSON into the values JavaScript's JSON.parse would give: objects, arrays,
// strings, float64 numbers, booleans and nil.
func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after JSON value", ErrMalformed)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%w: trailing data after JSON value", ErrMalformed)
	}
	return v, nil
}

// extract takes the top-level "t", "e" and "r" out of d (step 1 of docs/protocol.md, How the
// client merges).
func extract(d map[string]any) (title *string, events []Event, reply json.RawMessage, err error) {
	if t, ok := d["t"]; ok {
		s, ok := t.(string)
		if !ok {
			return nil, nil, nil, fmt.Errorf("%w: t is not a string", ErrMalformed)
		}
		title = &s
		delete(d, "t")
	}
	if e, ok := d["e"]; ok {
		list, ok := e.([]any)
		if !ok {
			return nil, nil, nil, fmt.Errorf("%w: e is not a list", ErrMalformed)
		}
		for _, item := range list {
			ev, ok := item.([]any)
			if !ok || len(ev) < 2 {
				return nil, nil, nil, fmt.Errorf("%w: event is not [name, payload]", ErrMalformed)
			}
			name, ok := ev[0].(string)
			if !ok {
				return nil, nil, nil, fmt.Errorf("%w: event name is not a string", ErrMalformed)
			}
			payload, _ := json.Marshal(ev[1])
			before := len(ev) > 2 && ev[2] == true
			events = append(events, Event{Name: name, Payload: payload, BeforePatch: before})
		}
		delete(d, "e")
	}
	if r, ok := d["r"]; ok {
		if r != nil {
			reply, _ = json.Marshal(r)
		}
		delete(d, "r")
	}
	return title, events, reply, nil
}

func deepClone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, x := range v {
			c[k] = deepClone(x)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = deepClone(x)
		}
		return c
	}
	return v
}

func isObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// mutableMerge is the client's merge step (docs/protocol.md, How the client merges): D replaces
// T when it has "s", else it is merged in.
func mutableMerge(target, source map[string]any) (map[string]any, error) {
	if _, ok := source["s"]; ok {
		return source, nil
	}
	return target, doMutableMerge(target, source)
}

func doMutableMerge(target, source map[string]any) error {
	if target == nil {
		return fmt.Errorf("%w: partial diff for a node the client does not hold", ErrMalformed)
	}
	if k, ok := source["k"]; ok && k != nil {
		return mergeKeyed(target, source)
	}
	for key, val := range source {
		if vm, ok := isObject(val); ok {
			if _, hasS := vm["s"]; !hasS {
				if tm, ok := isObject(target[key]); ok {
					if err := doMutableMerge(tm, vm); err != nil {
						return err
					}
					continue
				}
			}
		}
		target[key] = val
	}
	return nil
}

// mergeKeyed applies a comprehension diff (docs/protocol.md, Comprehensions): moves read from a
// copy of the old entries, taken only when km is set; then entries past kc are dropped.
func mergeKeyed(target, source map[string]any) error {
	sk, ok := isObject(source["k"])
	if !ok {
		return fmt.Errorf("%w: k is not an object", ErrMalformed)
	}
	tk, ok := isObject(target["k"])
	if !ok {
		return fmt.Errorf("%w: comprehension diff for a node that is not a comprehension", ErrMalformed)
	}
	kc, ok := count(sk["kc"])
	if !ok {
		return fmt.Errorf("%w: k without a valid kc", ErrMalformed)
	}
	oldCount, ok := count(tk["kc"])
	if !ok {
		return fmt.Errorf("%w: held comprehension without kc", ErrMalformed)
	}
	var cloned map[string]any
	if km, ok := sk["km"]; ok && truthy(km) {
		cloned = deepClone(tk).(map[string]any)
	}
	moved := func(i string, from any) (map[string]any, error) {
		if cloned == nil {
			return nil, fmt.Errorf("%w: move at entry %s without km", ErrMalformed, i)
		}
		n, ok := count(from)
		if !ok {
			return nil, fmt.Errorf("%w: move at entry %s has a bad index", ErrMalformed, i)
		}
		e, ok := isObject(cloned[strconv.Itoa(n)])
		if !ok {
			return nil, fmt.Errorf("%w: move at entry %s from missing entry %d", ErrMalformed, i, n)
		}
		return e, nil
	}
	keys := make([]int, 0, len(sk))
	for key := range sk {
		if key == "kc" || key == "km" {
			continue
		}
		n, err := strconv.Atoi(key)
		if err != nil || n < 0 || strconv.Itoa(n) != key {
			return fmt.Errorf("%w: bad entry index %q", ErrMalformed, key)
		}
		keys = append(keys, n)
	}
	slices.Sort(keys)
	for _, n := range keys {
		i := strconv.Itoa(n)
		switch entry := sk[i].(type) {
		case []any:
			if len(entry) != 2 {
				return fmt.Errorf("%w: move form at entry %s is not [n, diff]", ErrMalformed, i)
			}
			e, err := moved(i, entry[0])
			if err != nil {
				return err
			}
			d, ok := isObject(entry[1])
			if !ok {
				return fmt.Errorf("%w: move form at entry %s has no diff object", ErrMalformed, i)
			}
			tk[i] = e
			if err := doMutableMerge(e, d); err != nil {
				return err
			}
		case float64:
			e, err := moved(i, entry)
			if err != nil {
				return err
			}
			tk[i] = e
		case map[string]any:
			e, ok := isObject(tk[i])
			if !ok {
				e = map[string]any{}
				tk[i] = e
			}
			if err := doMutableMerge(e, entry); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: entry %s is neither an object, an index nor [index, diff]", ErrMalformed, i)
		}
	}
	for i := kc; i < oldCount; i++ {
		delete(tk, strconv.Itoa(i))
	}
	tk["kc"] = float64(kc)
	if p, ok := source["p"]; ok {
		target["p"] = p
	}
	if st, ok := source["stream"]; ok {
		target["stream"] = st
	}
	return nil
}

// count reads a non-negative integer.
func count(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != float64(int(f)) || f > 1<<31 {
		return 0, false
	}
	return int(f), true
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case float64:
		return v != 0
	case string:
		return v != ""
	}
	return true
}

// mergeComponents merges the "c" of a diff into comps (step 3 of docs/protocol.md, How the
// client merges) and returns the cids it touched.
func mergeComponents(comps, newc map[string]any) ([]string, error) {
	resolved := make(map[string]map[string]any, len(newc))
	busy := map[string]bool{}
	var find func(cid string) (map[string]any, error)
	find = func(cid string) (map[string]any, error) {
		if r, ok := resolved[cid]; ok {
			return r, nil
		}
		if busy[cid] {
			return nil, fmt.Errorf("%w: component %s shares statics in a cycle", ErrMalformed, cid)
		}
		busy[cid] = true
		cdiff, ok := isObject(newc[cid])
		if !ok {
			return nil, fmt.Errorf("%w: component %s is not an object", ErrMalformed, cid)
		}
		var out map[string]any
		if sv, ok := cdiff["s"].(float64); ok {
			n := int(sv)
			if float64(n) != sv || n == 0 {
				return nil, fmt.Errorf("%w: component %s shares statics from bad cid %v", ErrMalformed, cid, sv)
			}
			var from map[string]any
			if n > 0 {
				f, err := find(strconv.Itoa(n))
				if err != nil {
					return nil, err
				}
				from = f
			} else if from, ok = isObject(comps[strconv.Itoa(-n)]); !ok {
				return nil, fmt.Errorf("%w: component %s shares statics of unknown component %d", ErrMalformed, cid, -n)
			}
			stat := from["s"]
			out = deepClone(from).(map[string]any)
			if err := doMutableMerge(out, cdiff); err != nil {
				return nil, err
			}
			out["s"] = stat
		} else if _, hasS := cdiff["s"]; hasS || comps[cid] == nil {
			out = cdiff
		} else {
			old, ok := isObject(comps[cid])
			if !ok {
				return nil, fmt.Errorf("%w: held component %s is not an object", ErrMalformed, cid)
			}
			out = deepClone(old).(map[string]any)
			if err := doMutableMerge(out, cdiff); err != nil {
				return nil, err
			}
		}
		resolved[cid] = out
		return out, nil
	}
	cids := make([]string, 0, len(newc))
	for cid := range newc {
		if n, err := strconv.Atoi(cid); err != nil || n <= 0 || strconv.Itoa(n) != cid {
			return nil, fmt.Errorf("%w: bad component id %q", ErrMalformed, cid)
		}
		cids = append(cids, cid)
	}
	slices.SortFunc(cids, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	for _, cid := range cids {
		if _, err := find(cid); err != nil {
			return nil, err
		}
	}
	for _, cid := range cids {
		comps[cid] = resolved[cid]
	}
	return cids, nil
}
