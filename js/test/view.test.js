// Views: patching (input wins, phx-update="ignore", locks), server pushes, hooks, form
// recovery, component cleanup, debounce and throttle.
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import { page, joined, fire, FakeWS, cleanup } from "../testutil/dom.js"

afterEach(cleanup)

const jr = (ls) => ls.views.get("lv:phx-A").joinRef
const push = (ws, ls, event, payload) => ws.recv([jr(ls), null, "lv:phx-A", event, payload])

test("input wins: the focused input keeps value, caret and selection; others update", () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "a", 1: "1", s: ['<input id="q" name="q" class="c', '" value="x"><input id="o" value="', '">'] })
  const q = el("#q")
  q.focus()
  q.value = "typed text"
  q.setSelectionRange(2, 5)
  push(ws, ls, "diff", { 0: "b", 1: "2" })
  assert.equal(el("#q"), q, "same element")
  assert.equal(q.value, "typed text")
  assert.equal(q.selectionStart, 2)
  assert.equal(q.selectionEnd, 5)
  assert.equal(q.className, "cb", "other attributes merge")
  assert.equal(el("#o").value, "2", "unfocused input is updated")
  q.blur()
  push(ws, ls, "diff", { 0: "c" })
  assert.equal(q.value, "x", "once blurred the server value applies")
})

test("input wins for a focused textarea; phx-patch-focused opts out", () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "A", 1: "A", s: ['<textarea id="t">', '</textarea><input id="p" phx-patch-focused value="', '">'] })
  el("#t").focus()
  el("#t").value = "mine"
  push(ws, ls, "diff", { 0: "B" })
  assert.equal(el("#t").value, "mine")
  el("#p").focus()
  el("#p").value = "mine"
  push(ws, ls, "diff", { 1: "C" })
  assert.equal(el("#p").value, "C")
})

test('phx-update="ignore" elements are left alone', () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "1", s: ['<div id="i" phx-update="ignore">', "</div>"] })
  el("#i").setAttribute("data-client", "yes")
  push(ws, ls, "diff", { 0: "2" })
  assert.equal(el("#i").textContent, "1")
  assert.equal(el("#i").getAttribute("data-client"), "yes")
})

test("an element awaiting a reply is not overwritten by a stale update", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { 0: "0", 1: "0", s: ['<button id="b" phx-click="inc">', '</button><i id="i">', "</i>"] })
  ws.take()
  fire(w, el("#b"), "click", {}, "MouseEvent")
  const [ev] = ws.take("event")
  assert.ok(el("#b").classList.contains("phx-click-loading"))
  push(ws, ls, "diff", { 0: "stale", 1: "1" })
  assert.equal(el("#b").textContent, "0", "locked element held back")
  assert.equal(el("#i").textContent, "1", "the rest updates")
  ws.reply(ev, { diff: { 0: "2" } })
  assert.equal(el("#b").textContent, "2")
  assert.ok(!el("#b").classList.contains("phx-click-loading"))
  fire(w, el("#b"), "click", {}, "MouseEvent")
  const [ev2] = ws.take("event")
  push(ws, ls, "diff", { 0: "3" })
  assert.equal(el("#b").textContent, "2")
  ws.reply(ev2, {})
  assert.equal(el("#b").textContent, "3", "held update applied when the reply has no diff")
})

test("phx-change-loading on input and form while the change is in flight", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { s: ['<form id="f" phx-change="v"><input id="a" name="a"></form>'] })
  fire(w, el("#a"), "input")
  assert.ok(el("#a").classList.contains("phx-change-loading"))
  assert.ok(el("#f").classList.contains("phx-change-loading"))
  const [ev] = ws.take("event")
  assert.deepEqual(ev[4].uploads, {})
  ws.reply(ev, {})
  assert.ok(!el("#f").classList.contains("phx-change-loading"))
})

