// Glint's browser client: the only JavaScript a Glint page loads. It speaks the Phoenix
// LiveView 1.2 wire protocol (docs/protocol.md), patches the DOM with morphdom and binds phx-*
// attributes. It starts itself when the page has loaded.
//
// Page API (all optional):
//   <meta name="csrf-token" content="…">       sent as the _csrf_token connect param
//   <meta name="glint-live-path" content="/x">  socket mount (default "/live" → /live/websocket)
//   window.glintLiveConfig = {path, params, hooks, uploaders, autoConnect: false}   set before
//       the script; uploaders are external uploaders by name (besides the built-in "PUT")
//   window.glint.hooks = {Name: {mounted() {…}, updated() {…}, destroyed() {…},
//                                disconnected() {…}, reconnected() {…}}}  for phx-hook="Name";
//       a hook has this.el, this.pushEvent(event, payload, (reply, ref) => …) (also returns
//       a promise), this.pushEventTo(target, …), this.handleEvent(name, payload => …).
//   window.glint.liveSocket                     the running LiveSocket (connect/disconnect)

import { LiveSocket } from "./live_socket.js"

const w = window
const cfg = w.glintLiveConfig || {}
const g = (w.glint = w.glint || {})
g.hooks = g.hooks || cfg.hooks || {}
g.LiveSocket = LiveSocket

const start = () => {
  if (g.liveSocket) return
  g.liveSocket = new LiveSocket({ ...cfg, hooks: g.hooks })
  g.liveSocket.connect()
}
if (cfg.autoConnect !== false) {
  if (document.readyState == "loading") document.addEventListener("DOMContentLoaded", start)
  else start()
}
