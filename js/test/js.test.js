// JS commands and lifecycle bindings: each command, stickiness across patches, pushes with
// their options, phx-mounted / phx-remove / phx-connected / phx-disconnected, page-loading
// events, the title's prefix and suffix, the flash cookie, and the form value rules.
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import { page, joined, fire, cleanup } from "../testutil/dom.js"

afterEach(cleanup)

const jr = (ls) => ls.views.get("lv:phx-A").joinRef
const push = (ws, ls, event, payload) => ws.recv([jr(ls), null, "lv:phx-A", event, payload])
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms))
const attr = (cmds) => JSON.stringify(cmds).replaceAll('"', "&quot;")
const click = (w, el) => fire(w, el, "click", {}, "MouseEvent")

test("push sends the command's event, with its value merged over phx-value-*, its target and loading elements", () => {
  const { ls, el, w } = page()
  const cmd = attr([["push", { event: "save", value: { extra: "1" }, target: "#c", loading: "#spin" }]])
  const ws = joined(ls, {
    0: "x",
    s: [`<button id="b" phx-value-id="7" phx-click="${cmd}">go</button><i id="spin"></i><div id="c" data-phx-component="3">`, "</div>"],
  })
  ws.take()
  click(w, el("#b"))
  const [ev] = ws.take("event")
  assert.equal(ev[4].event, "save")
  assert.deepEqual(ev[4].value, { id: "7", value: "", extra: "1" })
  assert.equal(ev[4].cid, 3)
  assert.ok(el("#spin").classList.contains("phx-click-loading"), "the loading selector's elements get the class")
  ws.reply(ev, {})
  assert.ok(!el("#spin").classList.contains("phx-click-loading"))
})

test("push with page_loading dispatches page-loading start and stop around the event", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { s: [`<button id="b" phx-click="${attr([["push", { event: "go", page_loading: true }]])}">go</button>`] })
  const seen = []
  w.addEventListener("phx:page-loading-start", (e) => seen.push("start " + e.detail.kind))
  w.addEventListener("phx:page-loading-stop", (e) => seen.push("stop " + e.detail.kind))
  ws.take()
  click(w, el("#b"))
  assert.deepEqual(seen, ["start element"])
  ws.reply(ws.take("event")[0], {})
  assert.deepEqual(seen, ["start element", "stop element"])
})

test("show, hide and toggle set display, and it sticks across patches", async () => {
  const { ls, el, w } = page()
  const ws = joined(ls, {
    0: "1",
    s: [
      `<div id="m" style="display:none" class="`,
      `">menu</div><button id="open" phx-click="${attr([["show", { to: "#m", display: "flex" }]])}"></button>` +
        `<button id="close" phx-click="${attr([["hide", { to: "#m" }]])}"></button>` +
        `<button id="tog" phx-click="${attr([["toggle", { to: "#m" }]])}"></button>`,
    ],
  })
  click(w, el("#open"))
  await tick()
  assert.equal(el("#m").style.display, "flex")
  push(ws, ls, "diff", { 0: "2" })
  assert.equal(el("#m").className, "2", "the patch applied")
  assert.equal(el("#m").style.display, "flex", "display kept through the patch")
  click(w, el("#close"))
  await tick(250)
  assert.equal(el("#m").style.display, "none")
  click(w, el("#tog"))
  await tick()
  assert.equal(el("#m").style.display, "block")
})

test("class commands stick across patches; toggle_class flips", async () => {
  const { ls, el, w } = page()
  const ws = joined(ls, {
    0: "a",
    s: [
      '<p id="p" class="',
      `"></p><button id="add" phx-click="${attr([["add_class", { to: "#p", names: ["on", "big"] }]])}"></button>` +
        `<button id="rm" phx-click="${attr([["remove_class", { to: "#p", names: ["big"] }]])}"></button>` +
        `<button id="tg" phx-click="${attr([["toggle_class", { to: "#p", names: ["on"] }]])}"></button>`,
    ],
  })
  click(w, el("#add"))
  await tick()
  assert.equal(el("#p").className, "a on big")
  push(ws, ls, "diff", { 0: "b" })
  assert.deepEqual([...el("#p").classList].sort(), ["b", "big", "on"])
  click(w, el("#rm"))
  await tick()
  click(w, el("#tg"))
  await tick()
  assert.deepEqual([...el("#p").classList], ["b"])
  click(w, el("#tg"))
  await tick()
  assert.deepEqual([...el("#p").classList], ["b", "on"])
})

test("a transition adds its start, run and end classes, and the run and start ones go after its time", async () => {
  const { ls, el, w } = page()
  joined(ls, { s: [`<p id="p"></p><button id="b" phx-click="${attr([["transition", { to: "#p", transition: [["fade"], ["o0"], ["o1"]], time: 60 }]])}"></button>`] })
  click(w, el("#b"))
  assert.ok(el("#p").classList.contains("o0"))
  await tick(30)
  assert.ok(el("#p").classList.contains("fade") && el("#p").classList.contains("o1") && !el("#p").classList.contains("o0"))
  await tick(80)
  assert.deepEqual([...el("#p").classList], ["o1"])
})

