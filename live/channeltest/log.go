package channeltest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// Log captures log records in memory. Give Log.Logger() to channel.Options.Logger.
type Log struct {
	mu      sync.Mutex
	records []slog.Record
}

// NewLog returns an empty Log.
func NewLog() *Log { return &Log{} }

// Logger returns a logger that records into l at every level.
func (l *Log) Logger() *slog.Logger { return slog.New(&logHandler{log: l}) }

// Records returns the captured records in order.
func (l *Log) Records() []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]slog.Record(nil), l.records...)
}

// String renders the records one per line as "LEVEL message key=value …".
func (l *Log) String() string {
	var b strings.Builder
	for _, r := range l.Records() {
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool {
			fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
			return true
		})
		b.WriteByte('\n')
	}
	return b.String()
}

// Contains reports whether a record at level or above has a message containing substr.
func (l *Log) Contains(level slog.Level, substr string) bool {
	for _, r := range l.Records() {
		if r.Level >= level && strings.Contains(r.Message, substr) {
			return true
		}
	}
	return false
}

type logHandler struct {
	log   *Log
	attrs []slog.Attr
	group string
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.log.mu.Lock()
	h.log.records = append(h.log.records, r)
	h.log.mu.Unlock()
	return nil
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.group = name
	return &n
}
