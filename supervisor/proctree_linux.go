package supervisor

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/prometheus/procfs"
)

// userHZ is the kernel's clock tick (USER_HZ), which is 100 on every Linux
// architecture agd runs on; /proc's times are counted in it.
const userHZ = 100

// Process is one process of the kernel's tree as /proc shows it now.
type Process struct {
	Pid  int
	PPid int
	// Command is the process's name: its program's base name, e.g. "node",
	// or /proc/<pid>/comm when the command line is gone (Node names its
	// main thread, and so comm, "MainThread").
	Command string
	// Args is its command line; empty for a process that has exited but
	// not yet been reaped.
	Args          []string
	ResidentBytes int64
	CPUSeconds    float64
	// StartSeconds is when it started, in seconds since the Unix epoch.
	StartSeconds float64
}

// ProcessTree returns root and every process descended from it, root
// first and the others by pid. It is read at the moment of the call, so
// SwingSet's vat workers appear and vanish with it; nothing needs to tell
// agd about them. A process that ends during the walk is left out.
func ProcessTree(root int) ([]Process, error) {
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return nil, fmt.Errorf("open /proc: %w", err)
	}
	all, err := fs.AllProcs()
	if err != nil {
		return nil, fmt.Errorf("list /proc: %w", err)
	}
	stats := make(map[int]procfs.ProcStat, len(all))
	children := make(map[int][]int)
	for _, p := range all {
		st, err := p.Stat()
		if err != nil {
			continue // ended since the listing
		}
		stats[p.PID] = st
		children[st.PPID] = append(children[st.PPID], p.PID)
	}
	rootStat, ok := stats[root]
	if !ok {
		return nil, fmt.Errorf("process %d is not running", root)
	}
	var boot uint64
	if sys, err := fs.Stat(); err == nil {
		boot = sys.BootTime
	}
	processOf := func(st procfs.ProcStat) Process {
		p := Process{
			Pid: st.PID, PPid: st.PPID, Command: st.Comm,
			ResidentBytes: int64(st.ResidentMemory()), CPUSeconds: st.CPUTime(),
			StartSeconds: float64(boot) + float64(st.Starttime)/userHZ,
		}
		if proc, err := fs.Proc(st.PID); err == nil {
			p.Args, _ = proc.CmdLine()
		}
		if len(p.Args) > 0 && p.Args[0] != "" {
			p.Command = filepath.Base(p.Args[0])
		}
		return p
	}
	tree := []Process{processOf(rootStat)}
	var below []Process
	queue := children[root]
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		below = append(below, processOf(stats[pid]))
		queue = append(queue, children[pid]...)
	}
	sort.Slice(below, func(i, j int) bool { return below[i].Pid < below[j].Pid })
	return append(tree, below...), nil
}