test("attribute commands set, remove and toggle, and stick", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, {
    0: "1",
    s: [
      '<p id="p" data-n="',
      `" title="t"></p><button id="s" phx-click="${attr([["set_attr", { to: "#p", attr: ["aria-expanded", "true"] }], ["remove_attr", { to: "#p", attr: "title" }]])}"></button>` +
        `<button id="t" phx-click="${attr([["toggle_attr", { to: "#p", attr: ["aria-expanded", "true", "false"] }], ["toggle_attr", { to: "#p", attr: ["open", "yes"] }]])}"></button>`,
    ],
  })
  click(w, el("#s"))
  assert.equal(el("#p").getAttribute("aria-expanded"), "true")
  assert.ok(!el("#p").hasAttribute("title"))
  push(ws, ls, "diff", { 0: "2" })
  assert.equal(el("#p").getAttribute("data-n"), "2")
  assert.equal(el("#p").getAttribute("aria-expanded"), "true", "kept through the patch")
  assert.ok(!el("#p").hasAttribute("title"), "still removed after the patch")
  click(w, el("#t"))
  assert.equal(el("#p").getAttribute("aria-expanded"), "false")
  assert.equal(el("#p").getAttribute("open"), "yes")
  click(w, el("#t"))
  assert.equal(el("#p").getAttribute("aria-expanded"), "true")
  assert.ok(!el("#p").hasAttribute("open"))
})

test("dispatch, exec, focus commands, closest and inner targets", async () => {
  const { ls, el, w } = page()
  joined(ls, {
    s: [
      `<div id="box" data-go="${attr([["add_class", { names: ["ran"] }]])}"><button id="d" phx-click="${attr([["dispatch", { to: { closest: "#box" }, event: "my:ev", detail: { n: 1 } }]])}"></button>` +
        `<button id="x" phx-click="${attr([["exec", { attr: "data-go", to: "#box" }]])}"></button>` +
        `<div id="i" phx-click="${attr([["add_class", { to: { inner: "input" }, names: ["in"] }], ["focus_first", { to: "#box" }]])}"><input id="a"><input id="b"></div></div>` +
        `<button id="pf" phx-click="${attr([["push_focus", {}], ["focus", { to: "#b" }]])}"></button><button id="po" phx-click="${attr([["pop_focus", {}]])}"></button>`,
    ],
  })
  const got = []
  el("#box").addEventListener("my:ev", (e) => got.push([e.detail.n, e.detail.dispatcher.id]))
  click(w, el("#d"))
  assert.deepEqual(got, [[1, "d"]])
  click(w, el("#x"))
  await tick()
  assert.ok(el("#box").classList.contains("ran"))
  click(w, el("#i"))
  await tick()
  assert.ok(el("#a").classList.contains("in") && el("#b").classList.contains("in"))
  assert.equal(w.document.activeElement.id, "d", "focus_first focuses the first focusable element")
  click(w, el("#pf"))
  assert.equal(w.document.activeElement.id, "b")
  click(w, el("#po"))
  assert.equal(w.document.activeElement.id, "pf", "pop_focus returns to the pushed element")
})

test("navigate and patch commands move the main view", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { s: [`<a id="n" phx-click="${attr([["navigate", { href: "/other" }]])}">n</a><a id="p" phx-click="${attr([["patch", { href: "/?x=1", replace: true }]])}">p</a>`] })
  ws.take()
  click(w, el("#p"))
  const [patch] = ws.take("live_patch")
  assert.equal(patch[4].url, "http://localhost:4000/?x=1")
  assert.equal(w.location.href, "http://localhost:4000/?x=1")
  click(w, el("#n"))
  const [join] = ws.take("phx_join")
  assert.equal(join[4].redirect, "http://localhost:4000/other")
})

test("an unknown command or bad JSON is logged and does nothing else", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { s: [`<button id="u" phx-click="${attr([["nope", {}]])}"></button><button id="j" phx-click="[oops"></button>`] })
  ws.take()
  const errs = []
  const orig = console.error
  console.error = (...a) => errs.push(a.join(" "))
  try {
    click(w, el("#u"))
    click(w, el("#j"))
  } finally {
    console.error = orig
  }
  assert.equal(ws.take("event").length, 0)
  assert.equal(errs.length, 2)
})

test("phx-mounted runs once per element, phx-remove runs before the element goes", async () => {
  const { ls, el } = page()
  const ws = joined(ls, {
    0: "",
    s: [`<p id="a" phx-mounted="${attr([["add_class", { names: ["m"] }]])}"></p>`, ""],
  })
  await tick()
  assert.ok(el("#a").classList.contains("m"))
  const gone = `<p id="g" phx-remove="${attr([["add_class", { names: ["leaving"] }], ["hide", { transition: [["fade"], [], []], time: 50 }]])}"></p>`
  push(ws, ls, "diff", { 0: gone })
  push(ws, ls, "diff", { 0: "" })
  assert.ok(el("#g"), "kept while its phx-remove runs")
  await tick(20)
  assert.ok(el("#g").classList.contains("leaving"))
  await tick(80)
  assert.equal(el("#g"), null)
})

