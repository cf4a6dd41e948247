package live

import (
	"encoding/json"
	"net/url"
	"unicode/utf8"
)

// fastDecodeEvent decodes the common shapes of an event payload without reflection: a
// flat object whose values are plain strings (no escapes) or, for "value", a flat object
// of plain strings or a plain string, and "cid" a small positive integer. Anything else
// reports false, and decodeEvent takes the general path.
func fastDecodeEvent(b []byte) (Event, bool) {
	var e Event
	var meta url.Values
	sc := scanner{b: b}
	if !sc.byte('{') {
		return e, false
	}
	if sc.byte('}') {
		return e, false
	}
	for {
		key, ok := sc.str()
		if !ok || !sc.byte(':') {
			return e, false
		}
		switch key {
		case "type":
			if e.Type, ok = sc.str(); !ok {
				return e, false
			}
		case "event":
			if e.Name, ok = sc.str(); !ok {
				return e, false
			}
		case "value":
			sc.ws()
			start := sc.i
			if sc.peek() == '"' {
				s, ok := sc.str()
				if !ok {
					return e, false
				}
				vals, err := url.ParseQuery(s)
				if err != nil || len(vals) > maxFormValues {
					return e, false
				}
				e.Value = vals
			} else {
				if e.Value, ok = sc.flatObject(); !ok {
					return e, false
				}
			}
			// A part of b, not a copy: the payload is this event's own (its frame's
			// decoder copied it out of the read buffer).
			e.Raw = json.RawMessage(b[start:sc.i:sc.i])
		case "cid":
			n, ok := sc.smallInt()
			if !ok || n <= 0 {
				return e, false
			}
			e.CID = n
		case "meta":
			if meta, ok = sc.flatObject(); !ok {
				return e, false
			}
		case "uploads":
			// Only the usual empty object: files selected take the general path.
			if !sc.byte('{') || !sc.byte('}') {
				return e, false
			}
		default:
			return e, false
		}
		if sc.byte(',') {
			continue
		}
		if !sc.byte('}') {
			return e, false
		}
		sc.ws()
		if sc.i != len(b) {
			return e, false
		}
		break
	}
	if e.Value == nil {
		e.Value = url.Values{}
	}
	switch e.Type {
	case "form":
		if e.Raw == nil || e.Raw[0] != '"' {
			return e, false
		}
		if t := meta.Get("_target"); t != "" && t != "undefined" {
			e.Target = t
		}
		delete(meta, "_target")
		for k, vs := range meta {
			e.Value[k] = vs
		}
	case "click", "keydown", "keyup", "focus", "blur", "hook", "":
		if e.Raw != nil && e.Raw[0] != '{' {
			return e, false
		}
		if e.Type == "keydown" || e.Type == "keyup" {
			e.Key = e.Value.Get("key")
		}
	default:
		return e, false
	}
	return e, true
}

// scanner reads the JSON subset fastDecodeEvent accepts.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// byte consumes c (after white space) if it comes next.
func (s *scanner) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes or control characters.
func (s *scanner) str() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start := s.i
	ascii := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			for _, w := range commonWords {
				if string(raw) == w {
					return w, true
				}
			}
			if !ascii && !utf8.Valid(raw) {
				return "", false
			}
			return string(raw), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
		s.i++
	}
	return "", false
}

// commonWords are strings event payloads carry all the time (event types, the usual
// keys), which str returns without allocating.
var commonWords = [...]string{"click", "form", "keydown", "keyup", "focus", "blur", "hook", "value", "key", "_target"}

// smallInt reads a non-negative integer of at most 9 digits.
func (s *scanner) smallInt() (int, bool) {
	s.ws()
	n, digits := 0, 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		if digits == 9 {
			return 0, false
		}
		n = n*10 + int(s.b[s.i]-'0')
		s.i++
		digits++
	}
	return n, digits > 0 && (digits == 1 || s.b[s.i-digits] != '0')
}

// flatObject reads an object whose values are all plain strings.
func (s *scanner) flatObject() (url.Values, bool) {
	if !s.byte('{') {
		return nil, false
	}
	vals := url.Values{}
	if s.byte('}') {
		return vals, true
	}
	for {
		k, ok := s.str()
		if !ok || !s.byte(':') {
			return nil, false
		}
		v, ok := s.str()
		if !ok {
			return nil, false
		}
		if _, dup := vals[k]; dup || len(vals) == maxFormValues {
			return nil, false
		}
		vals[k] = []string{v}
		if s.byte(',') {
			continue
		}
		return vals, s.byte('}')
	}
}
