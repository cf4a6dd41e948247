// View is one live view container: its channel membership (join, rejoin, navigation), its
// rendered tree, DOM patching with morphdom, element locks while events are in flight,
// hooks and component cleanup.

import morphdom from "morphdom"
import { Rendered } from "./rendered.js"
import { serialize, values } from "./form.js"
import { exec, reapply, removeTime } from "./js.js"
import { hooks as builtin, Uploader, awaiting, awaitingInputs, clearFiles, describe, hasErrors, inProgress, isUpload, serializeUploads, trackFiles, activeFiles, uploadInputs } from "./upload.js"

const STATES = ["phx-connected", "phx-loading", "phx-error", "phx-client-error", "phx-server-error"]
const SESSION = "data-phx-session"
const REF = "data-phx-ref"
const REJOIN_MS = [1000, 2000, 5000, 10000]
const EVENT_TIMEOUT = 30000
const MAX_QUEUE = 500
const NOT_TEXT = /^(checkbox|radio|button|submit|reset|image|file|hidden)$/

// editable reports whether el is a control whose value the user is editing ("input wins").
const editable = (el) =>
  el.tagName == "TEXTAREA" || el.tagName == "SELECT" || (el.tagName == "INPUT" && !NOT_TEXT.test(el.type))

// keepValue makes the incoming element carry the focused control's current value, so the
// patch merges every attribute (the value attribute too, as the official client does) but
// leaves the live value, caret and selection alone.
function keepValue(from, to) {
  if (from.tagName == "SELECT") {
    const a = [...from.options]
    const b = [...to.options]
    if (a.length == b.length && a.every((o, i) => o.value == b[i].value)) {
      b.forEach((o, i) => (a[i].selected ? o.setAttribute("selected", "") : o.removeAttribute("selected")))
    }
    return
  }
  to.value = from.value
}

// live reports whether a control's live value (or checked state) differs from what the
// incoming element says: a re-render then resets what the user changed.
const differs = (a, b) => a.value != b.value || a.checked != b.checked

// hookName is the hook an element names (the server's upload markup uses data-phx-hook).
const hookName = (el) => el.getAttribute("data-phx-hook") || el.getAttribute("phx-hook")

// call runs a user hook callback; a throwing hook is logged and never breaks patching.
function call(hook, name, ...args) {
  try {
    hook[name] && hook[name](...args)
  } catch (e) {
    console.error(`glint: hook ${hook.__name}.${name}`, e)
  }
}

export class View {
  constructor(ls, el) {
    this.ls = ls
    this.el = el
    this.id = el.id
    this.topic = "lv:" + el.id
    this.mounts = 0
    this.attempts = 0
    this.tries = 0
    this.joinRef = null
    this.rendered = null
    this.queue = null
    this.redirect = false
    this.hooks = new Map()
    this.lockSeq = 0
    this.held = false
    this.dying = new Set()
    this.inflight = new Map()
    this.subs = new Map()
    this.ups = new Set()
    this.errs = []
    this.href = ls.w.location.href
    this.parent = el.getAttribute("data-phx-parent-id")
  }

  get main() {
    return this.el.hasAttribute("data-phx-main")
  }

  get sticky() {
    return this.el.hasAttribute("data-phx-sticky")
  }

  // owns reports whether el belongs to this view rather than to a view nested in it.
  owns(el) {
    return el.closest(`[${SESSION}]`) == this.el
  }

  // destroy ends a nested view whose container left the page (or whose parent
  // navigated): it leaves the topic, and its container's session is cleared so that a
  // container rendered again under the same id joins afresh.
  destroy() {
    const { ls } = this
    clearTimeout(this.timer)
    if (this.joinRef) ls.socket.push(this.joinRef, this.topic, "phx_leave", {})
    this.forget()
    this.stopUploads()
    this.joinRef = null
    this.queue = null
    this.gone = true
    ls.views.delete(this.topic)
    if (this.el.isConnected) this.el.setAttribute(SESSION, "")
    for (const h of this.hooks.values()) call(h, "destroyed")
    this.hooks.clear()
  }

