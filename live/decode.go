package live

import (
	"encoding/json"
	"fmt"
	"net/url"
)

// eventPayload is the payload of an "event" message (docs/protocol.md, Event payload).
type eventPayload struct {
	Type  string          `json:"type"`
	Event string          `json:"event"`
	Value json.RawMessage `json:"value"`
	CID   *int            `json:"cid"`
	Meta  json.RawMessage `json:"meta"`
	// Uploads lists the files selected in the form's upload inputs, by upload ref.
	Uploads map[string][]clientEntry `json:"uploads"`
}

// maxFormValues bounds the number of values of one decoded form or value object.
const maxFormValues = 1000

// decodeEvent turns an event payload into an Event. Everything in it is untrusted.
func decodeEvent(payload json.RawMessage) (Event, error) {
	if e, ok := fastDecodeEvent(payload); ok {
		return e, nil
	}
	return slowDecodeEvent(payload)
}

// slowDecodeEvent decodes any event payload with encoding/json.
func slowDecodeEvent(payload json.RawMessage) (Event, error) {
	var p eventPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	e := Event{Type: p.Type, Name: p.Event, Raw: p.Value, Value: url.Values{}, uploads: p.Uploads}
	if p.CID != nil {
		if *p.CID <= 0 {
			return Event{}, fmt.Errorf("event %q: bad cid %d", p.Event, *p.CID)
		}
		e.CID = *p.CID
	}
	switch p.Type {
	case "form":
		var s string
		if err := json.Unmarshal(p.Value, &s); err != nil {
			return Event{}, fmt.Errorf("form event %q: value is not a string: %w", p.Event, err)
		}
		vals, err := url.ParseQuery(s)
		if err != nil {
			return Event{}, fmt.Errorf("form event %q: %w", p.Event, err)
		}
		if len(vals) > maxFormValues {
			return Event{}, fmt.Errorf("form event %q: %d fields, at most %d", p.Event, len(vals), maxFormValues)
		}
		e.Value = vals
		if len(p.Meta) > 0 && string(p.Meta) != "null" {
			meta := url.Values{}
			if err := addObject(meta, p.Meta); err != nil {
				return Event{}, fmt.Errorf("form event %q: meta: %w", p.Event, err)
			}
			if t := meta.Get("_target"); t != "" && t != "undefined" {
				e.Target = t
			}
			delete(meta, "_target")
			for k, vs := range meta {
				e.Value[k] = vs
			}
		}
	case "click", "keydown", "keyup", "focus", "blur", "hook", "":
		if len(p.Value) > 0 && p.Value[0] == '{' {
			if err := addObject(e.Value, p.Value); err != nil {
				return Event{}, fmt.Errorf("%s event %q: %w", p.Type, p.Event, err)
			}
		}
		if p.Type == "keydown" || p.Type == "keyup" {
			e.Key = e.Value.Get("key")
		}
	default:
		return Event{}, fmt.Errorf("event %q: unknown type %q", p.Event, p.Type)
	}
	return e, nil
}

// addObject adds the top-level fields of a JSON object to vals as strings: strings as
// they are, numbers and booleans in their JSON text, nested values as raw JSON; nulls
// are left out.
func addObject(vals url.Values, raw json.RawMessage) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("value is not an object: %w", err)
	}
	if len(obj) > maxFormValues {
		return fmt.Errorf("%d values, at most %d", len(obj), maxFormValues)
	}
	for k, v := range obj {
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if v[0] == '"' {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("value %q: %w", k, err)
			}
			vals.Set(k, s)
			continue
		}
		vals.Set(k, string(v))
	}
	return nil
}
