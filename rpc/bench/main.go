// Command bench measures rpc against its floor and against net/rpc/jsonrpc,
// over os.Pipe pairs to rpc/testdata/peer.js, in both directions. Every
// figure is judged as a ratio to an anchor measured in the same run, since
// absolute timings depend on the machine and its load. Run it through
// bench.sh.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	netrpc "net/rpc"
	"net/rpc/jsonrpc"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agd-project/agd/rpc"
	"github.com/agd-project/agd/rpc/internal/peer"
)

var (
	seqN      = flag.Int("seq", 10000, "sequential round trips per phase")
	pipeN     = flag.Int("pipelined", 60000, "pipelined calls per phase")
	slogN     = flag.Int("slog", 3000, "slog.Write batches of 100 entries")
	cpuprof   = flag.String("cpuprofile", "", "write a CPU profile of the Go side")
	only      = flag.String("only", "", "run only phases whose name contains this")
	root      string
	node      string
	balanceIn = balanceParams{Address: "agoric1abc123", Denom: "uist"}
)

const inflight = 64

type balanceParams struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	var err error
	if root, err = peer.RepoRoot("."); err != nil {
		log.Fatal(err)
	}
	if node, err = peer.Node(root); err != nil {
		log.Fatalf("bench: no node: %v", err)
	}
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	r := map[string]float64{}
	for _, ph := range []struct {
		name string
		run  func() float64
	}{
		{"raw_go_to_node_p50_us", func() float64 { seqGoToNode(r); return r["raw_go_to_node_p50_us"] }},
		{"rpc_go_to_node_seq_p50_us", func() float64 { return r["rpc_go_to_node_seq_p50_us"] }},
		{"netrpc_go_to_node_seq_p50_us", func() float64 { return r["netrpc_go_to_node_seq_p50_us"] }},
		{"raw_node_to_go_p50_us", rawNodeToGo},
		{"rpc_node_to_go_seq_p50_us", func() float64 { return nodeDrives("seq", *seqN, serveRPC)["p50_ns"] / 1e3 }},
		{"netrpc_node_to_go_seq_p50_us", func() float64 { return nodeDrives("seq", *seqN, serveNetRPC)["p50_ns"] / 1e3 }},
		{"rpc_go_to_node_pipelined_per_s", rpcGoToNodePipelined},
		{"rpc_node_to_go_pipelined_per_s", func() float64 { return nodeDrives("pipelined", *pipeN, serveRPC)["calls_per_s"] }},
		{"netrpc_go_to_node_pipelined_per_s", netrpcGoToNodePipelined},
		{"netrpc_node_to_go_pipelined_per_s", func() float64 { return nodeDrives("pipelined", *pipeN, serveNetRPC)["calls_per_s"] }},
		{"slog_entries_per_s", slogAbsorb},
	} {
		if !bytes.Contains([]byte(ph.name), []byte(*only)) {
			continue
		}
		r[ph.name] = ph.run()
		fmt.Printf("%-36s %12.1f\n", ph.name, r[ph.name])
	}
	if *only != "" {
		return
	}
	seqGo := r["rpc_go_to_node_seq_p50_us"] / r["raw_go_to_node_p50_us"]
	seqNode := r["rpc_node_to_go_seq_p50_us"] / r["raw_node_to_go_p50_us"]
	pipeGo := r["rpc_go_to_node_pipelined_per_s"] / r["netrpc_go_to_node_pipelined_per_s"]
	pipeNode := r["rpc_node_to_go_pipelined_per_s"] / r["netrpc_node_to_go_pipelined_per_s"]
	fmt.Printf("seq p50 over raw: go→node %.2f node→go %.2f; net/rpc: go→node %.2f node→go %.2f\n", seqGo, seqNode,
		r["netrpc_go_to_node_seq_p50_us"]/r["raw_go_to_node_p50_us"], r["netrpc_node_to_go_seq_p50_us"]/r["raw_node_to_go_p50_us"])
	fmt.Printf("pipelined over net/rpc: go→node %.2f node→go %.2f\n", pipeGo, pipeNode)
	// The summary takes the worse direction of each.
	fmt.Printf("rpc: seq_p50_over_raw=%.2f pipelined_over_netrpc=%.2f slog_entries_per_s=%.0f\n",
		max(seqGo, seqNode), min(pipeGo, pipeNode), r["slog_entries_per_s"])
}