  setState(...on) {
    for (const c of STATES) this.el.classList.toggle(c, on.includes(c))
  }

  // execAll runs the JS commands of attr (phx-connected, phx-disconnected) of every
  // element this view owns.
  execAll(attr) {
    for (const el of this.el.querySelectorAll(`[${attr}]`)) this.owns(el) && this.exec(el, attr)
  }

  // exec runs el's JS commands of attr; a push sends an event with no type, as the
  // official client does for lifecycle bindings.
  exec(el, attr) {
    exec(this.ls, el, null, el.getAttribute(attr), (a) => this.pushUser(null, el, a.event, { ...values(el), ...a.value }, { ...a, els: [] }))
  }

  // load starts a page load of kind for the main view, unless one is under way.
  load(kind) {
    if (this.main && !this.stopLoad) this.stopLoad = this.ls.loading(kind, this.href)
  }

  loaded() {
    this.stopLoad && this.stopLoad()
    this.stopLoad = null
  }

  // join sends phx_join (docs/protocol.md, Join payload). Diffs pushed until the join is
  // rendered are queued.
  join() {
    const { ls, el } = this
    const w = ls.w
    clearTimeout(this.timer)
    this.forget()
    const ref = (this.joinRef = ls.socket.nextRef())
    this.queue = []
    this.load(this.redirect ? "redirect" : "initial")
    this.setState("phx-loading")
    const params = { ...ls.params, _mounts: this.mounts, _mount_attempts: this.attempts }
    if (this.referer) params._live_referer = this.referer
    const p = {
      params,
      session: el.getAttribute(SESSION),
      static: el.getAttribute("data-phx-static") || null,
      flash: this.flash,
      sticky: this.sticky,
    }
    // A nested or sticky view has no URL of its own.
    if (!this.parent && !this.sticky) p[this.redirect ? "redirect" : "url"] = this.href = w.location.href
    this.flash = undefined
    ls.socket.push(ref, this.topic, "phx_join", p, (r) => this.onJoinReply(ref, r), ref)
    this.timer = setTimeout(() => this.joinRef == ref && this.queue && this.onJoinReply(ref, { status: "error", response: { reason: "timeout" } }), 10000)
  }

  onJoinReply(ref, { status, response: r = {} }) {
    if (ref != this.joinRef) return
    clearTimeout(this.timer)
    if (status == "ok") return this.onJoined(r)
    const { ls } = this
    this.ready && (this.ready(), (this.ready = null))
    if (r.reason == "disconnected") return
    this.setState("phx-loading", "phx-error", "phx-server-error")
    this.attempts++
    this.joinRef = null
    if (["stale", "unauthorized", "reload"].includes(r.reason)) return ls.go(ls.w.location.href)
    if (r.redirect) return ls.redirect(r.redirect)
    if (r.live_redirect) return this.navigate(r.live_redirect.to, r.live_redirect.kind, r.live_redirect.flash)
    ls.reloadWithJitter()
  }

  // onJoined applies a successful join. On a rejoin, forms are recovered first
  // (docs/protocol.md, Forms) and the join render is applied once their replies have been
  // merged.
  onJoined(resp) {
    const { ls } = this
    const rendered = new Rendered()
    const extras = [rendered.apply(resp.rendered || { s: [""] })]
    const rejoin = this.mounts > 0
    this.mounts++
    this.attempts = 0
    ls.resetFailures()
    for (const el of this.el.querySelectorAll(`[${REF}]`)) this.owns(el) && this.unlock(el)
    const finish = () => {
      this.rendered = rendered
      this.setState("phx-connected")
      clearTimeout(this.dtimer)
      this.joining = 1
      for (const x of extras) this.render(x)
      this.joining = 0
      this.execAll("phx-connected")
      this.loaded()
      this.ready && (this.ready(), (this.ready = null))
      this.tries = 0
      if (resp.live_patch) this.pushHistory(resp.live_patch.kind, resp.live_patch.to)
      const q = this.queue
      this.queue = null
      for (const d of q) this.update(d)
      if (rejoin) for (const h of this.hooks.values()) call(h, "reconnected")
    }
    const forms = rejoin ? this.recoverable(rendered) : []
    let n = forms.length
    if (!n) return finish()
    for (const f of forms) {
      this.send(f, (reply) => {
        const d = reply.status == "ok" && reply.response && reply.response.diff
        if (d) extras.push(rendered.apply(d))
        if (--n == 0) finish()
      })
    }
  }

