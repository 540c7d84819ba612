// Package jsonscan validates and skips JSON values in place, without
// decoding them: the one scanner agd's wire reader and its flight recorder
// share. It checks JSON grammar as encoding/json does, except that, like
// encoding/json, it does not reject invalid UTF-8.
package jsonscan

import (
	"errors"
	"fmt"
)

// It is why rpc reads a message in one pass: the envelope is split into
// members and each member's value is checked and sliced out as raw bytes,
// never decoded into maps or decoded twice.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

var errDepth = errors.New("nesting too deep")

type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at offset %d", e.msg, e.off) }

// ErrAt is the syntax error for b[i] when want was expected there.
func ErrAt(b []byte, i int, want string) error {
	if i >= len(b) {
		return &syntaxError{"unexpected end of line, want " + want, i}
	}
	return &syntaxError{fmt.Sprintf("invalid character %q, want %s", b[i], want), i}
}

// SkipSpace returns the index of the first non-space byte at or after i.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// SkipValue returns the index just past the JSON value starting at b[i],
// which sits at nesting depth (0 for a whole line's value), or the error
// that makes it not JSON.
func SkipValue(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return i, ErrAt(b, i, "a value")
	}
	switch c := b[i]; {
	case c == '"':
		return SkipString(b, i)
	case c == '{':
		return skipObject(b, i, depth+1)
	case c == '[':
		return skipArray(b, i, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	case c == 't':
		return skipLiteral(b, i, "true")
	case c == 'f':
		return skipLiteral(b, i, "false")
	case c == 'n':
		return skipLiteral(b, i, "null")
	}
	return i, ErrAt(b, i, "a value")
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, ErrAt(b, i, lit)
	}
	return i + len(lit), nil
}

// SkipString returns the index just past the string starting at b[i] == '"'.
func SkipString(b []byte, i int) (int, error) {
	i++
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i, ErrAt(b, i+1, "an escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 {
					return i, ErrAt(b, len(b), "four hex digits")
				}
				for k := i + 2; k < i+6; k++ {
					if !isHex(b[k]) {
						return k, ErrAt(b, k, "a hex digit")
					}
				}
				i += 6
			default:
				return i + 1, ErrAt(b, i+1, "an escape")
			}
		case c < 0x20:
			return i, ErrAt(b, i, "no control character in a string")
		default:
			i++
		}
	}
	return i, ErrAt(b, i, `closing '"'`)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipNumber(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, ErrAt(b, i, "a digit")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, ErrAt(b, i, "a digit")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, ErrAt(b, i, "a digit")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

func skipArray(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errDepth
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = SkipValue(b, i, depth); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		if i >= len(b) {
			return i, ErrAt(b, i, "',' or ']'")
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case ']':
			return i + 1, nil
		default:
			return i, ErrAt(b, i, "',' or ']'")
		}
	}
}

func skipObject(b []byte, i, depth int) (int, error) {
	if depth > maxDepth {
		return i, errDepth
	}
	i = SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1, nil
	}
	for {
		var err error
		if i >= len(b) || b[i] != '"' {
			return i, ErrAt(b, i, "a member name")
		}
		if i, err = SkipString(b, i); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return i, ErrAt(b, i, "':'")
		}
		if i, err = SkipValue(b, SkipSpace(b, i+1), depth); err != nil {
			return i, err
		}
		i = SkipSpace(b, i)
		if i >= len(b) {
			return i, ErrAt(b, i, "',' or '}'")
		}
		switch b[i] {
		case ',':
			i = SkipSpace(b, i+1)
		case '}':
			return i + 1, nil
		default:
			return i, ErrAt(b, i, "',' or '}'")
		}
	}
}