func start(args ...string) *peer.Process {
	p, err := peer.Start(node, root, nil, args...)
	if err != nil {
		log.Fatal(err)
	}
	return p
}

func finish(p *peer.Process) {
	if err := p.Wait(); err != nil {
		log.Fatal(err)
	}
}

func p50(ts []time.Duration) float64 {
	slices.Sort(ts)
	return float64(ts[len(ts)/2].Nanoseconds()) / 1e3
}

func warmup(n int) int { return min(1000, max(50, n/10)) }

// seqGoToNode times sequential round trips from Go to three peers at once:
// the floor (8 raw bytes there and back, no JSON), rpc and net/rpc. They
// take turns in short blocks so all three see the same machine: unpinned,
// wake-up latency swings between a few and tens of microseconds with load
// and CPU idle states, which would otherwise land in one phase and not
// another.
func seqGoToNode(r map[string]float64) {
	raw := start("raw")
	defer finish(raw)
	ours := start()
	c := rpc.NewConn(ours.Rd, ours.Wr, nil, quiet())
	defer c.Close()
	theirs := start()
	client := jsonrpc.NewClient(pipeEnd{theirs.Rd, theirs.Wr})
	defer client.Close()

	ping, pong := []byte("ping-pon"), make([]byte, 8)
	ctx := context.Background()
	var out balanceParams
	rounds := []func() error{
		func() error {
			if _, err := raw.Wr.Write(ping); err != nil {
				return err
			}
			_, err := io.ReadFull(raw.Rd, pong)
			return err
		},
		func() error { return c.Call(ctx, "test.Echo", balanceIn, &out) },
		func() error { return client.Call("test.Echo", balanceIn, &out) },
	}
	ts := make([][]time.Duration, len(rounds))
	const block = 200
	for i, round := range rounds { // warm each up
		for range warmup(*seqN) {
			if err := round(); err != nil {
				log.Fatalf("warm-up %d: %v", i, err)
			}
		}
	}
	for len(ts[0]) < *seqN {
		for i, round := range rounds {
			for range block {
				t0 := time.Now()
				if err := round(); err != nil {
					log.Fatal(err)
				}
				ts[i] = append(ts[i], time.Since(t0))
			}
		}
	}
	r["raw_go_to_node_p50_us"] = p50(ts[0])
	r["rpc_go_to_node_seq_p50_us"] = p50(ts[1])
	r["netrpc_go_to_node_seq_p50_us"] = p50(ts[2])
}

func rawNodeToGo() float64 {
	p := start("drive", "raw", fmt.Sprint(*seqN))
	go func() {
		buf := make([]byte, 8)
		for {
			if _, err := io.ReadFull(p.Rd, buf); err != nil {
				return
			}
			if _, err := p.Wr.Write(buf); err != nil {
				return
			}
		}
	}()
	return driveResult(p)["p50_ns"] / 1e3
}

func driveResult(p *peer.Process) map[string]float64 {
	if err := p.Cmd.Wait(); err != nil {
		log.Fatalf("peer: %v: %s", err, p.Stderr.Bytes())
	}
	var r map[string]float64
	if err := json.Unmarshal(p.Stdout.Bytes(), &r); err != nil {
		log.Fatalf("peer said %q: %v", p.Stdout.Bytes(), err)
	}
	return r
}

func quiet() rpc.Option { return rpc.WithLogger(slog.New(slog.DiscardHandler)) }

