#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what memwell's build, tests, demo and benchmarks need on Debian 12.
# Idempotent: does nothing (and needs no root) when everything is present.
set -euo pipefail

pkgs=(
	build-essential make gcc clang python3 perl cpio xz-utils
	linux-headers-amd64 linux-image-amd64 linux-source-6.1
	bc flex bison libelf-dev libssl-dev dwarves
	qemu-system-x86 busybox-static kmod libkmod-dev
	sparse coccinelle codespell spin groff-base man-db
	libbpf-dev bpftool libboost-dev libck-dev libuv1-dev
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
