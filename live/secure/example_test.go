package secure_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/glint-go/glint/live/secure"
)

// An application puts the headers in front of everything and refuses cross-origin
// state-changing requests; curl (no Origin, no Sec-Fetch-Site) still gets through.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /items/{id}/sell", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "sold", r.PathValue("id"))
	})
	handler := secure.Headers(secure.SameOrigin(mux), secure.HeaderOptions{})

	for _, origin := range []string{"", "https://shop.example", "https://evil.example"} {
		r := httptest.NewRequest("POST", "https://shop.example/items/1/sell", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Printf("Origin %q: %d\n", origin, w.Code)
	}
	r := httptest.NewRequest("GET", "https://shop.example/", nil)
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	fmt.Println(w.Header().Get("Content-Security-Policy"))
	fmt.Println(w.Header().Get("X-Frame-Options"), w.Header().Get("X-Content-Type-Options"), w.Header().Get("Referrer-Policy"))
	// Output:
	// Origin "": 200
	// Origin "https://shop.example": 200
	// Origin "https://evil.example": 403
	// default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'
	// SAMEORIGIN nosniff strict-origin-when-cross-origin
}

// A layout with an inline <style> block allows exactly that block by its hash, and
// images from a CDN are added to the default policy.
func ExamplePolicy_With() {
	const css = "body { margin: 0 }"
	policy := secure.DefaultPolicy().
		With("style-src", secure.Hash(css)).
		With("img-src", "https://cdn.example.com")
	src, _ := policy.Sources("style-src")
	fmt.Println(src)
	src, _ = policy.Sources("img-src")
	fmt.Println(src)
	_ = secure.Headers(http.NotFoundHandler(), secure.HeaderOptions{ContentSecurityPolicy: policy.String()})
	// Output:
	// ['self' 'sha256-mX+s7KJgWpgxJola85xdpAFPBQaV091gzM2oPjgTW2w=']
	// ['self' https://cdn.example.com]
}

// The admin API of an application answers its refusals in JSON and trusts a separate
// admin console's origin.
func ExampleNewCrossOrigin() {
	co, err := secure.NewCrossOrigin(secure.CrossOriginOptions{
		TrustedOrigins: []string{"https://console.example.com"},
		Deny: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "{\"error\":%q}\n", secure.Refusal(r).Error())
		}),
	})
	if err != nil {
		panic(err)
	}
	api := co.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "{}") }))

	for _, origin := range []string{"https://console.example.com", "https://evil.example"} {
		r := httptest.NewRequest("DELETE", "https://shop.example/api/reducer", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 {}
	// 403 {"error":"secure: cross-origin request refused: cross-origin request detected from Sec-Fetch-Site header"}
}
