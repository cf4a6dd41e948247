package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glint-go/glint/internal/wsclient"
)

// dialers spreads sockets over loopback source addresses, so that N can exceed the ~28k
// ephemeral ports one address pair allows, and so that no address holds more sockets than
// a server admits from one client address by default (1,024).
type dialers struct {
	dialers []*wsclient.Dialer
	next    atomic.Uint64
}

const viewsPerSourceAddr = 1000

func newDialers(n int, loopbackTarget bool) *dialers {
	addrs := 1
	if loopbackTarget {
		addrs = min((n+viewsPerSourceAddr-1)/viewsPerSourceAddr, 250)
	}
	d := &dialers{}
	for i := 0; i < addrs; i++ {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: -1}
		if loopbackTarget && addrs > 1 {
			dialer.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i+1))}
		}
		d.dialers = append(d.dialers, &wsclient.Dialer{NetDial: dialer.DialContext})
	}
	return d
}

func (d *dialers) dialer() *wsclient.Dialer {
	return d.dialers[d.next.Add(1)%uint64(len(d.dialers))]
}

// view is one live view on its own socket. Its reader goroutine is the only goroutine it owns.
type view struct {
	r   *runner
	idx int
	// page is the view's own page (a browser of its own: its cookies, session and CSRF
	// token); nil means the run's page. Set it before the first connect.
	page *page
	// observe, when set, sees every well-formed frame in the reader goroutine, before the
	// view acts on it. It must not keep f's payload beyond the call unless it copies it
	// (decodeFrame already copies), and must not block.
	observe func(f frame, size int, kind frameKind)

	mu      sync.Mutex
	conn    *wsclient.Conn
	joinRef string
	pending map[string]time.Time // click refs awaiting replies
	mounts  int

	ref atomic.Uint64

	joined    chan error // first join result
	diffAt    atomic.Int64
	bytesIn   atomic.Int64
	lostAt    atomic.Int64
	rejoinAt  atomic.Int64
	rejoining atomic.Bool
}

// frameKind tells an observer what a frame answers.
type frameKind int

const (
	pushFrame  frameKind = iota // a push (diff, redirect…) or a reply to something else
	joinReply                   // the reply to the current join
	eventReply                  // the reply to an event sent with track
)

func (v *view) nextRef() string { return strconv.FormatUint(v.ref.Add(1), 10) }

// pg is the page the view joins.
func (v *view) pg() *page {
	if v.page != nil {
		return v.page
	}
	return v.r.page
}

