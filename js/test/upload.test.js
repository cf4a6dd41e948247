// Uploads: the change event's uploads, the preflight, chunks as binary frames on lvu:
// channels paced by their replies with progress pushes, errors, submit gating, drop zones,
// external uploaders (the built-in PUT against a local HTTP server), the LiveFileUpload hook
// and rejoins.
import { test, afterEach } from "node:test"
import assert from "node:assert/strict"
import http from "node:http"
import { page, joined, fire, FakeWS, cleanup } from "../testutil/dom.js"
import { fileRef, activeFiles } from "../src/upload.js"

afterEach(cleanup)

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}
const text = (bytes) => new TextDecoder().decode(bytes)
const MOD = 1700000000000

// file makes a File as a browser has it (webkitRelativePath is "" for a chosen file).
function file(w, body, name = "a.png", type = "image/png") {
  const f = new w.File([body], name, { type, lastModified: MOD })
  Object.defineProperty(f, "webkitRelativePath", { value: "" })
  return f
}

// The server's markup for an upload input (live_file_input), in a form; dynamics 0–3 are
// its active, done, preflighted and error refs, 4 the page's previews.
const render = (attrs, formAttrs, outside) => {
  const input = `<input id="up" type="file" name="avatar" accept=".png" data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref="up" data-phx-active-refs="`
  const rest = ['" data-phx-done-refs="', '" data-phx-preflighted-refs="', '" data-phx-error-refs="', `"${attrs}${outside ? ' form="f"' : ""}>`]
  const form = [`<form id="f" phx-change="validate" phx-submit="save"${formAttrs}><input id="t" name="title" value="hi">`, '<button id="go">Go</button></form>']
  const zone = '<div id="zone" phx-drop-target="up"><span id="inner">drop here</span></div><div id="previews">'
  const s = outside ? [form[0] + form[1] + input, ...rest.slice(0, 3), rest[3] + zone] : [form[0] + input, ...rest.slice(0, 3), rest[3] + form[1] + zone]
  return { 0: "", 1: "", 2: "", 3: "", 4: "", s: [...s, "</div>"] }
}

// setup joins a page showing the upload form; attrs go on the input, formAttrs on the form,
// outside puts the input after the form (form="f").
function setup({ attrs = "", formAttrs = "", outside, uploaders } = {}) {
  const p = page({ uploaders })
  const ws = joined(p.ls, render(attrs, formAttrs, outside))
  ws.take()
  const input = p.el("#up")
  const diff = (d) => ws.recv([p.ls.views.get("lv:phx-A").joinRef, null, "lv:phx-A", "diff", d])
  // select is the user choosing files: the browser fires input, then change.
  const select = (...files) => {
    const dt = new p.w.DataTransfer()
    for (const f of files) dt.items.add(f)
    input.files = dt.files
    fire(p.w, input, "input")
    fire(p.w, input, "change")
  }
  const submit = () => fire(p.w, p.el("#f"), "submit", { submitter: p.el("#go") }, "SubmitEvent")
  return { ...p, ws, input, diff, select, submit }
}

const CONFIG = { max_file_size: 1000, max_entries: 3, chunk_size: 4, chunk_timeout: 10000 }

// pickTwo picks two files on a multiple input and answers the change (the server lists
// both); it returns their refs.
function pickTwo({ w, ws, select }) {
  const a = file(w, "a")
  const b = file(w, "b")
  select(a, b)
  ws.reply(ws.take("event")[0], { diff: { 0: `${fileRef(a)},${fileRef(b)}` } })
  return [fileRef(a), fileRef(b)]
}

