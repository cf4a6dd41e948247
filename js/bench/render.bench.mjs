// Micro-benchmarks of the client's hot path: merging a one-row diff into a 1000-row list
// and rendering it, and the same followed by the morphdom patch in happy-dom.
// Usage: node js/bench/render.bench.mjs   (prints the median of 7 runs per case)
import { Window } from "happy-dom"
import { Rendered } from "../src/rendered.js"
import { View } from "../src/view.js"

const ROWS = 1000
const join = () => {
  const k = { kc: ROWS }
  for (let i = 0; i < ROWS; i++) k[i] = { 0: String(i), 1: "row " + i }
  return { 0: { s: ['<li id="r', '">', "</li>"], k }, s: ["<ul>", "</ul>"] }
}
const rowDiff = (n) => ({ 0: { k: { [n % ROWS]: { 1: "changed " + n }, kc: ROWS } } })

function measure(name, iters, fn) {
  const runs = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < iters; i++) fn(i)
    runs.push(Number(process.hrtime.bigint() - t0) / iters)
  }
  runs.sort((a, b) => a - b)
  console.log(`${name}\t${(runs[3] / 1000).toFixed(1)} µs/op (median of 7)`)
}

const r = new Rendered()
r.apply(join())
r.toString()
measure("merge+toString 1000 rows, 1 changed", 200, (i) => {
  r.apply(rowDiff(i))
  r.toString()
})

const w = new Window({ url: "http://localhost/" })
globalThis.HTMLElement = w.HTMLElement
w.document.body.innerHTML = '<div id="phx-A" data-phx-session="s"></div>'
const ls = { w, d: w.document, hooks: {}, cid: () => undefined }
const v = new View(ls, w.document.getElementById("phx-A"))
v.rendered = new Rendered()
v.rendered.apply(join())
v.patch(v.rendered.toString())
measure("merge+toString+morphdom patch (happy-dom) 1000 rows, 1 changed", 20, (i) => {
  v.rendered.apply(rowDiff(i))
  v.patch(v.rendered.toString())
})
await w.happyDOM.close()
