package channel

import (
	"context"
	"encoding/base64"
	"log/slog"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/glint-go/glint/live/pubsub"
)

// Options configure a Server. The zero value is usable: every field has a default.
type Options struct {
	// Logger receives connection and channel errors. Default slog.Default().
	Logger *slog.Logger
	// Connect authorises a socket at the upgrade. nil accepts every socket. An error
	// answers HTTP 403 and is logged. The returned Assigns are visible to every channel of
	// the socket; Assigns["socket_id"] (a string) gives the socket an id for Disconnect.
	Connect func(ctx context.Context, info *ConnectInfo) (Assigns, error)
	// CheckOrigin decides whether the request's Origin is allowed. nil: a request without
	// Origin is allowed, otherwise the Origin's host must equal the request's Host. See
	// AllowOrigins and AllowAnyOrigin. A refused origin answers HTTP 403.
	CheckOrigin func(r *http.Request) bool
	// HeartbeatTimeout closes a socket that sent no frame for this long (close code 1001).
	// Default 60s.
	HeartbeatTimeout time.Duration
	// MaxFrameBytes is the largest client frame; a bigger one closes the socket with 1009.
	// Default 1 MiB.
	MaxFrameBytes int64
	// MaxBinaryBytes bounds the bytes of binary pushes (file upload chunks) one socket has
	// received and its channels have not yet handled. A binary push beyond it gets the error
	// reply {"reason":"too much binary data in flight"} and counts against EventsPerSecond.
	// Default 8 MiB.
	MaxBinaryBytes int64
	// MailboxSize bounds each joined channel's mailbox. A client message for a channel
	// whose mailbox is full is dropped (logged and counted); the client's push times out.
	// Default 256.
	MailboxSize int
	// OutboundQueue bounds the frames waiting to be written to one socket. When it
	// overflows the socket is closed with 1013 (try again later) and counted. Default 512.
	OutboundQueue int
	// MaxChannels bounds the topics joined on one socket; a join above it gets the error
	// "too many channels joined". Default 100.
	MaxChannels int
	// PubSub carries broadcasts. Default pubsub.NewLocal().
	PubSub pubsub.PubSub
	// DrainWindow is the window over which Shutdown closes the sockets (code 1012), each
	// at a random moment, so that clients do not all reconnect at once. Default 10s.
	DrainWindow time.Duration
	// KeepHeaders names the upgrade request's headers that stay in ConnectInfo.Header for
	// the socket's lifetime (Channel.ConnectInfo), such as "User-Agent". Connect always sees
	// every header; afterwards the others are dropped, so that idle sockets do not hold
	// them. Default none.
	KeepHeaders []string
	// Compression configures permessage-deflate (see Compression for the trade-off).
	// Default off.
	Compression Compression

	// Limits bound what one client can hold or send. The zero value means the defaults;
	// see Limits.
	Limits Limits
}

