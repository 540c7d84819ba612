#!/bin/sh
# probe.sh plays a kernel that reports what it sees of its transport, one
# key=value line each on fd 5, then echoes every line it reads on fd 4 back
# on fd 5 until EOF, and exits 0. fd 3 is checked first, before any
# redirection or command substitution could make the shell open it.
if [ -e /proc/$$/fd/3 ]; then fd3=open; else fd3=closed; fi
{
	echo "fd3=$fd3"
	echo "fd4=$(readlink /proc/$$/fd/4)"
	echo "fd4flags=$(sed -n 's/^flags:[[:space:]]*//p' /proc/$$/fdinfo/4)"
	echo "fd5=$(readlink /proc/$$/fd/5)"
	echo "fd5flags=$(sed -n 's/^flags:[[:space:]]*//p' /proc/$$/fdinfo/5)"
	echo "stdin=$(readlink /proc/$$/fd/0)"
	echo "cwd=$(pwd -P)"
	echo "AGVM_FROM_AGD=$AGVM_FROM_AGD"
	echo "AGVM_TO_AGD=$AGVM_TO_AGD"
	echo "AGVM_STATE_DIR=$AGVM_STATE_DIR"
	echo "ready"
} >&5
while IFS= read -r line <&4; do
	echo "echo:$line" >&5
done
exit 0
