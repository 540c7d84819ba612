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
	refuseBegin  bool
	duringBegin  func() // runs while BeginBlock is outstanding
	failEnd      error
	initDelay    time.Duration
	endDelay     time.Duration
	protocol     int    // what Init answers; 0 means 1
	restoredHash string // the activity hash swingset.Restore answers
}

func (k *fakeKernel) Call(ctx context.Context, method string, params, result any) error {
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
		// Like the rpc connection, give up when the call's context does.
		select {
		case <-time.After(k.initDelay):
		case <-ctx.Done():
			return ctx.Err()
		}
		protocol := k.protocol
		if protocol == 0 {
			protocol = 1
		}
		set(map[string]any{"protocolVersion": protocol, "kernelHeight": k.kernelHeight, "activityHash": ""})
	case "swingset.BeginBlock":
		if k.duringBegin != nil {
			k.mu.Unlock()
			k.duringBegin()
			k.mu.Lock()
		}
		if k.refuseBegin {
			return rpc.Errorf(rpc.CodeShuttingDown, "shutting down")
		}
	case "swingset.EndBlock":
		if k.endDelay > 0 {
			select {
			case <-time.After(k.endDelay):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if k.failEnd != nil {
			return k.failEnd
		}
		set(map[string]any{"activityHash": "abc"})
	case "swingset.Restore":
		var p restoreParams
		b, _ := json.Marshal(params)
		_ = json.Unmarshal(b, &p)
		k.kernelHeight = p.BlockHeight
		set(map[string]any{"kernelHeight": p.BlockHeight, "activityHash": k.restoredHash})
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
	// The refusal's reason, not a bare "not committed".
	if !strings.Contains(err.Error(), "block 1 refused: shut down on SIGTERM with the kernel at height 0 and cosmos at height 0") {
		t.Fatalf("commit after a signal: %v, want the refusal's reason", err)
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
	if !errors.Is(err, ErrStopping) || !strings.Contains(err.Error(), "block 1 refused: kernel swingset.EndBlock(1) failed: pipe closed") {
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

// A signal that arrives while swingset.BeginBlock is outstanding reaches
// the kernel too, which may then refuse that BeginBlock with -32001: after
// agd's own signal that is a shutdown, without one it is a failure.
func TestBeginBlockRefusedAsShuttingDown(t *testing.T) {
	for _, agdSignalled := range []bool{true, false} {
		k := &fakeKernel{refuseBegin: true}
		var signalled int
		d := newTestDriver(k, &signalled)
		if err := d.Init(context.Background(), 0, ""); err != nil {
			t.Fatal(err)
		}
		if agdSignalled {
			k.duringBegin = func() { d.Signal("SIGTERM") }
		}
		err := d.BeginBlock(context.Background(), 1, 1)
		if !errors.Is(err, ErrStopping) {
			t.Fatalf("signalled=%v: BeginBlock refused by the kernel: %v", agdSignalled, err)
		}
		stop, ok := d.Decision()
		if !ok {
			t.Fatalf("signalled=%v: no decision", agdSignalled)
		}
		if want := map[bool]int{true: 0, false: 1}[agdSignalled]; stop.ExitCode != want {
			t.Fatalf("signalled=%v: exit code %d (%s), want %d", agdSignalled, stop.ExitCode, stop.Reason, want)
		}
	}
}

// A signal before the handshake stops agd before anything began: Init
// reports it instead of pretending the kernel is ready.
func TestSignalBeforeInitStopsCleanly(t *testing.T) {
	k := &fakeKernel{}
	var signalled int
	d := newTestDriver(k, &signalled)
	d.Signal("SIGTERM")
	err := d.Init(context.Background(), 0, "")
	if !errors.Is(err, ErrStopping) {
		t.Fatalf("Init after a signal: %v", err)
	}
	if stop, ok := d.Decision(); !ok || stop.ExitCode != 0 {
		t.Fatalf("decision %+v %v, want a clean stop", stop, ok)
	}
	if len(k.calls) != 0 || signalled != 1 {
		t.Fatalf("calls %q, SIGTERM forwarded %d times; want none and once", k.calls, signalled)
	}
}

// The handshake is bounded by the caller's deadline (--kernel-init-timeout),
// not by the per-call timeout of block calls: a kernel's start may be slow.
func TestInitIsBoundedByItsCallerNotTheCallTimeout(t *testing.T) {
	k := &fakeKernel{initDelay: 1500 * time.Millisecond} // the test driver's CallTimeout is 1s
	var signalled int
	d := newTestDriver(k, &signalled)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Init(ctx, 0, ""); err != nil {
		t.Fatalf("a 1.5 s handshake under a 10 s init deadline: %v", err)
	}
}

// While CometBFT block-syncs, a refused block's call ends its goroutine,
// running its deferred calls, instead of returning the error the blocksync
// routine would panic on. In consensus it returns.
func TestRefusedBlockEndsTheRoutineWhileBlockSyncing(t *testing.T) {
	for _, syncing := range []bool{false, true} {
		k := &fakeKernel{}
		var signalled int
		d := newTestDriver(k, &signalled)
		if err := d.Init(context.Background(), 0, ""); err != nil {
			t.Fatal(err)
		}
		d.SetSyncing(func() bool { return syncing })
		d.Signal("SIGTERM")
		returned := make(chan error, 1)
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			returned <- d.BeginBlock(context.Background(), 1, 1)
		}()
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Fatalf("syncing=%v: the refused BeginBlock neither returned nor ended its goroutine", syncing)
		}
		select {
		case err := <-returned:
			if syncing {
				t.Fatalf("block-syncing: the refused BeginBlock returned (%v)", err)
			}
			if !errors.Is(err, ErrStopping) {
				t.Fatalf("in consensus: BeginBlock after the signal: %v", err)
			}
		default:
			if !syncing {
				t.Fatal("in consensus: the refused BeginBlock did not return")
			}
		}
	}
}

// TestCallTimeoutDefault: a zero or negative CallTimeout takes the default
// of two minutes; a positive one is kept.
func TestCallTimeoutDefault(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		0: 2 * time.Minute, -time.Second: 2 * time.Minute, time.Nanosecond: time.Nanosecond, 5 * time.Second: 5 * time.Second,
	} {
		if got := New(Config{CallTimeout: in}).cfg.CallTimeout; got != want {
			t.Errorf("CallTimeout %v: driver uses %v, want %v", in, got, want)
		}
	}
}

// TestInitRefusesAnotherProtocolVersion: a kernel that answers Init with
// another protocol version is not driven.
func TestInitRefusesAnotherProtocolVersion(t *testing.T) {
	var signalled int
	d := newTestDriver(&fakeKernel{protocol: 2}, &signalled)
	err := d.Init(context.Background(), 0, "")
	if err == nil || !strings.Contains(err.Error(), "kernel speaks protocol version 2, agd speaks 1") {
		t.Fatalf("Init with a version-2 kernel: %v", err)
	}
}

type recordingLogger struct {
	mu     sync.Mutex
	errors []string
}

func (*recordingLogger) Info(string, ...any) {}
func (l *recordingLogger) Error(msg string, keyvals ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, fmt.Sprint(append([]any{msg}, keyvals...)...))
}

// TestSignalForwardingFailureIsLogged: a SIGTERM that cannot be forwarded
// to the kernel is logged, once, with its cause; one that can is not; and
// a driver without a SignalKernel forwards nothing and does not fail.
func TestSignalForwardingFailureIsLogged(t *testing.T) {
	for _, fail := range []bool{false, true} {
		log := &recordingLogger{}
		calls := 0
		d := New(Config{Kernel: &fakeKernel{}, Notifier: &fakeKernel{}, ChainID: "c", CallTimeout: time.Second, Logger: log,
			SignalKernel: func() error {
				calls++
				if fail {
					return errors.New("no such process")
				}
				return nil
			}})
		d.Signal("SIGTERM")
		if calls != 1 {
			t.Fatalf("fail=%v: SignalKernel called %d times", fail, calls)
		}
		if fail && (len(log.errors) != 1 || !strings.Contains(log.errors[0], "no such process")) || !fail && len(log.errors) != 0 {
			t.Fatalf("fail=%v: logged %q", fail, log.errors)
		}
	}
	d := New(Config{Kernel: &fakeKernel{}, Notifier: &fakeKernel{}, ChainID: "c", CallTimeout: time.Second, Logger: nopLogger{}})
	d.Signal("SIGTERM")
	if stop, ok := d.Decision(); !ok || stop.ExitCode != 0 {
		t.Fatalf("decision %+v %v, want a clean stop", stop, ok)
	}
}

// TestBlockCallIsBoundedByTheCallTimeout: a block's call gives up after
// CallTimeout even when its caller would wait longer, and says so, in the
// error and in the log (where the calls that succeed leave nothing).
func TestBlockCallIsBoundedByTheCallTimeout(t *testing.T) {
	k := &fakeKernel{endDelay: 10 * time.Second}
	log := &recordingLogger{}
	d := New(Config{Kernel: k, Notifier: k, ChainID: "c", CallTimeout: 100 * time.Millisecond, Logger: log})
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.BeginBlock(ctx, 1, 1); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := d.EndBlock(ctx, 1, 1, nil, KernelParams{})
	if !errors.Is(err, ErrStopping) || !strings.Contains(err.Error(), "swingset.EndBlock got no answer from the kernel within 100ms") {
		t.Fatalf("EndBlock with a kernel that does not answer: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("EndBlock waited %v for a 100ms call timeout", waited)
	}
	if len(log.errors) != 1 || !strings.Contains(log.errors[0], "kernel call failed") || !strings.Contains(log.errors[0], "swingset.EndBlock got no answer") {
		t.Fatalf("logged %q, want the one failed call", log.errors)
	}
}

// TestRestore: a state-sync restore hands the kernel the imported
// swing-store and goes on with the next block when the kernel's activity
// hash matches the restored cosmos state's; a mismatch stops agd, and
// Restore says so, naming both hashes.
func TestRestore(t *testing.T) {
	k := &fakeKernel{restoredHash: "a20"}
	var signalled int
	d := newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := d.Restore(context.Background(), 20, "a20", "/imported/swingstore"); err != nil {
		t.Fatalf("Restore with matching hashes: %v", err)
	}
	if err := runBlock(t, d, 21); err != nil {
		t.Fatalf("block 21 after the restore: %v", err)
	}
	if len(k.calls) < 2 || k.calls[1] != `swingset.Restore {"blockHeight":20,"swingStore":"/imported/swingstore"}` {
		t.Errorf("calls %q, want swingset.Restore second, with the height and the imported swing-store", k.calls)
	}

	k = &fakeKernel{restoredHash: "other"}
	d = newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	err := d.Restore(context.Background(), 20, "a20", "/imported/swingstore")
	if !errors.Is(err, ErrStopping) || !strings.Contains(err.Error(), `"other"`) || !strings.Contains(err.Error(), `"a20"`) {
		t.Fatalf("Restore with another kernel hash = %v, want ErrStopping naming both hashes", err)
	}
	if stop, ok := d.Decision(); !ok || stop.ExitCode != 1 {
		t.Errorf("decision after a diverging restore: %+v, %v; want exit code 1", stop, ok)
	}

	// After a signal stopped agd, a restore is not begun, and says why.
	k = &fakeKernel{restoredHash: "a20"}
	d = newTestDriver(k, &signalled)
	if err := d.Init(context.Background(), 0, ""); err != nil {
		t.Fatal(err)
	}
	d.Signal("SIGTERM")
	if err := d.Restore(context.Background(), 20, "a20", "/imported/swingstore"); !errors.Is(err, ErrStopping) {
		t.Fatalf("Restore after a signal = %v, want ErrStopping", err)
	}
	if len(k.calls) != 1 {
		t.Errorf("calls %q, want only swingset.Init", k.calls)
	}
}
