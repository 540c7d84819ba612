package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// eventLog writes perf.jsonl: one JSON event per line, in the order things
// were observed, each stamped with seconds since the run began.
type eventLog struct {
	mu    sync.Mutex
	f     *os.File
	start time.Time
}

func openEventLog(path string, start time.Time) (*eventLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &eventLog{f: f, start: start}, nil
}

// write stamps ev with "t" and appends it.
func (l *eventLog) write(kind string, ev map[string]any) {
	ev["type"] = kind
	ev["t"] = time.Since(l.start).Seconds()
	b, err := json.Marshal(ev)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"type":"error","err":%q}`, err.Error()))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.f.Write(append(b, '\n'))
}

func (l *eventLog) close() error { return l.f.Close() }
