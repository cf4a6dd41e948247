package live

import (
	"errors"
	"net/http"
	"strconv"
)

// StatusError is an error with an HTTP status. When Mount or HandleParams returns one
// (wrapped or not), the first GET is answered with that status instead of 500, and a
// join with it makes the client reload the page, which then shows that status.
type StatusError struct {
	// Status is the HTTP status code, such as http.StatusNotFound.
	Status int
	// Err is the underlying error; it may be nil.
	Err error
}

// Error implements error.
func (e *StatusError) Error() string {
	msg := strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *StatusError) Unwrap() error { return e.Err }

// httpStatus returns the status err carries, or 500.
func httpStatus(err error) int {
	var se *StatusError
	if errors.As(err, &se) && se.Status >= 400 && se.Status <= 599 {
		return se.Status
	}
	return http.StatusInternalServerError
}
