package node

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"cosmossdk.io/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/rpc"
)

func newTestMetrics(t *testing.T) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// counterValue is the value of the series name{labels} in reg, 0 if absent.
func counterValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue series
				}
			}
			if s.GetCounter() != nil {
				return s.GetCounter().GetValue()
			}
			return s.GetGauge().GetValue()
		}
	}
	return 0
}

// TestFlightRecorderCountsEveryWriteError: with the record's folder gone,
// each failing slog.Write batch counts in agd_flightrec_write_errors_total
// and as an unpropagated flightrec.write error, not only the first.
func TestFlightRecorderCountsEveryWriteError(t *testing.T) {
	m, reg := newTestMetrics(t)
	home := t.TempDir()
	rec, err := openFlightRecorder(log.NewNopLogger(), home, flightrec.DefaultPolicy, m)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	slog := func(h int) {
		raw := json.RawMessage(`{"entries":[{"type":"cosmic-swingset-begin-block","blockHeight":` + strconv.Itoa(h) + `}]}`)
		if _, err := rec.HandleSlogWrite(context.Background(), raw); err != nil {
			t.Fatal(err)
		}
	}
	slog(1)
	if err := os.RemoveAll(flightRecorderDir(home)); err != nil {
		t.Fatal(err)
	}
	for h := 2; h <= 4; h++ {
		slog(h)
	}
	if got := counterValue(t, reg, metrics.NameFlightrecWriteErrors, nil); got != 3 {
		t.Fatalf("%s = %v after 3 failing batches, want 3", metrics.NameFlightrecWriteErrors, got)
	}
	if got := counterValue(t, reg, metrics.NameUnpropagatedErrors, map[string]string{"site": string(metrics.SiteFlightrecWrite)}); got != 3 {
		t.Fatalf("unpropagated flightrec.write = %v, want 3", got)
	}
	if got := counterValue(t, reg, metrics.NameSlogEntries, nil); got != 4 {
		t.Fatalf("%s = %v, want 4", metrics.NameSlogEntries, got)
	}
}

// TestCountedHandlerCountsByCode: the kernel's requests are counted by
// method and answer code, unknown methods share one series, and a failed
// notification is an unpropagated error while a failed call is not.
func TestCountedHandlerCountsByCode(t *testing.T) {
	m, reg := newTestMetrics(t)
	mux := rpc.NewMux()
	rpc.HandleRaw(mux, "vstorage.get", func(context.Context, json.RawMessage) (any, error) { return "x", nil })
	rpc.HandleRaw(mux, "vbank.give", func(context.Context, json.RawMessage) (any, error) {
		return nil, rpc.Errorf(rpc.CodeInvalidParams, "bad amount")
	})
	rpc.HandleRaw(mux, "slog.Write", func(context.Context, json.RawMessage) (any, error) { return nil, errors.New("disk") })
	h := countedHandler{next: mux, metrics: m}
	call := func(method string, id string) {
		req := &rpc.Message{Method: method}
		if id != "" {
			req.ID = json.RawMessage(id)
		}
		_, _ = h.ServeRPC(context.Background(), req)
	}
	call("vstorage.get", "1")
	call("vstorage.get", "2")
	call("vbank.give", "3")
	call("slog.Write", "")
	call("no.such", "4")
	for _, c := range []struct {
		method, code string
		want         float64
	}{{"vstorage.get", "0", 2}, {"vbank.give", "-32602", 1}, {"slog.Write", "-32603", 1}, {"unknown", "-32601", 1}} {
		if got := counterValue(t, reg, metrics.NameKernelRequests, map[string]string{"method": c.method, "code": c.code}); got != c.want {
			t.Errorf("%s{method=%s,code=%s} = %v, want %v", metrics.NameKernelRequests, c.method, c.code, got, c.want)
		}
	}
	if got := counterValue(t, reg, metrics.NameUnpropagatedErrors, map[string]string{"site": string(metrics.SiteKernelNotification)}); got != 1 {
		t.Errorf("unpropagated %s = %v, want 1 (the failed notification only)", metrics.SiteKernelNotification, got)
	}
}

// TestBlockClockAddsUpOneBlock: a block's kernel time is its BeginBlock,
// EndBlock and Commit together, complete only when Commit succeeds; a
// failed Commit completes nothing, and the next BeginBlock starts afresh.
func TestBlockClockAddsUpOneBlock(t *testing.T) {
	var c blockClock
	ms := time.Millisecond
	if _, ok := c.add("swingset.Init", 50*ms, true); ok {
		t.Fatal("Init completed a block")
	}
	c.add("swingset.BeginBlock", 1*ms, true)
	c.add("swingset.EndBlock", 10*ms, true)
	if took, ok := c.add("swingset.Commit", 2*ms, true); !ok || took != 13*ms {
		t.Fatalf("block took %s (complete %v), want 13ms", took, ok)
	}
	c.add("swingset.BeginBlock", 1*ms, true)
	if _, ok := c.add("swingset.Commit", 5*ms, false); ok {
		t.Fatal("a failed Commit completed a block")
	}
	c.add("swingset.BeginBlock", 3*ms, true)
	c.add("swingset.EndBlock", 3*ms, true)
	c.add("swingset.Commit", 3*ms, true)
	if last, blocks := c.lastBlock(); last != 9*ms || blocks != 2 {
		t.Fatalf("last block %s of %d, want 9ms of 2", last, blocks)
	}
}

// TestFailureLogThrottles: the first failure is logged at once, then at
// most one line per interval, which says how many failures it stands for.
func TestFailureLogThrottles(t *testing.T) {
	var lines [][]any
	logger := recordingLogger{Logger: log.NewNopLogger(), errors: &lines}
	now := time.Unix(0, 0)
	f := newFailureLog(logger, time.Minute, func() time.Time { return now })
	for i := 0; i < 5; i++ {
		f.failed(errors.New("disk full"))
		now = now.Add(10 * time.Second)
	}
	if len(lines) != 1 {
		t.Fatalf("5 failures within 50 s logged %d lines, want 1", len(lines))
	}
	now = now.Add(time.Minute)
	f.failed(errors.New("disk full"))
	if len(lines) != 2 || lines[1][len(lines[1])-1] != 5 {
		t.Fatalf("lines %v: want a second line counting 5 failures (4 skipped and this one)", lines)
	}
}

type recordingLogger struct {
	log.Logger
	errors *[][]any
}

func (l recordingLogger) Error(msg string, keyvals ...any) { *l.errors = append(*l.errors, keyvals) }
