// Rendered holds one view's rendered tree and implements the merge and toString rules of
// docs/protocol.md, How the client merges. It mirrors diff/'s Go client model: both run the
// golden files in diff/testdata/merge.

const isObj = (v) => v !== null && typeof v == "object" && !Array.isArray(v)
const clone = (v) => JSON.parse(JSON.stringify(v))

// merge applies diff d to tree t and returns the resulting tree (d itself when it carries
// statics, which makes it a replacement).
const merge = (t, d) => (d.s !== undefined ? d : (mergeInto(t, d), t))

function mergeInto(t, d) {
  if (d.k) return mergeKeyed(t, d)
  for (const key in d) {
    const v = d[key]
    if (isObj(v) && v.s === undefined && isObj(t[key])) mergeInto(t[key], v)
    else t[key] = v
  }
}

// mergeKeyed applies a comprehension diff (docs/protocol.md, Comprehensions): moves read the
// entries as they were before this diff, indices from kc up are dropped, then kc is stored.
function mergeKeyed(t, d) {
  const K = d.k
  const T = (t.k ||= { kc: 0 })
  const old = K.km && clone(T)
  for (const i in K) {
    if (i == "kc" || i == "km") continue
    const e = K[i]
    if (Array.isArray(e)) mergeInto((T[i] = old[e[0]]), e[1])
    else if (typeof e == "number") T[i] = old[e]
    else if (isObj(e)) mergeInto((T[i] ||= {}), e)
  }
  for (let i = K.kc; i < T.kc; i++) delete T[i]
  T.kc = K.kc
  if (d.p) t.p = d.p
  if (d.stream) t.stream = d.stream
}

// cloneMerge merges d over a copy of t, leaving t untouched (components: step 3 of
// docs/protocol.md, How the client merges).
function cloneMerge(t, d) {
  if (d.k) {
    const m = clone(t)
    mergeKeyed(m, d)
    return m
  }
  const m = { ...t, ...d }
  for (const key in m) {
    const v = d[key]
    const o = t[key]
    if (isObj(v) && v.s === undefined && isObj(o)) m[key] = cloneMerge(o, v)
    else if (v === undefined && isObj(o)) m[key] = cloneMerge(o, {})
  }
  return m
}

const ROOT_TAG = /^(\s*(?:<!--.*?-->\s*)*)<([^\s/>]+)/

export class Rendered {
  constructor() {
    this.tree = { c: {} }
  }

  // apply merges one diff (or a join's rendered) and returns its top-level extras.
  apply(diff) {
    const { r, e, t, c } = diff
    delete diff.r
    delete diff.e
    delete diff.t
    delete diff.c
    const oldc = this.tree.c || {}
    this.tree = merge(this.tree, diff)
    this.tree.c = oldc
    if (c) {
      const cache = {}
      const find = (cid) => {
        if (cache[cid]) return cache[cid]
        const cd = c[cid]
        const s = cd.s
        let n
        if (typeof s == "number") {
          const src = s > 0 ? find(s) : oldc[-s]
          n = cloneMerge(src, cd)
          n.s = src.s
        } else n = s !== undefined || !oldc[cid] ? cd : cloneMerge(oldc[cid], cd)
        return (cache[cid] = n)
      }
      for (const cid in c) c[cid] = find(cid)
      Object.assign(oldc, c)
    }
    return { reply: r, events: e || [], title: t, cids: c ? Object.keys(c) : [] }
  }

  // toString renders the whole view. It records the cids it rendered in this.seen, and in
  // this.streams the operations of the streams it rendered, whose entries it then forgets
  // (the DOM holds them), unless peek.
  toString(peek) {
    this.seen = new Set()
    this.streams = []
    this.peek = peek
    return this.node(this.tree, null)
  }

  node(n, P) {
    if (n.k) return this.comprehension(n, P)
    if (n.p) {
      P = n.p
      delete n.p
    }
    const S = (n.s = typeof n.s == "number" ? P[n.s] : n.s)
    return this.fill(S, n, P)
  }

  fill(S, n, P) {
    let out = S[0]
    for (let i = 1; i < S.length; i++) out += this.dyn(n[i - 1], P) + S[i]
    return out
  }

  dyn(v, P) {
    if (typeof v == "number") return this.component(v)
    return isObj(v) ? this.node(v, P) : v
  }

  component(cid) {
    const n = this.tree.c[cid]
    if (!n) throw new Error("glint: no component " + cid)
    this.seen.add(String(cid))
    const html = this.node(n, null)
    return n.r ? html.replace(ROOT_TAG, `$1<$2 data-phx-component="${cid}"`) : html
  }

  comprehension(n, P) {
    const TP = P || n.p
    const S = (n.s = typeof n.s == "number" ? P[n.s] : n.s)
    delete n.p
    let out = ""
    for (let i = 0; i < n.k.kc; i++) out += this.fill(S, n.k[i], TP)
    if (n.stream && !this.peek) {
      this.streams.push(n.stream)
      n.k = { kc: 0 }
      delete n.stream
    }
    return out
  }

  // drop forgets destroyed components.
  drop(cids) {
    for (const cid of cids) delete this.tree.c[cid]
  }
}
