// Package jsonenc appends JSON string literals without reflection, and checks JSON text
// without encoding/json's scanner, for the hand-written encoders and decoders on Glint's
// hot paths (channel frames, rendered diffs, broadcast payloads).
package jsonenc
