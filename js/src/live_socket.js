// LiveSocket ties the page together: it finds the view containers, owns the Socket, routes
// frames to views by topic, and implements the reload-with-jitter failsafe (docs/protocol.md,
// Reload with jitter).

import { Socket } from "./socket.js"
import { View } from "./view.js"
import { bind } from "./bindings.js"
import { PUT } from "./upload.js"

const FAILS = "glint:reloads:"

export class LiveSocket {
  // opts: window, transport (WebSocket class), path (mount, default "/live" or the
  // glint-live-path meta tag), params (extra connect params), hooks, uploaders (external
  // uploaders by name, besides the built-in "PUT"), go (navigation function).
  constructor(opts = {}) {
    const w = (this.w = opts.window || window)
    const d = (this.d = w.document)
    const meta = (n) => {
      const m = d.querySelector(`meta[name="${n}"]`)
      return m && m.getAttribute("content")
    }
    this.hooks = opts.hooks || {}
    this.uploaders = { PUT, ...opts.uploaders }
    this.progress = opts.progress
    this.params = { ...opts.params }
    const csrf = meta("csrf-token")
    if (csrf != null) this.params._csrf_token = csrf
    this.path = opts.path || meta("glint-live-path") || "/live"
    this.go = opts.go || ((url) => (w.location.href = url))
    this.views = new Map()
    // chans are the lvu: channels of uploads, by topic.
    this.chans = new Map()
    this.socket = new Socket(() => this.url(), opts.transport || w.WebSocket, w, {
      onOpen: () => this.views.forEach((v) => v.join()),
      onClose: (code) => {
        this.views.forEach((v) => v.disconnected())
        this.chans.forEach((c) => c.crashed())
        if (code == 1000 && !this.socket.closed) this.reloadWithJitter()
      },
      onFrame: (f, cb) => this.onFrame(f, cb),
    })
  }

  // url is the websocket URL: ⟨mount⟩/websocket?⟨params⟩&vsn=2.0.0 (docs/protocol.md, Socket URL).
  url() {
    const u = new URL(this.path.replace(/\/$/, "") + "/websocket", this.w.location.href)
    u.protocol = u.protocol.replace(/^http/, "ws")
    const q = new URLSearchParams()
    for (const k in this.params) q.append(k, this.params[k])
    q.append("vsn", "2.0.0")
    u.search = q.toString()
    return u.href
  }

  // connect finds the root views and opens the socket.
  connect() {
    this.adopt("[data-phx-session]:not([data-phx-parent-id])")
    if (!this.bound) bind(this)
    this.bound = true
    this.socket.connect()
  }

  // adopt makes a View of every container matching sel that has none, and returns them.
  adopt(sel) {
    const out = []
    for (const el of this.d.querySelectorAll(sel)) {
      const topic = "lv:" + el.id
      if (!el.id) console.error("glint: a [data-phx-session] element needs an id", el)
      else if (el.getAttribute("data-phx-session") && !this.views.has(topic)) {
        const v = new View(this, el)
        this.views.set(topic, v)
        out.push(v)
      }
    }
    return out
  }

  // nest runs after every patch: views whose container left the page end, and containers
  // that appeared (nested views of joined views, sticky views) join.
  nest() {
    for (const v of [...this.views.values()]) if (!v.el.isConnected && !v.detached) v.destroy()
    const joined = [...this.views.values()].filter((v) => v.rendered).map((v) => `[data-phx-parent-id="${v.id}"]`)
    const sel = ["[data-phx-session][data-phx-sticky]", ...joined].join(",")
    if (this.socket.isConnected()) for (const v of this.adopt(sel)) v.join()
  }

  disconnect() {
    this.socket.disconnect()
  }

  main() {
    for (const v of this.views.values()) if (v.main) return v
  }

  // redirect loads {to, flash} in full; the flash rides along in the flash cookie for 60 s.
  redirect({ to, flash }) {
    if (flash) this.d.cookie = `__phoenix_flash__=${flash}; max-age=60; path=/`
    this.go(to)
  }

  // navigate and patch are the JS commands' live navigation and patch of the main view.
  navigate(href, replace) {
    const m = this.main()
    m ? m.navigate(href, replace ? "replace" : "push") : this.go(href)
  }

  patch(href, replace) {
    const m = this.main()
    m && m.livePatch(new URL(href, this.w.location.href).href, replace ? "replace" : "push")
  }

  // loading dispatches phx:page-loading-start for kind ("initial", "redirect", "patch",
  // "element", "error") and returns the function that dispatches its stop. With the
  // progress option, a .glint-progress bar shows while a load takes over 120 ms.
  loading(kind, to) {
    const { w, d } = this
    const ev = (s) => w.dispatchEvent(new w.CustomEvent("phx:page-loading-" + s, { detail: { kind, to } }))
    ev("start")
    let bar
    const t = this.progress && setTimeout(() => d.body.appendChild((bar = d.createElement("div"))).setAttribute("class", "glint-progress"), 120)
    return () => {
      clearTimeout(t)
      bar && bar.remove()
      ev("stop")
    }
  }

  viewOf(el) {
    const root = el.closest("[data-phx-session]")
    return root && this.views.get("lv:" + root.id)
  }

  // cid resolves an event's target component: phx-target as a cid or a selector whose match
  // sits inside a component.
  cid(el, target = el && el.getAttribute("phx-target")) {
    if (target == null) return undefined
    if (/^\d+$/.test(target)) return +target
    let m = target
    try {
      if (typeof target == "string") m = this.d.querySelector(target)
    } catch {
      return undefined
    }
    const c = m && m.closest && m.closest("[data-phx-component]")
    return c ? +c.getAttribute("data-phx-component") : undefined
  }

  onFrame([joinRef, , topic, event, payload], cb) {
    const v = this.views.get(topic) || this.chans.get(topic)
    if (!v || (joinRef != null && joinRef !== v.joinRef)) return
    try {
      if (cb) cb(payload)
      else v.onMessage(event, payload)
    } catch (e) {
      console.error("glint: cannot apply a message from the server, rejoining", e)
      v.crashed()
    }
  }

  failKey() {
    return FAILS + this.w.location.pathname
  }

  resetFailures() {
    try {
      this.w.localStorage.removeItem(this.failKey())
    } catch {}
  }

  // reloadWithJitter disconnects and reloads after 5–10 s; from the 10th consecutive failure
  // on this path it waits 30 s instead (failsafe).
  reloadWithJitter() {
    let n = 1
    try {
      n = +(this.w.localStorage.getItem(this.failKey()) || 0) + 1
      this.w.localStorage.setItem(this.failKey(), n)
    } catch {}
    this.disconnect()
    const delay = n >= 10 ? 30000 : 5000 + Math.floor(Math.random() * 5000)
    setTimeout(() => this.go(this.w.location.href), delay)
    return delay
  }
}
