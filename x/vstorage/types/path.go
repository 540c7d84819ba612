package types

import (
	"regexp"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"
)

// PathSeparator separates a path's segments.
const PathSeparator = "."

var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidatePath checks a path that may hold a value: dot-separated segments
// of [A-Za-z0-9_-].
func ValidatePath(path string) error {
	if path == "" {
		return errorsmod.Wrap(ErrInvalidPath, "empty path")
	}
	for i, seg := range strings.Split(path, PathSeparator) {
		if !segmentPattern.MatchString(seg) {
			return errorsmod.Wrapf(ErrInvalidPath, "%q: segment %d %q is not [A-Za-z0-9_-]+", path, i, seg)
		}
	}
	return nil
}

// ValidateReadPath is ValidatePath that also accepts "", the root, which
// holds no value but has children.
func ValidateReadPath(path string) error {
	if path == "" {
		return nil
	}
	return ValidatePath(path)
}

// The store key of a path is its depth in decimal, then its segments, each
// after a NUL: "a.b" is "2\x00a\x00b" and the root is "0". All children of a
// path share one key prefix, "<depth+1>\x00<segments>\x00", so Children is a
// prefix scan, and no deeper descendant matches that prefix.

// PathKey returns the store key of a valid path.
func PathKey(path string) []byte {
	if path == "" {
		return []byte("0")
	}
	segs := strings.Split(path, PathSeparator)
	return []byte(strconv.Itoa(len(segs)) + "\x00" + strings.Join(segs, "\x00"))
}

// ChildrenPrefix returns the key prefix of a path's children.
func ChildrenPrefix(path string) []byte {
	if path == "" {
		return []byte("1\x00")
	}
	segs := strings.Split(path, PathSeparator)
	return []byte(strconv.Itoa(len(segs)+1) + "\x00" + strings.Join(segs, "\x00") + "\x00")
}

// KeyPath returns the path of a store key PathKey built.
func KeyPath(key []byte) string {
	_, rest, ok := strings.Cut(string(key), "\x00")
	if !ok {
		return ""
	}
	return strings.ReplaceAll(rest, "\x00", PathSeparator)
}

// Parent returns a path's parent and whether it has one ("" is the root's
// child's parent; the root has none).
func Parent(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	i := strings.LastIndex(path, PathSeparator)
	if i < 0 {
		return "", true
	}
	return path[:i], true
}
