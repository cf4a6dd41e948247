// Uploads, as LiveView 1.2 does them (docs/protocol.md, Uploads). A file input rendered with
// data-phx-upload-ref tracks the files chosen or dropped on it; its form's phx-change carries
// them as "uploads"; allow_upload (the preflight) gets a token per entry, or an external
// uploader's metadata; each token's file then goes in chunks, as binary frames, on its own
// lvu:⟨entry ref⟩ channel, and progress is pushed on the view. The input's data-phx-*-refs
// attributes are the server's view of its entries.

const UREF = "data-phx-upload-ref"
const ACTIVE = "data-phx-active-refs"
const PRE = "data-phx-preflighted-refs"
const ERRS = "data-phx-error-refs"
let seq = 0

// fileRef is a file's entry ref: a counter, fixed the first time it is asked for.
export const fileRef = (f) => (f.__glintRef ??= String(seq++))

const refs = (el, a) => (el.getAttribute(a) || "").split(",")

// activeFiles are input's tracked files that are new or that the server still lists.
export const activeFiles = (input) =>
  (input.__glintFiles || []).filter((f) => f.size > 0 && (f.__glintRef === undefined || refs(input, ACTIVE).includes(f.__glintRef)))

// awaiting are input's active files neither preflighted nor in a preflight.
export const awaiting = (input) => activeFiles(input).filter((f) => !f.__glintPre && !refs(input, PRE).includes(fileRef(f)))

export const isUpload = (el) => el.type == "file" && el.hasAttribute(UREF)

export const uploadInputs = (form) => [...form.elements].filter(isUpload)

// inProgress: some input of form has preflighted entries that are not done; hasErrors: some
// input has entries in error.
export const inProgress = (form) => uploadInputs(form).some((i) => i.getAttribute(PRE) !== i.getAttribute("data-phx-done-refs"))
export const hasErrors = (form) => uploadInputs(form).some((i) => i.getAttribute(ERRS))
export const awaitingInputs = (form) => uploadInputs(form).filter((i) => awaiting(i).length)

// describe is a file's entry in a preflight.
export const describe = (f) => ({ last_modified: f.lastModified, name: f.name, relative_path: f.webkitRelativePath, size: f.size, type: f.type, ref: fileRef(f) })

// serializeUploads is the "uploads" of a change event of input: its active files by upload ref.
export function serializeUploads(input) {
  const out = {}
  for (const f of activeFiles(input)) (out[input.getAttribute(UREF)] ||= []).push({ path: input.name, ...describe(f), name: f.name || fileRef(f) })
  return out
}

// trackFiles adds files to a multiple input's tracked files (and clears its value), or makes
// them a single input's files (a drop's dataTransfer also becomes the input's files).
export function trackFiles(input, files, dt) {
  if (input.multiple) {
    const cur = activeFiles(input)
    input.__glintFiles = (input.__glintFiles || []).concat(files.filter((f) => !cur.includes(f)))
    input.value = input.__glintSent = ""
  } else {
    if (dt && dt.files.length) input.files = dt.files
    input.__glintFiles = files
  }
}

export function clearFiles(input) {
  input.value = null
  input.removeAttribute(UREF)
  input.__glintFiles = []
}

const untrack = (input, file) => (input.__glintFiles = (input.__glintFiles || []).filter((f) => f != file))

// Entry is one file of a preflight, the object external uploaders get: file, meta (the
// server's metadata for it), progress(percent), error(reason) and cancel().
class Entry {
  constructor(fileEl, file, view, auto) {
    Object.assign(this, { ref: fileRef(file), fileEl, file, view, auto, meta: null, sent: -1, onDone: () => {} })
    ;(fileEl.__glintUp ||= new Set()).add(this)
    file.__glintPre = true
  }

  // progress pushes percent when it grew; at 100 the file is done and no longer tracked.
  progress(pct) {
    pct = Math.min(100, Math.floor(pct))
    if (pct <= this.sent) return
    const last = (this.sent = pct) == 100
    this.done ||= last
    this.view.pushFileProgress(this.fileEl, this.ref, pct, last && (() => (untrack(this.fileEl, this.file), this.finish())))
  }