  // recoverable builds one form-recovery event per form that has an id and phx-change and
  // still exists with the same phx-change in the new render.
  recoverable(rendered) {
    const tpl = this.ls.d.createElement("template")
    tpl.innerHTML = rendered.toString(1)
    const out = []
    for (const form of this.el.querySelectorAll("form[id][phx-change]")) {
      if (!this.owns(form)) continue
      const change = form.getAttribute("phx-change")
      const auto = form.getAttribute("phx-auto-recover")
      const next = [...tpl.content.querySelectorAll("form[id]")].find((f) => f.id == form.id)
      if (auto == "ignore" || !next || next.getAttribute("phx-change") != change) continue
      // Tracked files have no valid refs in the new membership.
      for (const i of uploadInputs(form)) clearFiles(i)
      const first = [...form.elements].find((e) => e.name && e.type != "hidden" && !e.hasAttribute("phx-change"))
      const p = {
        type: "form",
        event: auto || change,
        value: serialize(form, { skipOwn: true }),
        meta: { ...values(form), _target: first ? first.name : "undefined" },
        uploads: {},
        cid: this.ls.cid(form),
      }
      out.push(p)
    }
    return out
  }

  // send pushes an event (or another event name's payload: allow_upload, progress). A reply that has not come within 30 s means the page is out of
  // step with the server: reload with jitter (docs/protocol.md, Reload with jitter).
  send(payload, cb, event = "event") {
    const { ls, inflight } = this
    const ref = ls.socket.nextRef()
    inflight.set(ref, setTimeout(() => ls.reloadWithJitter(), EVENT_TIMEOUT))
    ls.socket.push(this.joinRef, this.topic, event, payload, (r) => this.settle(ref) && cb && cb(r), ref)
    return ref
  }

  // forget drops every in-flight event of the current membership.
  forget() {
    for (const ref of [...this.inflight.keys()]) this.settle(ref, true)
  }

  // settle forgets an in-flight event; with forget it also drops its reply callback.
  settle(ref, forget) {
    clearTimeout(this.inflight.get(ref))
    if (forget) this.ls.socket.replies.delete(ref)
    return this.inflight.delete(ref)
  }

  // update merges a diff and patches the DOM; it returns the diff's top-level extras.
  update(diff) {
    if (this.queue || !this.rendered) {
      // A join that is slow to answer must not hoard diffs: past the cap, start over with
      // a rejoin, whose full render makes them moot.
      if (this.queue && this.queue.push(diff) > MAX_QUEUE) this.crashed()
      return {}
    }
    const x = this.rendered.apply(diff)
    this.render(x)
    return x
  }

  render({ events = [], title } = {}) {
    if (typeof title == "string") this.title(title)
    for (const e of events) e[2] && this.dispatch(e)
    this.held = false
    this.patch(this.rendered.toString())
    for (const e of events) e[2] || this.dispatch(e)
    this.cleanup()
  }

  // title sets the document title within the <title> element's data-prefix and
  // data-suffix; an empty one shows data-default, if any.
  title(t) {
    const d = this.ls.d
    const el = d.querySelector("title")
    const { prefix = "", suffix = "", default: def } = el ? el.dataset : {}
    if (!t.trim() && def == null && el) return
    d.title = el ? prefix + (t.trim() ? t : def) + suffix : t
  }

  dispatch([name, payload]) {
    const w = this.ls.w
    w.dispatchEvent(new w.CustomEvent("phx:" + name, { detail: payload }))
    for (const h of this.hooks.values()) for (const [n, cb] of h.__ev) n == name && call({ cb, __name: h.__name }, "cb", payload)
  }

