package wsclient

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
)

// ErrHandshake is wrapped by the errors Dial returns when the server does not complete
// the WebSocket opening handshake correctly (a status other than 101, a wrong
// Sec-WebSocket-Accept, a missing Upgrade header, an unrequested extension).
var ErrHandshake = errors.New("wsclient: handshake failed")

// acceptGUID is the fixed GUID of RFC 6455 section 1.3.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// reservedHeaders are the handshake headers Dial writes itself.
var reservedHeaders = map[string]bool{
	"Host":                     true,
	"Upgrade":                  true,
	"Connection":               true,
	"Sec-Websocket-Key":        true,
	"Sec-Websocket-Version":    true,
	"Sec-Websocket-Extensions": true,
}

// Dial opens a WebSocket connection to rawURL, which must be a ws:// URL. header is
// added to the upgrade request (Cookie, Origin, ...); it must not set the handshake's
// own headers (Host, Upgrade, Connection, Sec-WebSocket-*). ctx bounds the TCP dial and
// the handshake, not the connection's life. Bytes the server sends right after its 101
// response are kept for the first ReadMessage.
func Dial(ctx context.Context, rawURL string, header http.Header) (*Conn, error) {
	var d Dialer
	return d.Dial(ctx, rawURL, header)
}

// Dialer dials WebSocket connections over TCP connections it opens its own way.
type Dialer struct {
	// NetDial opens the TCP connection (for example from a chosen source address, as
	// net.Dialer.DialContext with LocalAddr set does); nil uses a zero net.Dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dial is the package's Dial, opening the TCP connection with d.NetDial.
func (d *Dialer) Dial(ctx context.Context, rawURL string, header http.Header) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("wsclient: dial: %w", err)
	}
	switch u.Scheme {
	case "ws":
	case "wss":
		return nil, fmt.Errorf("wsclient: dial %s: wss:// is not supported (this client has no TLS)", rawURL)
	default:
		return nil, fmt.Errorf("wsclient: dial %s: scheme %q is not ws", rawURL, u.Scheme)
	}
	for k := range header {
		if reservedHeaders[textproto.CanonicalMIMEHeaderKey(k)] {
			return nil, fmt.Errorf("wsclient: dial %s: header %q is set by the handshake itself", rawURL, k)
		}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	netDial := d.NetDial
	if netDial == nil {
		var nd net.Dialer
		netDial = nd.DialContext
	}
	nc, err := netDial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wsclient: dial %s: %w", rawURL, err)
	}
	c, err := handshake(ctx, nc, u, header)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("wsclient: dial %s: %w", rawURL, err)
	}
	return c, nil
}

// handshake sends the upgrade request on nc and checks the server's answer.
func handshake(ctx context.Context, nc net.Conn, u *url.URL, header http.Header) (*Conn, error) {
	if d, ok := ctx.Deadline(); ok {
		if err := nc.SetDeadline(d); err != nil {
			return nil, err
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	c, err := doHandshake(nc, u, header)
	if !stop() || (err != nil && ctx.Err() != nil) {
		// The context ended during the handshake (its deadline may also have failed
		// the read): report that rather than the i/o timeout.
		return nil, fmt.Errorf("handshake: %w", context.Cause(ctx))
	}
	if err != nil {
		if _, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) {
			// The connection's deadline is the context's, and may fire a moment before
			// the context's own timer marks it done.
			return nil, fmt.Errorf("handshake: %w", context.DeadlineExceeded)
		}
		return nil, err
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return c, nil
}

func doHandshake(nc net.Conn, u *url.URL, header http.Header) (*Conn, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:]) // never fails (crypto/rand aborts the program instead)
	key := base64.StdEncoding.EncodeToString(nonce[:])

	var req strings.Builder
	req.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\n")
	req.WriteString("Host: " + u.Host + "\r\n")
	req.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\n")
	req.WriteString("Sec-WebSocket-Key: " + key + "\r\n")
	req.WriteString("Sec-WebSocket-Version: 13\r\n")
	if err := header.Write(&req); err != nil {
		return nil, err
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(nc, req.String()); err != nil {
		return nil, fmt.Errorf("handshake: write request: %w", err)
	}

	br := bufio.NewReaderSize(nc, readBufSize)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		return nil, fmt.Errorf("%w: reading the response: %w", ErrHandshake, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		detail := ""
		if b := strings.TrimSpace(string(body)); b != "" {
			detail = fmt.Sprintf(" (body %q)", b)
		}
		return nil, fmt.Errorf("%w: server answered %q, want 101 Switching Protocols%s", ErrHandshake, resp.Status, detail)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		return nil, fmt.Errorf("%w: Upgrade header is %q, want websocket", ErrHandshake, resp.Header.Get("Upgrade"))
	}
	if !headerHasToken(resp.Header, "Connection", "upgrade") {
		return nil, fmt.Errorf("%w: Connection header %q lacks upgrade", ErrHandshake, resp.Header.Values("Connection"))
	}
	if want, got := acceptKey(key), resp.Header.Get("Sec-WebSocket-Accept"); got != want {
		return nil, fmt.Errorf("%w: Sec-WebSocket-Accept is %q, want %q", ErrHandshake, got, want)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		return nil, fmt.Errorf("%w: server chose extensions %q that were not offered", ErrHandshake, ext)
	}
	return newConn(nc, br), nil
}

// headerHasToken reports whether the comma-separated header name holds token, ignoring case.
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// acceptKey is the Sec-WebSocket-Accept value a server must answer to key.
func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}
