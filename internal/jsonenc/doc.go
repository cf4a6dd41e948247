// Package jsonenc appends JSON string literals without reflection, for the hand-written
// encoders on Glint's hot paths (channel frames and rendered diffs).
package jsonenc
