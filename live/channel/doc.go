// Package channel is Glint's Phoenix Channels v2 WebSocket endpoint: one WebSocket per
// browser tab carrying many joined topics, each served by a Handler on its own goroutine.
// It follows PROTOCOL.md §1 frame for frame, so the official phoenix JavaScript client (and
// Glint's own) can use it; live views are built on it, and it serves plain channels for
// single-page apps as well.
//
// # Goroutines and limits
//
// Each socket has one reader goroutine, plus a writer goroutine while frames are queued.
// Each joined channel has a mailbox of at most Options.MailboxSize messages and one
// goroutine that handles it in order; that goroutine exits when the mailbox is empty and
// is started again by the next message, so idle sockets and channels cost no writer or
// channel stacks (about 10.5 KB per idle socket with one channel; see BenchmarkIdleSockets10k). The
// reader never blocks on a channel: a client message for a channel whose mailbox is full is
// dropped, logged and counted (glint_channel_mailbox_dropped_total), and the client's push
// times out. The outbound queue of a socket holds at most Options.OutboundQueue frames; a
// client too slow to keep up overflows it, and the socket is closed with code 1013 (try
// again later: the client reconnects with backoff and rejoins with a full render) and
// counted (glint_channel_outbound_overflows_total). Handler panics are recovered: the
// channel sends phx_error and its siblings keep running.
//
// # Close codes
//
//   - 1001: Disconnect, and no frame within Options.HeartbeatTimeout.
//   - 1003: a binary frame was received.
//   - 1009: a frame exceeded Options.MaxFrameBytes.
//   - 1011: an undecodable frame was received.
//   - 1012: Shutdown (spread over Options.DrainWindow).
//   - 1013: the outbound queue overflowed.
//
// # Metrics
//
// Server.Metrics returns the counters; as an http.Handler it writes them in the Prometheus
// text format with no dependency:
//
//	glint_channel_connections               gauge   sockets open now
//	glint_channel_connections_total         counter sockets accepted
//	glint_channel_connect_rejected_total    counter upgrades refused (403/503)
//	glint_channel_channels                  gauge   channels joined now
//	glint_channel_joins_total{status}       counter join replies: ok, error, crashed
//	glint_channel_crashes_total             counter channels ended by phx_error
//	glint_channel_frames_in_total           counter frames received
//	glint_channel_frames_out_total          counter frames written
//	glint_channel_bytes_in_total            counter bytes received
//	glint_channel_bytes_out_total           counter bytes written
//	glint_channel_mailbox_depth             gauge   messages waiting in mailboxes
//	glint_channel_mailbox_dropped_total     counter messages dropped on full mailboxes
//	glint_channel_outbound_queued           gauge   frames waiting to be written
//	glint_channel_outbound_overflows_total  counter sockets closed for overflow
//	glint_channel_broadcasts_out_total      counter broadcast frames queued to sockets
//	go_goroutines, go_memstats_heap_alloc_bytes, go_memstats_heap_inuse_bytes,
//	go_memstats_stack_inuse_bytes, go_memstats_sys_bytes, go_memstats_heap_objects
package channel
