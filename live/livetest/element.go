package livetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// binding returns the closest element (el itself or an ancestor) that carries attr, as the
// browser client finds the binding of a DOM event that bubbles from el.
func binding(el *goquery.Selection, attr string) *goquery.Selection {
	for s := el; s.Length() > 0; s = s.Parent() {
		if _, ok := s.Attr(attr); ok {
			return s
		}
	}
	return nil
}

// push is one event the binding's value asks for: a plain event name, or one "push" command
// of a JS command list (phx-click='[["push",{"event":"inc","value":{…}}]]').
type push struct {
	event  string
	value  map[string]any
	target string // phx-target override ("" for none)
}

// pushes decodes a binding's value.
func pushes(value string) ([]push, error) {
	v := strings.TrimSpace(value)
	if !strings.HasPrefix(v, "[") {
		return []push{{event: value}}, nil
	}
	var ops [][]json.RawMessage
	if err := json.Unmarshal([]byte(v), &ops); err != nil {
		return nil, fmt.Errorf("binding %q is neither an event name nor a JS command list: %w", value, err)
	}
	var out []push
	for _, op := range ops {
		if len(op) != 2 {
			return nil, fmt.Errorf("JS command %s is not [kind, args]", op)
		}
		var kind string
		json.Unmarshal(op[0], &kind)
		if kind != "push" {
			continue // other commands only touch the DOM
		}
		var args struct {
			Event  string         `json:"event"`
			Value  map[string]any `json:"value"`
			Target string         `json:"target"`
		}
		if err := json.Unmarshal(op[1], &args); err != nil || args.Event == "" {
			return nil, fmt.Errorf("push command %s has no event", op[1])
		}
		out = append(out, push{event: args.Event, value: args.Value, target: args.Target})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("JS command list %q pushes no event", value)
	}
	return out, nil
}

// elementValue returns el.value as the DOM exposes it, and whether the element has a value
// property at all.
func elementValue(el *goquery.Selection) (any, bool) {
	switch goquery.NodeName(el) {
	case "button", "data", "param":
		return el.AttrOr("value", ""), true
	case "input":
		v, ok := el.Attr("value")
		if !ok && isCheckable(el) {
			v = "on"
		}
		return v, true
	case "textarea", "output":
		return el.Text(), true
	case "option":
		if v, ok := el.Attr("value"); ok {
			return v, true
		}
		return strings.TrimSpace(el.Text()), true
	case "select":
		vals := selectValues(el)
		if len(vals) == 0 {
			return "", true
		}
		return vals[0], true
	case "li":
		n, _ := strconv.Atoi(strings.TrimSpace(el.AttrOr("value", "0")))
		return n, true
	case "meter", "progress":
		f, _ := strconv.ParseFloat(strings.TrimSpace(el.AttrOr("value", "0")), 64)
		return f, true
	}
	return nil, false
}

func isCheckable(el *goquery.Selection) bool {
	t := strings.ToLower(el.AttrOr("type", "text"))
	return goquery.NodeName(el) == "input" && (t == "checkbox" || t == "radio")
}

// extractMeta mirrors the client's View.extractMeta: the element's phx-value-* attributes,
// then its value (left out for an unchecked checkbox or radio, and for forms), then extra.
func extractMeta(el *goquery.Selection, extra map[string]any) map[string]any {
	meta := map[string]any{}
	for _, a := range el.Nodes[0].Attr {
		if name, ok := strings.CutPrefix(a.Key, "phx-value-"); ok {
			meta[name] = a.Val
		}
	}
	if v, ok := elementValue(el); ok {
		meta["value"] = v
		if isCheckable(el) {
			if _, checked := el.Attr("checked"); !checked {
				delete(meta, "value")
			}
		}
	}
	for k, v := range extra {
		meta[k] = v
	}
	return meta
}

// selectValues returns the values a select submits: its selected options, or its first
// option when none is selected and it is not multiple.
func selectValues(sel *goquery.Selection) []string {
	var out []string
	opts := sel.Find("option")
	opts.Each(func(_ int, o *goquery.Selection) {
		if _, ok := o.Attr("selected"); ok {
			v, _ := elementValue(o)
			out = append(out, v.(string))
		}
	})
	if _, multiple := sel.Attr("multiple"); len(out) == 0 && !multiple && opts.Length() > 0 {
		v, _ := elementValue(opts.First())
		out = append(out, v.(string))
	}
	if _, multiple := sel.Attr("multiple"); !multiple && len(out) > 1 {
		out = out[len(out)-1:]
	}
	return out
}

// formField is one name=value pair of a form's data set. off marks an unchecked checkbox or
// radio: it is not in the data set, but a test may set it.
type formField struct {
	name, value string
	off         bool
}

// formData mirrors new FormData(form, submitter): the named, enabled controls in document
// order, plus unchecked checkboxes and radios marked off. Files, and buttons other than the
// submitter (nil for none), are left out.
func formData(form *goquery.Selection, submitter *html.Node) []formField {
	var out []formField
	form.Find("input, select, textarea, button").Each(func(_ int, c *goquery.Selection) {
		name := c.AttrOr("name", "")
		if name == "" {
			return
		}
		if _, disabled := c.Attr("disabled"); disabled {
			return
		}
		isSubmitter := submitter != nil && c.Nodes[0] == submitter
		switch goquery.NodeName(c) {
		case "button":
			if isSubmitter {
				out = append(out, formField{name: name, value: c.AttrOr("value", "")})
			}
			return
		case "select":
			for _, v := range selectValues(c) {
				out = append(out, formField{name: name, value: v})
			}
			return
		case "textarea":
			out = append(out, formField{name: name, value: c.Text()})
			return
		}
		switch strings.ToLower(c.AttrOr("type", "text")) {
		case "submit", "image":
			if isSubmitter {
				out = append(out, formField{name: name, value: c.AttrOr("value", "")})
			}
			return
		case "button", "reset", "file":
			return
		}
		v, _ := elementValue(c)
		_, checked := c.Attr("checked")
		out = append(out, formField{name: name, value: v.(string), off: isCheckable(c) && !checked})
	})
	return out
}

// overrideFields replaces the values of the fields named in values (every value of a key
// replaces that key's values at its first position) and reports keys the form lacks.
func overrideFields(fields []formField, values url.Values) ([]formField, error) {
	var missing []string
	for name := range values {
		found := false
		for _, f := range fields {
			if f.name == name {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the form has no enabled control named %q", missing)
	}
	var out []formField
	done := map[string]bool{}
	for _, f := range fields {
		vs, ok := values[f.name]
		if !ok {
			if !f.off {
				out = append(out, f)
			}
			continue
		}
		if done[f.name] {
			continue
		}
		done[f.name] = true
		for _, v := range vs {
			out = append(out, formField{name: f.name, value: v})
		}
	}
	return out, nil
}

// encodeForm writes fields as application/x-www-form-urlencoded, in order, like
// URLSearchParams ("+" for spaces).
func encodeForm(fields []formField) string {
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(f.value))
	}
	return b.String()
}

// describe renders an element's HTML for failure messages.
func describe(el *goquery.Selection) string {
	if el == nil || el.Length() == 0 {
		return "(no element)"
	}
	var b strings.Builder
	html.Render(&b, el.Nodes[0])
	return b.String()
}
