package live

import (
	"net/http"
	"net/netip"
	"net/url"
)

// ConnectInfo describes the live socket a connected view runs on: what the browser's
// WebSocket upgrade request said, as the socket keeps it (LiveView's get_connect_info).
type ConnectInfo struct {
	// PeerAddr is the upgrade request's remote address ("ip:port"): the browser's, or
	// that of the last proxy in front of the server.
	PeerAddr string
	// ClientAddr is the browser's address: PeerAddr's or, for a request from one of
	// Options.Channel.Limits.TrustedProxies, the one its X-Forwarded-For names. It is the zero
	// netip.Addr when neither parses.
	ClientAddr netip.Addr
	// UserAgent is the upgrade request's User-Agent header when
	// Options.Channel.KeepHeaders names it, else "".
	UserAgent string
	// Header holds the upgrade request's headers that Options.Channel.KeepHeaders names
	// (none by default: an idle socket keeps no headers). It is the caller's copy.
	Header http.Header
}

// ConnectInfo returns what the connected view's socket knows of the browser's
// connection: its addresses and the request headers kept for it (see
// Options.Channel.KeepHeaders; "User-Agent" gives UserAgent). It returns nil during the
// disconnected render, which has the page's HTTP request instead (Options.Session sees
// it). Each call builds a fresh value; read it in Mount (or an OnMount hook) and keep what
// the view needs.
func (s *Socket) ConnectInfo() *ConnectInfo {
	if s.v == nil || s.v.ch == nil {
		return nil
	}
	info := s.v.ch.ConnectInfo()
	h := info.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	return &ConnectInfo{PeerAddr: info.RemoteAddr, ClientAddr: info.ClientAddr, UserAgent: h.Get("User-Agent"), Header: h}
}

// ConnectParams returns the connect params of the connected view's socket
// (LiveView's get_connect_params): the query of the live socket's URL, which the client
// builds from its params option. Glint's client sends window.glintLiveConfig.params there,
// the official client its LiveSocket's params option; both add _csrf_token, and vsn is
// the protocol version. For example, with
//
//	window.glintLiveConfig = {params: {timezone: Intl.DateTimeFormat().resolvedOptions().timeZone}}
//
// s.ConnectParams().Get("timezone") is the browser's time zone. Everything in it is
// untrusted input. It returns nil during the disconnected render: render a default there
// and the real thing once connected. The socket keeps only the raw query; each call parses
// it again into a fresh url.Values.
func (s *Socket) ConnectParams() url.Values {
	if s.v == nil || s.v.ch == nil {
		return nil
	}
	return s.v.ch.ConnectInfo().Params
}