  // patch morphs the container's children into html (docs/protocol.md, How the client merges).
  patch(html) {
    const { ls } = this
    const d = ls.d
    if (this.wait) return (this.wait.html = html)
    const tpl = d.createElement("template")
    tpl.innerHTML = html
    // Nested views new to the page join first: the page shows them joined, as the
    // official client does (at most 5 s later).
    const fresh = [...tpl.content.querySelectorAll(`[data-phx-parent-id="${this.id}"]`)].filter(
      (el) => el.id && el.getAttribute(SESSION) && !d.getElementById(el.id) && !ls.views.has("lv:" + el.id),
    )
    if (fresh.length && ls.socket.isConnected()) {
      const w = (this.wait = { html, n: fresh.length })
      const go = () => this.wait == w && ((this.wait = null), this.patch(w.html))
      setTimeout(go, 5000)
      for (const el of fresh) {
        const v = new View(ls, el)
        v.detached = 1
        v.ready = () => --w.n || go()
        ls.views.set(v.topic, v)
        v.join()
      }
      return
    }
    const to = this.el.cloneNode(false)
    to.appendChild(tpl.content)
    for (const c of to.querySelectorAll(`[${SESSION}]`)) {
      const v = ls.views.get("lv:" + c.id)
      if (v && v.detached) c.replaceWith(v.el), (v.detached = 0)
    }
    const focused = d.activeElement
    const { selectionStart: a, selectionEnd: b } = focused || {}
    const updated = new Set()
    const sub = this.submitted
    const streams = this.rendered.streams || []
    const opts = {
      onBeforeElUpdated: (from, next) => {
        // A nested or sticky view's container: its content is that view's; only its
        // attributes follow the parent, and its session only once it was destroyed.
        if (from.hasAttribute(SESSION)) {
          const keep = from.getAttribute(SESSION)
          for (const { name, value } of next.attributes) name != "data-phx-static" && from.setAttribute(name, value)
          if (keep) from.setAttribute(SESSION, keep)
          return false
        }
        // data-phx-update is what the server's upload previews carry.
        if ((from.getAttribute("phx-update") || from.getAttribute("data-phx-update")) == "ignore") return false
        if (next.getAttribute("phx-update") == "stream") return this.stream(from, next, streams, opts), false
        if (from.hasAttribute(REF)) {
          if (!(from.tagName == "FORM" && from.classList.contains("phx-submit-loading"))) return (this.held = true), false
          next.setAttribute(REF, from.getAttribute(REF))
          for (const c of from.classList) /^phx-.*-loading$/.test(c) && next.classList.add(c)
        }
        // The user's typing wins in the focused control, unless the server changed its
        // value in its answer to the form's submit.
        if (from == focused && editable(from) && !from.hasAttribute("phx-patch-focused") && !(sub && sub.contains(from) && (from.getAttribute("value") != next.getAttribute("value") || from.textContent != next.textContent))) keepValue(from, next)
        // An upload input keeps its value attribute.
        const ig = from.__glintIgnore
        if (ig) from.hasAttribute(ig) ? next.setAttribute(ig, from.getAttribute(ig)) : next.removeAttribute(ig)
        if (from.isEqualNode(next) && !differs(from, next)) return false
        const h = this.hooks.get(from)
        h && call(h, "beforeUpdate")
        return true
      },
      onElUpdated: (el) => {
        reapply(el)
        this.hooks.has(el) && updated.add(el)
      },
      onBeforeNodeDiscarded: (el) => {
        const r = el.getAttribute && el.getAttribute("phx-remove")
        if (!r || el.__glintGone) return true
        el.__glintGone = 1
        exec(this.ls, el, "remove", r)
        setTimeout(() => el.remove(), removeTime(r))
        return false
      },
    }
    morphdom(this.el, to, { ...opts, childrenOnly: true })
    // A keyed move can take the focus away from the control the user is typing in.
    if (focused && focused != d.activeElement && focused.isConnected) {
      focused.focus()
      a != null && focused.setSelectionRange && focused.setSelectionRange(a, b)
    }
    this.syncHooks(updated)
    for (const el of this.el.querySelectorAll("[phx-mounted]")) if (!el.__glintMounted && this.owns(el)) (el.__glintMounted = 1), this.exec(el, "phx-mounted")
    if (this.ls.views.size > 1 || html.includes(SESSION)) this.ls.nest()
  }

