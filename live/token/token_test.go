package token

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const secret = "0123456789abcdef0123456789abcdef"

func TestSignVerify(t *testing.T) {
	data := []byte(`{"view":"counter","id":"phx-A"}`)
	tok := Sign(secret, "session", data)
	if strings.ContainsAny(tok, "\"<&>' =+/") {
		t.Fatalf("token %q is not attribute-safe", tok)
	}
	got, err := Verify(secret, "session", tok, time.Hour)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	empty := Sign(secret, "s", nil)
	if got, err := Verify(secret, "s", empty, 0); err != nil || len(got) != 0 {
		t.Fatalf("empty data: %q, %v", got, err)
	}
}

func TestVerifyErrors(t *testing.T) {
	s, err := NewSigner([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := base
	s.now = func() time.Time { return now }
	tok := s.Sign("session", []byte("hello"))
	body, sig, _ := strings.Cut(tok, ".")
	flip := func(str string, i int) string {
		b := []byte(str)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	other, _ := NewSigner([]byte("another secret, also long enough"))
	other.now = s.now
	cases := []struct {
		name    string
		signer  *Signer
		salt    string
		token   string
		advance time.Duration
		maxAge  time.Duration
		want    error
	}{
		{"ok", s, "session", tok, 0, time.Hour, nil},
		{"ok at the max age", s, "session", tok, time.Hour, time.Hour, nil},
		{"no max age", s, "session", tok, 1000 * time.Hour, 0, nil},
		{"missing", s, "session", "", 0, time.Hour, ErrMissing},
		{"expired", s, "session", tok, time.Hour + time.Millisecond, time.Hour, ErrExpired},
		{"wrong salt", s, "static", tok, 0, time.Hour, ErrInvalid},
		{"wrong secret", other, "session", tok, 0, time.Hour, ErrInvalid},
		{"tampered body", s, "session", flip(body, 12) + "." + sig, 0, time.Hour, ErrInvalid},
		{"tampered signature", s, "session", body + "." + flip(sig, 3), 0, time.Hour, ErrInvalid},
		{"no dot", s, "session", body + sig, 0, time.Hour, ErrInvalid},
		{"extra part", s, "session", tok + ".x", 0, time.Hour, ErrInvalid},
		{"garbage", s, "session", "<&\">", 0, time.Hour, ErrInvalid},
		{"truncated signature", s, "session", tok[:len(tok)-2], 0, time.Hour, ErrInvalid},
		{"signed in the future", s, "session", tok, -2 * time.Minute, time.Hour, ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = base.Add(tc.advance)
			got, err := tc.signer.Verify(tc.salt, tc.token, tc.maxAge)
			if tc.want == nil {
				if err != nil || string(got) != "hello" {
					t.Fatalf("Verify = %q, %v", got, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify error %v, want %v", err, tc.want)
			}
			for _, other := range []error{ErrMissing, ErrInvalid, ErrExpired} {
				if other != tc.want && errors.Is(err, other) {
					t.Fatalf("error %v also matches %v", err, other)
				}
			}
			if got != nil {
				t.Fatalf("data %q returned with an error", got)
			}
		})
	}
}

func TestNewSignerRejectsShortSecret(t *testing.T) {
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Fatal("NewSigner accepted a 5-byte secret")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(Sign(secret, "s", []byte("data")))
	f.Add("a.b")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		data, err := Verify(secret, "s", tok, 0)
		if err == nil {
			// Anything that verifies must be exactly what Sign would produce for it.
			if !strings.Contains(tok, ".") || data == nil {
				t.Fatalf("accepted %q", tok)
			}
		}
	})
}

func BenchmarkSignVerify(b *testing.B) {
	s, _ := NewSigner([]byte(secret))
	data := bytes.Repeat([]byte("x"), 200)
	b.ReportAllocs()
	for b.Loop() {
		tok := s.Sign("session", data)
		if _, err := s.Verify("session", tok, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// A token is accepted in exactly one spelling: changing the unused low bits of the last
// base64 character of either part must invalidate it.
func TestNonCanonicalBase64IsInvalid(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	lax := base64.RawURLEncoding
	for _, data := range []string{"h", "hello", "a longer payload of data"} {
		tok := Sign(secret, "s", []byte(data))
		body, sig, _ := strings.Cut(tok, ".")
		for part, s := range map[string]string{"body": body, "signature": sig} {
			want, err := lax.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			tried := 0
			for _, c := range alphabet {
				alt := s[:len(s)-1] + string(c)
				if alt == s {
					continue
				}
				if got, err := lax.DecodeString(alt); err != nil || !bytes.Equal(got, want) {
					continue // a real change, caught by the signature anyway
				}
				tried++
				forged := body + "." + alt
				if part == "body" {
					forged = alt + "." + sig
				}
				if _, err := Verify(secret, "s", forged, time.Hour); !errors.Is(err, ErrInvalid) {
					t.Errorf("%s %q with last char %q: Verify = %v, want ErrInvalid", part, data, c, err)
				}
			}
			if len(s)%4 != 0 && tried == 0 {
				t.Errorf("%s of %q: found no alternative spelling to try", part, data)
			}
		}
	}
}