test("server pushes: title, events to window and hooks, redirect, live_redirect, live_patch", () => {
  const got = []
  const hooks = { H: { mounted() { this.handleEvent("hi", (p) => got.push(["hook", p])) } } }
  const { ls, w, d, gone } = page({ hooks })
  const ws = joined(ls, { s: ['<div id="h" phx-hook="H"></div>'], t: "First" })
  assert.equal(d.title, "First")
  w.addEventListener("phx:hi", (e) => got.push(["window", e.detail]))
  push(ws, ls, "diff", { t: "Second", e: [["hi", { n: 1 }]] })
  assert.equal(d.title, "Second")
  assert.deepEqual(got, [["window", { n: 1 }], ["hook", { n: 1 }]])
  push(ws, ls, "live_patch", { to: "/?x=1", kind: "push" })
  assert.equal(w.location.href, "http://localhost:4000/?x=1")
  push(ws, ls, "live_patch", { to: "/?x=2", kind: "replace" })
  assert.equal(w.history.length, 2)
  push(ws, ls, "redirect", { to: "/login" })
  assert.deepEqual(gone, ["/login"])
  ws.take()
  push(ws, ls, "live_redirect", { to: "/next", kind: "push", flash: "F" })
  const [join] = ws.take("phx_join")
  assert.equal(join[4].redirect, "http://localhost:4000/next")
  assert.equal(join[4].flash, "F")
})

test("popstate patches the main view to the current URL; link_redirect navigates", () => {
  const { ls, w } = page()
  const ws = joined(ls, { s: ["x"] })
  w.history.pushState({}, "", "/?p=2")
  ws.take()
  w.dispatchEvent(new w.PopStateEvent("popstate", { state: {} }))
  const [lp] = ws.take("live_patch")
  assert.deepEqual(lp[4], { url: "http://localhost:4000/?p=2" })
  ws.reply(lp, { link_redirect: true })
  const [join] = ws.take("phx_join")
  assert.equal(join[4].redirect, "http://localhost:4000/?p=2")
  assert.equal(w.location.href, "http://localhost:4000/?p=2", "no new history entry")
})

test("hooks: lifecycle, pushEvent with reply, disconnected and reconnected", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const log = []
  const hooks = {
    H: {
      mounted() { log.push("mounted:" + this.el.id) },
      updated() { log.push("updated") },
      destroyed() { log.push("destroyed") },
      disconnected() { log.push("disconnected") },
      reconnected() { log.push("reconnected") },
    },
    Bad: { mounted() { throw new Error("boom") } },
  }
  const { ls, el } = page({ hooks })
  const orig = console.error
  console.error = () => log.push("logged")
  const ws = joined(ls, { 0: "1", 1: { s: ['<b id="h" phx-hook="H">', "</b>"], 0: "a" }, s: ['<i id="bad" phx-hook="Bad"></i><p>', "</p>", ""] })
  console.error = orig
  assert.deepEqual(log.splice(0), ["logged", "mounted:h"])
  push(ws, ls, "diff", { 1: { 0: "b" } })
  assert.deepEqual(log.splice(0), ["updated"])
  push(ws, ls, "diff", { 0: "2" })
  assert.deepEqual(log.splice(0), [], "no updated when the hook element did not change")
  const hook = ls.views.get("lv:phx-A").hooks.get(el("#h"))
  ws.take()
  const replies = []
  const pr = hook.pushEvent("ping", { a: 1 }, (r) => replies.push(r))
  const [ev] = ws.take("event")
  assert.deepEqual(ev[4], { type: "hook", event: "ping", value: { a: 1 } })
  ws.reply(ev, { diff: { r: { pong: true } } })
  assert.deepEqual(replies, [{ pong: true }])
  assert.deepEqual(await pr, { pong: true })
  ws.drop()
  assert.deepEqual(log.splice(0), ["disconnected"])
  t.mock.timers.tick(200)
  const ws2 = FakeWS.last
  ws2.open()
  const [join] = ws2.take("phx_join")
  ws2.reply(join, { rendered: { 0: "1", 1: { s: ['<b id="h" phx-hook="H">', "</b>"], 0: "b" }, s: ["<p>", "</p>", ""] } })
  assert.deepEqual(log.splice(0), ["reconnected"])
  push(ws2, ls, "diff", { 1: "" })
  assert.deepEqual(log.splice(0), ["destroyed"])
})

test("form recovery after reconnect: old values re-sent before the join render applies", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el, w } = page()
  const form = (v) => ({
    0: v,
    s: ['<form id="f" phx-change="validate"><input type="hidden" name="h" value="1"><input id="n" name="name" value="', '"><input name="own" phx-change="x"></form><form id="g" phx-change="c" phx-auto-recover="ignore"><input name="z"></form><form phx-change="c"><input name="noid"></form>'],
  })
  const ws = joined(ls, form(""))
  el("#n").value = "typed"
  fire(w, el("#n"), "input")
  ws.drop()
  t.mock.timers.tick(200)
  const ws2 = FakeWS.last
  ws2.open()
  const [join] = ws2.take("phx_join")
  ws2.reply(join, { rendered: form("") })
  const evs = ws2.take("event")
  assert.equal(evs.length, 1)
  assert.deepEqual(evs[0][4], { type: "form", event: "validate", value: "h=1&name=typed", meta: { _target: "name" }, uploads: {} })
  assert.equal(el("#n").value, "typed", "join render not applied before the recovery reply")
  ws2.reply(evs[0], { diff: { 0: "typed" } })
  assert.equal(el("#n").value, "typed")
  assert.equal(el("#n").getAttribute("value"), "typed")
  assert.ok(el("#phx-A").classList.contains("phx-connected"))
})

