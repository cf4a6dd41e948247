package live

import (
	"fmt"
	"net/http"
	"sync/atomic"
)

// metrics are the view-level counters, exposed after the socket layer's.
type metrics struct {
	views   atomic.Int64 // connected views now
	joins   atomic.Int64 // successful joins
	events  atomic.Int64 // client events handled
	renders atomic.Int64 // renders (disconnected and connected)
	crashes atomic.Int64 // recovered panics
}

// metricsHandler writes the socket layer's metrics followed by the views'.
func (s *Server) metricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ch.Metrics().ServeHTTP(w, r)
		m := s.metrics
		fmt.Fprintf(w, "# HELP glint_live_views Connected live views.\n# TYPE glint_live_views gauge\nglint_live_views %d\n", m.views.Load())
		fmt.Fprintf(w, "# HELP glint_live_joins_total Successful live view joins.\n# TYPE glint_live_joins_total counter\nglint_live_joins_total %d\n", m.joins.Load())
		fmt.Fprintf(w, "# HELP glint_live_events_total Client events handled by live views.\n# TYPE glint_live_events_total counter\nglint_live_events_total %d\n", m.events.Load())
		fmt.Fprintf(w, "# HELP glint_live_renders_total Live view renders.\n# TYPE glint_live_renders_total counter\nglint_live_renders_total %d\n", m.renders.Load())
		fmt.Fprintf(w, "# HELP glint_live_crashes_total Recovered panics in live views.\n# TYPE glint_live_crashes_total counter\nglint_live_crashes_total %d\n", m.crashes.Load())
	})
}
