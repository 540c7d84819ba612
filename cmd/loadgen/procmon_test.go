package main

import (
	"os"
	"os/exec"
	"testing"
)

// TestReadProc samples this process and a child; finding children is
// tested in internal/proc.
func TestReadProc(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	self, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self.RSSBytes == 0 || self.Key.StartTime == 0 || self.Key.Pid != os.Getpid() {
		t.Fatalf("self sample missing pid, RSS or start time: %+v", self)
	}
	child, err := readProc(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if child.Comm != "sleep" || child.Key.StartTime < self.Key.StartTime {
		t.Fatalf("child sample %+v, self %+v", child, self)
	}
}
