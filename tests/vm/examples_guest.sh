#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest script of tests/vm/examples_run.sh (busybox sh, cwd /memwell, with
# memwell.ko, the static C examples, py/ (a bundled python3 home with
# libmemwell.so.1) and pyapp/ (the Python example and its binding)): run
# each example of examples/ against the real /dev/memwell.  Each one checks
# every record it consumes and exits non-zero on a mismatch, a lost wakeup
# or an error.  TAP, one line per example, plan at the end.
# tests/lib/tap.sh is loaded.
set +e

if ! insmod ./memwell.ko; then
	tap_fail "insmod memwell.ko"
	tap_done
	exit 1
fi

# The bundled interpreter is dynamically linked: its loader must be where
# the ELF header says, the rest comes from LD_LIBRARY_PATH.
mkdir -p /lib64
ln -sf /memwell/py/lib/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2

# run_example DESC CMD...: one test; the example's output is the diagnostics.
run_example() {
	_d=$1
	shift
	_t0=$(date +%s)
	"$@" >/tmp/out 2>&1 </dev/null
	_rc=$?
	_s=$(($(date +%s) - _t0))
	if [ "$_rc" -eq 0 ] && [ "$(wc -l </tmp/out)" -eq 1 ]; then
		tap_ok "$_d: $(cat /tmp/out) (${_s} s)"
	else
		tap_fail "$_d: exit $_rc after ${_s} s"
		sed 's/^/#   /' /tmp/out | head -n 30
	fi
}

run_example "examples/epoll_consumer.c" ./epoll_consumer
run_example "examples/uv_consumer.c (libuv, static)" ./uv_consumer
run_example "examples/python/asyncio_consumer.py (Debian python3, ctypes)" \
	env PYTHONHOME=/memwell/py PYTHONPATH=/memwell/pyapp \
	LD_LIBRARY_PATH=/memwell/py/lib /memwell/py/bin/python3 -S -B \
	/memwell/pyapp/asyncio_consumer.py 10000

# Every ring is gone with its fds: the module unloads.
rmmod memwell
tap_result $? "rmmod memwell after the examples"
tap_done
