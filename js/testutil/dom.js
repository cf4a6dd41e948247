// Test harness for the client: a happy-dom window and a fake WebSocket class standing in for
// the transport (the only thing faked). Tests play the server by reading sent frames and
// delivering frames back.
import { Window } from "happy-dom"
import { LiveSocket } from "../src/live_socket.js"

// FakeWS records every instance; a test drives it like a server would.
export class FakeWS {
  static all = []
  constructor(url) {
    this.url = url
    this.readyState = 0
    this.frames = []
    FakeWS.all.push(this)
  }
  static get last() {
    return FakeWS.all[FakeWS.all.length - 1]
  }
  // send records a text frame as its JSON array, and a binary push frame as
  // [join_ref, ref, topic, event, bytes] with the frame's bytes as .raw.
  send(data) {
    if (typeof data == "string") return this.frames.push(JSON.parse(data))
    const raw = new Uint8Array(data)
    const f = []
    let at = 5
    for (let i = 1; i < 5; i++) f.push(new TextDecoder().decode(raw.slice(at, (at += raw[i]))))
    f.push(raw.slice(at))
    f.raw = raw
    this.frames.push(f)
  }
  close() {
    this.readyState = 3
  }
  // open completes the handshake.
  open() {
    this.readyState = 1
    this.onopen && this.onopen({})
  }
  // recv delivers a server frame.
  recv(frame) {
    this.onmessage({ data: JSON.stringify(frame) })
  }
  // drop simulates the server going away.
  drop(code = 1006) {
    this.readyState = 3
    this.onclose({ code })
  }
  // take returns and forgets the frames sent so far, optionally only those of one event.
  take(event) {
    const out = event ? this.frames.filter((f) => f[3] == event) : this.frames
    this.frames = event ? this.frames.filter((f) => f[3] != event) : []
    return out
  }
  // reply answers client frame f with status and response.
  reply(f, response = {}, status = "ok") {
    this.recv([f[0], f[1], f[2], "phx_reply", { status, response }])
  }
}

const open = []

// cleanup disconnects every LiveSocket made by page and closes its window, so that no timer
// (heartbeat, reconnect, event timeout) outlives its test. Call it from afterEach.
export async function cleanup() {
  for (const { ls, w } of open.splice(0)) {
    ls.socket.disconnect()
    for (const v of ls.views.values()) clearTimeout(v.timer)
    await w.happyDOM.close()
  }
}

// page builds a window holding one main view with the given container content, and a
// LiveSocket over FakeWS. It does not connect.
export function page({ body, url = "http://localhost:4000/", hooks, uploaders, head = "" } = {}) {
  FakeWS.all = []
  const w = new Window({ url })
  globalThis.HTMLElement = w.HTMLElement
  w.document.head.innerHTML = `<meta name="csrf-token" content="TOK">${head}`
  w.document.body.innerHTML =
    body ?? `<div id="phx-A" data-phx-main data-phx-session="S.TOK" data-phx-static="T.TOK"></div>`
  const gone = []
  const ls = new LiveSocket({ window: w, transport: FakeWS, hooks, uploaders, go: (u) => gone.push(u) })
  open.push({ ls, w })
  return { w, d: w.document, ls, gone, el: (sel) => w.document.querySelector(sel) }
}

// joined connects ls and answers the join of topic with rendered; it returns the socket.
export function joined(ls, rendered, topic = "lv:phx-A") {
  ls.connect()
  const ws = FakeWS.last
  ws.open()
  const join = ws.take("phx_join").find((f) => f[2] == topic)
  ws.reply(join, { rendered, liveview_version: "1.2.12" })
  return ws
}

// fire dispatches a DOM event of class C (default Event) on el.
export function fire(w, el, type, init = {}, C = "Event") {
  const e = new w[C](type, { bubbles: true, cancelable: true, ...init })
  el.dispatchEvent(e)
  return e
}
