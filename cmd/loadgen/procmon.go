package main

import (
	"fmt"

	"github.com/agd-project/agd/internal/proc"
)

// procKey names a process so that a reused pid cannot pass for it: the
// kernel records each process's start time (in clock ticks since boot).
type procKey struct {
	Pid       int
	StartTime uint64
}

func (k procKey) String() string { return fmt.Sprintf("%d@%d", k.Pid, k.StartTime) }

// procSample is one reading of a process's CPU time and resident memory.
type procSample struct {
	Key      procKey
	Comm     string
	CPUTicks uint64 // utime + stime
	RSSBytes uint64
}

// readProc samples /proc/<pid>/stat.
func readProc(pid int) (procSample, error) {
	s, err := proc.ReadStat(pid)
	if err != nil {
		return procSample{}, err
	}
	return procSample{
		Key:      procKey{Pid: pid, StartTime: s.StartTicks},
		Comm:     s.Comm,
		CPUTicks: s.UserTicks + s.SystemTicks,
		RSSBytes: uint64(s.ResidentBytes()),
	}, nil
}
