// Nested and sticky views: joining after the parent, keeping their content through the
// parent's patches, ending with their container, and live navigation.
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import { page, joined, fire, cleanup, FakeWS } from "../testutil/dom.js"

afterEach(cleanup)

const child = '<div id="kid" data-phx-session="K.TOK" data-phx-static="" data-phx-parent-id="phx-A">'
const sticky = '<aside id="cart" data-phx-session="C.TOK" data-phx-static="" data-phx-sticky>'
const body = `<div id="phx-A" data-phx-main data-phx-session="S.TOK" data-phx-static="T.TOK"><p id="p">0</p>${child}<b id="k">dead</b></div></div>`

test("a nested view joins after its parent, without a URL, and keeps its content through the parent's patches", () => {
  const { ls, el, w } = page({ body })
  const ws = joined(ls, { 0: "1", 1: child + "</div>", s: ['<p id="p">', "</p>", ""] })
  const [join] = ws.take("phx_join").filter((f) => f[2] == "lv:kid")
  assert.ok(join, "the child joined once the parent had")
  assert.equal(join[4].session, "K.TOK")
  assert.equal(join[4].url, undefined)
  assert.equal(join[4].redirect, undefined)
  assert.equal(el("#k").textContent, "dead", "the parent's render leaves the child's content alone")
  ws.reply(join, { rendered: { 0: "live", s: ['<b id="k">', '</b><button id="inc" phx-click="inc">+</button>'] } })
  assert.equal(el("#k").textContent, "live")
  ws.recv([ls.views.get("lv:phx-A").joinRef, null, "lv:phx-A", "diff", { 0: "2" }])
  assert.equal(el("#p").textContent, "2")
  assert.equal(el("#k").textContent, "live", "still the child's")
  ws.take()
  fire(w, el("#inc"), "click", {}, "MouseEvent")
  const [ev] = ws.take("event")
  assert.equal(ev[2], "lv:kid", "an event inside the child goes to the child")
})

test("a nested view leaves when its container leaves the page", () => {
  const { ls } = page({ body })
  const ws = joined(ls, { 0: "1", 1: child + "</div>", s: ['<p id="p">', "</p>", ""] })
  const [join] = ws.take("phx_join").filter((f) => f[2] == "lv:kid")
  ws.reply(join, { rendered: { s: ["<b>x</b>"] } })
  ws.recv([ls.views.get("lv:phx-A").joinRef, null, "lv:phx-A", "diff", { 1: "" }])
  assert.deepEqual(ws.take("phx_leave").map((f) => f[2]), ["lv:kid"])
  assert.ok(!ls.views.has("lv:kid"))
})

test("a sticky view joins as a root without a URL and survives live navigation; nested views do not", () => {
  const { ls, el } = page({ body: body.replace('<p id="p">0</p>', `<p id="p">0</p>${sticky}<i>0</i></aside>`) })
  ls.connect()
  const ws = FakeWS.last
  ws.open()
  const first = ws.take("phx_join")
  const cart = first.find((f) => f[2] == "lv:cart")
  assert.ok(cart, "the sticky view joined with the page")
  ws.reply(first.find((f) => f[2] == "lv:phx-A"), { rendered: { 0: "1", 1: sticky + "</aside>", 2: child + "</div>", s: ['<p id="p">', "</p>", "", ""] } })
  const joins = ws.take("phx_join")
  assert.equal(cart[4].sticky, true)
  assert.equal(cart[4].url, undefined)
  ws.reply(cart, { rendered: { 0: "3", s: ["<i>", "</i>"] } })
  const kid = joins.find((f) => f[2] == "lv:kid")
  ws.reply(kid, { rendered: { s: ["<b>x</b>"] } })
  ls.views.get("lv:phx-A").navigate("/other", "push")
  const left = ws.take("phx_leave").map((f) => f[2]).sort()
  assert.deepEqual(left, ["lv:kid", "lv:phx-A"], "the main view and its nested view leave; the sticky one stays")
  const [rejoin] = ws.take("phx_join")
  ws.reply(rejoin, { rendered: { 0: sticky + "</aside>", s: ["", "<p>other</p>"] } })
  assert.equal(el("#cart i").textContent, "3", "the sticky view's content is kept")
  assert.ok(ls.views.has("lv:cart"))
  assert.equal(ws.take("phx_join").length, 0, "the sticky view did not rejoin")
})

test("a nested view new to the page joins first: the page shows it with its content", () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "", s: ['<p id="p">page</p>', ""] })
  ws.take()
  ws.recv([ls.views.get("lv:phx-A").joinRef, null, "lv:phx-A", "diff", { 0: child + "</div>" }])
  assert.equal(el("#kid"), null, "not on the page before it joined")
  const [join] = ws.take("phx_join")
  assert.equal(join[2], "lv:kid")
  assert.equal(join[4].session, "K.TOK")
  ws.reply(join, { rendered: { s: ['<b id="k">ready</b>'] } })
  assert.equal(el("#kid #k").textContent, "ready", "the page shows the child with its content")
  assert.ok(ls.views.get("lv:kid").el.isConnected)
})
