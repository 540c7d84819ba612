package supervisor

import (
	"errors"
	"fmt"

	"github.com/agd-project/agd/internal/proc"
)

// errPidReused means a PID now names a different process than the one we
// started.
var errPidReused = errors.New("pid has been reused by another process")

// procStartTime is the start time of process pid, in clock ticks since
// boot. A PID plus its start time names one process for the life of the
// machine, which a PID alone does not. A pid with no /proc entry gives an
// error wrapping os.ErrProcessDone.
func procStartTime(pid int) (uint64, error) {
	s, err := proc.ReadStat(pid)
	if err != nil {
		return 0, err
	}
	return s.StartTicks, nil
}

// checkProcess returns nil if pid is still the process that started at
// startTime (a zombie still is: it holds its pid until reaped),
// os.ErrProcessDone if pid is gone, and errPidReused if pid now names
// another process.
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
