package live

import (
	"context"
	"log/slog"
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

// throttledLog logs a client-caused line at level if the gate lets it through, saying how
// many were left out before it.
func (s *Server) throttledLog(level slog.Level, msg string, args ...any) {
	ok, skipped := s.clientLog.Allow()
	if !ok {
		return
	}
	if skipped > 0 {
		args = append(args, "suppressed_before", skipped)
	}
	s.log.Log(context.Background(), level, msg, args...)
}