  // stream patches a phx-update="stream" container: next holds only the items inserted
  // since the last render, placed by the streams' operations; the container keeps the
  // others. The first render after a join drops what it does not insert again.
  stream(from, next, streams, opts) {
    const kids = [...next.children]
    const where = {}
    for (const { name, value } of next.attributes) from.setAttribute(name, value)
    for (const [ref, ins, dels, reset] of streams) {
      // Sets and a map by id keep a join of thousands of items linear.
      const ids = new Set(ins.map((i) => i[0]))
      if (from.__glintRef != ref && !kids.some((k) => ids.has(k.id))) continue
      from.__glintRef = ref
      const gone = new Set(dels)
      for (const c of [...from.children]) if (gone.has(c.id) || ((reset || this.joining) && !ids.has(c.id))) c.remove()
      for (const i of ins) where[i[0]] = i
    }
    const byId = new Map([...from.children].map((c) => [c.id, c]))
    for (const k of kids) {
      const [, at = -1, limit, only] = where[k.id] || []
      const old = byId.get(k.id)
      if (old && old.parentNode == from) morphdom(old, k, opts)
      else if (!only) {
        const c = from.children
        from.insertBefore(k, at < 0 ? null : c[at] || null)
        byId.set(k.id, k)
        while (limit && c.length > Math.abs(limit)) (limit > 0 ? from.lastElementChild : from.firstElementChild).remove()
      }
    }
  }

  syncHooks(updated) {
    for (const [el, h] of this.hooks) {
      if (!this.el.contains(el) || hookName(el) != h.__name) {
        this.hooks.delete(el)
        call(h, "destroyed")
      } else if (updated.has(el)) call(h, "updated")
    }
    for (const el of this.el.querySelectorAll("[phx-hook],[data-phx-hook]")) if (!this.hooks.has(el) && this.owns(el)) this.mountHook(el)
  }

  mountHook(el) {
    const name = hookName(el)
    const def = builtin[name] || this.ls.hooks[name]
    if (!def) return console.error(`glint: unknown hook "${name}"`)
    const h = Object.create(def)
    Object.assign(h, {
      el,
      liveSocket: this.ls,
      __name: name,
      __ev: [],
      pushEvent: (event, payload, cb) => this.pushHook(null, event, payload, cb),
      pushEventTo: (target, event, payload, cb) => this.pushHook(target, event, payload, cb),
      upload: (name, files) => this.hookUpload(null, name, files),
      uploadTo: (target, name, files) => this.hookUpload(target, name, files),
      handleEvent: (n, cb) => (h.__ev.push([n, cb]), [n, cb]),
      removeHandleEvent: (ref) => (h.__ev = h.__ev.filter((e) => e[0] != ref[0] || e[1] != ref[1])),
    })
    this.hooks.set(el, h)
    call(h, "mounted")
  }

  // hookUpload is a hook's upload(name, files) or uploadTo(target, name, files): the files
  // go to the upload input named name in the view, or in the component target names (a cid
  // or a selector), as if the user had chosen them.
  hookUpload(target, name, files) {
    const cid = target == null ? undefined : this.ls.cid(null, typeof target == "number" ? String(target) : target)
    const root = cid === undefined ? this.el : this.el.querySelector(`[data-phx-component="${cid}"]`)
    const inputs = root ? [...root.querySelectorAll("input[type=file][data-phx-upload-ref]")].filter((i) => i.name == name) : []
    if (inputs.length != 1) return console.error(`glint: ${inputs.length} upload inputs named "${name}"`)
    trackFiles(inputs[0], [...files])
    inputs[0].dispatchEvent(new this.ls.w.Event("input", { bubbles: true }))
  }

