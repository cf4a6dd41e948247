package deploy_test

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"github.com/glint-go/glint/internal/testenv"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The nodes' settings, as deploy/run.sh passes them.
const (
	adminPassword = "deploy-test-password"
	drainDelay    = 3 * time.Second
)

// EnvHAProxy names the environment variable that, when set, gives the HAProxy binary to use
// instead of searching the usual places.
const EnvHAProxy = "GLINT_HAPROXY"

// findHAProxy returns the HAProxy binary, or "" when none is installed. Debian installs it
// in /usr/sbin, which is not on every user's PATH.
func findHAProxy() string {
	if p := os.Getenv(EnvHAProxy); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, c := range []string{"haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"} {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// requireHAProxy returns HAProxy's path. When there is none it fails the test if the
// environment variable CI is "true", and skips it otherwise.
func requireHAProxy(t testing.TB) string {
	t.Helper()
	if p := findHAProxy(); p != "" {
		return p
	}
	testenv.Missing(t, "deploy: HAProxy not found (install Debian's haproxy package or set "+EnvHAProxy+")")
	return ""
}

// moduleRoot is the repository's root, the parent of deploy/.
func moduleRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod above %s: %v", wd, err)
	}
	return root
}

// buildProductpage builds the demo's binary into a temporary directory.
func buildProductpage(t testing.TB) string {
	t.Helper()
	// go test puts its own GOROOT/bin first on the PATH.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on the PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "productpage")
	cmd := exec.Command(goBin, "build", "-o", bin, "./examples/productpage")
	cmd.Dir = moduleRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/productpage: %v\n%s", err, out)
	}
	return bin
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// node is one productpage process, restarted on the same ports.
type node struct {
	name   string
	addr   string // HTTP, host:port
	route  string // the embedded NATS server's cluster (route) address, host:port
	routes string // the other nodes' route URLs
	log    *os.File

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current process has exited
}

// cluster is three nodes behind HAProxy, started from deploy/haproxy.cfg.
type cluster struct {
	t       testing.TB
	bin     string
	db      string
	secret  string // the secret file every node shares
	dir     string
	nodes   []*node
	lb      string // HAProxy's URL, http://host:port
	stats   string // HAProxy's stats page URL
	haproxy *exec.Cmd
	hpDone  chan struct{} // closed when HAProxy has exited
	hplog   string
	http    *http.Client
}

// startCluster starts three nodes on db (one after the other, so that the first one
// migrates and seeds it), then HAProxy with deploy/haproxy.cfg, and waits until HAProxy sees
// every node UP.
func startCluster(t testing.TB, haproxy, bin, db string) *cluster {
	t.Helper()
	dir := t.TempDir()
	ports := freePorts(t, 8)
	c := &cluster{
		t: t, bin: bin, db: db, dir: dir,
		secret: filepath.Join(dir, "secret"),
		lb:     "http://127.0.0.1:" + strconv.Itoa(ports[6]),
		stats:  "http://127.0.0.1:" + strconv.Itoa(ports[7]),
		http:   &http.Client{Timeout: 10 * time.Second},
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.WriteFile(c.secret, []byte(hex.EncodeToString(key)), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		c.nodes = append(c.nodes, &node{
			name:  "node" + strconv.Itoa(i+1),
			addr:  "127.0.0.1:" + strconv.Itoa(ports[i]),
			route: "127.0.0.1:" + strconv.Itoa(ports[3+i]),
		})
	}
	for i, n := range c.nodes {
		var routes []string
		for j, o := range c.nodes {
			if j != i {
				routes = append(routes, "nats-route://"+o.route)
			}
		}
		n.routes = strings.Join(routes, ",")
		f, err := os.OpenFile(filepath.Join(dir, n.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		n.log = f
	}
	t.Cleanup(c.stop)
	for _, n := range c.nodes {
		c.start(n)
		c.waitReady(n, 60*time.Second)
	}

	c.hplog = filepath.Join(dir, "haproxy.log")
	f, err := os.Create(c.hplog)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(moduleRoot(t), "deploy", "haproxy.cfg")
	cmd := exec.Command(haproxy, "-db", "-f", cfg)
	cmd.Env = append(os.Environ(),
		"GLINT_LB_ADDR="+strings.TrimPrefix(c.lb, "http://"),
		"GLINT_STATS_ADDR="+strings.TrimPrefix(c.stats, "http://"),
		"GLINT_NODE1="+c.nodes[0].addr, "GLINT_NODE2="+c.nodes[1].addr, "GLINT_NODE3="+c.nodes[2].addr)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatalf("start haproxy: %v", err)
	}
	c.haproxy, c.hpDone = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		close(c.hpDone)
	}()
	for _, n := range c.nodes {
		c.waitLB(n, "UP", 30*time.Second)
	}
	return c
}

// start starts n's process.
func (c *cluster) start(n *node) {
	c.t.Helper()
	cmd := exec.Command(c.bin,
		"-addr", n.addr,
		"-db", c.db,
		"-nats-embed", "-nats-listen", "127.0.0.1:0",
		"-nats-cluster", n.route, "-nats-routes", n.routes,
		"-node", n.name,
		"-drain-delay", drainDelay.String(),
		"-trusted-proxies", "127.0.0.1/32",
		"-secret-file", c.secret)
	cmd.Env = append(os.Environ(), "ADMIN_PASSWORD="+adminPassword)
	cmd.Stdout, cmd.Stderr = n.log, n.log
	fmt.Fprintf(n.log, "=== %s: starting %s\n", time.Now().Format(time.RFC3339Nano), n.name)
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", n.name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	n.mu.Lock()
	n.cmd, n.exited = cmd, exited
	n.mu.Unlock()
}

// terminate sends SIGTERM to n, as an orchestrator does to stop it.
func (c *cluster) terminate(n *node) {
	c.t.Helper()
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatalf("SIGTERM %s: %v", n.name, err)
	}
}

