package lifecycle

import (
	"reflect"
	"testing"
)

// A scenario is one readable sequence: each event and the actions it must
// produce.
type exchange struct {
	ev   Event
	want []Action
}

// toIdle starts a machine at cosmos height c with the kernel at k.
func toIdle(c, k int64, hash string) []exchange {
	return []exchange{
		{Started{CosmosHeight: c}, []Action{CallKernelInit{CosmosHeight: c, IsBootstrap: c == 0}}},
		{KernelInitialized{KernelHeight: k, ActivityHash: hash}, nil},
	}
}

// toCommitting runs block h up to the kernel's Commit being outstanding.
func toCommitting(h int64, hash string) []exchange {
	return []exchange{
		{BlockStarted{Height: h}, []Action{CallKernelBegin{Height: h}}},
		{KernelBegan{Height: h}, nil},
		{EndBlockReached{Height: h}, []Action{CallKernelEnd{Height: h}}},
		{KernelEnded{Height: h, ActivityHash: hash}, []Action{RecordActivityHash{Height: h, Hash: hash}}},
		{CommitStarted{Height: h}, []Action{CallKernelCommit{Height: h}}},
	}
}

func join(parts ...[]exchange) []exchange {
	var all []exchange
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func stop(code int, reason string) Stop { return Stop{ExitCode: code, Reason: reason} }

func TestScenarios(t *testing.T) {
	const sig = "shut down on terminated with the kernel at height 4 and cosmos at height 4"
	tests := []struct {
		name       string
		steps      []exchange
		kernel     int64
		cosmos     int64
		wantPhase  Phase
		wantStopRc int // checked when wantPhase is PhaseStopped
	}{{
		name: "fresh chain commits block 1 on the kernel, then on cosmos",
		steps: join(toIdle(0, 0, "g"), toCommitting(1, "a1"), []exchange{
			{KernelCommitted{Height: 1, KernelHeight: 1}, []Action{CommitCosmos{Height: 1}}},
			{CosmosCommitted{Height: 1}, nil},
		}),
		kernel: 1, cosmos: 1, wantPhase: PhaseIdle,
	}, {
		name: "kernel one block ahead: block 8 is replayed and must end with the committed hash",
		steps: join(toIdle(7, 8, "a8"), toCommitting(8, "a8"), []exchange{
			{KernelCommitted{Height: 8, KernelHeight: 8}, []Action{CommitCosmos{Height: 8}}},
			{CosmosCommitted{Height: 8}, nil},
		}),
		kernel: 8, cosmos: 8, wantPhase: PhaseIdle,
	}, {
		name: "a replay that diverges stops agd",
		steps: join(toIdle(7, 8, "a8"), []exchange{
			{BlockStarted{Height: 8}, []Action{CallKernelBegin{Height: 8}}},
			{KernelBegan{Height: 8}, nil},
			{EndBlockReached{Height: 8}, []Action{CallKernelEnd{Height: 8}}},
			{KernelEnded{Height: 8, ActivityHash: "other"}, []Action{
				RefuseBlock{Height: 8, Reason: `replayed block 8 ended with activity hash "other", but the kernel had committed "a8"`},
				stop(1, `replayed block 8 ended with activity hash "other", but the kernel had committed "a8"`)}},
		}),
		kernel: 8, cosmos: 7, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "heights that cannot be reconciled stop agd naming both",
		steps: []exchange{
			{Started{CosmosHeight: 7}, []Action{CallKernelInit{CosmosHeight: 7}}},
			{KernelInitialized{KernelHeight: 12}, []Action{stop(1, "kernel height 12 and cosmos height 7 cannot be reconciled: the kernel must be at 7 or 8")}},
		},
		kernel: -1, cosmos: 7, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "Init failure stops agd with the driver's text",
		steps: []exchange{
			{Started{CosmosHeight: 3}, []Action{CallKernelInit{CosmosHeight: 3}}},
			{KernelInitialized{Err: "no answer to swingset.Init within 30s from node main.js"}, []Action{stop(1, "kernel did not start: no answer to swingset.Init within 30s from node main.js")}},
		},
		kernel: -1, cosmos: 3, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "signal while idle: forward it, stop cleanly, refuse the next block",
		steps: join(toIdle(4, 4, "a4"), []exchange{
			{SignalReceived{Name: "terminated"}, []Action{SignalKernel{}, stop(0, sig)}},
			{BlockStarted{Height: 5}, []Action{RefuseBlock{Height: 5, Reason: sig}}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 0,
	}, {
		name: "signal before the kernel answered Commit: it refuses, nothing is committed",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{SignalReceived{Name: "terminated"}, []Action{SignalKernel{}}},
			{KernelCommitted{Height: 5, Refused: true, Err: "shutting down"}, []Action{RefuseBlock{Height: 5, Reason: sig}, stop(0, sig)}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 0,
	}, {
		name: "signal while Commit was in flight and the kernel committed: cosmos commits the block too, then agd stops",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{SignalReceived{Name: "terminated"}, []Action{SignalKernel{}}},
			{KernelCommitted{Height: 5, KernelHeight: 5}, []Action{CommitCosmos{Height: 5}}},
			{CosmosCommitted{Height: 5}, []Action{stop(0, "shut down on terminated with the kernel at height 5 and cosmos at height 5")}},
		}),
		kernel: 5, cosmos: 5, wantPhase: PhaseStopped, wantStopRc: 0,
	}, {
		name: "signal during the cosmos commit: it finishes, then agd stops",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{KernelCommitted{Height: 5, KernelHeight: 5}, []Action{CommitCosmos{Height: 5}}},
			{SignalReceived{Name: "interrupt"}, []Action{SignalKernel{}}},
			{CosmosCommitted{Height: 5}, []Action{stop(0, "shut down on interrupt with the kernel at height 5 and cosmos at height 5")}},
		}),
		kernel: 5, cosmos: 5, wantPhase: PhaseStopped, wantStopRc: 0,
	}, {
		name: "signal during BeginBlock; the kernel exits after answering: clean",
		steps: join(toIdle(4, 4, "a4"), []exchange{
			{BlockStarted{Height: 5}, []Action{CallKernelBegin{Height: 5}}},
			{SignalReceived{Name: "terminated"}, []Action{SignalKernel{}}},
			{KernelExited{Status: "exit status 0"}, nil},
			{KernelBegan{Height: 5}, []Action{RefuseBlock{Height: 5, Reason: sig}, stop(0, sig)}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 0,
	}, {
		name: "a refusal with no signal at agd is a failure",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{KernelCommitted{Height: 5, Refused: true}, []Action{
				RefuseBlock{Height: 5, Reason: "kernel refused swingset.Commit(5) as shutting down (-32001), but agd received no signal"},
				stop(1, "kernel refused swingset.Commit(5) as shutting down (-32001), but agd received no signal")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "BeginBlock error refuses the block and stops non-zero",
		steps: join(toIdle(4, 4, "a4"), []exchange{
			{BlockStarted{Height: 5}, []Action{CallKernelBegin{Height: 5}}},
			{KernelBegan{Height: 5, Err: "out of gas"}, []Action{
				RefuseBlock{Height: 5, Reason: "kernel swingset.BeginBlock(5) failed: out of gas"},
				stop(1, "kernel swingset.BeginBlock(5) failed: out of gas")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "kernel exit while idle stops non-zero naming the status",
		steps: join(toIdle(4, 4, "a4"), []exchange{
			{KernelExited{Status: "signal: killed"}, []Action{stop(1, "kernel exited (signal: killed) while idle at height 4")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "kernel exit during Commit waits for the answer, then stops non-zero without committing cosmos",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{KernelExited{Status: "signal: killed"}, nil},
			{KernelCommitted{Height: 5, KernelHeight: 5}, []Action{
				RefuseBlock{Height: 5, Reason: "kernel exited (signal: killed) during swingset.Commit(5)"},
				stop(1, "kernel exited (signal: killed) during swingset.Commit(5)")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "a block that skips a height is refused",
		steps: join(toIdle(4, 4, "a4"), []exchange{
			{BlockStarted{Height: 6}, []Action{
				RefuseBlock{Height: 6, Reason: "block 6 does not follow the committed height 4"},
				stop(1, "block 6 does not follow the committed height 4")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "a second block before the first committed is refused",
		steps: join(toIdle(4, 4, "a4"), toCommitting(5, "a5"), []exchange{
			{BlockStarted{Height: 6}, []Action{
				RefuseBlock{Height: 6, Reason: "lifecycle: unexpected lifecycle.BlockStarted{Height:6} in phase committing at block 5"},
				stop(1, "lifecycle: unexpected lifecycle.BlockStarted{Height:6} in phase committing at block 5")}},
		}),
		kernel: 4, cosmos: 4, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "state sync: a fresh node restores height 20 on both sides and goes on with block 21",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{RestoreRequested{Height: 20, ActivityHash: "a20"}, []Action{CallKernelRestore{Height: 20}}},
			{KernelRestored{KernelHeight: 20, ActivityHash: "a20"}, nil},
		}, toCommitting(21, "a21"), []exchange{
			{KernelCommitted{Height: 21, KernelHeight: 21}, []Action{CommitCosmos{Height: 21}}},
			{CosmosCommitted{Height: 21}, nil},
		}),
		kernel: 21, cosmos: 21, wantPhase: PhaseIdle,
	}, {
		name: "state sync: a restored kernel whose activity hash differs stops agd naming both",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{RestoreRequested{Height: 20, ActivityHash: "a20"}, []Action{CallKernelRestore{Height: 20}}},
			{KernelRestored{KernelHeight: 20, ActivityHash: "x20"}, []Action{
				stop(1, `restored kernel activity hash "x20" at height 20 differs from the restored cosmos state's "a20"`)}},
		}),
		kernel: 0, cosmos: 0, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "state sync: a restored kernel at another height stops agd naming both",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{RestoreRequested{Height: 20, ActivityHash: "a20"}, []Action{CallKernelRestore{Height: 20}}},
			{KernelRestored{KernelHeight: 19, ActivityHash: "a20"}, []Action{
				stop(1, "restored kernel is at height 19 but the restored cosmos state is at height 20")}},
		}),
		kernel: 0, cosmos: 0, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "state sync: a kernel that ran blocks is never replaced",
		steps: join(toIdle(5, 5, "a5"), []exchange{
			{RestoreRequested{Height: 20, ActivityHash: "a20"}, []Action{
				stop(1, "state-sync restore of height 20 asked for with the kernel at height 5 and cosmos at height 5: only a fresh node restores a snapshot")}},
		}),
		kernel: 5, cosmos: 5, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "state sync without the kernel's part: the first block names it",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{BlockStarted{Height: 21}, []Action{
				RefuseBlock{Height: 21, Reason: `block 21 comes to a node whose kernel is at height 0: cosmos state was restored from a state-sync snapshot at height 20 without the kernel's part (no "swingset" extension payload); restore from a snapshot that has it`},
				stop(1, `block 21 comes to a node whose kernel is at height 0: cosmos state was restored from a state-sync snapshot at height 20 without the kernel's part (no "swingset" extension payload); restore from a snapshot that has it`)}},
		}),
		kernel: 0, cosmos: 0, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "state sync: a restore of height 0 is refused, even on a fresh node",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{RestoreRequested{Height: 0, ActivityHash: "g"}, []Action{
				stop(1, "state-sync restore of height 0 asked for with the kernel at height 0 and cosmos at height 0: only a fresh node restores a snapshot")}},
		}),
		kernel: 0, cosmos: 0, wantPhase: PhaseStopped, wantStopRc: 1,
	}, {
		name: "signal on a fresh chain after the handshake names height 0, not a handshake under way",
		steps: join(toIdle(0, 0, "g"), []exchange{
			{SignalReceived{Name: "terminated"}, []Action{SignalKernel{},
				stop(0, "shut down on terminated with the kernel at height 0 and cosmos at height 0")}},
		}),
		kernel: 0, cosmos: 0, wantPhase: PhaseStopped, wantStopRc: 0,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			for i, x := range tt.steps {
				if got := m.Handle(x.ev); !reflect.DeepEqual(got, x.want) {
					t.Fatalf("step %d: %T%+v\n got %s\nwant %s", i, x.ev, x.ev, fmtActions(got), fmtActions(x.want))
				}
			}
			if k, c := m.CommittedHeights(); k != tt.kernel || c != tt.cosmos {
				t.Errorf("heights (%d, %d), want (%d, %d)", k, c, tt.kernel, tt.cosmos)
			}
			if m.Phase() != tt.wantPhase {
				t.Errorf("phase %s, want %s", m.Phase(), tt.wantPhase)
			}
			if s, ok := m.Stopped(); ok && s.ExitCode != tt.wantStopRc {
				t.Errorf("exit code %d, want %d", s.ExitCode, tt.wantStopRc)
			}
		})
	}
}
