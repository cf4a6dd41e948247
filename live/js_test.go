package live_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

func TestJSCommands(t *testing.T) {
	tests := []struct {
		name string
		js   live.JS
		want string
	}{
		{"push", live.JS{}.Push("inc"), `[["push",{"event":"inc"}]]`},
		{"push with options", live.JS{}.Push("save", live.PushOpts{Value: map[string]any{"id": 7}, Target: "#card", Loading: "#spin", PageLoading: true}),
			`[["push",{"event":"save","loading":"#spin","page_loading":true,"target":"#card","value":{"id":7}}]]`},
		{"show", live.JS{}.Show(live.JSOpts{To: "#m", Display: "flex", Transition: live.Transition{"ease-out duration-300", "opacity-0", "opacity-100"}, Time: 300 * time.Millisecond}),
			`[["show",{"display":"flex","time":300,"to":"#m","transition":[["ease-out","duration-300"],["opacity-0"],["opacity-100"]]}]]`},
		{"hide on the element itself", live.JS{}.Hide(), `[["hide",{"time":200,"transition":[[],[],[]]}]]`},
		{"toggle", live.JS{}.Toggle(live.JSOpts{Closest: ".menu", In: live.Transition{"fade-in"}, Out: live.Transition{"fade-out"}}),
			`[["toggle",{"ins":[["fade-in"],[],[]],"outs":[["fade-out"],[],[]],"time":200,"to":{"closest":".menu"}}]]`},
		{"classes", live.JS{}.AddClass("a b", live.JSOpts{Inner: "li"}).RemoveClass("c").ToggleClass("d"),
			`[["add_class",{"names":["a","b"],"time":200,"to":{"inner":"li"},"transition":[[],[],[]]}],["remove_class",{"names":["c"],"time":200,"transition":[[],[],[]]}],["toggle_class",{"names":["d"],"time":200,"transition":[[],[],[]]}]]`},
		{"attributes", live.JS{}.SetAttribute("aria-expanded", "true", live.JSOpts{To: "#m"}).RemoveAttribute("title").ToggleAttribute("open", "yes").ToggleAttributeOf(live.JSOpts{To: "#x"}, "aria-pressed", "true", "false"),
			`[["set_attr",{"attr":["aria-expanded","true"],"to":"#m"}],["remove_attr",{"attr":"title"}],["toggle_attr",{"attr":["open","yes"]}],["toggle_attr",{"attr":["aria-pressed","true","false"],"to":"#x"}]]`},
		{"transition", live.JS{}.Transition(live.JSOpts{Transition: live.Transition{"shake"}, Time: time.Second}),
			`[["transition",{"time":1000,"transition":[["shake"],[],[]]}]]`},
		{"dispatch", live.JS{}.Dispatch("copy", map[string]any{"text": "hi"}, live.JSOpts{To: "#out"}), `[["dispatch",{"detail":{"text":"hi"},"event":"copy","to":"#out"}]]`},
		{"exec", live.JS{}.Exec("data-cancel", live.JSOpts{To: "#modal"}), `[["exec",{"attr":"data-cancel","to":"#modal"}]]`},
		{"focus", live.JS{}.PushFocus().FocusFirst(live.JSOpts{To: "#dialog"}).Focus(live.JSOpts{To: "#q"}).PopFocus(),
			`[["push_focus",{}],["focus_first",{"to":"#dialog"}],["focus",{"to":"#q"}],["pop_focus",{}]]`},
		{"navigation", live.JS{}.Navigate("/cart", false).Patch("/?page=2", true), `[["navigate",{"href":"/cart","replace":false}],["patch",{"href":"/?page=2","replace":true}]]`},
		{"empty", live.JS{}, `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.js.String(); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
			b, err := json.Marshal(tc.js)
			if err != nil || string(b) != tc.want {
				t.Errorf("json.Marshal = %s, %v", b, err)
			}
		})
	}
}

func TestJSIsImmutable(t *testing.T) {
	base := live.JS{}.Push("a")
	one, two := base.Push("b"), base.Hide()
	if base.String() != `[["push",{"event":"a"}]]` || !strings.Contains(one.String(), `"b"`) || strings.Contains(two.String(), `"b"`) {
		t.Fatalf("chains share state: base %s, one %s, two %s", base, one, two)
	}
}

func TestJSInATemplateAttribute(t *testing.T) {
	tmpl := render.Must(render.New("js").Parse(`<button phx-click="{{.}}">x</button>`))
	js := live.JS{}.Push(`say "<hi>" & 'bye'`).Show(live.JSOpts{To: `[data-x="1"]`})
	tree, err := tmpl.Execute(js)
	if err != nil {
		t.Fatal(err)
	}
	html := tree.HTML(nil)
	want := `<button phx-click="[[&#34;push&#34;,{&#34;event&#34;:&#34;say \&#34;\u003chi\u003e\&#34; \u0026 &#39;bye&#39;&#34;}],[&#34;show&#34;,{&#34;time&#34;:200,&#34;to&#34;:&#34;[data-x=\&#34;1\&#34;]&#34;,&#34;transition&#34;:[[],[],[]]}]]">x</button>`
	if html != want {
		t.Fatalf("\n got %s\nwant %s", html, want)
	}
}
