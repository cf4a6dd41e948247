package live

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Event is one client event (docs/protocol.md, Event payload and Event values). Everything in
// it is untrusted input.
type Event struct {
	// Type is "click", "form", "keydown", "keyup", "focus", "blur" or "hook".
	Type string
	// Name is the binding's value: phx-click="inc" gives "inc".
	Name string
	// Value holds the event's values as strings. For click, key, focus and blur events
	// these are the phx-value-* attributes and the element's "value". For form events it
	// is the decoded application/x-www-form-urlencoded form, keys kept raw (a nested
	// input is "user[email]"), with the form's meta (phx-value-*) merged over it. For hook
	// events it holds the payload's top-level scalar fields; use Decode for the rest.
	Value url.Values
	// Key is the key of a keydown or keyup event ("Enter").
	Key string
	// Target is the name of the input that changed, for form change events
	// ("user[email]"), or "" when the client sent none.
	Target string
	// CID is the target component's id, or 0 when the event targets the view.
	CID int
	// Raw is the event's "value" exactly as the client sent it (a JSON object, or a JSON
	// string for form events).
	Raw json.RawMessage

	uploads map[string][]clientEntry // the files selected in a form's upload inputs
}

// Get returns the first value for key, or "".
func (e Event) Get(key string) string { return e.Value.Get(key) }

// Int parses the value for key as a base-10 int. The error names the key and the value.
func (e Event) Int(key string) (int, error) {
	v := e.Value.Get(key)
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("live: event %q: value %q=%q is not an integer: %w", e.Name, key, v, err)
	}
	return n, nil
}

// Decode unmarshals the raw value (a hook's payload, or a click's value object) into v.
func (e Event) Decode(v any) error {
	if len(e.Raw) == 0 {
		return fmt.Errorf("live: event %q has no value", e.Name)
	}
	if err := json.Unmarshal(e.Raw, v); err != nil {
		return fmt.Errorf("live: event %q: decode value: %w", e.Name, err)
	}
	return nil
}
