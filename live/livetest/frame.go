package livetest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// frame is one Phoenix Channels v2 message: [join_ref, ref, topic, event, payload].
type frame struct {
	JoinRef *string
	Ref     *string
	Topic   string
	Event   string
	Payload json.RawMessage
}

func (f frame) MarshalJSON() ([]byte, error) {
	payload := f.Payload
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	return json.Marshal([]any{f.JoinRef, f.Ref, f.Topic, f.Event, payload})
}

func (f *frame) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("frame is not a JSON array: %w", err)
	}
	if len(parts) != 5 {
		return fmt.Errorf("frame has %d elements, want 5", len(parts))
	}
	if err := json.Unmarshal(parts[0], &f.JoinRef); err != nil {
		return fmt.Errorf("join_ref: %w", err)
	}
	if err := json.Unmarshal(parts[1], &f.Ref); err != nil {
		return fmt.Errorf("ref: %w", err)
	}
	if err := json.Unmarshal(parts[2], &f.Topic); err != nil {
		return fmt.Errorf("topic: %w", err)
	}
	if err := json.Unmarshal(parts[3], &f.Event); err != nil {
		return fmt.Errorf("event: %w", err)
	}
	if p := bytes.TrimSpace(parts[4]); len(p) == 0 || p[0] != '{' {
		return fmt.Errorf("payload %s is not a JSON object", parts[4])
	}
	f.Payload = parts[4]
	return nil
}

// reply is the payload of a phx_reply.
type reply struct {
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response"`
	// crashed marks a message that got no reply because the view crashed (phx_error).
	crashed bool
	// renders is the View's render count right after the reply was applied: renders after
	// it (pushes) are news to the test.
	renders int
}

func str(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
