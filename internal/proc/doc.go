// Package proc reads Linux's /proc for the few facts agd needs about a
// process: its state, parent, start time, CPU time, resident memory,
// command line, and the processes below it.
//
// It exists so that agd, its tests and its tools share one reading of
// /proc/<pid>/stat and, above all, one answer to "is this process gone":
//
// A process is gone when /proc has no entry for its pid, or the entry is
// in state X (dead: being released, no longer waitable). A zombie (state
// Z) is NOT gone: it has exited but still holds its pid, and it means
// nobody has reaped it yet. Code that asks whether a process has stopped
// running, reaped or not, says so by calling Exited instead of Gone.
//
// A pid alone can be reused; a pid with its start time (Stat.StartTicks)
// names one process for the life of the machine.
package proc
