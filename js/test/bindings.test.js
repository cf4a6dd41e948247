// Bindings: each phx-* attribute turns DOM events into the event frames of docs/protocol.md
// (Event payload, Event values).
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import { page, joined, fire, cleanup } from "../testutil/dom.js"

afterEach(cleanup)

// setup renders html as the view's join render and returns helpers; events() drains the
// event frames sent so far and returns their payloads.
function setup(html, opts) {
  const p = page(opts)
  const ws = joined(p.ls, { s: [html] })
  ws.take()
  const events = () => ws.take("event").map((f) => f[4])
  return { ...p, ws, events }
}

test("phx-click sends phx-value-* and the element's value", () => {
  const cases = [
    ['<button id="x" phx-click="inc">+</button>', { type: "click", event: "inc", value: { value: "" } }],
    ['<div id="x" phx-click="pick" phx-value-id="7" phx-value-kind="a">x</div>', { type: "click", event: "pick", value: { id: "7", kind: "a" } }],
    ['<input id="x" phx-click="c" value="hi" phx-value-value="v">', { type: "click", event: "c", value: { value: "hi" } }],
    ['<input id="x" type="checkbox" phx-click="c" value="on" checked>', { type: "click", event: "c", value: {} }],
    ['<div phx-click="outer"><span id="x">inner</span></div>', { type: "click", event: "outer", value: {} }],
  ]
  for (const [html, want] of cases) {
    const { el, w, events } = setup(html)
    fire(w, el("#x"), "click", {}, "MouseEvent")
    assert.deepEqual(events(), [want], html)
  }
})

test("phx-target resolves a cid or a selector inside a component", () => {
  const { el, w, events } = setup(
    '<div data-phx-component="3"><b id="in">x</b></div><button id="a" phx-click="e" phx-target="3">a</button><button id="b" phx-click="e" phx-target="#in">b</button><button id="c" phx-click="e" phx-target="#nope">c</button>',
  )
  for (const id of ["a", "b", "c"]) fire(w, el("#" + id), "click", {}, "MouseEvent")
  assert.deepEqual(
    events().map((e) => e.cid),
    [3, 3, undefined],
  )
})

test("phx-click-away fires for clicks outside the element only", () => {
  const { el, w, events } = setup('<div id="menu" phx-click-away="close"><i id="in">x</i></div><p id="out">o</p>')
  fire(w, el("#in"), "click", {}, "MouseEvent")
  assert.deepEqual(events(), [])
  fire(w, el("#out"), "click", {}, "MouseEvent")
  assert.deepEqual(events(), [{ type: "click", event: "close", value: {} }])
})

test("phx-keydown / phx-keyup with phx-key filtering, and window keys", () => {
  const { el, w, d, events } = setup(
    '<input id="k" name="q" value="ab" phx-keydown="down" phx-key="Enter"><input id="u" phx-keyup="up" value=""><div phx-window-keydown="wk" phx-value-x="1"></div><div phx-window-keyup="wu" phx-key="escape"></div>',
  )
  fire(w, el("#k"), "keydown", { key: "a" }, "KeyboardEvent")
  assert.deepEqual(events(), [{ type: "keydown", event: "wk", value: { key: "a", x: "1" } }])
  fire(w, el("#k"), "keydown", { key: "Enter" }, "KeyboardEvent")
  assert.deepEqual(events(), [
    { type: "keydown", event: "down", value: { key: "Enter", value: "ab" } },
    { type: "keydown", event: "wk", value: { key: "Enter", x: "1" } },
  ])
  fire(w, el("#u"), "keyup", { key: "x" }, "KeyboardEvent")
  assert.deepEqual(events(), [{ type: "keyup", event: "up", value: { key: "x", value: "" } }])
  fire(w, d.body, "keyup", { key: "Escape" }, "KeyboardEvent")
  assert.deepEqual(events(), [{ type: "keyup", event: "wu", value: { key: "Escape" } }])
})

