package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	os.Exit(cli(os.Args[1:], os.Stdout, os.Stderr))
}

// cli runs the tool and returns the exit status: 0 done, 1 the run failed, 2 bad flags.
func cli(args []string, stdout, stderr io.Writer) int {
	if os.Getenv(bareServerEnv) != "" {
		return serveBare(os.Stdin, stdout)
	}
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "glintload:", err)
		return 2
	}
	raiseFileLimit(cfg.N, stderr)
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "glintload:", err)
		if res == nil {
			return 1
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "glintload: overall deadline (-timeout %v) reached; results are partial\n", cfg.Timeout)
	}
	if cfg.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else {
		printTable(stdout, res)
	}
	if err != nil || ctx.Err() != nil {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("glintload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080/drops", "page of the live view to load")
	fs.StringVar(&c.Scenario, "scenario", "idle", "idle, clicks, fanout, reconnect or carts")
	fs.IntVar(&c.N, "n", 1000, "number of live views (one socket each)")
	fs.IntVar(&c.Ramp, "ramp", 2000, "new sockets per second while connecting")
	fs.IntVar(&c.Workers, "workers", 64, "dials in flight while connecting")
	fs.DurationVar(&c.Hold, "hold", 5*time.Second, "idle: how long to hold the views before reading memory")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "clicks: how long to click")
	fs.Float64Var(&c.Rate, "rate", 1, "clicks: clicks per second per view")
	fs.StringVar(&c.Event, "event", "inc", "clicks: the phx-click event name to send")
	fs.StringVar(&c.Trigger, "trigger", "", `fanout/reconnect: request to send, "METHOD URL" (basic auth as user:pass@ in the URL)`)
	fs.StringVar(&c.Metrics, "metrics", "", "metrics endpoint (default <origin>/metrics)")
	fs.StringVar(&c.Mount, "mount", "/live", "the live socket's mount path")
	fs.DurationVar(&c.Timeout, "timeout", 5*time.Minute, "overall deadline for the whole run")
	fs.DurationVar(&c.JoinTimeout, "join-timeout", 15*time.Second, "deadline for one dial and join")
	fs.DurationVar(&c.Settle, "settle", 60*time.Second, "fanout/reconnect: how long to wait for the last view; carts: for the dashboard after the last add")
	shoppers := fs.Int("shoppers", 1000, "carts: number of shoppers (one browser and socket each)")
	fs.DurationVar(&c.Arrive, "arrive", 10*time.Second, "carts: the span over which the shoppers arrive, evenly")
	fs.StringVar(&c.AdminUser, "admin-user", "admin", "carts: basic-auth user of the admin page and API")
	fs.StringVar(&c.AdminPassword, "admin-password", defaultAdminPassword(), "carts: basic-auth password of the admin page and API (default $ADMIN_PASSWORD, else \"password\")")
	fs.IntVar(&c.MaxAttempts, "max-attempts", 20, "reconnect: attempts per view before giving up")
	fs.Int64Var(&c.MaxFrame, "max-frame", 8<<20, "largest frame accepted from the server")
	fs.BoolVar(&c.Baseline, "baseline", false, "fanout: then time a bare channel broadcast of a frame of the same size to as many sockets, on a server of live/channel alone in a child process")
	fs.BoolVar(&c.JSON, "json", false, "print the result as JSON")
	quiet := fs.Bool("quiet", false, "no progress line")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch c.Scenario {
	case "idle", "clicks", "fanout", "reconnect":
	case "carts":
		if *shoppers < 1 || c.Arrive < 0 {
			return c, errors.New("-shoppers must be positive and -arrive not negative")
		}
		c.N = *shoppers
	default:
		return c, fmt.Errorf("-scenario %q: want idle, clicks, fanout, reconnect or carts", c.Scenario)
	}
	if c.N < 1 || c.Ramp < 1 || c.Workers < 1 || c.Timeout <= 0 {
		return c, errors.New("-n, -ramp, -workers and -timeout must be positive")
	}
	if c.Scenario == "fanout" && c.Trigger == "" {
		return c, errors.New("-scenario fanout needs -trigger")
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		return c, fmt.Errorf("bad -url %q", c.URL)
	}
	if c.Metrics == "" {
		c.Metrics = u.Scheme + "://" + u.Host + "/metrics"
	}
	if !*quiet {
		c.Progress = stderr
	}
	return c, nil
}

func printTable(w io.Writer, res *result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\t%s\n", res.Scenario)
	fmt.Fprintf(tw, "url\t%s\n", res.URL)
	fmt.Fprintf(tw, "views requested\t%d\n", res.Views)
	for _, k := range res.order {
		fmt.Fprintf(tw, "%s\t%.6g %s\n", k, res.Values[k], res.units[k])
	}
	if len(res.Errors) == 0 {
		fmt.Fprintf(tw, "errors\tnone\n")
	}
	for k, v := range res.Errors {
		fmt.Fprintf(tw, "error\t%d × %s\n", v, k)
	}
	tw.Flush()
}

// defaultAdminPassword is the demo's: $ADMIN_PASSWORD, else its development password.
func defaultAdminPassword() string {
	if p := os.Getenv("ADMIN_PASSWORD"); p != "" {
		return p
	}
	return "password"
}

// raiseFileLimit lifts the open-file limit to what n sockets need, where allowed.
func raiseFileLimit(n int, stderr io.Writer) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return
	}
	want := uint64(n) + 1024
	if lim.Cur >= want {
		return
	}
	lim.Cur = min(want, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < want {
		fmt.Fprintf(stderr, "glintload: open-file limit %d is below the %d needed\n", lim.Cur, want)
	}
}
