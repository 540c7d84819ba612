#!/bin/sh
# chatter.sh plays a kernel that talks on stdout and stderr and then fails:
# 3 stdout lines, 30 stderr lines ("err 1" .. "err 30"), exit code 3.
for i in 1 2 3; do echo "out $i"; done
i=1
while [ $i -le 30 ]; do echo "err $i" >&2; i=$((i + 1)); done
exit 3
