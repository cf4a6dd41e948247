package secure

import (
	"fmt"
	"net/http"
)

// Off, as the value of a HeaderOptions field, sends no such header.
const Off = "off"

// Default header values.
const (
	DefaultFrameOptions       = "SAMEORIGIN"
	DefaultContentTypeOptions = "nosniff"
	DefaultReferrerPolicy     = "strict-origin-when-cross-origin"
)

// HeaderOptions configure Headers. Each field is a header's value: "" means its default,
// Off means no such header. The zero value is the defaults.
type HeaderOptions struct {
	// ContentSecurityPolicy is the Content-Security-Policy. Default
	// DefaultPolicy().String(); build another one with DefaultPolicy().With(…).String().
	ContentSecurityPolicy string
	// ReportOnly sends the policy as Content-Security-Policy-Report-Only instead: the
	// browser reports violations (in its console, or to a report-to endpoint the policy
	// names) but blocks nothing. It is for trying a new policy on a live site.
	ReportOnly bool
	// FrameOptions is X-Frame-Options, for browsers that predate the policy's
	// frame-ancestors (which takes precedence where supported). Default SAMEORIGIN.
	FrameOptions string
	// ContentTypeOptions is X-Content-Type-Options. Default nosniff: a response is only
	// run as a script or applied as a stylesheet when its Content-Type says it is one.
	ContentTypeOptions string
	// ReferrerPolicy is Referrer-Policy. Default strict-origin-when-cross-origin: other
	// sites see the origin, never the path or query, and nothing over plain HTTP.
	ReferrerPolicy string
	// StrictTransportSecurity is Strict-Transport-Security. Default none (browsers
	// ignore it over plain HTTP, and it binds a host to HTTPS for max-age); a site
	// served only over HTTPS sets, for example, "max-age=63072000; includeSubDomains".
	StrictTransportSecurity string
}

// header is one header Headers sets.
type header struct{ name, value string }

// list returns the headers the options set, in a fixed order. It panics on a value
// holding a control character, which would break the header block.
func (o HeaderOptions) list() []header {
	csp := "Content-Security-Policy"
	if o.ReportOnly {
		csp = "Content-Security-Policy-Report-Only"
	}
	all := []header{
		{csp, orDefault(o.ContentSecurityPolicy, DefaultPolicy().String())},
		{"X-Frame-Options", orDefault(o.FrameOptions, DefaultFrameOptions)},
		{"X-Content-Type-Options", orDefault(o.ContentTypeOptions, DefaultContentTypeOptions)},
		{"Referrer-Policy", orDefault(o.ReferrerPolicy, DefaultReferrerPolicy)},
		{"Strict-Transport-Security", orDefault(o.StrictTransportSecurity, Off)},
	}
	var out []header
	for _, h := range all {
		if h.value == Off {
			continue
		}
		for _, c := range []byte(h.value) {
			if c < ' ' || c == 0x7f {
				panic(fmt.Sprintf("secure: %s value %q holds a control character", h.name, h.value))
			}
		}
		out = append(out, h)
	}
	return out
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Headers returns next behind the security headers of opts (the zero HeaderOptions for
// the defaults). The headers are set before next runs, so a handler that needs another
// value for one response (a page that must be framed elsewhere, say) sets its own. It
// does not wrap the ResponseWriter: flushing and the WebSocket upgrade's hijack work as
// without it. It panics on a header value holding a control character.
func Headers(next http.Handler, opts HeaderOptions) http.Handler {
	list := opts.list()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, kv := range list {
			h.Set(kv.name, kv.value)
		}
		next.ServeHTTP(w, r)
	})
}
