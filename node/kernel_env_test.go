package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// slogOf returns the SLOGFILE entries of env (the kernel sees the last).
func slogOf(env []string) []string {
	var out []string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "SLOGFILE="); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestKernelEnvResolvesRelativeSlogfile(t *testing.T) {
	cwd, home := t.TempDir(), t.TempDir()
	const withToml = "toml.slog.jsonl"

	for _, tc := range []struct {
		name    string
		environ []string
		toml    string // app.toml's [swingset] slogfile
		home    string
		want    string // "" means no SLOGFILE handed on
	}{
		{"env relative is against agd's cwd", []string{"A=1", "SLOGFILE=sub/../env.slog.jsonl"}, withToml, home, filepath.Join(cwd, "env.slog.jsonl")},
		{"env absolute is kept", []string{"SLOGFILE=" + filepath.Join(home, "abs.jsonl")}, "", home, filepath.Join(home, "abs.jsonl")},
		{"app.toml relative is against home", []string{"A=1"}, withToml, home, filepath.Join(home, "toml.slog.jsonl")},
		{"app.toml with a relative home is against cwd/home", nil, withToml, "h", filepath.Join(cwd, "h", "toml.slog.jsonl")},
		{"empty env var means none, even with app.toml", []string{"SLOGFILE="}, withToml, home, ""},
		{"neither means none", []string{"A=1"}, "", home, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.home == "h" {
				if err := os.MkdirAll(filepath.Join(cwd, "h"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			env, err := kernelEnv(tc.environ, tc.toml, tc.home, cwd)
			if err != nil {
				t.Fatal(err)
			}
			got := slogOf(env)
			if tc.want == "" {
				if len(got) > 0 && got[len(got)-1] != "" {
					t.Fatalf("SLOGFILE=%q handed on, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("SLOGFILE entries %q, want exactly [%q]", got, tc.want)
			}
			if !filepath.IsAbs(got[0]) {
				t.Fatalf("SLOGFILE %q is not absolute", got[0])
			}
			if _, err := os.Stat(tc.want); err != nil {
				t.Fatalf("the slog file was not created by the check: %v", err)
			}
			if len(env) != len(tc.environ)+1-len(slogOf(tc.environ)) {
				t.Fatalf("env %q: other variables lost or duplicated", env)
			}
		})
	}
}

func TestKernelEnvRefusesUnopenableSlogfile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "slog.jsonl") // under a regular file: fails even as root
	for _, tc := range []struct {
		name    string
		environ []string
		toml    string
	}{
		{"from the environment", []string{"SLOGFILE=" + bad}, ""},
		{"from app.toml", nil, bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kernelEnv(tc.environ, tc.toml, dir, dir)
			if err == nil {
				t.Fatal("kernelEnv accepted a slog file that cannot be created")
			}
			if !strings.Contains(err.Error(), bad) {
				t.Fatalf("error %q does not name %s", err, bad)
			}
		})
	}
}
