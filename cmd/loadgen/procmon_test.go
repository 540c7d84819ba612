package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestReadProcAndChildren(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	self, err := readProc("/proc", os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self.RSSBytes == 0 || self.Key.StartTime == 0 {
		t.Fatalf("self sample missing RSS or start time: %+v", self)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		kids := childrenOf("/proc", os.Getpid())
		found := false
		for _, k := range kids {
			found = found || k == cmd.Process.Pid
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d not among %v", cmd.Process.Pid, kids)
		}
		time.Sleep(20 * time.Millisecond)
	}
	child, err := readProc("/proc", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if child.Comm != "sleep" || child.Key.StartTime < self.Key.StartTime {
		t.Fatalf("child sample %+v, self %+v", child, self)
	}
}
