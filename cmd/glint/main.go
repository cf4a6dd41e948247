package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usage is printed for a missing or unknown command.
const usage = `usage: glint new [flags] MODULE

Commands:
  new    write a new Glint app (a live counter, its template, a test and a README)
         to a new directory; "glint new -h" lists its flags
`

// cli runs the command in args and returns the exit status: 0 done, 1 failed, 2 bad usage.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "new":
		opts, err := parseNewFlags(args[1:], stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintln(stderr, "glint new:", err)
			return 2
		}
		if err := newProject(ctx, opts, stdout); err != nil {
			fmt.Fprintln(stderr, "glint new:", err)
			return 1
		}
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "glint: unknown command %q\n%s", args[0], usage)
		return 2
	}
}
