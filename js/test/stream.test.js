// Streams: a phx-update="stream" container keeps its items across renders; each diff's
// entries are placed by the stream's operations (inserts at an index, updates in place,
// update-only, deletes, reset, limits), and the client forgets them once on the page.
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import { page, joined, cleanup, FakeWS } from "../testutil/dom.js"

afterEach(cleanup)

const jr = (ls) => ls.views.get("lv:phx-A").joinRef
const push = (ws, ls, payload) => ws.recv([jr(ls), null, "lv:phx-A", "diff", payload])
const ids = (el) => [...el("#l").children].map((c) => c.id + ":" + c.textContent).join(" ")
const entry = (id, text) => ({ 0: id, 1: text })
const diff = (entries, inserts, deletes = [], reset) => {
  const k = { kc: entries.length }
  entries.forEach((e, i) => (k[i] = e))
  const stream = ["0", inserts, deletes]
  if (reset) stream.push(true)
  return { 0: { k, stream } }
}

function streamPage(items) {
  const p = page()
  const k = { kc: items.length }
  items.forEach((e, i) => (k[i] = entry(...e)))
  p.ws = joined(p.ls, {
    0: { s: ['<li id="', '">', "</li>"], k, stream: ["0", items.map(([id]) => [id, -1, null, false]), []] },
    s: ['<ul id="l" phx-update="stream">', "</ul>"],
  })
  return p
}

test("stream operations place, update and remove items, and the rest stay", () => {
  const { ls, el, ws } = streamPage([["a", "A"], ["b", "B"]])
  assert.equal(ids(el), "a:A b:B")
  const steps = [
    [diff([entry("c", "C")], [["c", -1, null, false]]), "a:A b:B c:C"],
    [diff([entry("z", "Z")], [["z", 0, null, false]]), "z:Z a:A b:B c:C"],
    [diff([entry("m", "M")], [["m", 2, null, false]]), "z:Z a:A m:M b:B c:C"],
    [diff([entry("a", "A2")], [["a", -1, null, false]]), "z:Z a:A2 m:M b:B c:C"],
    [diff([entry("q", "Q")], [["q", -1, null, true]]), "z:Z a:A2 m:M b:B c:C"],
    [diff([], [], ["m", "nope"]), "z:Z a:A2 b:B c:C"],
    [diff([entry("d", "D")], [["d", -1, -3, false]]), "b:B c:C d:D"],
    [diff([entry("e", "E")], [["e", 0, 2, false]]), "e:E b:B"],
    [{ 1: "x" }, "e:E b:B"],
    [diff([entry("f", "F")], [["f", -1, null, false]], [], true), "f:F"],
  ]
  for (const [d, want] of steps) {
    push(ws, ls, d)
    assert.equal(ids(el), want, JSON.stringify(d))
  }
})

test("a rejoin drops the items its render does not insert again", () => {
  const { ls, el, ws: first } = streamPage([["a", "A"], ["b", "B"]])
  first.drop()
  ls.socket.reconnectNow()
  const ws = FakeWS.last
  ws.open()
  const [join] = ws.take("phx_join")
  ws.reply(join, {
    rendered: {
      0: { s: ['<li id="', '">', "</li>"], k: { 0: entry("b", "B"), kc: 1 }, stream: ["0", [["b", -1, null, false]], []] },
      s: ['<ul id="l" phx-update="stream">', "</ul>"],
    },
  })
  assert.equal(ids(el), "b:B")
  assert.equal(ls.views.get("lv:phx-A").rendered.tree[0].k.kc, 0, "the client forgot the entries")
})
