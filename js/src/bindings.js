// DOM bindings: one delegated listener per event type turns phx-* attributes into events on the
// owning view (docs/protocol.md: Event payload, Event values, Forms), with phx-debounce and
// phx-throttle.

import { serialize, values } from "./form.js"
import { exec, classes } from "./js.js"
import { bindDrops } from "./upload.js"

const CHECKABLE = /^(checkbox|radio)$/

// clickValue is the value of a click-like event: phx-value-* plus the element's value.
export function clickValue(el) {
  const v = values(el)
  if (el.value !== undefined && el.tagName != "FORM" && !(CHECKABLE.test(el.type) && !el.checked)) v.value = el.value
  return v
}

const timers = new WeakMap()

// rate runs fn for el's event key now, or later per phx-debounce (ms) / phx-throttle (ms).
// A throttled change event also fires once at the end of the window, so the last value wins.
export function rate(el, key, fn) {
  const deb = el.getAttribute("phx-debounce")
  const thr = el.getAttribute("phx-throttle")
  const st = timers.get(el) || {}
  timers.set(el, st)
  if (deb && +deb >= 0) {
    const s = st[key]
    if (s) clearTimeout(s.t)
    st[key] = { fn, t: setTimeout(() => (delete st[key], fn()), +deb) }
  } else if (thr && +thr >= 0) {
    const s = st[key]
    if (s) return key == "change" && (s.fn = fn)
    fn()
    const t = { fn: null }
    const tick = () => {
      if (!t.fn) return delete st[key]
      const f = t.fn
      t.fn = null
      f()
      t.t = setTimeout(tick, +thr)
    }
    t.t = setTimeout(tick, +thr)
    st[key] = t
  } else fn()
}

// flush runs el's pending debounced events now (before a submit, or on blur).
export function flush(el) {
  const st = timers.get(el)
  if (!st) return
  for (const key in st) {
    const s = st[key]
    if (s.fn && el.hasAttribute("phx-debounce")) {
      clearTimeout(s.t)
      delete st[key]
      s.fn()
    }
  }
}

