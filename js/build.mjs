// Builds js/dist/glint.min.js: js/src/index.js bundled with morphdom and minified by esbuild.
// The output is deterministic, so a test can rebuild it and compare with the committed file.
// Usage: node js/build.mjs [outfile]
import { build } from "esbuild"
import { fileURLToPath } from "node:url"
import path from "node:path"

const here = path.dirname(fileURLToPath(import.meta.url))

// bundle writes the bundle to outfile (default js/dist/glint.min.js).
export async function bundle(outfile = path.join(here, "dist", "glint.min.js")) {
  await build({
    entryPoints: [path.join(here, "src", "index.js")],
    outfile,
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  })
  return outfile
}

if (process.argv[1] && path.resolve(process.argv[1]) == fileURLToPath(import.meta.url)) {
  await bundle(process.argv[2])
}
