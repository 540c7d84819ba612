package node

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/agd-project/agd/flightrec"
	"github.com/agd-project/agd/supervisor"
	swingsettypes "github.com/agd-project/agd/x/swingset/types"
)

// kernelStatus answers `agd query swingset kernel` from the running node:
// what an operator with only the CLI needs to see of the kernel. Every
// figure is read when asked, from its source (/proc, the lifecycle
// machine, the flight recorder's folder).
type kernelStatus struct {
	kernel   *runningKernel
	recorder *flightrec.Recorder
	now      func() time.Time

	nodeOnce    sync.Once
	nodeVersion string
}

func newKernelStatus(k *runningKernel, rec *flightrec.Recorder) *kernelStatus {
	return &kernelStatus{kernel: k, recorder: rec, now: time.Now}
}

func (s *kernelStatus) query() (*swingsettypes.QueryKernelResponse, error) {
	tree, err := supervisor.ProcessTree(s.kernel.child.Pid())
	if err != nil {
		return nil, fmt.Errorf("read the kernel's processes: %w", err)
	}
	now := float64(s.now().UnixNano()) / 1e9
	kernelHeight, cosmosHeight := s.kernel.driver.CommittedHeights()
	last, blocks := s.kernel.clock.lastBlock()
	res := &swingsettypes.QueryKernelResponse{
		Process:                     processOf(tree[0], now),
		NodeVersion:                 s.node(),
		KernelHeight:                kernelHeight,
		CosmosHeight:                cosmosHeight,
		LastBlockKernelMicroseconds: last.Microseconds(),
		Workers:                     []swingsettypes.KernelProcess{},
	}
	if blocks > 0 {
		// The clock completes a block when its Commit returns, and the
		// machine records the height right after.
		res.LastBlockHeight = kernelHeight
	}
	for _, p := range tree[1:] {
		res.Workers = append(res.Workers, processOf(p, now))
	}
	fr := swingsettypes.FlightRecorderState{
		Dir:     s.recorder.Dir(),
		Bytes:   s.recorder.RetainedBytes(),
		Entries: s.recorder.Entries(),
		Blocks:  []int64{},
		Dumps:   []string{},
	}
	for _, b := range s.recorder.Blocks() {
		fr.Blocks = append(fr.Blocks, b.Height)
	}
	dumps, err := flightrec.Dumps(s.recorder.Dir())
	if err != nil {
		return nil, err
	}
	fr.Dumps = append(fr.Dumps, dumps...)
	res.FlightRecorder = fr
	return res, nil
}

// node is the Node.js version of the kernel's command, asked once.
func (s *kernelStatus) node() string {
	s.nodeOnce.Do(func() {
		argv := s.kernel.argv
		if len(argv) == 0 || !strings.HasPrefix(filepath.Base(argv[0]), "node") {
			s.nodeVersion = "unknown: the kernel command is not node"
			return
		}
		s.nodeVersion = nodeVersion(argv[0])
	})
	return s.nodeVersion
}

func processOf(p supervisor.Process, now float64) swingsettypes.KernelProcess {
	return swingsettypes.KernelProcess{
		Pid: int64(p.Pid), ParentPid: int64(p.PPid), Command: p.Command, Args: p.Args,
		UptimeSeconds: int64(max(now-p.StartSeconds, 0)), ResidentBytes: p.ResidentBytes, CpuMilliseconds: int64(p.CPUSeconds * 1000),
	}
}
