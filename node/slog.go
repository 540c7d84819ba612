package node

import (
	"context"
	"log/slog"

	"cosmossdk.io/log"
)

// slogFor lets packages that log through the standard library's slog (rpc)
// write into agd's own log, with the same format and level filter.
func slogFor(l log.Logger) *slog.Logger { return slog.New(slogHandler{logger: l}) }

type slogHandler struct {
	logger log.Logger
	attrs  []any
}

func (h slogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h slogHandler) Handle(_ context.Context, r slog.Record) error {
	kv := append([]any(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		kv = append(kv, a.Key, a.Value.Any())
		return true
	})
	switch {
	case r.Level >= slog.LevelError:
		h.logger.Error(r.Message, kv...)
	case r.Level >= slog.LevelWarn:
		h.logger.Warn(r.Message, kv...)
	case r.Level >= slog.LevelInfo:
		h.logger.Info(r.Message, kv...)
	default:
		h.logger.Debug(r.Message, kv...)
	}
	return nil
}

func (h slogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	next := slogHandler{logger: h.logger, attrs: append([]any(nil), h.attrs...)}
	for _, a := range attrs {
		next.attrs = append(next.attrs, a.Key, a.Value.Any())
	}
	return next
}

func (h slogHandler) WithGroup(string) slog.Handler { return h }