  // pushHook sends a hook event; the reply's r (or null) goes to cb and resolves the promise.
  pushHook(target, event, payload = {}, cb) {
    return new Promise((resolve) => {
      const p = { type: "hook", event, value: payload }
      if (target != null) {
        const cid = typeof target == "number" ? target : this.ls.cid(null, target)
        if (cid !== undefined) p.cid = cid
      }
      const ref = this.send(p, (reply) => {
        const x = this.onReply(reply)
        const r = x.reply === undefined ? null : x.reply
        cb && call({ cb, __name: "pushEvent" }, "cb", r, ref)
        resolve(r)
      })
    })
  }

  // pushUser sends a DOM event. els (and those matching opts.loading) get the loading class
  // and stay locked until the reply. opts: meta, els, from (the element whose phx-target
  // counts, el by default), target (a push command's cid or selector), lock (the loading
  // class's event name, type by default), page_loading, submitter.
  //
  // A change event carries the files of its upload input, and uploads them after the reply
  // when the input has data-phx-auto-upload. A submit (lock "submit": el is the form, whose
  // controls are disabled until the reply) is held back as the official client does: not
  // sent while an upload input has errors, sent once uploads in progress end, sent after
  // uploading the files that were not yet preflighted.
  pushUser(type, el, event, value, opts = {}) {
    const { ls } = this
    const form = opts.lock == "submit" && el
    const cid = ls.cid(opts.from || el, opts.target)
    if (form && hasErrors(form)) return this.cancelSubmit(form)
    const later = form && inProgress(form)
    const pre = form && !later && awaitingInputs(form).length
    // A form waits for one submit at a time, and is not submitted again while submitting.
    if (later ? this.subs.has(form) : form && !pre && form.hasAttribute(REF) && form.classList.contains("phx-submit-loading")) return
    const lock = String(++this.lockSeq)
    // A submit locks the form's inputs and buttons; the form only shows it is loading.
    const ctl = form ? [...form.elements].filter((e) => /^(INPUT|TEXTAREA|BUTTON)$/.test(e.tagName)) : []
    const els = [...new Set([...(opts.els || [el]), ...ctl, ...(opts.loading ? ls.d.querySelectorAll(opts.loading) : [])])]
    const cls = `phx-${opts.lock || type}-loading`
    const done = opts.page_loading && ls.loading("element", el)
    for (const e of ctl) {
      if (e.hasAttribute("data-phx-was")) continue
      e.setAttribute("data-phx-was", (e.readOnly ? "r" : "") + (e.disabled ? "d" : ""))
      if (/^(submit|button|reset|image|file)$/.test(e.type)) e.disabled = true
      else e.readOnly = true
    }
    for (const e of els) {
      e.setAttribute(REF, lock)
      e.classList.add(cls)
      const dw = e.getAttribute("phx-disable-with")
      if (dw != null && !e.hasAttribute("data-phx-restore")) {
        e.setAttribute("data-phx-restore", e.textContent)
        e.textContent = dw
      }
    }
    // release unlocks what this event locked, applies the reply (or the updates held back),
    // then runs what waited for the unlock.
    const release = (apply = () => this.onReply({})) => {
      const freed = els.filter((e) => e.getAttribute(REF) == lock)
      const waiting = freed.flatMap((e) => e.__glintU || [])
      for (const e of freed) this.unlock(e, cls)
      apply()
      done && done()
      waiting.forEach((f) => f())
    }
    const push = () => {
      // An undefined cid or meta is left out of the frame.
      const p = { type, event, value: form ? serialize(form, { submitter: opts.submitter }) : value, cid, meta: opts.meta }
      if (opts.lock == "change") {
        if (isUpload(el) && el.files && el.files.length) trackFiles(el, [...el.files])
        p.uploads = serializeUploads(el)
      }
      this.send(p, (reply) =>
        release(() => {
          this.submitted = form
          this.onReply(reply)
          this.submitted = null
          // Auto-upload starts once the input is unlocked and has the reply's attributes.
          if (reply.status == "ok" && opts.lock == "change" && isUpload(el) && el.form && el.hasAttribute("data-phx-auto-upload")) {
            const l = el.closest(`[${REF}]`)
            const go = () => awaiting(el).length && this.uploadFiles(el.form, null, () => this.triggerSubmit(el.form))
            l ? (l.__glintU ||= []).push(go) : go()
          }
        }),
      )
    }
    if (later) this.subs.set(form, [release, () => this.pushUser(type, el, event, value, opts)])
    else if (pre) this.uploadFiles(form, release, () => (awaitingInputs(form).length ? release() : push()))
    else push()
  }

