package node

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"
)

// TestSlogForKeepsLevelsAndAttrs: what rpc logs through slog reaches agd's
// logger at the matching level, with its attributes as key-value pairs
// after those of WithAttrs, and a derived logger leaves its parent's
// attributes alone. Groups are flattened: agd's log has no nesting.
func TestSlogForKeepsLevelsAndAttrs(t *testing.T) {
	logger := newRecLog()
	base := slog.New(slogHandler{logger: logger})
	conn := base.With("module", "rpc")
	conn.Error("write failed", "err", errors.New("broken pipe"))
	conn.Warn("slow peer", "ms", 1500)
	conn.WithGroup("ignored").Info("closed", "reason", "EOF")
	base.Debug("frame", "bytes", 12)
	slog.New(slogHandler{logger: logger}).Log(context.Background(), slog.LevelError+4, "worse than error")

	want := []logLine{
		{"error", "write failed", []any{"module", "rpc", "err", errors.New("broken pipe")}},
		{"warn", "slow peer", []any{"module", "rpc", "ms", int64(1500)}},
		{"info", "closed", []any{"module", "rpc", "reason", "EOF"}},
		{"debug", "frame", []any{"bytes", int64(12)}},
		{"error", "worse than error", nil},
	}
	got := logger.taken()
	if len(got) != len(want) {
		t.Fatalf("logged %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].level != want[i].level || got[i].msg != want[i].msg || !reflect.DeepEqual(got[i].kv, want[i].kv) {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