test("diffs pushed during a rejoin are queued until the join render", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el } = page()
  const ws = joined(ls, { 0: "0", s: ["", ""] })
  ws.drop()
  t.mock.timers.tick(200)
  const ws2 = FakeWS.last
  ws2.open()
  const [join] = ws2.take("phx_join")
  ws2.recv([join[0], null, "lv:phx-A", "diff", { 0: "later" }])
  ws2.reply(join, { rendered: { 0: "join", s: ["", ""] } })
  assert.equal(el("#phx-A").textContent, "later")
})

test("cids_will_destroy then cids_destroyed when component elements disappear", () => {
  const { ls } = page()
  const comp = (t) => ({ r: 1, s: ["<b>", "</b>"], 0: t })
  const ws = joined(ls, { 0: 1, 1: 2, s: ["", "", ""], c: { 1: comp("a"), 2: comp("b") } })
  ws.take()
  push(ws, ls, "diff", { 1: "" })
  const [will] = ws.take("cids_will_destroy")
  assert.deepEqual(will[4], { cids: [2] })
  ws.reply(will, {})
  const [destroyed] = ws.take("cids_destroyed")
  assert.deepEqual(destroyed[4], { cids: [2] })
  ws.reply(destroyed, { cids: [2] })
  assert.deepEqual(Object.keys(ls.views.get("lv:phx-A").rendered.tree.c), ["1"])
})

test("phx-debounce (ms and blur) and phx-throttle", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el, w } = page()
  const ws = joined(ls, {
    s: ['<form id="f" phx-change="v" phx-submit="s"><input id="d" name="d" phx-debounce="300"><input id="b" name="b" phx-debounce="blur"></form><button id="t" phx-click="c" phx-throttle="1000">t</button><input id="tc" name="tc" phx-change="tc" phx-throttle="500">'],
  })
  ws.take()
  const sent = () => ws.take("event").map((f) => { ws.reply(f, {}); return f[4].event + ":" + f[4].value })
  for (const v of ["a", "ab", "abc"]) {
    el("#d").value = v
    fire(w, el("#d"), "input")
    t.mock.timers.tick(100)
  }
  assert.deepEqual(sent(), [])
  t.mock.timers.tick(300)
  assert.deepEqual(sent(), ["v:d=abc&_unused_b=&b="])
  el("#d").value = "x"
  fire(w, el("#d"), "input")
  fire(w, el("#f"), "submit")
  assert.deepEqual(sent(), ["v:d=x&_unused_b=&b=", "s:d=x&b="], "submit flushes the debounced change first")

  el("#b").value = "q"
  fire(w, el("#b"), "input")
  assert.deepEqual(sent(), [])
  fire(w, el("#b"), "change")
  assert.deepEqual(sent(), ["v:d=x&b=q"])

  for (let i = 0; i < 5; i++) fire(w, el("#t"), "click", {}, "MouseEvent")
  assert.equal(sent().length, 1, "throttled click fires at once, then drops")
  t.mock.timers.tick(1000)
  assert.equal(sent().length, 0)
  fire(w, el("#t"), "click", {}, "MouseEvent")
  assert.equal(sent().length, 1)

  for (const v of ["1", "12", "123"]) {
    el("#tc").value = v
    fire(w, el("#tc"), "input")
  }
  assert.deepEqual(sent(), ["tc:tc=1"])
  t.mock.timers.tick(500)
  assert.deepEqual(sent(), ["tc:tc=123"], "trailing change carries the last value")
})

