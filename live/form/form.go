package form

import (
	"net/url"
	"strings"

	"github.com/glint-go/glint/live"
)

// unusedPrefix marks the inputs a LiveView client reports as not used yet.
const unusedPrefix = "_unused_"

// Form is the data of one form event: the values and the name of the input whose change
// sent them.
type Form struct {
	// Values are the form's values, keys as the inputs name them ("address[city]"),
	// including the client's _unused_ keys.
	Values url.Values
	// Target is the name of the input that changed (the event's _target), or "" for a
	// submit.
	Target string
}

// FromEvent returns the form of a phx-change or phx-submit event.
func FromEvent(e live.Event) Form {
	return Form{Values: e.Value, Target: e.Target}
}

// Decode decodes the form's values into dst, a pointer to a struct, as the package's
// Decode does.
func (f Form) Decode(dst any) error { return Decode(f.Values, dst) }

// Changed reports whether the input named name, or an input nested in the group name
// ("address" for "address[city]"), caused the event. A trailing "[]" is ignored on both
// sides.
func (f Form) Changed(name string) bool {
	name = strings.TrimSuffix(name, "[]")
	t := strings.TrimSuffix(f.Target, "[]")
	return name != "" && (t == name || strings.HasPrefix(t, name+"["))
}

// Used reports whether the user has used the field named name, so that its errors can be
// shown. It follows LiveView's convention: with a phx-change, the client sends an empty
// "_unused_email" key ("address[_unused_city]" when nested) for each input the user has
// not interacted with yet. A field is used when
//
//   - it is the event's target, or contains it (see Changed), or
//   - the form has its key ("email", or "email[]" for a list) without the _unused_ key,
//     or, for a group such as "address", has a used field nested in it.
//
// A field the form lacks altogether is not used: an unchecked checkbox without a hidden
// input, a multiple select with nothing selected. A submit carries no _unused_ keys, so
// after one every field the form has is used.
func (f Form) Used(name string) bool {
	name = strings.TrimSuffix(name, "[]")
	if name == "" || isUnused(name) {
		return false
	}
	if f.Changed(name) {
		return true
	}
	for _, k := range [...]string{name, name + "[]"} {
		if _, ok := f.Values[k]; ok && !f.marked(k) {
			return true
		}
	}
	prefix := name + "["
	for k := range f.Values {
		if strings.HasPrefix(k, prefix) && k != name+"[]" && !isUnused(k) && !f.marked(k) {
			return true
		}
	}
	return false
}

// marked reports whether the form has the _unused_ key of key.
func (f Form) marked(key string) bool {
	base, list := strings.CutSuffix(key, "[]")
	u := unusedKey(base)
	if _, ok := f.Values[u]; ok {
		return true
	}
	_, ok := f.Values[u+"[]"]
	return list && ok
}

// unusedKey returns the _unused_ key of a key without a trailing "[]": the prefix goes on
// its last segment, as the clients put it.
func unusedKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i >= 0 {
			return key[:i+1] + unusedPrefix + key[i+1:]
		}
	}
	return unusedPrefix + key
}

// isUnused reports whether key is itself an _unused_ key.
func isUnused(key string) bool {
	key = strings.TrimSuffix(key, "[]")
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i >= 0 {
			return strings.HasPrefix(key[i+1:], unusedPrefix)
		}
	}
	return strings.HasPrefix(key, unusedPrefix)
}
