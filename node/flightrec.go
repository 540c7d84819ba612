package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"cosmossdk.io/log"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/supervisor"
)

// exitConsensusFailure is agd's exit code after an AppHash mismatch, apart
// from 1 (any other failure) so that scripts can tell the two apart.
const exitConsensusFailure = 3

func flightRecorderDir(home string) string { return filepath.Join(home, "data", "flight-recorder") }

// openFlightRecorder opens the record in <home>/data/flight-recorder. Every
// write failure counts in agd_flightrec_write_errors_total; the log says
// the first at once and then at most one line a minute, with how many more
// there were, since a full disk would otherwise log on every batch.
func openFlightRecorder(logger log.Logger, home string, policy flightrec.Policy, m *metrics.Metrics) (*flightrec.Recorder, error) {
	report := newFailureLog(logger, time.Minute, time.Now)
	rec, err := flightrec.Open(flightrec.Config{
		Dir:    flightRecorderDir(home),
		Policy: policy,
		OnError: func(err error) {
			m.FlightRecorderWriteErrors(1)
			m.Unpropagated(metrics.SiteFlightrecWrite)
			report.failed(err)
		},
		Observe: m.SlogEntry,
	})
	if err != nil {
		return nil, fmt.Errorf("open flight recorder: %w", err)
	}
	if err := m.WatchFlightRecorder(rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// failureLog logs the first of a run of failures at once and then at most
// one line per interval, saying how many there were since the last line.
type failureLog struct {
	logger   log.Logger
	interval time.Duration
	now      func() time.Time

	mu      sync.Mutex
	last    time.Time
	skipped int
}

func newFailureLog(logger log.Logger, interval time.Duration, now func() time.Time) *failureLog {
	return &failureLog{logger: logger, interval: interval, now: now}
}

func (f *failureLog) failed(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.now()
	if !f.last.IsZero() && t.Sub(f.last) < f.interval {
		f.skipped++
		return
	}
	f.logger.Error("flight recorder cannot write; the kernel goes on, the evidence may be incomplete",
		"err", err, "failures_since_last_report", f.skipped+1)
	f.last, f.skipped = t, 0
}

// consensusFailure turns CometBFT's report of an AppHash mismatch into a
// dump and a stop. CometBFT itself would stop its consensus routine and
// leave the process running, or retry blocksync forever; a diverged node
// can do nothing useful, so agd says what happened, where the evidence is,
// and exits.
type consensusFailure struct {
	logger   log.Logger
	recorder *flightrec.Recorder
	home     string
	// lastHeight is cosmos' committed height: the block whose AppHash the
	// network disputes.
	lastHeight         func() int64
	storedActivityHash func() (string, error)
	kernel             kernelOptions
	// build names agd's build in a dump.
	build map[string]string

	once   sync.Once
	failed chan struct{}
	err    error
}

func newConsensusFailure(logger log.Logger, rec *flightrec.Recorder, home string, kernel kernelOptions, build map[string]string,
	lastHeight func() int64, storedActivityHash func() (string, error),
) *consensusFailure {
	return &consensusFailure{
		logger: logger, recorder: rec, home: home, kernel: kernel, build: build,
		lastHeight: lastHeight, storedActivityHash: storedActivityHash,
		failed: make(chan struct{}),
	}
}

// appHashMismatch is called from CometBFT's logger, on the goroutine that
// found the mismatch; only the first report counts (blocksync repeats its
// own on every retry).
func (f *consensusFailure) appHashMismatch(m flightrec.Mismatch) {
	f.once.Do(func() {
		f.err = f.dump(m)
		close(f.failed)
	})
}

func (f *consensusFailure) dump(m flightrec.Mismatch) error {
	height := f.lastHeight()
	if height <= 0 {
		height = f.recorder.Current()
	}
	stored, err := f.storedActivityHash()
	if err != nil {
		stored = "unavailable: " + err.Error()
	}
	res, err := f.recorder.Dump(f.recorder.Dir(), flightrec.DumpInput{
		Height:             height,
		Mismatch:           m,
		Versions:           f.versions(),
		StoredActivityHash: stored,
		ConfigDir:          filepath.Join(f.home, "config"),
		Now:                time.Now(),
	})
	id := m.ID(height)
	if err != nil {
		msg := fmt.Sprintf("CONSENSUS FAILURE at height %d: this node's AppHash %s differs from the network's %s (detected by %s). "+
			"Writing the flight record failed: %v. Search for %q before reporting: every node with the same failure gets that string.",
			height, m.OurAppHash, m.NetworkAppHash, m.Source, err, id)
		f.logger.Error(msg)
		return &ExitError{Code: exitConsensusFailure, Err: fmt.Errorf("%s", msg)}
	}
	written := "The evidence is in"
	if res.Kept {
		written = "The evidence was written when this failure was first detected, and is kept as it was, in"
	}
	msg := fmt.Sprintf("CONSENSUS FAILURE at height %d: this node's AppHash %s differs from the network's %s (detected by %s). "+
		"%s %s . What to do: upload that file with your report. Its name ends in %s; anyone else with the same failure "+
		"gets the same string, so search for %q first. agd stops now instead of retrying forever.",
		height, m.OurAppHash, m.NetworkAppHash, m.Source, written, res.Path, id, id)
	f.logger.Error(msg)
	return &ExitError{Code: exitConsensusFailure, Err: fmt.Errorf("%s", msg)}
}

// Err is the failure to exit with, once one was detected.
func (f *consensusFailure) Err() error {
	select {
	case <-f.failed:
		return f.err
	default:
		return nil
	}
}

// actor ends the run group once a failure is detected and dumped.
func (f *consensusFailure) actor() (string, func() error, func(error)) {
	quit := make(chan struct{})
	execute := func() error {
		select {
		case <-f.failed:
			return f.err
		case <-quit:
			return nil
		}
	}
	return "flight-recorder", execute, func(error) { close(quit) }
}

// versions says what ran: agd's build (Options.Versions), the kernel
// command, and agvm's and Node's versions as far as they can be found from
// the agvm folder.
func (f *consensusFailure) versions() map[string]string {
	v := make(map[string]string, len(f.build)+3)
	for k, s := range f.build {
		v[k] = s
	}
	if argv, err := f.kernel.argv(); err == nil {
		v["kernelCommand"] = strings.Join(argv, " ")
		if strings.HasPrefix(filepath.Base(argv[0]), "node") {
			v["node"] = nodeVersion(argv[0])
		}
	}
	dir, err := supervisor.FindAgvmDir(f.kernel.agvmDir)
	if err != nil {
		return v
	}
	if data, err := os.ReadFile(filepath.Join(dir, "package.json")); err == nil {
		var pkg struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(data, &pkg) == nil {
			v["agvm"] = pkg.Version
		}
	}
	if _, ok := v["node"]; !ok {
		if argv, err := supervisor.DefaultCommand(dir); err == nil {
			v["node"] = nodeVersion(argv[0]) + " (agvm's pinned node; the kernel command is not node itself)"
		}
	}
	return v
}

func nodeVersion(node string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return "unknown: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}
