package channel

import "time"

// SetParkAfter sets how long a client must be quiet before its socket is parked (a second
// otherwise), so that a test can park and wake sockets many times a second. Call it
// before the first socket connects.
func (s *Server) SetParkAfter(d time.Duration) { s.parkAfter = d }
