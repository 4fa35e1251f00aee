#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks of the memwell CLI's JSON output for tests/host/cli_run.sh and
tests/vm/cli_guest.sh (the guest has no python: the host checks files).

  json_check.py error CODE          stdin: exactly one line, a JSON error
                                    object {cmd, error, errno, exit, hint}
                                    with exit CODE, errno null iff CODE 2
  json_check.py error-text CODE ENV like error, and "error" equals the
                                    bytes of environment variable ENV,
                                    decoded as UTF-8 with U+FFFD for bytes
                                    that are not UTF-8, between the
                                    prefix and suffix given in ENV_PRE and
                                    ENV_POST
  json_check.py objects             stdin: one or more lines, each a JSON
                                    object
Prints why on stderr and exits 1 on failure.
"""
import json
import os
import sys


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def one_object(data):
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != 1:
        fail(f"{len(lines)} lines, want 1")
    try:
        obj = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"not JSON: {e}")
    if not isinstance(obj, dict):
        fail("not an object")
    return obj


def check_error(obj, code):
    for k in ("cmd", "error", "errno", "exit", "hint"):
        if k not in obj:
            fail(f"no {k!r} member")
    if obj["exit"] != code:
        fail(f"exit {obj['exit']}, want {code}")
    if not isinstance(obj["error"], str) or not obj["error"]:
        fail("empty error")
    if (obj["errno"] is None) != (code == 2):
        fail(f"errno {obj['errno']!r} for exit {code}")


def main():
    data = sys.stdin.buffer.read()
    mode = sys.argv[1]
    if mode in ("error", "error-text"):
        obj = one_object(data)
        check_error(obj, int(sys.argv[2]))
        if mode == "error-text":
            env = sys.argv[3]
            want = (os.environb.get(env.encode() + b"_PRE", b"") +
                    os.environb[env.encode()] +
                    os.environb.get(env.encode() + b"_POST", b""))
            want = want.decode("utf-8", "replace")
            if obj["error"] != want:
                fail(f"error {obj['error']!r}, want {want!r}")
    elif mode == "objects":
        lines = [l for l in data.split(b"\n") if l]
        if not lines:
            fail("no output")
        for l in lines:
            try:
                if not isinstance(json.loads(l.decode("utf-8")), dict):
                    fail("not an object")
            except (UnicodeDecodeError, ValueError) as e:
                fail(f"not JSON: {e}: {l[:200]!r}")
    else:
        fail(f"unknown mode {mode}")


main()