// waitExit waits for n's process to end, and fails unless it ended on its own, with
// status 0, within d.
func (c *cluster) waitExit(n *node, d time.Duration) {
	c.t.Helper()
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(d):
		c.t.Fatalf("%s did not stop within %v of SIGTERM\n%s", n.name, d, c.logs())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		c.t.Fatalf("%s exited with status %d\n%s", n.name, code, c.logs())
	}
}

// stop ends every process: the nodes gracefully (SIGTERM, killed after 30 s), HAProxy at
// once.
func (c *cluster) stop() {
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		n.mu.Lock()
		cmd, exited := n.cmd, n.exited
		n.mu.Unlock()
		if cmd == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		}()
	}
	if c.haproxy != nil {
		c.haproxy.Process.Kill()
		<-c.hpDone
	}
	wg.Wait()
	for _, n := range c.nodes {
		if n.log != nil {
			n.log.Close()
		}
	}
}

// get returns a GET's status and body ("" and status 0 when it failed).
func (c *cluster) get(url string) (int, string) {
	resp, err := c.http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady waits until n answers /readyz with 200.
func (c *cluster) waitReady(n *node, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		code, body := c.get("http://" + n.addr + "/readyz")
		if code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s not ready within %v: %d %q\n%s", n.name, d, code, body, c.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lbStatus returns HAProxy's view of n ("UP", "DOWN", "UP 1/2", …), read from the stats
// page's CSV.
func (c *cluster) lbStatus(n *node) (string, error) {
	resp, err := c.http.Get(c.stats + "/;csv")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	r := csv.NewReader(resp.Body)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", fmt.Errorf("empty stats CSV")
	}
	status := -1
	for i, h := range rows[0] {
		if strings.TrimPrefix(h, "# ") == "status" {
			status = i
		}
	}
	if status < 0 {
		return "", fmt.Errorf("no status column in %q", rows[0])
	}
	for _, row := range rows[1:] {
		if len(row) > status && row[0] == "nodes" && row[1] == n.name {
			return row[status], nil
		}
	}
	return "", fmt.Errorf("no server %s in the stats", n.name)
}

// waitLB waits until HAProxy reports n as want ("UP" or "DOWN").
func (c *cluster) waitLB(n *node, want string, d time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for {
		got, err := c.lbStatus(n)
		if err == nil && got == want {
			return
		}
		select {
		case <-c.hpDone:
			c.t.Fatalf("HAProxy exited: %v\n%s", c.haproxy.ProcessState, c.logs())
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("HAProxy did not report %s %s within %v: %q %v\n%s", n.name, want, d, got, err, c.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logs returns the end of every process's log, for failure messages.
func (c *cluster) logs() string {
	var b strings.Builder
	files := []string{c.hplog}
	for _, n := range c.nodes {
		files = append(files, filepath.Join(c.dir, n.name+".log"))
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		data, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		fmt.Fprintf(&b, "--- %s (last %d lines)\n%s\n", filepath.Base(f), len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// adminDo sends an admin API request through HAProxy.
func (c *cluster) adminDo(ctx context.Context, method, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.lb+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth("admin", adminPassword)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}
