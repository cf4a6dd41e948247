// Drives a Glint channel.Server with the official phoenix client.
// Usage: node client.mjs <node_modules dir> <socket url>
// Prints one JSON line per step: {"step": "...", "data": ...}; the Go test reads them and
// restarts the server when it sees "ready-for-restart".
import path from "node:path"
import { pathToFileURL } from "node:url"

const [nodeModules, url] = process.argv.slice(2)
const load = (p) => import(pathToFileURL(path.join(nodeModules, p)).href)
const { Socket } = await load("phoenix/priv/static/phoenix.mjs")
const { default: WebSocket } = await load("ws/wrapper.mjs")

const out = (step, data) => process.stdout.write(JSON.stringify({ step, data: data ?? null }) + "\n")
const fail = (why) => { out("fail", why); process.exit(1) }
setTimeout(() => fail("script timeout"), 20000).unref()

const socket = new Socket(url, {
  transport: WebSocket,
  params: { token: "node-token" },
  authToken: "secret/auth+token",   // sent as a Sec-WebSocket-Protocol entry
  timeout: 1000,               // push and join timeout
  reconnectAfterMs: () => 50,
  rejoinAfterMs: () => 50,
})
socket.onOpen(() => out("open"))
socket.onClose((e) => out("close", e.code))
socket.connect()

const chan = socket.channel("room:compat", { hello: "node" })
chan.on("shout", (p) => out("broadcast", p))

let joins = 0
const push = (event, payload, timeout) =>
  new Promise((resolve) => {
    chan.push(event, payload, timeout)
      .receive("ok", (r) => resolve(["ok", r]))
      .receive("error", (r) => resolve(["error", r]))
      .receive("timeout", () => resolve(["timeout", null]))
  })

chan.join()
  .receive("ok", async (resp) => {
    joins++
    out("joined", resp)
    if (joins === 1) {
      out("push-ok", await push("ok", { x: 1 }))
      out("push-error", await push("error", {}))
      out("push-timeout", await push("noreply", {}, 300))
      out("push-broadcast", await push("broadcast", { n: 1 }))
      out("ready-for-restart")
    } else {
      out("push-after-rejoin", await push("ok", { after: "restart" }))
      chan.leave().receive("ok", () => {
        out("left")
        socket.disconnect(() => { out("done"); process.exit(0) })
      })
    }
  })
  .receive("error", (r) => fail(["join error", r]))