  // cancelSubmit drops form's submit waiting for uploads; triggerSubmit sends it again.
  cancelSubmit(form) {
    const s = this.subs.get(form)
    s && this.subs.delete(form) && s[0]()
    return s
  }

  triggerSubmit(form) {
    const s = this.cancelSubmit(form)
    s && s[1]()
  }

  // uploadFiles preflights the awaiting files of form's upload inputs with allow_upload and
  // uploads the entries the server accepts; onComplete runs when every input is done. An
  // input whose preflight the server refuses releases the submit (release).
  uploadFiles(form, release, onComplete) {
    const inputs = uploadInputs(form).filter((i) => activeFiles(i).length)
    let n = inputs.length
    for (const input of inputs) {
      const up = new Uploader(input, this, () => (this.ups.delete(up), --n || onComplete()))
      const entries = up.entries.map((e) => describe(e.file))
      if (!entries.length) {
        n--
        continue
      }
      this.ups.add(up)
      const p = { ref: input.getAttribute("data-phx-upload-ref"), entries, cid: this.ls.cid(form) }
      const errs = this.errs
      this.send(p, (reply) => {
        this.onReply(reply)
        const r = reply.response || {}
        if (reply.status != "ok") return this.ups.delete(up)
        // Entries the server left out failed: an auto-upload cancels them, a submit all.
        const fail = (ref) => up.entries.forEach((e) => (!up.auto || e.ref == ref) && e.cancel())
        for (const e of up.entries) r.entries && !r.entries[e.ref] && fail(e.ref)
        if (r.error || !Object.keys(r.entries || {}).length) {
          release && release()
          for (const [ref] of r.error || []) fail(String(ref))
          this.ups.delete(up)
        } else up.start(r, (cb) => errs == this.errs && errs.push(cb), this.ls)
      }, "allow_upload")
    }
  }

  // pushFileProgress reports an entry's progress (a percent or {error}); cb runs on its ok.
  pushFileProgress(input, ref, progress, cb) {
    const p = { event: input.getAttribute("phx-progress"), ref: input.getAttribute("data-phx-upload-ref"), entry_ref: ref, progress, cid: this.ls.cid(input.form) }
    this.send(p, (reply) => (this.onReply(reply), reply.status == "ok" && cb && cb()), "progress")
  }

  // stopUploads cancels the uploads of a view that ends or navigates.
  stopUploads() {
    for (const up of this.ups) up.cancel()
    this.ups.clear()
  }

  unlock(el, cls) {
    el.removeAttribute(REF)
    el.__glintU = null
    for (const c of [...el.classList]) if (cls ? c == cls : /^phx-.*-loading$/.test(c)) el.classList.remove(c)
    const t = el.getAttribute("data-phx-restore")
    if (t != null) {
      el.textContent = t
      el.removeAttribute("data-phx-restore")
    }
    for (const e of [el, ...el.querySelectorAll("[data-phx-was]")]) {
      const was = e.getAttribute("data-phx-was")
      if (was == null) continue
      e.removeAttribute("data-phx-was")
      e.readOnly = was.includes("r")
      e.disabled = was.includes("d")
    }
  }

  // onReply applies an event reply (docs/protocol.md, Event replies) and returns the extras of
  // its diff.
  onReply({ status, response: r = {} }) {
    let x = {}
    if (status == "ok") {
      if (r.diff) x = this.update(r.diff)
      if (r.redirect) this.ls.redirect(r.redirect)
      if (r.live_redirect) this.navigate(r.live_redirect.to, r.live_redirect.kind, r.live_redirect.flash)
      if (r.live_patch) this.pushHistory(r.live_patch.kind, r.live_patch.to)
    }
    if (this.held && this.rendered && !this.queue) this.render()
    return x
  }