// upload answers the next chunks of the lvu: topic of ref until the file is sent; it returns
// the chunk bodies and the progress payloads, and answers the last progress with lastReply.
async function upload(ws, ref, lastReply = {}) {
  const chunks = []
  const progress = []
  for (;;) {
    await settle()
    const cs = ws.take("chunk")
    assert.equal(cs.length, 1, "one chunk at a time")
    assert.equal(cs[0][2], "lvu:" + ref)
    chunks.push(text(cs[0][4]))
    assert.deepEqual(ws.take("chunk"), [])
    ws.reply(cs[0], {})
    const [pr] = ws.take("progress")
    progress.push(pr[4])
    const last = pr[4].progress == 100
    ws.reply(pr, last ? lastReply : {})
    if (last) return { chunks, progress }
  }
}

test("choosing files sends phx-change with the input's active files as uploads", () => {
  const { w, ws, select, diff } = setup({ attrs: " multiple" })
  const a = file(w, "hello world")
  const b = file(w, "abc", "b.txt", "text/plain")
  select(a, b, file(w, "", "empty.png"))
  const evs = ws.take("event")
  assert.equal(evs.length, 1, "input then change send one event")
  const ra = fileRef(a)
  const rb = fileRef(b)
  assert.equal(+rb, +ra + 1, "refs count up")
  const entry = (f, size) => ({ path: "avatar", ref: fileRef(f), last_modified: MOD, name: f.name, relative_path: "", type: f.type, size })
  assert.deepEqual(evs[0][4], {
    type: "form",
    event: "validate",
    value: "_unused_title=&title=hi",
    meta: { _target: "avatar" },
    uploads: { up: [entry(a, 11), entry(b, 3)] },
  })
  ws.reply(evs[0], { diff: { 0: `${ra},${rb}` } })
  // The server cancelled b; a third file adds to the others.
  diff({ 0: ra })
  const c = file(w, "xyz", "c.png")
  select(c)
  const [ev] = ws.take("event")
  assert.deepEqual(ev[4].uploads, { up: [entry(a, 11), entry(c, 3)] })
})

test("a submit preflights the files, sends them in chunks as binary frames with progress, then submits", async () => {
  const { w, ws, select, submit, el } = setup()
  assert.equal(FakeWS.last.binaryType, "arraybuffer")
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  submit()
  assert.deepEqual(ws.take("event"), [], "the submit waits for the upload")
  assert.ok(el("#f").classList.contains("phx-submit-loading"))
  assert.ok(el("#t").readOnly && el("#go").disabled && el("#up").disabled)
  const [pre] = ws.take("allow_upload")
  assert.equal(pre[2], "lv:phx-A")
  assert.deepEqual(pre[4], { ref: "up", entries: [{ last_modified: MOD, name: "a.png", relative_path: "", size: 11, type: "image/png", ref }] })
  ws.reply(pre, { ref: "up", config: CONFIG, entries: { [ref]: "TOKEN" }, errors: {}, diff: { 2: ref } })
  const [join] = ws.take("phx_join")
  assert.deepEqual([join[0], join[2], join[4]], [join[1], "lvu:" + ref, { token: "TOKEN" }])
  await settle()
  assert.deepEqual(ws.take("chunk"), [], "no chunk before the join's reply")
  ws.reply(join, {})
  await settle()

  // The first chunk's frame, byte by byte: a push, the lengths, the strings, the bytes.
  const [c] = ws.frames.filter((f) => f[3] == "chunk")
  const raw = c.raw
  assert.equal(raw[0], 0, "kind push")
  let at = 5
  const fields = [...raw.slice(1, 5)].map((n) => text(raw.slice(at, (at += n))))
  assert.deepEqual(fields, [join[0], c[1], "lvu:" + ref, "chunk"])
  assert.equal(text(raw.slice(at)), "hell")
  assert.equal(raw.length, at + 4)

  const { chunks, progress } = await upload(ws, ref, { diff: { 1: ref } })
  await settle()
  assert.deepEqual(ws.take("chunk"), [], "nothing after the last chunk")
  assert.deepEqual(chunks, ["hell", "o wo", "rld"])
  assert.deepEqual(progress, [36, 72, 100].map((p) => ({ event: null, ref: "up", entry_ref: ref, progress: p })))
  const [sub] = ws.take("event")
  assert.deepEqual(sub[4], { type: "form", event: "save", value: "title=hi", meta: {} }, "no uploads key")
  ws.reply(sub, {})
  assert.ok(!el("#f").classList.contains("phx-submit-loading"))
  assert.ok(!el("#t").readOnly && !el("#go").disabled && !el("#up").disabled)
})

