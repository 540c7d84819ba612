package proc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// TicksPerSecond is the kernel's clock tick (USER_HZ), in which /proc
// counts times. Linux fixes it at 100 on every architecture agd runs on.
const TicksPerSecond = 100

// Stat is one reading of /proc/<pid>/stat (fields as numbered in proc(5)).
type Stat struct {
	Pid int
	// Comm is the command name (field 2), at most 15 bytes, without the
	// parentheses.
	Comm string
	// State is field 3: 'R' running, 'S' sleeping, 'Z' zombie, 'X' dead...
	State byte
	PPid  int
	// UserTicks and SystemTicks are CPU time in clock ticks (fields 14, 15).
	UserTicks, SystemTicks uint64
	// StartTicks is when the process started, in clock ticks since boot
	// (field 22).
	StartTicks uint64
	// ResidentPages is its resident set in pages (field 24).
	ResidentPages int64
}

// Exited reports whether the process has stopped running: it is a zombie
// waiting to be reaped, or dead.
func (s Stat) Exited() bool { return s.State == 'Z' || s.State == 'X' }

// CPUSeconds is the user and system CPU time the process has used.
func (s Stat) CPUSeconds() float64 {
	return float64(s.UserTicks+s.SystemTicks) / TicksPerSecond
}

// ResidentBytes is the process's resident memory.
func (s Stat) ResidentBytes() int64 { return s.ResidentPages * int64(os.Getpagesize()) }

// ReadStat reads /proc/<pid>/stat. If there is no such entry, the error
// wraps os.ErrProcessDone.
func ReadStat(pid int) (Stat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Stat{}, fmt.Errorf("process %d: %w (%w)", pid, os.ErrProcessDone, err)
		}
		return Stat{}, fmt.Errorf("process %d: %w", pid, err)
	}
	return ParseStat(data)
}

// ParseStat parses one /proc/<pid>/stat line. The command name (field 2)
// is in parentheses and may itself hold spaces and ')', so the fields
// after it are counted from the last ')'.
func ParseStat(line []byte) (Stat, error) {
	open, end := bytes.IndexByte(line, '('), bytes.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("malformed /proc stat, no command name: %.40q", line)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(line[:open])))
	if err != nil {
		return Stat{}, fmt.Errorf("malformed /proc stat pid: %w", err)
	}
	f := bytes.Fields(line[end+1:])
	// f[0] is field 3; field n is f[n-3].
	const last = 24 - 3
	if len(f) <= last {
		return Stat{}, fmt.Errorf("malformed /proc stat: only %d fields after the command", len(f))
	}
	if len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("malformed /proc stat state %q", f[0])
	}
	s := Stat{Pid: pid, Comm: string(line[open+1 : end]), State: f[0][0]}
	for _, field := range []struct {
		n   int
		dst any
	}{{4, &s.PPid}, {14, &s.UserTicks}, {15, &s.SystemTicks}, {22, &s.StartTicks}, {24, &s.ResidentPages}} {
		text := string(f[field.n-3])
		var err error
		switch dst := field.dst.(type) {
		case *int:
			*dst, err = strconv.Atoi(text)
		case *uint64:
			*dst, err = strconv.ParseUint(text, 10, 64)
		case *int64:
			*dst, err = strconv.ParseInt(text, 10, 64)
		}
		if err != nil {
			return Stat{}, fmt.Errorf("malformed /proc stat field %d: %w", field.n, err)
		}
	}
	return s, nil
}

// Gone reports whether pid is gone by the package's rule: no /proc entry,
// or an entry in state X. A zombie is not gone. An entry that cannot be
// read for another reason (permissions) is not gone either.
func Gone(pid int) bool {
	s, err := ReadStat(pid)
	if err != nil {
		return errors.Is(err, os.ErrProcessDone)
	}
	return s.State == 'X'
}

// Exited reports whether pid no longer runs: it is gone, or a zombie
// still waiting to be reaped. Use it where an unreaped process is someone
// else's concern, e.g. an orphan whose reaper (PID 1 in a container) may
// never reap it.
func Exited(pid int) bool {
	s, err := ReadStat(pid)
	if err != nil {
		return errors.Is(err, os.ErrProcessDone)
	}
	return s.Exited()
}
