package channel

// permessage-deflate (RFC 7692) on the frames the socket writes itself.
//
// coder/websocket negotiates the extension and inflates what clients send, always as
// client_no_context_takeover (the library is handed CompressionNoContextTakeover whatever
// the mode), so that no socket holds an inflate window for its client's small events. The
// server's own messages are framed by the socket (see frameOf), so it deflates
// them here: with no context takeover each message is deflated by a pooled flate.Writer
// that goes back to the pool at once; with context takeover the socket keeps its
// flate.Writer, and so the last 32 KiB it sent, for its whole life.

import (
	"compress/flate"
	"net/http"
	"strings"
	"sync"
)

// CompressionMode selects how the server uses the permessage-deflate WebSocket extension
// (RFC 7692). Compression is used only with a client that offers the extension (browsers
// other than Safari do; the phoenix and Glint clients get it from the browser).
type CompressionMode int

const (
	// CompressionDefault is the zero value: the default mode, CompressionOff.
	CompressionDefault CompressionMode = iota
	// CompressionOff does not negotiate the extension.
	CompressionOff
	// CompressionNoContextTakeover deflates each server message of at least the threshold
	// on its own, with a pooled compressor: no memory is held between messages.
	CompressionNoContextTakeover
	// CompressionContextTakeover deflates each server message of at least the threshold
	// with the context of the previous ones (unless the client asks for
	// server_no_context_takeover), so that the topic, the event and the keys a message
	// repeats cost a few bytes; the socket holds its compressor for its whole life.
	CompressionContextTakeover
)

// String returns the mode's name.
func (m CompressionMode) String() string {
	switch m {
	case CompressionDefault:
		return "default"
	case CompressionOff:
		return "off"
	case CompressionNoContextTakeover:
		return "no-context-takeover"
	case CompressionContextTakeover:
		return "context-takeover"
	}
	return "CompressionMode(?)"
}

// Default thresholds: the smallest server message that is deflated.
const (
	DefaultCompressionThreshold                = 256
	DefaultContextTakeoverCompressionThreshold = 32
)

// extensionsHeader is the handshake header carrying the negotiated extensions.
const extensionsHeader = "Sec-WebSocket-Extensions"

// deflateTail is what a sync flush ends with, removed from each message on the wire.
const deflateTail = "\x00\x00\xff\xff"

// deflater deflates one socket's messages. It is used by the goroutine holding the
// socket's writer role only, so in the order the frames go out, which context takeover
// needs.
type deflater struct {
	threshold int
	takeover  bool
	fw        *flate.Writer // held between messages only with takeover
	sink      byteSink
}

// byteSink is the io.Writer a flate.Writer writes to: it appends to buf.
type byteSink struct{ buf []byte }

func (s *byteSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}

// flateWriters holds the compressors of messages deflated without context takeover. A
// flate.Writer is about 1 MB, whatever its level.
var flateWriters sync.Pool

// newDeflater returns the deflater for a socket whose handshake answered ext in
// Sec-WebSocket-Extensions, or nil when compression was not negotiated.
func newDeflater(ext string, threshold int) *deflater {
	if !strings.HasPrefix(ext, "permessage-deflate") {
		return nil
	}
	return &deflater{threshold: threshold, takeover: !strings.Contains(ext, "server_no_context_takeover")}
}

// deflate appends p, deflated, to dst and reports whether it did: a message below the
// threshold is left to be sent as it is.
func (d *deflater) deflate(dst, p []byte) ([]byte, bool) {
	if len(p) < d.threshold {
		return dst, false
	}
	d.sink.buf = dst
	fw := d.fw
	switch {
	case fw != nil:
	case d.takeover:
		// Not BestSpeed: it matches within one message and the one before only, and a
		// message under 128 bytes gets no matching at all and clears what it had.
		fw, _ = flate.NewWriter(&d.sink, takeoverLevel)
		d.fw = fw
	default:
		fw = getFlateWriter(&d.sink)
	}
	// Writing to a byteSink cannot fail.
	_, _ = fw.Write(p)
	_ = fw.Flush()
	out := d.sink.buf
	d.sink.buf = nil
	if !d.takeover {
		flateWriters.Put(fw)
	}
	return out[:len(out)-len(deflateTail)], true
}

// release drops the socket's compressor.
func (d *deflater) release() {
	if d != nil {
		d.fw = nil
	}
}

// takeoverLevel is the compression level with context takeover: the cheapest that
// matches over the whole window.
const takeoverLevel = 2

func getFlateWriter(w *byteSink) *flate.Writer {
	if fw, ok := flateWriters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return fw
	}
	// BestSpeed: about three times the speed of the default level for a few percent more
	// bytes on messages this small.
	fw, _ := flate.NewWriter(w, flate.BestSpeed)
	return fw
}

// compressionHeader is the hijacker's hook on the 101 response: in context takeover mode
// it drops server_no_context_takeover from the extension coder/websocket answered (the
// library is always asked for no context takeover, see the file comment), unless the
// client's offer asked for it.
func compressionHeader(mode CompressionMode, r *http.Request, h http.Header) {
	if mode != CompressionContextTakeover {
		return
	}
	ext := h.Get(extensionsHeader)
	if ext == "" {
		return
	}
	for _, v := range r.Header.Values(extensionsHeader) {
		if strings.Contains(v, "server_no_context_takeover") {
			return
		}
	}
	h.Set(extensionsHeader, strings.Replace(ext, "; server_no_context_takeover", "", 1))
}
