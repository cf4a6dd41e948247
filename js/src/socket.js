// Socket speaks Phoenix Channels v2 (docs/protocol.md, Transport): five-element JSON text
// frames (an ArrayBuffer payload goes as a binary push frame), string refs from a counter,
// replies matched by ref, a 30 s heartbeat and reconnects with capped exponential backoff and
// full jitter.

export const HEARTBEAT_MS = 30000

// backoff returns the delay before reconnect attempt n (0-based): full jitter over an
// exponential window starting at base ms and capped at cap ms.
export const backoff = (n, rand = Math.random, base = 100, cap = 10000) =>
  Math.floor(rand() * Math.min(cap, base * 2 ** Math.min(n, 20)))

export class Socket {
  // url returns the websocket URL; WS is the WebSocket class; handlers has onOpen(),
  // onClose(code) and onFrame(frame, replyCallback).
  constructor(url, WS, win, handlers) {
    this.url = url
    this.WS = WS
    this.w = win
    this.h = handlers
    this.ref = 0
    this.tries = 0
    this.replies = new Map()
    this.ws = null
    this.timer = 0
    this.hb = 0
    this.hbRef = null
    this.closed = false
  }

  nextRef() {
    return String(++this.ref)
  }

  isConnected() {
    return !!this.ws && this.ws.readyState == 1
  }

  connect() {
    this.closed = false
    if (this.ws) return
    clearTimeout(this.timer)
    const ws = (this.ws = new this.WS(this.url()))
    ws.binaryType = "arraybuffer"
    ws.onopen = () => {
      this.tries = 0
      this.beat()
      this.h.onOpen()
    }
    ws.onmessage = (ev) => {
      let f
      try {
        f = JSON.parse(ev.data)
      } catch {
        return
      }
      if (!Array.isArray(f) || f.length != 5) return
      const [, ref, topic, event, payload] = f
      if (topic == "phoenix") {
        if (ref === this.hbRef) {
          this.hbRef = null
          this.beat()
        }
        return
      }
      this.h.onFrame(f, event == "phx_reply" && this.take(ref))
    }
    ws.onclose = (ev) => this.lost(ws, ev.code)
    ws.onerror = () => {}
  }

  take(ref) {
    const cb = this.replies.get(ref)
    this.replies.delete(ref)
    return cb
  }

  // lost handles the end of a connection: replies still owed fail, and a reconnect is
  // scheduled unless the client disconnected on purpose.
  lost(ws, code) {
    if (ws != this.ws) return
    this.ws = null
    clearTimeout(this.hb)
    this.hbRef = null
    const owed = [...this.replies.values()]
    this.replies.clear()
    for (const cb of owed) cb({ status: "error", response: { reason: "disconnected" } })
    this.h.onClose(code)
    if (!this.closed) this.timer = setTimeout(() => this.connect(), backoff(this.tries++))
  }

  // beat schedules the next heartbeat; an unanswered one drops the connection.
  beat() {
    clearTimeout(this.hb)
    this.hb = setTimeout(() => {
      if (this.hbRef) return this.drop()
      this.hbRef = this.nextRef()
      this.send([null, this.hbRef, "phoenix", "heartbeat", {}])
      this.beat()
    }, HEARTBEAT_MS)
  }

  // drop closes the current connection and reconnects.
  drop() {
    const ws = this.ws
    if (!ws) return
    try {
      ws.close()
    } catch {}
    this.lost(ws, 1006)
  }

  // reconnectNow skips any pending backoff (tab visible again, network back).
  reconnectNow() {
    if (this.closed || this.ws) return
    clearTimeout(this.timer)
    this.connect()
  }

  disconnect() {
    this.closed = true
    clearTimeout(this.timer)
    const ws = this.ws
    if (ws) {
      ws.close(1000)
      this.lost(ws, 1000)
    }
  }

  // send writes frame. An ArrayBuffer payload (an upload's chunk) goes as a binary push:
  // kind 0, the lengths of join_ref, ref, topic and event, those strings, the bytes.
  send(frame) {
    if (!this.isConnected()) return false
    const p = frame[4]
    let data = JSON.stringify(frame)
    if (p instanceof ArrayBuffer) {
      const strs = frame.slice(0, 4).map((s) => [...new TextEncoder().encode(s)])
      const head = [0, ...strs.map((s) => s.length), ...strs.flat()]
      data = new Uint8Array(head.length + p.byteLength)
      data.set(head)
      data.set(new Uint8Array(p), head.length)
      data = data.buffer
    }
    this.ws.send(data)
    return true
  }

  // push sends an event and calls onReply with the reply payload ({status, response}).
  push(joinRef, topic, event, payload, onReply, ref = this.nextRef()) {
    if (onReply) this.replies.set(ref, onReply)
    if (!this.send([joinRef, ref, topic, event, payload]) && onReply) {
      this.replies.delete(ref)
      onReply({ status: "error", response: { reason: "disconnected" } })
    }
    return ref
  }
}