test("auto-upload starts after the change's reply; progress names phx-progress and the cid", async () => {
  const { w, ws, select, input } = setup({ attrs: ' data-phx-auto-upload phx-progress="prog"', formAttrs: ' phx-target="1"' })
  const f = file(w, "abcdef")
  select(f)
  const ref = fileRef(f)
  const [ch] = ws.take("event")
  assert.equal(ch[4].cid, 1)
  assert.deepEqual(ws.take("allow_upload"), [], "not before the reply")
  ws.reply(ch, { diff: { 0: ref } })
  const [pre] = ws.take("allow_upload")
  assert.deepEqual(pre[4], { ref: "up", entries: [{ last_modified: MOD, name: "a.png", relative_path: "", size: 6, type: "image/png", ref }], cid: 1 })
  ws.reply(pre, { ref: "up", config: { ...CONFIG, chunk_size: 64 }, entries: { [ref]: "T" }, errors: {} })
  ws.reply(ws.take("phx_join")[0], {})
  const { chunks, progress } = await upload(ws, ref)
  assert.deepEqual(chunks, ["abcdef"])
  assert.deepEqual(progress, [{ event: "prog", ref: "up", entry_ref: ref, progress: 100, cid: 1 }])
  assert.deepEqual(activeFiles(input), [], "a finished file is no longer tracked")
})

// autoStart picks a file on an auto-upload input, answers the change (the server lists it)
// and the preflight (a token for it; with preflighted, its diff also marks the entry
// preflighted), and returns the file and its ref.
function autoStart({ w, ws, select }, { preflighted = false } = {}) {
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ref]: "T" }, errors: {}, ...(preflighted && { diff: { 2: ref } }) })
  return { f, ref }
}

test("an error reply to a chunk leaves the channel and pushes the error as progress", async () => {
  const p = setup({ attrs: " data-phx-auto-upload" })
  const { ws, input } = p
  const { ref } = autoStart(p)
  const [join] = ws.take("phx_join")
  ws.reply(join, {})
  await settle()
  const [c] = ws.take("chunk")
  ws.reply(c, { reason: "file_size_limit_exceeded" }, "error")
  const [leave] = ws.take("phx_leave")
  assert.deepEqual([leave[0], leave[2]], [join[0], "lvu:" + ref])
  const [pr] = ws.take("progress")
  assert.deepEqual(pr[4], { event: null, ref: "up", entry_ref: ref, progress: { error: "file_size_limit_exceeded" } })
  await settle()
  assert.deepEqual(ws.take("chunk"), [])
  assert.ok(input.hasAttribute("data-phx-upload-ref"), "an auto-upload input keeps its files")
})

test("a writer_error reply leaves the channel without a progress push: the server reports it", async () => {
  const p = setup({ attrs: " data-phx-auto-upload" })
  const { ws } = p
  autoStart(p)
  ws.reply(ws.take("phx_join")[0], {})
  await settle()
  ws.reply(ws.take("chunk")[0], { reason: "writer_error" }, "error")
  assert.equal(ws.take("phx_leave").length, 1)
  assert.deepEqual(ws.take("progress"), [])
})

test("the upload channel's phx_error ends the upload with a failed progress", async () => {
  const p = setup({ attrs: " data-phx-auto-upload" })
  const { ws, ls } = p
  const { ref } = autoStart(p)
  const [join] = ws.take("phx_join")
  ws.reply(join, {})
  await settle()
  ws.take("chunk")
  ws.recv([join[0], join[0], "lvu:" + ref, "phx_error", {}])
  assert.deepEqual(ws.take("progress")[0][4].progress, { error: "failed" })
  assert.equal(ls.chans.size, 0)
})

