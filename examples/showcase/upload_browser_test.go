package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// officialUploadEntry boots the official client as browsertest.OfficialClientEntry does,
// with the "PUT" uploader that Glint's client has built in: with the official client, an
// app registers its external uploaders itself.
const officialUploadEntry = `import {Socket} from "phoenix"
import {LiveSocket} from "phoenix_live_view"
const PUT = (entries, onViewError) => {
  entries.forEach((entry) => {
    const xhr = new XMLHttpRequest()
    onViewError(() => xhr.abort())
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? entry.progress(100) : entry.error())
    xhr.onerror = () => entry.error()
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        const percent = Math.round((e.loaded / e.total) * 100)
        if (percent < 100) entry.progress(percent)
      }
    })
    xhr.open("PUT", entry.meta.url, true)
    for (const [k, v] of Object.entries(entry.meta.headers || {})) xhr.setRequestHeader(k, v)
    xhr.send(entry.file)
  })
}
const csrf = document.querySelector("meta[name='csrf-token']").getAttribute("content")
const liveSocket = new LiveSocket("/live", Socket, {params: {_csrf_token: csrf}, uploaders: {PUT}})
liveSocket.connect()
window.liveSocket = liveSocket
`

// jsWatchProgress records, per file name, the highest progress any entry of the page
// showed, so that a test can tell that progress reached 100 before the entry went away.
const jsWatchProgress = `window.maxProgress = {}
new MutationObserver(() => {
  for (const li of document.querySelectorAll("li[data-progress]")) {
    const name = li.querySelector(".name").textContent
    window.maxProgress[name] = Math.max(window.maxProgress[name] || 0, +li.dataset.progress)
  }
}).observe(document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-progress"]})
true`

// jsRows is true when the stored-files table has n rows.
func jsRows(n int) string {
	return fmt.Sprintf(`document.querySelectorAll("#stored tbody tr").length === %d`, n)
}

// TestBrowserUpload drives /upload with both clients and compares them: files picked and
// stored with their progress reaching 100 and their SHA-256 shown; a file over the limit
// refused with its error, never stored; a file dropped on the drop zone; and a file sent
// straight to the store with a presigned PUT.
func TestBrowserUpload(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := []byte("a small text file\n")
	big := bytes.Repeat([]byte("0123456789"), 70_000) // 700,000 bytes: 11 chunks
	files := map[string]string{
		"small.txt": write("small.txt", small),
		"big.bin":   write("big.bin", big),
		"huge.bin":  write("huge.bin", make([]byte, uploadMaxBytes+1)),
		"direct.md": write("direct.md", []byte("# straight to storage\n")),
	}
	want := map[string]string{"small.txt": sha(small), "big.bin": sha(big), "direct.md": sha([]byte("# straight to storage\n")),
		"dropped.txt": sha(bytes.Repeat([]byte("dropped!"), 1000))}
	forEachClientComparedWith(t, officialUploadEntry, func(t *testing.T, bundle []byte, run *clientRun) {
		testBrowserUpload(t, bundle, run, files, want)
	})
}

func testBrowserUpload(t *testing.T, bundle []byte, run *clientRun, files, want map[string]string) {
	tab := openBrowserTab(t, startBrowserServer(t, bundle)+"/upload", "UTC")
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](jsWatchProgress)); err != nil {
		t.Fatal(err)
	}
	pick := func(sel string, names ...string) {
		t.Helper()
		var paths []string
		for _, n := range names {
			paths = append(paths, files[n])
		}
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(sel, paths)); err != nil {
			t.Fatalf("picking %v: %v", names, err)
		}
	}
	stored := func(row int, name, via string) {
		t.Helper()
		got := evalString(t, tab, fmt.Sprintf(`(() => { const tr = document.querySelectorAll("#stored tbody tr")[%d]; return [...tr.children].map((td) => td.textContent).join(" ") })()`, row))
		size := evalString(t, tab, fmt.Sprintf(`document.querySelectorAll("#stored tbody tr")[%d].querySelector(".size").textContent`, row))
		if w := fmt.Sprintf("%s %s %s %s", name, size, want[name], via); got != w {
			t.Errorf("stored row %d: %q, want %q", row, got, w)
		}
	}

	// Two files picked: listed, then stored on submit, each having shown 100%.
	pick(`#upload-form input[type=file]`, "small.txt", "big.bin")
	run.step(t, tab, "two files picked", `document.querySelectorAll("#entries li").length === 2`)
	click(t, tab, "#store")
	run.step(t, tab, "two files stored", jsRows(2)+` && document.querySelectorAll("#entries li").length === 0`)
	stored(0, "small.txt", "socket")
	stored(1, "big.bin", "socket")
	for _, n := range []string{"small.txt", "big.bin"} {
		if got := evalString(t, tab, fmt.Sprintf(`String(window.maxProgress[%q])`, n)); got != "100" {
			t.Errorf("%s: highest progress shown %s, want 100", n, got)
		}
	}

	// A file over 8 MB: its error shows at once; the form is not submitted, nothing is sent.
	pick(`#upload-form input[type=file]`, "huge.bin")
	run.step(t, tab, "the huge file refused", `(document.querySelector("#entries li .error") || {}).textContent === "The file is too large."`)
	click(t, tab, "#store")
	time.Sleep(300 * time.Millisecond) // a submit would be answered well within this
	run.step(t, tab, "nothing stored", jsRows(2))
	if n := evalString(t, tab, `String(window.sentFrames.filter((f) => f.includes('"allow_upload"')).length)`); n != "1" {
		t.Errorf("%s preflights sent; the refused file must not be sent", n)
	}
	click(t, tab, "#entries .cancel")
	run.step(t, tab, "the huge file cancelled", `document.querySelectorAll("#entries li").length === 0`)

	// A file dropped on the drop zone.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
  const zone = document.querySelector("#upload-form .dropzone")
  const dt = new DataTransfer()
  dt.items.add(new File(["dropped!".repeat(1000)], "dropped.txt", {type: "text/plain"}))
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}))
  }
  return true
})()`)); err != nil {
		t.Fatal(err)
	}
	run.step(t, tab, "a file dropped", `document.querySelectorAll("#entries li").length === 1 && !document.querySelector(".phx-drop-target-active")`)
	click(t, tab, "#store")
	run.step(t, tab, "the dropped file stored", jsRows(3))
	stored(2, "dropped.txt", "socket")

	// Straight to storage: picked, sent at once by PUT, recorded.
	pick(`#direct-form input[type=file]`, "direct.md")
	run.step(t, tab, "a file sent straight to storage", jsRows(4)+` && document.querySelectorAll("#direct-entries li").length === 0`)
	stored(3, "direct.md", "PUT")
	run.end(tab)
}
