package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
)

// benchBlock is one block of a round as the slog tells it.
type benchBlock struct {
	Height                                   int64
	Actions                                  int
	Begin, EndStart, EndFinish, CommitFinish float64 // slog monotime, seconds
	Computrons                               float64
}

// benchSlog follows node0's slog file while the bench runs. Each poll reads
// only what was appended since the last one: reading the whole file again
// (30 MB and more by the last rounds) twice a second took a tenth of a core
// from the node being measured.
type benchSlog struct {
	path    string
	offset  int64
	partial []byte // a last line not yet complete
	blocks  map[int64]*benchBlock
	cur     *benchBlock // the block whose entries are being read
	// settled maps a delivery's action id to the height of the last block
	// whose entries name its outcome.
	settled map[string]int64
	lastID  uint64 // the largest action id, install or delivery, with an outcome
}

func newBenchSlog(path string) *benchSlog {
	return &benchSlog{path: path, blocks: map[int64]*benchBlock{}, settled: map[string]int64{}}
}

// publishedRE finds an outcome's vstorage path in a line: an outcome write
// is a bridge callNow syscall, its path JSON inside a string.
var publishedRE = regexp.MustCompile(`published\.swingset\.(deliver|install)\.([0-9]+)`)

// poll reads the lines appended since the last poll.
func (s *benchSlog) poll() error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(s.offset, io.SeekStart); err != nil {
		return fmt.Errorf("slog %s: %w", s.path, err)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadSlice('\n')
		s.offset += int64(len(line))
		if err == bufio.ErrBufferFull {
			s.partial = append(s.partial, line...)
			continue
		}
		if err == io.EOF {
			s.partial = append(s.partial, line...)
			return nil
		}
		if err != nil {
			return fmt.Errorf("slog %s: %w", s.path, err)
		}
		if len(s.partial) > 0 {
			line = append(s.partial, line...)
			s.partial = s.partial[:0]
		}
		s.line(bytes.TrimSuffix(line, []byte("\n")))
	}
}

func (s *benchSlog) line(line []byte) {
	if bytes.Contains(line, []byte("published.swingset.")) {
		for _, m := range publishedRE.FindAllSubmatch(line, -1) {
			id, err := strconv.ParseUint(string(m[2]), 10, 64)
			if err != nil {
				continue
			}
			s.lastID = max(s.lastID, id)
			if string(m[1]) == "deliver" && s.cur != nil {
				s.settled[string(m[2])] = s.cur.Height
			}
		}
	}
	if !bytes.Contains(line, []byte(`"cosmic-swingset-`)) {
		return
	}
	var e struct {
		Type        string  `json:"type"`
		BlockHeight int64   `json:"blockHeight"`
		Monotime    float64 `json:"monotime"`
		Actions     int     `json:"actions"`
		Computrons  string  `json:"computrons"`
	}
	if json.Unmarshal(line, &e) != nil || e.BlockHeight <= 0 {
		return
	}
	b := s.blocks[e.BlockHeight]
	if b == nil {
		b = &benchBlock{Height: e.BlockHeight}
		s.blocks[e.BlockHeight] = b
	}
	switch e.Type {
	case "cosmic-swingset-begin-block":
		b.Begin, s.cur = e.Monotime, b
	case "cosmic-swingset-end-block-start":
		b.EndStart, b.Actions = e.Monotime, e.Actions
	case "cosmic-swingset-run-finish":
		b.Computrons, _ = strconv.ParseFloat(e.Computrons, 64)
	case "cosmic-swingset-end-block-finish":
		b.EndFinish = e.Monotime
	case "cosmic-swingset-commit-block-finish":
		b.CommitFinish = e.Monotime
	}
}

// round gives the figures and per-block schedule of the round whose
// deliveries are ids, from what has been read of the blocks after h0: its
// span runs from the first block with actions to the block whose entries
// name the last of ids' outcomes. It fails until every outcome and that
// block's commit have been read.
func (s *benchSlog) round(h0 int64, ids map[string]bool) (benchFigures, []int, error) {
	last := int64(0)
	n := 0
	for id := range ids {
		if h, ok := s.settled[id]; ok && h > h0 {
			n++
			last = max(last, h)
		}
	}
	if n < len(ids) {
		return benchFigures{}, nil, fmt.Errorf("slog %s names %d of %d outcomes", s.path, n, len(ids))
	}
	first := int64(0)
	for h, b := range s.blocks {
		if h > h0 && b.Actions > 0 && (first == 0 || h < first) {
			first = h
		}
	}
	if first == 0 || s.blocks[last] == nil || s.blocks[last].CommitFinish == 0 {
		return benchFigures{}, nil, fmt.Errorf("slog %s: block %d not committed yet", s.path, last)
	}
	var fig benchFigures
	var schedule []int
	var kernelMs float64
	for h := first; h <= last; h++ {
		b := s.blocks[h]
		if b == nil || b.Begin == 0 || b.EndFinish == 0 {
			return benchFigures{}, nil, fmt.Errorf("slog %s: block %d incomplete", s.path, h)
		}
		schedule = append(schedule, b.Actions)
		fig.Deliveries += b.Actions
		fig.Computrons += b.Computrons
		kernelMs += 1000 * (b.EndFinish - b.EndStart)
	}
	if fig.Deliveries != len(ids) {
		return benchFigures{}, nil, fmt.Errorf("slog %s: blocks %d-%d carried %d actions, want the round's %d", s.path, first, last, fig.Deliveries, len(ids))
	}
	fig.Blocks = len(schedule)
	fig.Seconds = s.blocks[last].CommitFinish - s.blocks[first].Begin
	fig.KernelMsPerBlock = kernelMs / float64(fig.Blocks)
	return fig, schedule, nil
}
