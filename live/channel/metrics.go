package channel

import (
	"bufio"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
)

// Metrics holds a Server's counters and gauges. It is safe for concurrent use. As an
// http.Handler it writes them, plus Go runtime gauges, in the Prometheus text exposition
// format, so it can be scraped without any Prometheus library. The metric names are listed
// in the package documentation.
type Metrics struct {
	Connections       atomic.Int64 // sockets open now
	ConnectionsTotal  atomic.Int64 // sockets accepted since start
	ConnectRejected   atomic.Int64 // upgrades refused (version, origin, Connect error, shutdown)
	Channels          atomic.Int64 // channels joined now
	JoinsOK           atomic.Int64 // joins answered ok
	JoinsError        atomic.Int64 // joins answered error (including unmatched topic, too many channels)
	JoinsCrashed      atomic.Int64 // joins whose handler panicked
	ChannelCrashes    atomic.Int64 // joined channels ended by a panic or an error stop
	FramesIn          atomic.Int64 // client frames received
	FramesOut         atomic.Int64 // frames written to clients
	BytesIn           atomic.Int64 // bytes of client frames received
	BytesOut          atomic.Int64 // bytes of frames written to clients
	MailboxDepth      atomic.Int64 // messages waiting in all channel mailboxes now
	MailboxDropped    atomic.Int64 // messages dropped because a mailbox was full
	OutboundQueued    atomic.Int64 // frames waiting in all outbound queues now
	SocketsParked     atomic.Int64 // sockets parked now: quiet clients, no reader goroutine
	OutboundOverflows atomic.Int64 // sockets closed because their outbound queue overflowed
	BroadcastsOut     atomic.Int64 // broadcast frames queued to sockets

	// Limits (see Options).
	LimitConnections atomic.Int64 // upgrades refused by MaxConnections
	LimitAddress     atomic.Int64 // upgrades refused by MaxSocketsPerAddress
	LimitJoins       atomic.Int64 // joins refused by JoinsPerSecond or MaxTopicBytes
	LimitEvents      atomic.Int64 // client messages refused by EventsPerSecond
	LimitClosed      atomic.Int64 // sockets closed for sending above EventsPerSecond
	JoinTimeouts     atomic.Int64 // sockets closed by JoinTimeout
	LimitBanned      atomic.Int64 // upgrades refused because the address is banned (AbuseBan)
}

type metricDesc struct {
	name, help, kind string
	value            func(m *Metrics) int64
	label            string
}

