package node

import (
	"context"
	"errors"
	"os"
	"sync"
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
// failed ones included, and adds up each block's.
type timedCaller struct {
	next    driver.Caller
	metrics *metrics.Metrics
	clock   *blockClock
}

func (c timedCaller) Call(ctx context.Context, method string, params, result any) error {
	start := time.Now()
	err := c.next.Call(ctx, method, params, result)
	took := time.Since(start)
	c.metrics.KernelCall(method, took)
	if block, ok := c.clock.add(method, took, err == nil); ok {
		c.metrics.KernelBlock(block)
	}
	return err
}

// blockClock adds up the lifecycle calls of one block, from BeginBlock to a
// successful Commit, and keeps the last complete block's total.
type blockClock struct {
	mu      sync.Mutex
	running time.Duration
	last    time.Duration
	blocks  int64
}

// add counts one call; ok is true when it completed a block, whose total
// it returns.
func (c *blockClock) add(method string, took time.Duration, succeeded bool) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if method == "swingset.BeginBlock" {
		c.running = 0
	}
	c.running += took
	if method != "swingset.Commit" || !succeeded {
		return 0, false
	}
	c.last, c.running = c.running, 0
	c.blocks++
	return c.last, true
}

// lastBlock is the last complete block's kernel time, and how many blocks
// completed since start.
func (c *blockClock) lastBlock() (time.Duration, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.blocks
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