test("an error reply to the join pushes the error; a submit's input is cleared", async () => {
  const { w, ws, select, submit, input } = setup()
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  submit()
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ref]: "T" }, errors: {} })
  ws.reply(ws.take("phx_join")[0], { reason: "invalid_token" }, "error")
  const [pr] = ws.take("progress")
  assert.deepEqual(pr[4].progress, { error: "invalid_token" })
  assert.deepEqual(activeFiles(input), [])
  assert.ok(!input.hasAttribute("data-phx-upload-ref"))
  await settle()
  assert.deepEqual(ws.take("chunk"), [])
  assert.deepEqual(ws.take("event"), [], "not submitted")
})

test("submit gating: upload errors cancel the submit, a refused preflight releases the form", () => {
  {
    const { w, ws, select, submit, diff, el } = setup()
    const f = file(w, "big file")
    select(f)
    ws.reply(ws.take("event")[0], { diff: { 0: fileRef(f), 3: fileRef(f) } })
    submit()
    assert.deepEqual(ws.take(), [], "nothing sent with errors")
    assert.ok(!el("#f").classList.contains("phx-submit-loading") && !el("#t").readOnly)
    diff({ 3: "" })
    submit()
    assert.equal(ws.take("allow_upload").length, 1, "sent once the errors are gone")
  }
  {
    const s = setup({ attrs: " multiple" })
    const { ws, submit, el } = s
    const [, b] = pickTwo(s)
    submit()
    const [pre] = ws.take("allow_upload")
    assert.equal(pre[4].entries.length, 2)
    ws.reply(pre, { ref: "up", error: [[b, "too_large"]] })
    assert.deepEqual(ws.take(), [], "no upload, no submit")
    assert.ok(!el("#f").classList.contains("phx-submit-loading") && !el("#t").readOnly)
    submit()
    assert.equal(ws.take("allow_upload").length, 1, "the files await a preflight again")
  }
  {
    // A submit's preflight that leaves an entry out cancels all and does not submit.
    const s = setup({ attrs: " multiple" })
    const { ws, submit, el } = s
    const [a, b] = pickTwo(s)
    submit()
    ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [a]: "T" }, errors: { [b]: ["too_large"] } })
    assert.deepEqual(ws.take(), [])
    assert.ok(!el("#f").classList.contains("phx-submit-loading"))
  }
})

test("an auto-upload's preflight that leaves an entry out cancels only that entry", async () => {
  const s = setup({ attrs: " multiple data-phx-auto-upload" })
  const { ws } = s
  const [a, b] = pickTwo(s)
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [a]: "T" }, errors: { [b]: ["too_large"] } })
  const joins = ws.take("phx_join")
  assert.deepEqual(
    joins.map((j) => j[2]),
    ["lvu:" + a],
  )
})

test("a submit while uploads are in progress waits for them, then is sent", async () => {
  const { w, ws, select, submit, el } = setup({ attrs: " data-phx-auto-upload" })
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ref]: "T" }, errors: {}, diff: { 2: ref } })
  ws.reply(ws.take("phx_join")[0], {})
  submit()
  submit()
  assert.deepEqual(ws.take("event"), [])
  assert.ok(el("#f").classList.contains("phx-submit-loading"))
  await upload(ws, ref, { diff: { 1: ref } })
  const subs = ws.take("event")
  assert.equal(subs.length, 1, "one submit")
  assert.equal(subs[0][4].event, "save")
  assert.ok(el("#f").classList.contains("phx-submit-loading"))
  ws.reply(subs[0], {})
  assert.ok(!el("#f").classList.contains("phx-submit-loading"))
  assert.equal(el("#up").getAttribute("data-phx-done-refs"), ref, "updates held during the wait applied")
})