  cancel() {
    this.file.__glintPre = false
    this.cancelled = this.done = true
    this.finish()
  }

  error(reason = "failed") {
    this.fileEl.__glintUp.delete(this)
    this.view.pushFileProgress(this.fileEl, this.ref, { error: reason })
    this.auto || clearFiles(this.fileEl)
  }

  finish() {
    this.fileEl.__glintUp.delete(this)
    this.onDone()
  }

  // updated runs after a patch of the input: an entry the server no longer lists was cancelled.
  updated() {
    refs(this.fileEl, ACTIVE).includes(this.ref) || (untrack(this.fileEl, this.file), this.cancel())
  }
}

// Uploader is one input's preflight: its entries, and onComplete once all are done.
export class Uploader {
  constructor(input, view, onComplete) {
    this.auto = input.hasAttribute("data-phx-auto-upload")
    this.entries = awaiting(input).map((f) => new Entry(input, f, view, this.auto))
    this.n = this.entries.length
    this.onComplete = onComplete
  }

  cancel() {
    for (const e of this.entries) e.done || e.cancel()
  }

  // start hands the entries the preflight reply resp accepted to their uploaders: the
  // channel uploader for a token, ls.uploaders[meta.uploader] for external metadata.
  start(resp, onViewError, ls) {
    const left = () => --this.n || this.onComplete()
    const groups = {}
    for (const e of this.entries) {
      if (e.cancelled) left()
      else {
        e.onDone = left
        e.meta = resp.entries[e.ref]
        if (e.meta) (groups[e.meta.uploader || ""] ||= []).push(e)
      }
    }
    for (const name in groups) {
      const up = name ? ls.uploaders[name] : (es) => es.forEach((e) => new Chunks(e, resp.config, ls).upload())
      up ? up(groups[name], onViewError, resp, ls) : console.error(`glint: no uploader "${name}"`)
    }
  }
}

// Chunks sends an entry's file on its lvu: channel, chunk_size bytes a frame, each after the
// previous one's reply.
class Chunks {
  constructor(entry, { chunk_size, chunk_timeout }, ls) {
    Object.assign(this, { entry, size: chunk_size, wait: chunk_timeout, ls, off: 0, topic: "lvu:" + entry.ref })
  }

  upload() {
    const { ls, topic } = this
    const ref = (this.joinRef = ls.socket.nextRef())
    ls.chans.set(topic, this)
    ls.socket.push(ref, topic, "phx_join", { token: this.entry.meta }, (r) => (r.status == "ok" ? this.next() : this.crashed(r.response.reason)), ref)
  }

  next() {
    const { entry, ls } = this
    const { file } = entry
    file.slice(this.off, this.off + this.size).arrayBuffer().then((buf) => {
      this.off += buf.byteLength
      if (!this.joinRef) return
      // A reply later than chunk_timeout is ignored, as the official client ignores it.
      const ref = ls.socket.nextRef()
      const t = this.wait && setTimeout(() => ls.socket.replies.delete(ref), this.wait)
      ls.socket.push(this.joinRef, this.topic, "chunk", buf, (r) => {
        clearTimeout(t)
        if (r.status != "ok") return this.crashed(r.response.reason)
        entry.progress((this.off / file.size) * 100)
        this.off < file.size && this.next()
      }, ref)
    }, (e) => console.error("glint: cannot read", file, e))
  }

  onMessage(event, p) {
    if (event == "phx_error") this.crashed(p && p.reason)
    if (event == "phx_close") this.leave()
  }

  // crashed ends the upload: a join or chunk error, the channel's error, the socket's loss.
  // A writer_error is the server's own to report.
  crashed(reason) {
    if (this.failed) return
    this.failed = 1
    const { entry } = this
    entry.view.cancelSubmit(entry.fileEl.form)
    this.leave(1)
    reason == "writer_error" || entry.error(reason)
  }

  leave(push) {
    const { ls } = this
    push && this.joinRef && ls.socket.push(this.joinRef, this.topic, "phx_leave", {})
    this.joinRef = null
    ls.chans.delete(this.topic)
  }
}