// pipelined runs n calls with inflight goroutines and returns calls/s.
func pipelined(n int, call func() error) float64 {
	run := func(n int) time.Duration {
		var left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		t0 := time.Now()
		for range inflight {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if err := call(); err != nil {
						log.Fatal(err)
					}
				}
			})
		}
		wg.Wait()
		return time.Since(t0)
	}
	run(warmup(n))
	return float64(n) / run(n).Seconds()
}

func rpcGoToNodePipelined() float64 {
	p := start()
	c := rpc.NewConn(p.Rd, p.Wr, nil, quiet())
	defer c.Close()
	ctx := context.Background()
	return pipelined(*pipeN, func() error {
		var out balanceParams
		return c.Call(ctx, "test.Echo", balanceIn, &out)
	})
}

type pipeEnd struct {
	*os.File
	w *os.File
}

func (p pipeEnd) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p pipeEnd) Close() error                { p.File.Close(); return p.w.Close() }

func netrpcGoToNodePipelined() float64 {
	p := start()
	client := jsonrpc.NewClient(pipeEnd{p.Rd, p.Wr})
	defer client.Close()
	return pipelined(*pipeN, func() error {
		var out balanceParams
		return client.Call("test.Echo", balanceIn, &out)
	})
}

// nodeDrives has the peer call go.GetBalance n times while serve answers.
func nodeDrives(kind string, n int, serve func(p *peer.Process) func()) map[string]float64 {
	p := start("drive", kind, fmt.Sprint(n), "go.GetBalance")
	stop := serve(p)
	defer stop()
	return driveResult(p)
}

func serveRPC(p *peer.Process) func() {
	m := rpc.NewMux()
	rpc.Handle(m, "go.GetBalance", func(_ context.Context, p balanceParams) (string, error) { return "654321", nil })
	c := rpc.NewConn(p.Rd, p.Wr, m, quiet())
	return func() { c.Close() }
}

// Bank is go.GetBalance as a net/rpc service.
type Bank struct{}

type BalanceArgs struct {
	Address string `json:"address"`
	Denom   string `json:"denom"`
}

func (Bank) GetBalance(_ BalanceArgs, amount *string) error { *amount = "654321"; return nil }

func serveNetRPC(p *peer.Process) func() {
	s := netrpc.NewServer()
	if err := s.RegisterName("go", Bank{}); err != nil {
		log.Fatal(err)
	}
	rwc := pipeEnd{p.Rd, p.Wr}
	go s.ServeCodec(jsonrpc.NewServerCodec(rwc))
	return func() { rwc.Close() }
}

// slogAbsorb measures entries per second Go takes in through the raw fast
// path, kept as a flight recorder would: the raw bytes, unparsed.
func slogAbsorb() float64 {
	p := start("drive", "slog", fmt.Sprint(*slogN), "bench.SlogDone")
	var first time.Time
	var batches int
	recorder := make([]json.RawMessage, 256)
	var elapsed time.Duration
	var entries float64
	m := rpc.NewMux()
	rpc.HandleRaw(m, "slog.Write", func(_ context.Context, raw json.RawMessage) (any, error) {
		if batches == 0 {
			first = time.Now()
		}
		recorder[batches%len(recorder)] = raw
		batches++
		return nil, nil
	})
	rpc.Handle(m, "bench.SlogDone", func(_ context.Context, p struct {
		Entries float64 `json:"entries"`
	}) (int, error) {
		elapsed, entries = time.Since(first), p.Entries
		return batches, nil
	})
	c := rpc.NewConn(p.Rd, p.Wr, m, quiet())
	defer c.Close()
	r := driveResult(p)
	if int(r["absorbed"]) != *slogN {
		log.Fatalf("slog: Go absorbed %v batches of %d", r["absorbed"], *slogN)
	}
	// The first batch starts the clock, so it is not counted.
	return entries * float64(*slogN-1) / float64(*slogN) / elapsed.Seconds()
}