test("LiveFileUpload: error refs, or preflighted refs emptied, cancel a waiting submit", () => {
  // A waiting submit locks the input, so this is for inputs the hook sees updated meanwhile.
  for (const d of [{ 3: "9" }, { 2: "" }]) {
    const { ls, diff, el } = setup()
    diff({ 2: "9" })
    const v = ls.views.get("lv:phx-A")
    const log = []
    v.subs.set(el("#f"), [() => log.push("released"), () => log.push("sent")])
    diff(d)
    assert.deepEqual(log, ["released"], JSON.stringify(d))
    assert.equal(v.subs.size, 0)
  }
})

test("LiveFileUpload: an entry the server cancelled ends, so its upload completes", async () => {
  const { w, ws, select, diff, ls } = setup({ attrs: " multiple data-phx-auto-upload" })
  const a = file(w, "hello")
  const b = file(w, "world")
  select(a, b)
  const [ra, rb] = [fileRef(a), fileRef(b)]
  ws.reply(ws.take("event")[0], { diff: { 0: `${ra},${rb}` } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ra]: "A", [rb]: "B" }, errors: {}, diff: { 2: `${ra},${rb}` } })
  const joins = ws.take("phx_join")
  ws.reply(joins.find((j) => j[2] == "lvu:" + ra), {})
  const v = ls.views.get("lv:phx-A")
  assert.equal(v.ups.size, 1)
  diff({ 0: ra, 2: ra })
  await upload(ws, ra, { diff: { 1: ra } })
  assert.equal(v.ups.size, 0, "b's entry was cancelled: a's end completes the upload")
})

test("a chunk's reply later than chunk_timeout is ignored", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const { w, ws, select } = setup({ attrs: " data-phx-auto-upload" })
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: { ...CONFIG, chunk_timeout: 5000 }, entries: { [ref]: "T" }, errors: {} })
  ws.reply(ws.take("phx_join")[0], {})
  await settle()
  const [c] = ws.take("chunk")
  t.mock.timers.tick(5000)
  ws.reply(c, {})
  await settle()
  assert.deepEqual(ws.take("progress"), [])
  assert.deepEqual(ws.take("chunk"), [])
})

test("LiveFileUpload: required goes with files, the value attribute is ignored, a server-cancelled entry is dropped", async () => {
  const { w, ws, select, diff, input } = setup({ attrs: " multiple required data-phx-auto-upload" })
  assert.ok(input.hasAttribute("required"), "no files yet")
  const a = file(w, "hello world")
  const b = file(w, "abc")
  select(a, b)
  assert.ok(!input.hasAttribute("required"))
  const [ra, rb] = [fileRef(a), fileRef(b)]
  ws.reply(ws.take("event")[0], { diff: { 0: `${ra},${rb}` } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ra]: "A", [rb]: "B" }, errors: {} })
  assert.equal(ws.take("phx_join").length, 2)
  assert.deepEqual(activeFiles(input), [a, b])
  diff({ 0: ra })
  assert.deepEqual(activeFiles(input), [a], "b was cancelled by the server")
  input.setAttribute("value", "mine")
  diff({ 0: "" })
  assert.equal(input.getAttribute("value"), "mine", "patches leave the value attribute alone")
  assert.equal(input.value, "", "no active refs: the input is cleared")
  assert.deepEqual(activeFiles(input), [])
})

test("Phoenix.LiveImgPreview shows the chosen file and revokes its URL when it goes", () => {
  const { w, ws, select, diff, el } = setup()
  const urls = []
  w.URL.createObjectURL = (f) => (urls.push(f), "blob:x")
  w.URL.revokeObjectURL = (u) => urls.push("revoked " + u)
  const f = file(w, "png")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref, 4: `<img id="phx-preview-${ref}" data-phx-upload-ref="up" data-phx-entry-ref="${ref}" data-phx-hook="Phoenix.LiveImgPreview" data-phx-update="ignore">` } })
  assert.equal(el("#phx-preview-" + ref).getAttribute("src"), "blob:x")
  assert.deepEqual(urls, [f])
  diff({ 4: `<img id="phx-preview-${ref}" data-phx-upload-ref="up" data-phx-entry-ref="${ref}" data-phx-hook="Phoenix.LiveImgPreview" data-phx-update="ignore" class="x">` })
  assert.equal(el("#phx-preview-" + ref).getAttribute("src"), "blob:x", "a patch keeps the preview")
  diff({ 4: "" })
  assert.deepEqual(urls, [f, "revoked blob:x"])
})

