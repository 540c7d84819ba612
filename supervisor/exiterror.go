package supervisor

import (
	"fmt"
	"strings"
)

// ExitError reports a kernel's end: which command, which process, how it
// ended and the last lines it wrote to stderr — everything an operator
// needs to see in agd's final log line without digging for the kernel's.
type ExitError struct {
	Argv       []string
	Pid        int
	Status     ExitStatus
	StderrTail []string
}

func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kernel %q (pid %d) %s", strings.Join(e.Argv, " "), e.Pid, e.Status)
	if len(e.StderrTail) == 0 {
		b.WriteString("; it wrote nothing to stderr")
		return b.String()
	}
	fmt.Fprintf(&b, "; last %d lines of its stderr:", len(e.StderrTail))
	for _, line := range e.StderrTail {
		b.WriteString("\n\t")
		b.WriteString(line)
	}
	return b.String()
}
