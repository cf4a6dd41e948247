// Command glint is Glint's project tool. Its one command, new, writes a working app to
// start from:
//
//	go run github.com/glint-go/glint/cmd/glint@latest new myapp
//	cd myapp
//	go run .        # http://localhost:8080/
//	go test ./...
//
// The argument is the new module's path (myapp, or example.com/me/myapp); the project is
// written to a directory named after its last element (or -dir). It holds go.mod and
// go.sum, main.go with one live view (a counter) and its server, the view's template in
// templates/counter.html (embedded with embed.FS and parsed with package render),
// main_test.go driving the page with package live/livetest, and a README.md. A directory
// that exists and is not empty is never written to.
//
// go.mod requires the version of Glint this command was built from. When that is not a
// released version (the command runs from a checkout), pass -version, or -replace with the
// directory of a local Glint checkout, which adds a replace directive to it. Finally the
// command runs "go mod tidy" in the new directory (skip with -tidy=false), which fills in
// go.mod's indirect requirements and go.sum from the module cache or the module proxy.
//
// Flags of glint new:
//
//	-dir DIR        write the project to DIR instead of the module path's last element
//	-replace DIR    use the Glint module in DIR (a local checkout) through a replace directive
//	-version V      require Glint version V (default: this command's own version)
//	-tidy=false     do not run go mod tidy
package main