test("phx-connected runs on join; on a lost socket the container gets phx-client-error and phx-disconnected runs after 500 ms", async () => {
  const { ls, el, d } = page()
  const ws = joined(ls, { s: [`<p id="s" phx-connected="${attr([["set_attr", { attr: ["data-state", "on"] }]])}" phx-disconnected="${attr([["set_attr", { attr: ["data-state", "off"] }]])}"></p>`] })
  assert.equal(el("#s").getAttribute("data-state"), "on")
  ws.drop()
  const main = d.getElementById("phx-A")
  assert.ok(main.classList.contains("phx-client-error") && main.classList.contains("phx-error"))
  assert.equal(el("#s").getAttribute("data-state"), "on")
  await tick(550)
  assert.equal(el("#s").getAttribute("data-state"), "off")
})

test("a crash gives the container phx-server-error", () => {
  const { ls, d } = page()
  const ws = joined(ls, { s: ["<p>x</p>"] })
  push(ws, ls, "phx_error", {})
  assert.ok(d.getElementById("phx-A").classList.contains("phx-server-error"))
  assert.ok(!d.getElementById("phx-A").classList.contains("phx-client-error"))
})

test("page-loading events for the first join, live navigation and patches", () => {
  const { ls, w } = page()
  const seen = []
  for (const s of ["start", "stop"]) w.addEventListener("phx:page-loading-" + s, (e) => seen.push(`${s} ${e.detail.kind}`))
  const ws = joined(ls, { s: ["<p>x</p>"] })
  assert.deepEqual(seen, ["start initial", "stop initial"])
  ls.patch("/?p=1")
  ws.reply(ws.take("live_patch")[0], {})
  ls.navigate("/b")
  ws.reply(ws.take("phx_join")[0], { rendered: { s: ["b"] } })
  assert.deepEqual(seen.slice(2), ["start patch", "stop patch", "start redirect", "stop redirect"])
})

test("the title keeps the <title> element's data-prefix and data-suffix", () => {
  const { ls, d } = page({ head: '<title data-prefix="Shop · " data-suffix=" !">x</title>' })
  const ws = joined(ls, { s: ["<p>x</p>"] })
  push(ws, ls, "diff", { t: "Cart" })
  assert.equal(d.title, "Shop · Cart !")
})

test("a redirect with a flash writes the flash cookie before loading the page", () => {
  const { ls, d, gone } = page()
  const ws = joined(ls, { s: ["<p>x</p>"] })
  push(ws, ls, "redirect", { to: "/done", flash: "FLASH.TOK" })
  assert.deepEqual(gone, ["/done"])
  assert.match(d.cookie, /__phoenix_flash__=FLASH\.TOK/)
})

test("the server's value wins in the focused input when its submit's answer changed it", () => {
  const { ls, el, w } = page()
  const ws = joined(ls, { 0: "", s: ['<form id="f" phx-submit="send"><input id="m" name="m" value="', '"></form>'] })
  const m = el("#m")
  m.focus()
  m.value = "hello"
  ws.take()
  fire(w, el("#f"), "submit")
  const [ev] = ws.take("event")
  ws.reply(ev, { diff: { 0: "" } })
  assert.equal(m.value, "hello", "the value attribute did not change: the typed text stays")
  m.value = "again"
  fire(w, el("#f"), "submit")
  ws.reply(ws.take("event")[0], { diff: { 0: "x" } })
  assert.equal(m.value, "x", "the answer to the submit changed the value: the server wins")
  m.value = "mine"
  push(ws, ls, "diff", { 0: "y" })
  assert.equal(m.value, "mine", "outside a submit's answer, the user's typing wins")
})

test("a re-render resets an unfocused input the user changed", () => {
  const { ls, el } = page()
  const ws = joined(ls, { 0: "a", 1: "", s: ['<input id="i" value="">', "<p>", "</p>"] })
  el("#i").value = "typed"
  push(ws, ls, "diff", { 1: "re-render" })
  assert.equal(el("#i").value, "", "the server's value wins where the user is not typing")
})

test("phx-viewport-bottom sends its event with the last child's id when scrolling down brings it into view", () => {
  const { ls, el, w, d } = page()
  const ws = joined(ls, { s: ['<ul id="feed" phx-viewport-bottom="more" phx-viewport-top="less"><li id="a">a</li><li id="z">z</li></ul>'] })
  ws.take()
  el("#z").getBoundingClientRect = () => ({ top: 100, bottom: 120 })
  el("#a").getBoundingClientRect = () => ({ top: -50, bottom: -30 })
  Object.defineProperty(w, "scrollY", { value: 200, configurable: true })
  d.dispatchEvent(new w.Event("scroll"))
  const [ev] = ws.take("event")
  assert.equal(ev[4].event, "more")
  assert.deepEqual(ev[4].value, { id: "z" })
  d.dispatchEvent(new w.Event("scroll"))
  assert.equal(ws.take("event").length, 0, "at most one event per 500 ms")
})
