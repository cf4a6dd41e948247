// Package form decodes the forms of phx-change and phx-submit events into Go structs, and
// keeps what is wrong with them per field, for the template to show.
//
// A view declares what its form holds as a struct, the `form` tags naming the inputs:
//
//	type SignUp struct {
//		Name      string    `form:"name"`
//		Age       *int      `form:"age"`                    // nil when left empty
//		Birthday  time.Time `form:"birthday" layout:"date"` // <input type="date">
//		Terms     bool      `form:"terms"`                  // a checkbox
//		Interests []string  `form:"interests"`              // "interests[]" checkboxes
//		Address   struct {
//			City string `form:"city"` // "address[city]"
//		} `form:"address"`
//	}
//
// and decodes each event into a fresh one, then adds its own checks:
//
//	func (v *Page) HandleEvent(ctx context.Context, s *live.Socket, e live.Event) error {
//		f := form.FromEvent(e)
//		var in SignUp
//		errs := form.Errors{}
//		if err := f.Decode(&in); err != nil && !errors.As(err, &errs) {
//			return err // refused: too large
//		}
//		errs.Check("name", form.Required(in.Name))
//		errs.Check("address[city]", form.Required(in.Address.City))
//		switch e.Name {
//		case "validate": // phx-change: only the fields the user has touched
//			v.Errors = errs.Only(f.Used)
//		case "save": // phx-submit: every error
//			v.Errors = errs
//		}
//		return nil
//	}
//
// A value that does not fit its field ("abc" for an int) is reported with a message for
// the user ("must be a whole number"); the template shows a field's message with
// {{.Errors.Get "name"}}. See Decode for the rules of each type.
//
// # Touched fields
//
// Showing "is required" under every empty input at the first keystroke is unfriendly.
// LiveView's clients (the official one and Glint's) tell the server which inputs the user
// has not interacted with yet: a phx-change carries an empty "_unused_NAME" key for each of
// them. Form.Used reads those keys, and Errors.Only(f.Used) keeps the errors of the other
// fields. Form.Changed tells which input caused the event (its _target).
//
// # Limits
//
// Everything in a form is untrusted. Decode refuses, before decoding anything, a form
// with more than MaxFields values or a key or value longer than MaxValueBytes, with an
// error wrapping ErrTooLarge. The live socket bounds events too: a frame is at most 1 MiB
// by default, so with the default options the second limit is reached only by forms
// decoded from elsewhere, such as an HTTP request's.
package form
