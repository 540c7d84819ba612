#!/usr/bin/env bash
# bench.sh: rpc's benchmark (make bench-rpc). One run measures, over os.Pipe
# pairs to rpc/testdata/peer.js and in both directions: (a) a raw 8-byte
# ping-pong, the floor; (b) rpc's sequential round trip; (c) rpc's calls per
# second with 64 in flight; (d) net/rpc/jsonrpc doing (b) and (c); (e)
# slog.Write entries per second absorbed by Go. It ends with one line:
#   rpc: seq_p50_over_raw=X pipelined_over_netrpc=Y slog_entries_per_s=Z
# (targets: X ≤ 1.3, Y ≥ 1.0, Z ≥ 500000; ratios take the worse direction).
#
# BENCH_PIN=1 pins Go and Node to one CPU. Extra arguments go to the bench
# program (-only PHASE, -cpuprofile FILE, -seq N, -pipelined N, -slog N).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT

go build -o "$bin/bench" ./rpc/bench

pin=()
if [[ -n "${BENCH_PIN:-}" ]]; then
	pin=(taskset -c 0)
fi
"${pin[@]}" "$bin/bench" "$@"
