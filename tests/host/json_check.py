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
  json_check.py list-root PID       stdin: memwell --json list as root in
                                    tests/vm/cli_guest.sh (rings h5, h20
                                    held by PID and a child, hx by a
                                    process with a hostile name, hnobody
                                    of uid 65534)
  json_check.py list-nobody         the same list as uid 65534
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


def ring(obj, name):
    rings = [r for r in obj["rings"] if r["name"] == name]
    return rings[0] if len(rings) == 1 else None


def expect(r, label, **want):
    if r is None:
        fail(f"no ring {label}")
    for k, v in want.items():
        if r.get(k) != v:
            fail(f"{label}: {k} is {r.get(k)!r}, want {v!r}")


def check_list(obj, mode, args):
    if obj.get("cmd") != "list" or not isinstance(obj.get("rings"), list):
        fail("not a list object")
    names = sorted(r["name"] or "" for r in obj["rings"])
    if mode == "list-nobody":
        if obj["scope"] != "processes" or obj["hidden_processes"] < 1:
            fail(f"scope {obj['scope']}, hidden {obj['hidden_processes']}")
        if names != ["hnobody"]:
            fail(f"rings {names}, want only hnobody")
        expect(ring(obj, "hnobody"), "hnobody", creator_uid=65534, used_blocks=7)
        return
    if obj["scope"] != "all":
        fail(f"scope {obj['scope']}")
    expect(ring(obj, "h5"), "h5", creator_uid=0, flags="records", block_size=64,
           blocks=1024, used_blocks=5, ready_blocks=5, fill_percent=0.5,
           kernel_producers=0, kernel_consumers=0, user_producers=1,
           user_consumers=1, dropped=0, lost_pending=0, source=None)
    h20 = ring(obj, "h20")
    expect(h20, "h20", used_blocks=20, user_producers=2, user_consumers=2)
    pids = sorted(p["pid"] for p in h20["processes"])
    if len(pids) != 2 or int(args[0]) not in pids:
        fail(f"h20 processes {pids}, want {args[0]} and its child")
    hx = ring(obj, "hx")
    expect(hx, "hx", used_blocks=3)
    comm = hx["processes"][0]["comm"]
    if comm != 'h"\\\x01\ufffd':
        fail(f"hx comm {comm!r}")
    streamed = [r for r in obj["rings"] if r["source"] == "gen"]
    if len(streamed) != 1:
        fail("no ring with source gen")
    expect(streamed[0], "streamed", name=None, kernel_producers=1, user_producers=0,
           user_consumers=1)


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
    elif mode in ("list-root", "list-nobody"):
        check_list(one_object(data), mode, sys.argv[2:])
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
