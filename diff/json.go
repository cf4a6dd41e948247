package diff

import (
	"strconv"

	"github.com/glint-go/glint/internal/jsonenc"
)

// JSON writing helpers. The encoder writes JSON by hand, straight into the caller's buffer,
// so the hot path never builds maps or uses reflection. Strings are escaped by
// jsonenc.AppendString ('<', '>' and '&' are kept as they are).

// appendString appends s as a JSON string literal (see jsonenc.AppendString).
func appendString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s) }

// appendKey appends the object key "i": for a dynamic or entry index.
func appendKey(dst []byte, i int) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendInt(dst, int64(i), 10)
	return append(dst, '"', ':')
}

// appendComma appends a comma unless dst ends an object or array opening.
func appendComma(dst []byte) []byte {
	if n := len(dst); n > 0 && dst[n-1] != '{' && dst[n-1] != '[' {
		return append(dst, ',')
	}
	return dst
}

// appendStatics appends a list of statics as a JSON array of strings.
func appendStatics(dst []byte, parts []string) []byte {
	dst = append(dst, '[')
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, p)
	}
	return append(dst, ']')
}
