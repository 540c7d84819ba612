package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// pinnedMetrics are the names issue 14 pins; operators alert on them.
var pinnedMetrics = []string{
	"agd_kernel_height",
	"agd_kernel_call_duration_seconds",
	"agd_kernel_requests_total",
	"agd_slog_entries_total",
	"agd_flightrec_retained_bytes",
	"agd_flightrec_write_errors_total",
	"agd_unpropagated_errors_total",
	"agd_kernel_process_resident_bytes",
	"agd_kernel_process_cpu_seconds_total",
}

func (ln *localnet) metricsURL(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d/metrics", ln.basePort+10*i+5)
}

// scrape reads node i's Prometheus endpoint.
func (ln *localnet) scrape(t *testing.T, i int) map[string]*dto.MetricFamily {
	t.Helper()
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(ln.metricsURL(i))
	if err != nil {
		t.Fatalf("scrape %s: %v", ln.metricsURL(i), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", ln.metricsURL(i), resp.Status)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", ln.metricsURL(i), err)
	}
	return families
}

// sample is the value of the first series of name whose labels include
// labels; ok is false when there is none.
func sample(families map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
series:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue series
			}
		}
		switch {
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetHistogram() != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// TestMetricsEndpoint scrapes a one-validator split chain's Prometheus
// endpoint (localnet's base+10*i+5): CometBFT's metrics and every pinned
// agd name are there, agd_kernel_height follows the chain, and the
// figures are the live kernel's.
func TestMetricsEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	node := ln.start(t, 0, "--split")
	ln.waitHeight(t, 0, 3, 60*time.Second, node)

	first := ln.scrape(t, 0)
	for _, name := range append([]string{"cometbft_consensus_height"}, pinnedMetrics...) {
		if _, ok := first[name]; !ok {
			t.Errorf("the endpoint has no %s", name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// agd_kernel_height follows the chain: between two readings of the
	// chain's height, and growing with it.
	before, err := ln.height(0)
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := sample(ln.scrape(t, 0), "agd_kernel_height", nil)
	after, err := ln.height(0)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel commits a block just before cosmos does, so for a moment
	// it may be one ahead of the chain's reported height.
	if h1 < float64(before-1) || h1 > float64(after+1) {
		t.Fatalf("agd_kernel_height = %v while the chain went from %d to %d", h1, before, after)
	}
	// The chain's reported height is its block store's, which CometBFT
	// saves before it applies the block: the kernel may be one behind it
	// then. Once the chain has stored block h1+4, block h1+3 has been
	// applied and committed, by the kernel first, so the kernel is at
	// h1+3 at least. (Waiting for h1+3 only failed under load: "went from
	// 3 to 5".)
	ln.waitHeight(t, 0, int64(h1)+4, 30*time.Second, node)
	later := ln.scrape(t, 0)
	h2, _ := sample(later, "agd_kernel_height", nil)
	if h2 < h1+3 {
		t.Fatalf("agd_kernel_height went from %v to %v while the chain grew by 3 blocks", h1, h2)
	}

	checks := []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"agd_kernel_call_duration_seconds", map[string]string{"method": "swingset.Init"}, 1},
		{"agd_kernel_call_duration_seconds", map[string]string{"method": "swingset.BeginBlock"}, h2 - 1},
		{"agd_kernel_call_duration_seconds", map[string]string{"method": "swingset.Commit"}, h2 - 1},
		{"agd_kernel_requests_total", map[string]string{"method": "slog.Write", "code": "0"}, 1},
		{"agd_slog_entries_total", nil, 1},
		{"agd_flightrec_retained_bytes", nil, 1},
		{"agd_kernel_process_resident_bytes", map[string]string{"process": "kernel"}, 10 << 20},
		{"agd_kernel_process_cpu_seconds_total", map[string]string{"process": "kernel"}, 0.01},
		// One observation per committed block, the blocks since start.
		{"agd_kernel_block_cranks", nil, h2 - 1},
		{"agd_kernel_block_computrons", nil, h2 - 1},
	}
	for _, c := range checks {
		got, ok := sample(later, c.name, c.labels)
		if !ok || got < c.min {
			t.Errorf("%s%v = %v (present %v), want at least %v", c.name, c.labels, got, ok, c.min)
		}
	}
	for _, zero := range []struct {
		name   string
		labels map[string]string
	}{
		{"agd_flightrec_write_errors_total", nil},
		{"agd_unpropagated_errors_total", map[string]string{"site": "lifecycle.signal_kernel"}},
		{"agd_unpropagated_errors_total", map[string]string{"site": "flightrec.write"}},
	} {
		got, ok := sample(later, zero.name, zero.labels)
		if !ok || got != 0 {
			t.Errorf("%s%v = %v (present %v), want a series at 0 on a healthy node", zero.name, zero.labels, got, ok)
		}
	}

	// The kernel's per-block work moves with a delivery: its block adds
	// cranks (the bootstrap vat's deliver, the faucet's ping, the notify)
	// and their metered computrons.
	cranks0, computrons0 := histogramSum(later, "agd_kernel_block_cranks"), histogramSum(later, "agd_kernel_block_computrons")
	ping := sendTx(t, ln, "swingset", "deliver", "faucet", "ping", "[]")
	ln.waitHeight(t, 0, ping.Height+1, 30*time.Second, node)
	moved := ln.scrape(t, 0)
	if c := histogramSum(moved, "agd_kernel_block_cranks"); c < cranks0+3 {
		t.Errorf("agd_kernel_block_cranks summed %v before a delivery and %v after: want 3 cranks more at least", cranks0, c)
	}
	if c := histogramSum(moved, "agd_kernel_block_computrons"); c <= computrons0 {
		t.Errorf("agd_kernel_block_computrons summed %v before a delivery and %v after: the delivery's compute is missing", computrons0, c)
	}
}

// histogramSum is the sum of all observations of histogram name.
func histogramSum(families map[string]*dto.MetricFamily, name string) float64 {
	var sum float64
	for _, m := range families[name].GetMetric() {
		sum += m.GetHistogram().GetSampleSum()
	}
	return sum
}

// TestKernelErrorsReachMetrics: an error the kernel can only log reaches
// agd and counts in agd_unpropagated_errors_total under its agvm site. The
// kernel's SLOGFILE is /dev/full, which opens and then fails every write:
// the kernel turns its file slog off, logs it, and sends agd an agvm-error
// entry.
func TestKernelErrorsReachMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	ln := newLocalnet(t, 1)
	cmd := exec.Command(agdBinary(t), "start", "--home", ln.home(0), "--log_no_color", "--split")
	cmd.Env = append(os.Environ(), "SLOGFILE=/dev/full")
	node := startCommand(t, "node0", cmd)
	ln.waitHeight(t, 0, 2, 60*time.Second, node)
	families := ln.scrape(t, 0)
	if got, _ := sample(families, "agd_unpropagated_errors_total", map[string]string{"site": "agvm.slog_file"}); got != 1 {
		t.Fatalf(`agd_unpropagated_errors_total{site="agvm.slog_file"} = %v, want 1 (the first write failed, then the file slog is off)`, got)
	}
	if got, ok := sample(families, "agd_unpropagated_errors_total", map[string]string{"site": "agvm.chain_send"}); !ok || got != 0 {
		t.Errorf(`agd_unpropagated_errors_total{site="agvm.chain_send"} = %v (present %v), want a series at 0`, got, ok)
	}
	if !strings.Contains(node.logText(), "SLOGFILE write failed") {
		t.Errorf("the node's log does not say the kernel's SLOGFILE failed")
	}
}
