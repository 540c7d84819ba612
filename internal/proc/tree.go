package proc

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
)

// All reads the stat of every process in /proc now. A process that ends
// between the listing and its read is left out.
func All() ([]Stat, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list /proc: %w", err)
	}
	var all []Stat
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := ReadStat(pid); err == nil {
			all = append(all, s)
		}
	}
	return all, nil
}

// Tree returns the stat of root and of every process descended from it,
// root first and the others by pid. Zombies are included: they still hold
// their pids. If root has no /proc entry, the error wraps
// os.ErrProcessDone.
func Tree(root int) ([]Stat, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	byPid := make(map[int]Stat, len(all))
	children := make(map[int][]int)
	for _, s := range all {
		byPid[s.Pid] = s
		children[s.PPid] = append(children[s.PPid], s.Pid)
	}
	rootStat, ok := byPid[root]
	if !ok {
		return nil, fmt.Errorf("process %d: %w", root, os.ErrProcessDone)
	}
	var below []Stat
	for queue := children[root]; len(queue) > 0; queue = queue[1:] {
		below = append(below, byPid[queue[0]])
		queue = append(queue, children[queue[0]]...)
	}
	sort.Slice(below, func(i, j int) bool { return below[i].Pid < below[j].Pid })
	return append([]Stat{rootStat}, below...), nil
}

// Children lists the pids whose parent is pid, zombies included; nil if
// /proc cannot be read.
func Children(pid int) []int {
	all, _ := All()
	var kids []int
	for _, s := range all {
		if s.PPid == pid {
			kids = append(kids, s.Pid)
		}
	}
	return kids
}

// Descendants lists every pid below pid, by pid, zombies included; nil if
// pid or /proc cannot be read.
func Descendants(pid int) []int {
	tree, err := Tree(pid)
	if err != nil {
		return nil
	}
	pids := make([]int, 0, len(tree)-1)
	for _, s := range tree[1:] {
		pids = append(pids, s.Pid)
	}
	return pids
}

// Cmdline is the command line of pid; empty for a zombie.
func Cmdline(pid int) ([]string, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil, fmt.Errorf("process %d cmdline: %w", pid, err)
	}
	data = bytes.TrimRight(data, "\x00")
	if len(data) == 0 {
		return nil, nil
	}
	var args []string
	for _, a := range bytes.Split(data, []byte{0}) {
		args = append(args, string(a))
	}
	return args, nil
}

// BootTime is when the machine booted, in seconds since the Unix epoch
// (the btime line of /proc/stat). A process started at
// BootTime + StartTicks/TicksPerSecond.
func BootTime() (uint64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	for _, line := range bytes.Split(data, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("btime ")); ok {
			bt, err := strconv.ParseUint(string(bytes.TrimSpace(rest)), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/stat btime: %w", err)
			}
			return bt, nil
		}
	}
	return 0, fmt.Errorf("/proc/stat has no btime line")
}
