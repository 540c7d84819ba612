package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	Key       procKey
	Comm      string
	CPUTicks  uint64 // utime + stime
	RSSBytes  uint64
	StateChar byte
}

// clockTicks is USER_HZ; Linux has fixed it at 100 on every architecture
// agd runs on.
const clockTicks = 100

// readProc samples /proc/<pid>/stat and /proc/<pid>/status.
func readProc(procRoot string, pid int) (procSample, error) {
	stat, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procSample{}, err
	}
	open, close := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || close < open {
		return procSample{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(stat[close+1:]))
	// fields[0] is field 3 (state); utime, stime are fields 14, 15 and
	// starttime is field 22 of proc(5).
	if len(fields) < 20 {
		return procSample{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	utime, _ := strconv.ParseUint(fields[11], 10, 64)
	stime, _ := strconv.ParseUint(fields[12], 10, 64)
	start, _ := strconv.ParseUint(fields[19], 10, 64)
	s := procSample{
		Key:       procKey{Pid: pid, StartTime: start},
		Comm:      string(stat[open+1 : close]),
		CPUTicks:  utime + stime,
		StateChar: fields[0][0],
	}
	status, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "status"))
	if err != nil {
		return procSample{}, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			s.RSSBytes = kb * 1024
		}
	}
	return s, nil
}

// childrenOf lists a process's children from /proc/<pid>/task/*/children,
// which is where Linux records them per thread.
func childrenOf(procRoot string, pid int) []int {
	tasks, _ := filepath.Glob(filepath.Join(procRoot, strconv.Itoa(pid), "task", "*", "children"))
	var kids []int
	seen := map[int]bool{}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if k, err := strconv.Atoi(f); err == nil && !seen[k] {
				seen[k] = true
				kids = append(kids, k)
			}
		}
	}
	return kids
}
