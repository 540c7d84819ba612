#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for FUZZTIME each (default
# 30s), one after another. A target that finds a failing input stops the run
# with go's report; the input is saved under the package's
# testdata/fuzz/<Target>/ so a plain `go test` replays it from then on.
# Targets are found by reading the test files, so a new one is fuzzed
# without editing this script. Not part of `make test`: fuzzing is open-ended
# and its time is better spent on purpose than on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-30s}
GO=${GO:-go}

found=0
while IFS= read -r file; do
	pkg=./$(dirname "$file")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*\*testing\.F).*/\1/p' "$file"); do
		found=$((found + 1))
		echo "== $pkg $target ($FUZZTIME)"
		"$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg"
	done
done < <(grep -rl --include='*_test.go' --exclude-dir=node_modules '^func Fuzz' . | sed 's|^\./||' | sort)

if [ "$found" -eq 0 ]; then
	echo "no fuzz targets found" >&2
	exit 1
fi
echo "fuzz: $found targets, $FUZZTIME each, no failing input"
