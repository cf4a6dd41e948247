// Form serialization for phx-change and phx-submit (docs/protocol.md, Event values):
// url-encoded values with `+` for spaces, file inputs left out, the submitter included, and
// `_unused_` keys for controls the user has not touched yet.

const FIELD = /^(INPUT|SELECT|TEXTAREA|BUTTON)$/
const BUTTON = /^(submit|button|reset|image)$/

// values returns an element's phx-value-* attributes as an object.
export function values(el) {
  const v = {}
  for (const a of el.attributes) if (a.name.startsWith("phx-value-")) v[a.name.slice(10)] = a.value
  return v
}

// serialize encodes form (or just opts.only) as application/x-www-form-urlencoded.
// opts: submitter, only (one input), skipOwn (leave out inputs with their own phx-change),
// used (a WeakSet of touched inputs; when given, each value of a name whose inputs are all
// untouched, and not all hidden, is preceded by its _unused_ key, as the official client
// writes them).
export function serialize(form, opts = {}) {
  const p = new URLSearchParams()
  const unused = {}
  const { used, only } = opts
  if (used) {
    const hidden = {}
    for (const el of form ? form.elements : [only]) {
      const n = el.name
      if (!n) continue
      unused[n] = (unused[n] ?? true) && !used.has(el)
      hidden[n] = (hidden[n] ?? true) && el.type == "hidden"
    }
    for (const n in hidden) if (hidden[n]) unused[n] = false
  }
  for (const el of only ? [only] : form.elements) {
    const { name, type } = el
    if (!name || !FIELD.test(el.tagName) || type == "file") continue
    if (opts.skipOwn && el.hasAttribute("phx-change")) continue
    // The submitter counts even once the submit has disabled it.
    if (BUTTON.test(type)) {
      if (el == opts.submitter) p.append(name, el.value)
      continue
    }
    if (el.disabled) continue
    if ((type == "checkbox" || type == "radio") && !el.checked) continue
    for (const v of type == "select-multiple" ? [...el.selectedOptions].map((o) => o.value) : [el.value]) {
      if (unused[name]) p.append(unusedName(name), "")
      p.append(name, v)
    }
  }
  return p.toString()
}

// unusedName is the key that says name is untouched: _unused_ before its last part, and
// before the brackets of a list ("tags[]" → "_unused_tags[]", "u[tags][]" → "u[_unused_tags][]").
export function unusedName(name) {
  const list = name.endsWith("[]")
  const base = list ? name.slice(0, -2) : name
  return base.replace(/([^[\]]+)(\]?)$/, "_unused_$1$2") + (list ? "[]" : "")
}
