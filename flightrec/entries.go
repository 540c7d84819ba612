package flightrec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
// slog.Write params object. rpc.HandleRaw hands over valid JSON, so this
// only finds boundaries; it does not validate.
func eachEntry(params []byte, fn func(entry []byte)) error {
	i := skipSpace(params, 0)
	if i >= len(params) || params[i] != '{' {
		return fmt.Errorf("slog.Write params: not an object")
	}
	i++
	for {
		i = skipSpace(params, i)
		if i >= len(params) || params[i] == '}' {
			return errNoEntries
		}
		if params[i] == ',' {
			i++
			continue
		}
		keyEnd := skipString(params, i)
		key := params[i:keyEnd]
		i = skipSpace(params, keyEnd)
		i = skipSpace(params, i+1) // the ':'
		if string(key) != `"entries"` {
			i = skipValue(params, i)
			continue
		}
		if i >= len(params) || params[i] != '[' {
			return fmt.Errorf(`slog.Write params: "entries" is not an array`)
		}
		i++
		for {
			i = skipSpace(params, i)
			if i >= len(params) {
				return errNoEntries
			}
			switch params[i] {
			case ']':
				return nil
			case ',':
				i++
				continue
			}
			end := skipValue(params, i)
			fn(params[i:end])
			i = end
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		// An escaped quote has an odd number of backslashes before it.
		k := i - 1
		for k >= 0 && b[k] == '\\' {
			k--
		}
		i++
		if (i-2-k)%2 == 0 {
			return i
		}
	}
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
		i++
	}
	return i
}
