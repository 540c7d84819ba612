package driver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agd-project/agd/rpc"
)

// fakeKernel answers the lifecycle calls the way agvm does, and records
// them, so the driver's translation between the machine and the wire can be
// checked without a child process.
type fakeKernel struct {
	mu           sync.Mutex
	calls        []string
	kernelHeight int64
	refuseCommit bool
	failEnd      error
}

func (k *fakeKernel) Call(_ context.Context, method string, params, result any) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	raw, _ := json.Marshal(params)
	k.calls = append(k.calls, method+" "+string(raw))
	set := func(v any) {
		b, _ := json.Marshal(v)
		_ = json.Unmarshal(b, result)
	}
	switch method {
	case "swingset.Init":
		set(map[string]any{"protocolVersion": 1, "kernelHeight": k.kernelHeight, "activityHash": ""})
	case "swingset.BeginBlock":
	case "swingset.EndBlock":
		if k.failEnd != nil {
			return k.failEnd
		}
		set(map[string]any{"activityHash": "abc"})
	case "swingset.Commit":
		if k.refuseCommit {
			return rpc.Errorf(rpc.CodeShuttingDown, "shutting down")
		}
		var p commitParams
		b, _ := json.Marshal(params)
		_ = json.Unmarshal(b, &p)
		k.kernelHeight = p.BlockHeight
		set(map[string]any{"kernelHeight": p.BlockHeight})
	}
	return nil
}

func (k *fakeKernel) Notify(_ context.Context, method string, params any) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, method)
	return nil
}

type nopLogger struct{}

func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

func newTestDriver(k *fakeKernel, signalled *int) *Driver {
	return New(Config{Kernel: k, Notifier: k, ChainID: "test-chain", CallTimeout: time.Second, Logger: nopLogger{},
		SignalKernel: func() error { *signalled++; return nil }})
}

func runBlock(t *testing.T, d *Driver, h int64) error {
	t.Helper()
	ctx := context.Background()
	if err := d.BeginBlock(ctx, h, 1000+h); err != nil {
		return err
	}
	if err := d.BalanceUpdate(ctx, map[string]any{"nonce": h}); err != nil {
		return err
	}
	params := KernelParams{BlockComputronLimit: 8_000_000 + uint64(h), VatCreationComputrons: 300_000}
	hash, err := d.EndBlock(ctx, h, 1000+h, []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"type":"X","n":%d}`, h))}, params)
	if err != nil {
		return err
	}
	if hash != "abc" {
		t.Fatalf("activity hash %q", hash)
	}
	if err := d.Commit(ctx, h); err != nil {
		return err
	}
	d.CosmosCommitted(h)
	return nil
}

func TestBlocksReachTheWireInOrder(t *testing.T) {
	k := &fakeKernel{}
	var signalled int
	d := newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 2; h++ {
		if err := runBlock(t, d, h); err != nil {
			t.Fatalf("block %d: %v", h, err)
		}
	}
	want := []string{
		`swingset.Init {"protocolVersion":1,"chainID":"test-chain","cosmosHeight":0,"isBootstrap":true}`,
		`swingset.BeginBlock {"blockHeight":1,"blockTime":1001,"chainID":"test-chain"}`,
		`vbank.BalanceUpdate`,
		`swingset.EndBlock {"blockHeight":1,"blockTime":1001,"actions":[{"type":"X","n":1}],"params":{"blockComputronLimit":"8000001","vatCreationComputrons":"300000"}}`,
		`swingset.Commit {"blockHeight":1}`,
		`swingset.BeginBlock {"blockHeight":2,"blockTime":1002,"chainID":"test-chain"}`,
		`vbank.BalanceUpdate`,
		`swingset.EndBlock {"blockHeight":2,"blockTime":1002,"actions":[{"type":"X","n":2}],"params":{"blockComputronLimit":"8000002","vatCreationComputrons":"300000"}}`,
		`swingset.Commit {"blockHeight":2}`,
	}
	if len(k.calls) != len(want) {
		t.Fatalf("calls:\n%s\nwant %d", strings.Join(k.calls, "\n"), len(want))
	}
	for i, w := range want {
		if k.calls[i] != w {
			t.Fatalf("call %d = %s, want %s", i, k.calls[i], w)
		}
	}
	if kh, ch := d.CommittedHeights(); kh != 2 || ch != 2 {
		t.Fatalf("heights kernel %d cosmos %d", kh, ch)
	}
}

func TestSignalRefusesTheCommitAndStopsCleanly(t *testing.T) {
	k := &fakeKernel{}
	var signalled int
	d := newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.BeginBlock(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.EndBlock(ctx, 1, 1, nil, KernelParams{BlockComputronLimit: 1, VatCreationComputrons: 1}); err != nil {
		t.Fatal(err)
	}
	if last := k.calls[len(k.calls)-1]; !strings.Contains(last, `"actions":[],`) {
		t.Fatalf("a block without actions sent %s, want \"actions\":[]", last)
	}
	d.Signal("SIGTERM")
	if signalled != 1 {
		t.Fatalf("SIGTERM forwarded %d times", signalled)
	}
	k.refuseCommit = true // the kernel got SIGTERM too
	err := d.Commit(ctx, 1)
	if !errors.Is(err, ErrStopping) || strings.Count(err.Error(), ErrStopping.Error()) != 1 {
		t.Fatalf("commit after a signal: %v, want one ErrStopping", err)
	}
	if k.kernelHeight != 0 {
		t.Fatalf("the kernel committed block %d after the signal", k.kernelHeight)
	}
	stop, ok := d.Decision()
	if !ok || stop.ExitCode != 0 {
		t.Fatalf("decision %+v %v, want a clean stop", stop, ok)
	}
	if err := d.BalanceUpdate(ctx, nil); !errors.Is(err, ErrStopping) {
		t.Fatalf("BalanceUpdate after stop: %v", err)
	}
	if err := d.BeginBlock(ctx, 2, 2); !errors.Is(err, ErrStopping) {
		t.Fatalf("BeginBlock after stop: %v", err)
	}
}

func TestKernelFailureStopsWithItsCause(t *testing.T) {
	k := &fakeKernel{failEnd: errors.New("pipe closed")}
	var signalled int
	d := newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	err := runBlock(t, d, 1)
	if !errors.Is(err, ErrStopping) || !strings.Contains(err.Error(), "pipe closed") {
		t.Fatalf("block with a failing kernel: %v", err)
	}
	select {
	case <-d.Stopped():
	default:
		t.Fatal("driver did not stop")
	}
	if stop, _ := d.Decision(); stop.ExitCode == 0 {
		t.Fatalf("exit code 0 after a kernel failure: %+v", stop)
	}
}

func TestInitRefusesIrreconcilableHeights(t *testing.T) {
	k := &fakeKernel{kernelHeight: 12}
	var signalled int
	d := newTestDriver(k, &signalled)
	err := d.Init(context.Background(), 7, "")
	if err == nil || !strings.Contains(err.Error(), "12") || !strings.Contains(err.Error(), "7") {
		t.Fatalf("Init with kernel 12, cosmos 7: %v", err)
	}
}
