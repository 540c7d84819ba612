#!/bin/sh
# stubborn.sh plays a kernel that ignores SIGTERM and has a worker (a
# grandchild, which inherits the ignored SIGTERM). It writes the worker's
# pid on fd 5 and waits forever.
trap '' TERM
sleep 60 &
echo "$!" >&5
while :; do sleep 1; done
