package client

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const joinC = `{"0":{"s":["<li id=\"u","\">","</li>"],"k":{"0":{"0":"1","1":"Ann"},"1":{"0":"2","1":"Bob"},"2":{"0":"3","1":"Cid"},"kc":3}},"s":["<ul>","</ul>"]}`

func joined(t testing.TB) *Model {
	t.Helper()
	m := New()
	if err := m.Join([]byte(joinC)); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestApplyWorkedExample(t *testing.T) {
	m := joined(t)
	if got, want := m.HTML(), `<ul><li id="u1">Ann</li><li id="u2">Bob</li><li id="u3">Cid</li></ul>`; got != want {
		t.Fatalf("join: got %s, want %s", got, want)
	}
	if err := m.Apply([]byte(`{"0":{"k":{"0":2,"1":{"1":"Bobby"},"2":{"0":"4","1":"Dee"},"kc":3,"km":true}},"t":"T","e":[["a",{"x":1},true]],"r":{"ok":1}}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := m.HTML(), `<ul><li id="u3">Cid</li><li id="u2">Bobby</li><li id="u4">Dee</li></ul>`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if m.Title() != "T" || len(m.Events()) != 1 || m.Events()[0].Name != "a" || !m.Events()[0].BeforePatch || string(m.Events()[0].Payload) != `{"x":1}` || string(m.Reply()) != `{"ok":1}` {
		t.Errorf("extras: title %q events %+v reply %s", m.Title(), m.Events(), m.Reply())
	}
	// Events and reply belong to one message; the title stays.
	if err := m.Apply([]byte(`{"0":{"k":{"kc":1}}}`)); err != nil {
		t.Fatal(err)
	}
	if m.Title() != "T" || m.Events() != nil || m.Reply() != nil {
		t.Errorf("after a plain diff: title %q events %v reply %s", m.Title(), m.Events(), m.Reply())
	}
}

func TestComponents(t *testing.T) {
	m := New()
	if err := m.Join([]byte(`{"0":1,"s":["<main>","</main>"],"c":{"1":{"0":"a","r":1,"s":["<!-- x --> <p class=\"c\">","</p> "]}}}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := m.HTML(), `<main><!-- x --> <p data-phx-component="1" class="c">a</p> </main>`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if err := m.Apply([]byte(`{"c":{"1":{"0":"b"}}}`)); err != nil {
		t.Fatal(err)
	}
	if !m.ComponentOnly() {
		t.Error("component-only diff not recognised")
	}
	if html, err := m.ComponentHTML(1); err != nil || html != `<!-- x --> <p data-phx-component="1" class="c">b</p> ` {
		t.Errorf("ComponentHTML: %q, %v", html, err)
	}
	if got := m.CIDs(); len(got) != 1 || got[0] != 1 {
		t.Errorf("CIDs: %v", got)
	}
	m.Destroy(1)
	if len(m.CIDs()) != 0 {
		t.Error("Destroy kept the component")
	}
}

// Malformed messages are errors, never panics, and leave the model as it was.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, msg string }{
		{"not JSON", `{"0":`},
		{"trailing data", `{"0":"x"} {}`},
		{"not an object", `[1,2]`},
		{"null", `null`},
		{"bad title", `{"t":1}`},
		{"bad events", `{"e":{}}`},
		{"bad event", `{"e":[["x"]]}`},
		{"event name", `{"e":[[1,{}]]}`},
		{"dynamic null", `{"0":{"k":{"0":{"0":null},"kc":3}}}`},
		{"dynamic bool", `{"0":{"k":{"0":{"1":true},"kc":3}}}`},
		{"dynamic float", `{"0":{"k":{"0":{"1":1.5},"kc":3}}}`},
		{"dynamic array", `{"0":{"k":{"0":{"1":[1]},"kc":3}}}`},
		{"unknown cid", `{"0":{"k":{"0":{"1":5},"kc":3}}}`},
		{"kc missing", `{"0":{"k":{"0":{"1":"x"}}}}`},
		{"kc negative", `{"0":{"k":{"kc":-1}}}`},
		{"kc string", `{"0":{"k":{"kc":"1"}}}`},
		{"kc beyond entries", `{"0":{"k":{"kc":9}}}`},
		{"move without km", `{"0":{"k":{"0":2,"kc":3}}}`},
		{"move from nowhere", `{"0":{"k":{"0":7,"kc":3,"km":true}}}`},
		{"move form too short", `{"0":{"k":{"0":[2],"kc":3,"km":true}}}`},
		{"move form not a diff", `{"0":{"k":{"0":[2,"x"],"kc":3,"km":true}}}`},
		{"bad entry index", `{"0":{"k":{"x":{},"kc":3}}}`},
		{"entry is a string", `{"0":{"k":{"0":"x","kc":3}}}`},
		{"k not an object", `{"0":{"k":[1]}}`},
		{"k on a string", `{"s":["",""],"0":"x"}` + ``},
		{"statics not a list", `{"0":{"s":"x"}}`},
		{"statics empty", `{"0":{"s":[]}}`},
		{"statics not strings", `{"0":{"s":[1]}}`},
		{"statics index without p", `{"0":{"s":0}}`},
		{"statics index missing from p", `{"0":{"s":["<b>","</b>"],"k":{"0":{"0":{"s":3}},"kc":1},"p":{"0":["x"]}}}`},
		{"too few dynamics", `{"0":{"s":["a","b","c"],"0":"x"}}`},
		{"p not an object", `{"0":{"s":["a"],"p":1}}`},
		{"c not an object", `{"c":[]}`},
		{"bad cid", `{"c":{"x":{"s":["a"]}}}`},
		{"cid zero", `{"c":{"0":{"s":["a"]}}}`},
		{"new component without statics", `{"0":{"k":{"0":{"1":4},"kc":3}},"c":{"4":{"0":"x"}}}`},
		{"sharing from unknown", `{"c":{"4":{"s":-9}}}`},
		{"sharing cycle", `{"c":{"4":{"s":5},"5":{"s":4}}}`},
		{"root without element", `{"0":{"0":"x","s":["",""],"r":1}}`},
		{"component root without element", `{"0":4,"s":["",""],"c":{"4":{"r":1,"s":["text"]}}}`},
		{"stream ref not a string", `{"0":{"k":{"kc":0},"stream":[1,[],[]]}}`},
		{"stream without deletes", `{"0":{"k":{"kc":0},"stream":["r",[]]}}`},
		{"stream inserts not a list", `{"0":{"k":{"kc":0},"stream":["r",{},[]]}}`},
		{"deep nesting", deep(20000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := joined(t)
			before := m.HTML()
			err := m.Apply([]byte(tc.msg))
			if err == nil {
				if tc.name == "k on a string" {
					return // a full replacement: valid
				}
				t.Fatalf("accepted; HTML %s", m.HTML())
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if m.HTML() != before {
				t.Errorf("model changed on error: %s", m.HTML())
			}
			// The model still works.
			if err := m.Apply([]byte(`{"0":{"k":{"0":{"1":"Zed"},"kc":3}}}`)); err != nil {
				t.Errorf("after the error: %v", err)
			}
		})
	}
}

func deep(n int) string {
	return `{"0":` + strings.Repeat(`{"0":`, n) + `"x"` + strings.Repeat(`,"s":["",""]}`, n) + `}`
}

func TestJoinErrors(t *testing.T) {
	m := New()
	if err := m.Apply([]byte(`{"0":"1"}`)); err == nil {
		t.Error("diff before join accepted")
	}
	for _, msg := range []string{`{"0":"1"}`, `{`, `{"s":["a","b"]}`} {
		if err := m.Join([]byte(msg)); err == nil {
			t.Errorf("join %s accepted", msg)
		}
	}
	if m.HTML() != "" {
		t.Errorf("failed joins left HTML %q", m.HTML())
	}
}

// FuzzApply feeds arbitrary messages to a joined model: it must never panic, and on error
// it must keep its state.
func FuzzApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "merge", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var golden struct {
			Steps []struct {
				Diff json.RawMessage `json:"diff"`
			} `json:"steps"`
		}
		if err := json.Unmarshal(b, &golden); err != nil {
			f.Fatal(err)
		}
		for _, s := range golden.Steps[1:] {
			f.Add([]byte(s.Diff))
		}
	}
	f.Add([]byte(`{"0":{"k":{"0":2,"1":[0,{"1":"x"}],"kc":2,"km":true}}}`))
	f.Add([]byte(`{"c":{"1":{"0":"a","r":1,"s":["<p>","</p>"]},"2":{"s":1}},"0":{"k":{"0":{"0":1},"kc":1}}}`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		m := joined(t)
		before := m.HTML()
		if err := m.Apply(msg); err != nil && m.HTML() != before {
			t.Fatalf("model changed on error %v", err)
		}
		_ = m.Join(msg)
	})
}