test("a drop zone has phx-drop-target-active while files are over it; a drop tracks them on its input", () => {
  const { w, ws, el } = setup({ attrs: " multiple" })
  const zone = el("#zone")
  const drag = (type, target, types = ["Files"], files = []) => {
    const e = new w.Event(type, { bubbles: true, cancelable: true })
    Object.defineProperty(e, "dataTransfer", { value: { types, files } })
    target.dispatchEvent(e)
    return e
  }
  const on = () => zone.classList.contains("phx-drop-target-active")
  drag("dragenter", zone, ["text/plain"])
  assert.ok(!on(), "no files, no class")
  drag("dragenter", zone)
  assert.ok(on())
  drag("dragenter", el("#inner"))
  drag("dragleave", zone)
  assert.ok(on(), "still over the child")
  drag("dragleave", el("#inner"))
  assert.ok(!on())
  drag("dragenter", zone)
  assert.ok(drag("dragover", zone).defaultPrevented)
  const f = file(w, "dropped")
  const e = drag("drop", el("#inner"), ["Files"], [f])
  assert.ok(e.defaultPrevented)
  assert.ok(!on())
  const [ev] = ws.take("event")
  assert.deepEqual(ev[4].meta, { _target: "avatar" })
  assert.deepEqual(ev[4].uploads, { up: [{ path: "avatar", ref: fileRef(f), last_modified: MOD, name: "a.png", relative_path: "", type: "image/png", size: 7 }] })
})

test("the built-in PUT uploader sends each file to meta.url with meta.headers", async () => {
  const got = []
  const srv = http.createServer((req, res) => {
    const body = []
    req.on("data", (c) => body.push(c))
    req.on("end", () => {
      if (req.method == "PUT") got.push({ url: req.url, acl: req.headers["x-amz-acl"], type: req.headers["content-type"], body: Buffer.concat(body).toString() })
      res.writeHead(req.method == "OPTIONS" ? 204 : req.url == "/ok" ? 200 : 500, {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "PUT",
        "access-control-allow-headers": "*",
      })
      res.end()
    })
  })
  await new Promise((r) => srv.listen(0, "127.0.0.1", r))
  try {
    const base = `http://127.0.0.1:${srv.address().port}`
    const { w, ws, select } = setup({ attrs: " multiple data-phx-auto-upload" })
    const a = file(w, "hello world")
    const b = file(w, "nope")
    select(a, b)
    const [ra, rb] = [fileRef(a), fileRef(b)]
    ws.reply(ws.take("event")[0], { diff: { 0: `${ra},${rb}` } })
    ws.reply(ws.take("allow_upload")[0], {
      ref: "up",
      config: CONFIG,
      entries: { [ra]: { uploader: "PUT", url: base + "/ok", headers: { "x-amz-acl": "private" } }, [rb]: { uploader: "PUT", url: base + "/fail" } },
      errors: {},
    })
    const progress = []
    for (let i = 0; i < 200 && progress.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 10))
      for (const f of ws.take("progress")) progress.push(f[4]), ws.reply(f, {})
    }
    progress.sort((x, y) => x.entry_ref - y.entry_ref)
    assert.deepEqual(progress, [
      { event: null, ref: "up", entry_ref: ra, progress: 100 },
      { event: null, ref: "up", entry_ref: rb, progress: { error: "failed" } },
    ])
    assert.deepEqual(ws.take("phx_join"), [], "no upload channel")
    got.sort((x, y) => (x.url < y.url ? -1 : 1))
    assert.deepEqual(got, [
      { url: "/fail", acl: undefined, type: "image/png", body: "nope" },
      { url: "/ok", acl: "private", type: "image/png", body: "hello world" },
    ])
  } finally {
    srv.close()
  }
})