// bind installs the listeners for live socket ls on its window and document.
export function bind(ls) {
  const { w, d } = ls
  const used = (ls.used = new WeakSet())
  const on = (t, type, fn, c) => t.addEventListener(type, fn, c)
  // run execs a binding's value on el: its JS commands, or a push of the event it names.
  // A push command's value adds to base, the event's own value.
  const run = (el, v, type, value, base, opts = {}) =>
    exec(ls, el, type, value, (a) => v.pushUser(opts.kind || type, el, a.event, typeof base == "string" ? base : { ...base, ...a.value }, { ...opts, ...a, kind: opts.kind }))
  const all = (attr, fn) => {
    for (const el of d.querySelectorAll(`[${attr}]`)) {
      const v = ls.viewOf(el)
      v && fn(el, v, el.getAttribute(attr))
    }
  }
  const closest = (e, attr) => {
    const el = e.target && e.target.closest && e.target.closest(`[${attr}]`)
    const v = el && ls.viewOf(el)
    return v && [el, v, el.getAttribute(attr)]
  }

  on(d, "click", (e) => {
    const t = e.target
    const a = t.closest && t.closest("a[data-phx-link]")
    const main = ls.main()
    if (a && main && main.joinRef && !(e.metaKey || e.ctrlKey || e.shiftKey || e.button)) {
      e.preventDefault()
      const kind = a.getAttribute("data-phx-link-state") || "push"
      if (a.getAttribute("data-phx-link") == "patch") main.livePatch(a.href, kind)
      else main.navigate(a.href, kind)
    }
    const c = closest(e, "phx-click")
    if (c) {
      const [el, v, ev] = c
      if (el.tagName == "A" && el.getAttribute("href") == "#") e.preventDefault()
      rate(el, "click", () => run(el, v, "click", ev, clickValue(el)))
    }
    all("phx-click-away", (el, v, ev) => el.contains(t) || run(el, v, "click", ev, clickValue(el)))
  })

  const key = (type) => (e) => {
    if (!e.key) return
    const match = (el) => {
      const k = el.getAttribute("phx-key")
      return !k || k.toLowerCase() == e.key.toLowerCase()
    }
    const send = (el, v, ev) => match(el) && rate(el, type, () => run(el, v, type, ev, { key: e.key, ...clickValue(el) }))
    const c = closest(e, "phx-" + type)
    if (c) send(...c)
    all("phx-window-" + type, send)
  }
  on(w, "keydown", key("keydown"))
  on(w, "keyup", key("keyup"))

  const focus = (type) => (e) => {
    if (e.target == w || e.target == d) return all("phx-window-" + type, (el, v, ev) => run(el, v, type, ev, values(el)))
    if (type == "focus") used.add(e.target)
    else flush(e.target)
    const c = closest(e, "phx-" + type)
    if (c) run(c[0], c[1], type, c[2], clickValue(c[0]))
  }
  on(d, "focusin", focus("focus"))
  on(d, "focusout", focus("blur"))
  on(w, "focus", (e) => e.target == w && focus("focus")(e))
  on(w, "blur", (e) => e.target == w && focus("blur")(e))

  const change = (e) => {
    const input = e.target
    const form = input.form
    const own = input.getAttribute && input.getAttribute("phx-change")
    const ev = own || (form && form.getAttribute("phx-change"))
    const v = ev && ls.viewOf(input)
    if (!v) return
    used.add(input)
    const sig = CHECKABLE.test(input.type) ? input.checked : input.value
    const blur = input.getAttribute("phx-debounce") == "blur"
    if (blur ? e.type == "input" : e.type == "change" && input.__glintSent === sig) return
    input.__glintSent = sig
    const target = own ? input : form
    rate(input, "change", () =>
      run(input, v, "change", ev, serialize(form, { only: own && input, used }), {
        meta: { ...(form ? values(form) : {}), _target: input.name || "undefined" },
        els: form ? [input, form] : [input],
        from: target,
        kind: "form",
        lock: "change",
      }),
    )
  }
  on(d, "input", change)
  on(d, "change", change)

  on(d, "submit", (e) => {
    const form = e.target
    const ev = form.getAttribute("phx-submit")
    const v = ev && ls.viewOf(form)
    if (!v) return
    e.preventDefault()
    for (const el of form.elements) {
      flush(el)
      used.add(el)
    }
    // The push serializes the form (after any uploads) and disables its controls.
    const btns = [...form.querySelectorAll("[phx-disable-with]")]
    run(form, v, "submit", ev, "", { meta: values(form), els: [form, ...btns], kind: "form", lock: "submit", submitter: e.submitter })
  })
  bindDrops(ls, on, classes)

  on(w, "popstate", () => {
    const main = ls.main()
    const href = w.location.href
    if (!main || !main.joinRef || href.split("#")[0] == main.href.split("#")[0]) return
    main.livePatch(href)
  })
  // phx-viewport-top / -bottom: scrolling up until an element's first child reaches the
  // top of the viewport, or down until its last child reaches the bottom, sends the
  // event with the child's id, at most once per 500 ms.
  let y = w.scrollY
  on(d, "scroll", (e) => {
    const up = w.scrollY < y
    y = w.scrollY
    for (const [attr, pick, at] of [
      ["phx-viewport-top", "firstElementChild", (r) => up && r.top >= 0],
      ["phx-viewport-bottom", "lastElementChild", (r) => !up && r.bottom <= w.innerHeight],
    ])
      all(attr, (el, v, ev) => {
        const c = el[pick]
        if (c && at(c.getBoundingClientRect()) && !(el.__glintVp > Date.now() - 500)) (el.__glintVp = Date.now()), run(el, v, null, ev, { id: c.id }, { els: [] })
      })
  }, true)
  const wake = () => ls.socket.reconnectNow()
  on(d, "visibilitychange", () => d.visibilityState == "visible" && wake())
  on(w, "online", wake)
}
