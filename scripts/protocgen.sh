#!/usr/bin/env bash
# Regenerates the gogoproto Go code of proto/agoric/** into x/*/types.
# buf's remote registry is out of reach, so this uses protoc with include
# paths from the Go module cache. The generated files are committed; CI does
# not run this.
set -euo pipefail
cd "$(dirname "$0")/.."

GOGOPROTO_VERSION=v1.7.2
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
GOBIN="$(go env GOPATH)/bin"
export PATH="$GOBIN:$PATH"
command -v protoc-gen-gocosmos >/dev/null ||
  GOFLAGS= go install "github.com/cosmos/gogoproto/protoc-gen-gocosmos@${GOGOPROTO_VERSION}"

modpath() { go list -m -f '{{.Dir}}' "$1"; }
go mod download github.com/cosmos/cosmos-sdk github.com/cosmos/gogoproto github.com/cosmos/cosmos-proto
SDK=$(modpath github.com/cosmos/cosmos-sdk)
GOGO=$(modpath github.com/cosmos/gogoproto)
CPROTO=$(modpath github.com/cosmos/cosmos-proto)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for dir in $(find proto -name '*.proto' -exec dirname {} \; | sort -u); do
  protoc -I proto -I "$SDK/proto" -I "$GOGO" -I "$GOGO/protobuf" -I "$CPROTO/proto" \
    --gocosmos_out="plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:$out" \
    "$dir"/*.proto
done
cp -r "$out"/github.com/agd-project/agd/x/. x/
