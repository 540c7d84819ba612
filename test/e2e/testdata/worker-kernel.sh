#!/bin/sh
# Test only: runs agd's kernel with one stand-in worker process under it (a
# sleep, as a SwingSet vat worker would be), so that the kernel's process
# tree has a descendant. Used by kernel_status_test.go as
# `agd start --split=/bin/sh <this file> NODE MAIN_JS`.
set -eu
if [ "$#" -ne 2 ]; then
	echo "usage: worker-kernel.sh NODE MAIN_JS" >&2
	exit 2
fi
sleep 600 &
exec "$1" "$2"