// Limits bound what one client can hold or send. Every limit is on by default: a zero
// field takes its default; a negative one turns that limit off. Unlimited turns them all
// off, for benchmarks and load tests that drive many sockets from one address.
type Limits struct {
	// MaxConnections caps the sockets open at once on this server: an upgrade above it
	// answers HTTP 503, before the process runs out of file descriptors and its listener
	// stops accepting anything. Default: the process's open-file limit less a tenth of
	// it (at least 256) kept for files, listeners and outgoing connections. Negative: no cap.
	MaxConnections int
	// MaxSocketsPerAddress bounds the sockets open at once from one client address (an
	// IPv4 address, or an IPv6 /64); an upgrade above it answers HTTP 429. Behind a
	// reverse proxy, set TrustedProxies, or every client shares the proxy's address.
	// Default 1024. Negative: no limit.
	MaxSocketsPerAddress int
	// MaxChannelsPerAddress bounds the channels joined at once from one client address,
	// over all its sockets; a join above it gets the error reply "too many channels from
	// this address". A channel that leaves counts until it has finished (its Terminate
	// included). Default 4096. Negative: no limit.
	MaxChannelsPerAddress int
	// TrustedProxies are the networks of the reverse proxies in front of the server, as
	// CIDR prefixes ("10.0.0.0/8", "127.0.0.1/32"). For a request from one of them, the
	// client address is the right-most address in X-Forwarded-For that is not itself a
	// trusted proxy. Default none: X-Forwarded-For is ignored.
	TrustedProxies []string
	// JoinTimeout closes (code 1008) a socket that has had no joined channel for this
	// long, from its opening or from its last leave, so that sockets that never join
	// cannot pile up. Default 30s. Negative: never.
	JoinTimeout time.Duration
	// JoinsPerSecond and JoinBurst bound the joins of one socket (a token bucket): a join
	// above them gets the error reply "too many joins". Defaults 10 and 50. Negative
	// JoinsPerSecond: no limit.
	JoinsPerSecond float64
	JoinBurst      int
	// EventsPerSecond and EventBurst bound the client messages of one socket to its
	// joined channels, all channels together (a token bucket). A message above them is
	// not delivered and gets the error reply "rate limited"; a socket that keeps sending
	// above the rate (about EventBurst refused messages more than it earns back at a tenth
	// of the rate) is closed with 1008. Defaults 100 and 200. Negative EventsPerSecond: no
	// limit.
	EventsPerSecond float64
	EventBurst      int
	// ChunksPerSecond and ChunkBurst bound, in a bucket of their own, the binary pushes of
	// one socket (file upload chunks) and the text messages named in ChunkEvents (the
	// progress reports that follow each chunk), so that an upload is not held to
	// EventsPerSecond: 10,000 chunks of 64,000 bytes are 640 MB/s. A message above them
	// gets the error reply "rate limited", and a socket that keeps it up is closed as for
	// EventsPerSecond. Defaults 10,000 and 1,000. Negative ChunksPerSecond: no limit.
	ChunksPerSecond float64
	ChunkBurst      int
	// ChunkEvents names the text events counted with the chunks instead of the events.
	// Package live sets it to its upload progress report.
	ChunkEvents []string
	// AbuseBan is how long an address whose socket was closed for sending above
	// EventsPerSecond is refused new sockets (HTTP 429). Default 10s. Negative: no ban.
	AbuseBan time.Duration
	// MaxTopicBytes bounds the length of a topic a client may join; a longer one gets the
	// error reply "topic too long". Default 1024. Negative: no limit.
	MaxTopicBytes int
}

// Compression configures the permessage-deflate WebSocket extension (RFC 7692) for the
// messages the server sends. Client messages are inflated whenever the extension is
// negotiated, always without context takeover (client_no_context_takeover is always
// answered), so that no socket keeps a 32 KiB inflate window for its client's small events.
//
// The trade-off, measured by BenchmarkCompressionWire and BenchmarkCompressionIdle
// (PERFORMANCE.md, permessage-deflate), off / no context takeover / context takeover:
//
//   - a counter click's reply: 98 / 98 / 13 bytes on the wire (without context a
//     100-byte message does not shrink, so it stays under the threshold);
//   - a one-row change of a 20-row listing: 115 / 115 / 10 bytes;
//   - the listing's 8 KB join reply: 8,091 / 1,661 / 1,460 bytes;
//   - an idle socket: 8.3 / 12.9 / 827 KB. Without context takeover the extra 4.7 KB is
//     the 4 KiB reader coder/websocket keeps for inflating once the client has sent one
//     compressed message (browsers compress theirs); with context takeover it is the
//     socket's compressor (a flate.Writer).
//
// Off is the default: what compression saves without context takeover is the bytes of
// joins and large renders, at over half again the memory of an idle socket, and context
// takeover, which also shrinks every small diff about eightfold, costs a hundred times the
// memory of an idle socket. Turn on no context takeover for pages with large renders over
// slow links, context takeover only for few, busy sockets.
type Compression struct {
	// Mode is off, no context takeover or context takeover. Default CompressionOff.
	Mode CompressionMode
	// Threshold is the smallest message, in bytes, that is deflated; smaller ones are sent
	// as they are (the extension allows both in one stream). Default
	// DefaultCompressionThreshold without context takeover, where a small message does not
	// shrink, and DefaultContextTakeoverCompressionThreshold with it. Negative: every
	// message is deflated.
	Threshold int
}

