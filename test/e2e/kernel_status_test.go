package e2e

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// kernelStatus is `agd query swingset kernel --output json` (protojson:
// 64-bit integers are strings).
type kernelStatus struct {
	Process               statusProcess   `json:"process"`
	NodeVersion           string          `json:"node_version"`
	KernelHeight          json.Number     `json:"kernel_height"`
	CosmosHeight          json.Number     `json:"cosmos_height"`
	LastBlockHeight       json.Number     `json:"last_block_height"`
	LastBlockKernelMicros json.Number     `json:"last_block_kernel_microseconds"`
	Workers               []statusProcess `json:"workers"`
	FlightRecorder        struct {
		Dir     string        `json:"dir"`
		Blocks  []json.Number `json:"blocks"`
		Bytes   json.Number   `json:"bytes"`
		Dumps   []string      `json:"dumps"`
		Entries json.Number   `json:"entries"`
	} `json:"flight_recorder"`
}

type statusProcess struct {
	Pid           json.Number `json:"pid"`
	ParentPid     json.Number `json:"parent_pid"`
	Command       string      `json:"command"`
	Args          []string    `json:"args"`
	UptimeSeconds json.Number `json:"uptime_seconds"`
	ResidentBytes json.Number `json:"resident_bytes"`
	CPUMillis     json.Number `json:"cpu_milliseconds"`
}

func queryKernel(t *testing.T, ln *localnet) kernelStatus {
	t.Helper()
	out := mustAgd(t, "query", "swingset", "kernel", "--node", ln.nodeFlag(0), "--output", "json")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var s kernelStatus
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return s
}

func num(t *testing.T, n json.Number) int64 {
	t.Helper()
	if n == "" {
		return 0
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %q", n)
	}
	return v
}

var kernelStartedPid = regexp.MustCompile(`kernel started.*pid=(\d+)`)

// TestKernelStatusQuery: `agd query swingset kernel` shows the running
// kernel as the node's log and /proc know it, and a process started under
// the kernel is listed as a worker.
func TestKernelStatusQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real chain")
	}
	t.Run("the default kernel", func(t *testing.T) {
		ln := newLocalnet(t, 1)
		node := ln.start(t, 0, "--split")
		ln.waitHeight(t, 0, 3, 60*time.Second, node)
		before, _ := ln.height(0)
		s := queryKernel(t, ln)
		after, _ := ln.height(0)

		m := kernelStartedPid.FindStringSubmatch(node.logText())
		if m == nil {
			t.Fatal("no `kernel started pid=` in the log")
		}
		if string(s.Process.Pid) != m[1] || s.Process.Command != "node" {
			t.Errorf("process %+v, want the pid %s the log names, command node", s.Process, m[1])
		}
		if !strings.HasPrefix(s.NodeVersion, "v24.") {
			t.Errorf("node_version %q, want the pinned v24", s.NodeVersion)
		}
		if up := num(t, s.Process.UptimeSeconds); up > 120 || num(t, s.Process.ResidentBytes) < 10<<20 || num(t, s.Process.CPUMillis) <= 0 {
			t.Errorf("uptime %s s, resident %s bytes, cpu %s ms: not a kernel that started seconds ago", s.Process.UptimeSeconds, s.Process.ResidentBytes, s.Process.CPUMillis)
		}
		kh := num(t, s.KernelHeight)
		// The kernel commits a block just before cosmos does: for a moment
		// it is one ahead.
		if ch := num(t, s.CosmosHeight); kh < before-1 || kh > after+1 || ch < kh-1 || ch > kh {
			t.Errorf("kernel height %d, cosmos %s while the chain went from %d to %d", kh, s.CosmosHeight, before, after)
		}
		if us := num(t, s.LastBlockKernelMicros); num(t, s.LastBlockHeight) != kh || us <= 0 || us > 10e6 {
			t.Errorf("last block %s took %d µs in the kernel; want block %d, a positive time", s.LastBlockHeight, us, kh)
		}
		fr := s.FlightRecorder
		if fr.Dir != filepath.Join(ln.home(0), "data", "flight-recorder") || len(fr.Blocks) < 2 || num(t, fr.Bytes) <= 0 ||
			len(fr.Dumps) != 0 || num(t, fr.Entries) <= 0 {
			t.Errorf("flight recorder %+v: want the node's folder, 2 blocks kept, bytes, entries and no dump", fr)
		}
		// SwingSet runs each vat in its own xsnap worker, a child of the
		// kernel, named on its command line ("v3:bank").
		vats := map[string]bool{}
		for _, w := range s.Workers {
			if w.Command != "xsnap-worker" || w.ParentPid != s.Process.Pid || len(w.Args) < 2 {
				t.Errorf("worker %+v: want an xsnap-worker child of kernel %s", w, s.Process.Pid)
				continue
			}
			if _, name, ok := strings.Cut(w.Args[1], ":"); ok {
				vats[name] = true
			}
		}
		for _, want := range []string{"bootstrap", "bank", "faucet"} {
			if !vats[want] {
				t.Errorf("no worker for vat %s among %+v", want, s.Workers)
			}
		}
		families := ln.scrape(t, 0)
		if _, ok := sample(families, "agd_kernel_process_cpu_seconds_total", map[string]string{"process": "kernel", "pid": string(s.Process.Pid)}); !ok {
			t.Errorf("no agd_kernel_process_cpu_seconds_total for the kernel %s", s.Process.Pid)
		}
		if len(s.Workers) > 0 {
			w := s.Workers[0]
			if _, ok := sample(families, "agd_kernel_process_resident_bytes", map[string]string{"process": w.Command, "pid": string(w.Pid)}); !ok {
				t.Errorf("no agd_kernel_process_resident_bytes for the worker %s", w.Pid)
			}
		}
	})
}
