package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const slogEnv = "SLOGFILE"

// kernelEnv is the kernel's environment: environ (agd's own) with SLOGFILE
// set to the slog file's absolute path, taken from the environment or else
// from app.toml's [swingset] slogfile (tomlSlogfile). The kernel runs in its
// state folder, so a relative path handed on as is would name a file there
// (or in no folder at all): agd resolves it the way an operator reads it,
// an environment variable against cwd (agd's working folder) and app.toml's
// setting against home. The file must open for append, so that a slog the
// operator asked for is never silently missing. An empty SLOGFILE in the
// environment means no slog file.
func kernelEnv(environ []string, tomlSlogfile, home, cwd string) ([]string, error) {
	path, fromEnv := lookupEnv(environ, slogEnv)
	base, source := cwd, "environment variable "+slogEnv
	if !fromEnv {
		path, base, source = tomlSlogfile, home, "app.toml [swingset] slogfile"
	}
	if path == "" {
		return environ, nil
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(base, path)
	}
	if !filepath.IsAbs(path) { // a relative --home
		path = filepath.Join(cwd, path)
	}
	if err := checkAppendable(path); err != nil {
		return nil, fmt.Errorf("slog file from %s: %w", source, err)
	}
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, slogEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, slogEnv+"="+path), nil
}

// checkAppendable opens path for append the way the kernel will (creating
// it if missing), so a bad path stops agd at start with its name instead of
// leaving the kernel to discover it.
func checkAppendable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("cannot open %s for append: %w", path, err)
	}
	return f.Close()
}

// lookupEnv is os.LookupEnv over an environment list: the last entry wins,
// as it does for exec.
func lookupEnv(environ []string, name string) (string, bool) {
	value, found := "", false
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			value, found = v, true
		}
	}
	return value, found
}