var metricDescs = []metricDesc{
	{"glint_channel_connections", "WebSocket connections open now.", "gauge", func(m *Metrics) int64 { return m.Connections.Load() }, ""},
	{"glint_channel_connections_total", "WebSocket connections accepted.", "counter", func(m *Metrics) int64 { return m.ConnectionsTotal.Load() }, ""},
	{"glint_channel_connect_rejected_total", "WebSocket upgrades refused.", "counter", func(m *Metrics) int64 { return m.ConnectRejected.Load() }, ""},
	{"glint_channel_channels", "Channels joined now.", "gauge", func(m *Metrics) int64 { return m.Channels.Load() }, ""},
	{"glint_channel_joins_total", "Join replies by status.", "counter", func(m *Metrics) int64 { return m.JoinsOK.Load() }, `status="ok"`},
	{"glint_channel_joins_total", "", "", func(m *Metrics) int64 { return m.JoinsError.Load() }, `status="error"`},
	{"glint_channel_joins_total", "", "", func(m *Metrics) int64 { return m.JoinsCrashed.Load() }, `status="crashed"`},
	{"glint_channel_crashes_total", "Joined channels ended abnormally (phx_error).", "counter", func(m *Metrics) int64 { return m.ChannelCrashes.Load() }, ""},
	{"glint_channel_frames_in_total", "Frames received from clients.", "counter", func(m *Metrics) int64 { return m.FramesIn.Load() }, ""},
	{"glint_channel_frames_out_total", "Frames written to clients.", "counter", func(m *Metrics) int64 { return m.FramesOut.Load() }, ""},
	{"glint_channel_bytes_in_total", "Bytes of frames received from clients.", "counter", func(m *Metrics) int64 { return m.BytesIn.Load() }, ""},
	{"glint_channel_bytes_out_total", "Bytes of frames written to clients.", "counter", func(m *Metrics) int64 { return m.BytesOut.Load() }, ""},
	{"glint_channel_mailbox_depth", "Messages waiting in channel mailboxes now.", "gauge", func(m *Metrics) int64 { return m.MailboxDepth.Load() }, ""},
	{"glint_channel_mailbox_dropped_total", "Messages dropped because a channel mailbox was full.", "counter", func(m *Metrics) int64 { return m.MailboxDropped.Load() }, ""},
	{"glint_channel_outbound_queued", "Frames waiting in socket outbound queues now.", "gauge", func(m *Metrics) int64 { return m.OutboundQueued.Load() }, ""},
	{"glint_channel_sockets_parked", "Sockets parked now: their clients are quiet and they hold no goroutine.", "gauge", func(m *Metrics) int64 { return m.SocketsParked.Load() }, ""},
	{"glint_channel_outbound_overflows_total", "Sockets closed because their outbound queue overflowed.", "counter", func(m *Metrics) int64 { return m.OutboundOverflows.Load() }, ""},
	{"glint_channel_broadcasts_out_total", "Broadcast frames queued to sockets.", "counter", func(m *Metrics) int64 { return m.BroadcastsOut.Load() }, ""},
	{"glint_channel_limited_total", "Requests refused and sockets closed by a limit, by limit.", "counter", func(m *Metrics) int64 { return m.LimitConnections.Load() }, `limit="connections"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.LimitAddress.Load() }, `limit="sockets_per_address"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.LimitJoins.Load() }, `limit="joins"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.LimitEvents.Load() }, `limit="events"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.LimitClosed.Load() }, `limit="events_closed"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.JoinTimeouts.Load() }, `limit="join_timeout"`},
	{"glint_channel_limited_total", "", "", func(m *Metrics) int64 { return m.LimitBanned.Load() }, `limit="banned"`},
}

// ServeHTTP writes the metrics in the Prometheus text exposition format (version 0.0.4).
// With the query parameter gc=1 it first runs a garbage collection, so that the memory
// gauges count live memory only; load tools measuring memory per connection use it.
// Guard the endpoint if that cost matters.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r != nil && r.URL.Query().Get("gc") == "1" {
		runtime.GC()
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	m.write(bw)
	_ = bw.Flush()
}

// write renders the exposition text.
func (m *Metrics) write(w *bufio.Writer) {
	var num [24]byte
	for _, d := range metricDescs {
		if d.help != "" {
			w.WriteString("# HELP " + d.name + " " + d.help + "\n")
			w.WriteString("# TYPE " + d.name + " " + d.kind + "\n")
		}
		w.WriteString(d.name)
		if d.label != "" {
			w.WriteString("{" + d.label + "}")
		}
		w.WriteByte(' ')
		w.Write(strconv.AppendInt(num[:0], d.value(m), 10))
		w.WriteByte('\n')
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge := func(name, help string, v uint64) {
		w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " ")
		w.Write(strconv.AppendUint(num[:0], v, 10))
		w.WriteByte('\n')
	}
	gauge("go_goroutines", "Number of goroutines that currently exist.", uint64(runtime.NumGoroutine()))
	gauge("go_memstats_heap_alloc_bytes", "Bytes of allocated heap objects.", ms.HeapAlloc)
	gauge("go_memstats_heap_inuse_bytes", "Bytes in in-use heap spans.", ms.HeapInuse)
	gauge("go_memstats_stack_inuse_bytes", "Bytes in stack spans.", ms.StackInuse)
	gauge("go_memstats_sys_bytes", "Bytes of memory obtained from the OS.", ms.Sys)
	gauge("go_memstats_heap_objects", "Number of allocated heap objects.", ms.HeapObjects)
}
