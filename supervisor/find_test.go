package supervisor

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// makeAgvm creates dir/agvm/src/main.js and returns dir/agvm.
func makeAgvm(t *testing.T, dir string) string {
	t.Helper()
	agvm := filepath.Join(dir, "agvm")
	if err := os.MkdirAll(filepath.Join(agvm, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(agvm, "src", "main.js"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return agvm
}

func TestFindAgvmDir(t *testing.T) {
	root := t.TempDir()
	release := filepath.Join(root, "release") // bin/agd + agvm/
	releaseAgvm := makeAgvm(t, release)
	besideBin := filepath.Join(root, "flat") // agd + agvm/ side by side
	besideAgvm := makeAgvm(t, besideBin)
	checkout := filepath.Join(root, "src")
	checkoutAgvm := makeAgvm(t, checkout)
	deep := filepath.Join(checkout, "x", "y")
	nowhere := filepath.Join(root, "nowhere")
	for _, d := range []string{deep, nowhere, filepath.Join(release, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name                  string
		explicit, exeDir, cwd string
		want                  string
		wantErr               string
	}{
		{"explicit wins", checkoutAgvm, besideBin, deep, checkoutAgvm, ""},
		{"explicit must hold main.js", nowhere, besideBin, deep, "", "no src/main.js"},
		{"next to the binary", "", besideBin, deep, besideAgvm, ""},
		{"beside the bin dir", "", filepath.Join(release, "bin"), deep, releaseAgvm, ""},
		{"up from the working directory", "", nowhere, deep, checkoutAgvm, ""},
		{"not found", "", nowhere, nowhere, "", "--agvm-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findAgvmDir(tc.explicit, tc.exeDir, tc.cwd)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("findAgvmDir = %q, %v; want an error mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("findAgvmDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDefaultCommand(t *testing.T) {
	agvm := makeAgvm(t, t.TempDir())
	if _, err := DefaultCommand(agvm); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("DefaultCommand without node_modules: %v, want advice to run npm ci", err)
	}
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x64"
	}
	node := filepath.Join(agvm, "node_modules", "node-linux-"+arch, "bin", "node")
	if err := os.MkdirAll(filepath.Dir(node), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(node, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := DefaultCommand(agvm)
	if want := []string{node, filepath.Join(agvm, "src", "main.js")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("DefaultCommand = %q, %v; want %q", got, err, want)
	}
}

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		"node  /a/main.js --x": {"node", "/a/main.js", "--x"},
		"/bin/kernel":          {"/bin/kernel"},
		"   ":                  nil,
	} {
		if got := SplitCommand(in); !slices.Equal(got, want) {
			t.Errorf("SplitCommand(%q) = %q, want %q", in, got, want)
		}
	}
}

// findAgvmHelper runs in a re-executed, copied test binary: it prints what
// FindAgvmDir finds for it, or the error.
func findAgvmHelper() {
	dir, err := FindAgvmDir("")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(dir)
	os.Exit(0)
}

// TestFindAgvmDirNextToExecutable: an installed release finds the agvm
// directory next to its own binary, whatever the working directory. The
// test binary is copied into a fresh bin/ with an agvm/ beside it and run
// from a directory with no agvm above it.
func TestFindAgvmDirNextToExecutable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bin")
	agvm := makeAgvm(t, bin)
	exe := filepath.Join(bin, "agd-test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cwd := t.TempDir()
	if _, err := findAgvmDir("", "", cwd); err == nil {
		t.Skipf("an agvm directory lies above %s; the working directory would answer", cwd)
	}
	// Run as itself, and through a symlink elsewhere (agd linked into
	// /usr/local/bin): both find the agvm next to the real binary.
	link := filepath.Join(t.TempDir(), "agd")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{exe, link} {
		cmd := exec.Command(path, "-test.run=^$")
		cmd.Dir = cwd
		cmd.Env = append(os.Environ(), helperEnv+"=findagvm")
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != agvm {
			t.Fatalf("FindAgvmDir in %s = %q (%v), want %s", path, got, err, agvm)
		}
	}
}
