package token_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/glint-go/glint/live/token"
)

func Example() {
	s, err := token.NewSigner([]byte("a secret of at least sixteen bytes"))
	if err != nil {
		panic(err)
	}
	tok := s.Sign("live session", []byte(`{"view":"counter"}`))
	data, err := s.Verify("live session", tok, 14*24*time.Hour)
	fmt.Println(string(data), err)
	_, err = s.Verify("other salt", tok, time.Hour)
	fmt.Println(errors.Is(err, token.ErrInvalid))
	_, err = s.Verify("live session", "", time.Hour)
	fmt.Println(errors.Is(err, token.ErrMissing))
	// Output:
	// {"view":"counter"} <nil>
	// true
	// true
}
