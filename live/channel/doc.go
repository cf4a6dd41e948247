// Package channel is Glint's Phoenix Channels v2 WebSocket endpoint: one WebSocket per
// browser tab carrying many joined topics, each served by a Handler on its own goroutine.
// It follows the Phoenix Channels v2 protocol frame for frame, so the official phoenix
// JavaScript client (and Glint's own) can use it; live views are built on it, and it
// serves plain channels for single-page apps as well.
//
// # Goroutines and limits
//
// Each socket has a reader goroutine while its client sends frames. Once the client has
// been quiet for a second, the socket is parked (on Linux, for plain TCP connections): it
// waits in an epoll set of the server's, waited on by one goroutine, and holds no goroutine
// of its own until bytes arrive, the connection ends or a close is requested; a fresh
// reader then starts (glint_channel_sockets_parked counts the parked sockets). Each joined
// channel has a mailbox of at most
// Options.MailboxSize messages, handled in order by one goroutine at a time; that goroutine
// runs only while the mailbox has work, and comes from a server-wide cache of parked
// goroutines (at most 256 parked, released with the last socket), so an idle channel
// costs no stack and a busy one does not grow a fresh stack per burst. A frame is written
// at once by whoever sends it (a channel, the reader, a broadcast) when the socket has no
// writer running, without ever waiting on the network: what the kernel does not take at
// once, and frames sent meanwhile, go to a writer goroutine that runs until they are out.
// An idle socket holds no goroutine, no read or write buffer and no timer (one heartbeat
// check runs per server): about 5 KB per idle socket with one channel (see
// BenchmarkIdleSockets10k). The reader never blocks on a channel: a client message for a channel whose mailbox is full is
// dropped, logged and counted (glint_channel_mailbox_dropped_total), and the client's push
// times out. The outbound queue of a socket holds at most Options.OutboundQueue frames; a
// client too slow to keep up overflows it, and the socket is closed with code 1013 (try
// again later: the client reconnects with backoff and rejoins with a full render) and
// counted (glint_channel_outbound_overflows_total). Handler panics are recovered: the
// channel sends phx_error and its siblings keep running.
//
// # Limits on clients
//
// Every limit is on by default and set in Options; each refusal is counted in
// glint_channel_limited_total{limit}, and refusals are logged at most once a second.
//
//   - MaxConnections (default: the open-file limit less a tenth): an upgrade above it
//     answers 503, so the process never runs out of descriptors.
//   - MaxSocketsPerAddress (default 1024, by IPv4 address or IPv6 /64; behind a reverse
//     proxy, set TrustedProxies so that X-Forwarded-For names the client): an upgrade
//     above it answers 429.
//   - MaxChannelsPerAddress (default 4096): channels joined at once from one address,
//     over all its sockets; a join beyond it gets an error reply.
//   - JoinTimeout (default 30s): a socket with no joined channel for that long is closed.
//   - JoinsPerSecond and JoinBurst (default 10/s, 50 at once) per socket, MaxChannels
//     (default 100) per socket and MaxTopicBytes (default 1 KiB): a join beyond them gets
//     an error reply.
//   - EventsPerSecond and EventBurst (default 100/s, 200 at once) per socket: a
//     message beyond them gets the error reply {"reason":"rate limited"} and is not
//     delivered; a socket that keeps it up is closed with 1008, and its address is
//     refused new sockets (429) for AbuseBan (default 10s).
//   - MaxFrameBytes (default 1 MiB): a frame whose header declares more is refused at
//     once with 1009, before its payload is read.
//   - ChunksPerSecond and ChunkBurst (default 10,000/s, 1,000 at once) per socket, for
//     binary pushes (file upload chunks, for handlers that implement BinaryHandler) and
//     the text events named in ChunkEvents (upload progress), instead of EventsPerSecond.
//   - MaxBinaryBytes (default 8 MiB): binary pushes received and not yet handled, per
//     socket; one beyond it gets an error reply and counts as an event.
//
// Values a client sends (topics, origins, addresses) are shortened in log lines.
//
// # Close codes
//
//   - 1001: Disconnect, and no frame within Options.HeartbeatTimeout.
//   - 1008: no channel joined within Options.JoinTimeout, or messages kept above
//     Options.EventsPerSecond.
//   - 1009: a frame exceeded Options.MaxFrameBytes.
//   - 1011: an undecodable frame was received (text, or binary not in the Phoenix v2
//     serializer's push layout).
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
//	glint_channel_connect_rejected_total    counter upgrades refused (403/429/503)
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
//	glint_channel_sockets_parked            gauge   sockets parked, with no goroutine
//	glint_channel_outbound_overflows_total  counter sockets closed for overflow
//	glint_channel_broadcasts_out_total      counter broadcast frames queued to sockets
//	glint_channel_limited_total{limit}      counter refusals by limit: connections,
//	                                                sockets_per_address, joins, events,
//	                                                events_closed, join_timeout,
//	                                                banned
//	go_goroutines, go_memstats_heap_alloc_bytes, go_memstats_heap_inuse_bytes,
//	go_memstats_stack_inuse_bytes, go_memstats_sys_bytes, go_memstats_heap_objects
package channel
