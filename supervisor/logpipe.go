package supervisor

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"sync"
)

// LogTag is the module name the kernel's output is logged under.
const LogTag = "agvm"

// StderrTailLines is how many of the kernel's last stderr lines the exit
// report carries.
const StderrTailLines = 20

// maxLogLine bounds one logged line; a longer one is logged in pieces so
// that a kernel printing a huge blob cannot make agd buffer without limit.
const maxLogLine = 64 << 10

// relog logs each line read from r as one entry tagged LogTag, keeps it in
// tail if tail is not nil, and closes r at EOF. Nothing the kernel prints is
// protocol, so a read error just ends the logging.
func relog(r *os.File, logger Logger, stream string, tail *tailRing) {
	defer r.Close()
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			line := string(bytes.TrimRight(chunk, "\r\n"))
			if tail != nil {
				tail.add(line)
			}
			if logger != nil {
				logger.Info(line, "module", LogTag, "stream", stream)
			}
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF), errors.Is(err, os.ErrClosed):
			return
		default:
			if logger != nil {
				logger.Error("reading kernel output", "module", LogTag, "stream", stream, "err", err)
			}
			return
		}
	}
}

// tailRing keeps the last few lines added to it.
type tailRing struct {
	mu   sync.Mutex
	buf  []string
	next int // where the next line goes once buf is full
}

func newTailRing(size int) *tailRing {
	return &tailRing{buf: make([]string, 0, size)}
}

func (t *tailRing) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) < cap(t.buf) {
		t.buf = append(t.buf, line)
		return
	}
	t.buf[t.next] = line
	t.next = (t.next + 1) % len(t.buf)
}

// lines returns a copy of the kept lines, oldest first.
func (t *tailRing) lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.buf))
	out = append(out, t.buf[t.next:]...)
	return append(out, t.buf[:t.next]...)
}