test("an event reply that never comes reloads with jitter after 30 s; a crash or rejoin does not", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el, w, gone } = page()
  ls.socket.beat = () => {} // no heartbeats: this test plays long stretches of time
  const ws = joined(ls, { s: ['<button id="b" phx-click="x">b</button>'] })
  fire(w, el("#b"), "click", {}, "MouseEvent")
  const [ev] = ws.take("event")
  t.mock.timers.tick(29999)
  ws.reply(ev, {})
  t.mock.timers.tick(60000)
  assert.deepEqual(gone, [], "answered in time")
  fire(w, el("#b"), "click", {}, "MouseEvent")
  ws.recv([jr(ls), jr(ls), "lv:phx-A", "phx_error", { reason: "channel_crash" }])
  t.mock.timers.tick(1000)
  const [join] = ws.take("phx_join")
  ws.reply(join, { rendered: { s: ['<button id="b" phx-click="x">b</button>'] } })
  assert.ok(!el("#b").classList.contains("phx-click-loading"), "rejoin clears the lock")
  t.mock.timers.tick(60000)
  assert.deepEqual(gone, [], "no reload for an event lost to a crash")
  fire(w, el("#b"), "click", {}, "MouseEvent")
  t.mock.timers.tick(30000)
  assert.equal(w.localStorage.getItem("glint:reloads:/"), "1")
  t.mock.timers.tick(10000)
  assert.deepEqual(gone, ["http://localhost:4000/"])
})

test("a message that cannot be applied is logged and the view rejoins with backoff", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls, el } = page()
  const ws = joined(ls, { 0: "a", s: ["<p>", "</p>"] })
  ws.take()
  const logged = []
  const orig = console.error
  console.error = (...a) => logged.push(a.join(" "))
  try {
    push(ws, ls, "diff", { 0: 7 }) // cid 7 was never sent
  } finally {
    console.error = orig
  }
  assert.equal(logged.length, 1)
  assert.match(logged[0], /no component 7/)
  assert.equal(el("#phx-A").innerHTML, "<p>a</p>", "DOM left as it was")
  t.mock.timers.tick(1000)
  const [join] = ws.take("phx_join")
  assert.ok(join, "rejoined")
  ws.reply(join, { rendered: { 0: "b", s: ["<p>", "</p>"] } })
  assert.equal(el("#phx-A").innerHTML, "<p>b</p>")
  assert.ok(el("#phx-A").classList.contains("phx-connected"))
})

test("input wins for a focused select unless its options changed", () => {
  const { ls, el } = page()
  const sel = (opts, pick) => ({ s: ['<select id="s" name="s">' + opts.map((o) => `<option value="${o}"${o == pick ? " selected" : ""}>${o}</option>`).join("") + "</select>"] })
  const ws = joined(ls, sel(["a", "b", "c"], "a"))
  const s = el("#s")
  s.focus()
  s.value = "c"
  ws.recv([jr(ls), null, "lv:phx-A", "diff", sel(["a", "b", "c"], "b")])
  assert.equal(el("#s").value, "c", "same options: the user's choice stays")
  ws.recv([jr(ls), null, "lv:phx-A", "diff", sel(["x", "b"], "b")])
  assert.equal(el("#s").value, "b", "options changed: the server's choice applies")
})

test("diffs queued during a join are capped: past 500 the view rejoins", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { ls } = page()
  ls.connect()
  const ws = FakeWS.last
  ws.open()
  const [join] = ws.take("phx_join")
  for (let i = 0; i <= 500; i++) ws.recv([join[0], null, "lv:phx-A", "diff", { 0: String(i) }])
  const v = ls.views.get("lv:phx-A")
  assert.equal(v.queue, null, "queue dropped")
  assert.equal(v.joinRef, null, "old join abandoned")
  t.mock.timers.tick(1000)
  const [again] = ws.take("phx_join")
  assert.ok(again && again[0] != join[0], "rejoined")
})

test("a throwing handleEvent or reply callback is logged and does not disturb the view", () => {
  const hooks = {
    H: {
      mounted() {
        this.handleEvent("x", () => {
          throw new Error("bad handler")
        })
        this.pushEvent("p", {}, () => {
          throw new Error("bad reply callback")
        })
      },
    },
  }
  const { ls, el } = page({ hooks })
  const logged = []
  const orig = console.error
  console.error = (...a) => logged.push(String(a[1]))
  let ws
  try {
    ws = joined(ls, { 0: "1", s: ['<b id="h" phx-hook="H"></b><i>', "</i>"] })
    const [ev] = ws.take("event")
    ws.reply(ev, { diff: { r: {} } })
    push(ws, ls, "diff", { 0: "2", e: [["x", {}]] })
  } finally {
    console.error = orig
  }
  assert.deepEqual(logged, ["Error: bad reply callback", "Error: bad handler"])
  assert.equal(el("i").textContent, "2")
  assert.equal(ws.take("phx_join").length, 0, "no rejoin")
})
