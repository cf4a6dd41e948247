// Merge and toString parity with diff/'s Go client model: every golden file in
// diff/testdata/merge runs here, plus the worked examples of docs/protocol.md.
import { test } from "node:test"
import assert from "node:assert/strict"
import fs from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { Rendered } from "../src/rendered.js"

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..")
const goldenDir = path.join(root, "diff", "testdata", "merge")

// run applies each step's diff (a fresh JSON copy, as off the wire) and checks the HTML.
function run(steps) {
  const r = new Rendered()
  steps.forEach((step, i) => {
    r.apply(JSON.parse(JSON.stringify(step.diff)))
    assert.equal(r.toString(), step.html, `step ${i}`)
  })
  return r
}

test("golden files from diff/testdata/merge", async (t) => {
  assert.ok(fs.existsSync(goldenDir), `${goldenDir} must exist`)
  const files = fs.readdirSync(goldenDir).filter((f) => f.endsWith(".json")).sort()
  assert.ok(files.length > 0, "diff/testdata/merge holds no golden files")
  for (const f of files) {
    const g = JSON.parse(fs.readFileSync(path.join(goldenDir, f), "utf8"))
    await t.test(g.name || f, () => {
      assert.ok(Array.isArray(g.steps) && g.steps.length > 0, "golden file has steps")
      run(g.steps)
    })
  }
})

const li = ['<li id="u', '">', "</li>"]
const cases = [
  {
    name: "A counter",
    steps: [
      { diff: { 0: "0", s: ["Count: ", ' <button phx-click="inc">+</button>'] }, html: 'Count: 0 <button phx-click="inc">+</button>' },
      { diff: { 0: "1" }, html: 'Count: 1 <button phx-click="inc">+</button>' },
    ],
  },
  {
    name: "B branch switch",
    steps: [
      { diff: { 0: { s: ['<a href="/login">Log in</a>'] }, s: ["<p>", "</p>"] }, html: '<p><a href="/login">Log in</a></p>' },
      { diff: { 0: { 0: "Ana", s: ["Hello ", "!"] } }, html: "<p>Hello Ana!</p>" },
      { diff: { 0: { 0: "Bea" } }, html: "<p>Hello Bea!</p>" },
      { diff: { 0: { s: ['<a href="/login">Log in</a>'] } }, html: '<p><a href="/login">Log in</a></p>' },
      { diff: { 0: "" }, html: "<p></p>" },
    ],
  },
  ...["position", "key"].map((how) => ({
    name: "C range by " + how,
    steps: [
      {
        diff: { 0: { s: li, k: { 0: { 0: "1", 1: "Ann" }, 1: { 0: "2", 1: "Bob" }, 2: { 0: "3", 1: "Cid" }, kc: 3 } }, s: ["<ul>", "</ul>"] },
        html: '<ul><li id="u1">Ann</li><li id="u2">Bob</li><li id="u3">Cid</li></ul>',
      },
      {
        diff:
          how == "position"
            ? { 0: { k: { 0: { 0: "3", 1: "Cid" }, 1: { 1: "Bobby" }, 2: { 0: "4", 1: "Dee" }, kc: 3 } } }
            : { 0: { k: { 0: 2, 1: { 1: "Bobby" }, 2: { 0: "4", 1: "Dee" }, kc: 3, km: true } } },
        html: '<ul><li id="u3">Cid</li><li id="u2">Bobby</li><li id="u4">Dee</li></ul>',
      },
      { diff: { 0: { k: { 0: [1, { 1: "Bo" }], 1: 0, kc: 2, km: true } } }, html: '<ul><li id="u2">Bo</li><li id="u3">Cid</li></ul>' },
      { diff: { 0: { k: { kc: 0 } } }, html: "<ul></ul>" },
    ],
  })),
  {
    name: "C shared statics through p",
    steps: [
      {
        diff: { 0: { s: 0, k: { 0: { 0: "1", 1: "Ann" }, kc: 1 } }, s: 1, p: { 0: li, 1: ["<ul>", "</ul>"] } },
        html: '<ul><li id="u1">Ann</li></ul>',
      },
      { diff: { 0: { k: { 1: { 0: "2", 1: "Bob" }, kc: 2 } } }, html: '<ul><li id="u1">Ann</li><li id="u2">Bob</li></ul>' },
    ],
  },
  {
    name: "comprehension p scope for nested nodes",
    steps: [
      {
        diff: { 0: { s: ["<b>", "</b>"], p: { 0: ["(", ")"] }, k: { 0: { 0: { 0: "x", s: 0 } }, kc: 1 } }, s: ["", ""] },
        html: "<b>(x)</b>",
      },
      { diff: { 0: { k: { 1: { 0: { 0: "y", s: 0 } }, kc: 2 }, p: { 0: ["[", "]"] } } }, html: "<b>(x)</b><b>[y]</b>" },
    ],
  },
  {
    name: "D nested component",
    steps: [
      {
        diff: {
          0: "0",
          1: 1,
          s: ["<main><p>", " likes</p>", "</main>"],
          c: { 1: { 0: "Intro", 1: "1", 2: "0", r: 1, s: ['<div class="card"><h2>', '</h2><button phx-click="like" phx-target="', '">+ ', "</button></div>"] } },
        },
        html: '<main><p>0 likes</p><div data-phx-component="1" class="card"><h2>Intro</h2><button phx-click="like" phx-target="1">+ 0</button></div></main>',
      },
      {
        diff: { c: { 1: { 2: "1" } } },
        html: '<main><p>0 likes</p><div data-phx-component="1" class="card"><h2>Intro</h2><button phx-click="like" phx-target="1">+ 1</button></div></main>',
      },
      {
        diff: { 0: "1", 1: 2, c: { 2: { 0: "Other", s: -1 } } },
        html: '<main><p>1 likes</p><div data-phx-component="2" class="card"><h2>Other</h2><button phx-click="like" phx-target="1">+ 1</button></div></main>',
      },
    ],
  },
  {
    name: "component root after whitespace and comment",
    steps: [{ diff: { 0: 3, s: ["", ""], c: { 3: { r: 1, s: [" <!-- x --><span>a</span>"] } } }, html: ' <!-- x --><span data-phx-component="3">a</span>' }],
  },
]

