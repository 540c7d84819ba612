package flightrec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agd-project/agd/internal/jsonscan"
)

// The kernel's block markers (agvm/src/host.js). Each carries blockHeight;
// the entries between two markers belong to the block in progress.
const (
	markerPrefix      = "cosmic-swingset-"
	TypeBeginBlock    = "cosmic-swingset-begin-block"
	TypeEndBlockStart = "cosmic-swingset-end-block-start"
	TypeEndBlockEnd   = "cosmic-swingset-end-block-finish"
	TypeCommitStart   = "cosmic-swingset-commit-block-start"
	TypeCommitEnd     = "cosmic-swingset-commit-block-finish"
)

// marker is what the recorder reads from an entry that may be a block
// marker. Only those entries are decoded: decoding every entry would cost
// more than the rest of the recorder together.
type marker struct {
	Type        string `json:"type"`
	BlockHeight *int64 `json:"blockHeight"`
}

// markerHeight reports the block an entry announces, if it is a block marker.
func markerHeight(entry []byte) (int64, bool) {
	if !bytes.Contains(entry, []byte(markerPrefix)) {
		return 0, false
	}
	var m marker
	if json.Unmarshal(entry, &m) != nil || m.BlockHeight == nil {
		return 0, false
	}
	switch m.Type {
	case TypeBeginBlock, TypeEndBlockStart, TypeEndBlockEnd, TypeCommitStart, TypeCommitEnd:
		return *m.BlockHeight, true
	}
	return 0, false
}

var errNoEntries = errors.New(`slog.Write params: no "entries" array`)

// eachEntry calls fn with every element of the "entries" array of a
// slog.Write params object, in order. It uses the scanner rpc reads the wire
// with, so it slices the entries out without decoding them.
func eachEntry(params []byte, fn func(entry []byte)) error {
	i := jsonscan.SkipSpace(params, 0)
	if i >= len(params) || params[i] != '{' {
		return errors.New("slog.Write params: not an object")
	}
	for i = jsonscan.SkipSpace(params, i+1); i < len(params) && params[i] != '}'; {
		keyEnd, err := jsonscan.SkipString(params, i)
		if err != nil {
			return fmt.Errorf("slog.Write params: %w", err)
		}
		key := params[i:keyEnd]
		if i = jsonscan.SkipSpace(params, keyEnd); i >= len(params) || params[i] != ':' {
			return fmt.Errorf("slog.Write params: %w", jsonscan.ErrAt(params, i, "':'"))
		}
		i = jsonscan.SkipSpace(params, i+1)
		if string(key) == `"entries"` {
			return eachElement(params, i, fn)
		}
		if i, err = jsonscan.SkipValue(params, i, 1); err != nil {
			return fmt.Errorf("slog.Write params: %w", err)
		}
		if i = jsonscan.SkipSpace(params, i); i < len(params) && params[i] == ',' {
			i = jsonscan.SkipSpace(params, i+1)
		}
	}
	return errNoEntries
}

// eachElement calls fn with every element of the array at params[i].
func eachElement(params []byte, i int, fn func(entry []byte)) error {
	if i >= len(params) || params[i] != '[' {
		return errors.New(`slog.Write params: "entries" is not an array`)
	}
	for i = jsonscan.SkipSpace(params, i+1); i < len(params) && params[i] != ']'; {
		end, err := jsonscan.SkipValue(params, i, 2)
		if err != nil {
			return fmt.Errorf("slog.Write params: entries: %w", err)
		}
		fn(params[i:end])
		if i = jsonscan.SkipSpace(params, end); i < len(params) && params[i] == ',' {
			i = jsonscan.SkipSpace(params, i+1)
		}
	}
	if i >= len(params) {
		return errNoEntries
	}
	return nil
}
