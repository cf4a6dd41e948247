package live_test

import (
	"fmt"
	"os"
	"time"

	"github.com/glint-go/glint/live"
	"github.com/glint-go/glint/render"
)

func ExampleJS() {
	// A modal that opens and closes in the browser, with no round trip, and tells the
	// server once it is open.
	type page struct{ Open, Close live.JS }
	p := page{
		Open: live.JS{}.
			Show(live.JSOpts{To: "#modal", Transition: live.Transition{"fade-in"}, Time: 150 * time.Millisecond}).
			FocusFirst(live.JSOpts{To: "#modal"}).
			Push("opened"),
		Close: live.JS{}.Hide(live.JSOpts{To: "#modal"}),
	}
	tmpl := render.Must(render.New("modal").Parse(
		`<button phx-click="{{.Open}}">Open</button><div id="modal" hidden><button phx-click="{{.Close}}">Close</button></div>`))
	tree, err := tmpl.Execute(p)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(p.Close)
	fmt.Println(len(tree.HTML(nil)) > 0)
	// Output:
	// [["hide",{"time":200,"to":"#modal","transition":[[],[],[]]}]]
	// true
}
