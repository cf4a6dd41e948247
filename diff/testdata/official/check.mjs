// Replays golden-format files (see ../merge) through the official phoenix_live_view 1.2
// client's Rendered class and compares its HTML with the file's, after removing the
// attributes the Go model leaves out (data-phx-id, data-phx-view). Bundled with esbuild
// and run by official_client_test.go.
import Rendered from "../../../node_modules/phoenix_live_view/assets/js/phoenix_live_view/rendered.js";
import fs from "fs";
import path from "path";

const dir = process.argv[2];
let fails = 0, files = 0, steps = 0;
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const g = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  files++;
  let r;
  g.steps.forEach((s, i) => {
    steps++;
    const { diff } = Rendered.extract(s.diff);
    try {
      if (i === 0) r = new Rendered(g.view, diff);
      else r.mergeDiff(diff);
      const html = r.toString().buffer
        .replace(/ data-phx-id="[^"]*"/g, "")
        .replace(/ data-phx-view="[^"]*"/g, "");
      if (html !== s.html) {
        fails++;
        if (fails <= 5) console.log(`MISMATCH ${f} step ${i}\n  official: ${html}\n  go model: ${s.html}`);
      }
    } catch (e) {
      fails++;
      if (fails <= 5) console.log(`ERROR ${f} step ${i}: ${e.message}`);
    }
  });
}
console.log(`${files} files, ${steps} steps, ${fails} failures`);
process.exit(fails ? 1 : 0);
