package channel

// Limits on what one client can hold or send (see Options): sockets per address and in
// all, joins per socket, messages per channel, topic length, and how long a socket may
// stay without a channel. Each refusal is counted in Metrics.

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// defaultMaxConnections is the open-file limit less a tenth of it, at least 256, kept for
// everything that is not a socket.
func defaultMaxConnections() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return 10_000
	}
	n := int(min(lim.Cur, 1<<30))
	return max(n-max(n/10, 256), 1)
}

// parseProxies parses Options.TrustedProxies; a bare address is a prefix of its own.
func parseProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("channel: trusted proxy %q: want a CIDR prefix or an address", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr returns the request's client address: the peer's, or, when the peer is a
// trusted proxy, the right-most X-Forwarded-For entry that is not a trusted proxy.
func clientAddr(r *http.Request, proxies []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	a := ap.Addr().Unmap()
	if len(proxies) == 0 || !trusted(a, proxies) {
		return a
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			h, err := netip.ParseAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				return a // a malformed entry: trust nothing to its left
			}
			a = h.Unmap()
			if !trusted(a, proxies) {
				return a
			}
		}
	}
	return a
}

// TrustedProxy reports whether r came straight from one of Limits.TrustedProxies, whose
// X-Forwarded-* headers may then be believed.
func (s *Server) TrustedProxy(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && trusted(ap.Addr().Unmap(), s.proxies)
}

// addrKey is what MaxSocketsPerAddress counts by: an IPv4 address, or an IPv6 /64 (one
// subscriber's usual allocation, which an attacker could otherwise walk through).
func addrKey(a netip.Addr) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	if a.Is4() {
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64)
	return p
}

// maxLoggedBytes bounds a client-supplied value in a log line.
const maxLoggedBytes = 128

// clip shortens a client-supplied string for logging, saying how long it was, so that a
// client cannot grow the log by sending long values.
func clip(s string) string {
	if len(s) <= maxLoggedBytes {
		return s
	}
	cut := maxLoggedBytes
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// admit applies MaxConnections and MaxSocketsPerAddress to an upgrade request. It
// answers the refusal itself; otherwise release must be called once the socket has gone
// (or when the upgrade fails).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, addr netip.Addr) (release func(), ok bool) {
	if max := s.opts.Limits.MaxConnections; max >= 0 && s.slots.Add(1) > int64(max) {
		s.slots.Add(-1)
		s.metrics.LimitConnections.Add(1)
		s.refuseLimit(w, r, http.StatusServiceUnavailable, "too many connections", "limit", max)
		return nil, false
	}
	key := addrKey(addr)
	if s.banned(key) {
		if s.opts.Limits.MaxConnections >= 0 {
			s.slots.Add(-1)
		}
		s.metrics.LimitBanned.Add(1)
		s.refuseLimit(w, r, http.StatusTooManyRequests, "address refused for a while after abuse")
		return nil, false
	}
	if !s.perAddr.Acquire(key, s.opts.Limits.MaxSocketsPerAddress) {
		if s.opts.Limits.MaxConnections >= 0 {
			s.slots.Add(-1)
		}
		s.metrics.LimitAddress.Add(1)
		s.refuseLimit(w, r, http.StatusTooManyRequests, "too many connections from this address", "limit", s.opts.Limits.MaxSocketsPerAddress)
		return nil, false
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.perAddr.Release(key)
			if s.opts.Limits.MaxConnections >= 0 {
				s.slots.Add(-1)
			}
		})
	}, true
}

// refuseLimit answers an upgrade refused by a limit, logging at most one such refusal per
// second (saying how many it left out), so that a flood of refusals cannot flood the log.
func (s *Server) refuseLimit(w http.ResponseWriter, r *http.Request, status int, why string, attrs ...any) {
	s.metrics.ConnectRejected.Add(1)
	if ok, skipped := s.refusalLog.Allow(); ok {
		attrs = append([]any{"remote", clip(r.RemoteAddr)}, attrs...)
		if skipped > 0 {
			attrs = append(attrs, "not_logged_before", skipped)
		}
		s.log.Warn("channel: socket refused: "+why, attrs...)
	}
	w.Header().Set("Retry-After", "5")
	http.Error(w, why, status)
}

// bans holds the addresses refused for a while after abuse (Options.Limits.AbuseBan).
type bans struct {
	mu    sync.Mutex
	until map[netip.Prefix]int64 // unix nanoseconds
}

// maxBans bounds the banned addresses remembered; past it, the ban that ends first goes.
const maxBans = 100_000

// ban refuses key's new sockets for Limits.AbuseBan, and ends its open ones: they would
// otherwise keep doing what earned the ban.
func (s *Server) ban(key netip.Prefix) {
	d := s.opts.Limits.AbuseBan
	if d <= 0 {
		return
	}
	s.bans.add(key, time.Now().Add(d).UnixNano())
	s.mu.Lock()
	var socks []*socket
	for sock := range s.sockets {
		if sock.addr == key {
			socks = append(socks, sock)
		}
	}
	s.mu.Unlock()
	for _, sock := range socks {
		sock.refuse(websocket.StatusPolicyViolation, "address refused after abuse")
	}
}

// add bans key until the given unix nanoseconds.
func (b *bans) add(key netip.Prefix, until int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.until == nil {
		b.until = make(map[netip.Prefix]int64)
	}
	if _, ok := b.until[key]; !ok && len(b.until) >= maxBans {
		var first netip.Prefix
		end := int64(math.MaxInt64)
		for k, t := range b.until {
			if t < end {
				first, end = k, t
			}
		}
		delete(b.until, first)
	}
	b.until[key] = until
}

// banned reports whether key is banned now, forgetting a ban that has ended.
func (s *Server) banned(key netip.Prefix) bool {
	b := &s.bans
	b.mu.Lock()
	defer b.mu.Unlock()
	t, ok := b.until[key]
	if !ok {
		return false
	}
	if time.Now().UnixNano() < t {
		return true
	}
	delete(b.until, key)
	return false
}
