// JS commands: a binding's value may be a JSON list of commands instead of an event name
// (phx-click='[["push",{"event":"inc"}],["toggle",{"to":"#menu"}]]'), the official client's
// command set. What a command does to an element (classes, attributes, display) is sticky:
// it is applied again after every patch of that element, as the official client does.

const TIME = 200
const stack = []
// win is el's window: the commands use its globals, so that they run in any window.
const win = (el) => el.ownerDocument.defaultView
const raf = (el, f) => win(el).requestAnimationFrame(f)

// sticky runs op on el now and after each patch of el, under name (one op per name).
export const sticky = (el, name, op) => {
  op(el)
  ;(el.__glintOps ||= new Map()).set(name, op)
}

// reapply runs el's sticky ops after a patch changed it.
export const reapply = (el) => el.__glintOps && el.__glintOps.forEach((op) => op(el))

const visible = (el) => win(el).getComputedStyle(el).display != "none"

const names = (v) => (Array.isArray(v) ? v : (v || "").split(" ")).filter((s) => s)

// classes records adds and removes on el's sticky class sets and applies them.
export function classes(el, adds, rms) {
  const st = (el.__glintCls ||= [new Set(), new Set()])
  for (const c of adds) st[1].delete(c), st[0].add(c)
  for (const c of rms) st[0].delete(c), st[1].add(c)
  sticky(el, "c", (e) => (e.classList.remove(...st[1]), e.classList.add(...st[0])))
}

// transition runs a [run, start, end] transition on el for time ms, then done; the end
// classes stay unless drop.
function transition(el, t, time = TIME, done = () => {}, drop) {
  const [run, start, end] = (t || [[], [], []]).map(names)
  if (!run.length) return done()
  classes(el, start, [...run, ...end])
  raf(el, () => {
    classes(el, run, [])
    raf(el, () => classes(el, end, start))
  })
  setTimeout(() => (classes(el, [], [...run, ...start, ...(drop ? end : [])]), done()), time)
}

function attrs(el, sets, rms) {
  const st = (el.__glintAttr ||= [new Map(), new Set()])
  for (const [k, v] of sets) st[1].delete(k), st[0].set(k, v)
  for (const k of rms) st[0].delete(k), st[1].add(k)
  sticky(el, "a", (e) => {
    st[1].forEach((k) => e.removeAttribute(k))
    st[0].forEach((v, k) => e.setAttribute(k, v))
  })
}

function toggle(el, show, a, type) {
  if (show == visible(el) || (show && type == "remove")) return
  const d = show ? a.display || ({ TR: "table-row", TD: "table-cell" }[el.tagName] || "block") : "none"
  const ev = (s) => el.dispatchEvent(new (win(el).Event)(`phx:${show ? "show" : "hide"}-${s}`))
  ev("start")
  if (show) sticky(el, "d", (e) => (e.style.display = d))
  transition(el, show ? a.ins || a.transition : a.outs || a.transition, a.time, () => {
    if (!show) sticky(el, "d", (e) => (e.style.display = d))
    ev("end")
  }, 1)
}

const FOCUSABLE = "a[href],button:not([disabled]),input:not([disabled]):not([type=hidden]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex='-1'])"
const focus = (el) => el && (el.focus(), raf(el, () => el.focus()))

// ops are the commands by name; each gets a target element, the command's args and the
// context {ls, el (the source), type (the binding), push (how the binding pushes)}.
const ops = {
  push: (t, a, c) => c.push(a),
  show: (t, a, c) => toggle(t, true, a, c.type),
  hide: (t, a, c) => toggle(t, false, a, c.type),
  toggle: (t, a, c) => toggle(t, !visible(t), a, c.type),
  add_class: (t, a) => transition(t, a.transition, a.time, () => classes(t, names(a.names), [])),
  remove_class: (t, a) => transition(t, a.transition, a.time, () => classes(t, [], names(a.names))),
  toggle_class: (t, a) => {
    const n = names(a.names)
    transition(t, a.transition, a.time, () => classes(t, n.filter((c) => !t.classList.contains(c)), n.filter((c) => t.classList.contains(c))))
  },
  set_attr: (t, { attr: [k, v] }) => attrs(t, [[k, v]], []),
  remove_attr: (t, { attr }) => attrs(t, [], [attr]),
  toggle_attr: (t, { attr: [k, v1, v2] }) =>
    !t.hasAttribute(k) ? attrs(t, [[k, v1]], []) : v2 === undefined ? attrs(t, [], [k]) : attrs(t, [[k, t.getAttribute(k) == v1 ? v2 : v1]], []),
  transition: (t, a) => transition(t, a.transition, a.time),
  dispatch: (t, a, c) => t.dispatchEvent(new (win(t).CustomEvent)(a.event, { bubbles: a.bubbles !== false, detail: { ...a.detail, dispatcher: c.el } })),
  exec: (t, a, c) => exec(c.ls, t, c.type, t.getAttribute(a.attr), c.push),
  focus: (t) => focus(t),
  focus_first: (t) => focus(t.querySelector(FOCUSABLE)),
  push_focus: (t) => stack.push(t),
  pop_focus: () => focus(stack.pop()),
  navigate: (t, a, c) => c.ls.navigate(a.href, a.replace),
  patch: (t, a, c) => c.ls.patch(a.href, a.replace),
}

// targets resolves a command's "to": a selector, {closest: sel}, {inner: sel}, or the source.
function targets(ls, el, to) {
  if (!to) return [el]
  if (typeof to == "string") return ls.d.querySelectorAll(to)
  if (to.closest) return [el.closest(to.closest)].filter((e) => e)
  return el.querySelectorAll(to.inner)
}

// exec runs the commands of value (a JSON list, or an event name: a push of it) for the
// binding type on el. push(args) sends the binding's event with a push command's args.
export function exec(ls, el, type, value, push) {
  if (value == null) return
  let cmds = [["push", { event: value }]]
  if (value[0] == "[") {
    try {
      cmds = JSON.parse(value)
    } catch (e) {
      return console.error("glint: bad JS commands", value, e)
    }
  }
  for (const [kind, args = {}] of cmds) {
    const op = ops[kind]
    if (!op) console.error(`glint: unknown JS command "${kind}"`)
    else for (const t of kind == "push" ? [el] : targets(ls, el, args.to)) op(t, args, { ls, el, type, push: push || (() => {}) })
  }
}

// removeTime is how long el's phx-remove commands need before el may go.
export function removeTime(value) {
  try {
    return Math.max(0, ...JSON.parse(value).map(([, a = {}]) => (a.transition || a.outs ? (a.time ?? TIME) : 0)))
  } catch {
    return 0
  }
}
