package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
)

// errPidReused means a PID now names a different process than the one we
// started.
var errPidReused = errors.New("pid has been reused by another process")

// procStartTime is the start time of process pid, in clock ticks since
// boot (field 22 of /proc/<pid>/stat). A PID plus its start time names one
// process for the life of the machine, which a PID alone does not.
func procStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, os.ErrProcessDone
		}
		return 0, err
	}
	return parseStartTime(data)
}

// parseStartTime reads field 22 of a /proc/<pid>/stat line. The command
// name (field 2) is in parentheses and may itself contain spaces and ')',
// so fields are counted from the last ')'.
func parseStartTime(stat []byte) (uint64, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("malformed /proc stat: %.40q", stat)
	}
	fields := bytes.Fields(stat[end+1:])
	const startTimeField = 22 - 3 // fields after ')' begin with field 3
	if len(fields) <= startTimeField {
		return 0, fmt.Errorf("malformed /proc stat: only %d fields after the command", len(fields))
	}
	return strconv.ParseUint(string(fields[startTimeField]), 10, 64)
}

// checkProcess returns nil if pid is still the process that started at
// startTime, os.ErrProcessDone if pid is gone, and errPidReused if pid
// now names another process.
func checkProcess(pid int, startTime uint64) error {
	got, err := procStartTime(pid)
	if err != nil {
		return err
	}
	if got != startTime {
		return fmt.Errorf("%w (start time %d, expected %d)", errPidReused, got, startTime)
	}
	return nil
}
