package live

// FlashSetter is implemented by views whose template shows the flash. Before every render
// the runtime calls SetFlash with the view's flash messages by kind (nil when there are
// none), so that what PutFlash and ClearFlash changed, a flash carried over by
// navigation, and a click on phx-click="lv:clear-flash" show with that render. The map
// belongs to the runtime: read it, do not modify it. Embed Flash to implement it.
type FlashSetter interface {
	SetFlash(flash map[string]string)
}

// Flash, embedded in a view, implements FlashSetter: the view's template reads the flash
// as .Flash, for example
//
//	{{with .Flash.error}}<p class="alert" phx-click="lv:clear-flash" phx-value-key="error">{{.}}</p>{{end}}
//
// A click on an element with phx-click="lv:clear-flash" clears the flash of the kind its
// phx-value-key names (all of it without one); the runtime handles it, the view's
// HandleEvent never sees it.
type Flash map[string]string

// SetFlash implements FlashSetter.
func (f *Flash) SetFlash(flash map[string]string) { *f = flash }