test("PUT reports the XHR's upload progress and aborts when the view's channel errors", () => {
  const xhrs = []
  const { w, ws, select } = setup({ attrs: " data-phx-auto-upload" })
  w.XMLHttpRequest = class {
    constructor() {
      this.upload = {}
      this.headers = {}
      xhrs.push(this)
    }
    open(method, url) {
      this.req = [method, url]
    }
    setRequestHeader(k, v) {
      this.headers[k] = v
    }
    send(body) {
      this.body = body
    }
    abort() {
      this.aborted = true
    }
  }
  const f = file(w, "hello world")
  select(f)
  const ref = fileRef(f)
  ws.reply(ws.take("event")[0], { diff: { 0: ref } })
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ref]: { uploader: "PUT", url: "https://s3.example/k" } }, errors: {} })
  const [x] = xhrs
  assert.deepEqual([x.req, x.body], [["PUT", "https://s3.example/k"], f])
  const prog = (loaded) => x.upload.onprogress({ lengthComputable: true, loaded, total: 11 })
  prog(5)
  prog(5)
  prog(11)
  assert.deepEqual(
    ws.take("progress").map((p) => p[4].progress),
    [45],
    "grown percents only; 100 comes with the answer",
  )
  ws.drop()
  assert.ok(x.aborted)
})

test("uploaders: a user's uploader gets the entries and overrides the built-in one", () => {
  const calls = []
  const uploaders = {
    PUT(entries, onViewError, resp, ls) {
      calls.push({ refs: entries.map((e) => e.ref), meta: entries.map((e) => e.meta), names: entries.map((e) => e.file.name), config: resp.config, ls })
      onViewError(() => calls.push("view error"))
      entries[0].progress(49.9)
      entries[0].progress(20)
      entries[1].error("external_client_failure")
    },
  }
  const { w, ws, select, ls } = setup({ attrs: " multiple data-phx-auto-upload", uploaders })
  const a = file(w, "a1", "one.png")
  const b = file(w, "b1", "two.png")
  select(a, b)
  const [ra, rb] = [fileRef(a), fileRef(b)]
  ws.reply(ws.take("event")[0], { diff: { 0: `${ra},${rb}` } })
  const meta = { uploader: "PUT", url: "u" }
  ws.reply(ws.take("allow_upload")[0], { ref: "up", config: CONFIG, entries: { [ra]: meta, [rb]: meta }, errors: {} })
  assert.deepEqual(calls, [{ refs: [ra, rb], meta: [meta, meta], names: ["one.png", "two.png"], config: CONFIG, ls }])
  assert.deepEqual(
    ws.take("progress").map((p) => [p[4].entry_ref, p[4].progress]),
    [
      [ra, 49],
      [rb, { error: "external_client_failure" }],
    ],
  )
  ws.drop()
  assert.equal(calls[1], "view error")
})

test("a rejoin clears tracked files before recovering the form; an upload under way ends", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const p = setup({ attrs: " data-phx-auto-upload" })
  const { ws, input, ls } = p
  const { f } = autoStart(p, { preflighted: true })
  ws.reply(ws.take("phx_join")[0], {})
  await settle()
  assert.equal(ws.take("chunk").length, 1)
  ws.drop()
  assert.equal(ls.chans.size, 0, "the upload channel ended with the socket")
  t.mock.timers.tick(200)
  const ws2 = FakeWS.last
  ws2.open()
  const [join] = ws2.take("phx_join")
  assert.deepEqual(activeFiles(input), [f], "tracked until the join's reply")
  ws2.reply(join, { rendered: render("", "", false) })
  const [rec] = ws2.take("event")
  assert.deepEqual(activeFiles(input), [], "cleared before the recovery")
  assert.deepEqual(rec[4].uploads, {})
  assert.ok(!input.hasAttribute("data-phx-upload-ref"), "the input waits for the join render")
  ws2.reply(rec, {})
  assert.equal(input.getAttribute("data-phx-upload-ref"), "up")
  await settle()
  assert.deepEqual(
    ws2.take().filter((f) => f[3] != "heartbeat"),
    [],
    "nothing more of the upload",
  )
})

