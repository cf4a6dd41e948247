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
// used (a WeakSet of touched inputs; when given, untouched ones add _unused_ keys).
export function serialize(form, opts = {}) {
  const p = new URLSearchParams()
  const unused = []
  for (const el of opts.only ? [opts.only] : form.elements) {
    const { name, type } = el
    if (!name || !FIELD.test(el.tagName) || el.disabled || type == "file") continue
    if (opts.skipOwn && el.hasAttribute("phx-change")) continue
    if (BUTTON.test(type)) {
      if (el == opts.submitter) p.append(name, el.value)
      continue
    }
    if (opts.used && type != "hidden" && !opts.used.has(el)) unused.push(name)
    if ((type == "checkbox" || type == "radio") && !el.checked) continue
    if (type == "select-multiple") {
      for (const o of el.options) o.selected && p.append(name, o.value)
    } else p.append(name, el.value)
  }
  for (const name of new Set(unused)) {
    const u = unusedName(name)
    if (u != name) p.append(u, "")
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
