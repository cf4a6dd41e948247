package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// serverMetrics is what the tool reads from the server's Prometheus text endpoint.
type serverMetrics map[string]float64

// scrape reads every unlabelled sample (and labelled ones under their full name). It asks
// the server to collect garbage first (gc=1), so that memory counts live objects only.
func scrape(ctx context.Context, client *http.Client, url string) (serverMetrics, error) {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+sep+"gc=1", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: GET %s: %s", url, resp.Status)
	}
	m := serverMetrics{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if f, err := strconv.ParseFloat(strings.Fields(val)[0], 64); err == nil {
			m[name] = f
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if _, ok := m["go_memstats_heap_inuse_bytes"]; !ok {
		return nil, fmt.Errorf("metrics: %s has no go_memstats_heap_inuse_bytes (not a Glint metrics endpoint?)", url)
	}
	return m, nil
}

// memory is heap in use plus stacks in use.
func (m serverMetrics) memory() float64 {
	return m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"]
}
