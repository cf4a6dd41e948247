package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/glint-go/glint/live/livetest"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// storedRows returns the rows of the stored-files table as "name size sha via".
func storedRows(v *livetest.View) []string {
	var rows []string
	sel := v.Find("#stored tbody tr")
	for i := range sel.Length() {
		tr := sel.Eq(i)
		rows = append(rows, strings.Join([]string{tr.Find(".name").Text(), tr.Find(".size").Text(), tr.Find(".sha").Text(), tr.Find(".via").Text()}, " "))
	}
	return rows
}

func TestUploadPageStoresOnSubmit(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/upload")
	big := bytes.Repeat([]byte("0123456789abcdef"), 20_000) // 320,000 bytes: five chunks
	small := []byte("hello, upload")
	v.SelectFiles(`#upload-form input[type=file]`, livetest.File{Name: "big.bin", Content: big}, livetest.File{Name: "small.txt", Content: small})
	if n := v.Find("#entries li").Length(); n != 2 {
		t.Fatalf("%d entries listed after selecting 2 files:\n%s", n, v.HTML())
	}
	v.Submit("#upload-form", nil)
	want := []string{
		fmt.Sprintf("big.bin %d %s socket", len(big), sha(big)),
		fmt.Sprintf("small.txt %d %s socket", len(small), sha(small)),
	}
	if got := storedRows(v); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v.Text("#note") != "Stored 2 file(s)." || v.Find("#entries li").Length() != 0 {
		t.Errorf("after storing:\n%s", v.HTML())
	}
	// The files are in the store, and nowhere else.
	ents, err := os.ReadDir(sc.app.store.dir)
	if err != nil || len(ents) != 2 {
		t.Errorf("store holds %d files (%v)", len(ents), err)
	}
}

func TestUploadPageRefusals(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/upload")
	tooBig := livetest.File{Name: "huge.iso", Content: make([]byte, uploadMaxBytes+1)}
	v.SelectFiles(`#upload-form input[type=file]`, tooBig)
	if !strings.Contains(v.Text("#entries"), "The file is too large.") {
		t.Fatalf("no size error:\n%s", v.HTML())
	}
	v.Submit("#upload-form", nil)
	if v.Find("#stored tbody tr").Length() != 0 {
		t.Errorf("a file over the limit was stored:\n%s", v.HTML())
	}
	// Cancelling the refused file clears the way for good ones; four are one too many.
	v.Click(`#entries .cancel`)
	var four []livetest.File
	for i := range 4 {
		four = append(four, livetest.File{Name: fmt.Sprintf("f%d.txt", i), Content: []byte{byte(i + 1)}})
	}
	v.SelectFiles(`#upload-form input[type=file]`, four...)
	if !strings.Contains(v.Text("#upload-form"), "Too many files.") {
		t.Fatalf("no count error:\n%s", v.HTML())
	}
	v.Submit("#upload-form", nil)
	if v.Find("#stored tbody tr").Length() != 0 {
		t.Errorf("files stored despite the count error:\n%s", v.HTML())
	}
}

func TestUploadPageDirectToStorage(t *testing.T) {
	sc := newTestServer(t, config{})
	v := livetest.Open(t, sc, "/upload")
	data := bytes.Repeat([]byte{7}, 100_000)
	v.SelectFiles(`#direct-form input[type=file]`, livetest.File{Name: "direct.bin", Content: data})
	v.WaitFor(func(string) bool { return len(storedRows(v)) == 1 })
	if got, want := storedRows(v)[0], fmt.Sprintf("direct.bin %d %s PUT", len(data), sha(data)); got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	if v.Find("#direct-entries li").Length() != 0 {
		t.Errorf("the consumed entry is still listed:\n%s", v.HTML())
	}
}

func TestUploadStoreRefusesBadPuts(t *testing.T) {
	sc := newTestServer(t, config{})
	hs := httptest.NewServer(sc)
	t.Cleanup(hs.Close)
	page, _ := http.NewRequest(http.MethodGet, hs.URL+"/upload", nil)
	signed, err := sc.app.store.presign(page.URL, 5)
	if err != nil {
		t.Fatal(err)
	}
	put := func(u, body string) int {
		req, _ := http.NewRequest(http.MethodPut, u, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	tampered := strings.Replace(signed.String(), "max=5", "max=50", 1)
	cases := []struct {
		name, url, body string
		want            int
	}{
		{"tampered size", tampered, "0123456789", http.StatusForbidden},
		{"larger than signed", signed.String(), "0123456789", http.StatusBadRequest},
		{"shorter than signed", signed.String(), "012", http.StatusBadRequest},
		{"as signed", signed.String(), "01234", http.StatusNoContent},
		{"written twice", signed.String(), "01234", http.StatusConflict},
	}
	for _, tc := range cases {
		if got := put(tc.url, tc.body); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
}