// Unlimited returns Limits with every limit off.
func Unlimited() Limits {
	return Limits{
		MaxConnections: -1, MaxSocketsPerAddress: -1, MaxChannelsPerAddress: -1, JoinTimeout: -1,
		JoinsPerSecond: -1, EventsPerSecond: -1, ChunksPerSecond: -1, AbuseBan: -1, MaxTopicBytes: -1,
	}
}

// Defaults.
const (
	DefaultHeartbeatTimeout = 60 * time.Second
	DefaultMaxFrameBytes    = 1 << 20
	DefaultMailboxSize      = 256
	DefaultMaxBinaryBytes   = 8 << 20
	DefaultOutboundQueue    = 512
	DefaultMaxChannels      = 100
	DefaultDrainWindow      = 10 * time.Second

	DefaultMaxSocketsPerAddress  = 1024
	DefaultMaxChannelsPerAddress = 4096
	DefaultJoinTimeout           = 30 * time.Second
	DefaultJoinsPerSecond        = 10
	DefaultJoinBurst             = 50
	DefaultEventsPerSecond       = 100
	DefaultEventBurst            = 200
	DefaultChunksPerSecond       = 10_000
	DefaultChunkBurst            = 1000
	DefaultMaxTopicBytes         = 1024
	DefaultAbuseBan              = 10 * time.Second
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.CheckOrigin == nil {
		o.CheckOrigin = sameOrigin
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if o.MaxBinaryBytes <= 0 {
		o.MaxBinaryBytes = DefaultMaxBinaryBytes
	}
	if o.MailboxSize <= 0 {
		o.MailboxSize = DefaultMailboxSize
	}
	if o.OutboundQueue <= 0 {
		o.OutboundQueue = DefaultOutboundQueue
	}
	if o.MaxChannels <= 0 {
		o.MaxChannels = DefaultMaxChannels
	}
	if o.PubSub == nil {
		o.PubSub = pubsub.NewLocal()
	}
	if o.DrainWindow <= 0 {
		o.DrainWindow = DefaultDrainWindow
	}
	if o.Compression.Mode == CompressionDefault {
		o.Compression.Mode = CompressionOff
	}
	switch {
	case o.Compression.Threshold < 0:
		o.Compression.Threshold = 0
	case o.Compression.Threshold == 0 && o.Compression.Mode == CompressionContextTakeover:
		o.Compression.Threshold = DefaultContextTakeoverCompressionThreshold
	case o.Compression.Threshold == 0:
		o.Compression.Threshold = DefaultCompressionThreshold
	}
	if o.Limits.MaxConnections == 0 {
		o.Limits.MaxConnections = defaultMaxConnections()
	}
	if o.Limits.MaxSocketsPerAddress == 0 {
		o.Limits.MaxSocketsPerAddress = DefaultMaxSocketsPerAddress
	}
	if o.Limits.MaxChannelsPerAddress == 0 {
		o.Limits.MaxChannelsPerAddress = DefaultMaxChannelsPerAddress
	}
	if o.Limits.JoinTimeout == 0 {
		o.Limits.JoinTimeout = DefaultJoinTimeout
	}
	if o.Limits.JoinsPerSecond == 0 {
		o.Limits.JoinsPerSecond = DefaultJoinsPerSecond
	}
	if o.Limits.JoinBurst <= 0 {
		o.Limits.JoinBurst = DefaultJoinBurst
	}
	if o.Limits.EventsPerSecond == 0 {
		o.Limits.EventsPerSecond = DefaultEventsPerSecond
	}
	if o.Limits.EventBurst <= 0 {
		o.Limits.EventBurst = DefaultEventBurst
	}
	if o.Limits.ChunksPerSecond == 0 {
		o.Limits.ChunksPerSecond = DefaultChunksPerSecond
	}
	if o.Limits.ChunkBurst <= 0 {
		o.Limits.ChunkBurst = DefaultChunkBurst
	}
	if o.Limits.AbuseBan == 0 {
		o.Limits.AbuseBan = DefaultAbuseBan
	}
	if o.Limits.MaxTopicBytes == 0 {
		o.Limits.MaxTopicBytes = DefaultMaxTopicBytes
	}
	return o
}

// sameOrigin allows requests without an Origin header and those whose Origin host equals
// the request's Host.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// AllowOrigins returns a CheckOrigin func that allows requests without an Origin header
// and those whose Origin matches one of origins. An entry with a scheme
// ("https://example.com") must match the Origin's scheme and host; an entry without one
// ("example.com:8080") matches the host only. Comparison ignores case.
func AllowOrigins(origins ...string) func(*http.Request) bool {
	type allowed struct{ scheme, host string }
	list := make([]allowed, 0, len(origins))
	for _, o := range origins {
		if scheme, host, ok := strings.Cut(o, "://"); ok {
			list = append(list, allowed{strings.ToLower(scheme), strings.ToLower(strings.TrimSuffix(host, "/"))})
		} else {
			list = append(list, allowed{"", strings.ToLower(o)})
		}
	}
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			return false
		}
		host, scheme := strings.ToLower(u.Host), strings.ToLower(u.Scheme)
		for _, a := range list {
			if a.host == host && (a.scheme == "" || a.scheme == scheme) {
				return true
			}
		}
		return false
	}
}

