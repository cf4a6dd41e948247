// Socket: URL, frames, refs, heartbeat, backoff with full jitter, reconnect and rejoin.
import { test, mock, afterEach } from "node:test"
import assert from "node:assert/strict"
import { backoff, HEARTBEAT_MS } from "../src/socket.js"
import { FakeWS, page, joined, cleanup } from "../testutil/dom.js"

afterEach(cleanup)

test("backoff is full jitter over a capped exponential window", () => {
  const cases = [
    [0, 1, 99],
    [1, 1, 199],
    [3, 1, 799],
    [7, 1, 9999],
    [50, 1, 9999],
    [5, 0, 0],
  ]
  for (const [n, r, want] of cases) assert.equal(backoff(n, () => r * 0.9999999), want, `n=${n}`)
  for (let n = 0; n < 30; n++) {
    const d = backoff(n)
    assert.ok(d >= 0 && d < 10000, `n=${n} d=${d}`)
  }
})

test("connects to /live/websocket with csrf and vsn, and joins with the join payload", () => {
  const { ls } = page()
  ls.connect()
  const ws = FakeWS.last
  assert.equal(ws.url, "ws://localhost:4000/live/websocket?_csrf_token=TOK&vsn=2.0.0")
  ws.open()
  const [join] = ws.take()
  assert.equal(join[0], join[1])
  assert.equal(join[2], "lv:phx-A")
  assert.equal(join[3], "phx_join")
  assert.deepEqual(join[4], {
    params: { _csrf_token: "TOK", _mounts: 0, _mount_attempts: 0 },
    session: "S.TOK",
    static: "T.TOK",
    url: "http://localhost:4000/",
    sticky: false,
  })
})

test("live path from meta tag, and absolute ws URLs", () => {
  const { ls } = page({ head: '<meta name="glint-live-path" content="/sock/">', url: "https://ex.com/a" })
  assert.equal(ls.url(), "wss://ex.com/sock/websocket?_csrf_token=TOK&vsn=2.0.0")
  ls.path = "ws://other:9/live"
  assert.equal(ls.url(), "ws://other:9/live/websocket?_csrf_token=TOK&vsn=2.0.0")
})

test("join reply renders, sets phx-connected; stale join_ref frames are dropped", () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "0", s: ["Count: ", ""] })
  const c = el("#phx-A")
  assert.equal(c.innerHTML, "Count: 0")
  assert.ok(c.classList.contains("phx-connected"))
  assert.ok(!c.classList.contains("phx-loading"))
  const jr = ls.views.get("lv:phx-A").joinRef
  ws.recv(["999", null, "lv:phx-A", "diff", { 0: "7" }])
  assert.equal(c.innerHTML, "Count: 0", "stale join_ref dropped")
  ws.recv([jr, null, "lv:phx-A", "diff", { 0: "5" }])
  assert.equal(c.innerHTML, "Count: 5")
  ws.recv([null, null, "lv:phx-A", "diff", { 0: "6" }])
  assert.equal(c.innerHTML, "Count: 6", "null join_ref passes")
  ws.recv([jr, null, "lv:other", "diff", { 0: "9" }])
  ws.recv("not json")
  assert.equal(c.innerHTML, "Count: 6")
})

test("heartbeat every 30 s; an unanswered one reconnects", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls } = page()
  const ws = joined(ls, { s: ["x"] })
  ws.take()
  t.mock.timers.tick(HEARTBEAT_MS - 1)
  assert.equal(ws.take("heartbeat").length, 0)
  t.mock.timers.tick(1)
  const [hb] = ws.take("heartbeat")
  assert.deepEqual([hb[0], hb[2], hb[4]], [null, "phoenix", {}])
  ws.recv([null, hb[1], "phoenix", "phx_reply", { status: "ok", response: {} }])
  t.mock.timers.tick(HEARTBEAT_MS)
  const [hb2] = ws.take("heartbeat")
  assert.ok(hb2, "next heartbeat after the reply")
  assert.equal(FakeWS.all.length, 1)
  t.mock.timers.tick(HEARTBEAT_MS)
  assert.equal(ws.readyState, 3, "closed after an unanswered heartbeat")
  t.mock.timers.tick(10000)
  assert.equal(FakeWS.all.length, 2, "reconnected")
})