test("a view that crashes and rejoins cancels its upload, whose channel the server closed", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] })
  const p = setup({ attrs: " data-phx-auto-upload" })
  const { ws, ls, input } = p
  const { ref } = autoStart(p, { preflighted: true })
  const [join] = ws.take("phx_join")
  ws.reply(join, {})
  await settle()
  const [c] = ws.take("chunk")
  const v = ls.views.get("lv:phx-A")
  ws.recv([v.joinRef, v.joinRef, "lv:phx-A", "phx_error", {}])
  ws.recv([join[0], join[0], "lvu:" + ref, "phx_close", {}])
  ws.reply(c, {})
  await settle()
  assert.deepEqual(ws.take("chunk"), [], "no chunk on a closed channel")
  t.mock.timers.tick(1000)
  const [rejoin] = ws.take("phx_join")
  assert.equal(rejoin[2], "lv:phx-A")
  assert.equal(v.ups.size, 1)
  ws.reply(rejoin, { rendered: render("", "", false) })
  ws.reply(ws.take("event")[0], {})
  assert.equal(v.ups.size, 0, "the entry was cancelled")
  assert.deepEqual(activeFiles(input), [])
})

test("the socket sends an ArrayBuffer payload as a binary push frame", () => {
  const { ls } = page()
  ls.connect()
  const ws = FakeWS.last
  ws.open()
  ws.take()
  const sent = []
  ws.send = (d) => sent.push(d)
  ls.socket.push("12", "lvu:7", "chunk", new Uint8Array([1, 2, 255]).buffer, null, "345")
  assert.ok(sent[0] instanceof ArrayBuffer)
  assert.deepEqual([...new Uint8Array(sent[0])], [0, 2, 3, 5, 5, ...Buffer.from("12345lvu:7chunk"), 1, 2, 255])
})

test("a hook's upload(name, files) and uploadTo(target, name, files) choose files for an upload input", () => {
  let hook
  const p = page({ hooks: { Paste: { mounted() { hook = this } } } })
  const input = '<input id="up" type="file" name="avatar" multiple data-phx-hook="Phoenix.LiveFileUpload" data-phx-upload-ref="up" data-phx-active-refs="" data-phx-done-refs="" data-phx-preflighted-refs="">'
  const ws = joined(p.ls, { s: [`<div id="paste" phx-hook="Paste"></div><form id="f" phx-change="validate">${input}</form>`] })
  ws.take()
  hook.upload("avatar", [file(p.w, "pasted", "clip.png")])
  const [ev] = ws.take("event")
  assert.deepEqual(ev[4].uploads.up.map((e) => [e.name, e.size]), [["clip.png", 6]])
  ws.reply(ev, {})
  hook.uploadTo("#f", "avatar", [file(p.w, "more", "b.png")])
  const [ev2] = ws.take("event")
  // clip.png is gone: the server's active refs (static here) do not list it.
  assert.deepEqual(ev2[4].uploads.up.map((e) => e.name), ["b.png"])
  ws.reply(ev2, {})
  // A name no input has, or a component that is not on the page: nothing is sent.
  const errors = []
  const log = console.error
  console.error = (m) => errors.push(m)
  try {
    hook.upload("nope", [file(p.w, "x")])
    hook.uploadTo(7, "avatar", [file(p.w, "x")])
  } finally {
    console.error = log
  }
  assert.deepEqual(ws.take("event"), [])
  assert.equal(errors.length, 2, "each mistake is reported")
})
