package main

import (
	"encoding/json"
	"errors"
	"strconv"
)

// frame is the part of a server frame the tool looks at.
type frame struct {
	JoinRef, Ref, Topic, Event string
	Status                     string // of a phx_reply
	Payload                    json.RawMessage
}

var errFrame = errors.New("malformed frame")

// decodeFrame parses [join_ref, ref, topic, event, payload].
func decodeFrame(b []byte) (frame, error) {
	var parts [5]json.RawMessage
	var f frame
	if err := json.Unmarshal(b, &parts); err != nil {
		return f, errFrame
	}
	for i, dst := range []*string{&f.JoinRef, &f.Ref, &f.Topic, &f.Event} {
		if len(parts[i]) == 0 || string(parts[i]) == "null" {
			continue
		}
		if err := json.Unmarshal(parts[i], dst); err != nil {
			return f, errFrame
		}
	}
	if f.Topic == "" || f.Event == "" || len(parts[4]) == 0 || parts[4][0] != '{' {
		return f, errFrame
	}
	f.Payload = parts[4]
	if f.Event == "phx_reply" {
		var st struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(f.Payload, &st) != nil || st.Status == "" {
			return f, errFrame
		}
		f.Status = st.Status
	}
	return f, nil
}

// encodeFrame writes [join_ref, ref, topic, event, payload]; an empty join_ref is null.
func encodeFrame(joinRef, ref, topic, event string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(topic)+len(event)+len(payload))
	b = append(b, '[')
	if joinRef == "" {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendQuote(b, joinRef)
	}
	b = append(b, ',')
	b = strconv.AppendQuote(b, ref)
	b = append(b, ',')
	b = appendJSONString(b, topic)
	b = append(b, ',')
	b = appendJSONString(b, event)
	b = append(b, ',')
	b = append(b, payload...)
	return append(b, ']')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