  // onMessage handles a server push on this view's topic (docs/protocol.md, Server pushes and
  // Reserved events).
  onMessage(event, p) {
    const { ls } = this
    if (event == "diff") this.update(p)
    else if (event == "redirect") ls.redirect(p)
    else if (event == "live_redirect") this.navigate(p.to, p.kind, p.flash)
    else if (event == "live_patch") this.pushHistory(p.kind, p.to)
    else if (event == "phx_close") this.joinRef = null
    else if (event == "phx_error") this.crashed()
  }

  // crashed rejoins with backoff after the channel died or a message could not be applied:
  // the join's full render rebuilds the tree from the server's state.
  crashed() {
    this.disconnected("phx-server-error")
    this.joinRef = null
    this.timer = setTimeout(() => this.ls.socket.isConnected() && this.join(), REJOIN_MS[Math.min(this.tries++, 3)])
  }

  disconnected(cls = "phx-client-error") {
    this.forget()
    // External uploaders asked to hear of the view's channel error.
    const errs = this.errs
    this.errs = []
    errs.forEach((cb) => cb())
    if (!this.joinRef && !this.queue) return
    this.joinRef = null
    this.queue = null
    this.load("error")
    this.setState("phx-loading", "phx-error", cls)
    for (const h of this.hooks.values()) call(h, "disconnected")
    clearTimeout(this.dtimer)
    this.dtimer = setTimeout(() => this.execAll("phx-disconnected"), 500)
  }

  pushHistory(kind, to) {
    const w = this.ls.w
    const url = new URL(to, w.location.href).href
    w.history[kind == "replace" ? "replaceState" : "pushState"]({ glint: this.id }, "", url)
    this.href = url
  }

  // livePatch asks the server to handle a new URL within this view; another view's URL makes
  // it navigate instead.
  livePatch(href, kind) {
    if (kind) this.pushHistory(kind, href)
    this.href = href
    const done = this.ls.loading("patch", href)
    this.ls.socket.push(this.joinRef, this.topic, "live_patch", { url: href }, (reply) => {
      done()
      if (reply.status == "ok" && reply.response && reply.response.link_redirect) this.navigate(href)
      else this.onReply(reply)
    })
  }

  // navigate live-navigates the main view: leave, then rejoin the same topic with redirect.
  navigate(to, kind, flash) {
    const { ls } = this
    const main = ls.main()
    if (!this.main) return main ? main.navigate(to, kind, flash) : ls.go(to)
    // The page's nested views end with it; sticky ones (and views nested in them) stay.
    for (const v of [...ls.views.values()]) v.parent && this.el.contains(v.el) && !v.el.parentElement.closest("[data-phx-sticky]") && v.destroy()
    const href = new URL(to, ls.w.location.href).href
    this.stopUploads()
    if (this.joinRef) ls.socket.push(this.joinRef, this.topic, "phx_leave", {})
    this.referer = this.href
    if (kind) this.pushHistory(kind, href)
    this.redirect = true
    this.flash = flash
    this.mounts = 0
    this.join()
  }

  // cleanup announces components that are no longer rendered (docs/protocol.md, Component cleanup).
  cleanup() {
    const c = this.rendered.tree.c
    const gone = Object.keys(c).filter((cid) => !this.rendered.seen.has(cid) && !this.dying.has(cid))
    if (!gone.length) return
    const cids = gone.map(Number)
    gone.forEach((cid) => this.dying.add(cid))
    const { socket } = this.ls
    const done = () => gone.forEach((cid) => this.dying.delete(cid))
    socket.push(this.joinRef, this.topic, "cids_will_destroy", { cids }, (r) => {
      const still = cids.filter((cid) => !this.rendered.seen.has(String(cid)))
      if (r.status != "ok" || !still.length) return done()
      socket.push(this.joinRef, this.topic, "cids_destroyed", { cids: still }, (r) => {
        done()
        if (r.status == "ok" && r.response && r.response.cids) this.rendered.drop(r.response.cids)
      })
    })
  }
}
