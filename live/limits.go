package live

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultMaxViewsPerSession is Options.MaxViewsPerSession's default.
const DefaultMaxViewsPerSession = 16

// limitLog logs a refusal by a limit (see throttledLog).
func (s *Server) limitLog(msg string, args ...any) {
	s.throttledLog(slog.LevelWarn, msg, args...)
}

// Client-caused log lines (refused joins, bad or unknown events) pass a token bucket:
// bursts of logBurst lines, then logPerSecond a second, over all clients, so that a
// client sending bad messages in a loop cannot grow the log at its own pace.
const (
	logBurst     = 20
	logPerSecond = 2
)

// logBucket is the token bucket of throttledLog.
type logBucket struct {
	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int
}

// throttledLog logs a client-caused line at level if the bucket allows, saying how many
// were left out before it.
func (s *Server) throttledLog(level slog.Level, msg string, args ...any) {
	b := &s.clientLog
	b.mu.Lock()
	now := time.Now()
	if b.last.IsZero() {
		b.tokens = logBurst
	} else {
		b.tokens = min(logBurst, b.tokens+now.Sub(b.last).Seconds()*logPerSecond)
	}
	b.last = now
	if b.tokens < 1 {
		b.suppressed++
		b.mu.Unlock()
		return
	}
	b.tokens--
	suppressed := b.suppressed
	b.suppressed = 0
	b.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed_before", suppressed)
	}
	s.log.Log(context.Background(), level, msg, args...)
}
