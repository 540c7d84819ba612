package main

import (
	"testing"
	"time"
)

func TestParseStages(t *testing.T) {
	st, err := parseStages("2/s:20s, 0.5/s:1m")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Rate != 2 || st[0].Duration != 20*time.Second || st[1].Rate != 0.5 || st[1].Duration != time.Minute {
		t.Fatalf("stages %+v", st)
	}
	for _, bad := range []string{"2/s", "x/s:1s", "2/s:soon", "-1/s:1s"} {
		if _, err := parseStages(bad); err == nil {
			t.Errorf("parseStages(%q) accepted", bad)
		}
	}
}
