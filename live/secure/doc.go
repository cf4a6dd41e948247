// Package secure holds the HTTP middleware a Glint application puts in front of its
// handlers: refusal of cross-origin state-changing requests (CSRF), and security
// response headers (Content-Security-Policy, X-Frame-Options, X-Content-Type-Options,
// Referrer-Policy).
//
// # Cross-origin requests
//
// SameOrigin and CrossOrigin build on the standard library's
// net/http.CrossOriginProtection: a request with an unsafe method (anything but GET,
// HEAD and OPTIONS) is refused with 403 when the browser says another site sent it —
// Sec-Fetch-Site is neither "same-origin" nor "none", or, for browsers older than
// Sec-Fetch-Site, the Origin header's host is not the request's Host. A request with
// neither header is not a browser acting for another site's page (curl, a load tool, a
// server-to-server call) and is allowed, so credentials in the request itself (basic auth
// typed on a command line, a bearer token) keep working. What this protects is ambient
// credentials, those the browser adds by itself: cookies and HTTP basic auth, which a
// browser resends to a site on every request once the user has logged in. Safe methods
// are always allowed, so handlers must not change state on GET.
//
// The live socket does its own origin check at the WebSocket upgrade (see
// live/channel.Options.CheckOrigin); these middleware are for the application's own
// forms and JSON endpoints.
//
// # Headers
//
// Headers sets, before its handler runs, a Content-Security-Policy (DefaultPolicy unless
// overridden), X-Frame-Options SAMEORIGIN, X-Content-Type-Options nosniff and
// Referrer-Policy strict-origin-when-cross-origin. DefaultPolicy fits a Glint page
// served with the live package's default layout: the client script (/live/glint.js, or
// the official phoenix_live_view bundle) comes from the page's own origin, the live
// socket is a same-origin WebSocket, and the layout has no inline script or style. A
// layout with an inline block allows it by hash (Hash, Policy.With). Headers does not
// wrap the ResponseWriter, so the WebSocket upgrade behind it is unaffected.
package secure