test("reconnect with backoff rejoins with _mounts incremented; error classes while down", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el } = page()
  const ws = joined(ls, { 0: "1", s: ["n=", ""] })
  ws.drop()
  const c = el("#phx-A")
  assert.ok(c.classList.contains("phx-error") && c.classList.contains("phx-loading"))
  assert.ok(!c.classList.contains("phx-connected"))
  t.mock.timers.tick(100)
  const ws2 = FakeWS.last
  assert.notEqual(ws2, ws)
  ws2.open()
  const [join] = ws2.take("phx_join")
  assert.equal(join[4].params._mounts, 1)
  ws2.reply(join, { rendered: { 0: "2", s: ["n=", ""] } })
  assert.equal(c.innerHTML, "n=2")
  assert.ok(c.classList.contains("phx-connected"))
})

test("repeated drops back off further, capped", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  mock.method(Math, "random", () => 0.999999)
  const { ls } = page()
  ls.connect()
  const waits = []
  for (let i = 0; i < 9; i++) {
    const before = FakeWS.all.length
    FakeWS.last.drop()
    let waited = 0
    while (FakeWS.all.length == before) {
      t.mock.timers.tick(1)
      waited++
    }
    waits.push(waited)
  }
  mock.restoreAll()
  assert.deepEqual(waits, [99, 199, 399, 799, 1599, 3199, 6399, 9999, 9999])
})

test("visibilitychange to visible and online reconnect at once", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, w, d } = page()
  ls.connect()
  for (let i = 0; i < 8; i++) FakeWS.last.drop() // long backoff pending
  let n = FakeWS.all.length
  Object.defineProperty(d, "visibilityState", { value: "visible", configurable: true })
  d.dispatchEvent(new w.Event("visibilitychange"))
  assert.equal(FakeWS.all.length, n + 1)
  FakeWS.last.drop()
  n = FakeWS.all.length
  w.dispatchEvent(new w.Event("online"))
  assert.equal(FakeWS.all.length, n + 1)
  w.dispatchEvent(new w.Event("online"))
  assert.equal(FakeWS.all.length, n + 1, "no second socket while one is open")
})

test("close code 1000 reloads with jitter; failures count up to the failsafe", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, gone, w } = page()
  const ws = joined(ls, { s: ["x"] })
  ws.drop(1000)
  assert.equal(w.localStorage.getItem("glint:reloads:/"), "1")
  t.mock.timers.tick(10000)
  assert.deepEqual(gone, ["http://localhost:4000/"])
  w.localStorage.setItem("glint:reloads:/", "9")
  assert.equal(ls.reloadWithJitter(), 30000)
  for (let i = 0; i < 50; i++) {
    w.localStorage.setItem("glint:reloads:/", "0")
    const d = ls.reloadWithJitter()
    assert.ok(d >= 5000 && d < 10000, String(d))
  }
})

test("join errors: stale reloads at once, others reload with jitter, success resets the count", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  for (const [reason, immediate] of [["stale", true], ["unauthorized", true], ["join crashed", false]]) {
    const { ls, gone, w, el } = page()
    w.localStorage.setItem("glint:reloads:/", "3")
    ls.connect()
    const ws = FakeWS.last
    ws.open()
    const [join] = ws.take("phx_join")
    ws.reply(join, { reason }, "error")
    assert.ok(el("#phx-A").classList.contains("phx-error"))
    if (immediate) assert.deepEqual(gone, ["http://localhost:4000/"], reason)
    else {
      assert.deepEqual(gone, [])
      assert.equal(w.localStorage.getItem("glint:reloads:/"), "4")
      t.mock.timers.tick(10000)
      assert.deepEqual(gone, ["http://localhost:4000/"], reason)
    }
  }
  const { ls, w } = page()
  w.localStorage.setItem("glint:reloads:/", "3")
  joined(ls, { s: [""] })
  assert.equal(w.localStorage.getItem("glint:reloads:/"), null)
})

test("phx_error rejoins the channel with backoff", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el } = page()
  const ws = joined(ls, { s: ["x"] })
  const jr = ls.views.get("lv:phx-A").joinRef
  ws.recv([jr, jr, "lv:phx-A", "phx_error", { reason: "channel_crash" }])
  assert.ok(el("#phx-A").classList.contains("phx-error"))
  t.mock.timers.tick(999)
  assert.equal(ws.take("phx_join").length, 0)
  t.mock.timers.tick(1)
  const [join] = ws.take("phx_join")
  assert.ok(join && join[0] != jr)
  assert.equal(join[4].params._mounts, 1)
})