for (const c of cases) test(c.name, () => run(c.steps))

test("apply returns title, events and reply, and strips them from the tree", () => {
  const r = new Rendered()
  r.apply({ 0: "a", s: ["", ""], t: "Hi" })
  const x = r.apply({ 0: "b", e: [["ping", { n: 1 }]], r: { ok: true }, t: "Yo" })
  assert.deepEqual(x, { reply: { ok: true }, events: [["ping", { n: 1 }]], title: "Yo", cids: [] })
  assert.equal(r.toString(), "b")
  assert.equal(r.tree.t, undefined)
})

test("component +m sharing copies statics from the same diff", () => {
  const r = new Rendered()
  r.apply({ 0: 1, 1: 2, s: ["", "", ""], c: { 1: { 0: "a", r: 1, s: ["<i>", "</i>"] }, 2: { 0: "b", s: 1 } } })
  assert.equal(r.toString(), '<i data-phx-component="1">a</i><i data-phx-component="2">b</i>')
})

test("missing component is an error, not silent output", () => {
  const r = new Rendered()
  r.apply({ 0: 9, s: ["", ""] })
  assert.throws(() => r.toString(), /no component 9/)
})

test("drop forgets components and seen tracks rendered cids", () => {
  const r = new Rendered()
  r.apply({ 0: 1, s: ["", ""], c: { 1: { r: 1, s: ["<i></i>"] }, 2: { r: 1, s: ["<b></b>"] } } })
  r.toString()
  assert.deepEqual([...r.seen], ["1"])
  r.drop([2])
  assert.deepEqual(Object.keys(r.tree.c), ["1"])
})