test("phx-focus / phx-blur and window focus / blur", () => {
  const { el, w, events } = setup('<input id="f" phx-focus="f" phx-blur="b" value="v"><div phx-window-focus="wf" phx-window-blur="wb"></div>')
  fire(w, el("#f"), "focusin", {}, "FocusEvent")
  fire(w, el("#f"), "focusout", {}, "FocusEvent")
  assert.deepEqual(events(), [
    { type: "focus", event: "f", value: { value: "v" } },
    { type: "blur", event: "b", value: { value: "v" } },
  ])
  w.dispatchEvent(new w.FocusEvent("focus"))
  w.dispatchEvent(new w.FocusEvent("blur"))
  assert.deepEqual(events(), [
    { type: "focus", event: "wf", value: {} },
    { type: "blur", event: "wb", value: {} },
  ])
})

const FORM =
  '<form id="f" phx-change="validate" phx-submit="save" phx-value-step="2">' +
  '<input id="name" name="user[name]" value="Ann Lee"><input id="email" name="user[email]" value="">' +
  '<input type="hidden" name="tok" value="h"><input type="checkbox" name="ok" value="yes" checked>' +
  '<input type="checkbox" name="no" value="yes"><input type="file" name="pic">' +
  '<select name="tags" multiple><option value="a" selected>a</option><option value="b">b</option><option value="c" selected>c</option></select>' +
  '<textarea name="bio">hi &amp; bye</textarea><input name="off" value="x" disabled>' +
  '<button id="go" name="act" value="publish">Go</button></form>'

test("phx-change sends the url-encoded form with _target and _unused_ keys", () => {
  const { el, w, events, ws } = setup(FORM)
  el("#name").value = "Ann Lee!"
  fire(w, el("#name"), "input", {}, "InputEvent")
  const [e] = events()
  assert.equal(e.type, "form")
  assert.equal(e.event, "validate")
  assert.deepEqual(e.meta, { step: "2", _target: "user[name]" })
  assert.equal(
    e.value,
    // Each value of an untouched name follows its _unused_ key, as the official client
    // writes them; an unchecked box sends neither.
    "user%5Bname%5D=Ann+Lee%21&user%5B_unused_email%5D=&user%5Bemail%5D=&tok=h&_unused_ok=&ok=yes" +
      "&_unused_tags=&tags=a&_unused_tags=&tags=c&_unused_bio=&bio=hi+%26+bye",
  )
  // a change event for the same value is not sent twice
  fire(w, el("#name"), "change")
  assert.deepEqual(events(), [])
  assert.ok(ws)
})

test("an input with its own phx-change sends only itself", () => {
  const { el, w, events } = setup('<form id="f" phx-change="all"><input name="a" value="1"><input id="b" name="b" value="2" phx-change="solo"></form>')
  fire(w, el("#b"), "input")
  const [e] = events()
  assert.equal(e.event, "solo")
  assert.equal(e.value, "b=2")
})

test("phx-submit sends the form with the submitter, disables and restores controls", () => {
  const { el, w, events, ws } = setup(FORM.replace("<button", '<button phx-disable-with="Saving…"'))
  const form = el("#f")
  const e = fire(w, form, "submit", { submitter: el("#go") }, "SubmitEvent")
  assert.ok(e.defaultPrevented)
  const frames = ws.take("event")
  assert.equal(frames.length, 1)
  const p = frames[0][4]
  assert.equal(p.event, "save")
  assert.deepEqual(p.meta, { step: "2" })
  assert.equal(p.value, "user%5Bname%5D=Ann+Lee&user%5Bemail%5D=&tok=h&ok=yes&tags=a&tags=c&bio=hi+%26+bye&act=publish")
  assert.ok(form.classList.contains("phx-submit-loading"))
  assert.ok(el("#name").readOnly)
  assert.ok(el("#go").disabled)
  assert.equal(el("#go").textContent, "Saving…")
  ws.reply(frames[0], {})
  assert.ok(!form.classList.contains("phx-submit-loading"))
  assert.ok(!el("#name").readOnly)
  assert.ok(!el("#go").disabled)
  assert.equal(el("#go").textContent, "Go")
  assert.ok(!form.hasAttribute("data-phx-ref"))
  assert.deepEqual(events(), [])
})

