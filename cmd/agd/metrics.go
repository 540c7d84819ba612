package main

import (
	"context"
	"errors"
	"os"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/agd-project/agd/lifecycle/driver"
	"github.com/agd-project/agd/metrics"
	"github.com/agd-project/agd/rpc"
)

// newNodeMetrics makes agd's metrics. With [instrumentation] prometheus on,
// they go on CometBFT's registry, which CometBFT serves on
// prometheus_listen_addr next to its own; otherwise on a registry nobody
// serves, so the code that reports never asks whether anyone listens.
func newNodeMetrics(inst *cmtcfg.InstrumentationConfig) (*metrics.Metrics, error) {
	var reg prometheus.Registerer = prometheus.NewRegistry()
	if inst != nil && inst.Prometheus {
		reg = prometheus.DefaultRegisterer
	}
	return metrics.New(reg)
}

// timedCaller times every lifecycle call the driver makes to the kernel,
// failed ones included.
type timedCaller struct {
	next    driver.Caller
	metrics *metrics.Metrics
}

func (c timedCaller) Call(ctx context.Context, method string, params, result any) error {
	start := time.Now()
	err := c.next.Call(ctx, method, params, result)
	c.metrics.KernelCall(method, time.Since(start))
	return err
}

// countedHandler counts the kernel's calls and notifications to agd by the
// code agd answers. A notification's failure has no response to carry it,
// so it is also an unpropagated error.
type countedHandler struct {
	next    rpc.Handler
	metrics *metrics.Metrics
}

func (h countedHandler) ServeRPC(ctx context.Context, req *rpc.Message) (result any, err error) {
	defer func() {
		code := int64(0)
		if p := recover(); p != nil {
			// rpc.Conn answers a panic with -32603; count it as that.
			h.count(req, rpc.CodeInternalError)
			panic(p)
		}
		if err != nil {
			code = rpc.CodeInternalError
			var rpcErr *rpc.Error
			if errors.As(err, &rpcErr) {
				code = rpcErr.Code
			}
		}
		h.count(req, code)
	}()
	return h.next.ServeRPC(ctx, req)
}

func (h countedHandler) count(req *rpc.Message, code int64) {
	method := req.Method
	if code == rpc.CodeMethodNotFound {
		// The kernel names the method: unknown names share one series.
		method = "unknown"
	}
	h.metrics.KernelRequest(method, code)
	if code != 0 && req.IsNotification() {
		h.metrics.Unpropagated(metrics.SiteKernelNotification)
	}
}

// countClose counts a close error at site, unless the thing was already
// closed (abandon closes what the connection may have closed first).
func countClose(m *metrics.Metrics, site metrics.Site, err error) {
	if err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, rpc.ErrClosed) {
		m.Unpropagated(site)
	}
}
