package live

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	ts := newCounterServer(t, Options{MetricsPath: "/metrics"})
	p := ts.get(t, "/")
	lv := ts.join(t, ts.dial(t, p), p, "/")
	lv.click(t, "inc", nil)
	lv.click(t, "inc", nil)
	resp, err := http.Get(ts.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	body := string(b)
	for _, want := range []string{
		"glint_live_views 1\n",
		"glint_live_joins_total 1\n",
		"glint_live_events_total 2\n",
		"glint_live_renders_total 4\n", // dead render, join, two clicks
		"glint_live_crashes_total 0\n",
		"# TYPE glint_live_views gauge",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if !strings.Contains(body, "mailbox") {
		t.Errorf("metrics lack the channel layer's mailbox depth:\n%s", body)
	}
}