test("a submit locks the form's inputs and buttons, not the rest of the form; a second submit waits", () => {
  const { ls, el, w, ws } = setup("")
  const jr = ls.views.get("lv:phx-A").joinRef
  const diff = (d) => ws.recv([jr, null, "lv:phx-A", "diff", d])
  diff({ 0: "0", 1: "a", s: ['<form id="f" phx-submit="save" class="c"><p id="pct">', '</p><input id="n" name="n" value="', '"><button id="go">Go</button></form>'] })
  const form = el("#f")
  fire(w, form, "submit", { submitter: el("#go") }, "SubmitEvent")
  for (const e of [form, el("#n"), el("#go")]) assert.ok(e.classList.contains("phx-submit-loading"), e.id)
  fire(w, form, "submit", { submitter: el("#go") }, "SubmitEvent")
  const frames = ws.take("event")
  assert.equal(frames.length, 1, "not submitted again while submitting")
  diff({ 0: "50", 1: "b" })
  assert.equal(el("#pct").textContent, "50", "the form's content updates")
  assert.ok(form.classList.contains("phx-submit-loading") && form.classList.contains("c"))
  assert.equal(el("#n").value, "a", "its inputs wait for the reply")
  ws.reply(frames[0], {})
  assert.equal(el("#n").value, "b")
  assert.ok(!form.classList.contains("phx-submit-loading") && !form.hasAttribute("data-phx-ref"))
  assert.ok(!el("#n").classList.contains("phx-submit-loading") && !el("#n").readOnly)
})

test("phx-disable-with on a click element and phx-click-loading until the reply", () => {
  const { el, w, ws } = setup('<button id="b" phx-click="slow" phx-disable-with="Wait">Run</button>')
  fire(w, el("#b"), "click", {}, "MouseEvent")
  assert.equal(el("#b").textContent, "Wait")
  assert.ok(el("#b").classList.contains("phx-click-loading"))
  const [f] = ws.take("event")
  ws.reply(f, { diff: {} })
  assert.equal(el("#b").textContent, "Run")
  assert.ok(!el("#b").classList.contains("phx-click-loading"))
})

test("data-phx-link patch and navigate use the main view and history", () => {
  const { el, w, events, ws, ls } = setup('<a id="p" href="/?page=2" data-phx-link="patch" data-phx-link-state="push">2</a><a id="n" href="/other" data-phx-link="redirect">o</a>')
  fire(w, el("#p"), "click", {}, "MouseEvent")
  const [lp] = ws.take("live_patch")
  assert.deepEqual(lp[4], { url: "http://localhost:4000/?page=2" })
  assert.equal(w.location.href, "http://localhost:4000/?page=2")
  ws.reply(lp, { diff: { 0: "x" } })
  const v = ls.views.get("lv:phx-A")
  const old = v.joinRef
  fire(w, el("#n"), "click", {}, "MouseEvent")
  const [leave] = ws.take("phx_leave")
  assert.equal(leave[0], old)
  const [join] = ws.take("phx_join")
  assert.equal(join[2], "lv:phx-A")
  assert.equal(join[4].redirect, "http://localhost:4000/other")
  assert.equal(join[4].url, undefined)
  assert.equal(join[4].params._live_referer, "http://localhost:4000/?page=2")
  assert.equal(w.location.pathname, "/other")
  assert.deepEqual(events(), [])
})

test("_unused_ keys follow the official client's rule, lists included", async () => {
  const { unusedName } = await import("../src/form.js")
  for (const [name, want] of [
    ["email", "_unused_email"],
    ["user[email]", "user[_unused_email]"],
    ["interests[]", "_unused_interests[]"],
    ["user[tags][]", "user[_unused_tags][]"],
  ]) assert.equal(unusedName(name), want, name)
})