// AllowAnyOrigin is a CheckOrigin func that turns the origin check off.
func AllowAnyOrigin(*http.Request) bool { return true }

// ConnectInfo describes the HTTP upgrade request of a socket.
type ConnectInfo struct {
	// Params are the query parameters of the socket URL (including vsn).
	Params url.Values
	// Header is the upgrade request's header. Connect sees all of it; after Connect only
	// the names in Options.KeepHeaders remain.
	Header http.Header
	// RemoteAddr is the request's remote address.
	RemoteAddr string
	// ClientAddr is the client's address: RemoteAddr's, or, for a request from one of
	// Options.TrustedProxies, the one its X-Forwarded-For names. Invalid when neither parses.
	ClientAddr netip.Addr
	// Cookies are the request's cookies (the session, for example). Only Connect sees
	// them; Channel.ConnectInfo has none.
	Cookies []*http.Cookie
	// SocketID is the socket's id: Assigns["socket_id"] from Connect, or "".
	SocketID string
	// AuthToken is the token the phoenix client's authToken option sends in the
	// Sec-WebSocket-Protocol header ("phoenix, base64url.bearer.phx.<base64>"), decoded;
	// "" when absent. It keeps a credential out of the URL and the server logs.
	AuthToken string
}

const authTokenPrefix = "base64url.bearer.phx."

// authToken extracts the phoenix client's auth token from the offered subprotocols.
func authToken(h http.Header) string {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			enc, ok := strings.CutPrefix(strings.TrimSpace(p), authTokenPrefix)
			if !ok {
				continue
			}
			enc = strings.TrimRight(enc, "=")
			for _, e := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
				if b, err := e.DecodeString(enc); err == nil {
					return string(b)
				}
			}
		}
	}
	return ""
}

// Assigns are the values attached to a socket: those of the upgrade request's context
// (see ContextWithAssigns), overlaid with those the Connect callback returns. The socket
// id is taken from Assigns["socket_id"] when it is a string. Channels must treat Assigns
// as read-only.
type Assigns map[string]any

type assignsKey struct{}

// ContextWithAssigns returns a copy of ctx carrying a copy of assigns. A middleware in
// front of the Server (authentication from a session cookie, or channeltest) uses it on
// the upgrade request to give the socket its first assigns; Connect, if set, can read them
// with AssignsFromContext and its result is merged over them.
func ContextWithAssigns(ctx context.Context, assigns Assigns) context.Context {
	return context.WithValue(ctx, assignsKey{}, maps.Clone(assigns))
}

// AssignsFromContext returns a copy of the assigns ContextWithAssigns put in ctx, or nil.
func AssignsFromContext(ctx context.Context) Assigns {
	a, _ := ctx.Value(assignsKey{}).(Assigns)
	return maps.Clone(a)
}

// keptHeader copies the values of the headers named in keep (nil when keep is empty).
func keptHeader(h http.Header, keep []string) http.Header {
	if len(keep) == 0 {
		return nil
	}
	out := make(http.Header, len(keep))
	for _, k := range keep {
		if v := h.Values(k); len(v) > 0 {
			out[http.CanonicalHeaderKey(k)] = slices.Clone(v)
		}
	}
	return out
}