// PUT is the built-in external uploader "PUT": each entry's file is sent with an
// XMLHttpRequest PUT to meta.url with meta.headers; a 2xx answer is success.
export function PUT(entries, onViewError, resp, ls) {
  for (const e of entries) {
    const x = new ls.w.XMLHttpRequest()
    const { url, headers = {} } = e.meta
    onViewError(() => x.abort())
    x.open("PUT", url, true)
    for (const k in headers) x.setRequestHeader(k, headers[k])
    x.onload = () => (x.status >= 200 && x.status < 300 ? e.progress(100) : e.error())
    x.onerror = () => e.error()
    x.upload.onprogress = (p) => p.lengthComputable && p.loaded < p.total && e.progress((p.loaded / p.total) * 100)
    x.send(e.file)
  }
}

// hooks are the built-in hooks the server's upload markup names.
export const hooks = {
  "Phoenix.LiveFileUpload": {
    mounted() {
      const el = this.el
      el.__glintIgnore = "value"
      this.pre = el.getAttribute(PRE)
      this.errs = el.getAttribute(ERRS) || ""
      el.addEventListener("input", () => this.required())
      this.required()
    },
    updated() {
      const el = this.el
      const v = this.liveSocket.viewOf(el)
      const pre = el.getAttribute(PRE)
      const errs = el.getAttribute(ERRS) || ""
      if (errs != this.errs && (this.errs = errs)) v.cancelSubmit(el.form)
      if (pre !== this.pre && (this.pre = pre) === "") v.cancelSubmit(el.form)
      if (el.getAttribute(ACTIVE) === "") el.value = ""
      this.required()
      for (const e of el.__glintUp || []) e.updated()
    },
    // required drops the required attribute once there are files.
    required() {
      const el = this.el
      if ((el.files && el.files.length) || activeFiles(el).length || el.getAttribute(ACTIVE) !== "" || el.getAttribute(ERRS)) el.removeAttribute("required")
    },
  },
  "Phoenix.LiveImgPreview": {
    mounted() {
      const el = this.el
      const input = el.ownerDocument.getElementById(el.getAttribute(UREF))
      const f = input && activeFiles(input).find((f) => fileRef(f) == el.getAttribute("data-phx-entry-ref"))
      if (f) el.src = this.url = this.liveSocket.w.URL.createObjectURL(f)
    },
    destroyed() {
      this.url && this.liveSocket.w.URL.revokeObjectURL(this.url)
    },
  },
}

// bindDrops makes every [phx-drop-target] element a drop zone for the input it names: it
// has phx-drop-target-active while files are dragged over it, and dropped files are tracked
// on the input, which then sees an input event.
export function bindDrops(ls, on, classes) {
  const { w, d } = ls
  const depth = new WeakMap()
  const CLS = ["phx-drop-target-active"]
  const zone = (e) => e.target.closest && e.target.closest("[phx-drop-target]")
  on(d, "dragover", (e) => e.preventDefault())
  on(d, "dragenter", (e) => {
    const z = zone(e)
    const t = e.dataTransfer
    if (!z || !t || ![...(t.types || [])].includes("Files")) return
    const n = (depth.get(z) || 0) + 1
    depth.set(z, n)
    n == 1 && classes(z, CLS, [])
  })
  on(d, "dragleave", (e) => {
    const z = zone(e)
    const n = z && depth.get(z)
    if (n > 1) depth.set(z, n - 1)
    else if (n) depth.delete(z), classes(z, [], CLS)
  })
  on(d, "drop", (e) => {
    e.preventDefault()
    const z = zone(e)
    if (!z) return
    depth.delete(z)
    classes(z, [], CLS)
    const dt = e.dataTransfer
    const input = d.getElementById(z.getAttribute("phx-drop-target"))
    const files = [...((dt && dt.files) || [])]
    if (!input || input.type != "file" || input.disabled || !files.length) return
    trackFiles(input, files, dt)
    input.dispatchEvent(new w.Event("input", { bubbles: true }))
  })
}
