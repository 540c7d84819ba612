#!/bin/sh
# polite.sh plays a kernel that exits 0 on SIGTERM. It says "ready" on fd 5
# once the trap is in place.
trap 'exit 0' TERM
echo ready >&5
while :; do sleep 0.1; done
