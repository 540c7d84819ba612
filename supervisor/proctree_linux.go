package supervisor

import (
	"fmt"
	"path/filepath"

	"github.com/agd-project/agd/internal/proc"
)

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
// agd about them. A process that ends during the walk is left out; a
// zombie is kept (see package proc's rule).
func ProcessTree(root int) ([]Process, error) {
	stats, err := proc.Tree(root)
	if err != nil {
		return nil, fmt.Errorf("process tree of %d: %w", root, err)
	}
	boot, _ := proc.BootTime() // 0 if unreadable, as before
	tree := make([]Process, 0, len(stats))
	for _, st := range stats {
		p := Process{
			Pid: st.Pid, PPid: st.PPid, Command: st.Comm,
			ResidentBytes: st.ResidentBytes(), CPUSeconds: st.CPUSeconds(),
			StartSeconds: float64(boot) + float64(st.StartTicks)/proc.TicksPerSecond,
		}
		p.Args, _ = proc.Cmdline(st.Pid)
		if len(p.Args) > 0 && p.Args[0] != "" {
			p.Command = filepath.Base(p.Args[0])
		}
		tree = append(tree, p)
	}
	return tree, nil
}