// connect dials, joins and starts the reader. It returns when the join reply arrived.
func (v *view) connect(ctx context.Context) error {
	r, pg := v.r, v.pg()
	ctx, cancel := context.WithTimeout(ctx, r.cfg.JoinTimeout)
	defer cancel()
	hdr := http.Header{}
	hdr.Set("Origin", pg.origin())
	if pg.Cookie != "" {
		hdr.Set("Cookie", pg.Cookie)
	}
	conn, err := r.dial.dialer().Dial(ctx, pg.socketURL(r.cfg.Mount, v.mounts), hdr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(r.cfg.MaxFrame)
	ref := v.nextRef()
	payload, _ := json.Marshal(map[string]any{
		"url":     pg.URL.String(),
		"params":  map[string]any{"_csrf_token": pg.CSRF, "_mounts": v.mounts, "_mount_attempts": 0},
		"session": pg.Session,
		"static":  nullable(pg.Static),
		"sticky":  false,
	})
	frame := encodeFrame(ref, ref, "lv:"+pg.ID, "phx_join", payload)
	v.mu.Lock()
	v.conn, v.joinRef = conn, ref
	v.joined = make(chan error, 1)
	joined := v.joined
	v.mu.Unlock()
	if err := conn.WriteText(frame); err != nil {
		conn.CloseNow()
		return fmt.Errorf("join write: %w", err)
	}
	r.framesOut.Add(1)
	go v.read(conn)
	select {
	case err := <-joined:
		if err != nil {
			conn.CloseNow()
		}
		return err
	case <-ctx.Done():
		conn.CloseNow()
		return fmt.Errorf("join: no reply within %v", r.cfg.JoinTimeout)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// read handles every frame of one connection until it closes (or the run ends, which
// closes it).
func (v *view) read(conn *wsclient.Conn) {
	r := v.r
	stop := context.AfterFunc(r.ctx, func() { conn.CloseNow() })
	defer stop()
	for {
		b, err := conn.ReadMessage()
		if err != nil {
			v.lost(conn, err)
			return
		}
		v.handle(b) // b is reused by the next ReadMessage: handle keeps no part of it
	}
}

func (v *view) handle(b []byte) {
	r := v.r
	r.framesIn.Add(1)
	r.bytesIn.Add(int64(len(b)))
	v.bytesIn.Add(int64(len(b)))
	f, err := decodeFrame(b)
	if err != nil {
		r.count("protocol: " + err.Error())
		return
	}
	if f.Event != "phx_reply" {
		if v.observe != nil {
			v.observe(f, len(b), pushFrame)
		}
		switch f.Event {
		case "diff":
			v.diffAt.CompareAndSwap(0, time.Now().UnixNano())
		case "phx_error":
			r.count("phx_error from server")
		case "phx_close":
			r.count("phx_close from server")
		case "redirect", "live_redirect", "live_patch":
		default:
			r.count("unexpected event " + f.Event)
		}
		return
	}
	v.mu.Lock()
	isJoin := f.Ref == v.joinRef && f.Topic != "phoenix"
	sent, isClick := v.pending[f.Ref]
	if isClick {
		delete(v.pending, f.Ref)
	}
	joined := v.joined
	v.mu.Unlock()
	if v.observe != nil {
		kind := pushFrame
		switch {
		case isJoin:
			kind = joinReply
		case isClick:
			kind = eventReply
		}
		v.observe(f, len(b), kind)
	}
	switch {
	case isJoin:
		var res error
		if f.Status != "ok" {
			res = fmt.Errorf("join refused: %s", f.Payload)
		}
		select {
		case joined <- res:
		default:
		}
	case isClick:
		r.recordLatency(time.Since(sent))
		if f.Status != "ok" {
			r.count("click reply: " + f.Status)
		}
	}
}

// lost records a closed connection and, when the scenario expects it, reconnects.
func (v *view) lost(conn *wsclient.Conn, err error) {
	r := v.r
	conn.CloseNow()
	v.mu.Lock()
	current := v.conn == conn
	if current {
		v.conn = nil
		v.pending = nil
	}
	v.mu.Unlock()
	if !current || r.ctx.Err() != nil || r.stopping.Load() {
		return
	}
	r.connected.Add(-1)
	if !r.reconnect.Load() {
		r.count("socket closed: " + closeReason(err))
		return
	}
	v.lostAt.CompareAndSwap(0, time.Now().UnixNano())
	if v.rejoining.CompareAndSwap(false, true) {
		go v.rejoin()
	}
}

// rejoin reconnects with exponential backoff and full jitter, like Glint's client.
func (v *view) rejoin() {
	r := v.r
	defer v.rejoining.Store(false)
	for attempt := 0; ; attempt++ {
		wait := time.Duration(rand.Int64N(int64(backoff(attempt)) + 1))
		select {
		case <-time.After(wait):
		case <-r.ctx.Done():
			return
		}
		v.mounts++
		if err := v.connect(r.ctx); err != nil {
			r.count("reconnect attempt failed")
			if attempt >= r.cfg.MaxAttempts {
				r.count("gave up reconnecting")
				r.gaveUp.Add(1)
				return
			}
			continue
		}
		v.rejoinAt.Store(time.Now().UnixNano())
		r.connected.Add(1)
		return
	}
}

// backoff caps 50ms·2^n at 5s.
func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 7)
	return min(d, 5*time.Second)
}

func closeReason(err error) string {
	var ce *wsclient.CloseError
	if errors.As(err, &ce) {
		return "code " + strconv.Itoa(ce.Code)
	}
	return "connection lost"
}

// send writes a frame on the view's current connection.
func (v *view) send(ctx context.Context, event string, payload []byte, track bool) error {
	v.mu.Lock()
	conn, joinRef := v.conn, v.joinRef
	if conn == nil {
		v.mu.Unlock()
		return errors.New("not connected")
	}
	ref := v.nextRef()
	topic := "lv:" + v.pg().ID
	if track {
		if v.pending == nil {
			v.pending = map[string]time.Time{}
		}
		if len(v.pending) > 1000 {
			v.mu.Unlock()
			return errors.New("too many clicks without a reply")
		}
		v.pending[ref] = time.Now()
	}
	v.mu.Unlock()
	jr := joinRef
	if event == "heartbeat" {
		topic, jr = "phoenix", ""
	}
	if err := conn.WriteText(encodeFrame(jr, ref, topic, event, payload)); err != nil {
		return err
	}
	v.r.framesOut.Add(1)
	return nil
}

// isConnected reports whether the view's socket is open.
func (v *view) isConnected() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.conn != nil
}

func (v *view) close() {
	v.mu.Lock()
	conn := v.conn
	v.conn = nil
	v.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}
