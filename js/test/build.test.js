// The committed bundle must be exactly what the build produces from source, and stay within
// the size budget: ≤ 16 KB minified and gzipped (level 9), morphdom included. (It was 12 KB
// until streams, 13 KB until uploads, 15.5 KB until hooks could upload; the official client
// with its socket is about 46 KB.)
import { test } from "node:test"
import assert from "node:assert/strict"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import zlib from "node:zlib"
import { fileURLToPath } from "node:url"
import { bundle } from "../build.mjs"

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "glint.min.js")
const BUDGET = 16 * 1024

test("committed bundle matches a fresh build", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "glint-build-"))
  try {
    const out = await bundle(path.join(dir, "glint.min.js"))
    const fresh = fs.readFileSync(out)
    const committed = fs.readFileSync(dist)
    assert.ok(fresh.equals(committed), "js/dist/glint.min.js is stale: run `npm run build` and commit it")
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("bundle is within the gzip size budget", () => {
  const gz = zlib.gzipSync(fs.readFileSync(dist), { level: 9 }).length
  assert.ok(gz <= BUDGET, `bundle is ${gz} bytes gzipped, budget ${BUDGET}`)
  assert.ok(gz > 3000, `bundle suspiciously small (${gz} bytes): is morphdom included?`)
})

test("bundle includes morphdom and starts itself", () => {
  const src = fs.readFileSync(dist, "utf8")
  assert.match(src, /glintLiveConfig/)
  assert.match(src, /DOMContentLoaded/)
  assert.doesNotMatch(src, /\bimport\s*[{*"]/, "bundle must be self-contained")
})

test("the built bundle starts itself: finds the root, connects and joins", async () => {
  const { Window } = await import("happy-dom")
  const w = new Window({
    url: "http://localhost:4000/page",
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true },
  })
  const sent = []
  w.WebSocket = class {
    constructor(url) {
      sent.push(url)
      this.readyState = 1
      queueMicrotask(() => this.onopen())
    }
    send(d) {
      sent.push(JSON.parse(d))
    }
    close() {}
  }
  w.document.head.innerHTML = '<meta name="csrf-token" content="C"><meta name="glint-live-path" content="/lv">'
  w.document.body.innerHTML = '<div id="phx-A" data-phx-main data-phx-session="S" data-phx-static=""></div>'
  w.glint = { hooks: { X: {} } }
  w.eval(fs.readFileSync(dist, "utf8"))
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(sent[0], "ws://localhost:4000/lv/websocket?_csrf_token=C&vsn=2.0.0")
  assert.deepEqual(sent[1], [
    "1",
    "1",
    "lv:phx-A",
    "phx_join",
    { url: "http://localhost:4000/page", params: { _csrf_token: "C", _mounts: 0, _mount_attempts: 0 }, session: "S", static: null, sticky: false },
  ])
  assert.equal(typeof w.glint.liveSocket.connect, "function")
  assert.deepEqual(w.glint.hooks, { X: {} })
  await w.happyDOM.close()
})
