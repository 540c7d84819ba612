#!/bin/sh
# Test only: runs agd's kernel with a consensus fault injected, so that this
# validator's AppHash diverges from the network's at one height. It is used
# by flightrec_test.go as `agd start --split=/bin/sh <this file> HEIGHT NODE
# MAIN_JS`; nothing else sets AGVM_TEST_FAULTS, so a real node can only get
# the fault by running this script on purpose.
set -eu
if [ "$#" -ne 3 ]; then
	echo "usage: diverging-kernel.sh HEIGHT NODE MAIN_JS" >&2
	exit 2
fi
AGVM_TEST_FAULTS="{\"divergeAtHeight\":$1}"
export AGVM_TEST_FAULTS
exec "$2" "$3"
