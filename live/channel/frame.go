package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/glint-go/glint/internal/jsonenc"
)

// nstr is a JSON string that may be null (valid false).
type nstr struct {
	s     string
	valid bool
}

func str(s string) nstr { return nstr{s: s, valid: true} }

var null nstr

// frame is one decoded client frame [join_ref, ref, topic, event, payload], or a binary
// push, whose payload is data (held in buf, which the frame then owns).
type frame struct {
	joinRef nstr
	ref     nstr
	topic   string
	event   string
	payload json.RawMessage
	data    []byte
	buf     *bytes.Buffer
}

// Binary frames (the Phoenix v2 serializer's layout): a kind byte, then for a push the
// byte lengths of join_ref, ref, topic and event, those four strings, and the payload.
const binaryPush = 0

// decodeBinaryPush parses a binary push. The strings are copied; data aliases b.
func decodeBinaryPush(b []byte) (frame, error) {
	var f frame
	if len(b) < 5 {
		return f, fmt.Errorf("%w: binary frame of %d bytes", errFrame, len(b))
	}
	if b[0] != binaryPush {
		return f, fmt.Errorf("%w: binary frame of kind %d (clients send pushes, kind 0)", errFrame, b[0])
	}
	n := 5 + int(b[1]) + int(b[2]) + int(b[3]) + int(b[4])
	if n > len(b) {
		return f, fmt.Errorf("%w: binary frame header declares %d bytes of %d", errFrame, n, len(b))
	}
	i := 5
	field := func(l byte) string {
		s := b[i : i+int(l)]
		i += int(l)
		return string(s)
	}
	f.joinRef = str(field(b[1]))
	f.ref = str(field(b[2]))
	f.topic = field(b[3])
	f.event = field(b[4])
	for _, s := range []string{f.joinRef.s, f.ref.s, f.topic, f.event} {
		if !utf8.ValidString(s) {
			return f, fmt.Errorf("%w: binary frame header is not UTF-8", errFrame)
		}
	}
	if f.topic == "" || f.event == "" {
		return f, fmt.Errorf("%w: binary frame without topic or event", errFrame)
	}
	f.data = b[i:]
	return f, nil
}

// errFrame reports an undecodable frame.
var errFrame = errors.New("channel: malformed frame")

// decodeFrame parses a v2 frame. It scans the array by hand: refs, topic and event are
// plain strings in practice, so the common path allocates only the strings themselves, and
// the payload is kept as raw JSON for the handler.
func decodeFrame(b []byte) (frame, error) { return decodeFrameAfter(b, "") }

// decodeFrameAfter is decodeFrame for a socket whose previous frame's topic was prevTopic:
// the same topic again (the clicks of one view) reuses that string instead of allocating
// one, and so do the usual event names.
func decodeFrameAfter(b []byte, prevTopic string) (frame, error) {
	var f frame
	d := decoder{b: b, prev: prevTopic}
	d.ws()
	if !d.eat('[') {
		return f, fmt.Errorf("%w: not a JSON array", errFrame)
	}
	var err error
	if f.joinRef, err = d.nullableString(); err != nil {
		return f, err
	}
	if err = d.comma(); err != nil {
		return f, err
	}
	if f.ref, err = d.nullableString(); err != nil {
		return f, err
	}
	if err = d.comma(); err != nil {
		return f, err
	}
	d.reuse = true
	topic, err := d.nullableString()
	d.reuse = false
	if err != nil {
		return f, err
	}
	if !topic.valid {
		return f, fmt.Errorf("%w: topic must be a string", errFrame)
	}
	f.topic = topic.s
	if err = d.comma(); err != nil {
		return f, err
	}
	d.events = true
	event, err := d.nullableString()
	d.events = false
	if err != nil {
		return f, err
	}
	if !event.valid {
		return f, fmt.Errorf("%w: event must be a string", errFrame)
	}
	f.event = event.s
	if err = d.comma(); err != nil {
		return f, err
	}
	// The payload is everything up to the closing bracket.
	end := len(b)
	for end > d.i && isSpace(b[end-1]) {
		end--
	}
	if end <= d.i || b[end-1] != ']' {
		return f, fmt.Errorf("%w: array not closed", errFrame)
	}
	p := b[d.i : end-1]
	for len(p) > 0 && isSpace(p[len(p)-1]) {
		p = p[:len(p)-1]
	}
	for len(p) > 0 && isSpace(p[0]) {
		p = p[1:]
	}
	if len(p) == 0 || p[0] != '{' || !jsonenc.Valid(p) {
		return f, fmt.Errorf("%w: payload must be a JSON object", errFrame)
	}
	f.payload = bytes.Clone(p) // b is reused for the next frame
	return f, nil
}

type decoder struct {
	b    []byte
	i    int
	prev string // a string to reuse when the next simple string equals it (reuse set)
	// reuse and events say which strings nullableString may take without allocating.
	reuse, events bool
}

// knownEvents are the event names a client sends all the time.
var knownEvents = []string{"event", "heartbeat", "phx_join", "phx_leave"}

