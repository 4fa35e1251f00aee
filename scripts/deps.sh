#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what memwell's build, tests, demo and benchmarks need on Debian 12.
# Idempotent: does nothing (and needs no root) when everything is present.
set -euo pipefail

# Each package with what uses it; nothing else.
pkgs=(
	# make lib cli module, the tests' builds; clang: the header tests
	# (tests/host/run.sh) and the BPF program (tests/bench-vm)
	build-essential make gcc clang libkmod-dev
	# the stock kernel the modules build against and the VMs boot, and its
	# PREEMPT_RT flavour (make check-vm-rt)
	linux-headers-amd64 linux-image-amd64
	linux-headers-rt-amd64 linux-image-rt-amd64
	# checkpatch (style.sh) ships in linux-source-6.1; the debug kernel
	# (make debug-kernel: Debian 13's 6.12 source, fetched by
	# scripts/fetch-linux-6.12.sh) and the 6.12 build-test tree need the
	# rest; dwarves: pahole, for the BTF of modules built against the
	# stock kernel's headers
	linux-source-6.1 xz-utils bc flex bison libelf-dev dwarves
	# the VMs (scripts/vm-run.sh, scripts/build-modules.sh)
	qemu-system-x86 busybox-static kmod cpio
	# make check-style: checkpatch (perl), sparse, shellcheck
	perl sparse shellcheck
	# make check-spin
	spin
	# make bench-vm (libbpf, bpftool; python3 for the table, as make demo)
	libbpf-dev bpftool python3
	# make bench: the Boost.Lockfree and Concurrency Kit peers; valgrind
	# (callgrind) for the instruction counts (tests/bench/icount.sh)
	libboost-dev libck-dev valgrind
	# make check-man: the man pages render without warnings
	groff-base man-db
	# make check-examples: libuv (examples/uv_consumer.c, static libuv_a.a)
	# and Debian's python3 with ctypes, bundled into the VM
	libuv1-dev python3-minimal libpython3-stdlib
	# make check-install: pkg-config of the staged install, the DKMS build
	pkgconf dkms
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
