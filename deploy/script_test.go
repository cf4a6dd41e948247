package deploy_test

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/glint-go/glint/examples/productpage/store/storetest"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// consecutivePorts returns the first of n consecutive loopback ports that were free a moment
// ago (run.sh numbers the nodes' ports from a first one), avoiding those in taken.
func consecutivePorts(t testing.TB, n int, taken map[int]bool) int {
	t.Helper()
	for range 200 {
		base := 20000 + rand.IntN(30000)
		var lns []net.Listener
		ok := true
		for p := base; p < base+n; p++ {
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil || taken[p] {
				if err == nil {
					ln.Close()
				}
				ok = false
				break
			}
			lns = append(lns, ln)
		}
		for _, ln := range lns {
			ln.Close()
		}
		if ok {
			for p := base; p < base+n; p++ {
				taken[p] = true
			}
			return base
		}
	}
	t.Fatalf("no %d consecutive free ports", n)
	return 0
}

// lockedBuffer collects a process's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunScript runs deploy/run.sh as a user does, in a process group of its own as in a
// terminal: it must print the shop's URL, serving through HAProxy; deploy/rolling-restart.sh
// must restart the three nodes one at a time while every page load through HAProxy still
// succeeds; and Ctrl-C (SIGINT to the group) must stop every process it started.
func TestRunScript(t *testing.T) {
	haproxy := requireHAProxy(t)
	db := storetest.FreshSchema(t, storetest.PostgresURL(t), "glint_deploy")
	bin := buildProductpage(t)
	root := moduleRoot(t)
	taken := map[int]bool{}
	lbPort := consecutivePorts(t, 1, taken)
	env := append(os.Environ(),
		"GLINT_DEPLOY_DB="+db,
		"GLINT_DEPLOY_PORT="+strconv.Itoa(lbPort),
		"GLINT_DEPLOY_STATS_PORT="+strconv.Itoa(consecutivePorts(t, 1, taken)),
		"GLINT_DEPLOY_NODE_PORT="+strconv.Itoa(consecutivePorts(t, 3, taken)),
		"GLINT_DEPLOY_NATS_PORT="+strconv.Itoa(consecutivePorts(t, 3, taken)),
		"GLINT_DEPLOY_ROUTE_PORT="+strconv.Itoa(consecutivePorts(t, 3, taken)),
		"GLINT_DEPLOY_DIR="+t.TempDir(),
		"GLINT_DEPLOY_BIN="+bin,
		EnvHAProxy+"="+haproxy,
		"ADMIN_PASSWORD="+adminPassword,
	)

	cmd := exec.Command("bash", filepath.Join(root, "deploy", "run.sh"))
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out lockedBuffer
	cmd.Stderr = &out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	exited := make(chan struct{})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		up := regexp.MustCompile(`^Sneakers23 is up: (\S+)`)
		for sc.Scan() {
			fmt.Fprintln(&out, sc.Text())
			if m := up.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		syscall.Kill(-pgid, syscall.SIGKILL) // whatever is left, if the test failed early
		<-exited
	})

	var shop string
	select {
	case shop = <-urlc:
	case <-exited:
		t.Fatalf("run.sh exited before printing the URL:\n%s", out.String())
	case <-time.After(120 * time.Second):
		t.Fatalf("run.sh printed no URL within 120 s:\n%s", out.String())
	}
	if want := "http://127.0.0.1:" + strconv.Itoa(lbPort) + "/drops"; shop != want {
		t.Fatalf("run.sh printed %q, want %q", shop, want)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	get := func() error {
		resp, err := hc.Get(shop)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Hop Man 3") {
			return fmt.Errorf("GET %s: %s", shop, resp.Status)
		}
		return nil
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}

	// Page loads through HAProxy all along the rolling restart.
	stop := make(chan struct{})
	loads := make(chan []error, 1)
	go func() {
		var errs []error
		n := 0
		for {
			select {
			case <-stop:
				loads <- append(errs, fmt.Errorf("%d loads", n))
				return
			case <-time.After(100 * time.Millisecond):
			}
			n++
			if err := get(); err != nil {
				errs = append(errs, err)
			}
		}
	}()
	rr := exec.Command("bash", filepath.Join(root, "deploy", "rolling-restart.sh"))
	rr.Env = env
	start := time.Now()
	rrOut, err := rr.CombinedOutput()
	close(stop)
	results := <-loads
	if err != nil {
		t.Fatalf("rolling-restart.sh: %v\n%s\nrun.sh:\n%s", err, rrOut, out.String())
	}
	t.Logf("rolling-restart.sh (no open pages) took %v:\n%s", time.Since(start).Round(time.Millisecond), rrOut)
	for i := 1; i <= 3; i++ {
		if !strings.Contains(string(rrOut), "node"+strconv.Itoa(i)+": back in HAProxy") {
			t.Errorf("rolling-restart.sh did not report node%d back", i)
		}
	}
	if failed := results[:len(results)-1]; len(failed) > 0 {
		t.Errorf("%d page loads through HAProxy failed during the rolling restart (%v), first: %v", len(failed), results[len(results)-1], failed[0])
	}

	// Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
	if err := syscall.Kill(-pgid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("run.sh still running 60 s after Ctrl-C:\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("run.sh exited with status %d after Ctrl-C", code)
	}
	// Nothing it started is left: the group is empty and nothing listens on HAProxy's port.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of run.sh's group still alive after it exited (%v)\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(lbPort), time.Second); err == nil {
		c.Close()
		t.Errorf("something still listens on HAProxy's port after Ctrl-C")
	}
}