// known returns a string equal to raw without allocating, when there is one.
func (d *decoder) known(raw []byte) (string, bool) {
	if d.reuse && d.prev != "" && string(raw) == d.prev {
		return d.prev, true
	}
	if d.events {
		for _, e := range knownEvents {
			if string(raw) == e {
				return e, true
			}
		}
	}
	return "", false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (d *decoder) ws() {
	for d.i < len(d.b) && isSpace(d.b[d.i]) {
		d.i++
	}
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) comma() error {
	d.ws()
	if !d.eat(',') {
		return fmt.Errorf("%w: expected ',' at offset %d", errFrame, d.i)
	}
	d.ws()
	return nil
}

func (d *decoder) nullableString() (nstr, error) {
	d.ws()
	if d.i+4 <= len(d.b) && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return null, nil
	}
	if !d.eat('"') {
		return null, fmt.Errorf("%w: expected string or null at offset %d", errFrame, d.i)
	}
	start := d.i
	simple := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if simple {
				raw := d.b[start : d.i-1]
				if s, ok := d.known(raw); ok {
					return str(s), nil
				}
				return str(string(raw)), nil
			}
			var s string
			if err := json.Unmarshal(d.b[start-1:d.i], &s); err != nil {
				return null, fmt.Errorf("%w: %w", errFrame, err)
			}
			return str(s), nil
		case c == '\\':
			simple = false
			d.i += 2
			continue
		case c < 0x20:
			return null, fmt.Errorf("%w: control character in string", errFrame)
		case c >= utf8.RuneSelf:
			simple = false
		}
		d.i++
	}
	return null, fmt.Errorf("%w: unterminated string", errFrame)
}

// appendFrame appends the v2 frame [joinRef, ref, topic, event, payload]; payload must be
// valid JSON and is spliced in as is.
func appendFrame(b []byte, joinRef, ref nstr, topic, event string, payload []byte) []byte {
	b = appendFrameHead(b, joinRef, ref, topic)
	b = append(b, ',')
	b = appendString(b, event)
	b = append(b, ',')
	b = append(b, payload...)
	return append(b, ']')
}

// appendFrameHead appends a frame's opening: [joinRef,ref,topic.
func appendFrameHead(b []byte, joinRef, ref nstr, topic string) []byte {
	b = append(b, '[')
	b = appendNstr(b, joinRef)
	b = append(b, ',')
	b = appendNstr(b, ref)
	b = append(b, ',')
	return appendString(b, topic)
}

// outFrames recycles the buffers of frames written at once (see socket.sendPooled).
var outFrames = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledFrame bounds the buffers kept in outFrames (a large join reply's is dropped).
const maxPooledFrame = 16 << 10

func recycleFrame(bp *[]byte, b []byte) {
	if cap(b) > maxPooledFrame {
		return
	}
	*bp = b[:0]
	outFrames.Put(bp)
}

func encodeFrame(joinRef, ref nstr, topic, event string, payload []byte) []byte {
	n := 16 + len(joinRef.s) + len(ref.s) + len(topic) + len(event) + len(payload)
	return appendFrame(make([]byte, 0, n), joinRef, ref, topic, event, payload)
}

func appendNstr(b []byte, s nstr) []byte {
	if !s.valid {
		return append(b, "null"...)
	}
	return appendString(b, s.s)
}

// appendString appends s as a JSON string (see jsonenc.AppendString).
func appendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }

// errBadJSON reports a json.RawMessage that is not valid JSON.
var errBadJSON = errors.New("channel: json.RawMessage is not valid JSON")

// ValidJSON is JSON text that its maker has already checked, sent as is: Push, Ok and
// Error validate a json.RawMessage on every call, so that a bad one can never corrupt the
// client's stream, and skip that for a ValidJSON. Use it only for text your own code
// writes and proves valid (package live sends its diffs, which diff.Encoder writes and
// whose tests parse every form, as ValidJSON); anything that comes from elsewhere belongs
// in a json.RawMessage. A *ValidJSON is sent as is too: a pointer goes into an interface
// without the allocation a slice costs, for a caller that replies from a buffer it keeps
// (the text is read before Push returns, and a reply's before the handler runs again).
type ValidJSON []byte

// encodePayload returns payload's JSON: json.RawMessage as is (after a validity check, so
// that a bad one can never corrupt the client's stream), ValidJSON (or a pointer to one)
// as is, nil as {}.
func encodePayload(payload any) ([]byte, error) {
	switch p := payload.(type) {
	case nil:
		return emptyObject, nil
	case ValidJSON:
		if len(p) == 0 {
			return emptyObject, nil
		}
		return p, nil
	case *ValidJSON:
		if p == nil || len(*p) == 0 {
			return emptyObject, nil
		}
		return *p, nil
	case json.RawMessage:
		if len(p) == 0 {
			return emptyObject, nil
		}
		if !jsonenc.Valid(p) {
			return nil, errBadJSON
		}
		return p, nil
	}
	return json.Marshal(payload)
}

// isObject reports whether the JSON text b is an object.
func isObject(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return c == '{'
		}
	}
	return false
}

var emptyObject = []byte("{}")
