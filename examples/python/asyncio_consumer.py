#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
"""A memwell consumer in an asyncio event loop.

The ring's /dev/memwell fd is readable when records are ready, so asyncio
watches it with loop.add_reader() like a socket; the consumer then takes
the records through the ctypes binding (bindings/python/memwell.py), which
calls libmemwell's out-of-line fast path: no syscall per record, and the
payload is read in place in the ring.

The program creates a records ring, forks a producer (the same binding,
in the child), consumes and checks every record, prints a summary and
exits 0 (1 on any error or mismatch).  The records are those of
examples/example_records.h.

    asyncio_consumer.py [RECORDS]
"""

import asyncio
import os
import signal
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "bindings", "python"))
import memwell  # noqa: E402  (after the path it is found on)

BLOCK_SHIFT, COUNT_SHIFT = 6, 8   # 256 blocks of 64 bytes: the producer waits too
STALL_MS = 10000                  # silence for this long is a lost wakeup
_PATTERN = bytes(range(256)) * 2


def record(seq):
    """Record seq: 8 to 64 bytes, seq (little-endian) then seq-dependent bytes."""
    length = 8 + seq % 57
    start = (seq * 31 + 8) % 256
    return struct.pack("<Q", seq) + _PATTERN[start:start + length - 8]


def produce(ring, total):
    """The forked child: write records 0 .. total-1, sleeping while full."""
    seq = 0
    while seq < total:
        data = record(seq)
        if ring.write(data):
            seq += 1
            continue
        # Full: sleep until the consumer frees room for this record; its
        # release wakes us (we announced the sleep), so no busy loop.
        if not ring.wait_blocks(memwell.WAIT_WRITE, ring.rec_blocks(len(data)),
                                STALL_MS):
            raise SystemExit("producer: no room for 10 s")


async def consume(ring, total):
    """Take records as the loop reports the ring readable; return wakeups."""
    loop = asyncio.get_running_loop()
    readable = asyncio.Event()
    loop.add_reader(ring.fileno(), readable.set)
    seq = wakeups = 0
    try:
        while seq < total:
            try:
                await asyncio.wait_for(readable.wait(), STALL_MS / 1000)
            except asyncio.TimeoutError:
                raise SystemExit("asyncio_consumer: no record for 10 s after %d"
                                 % seq) from None
            # Clear before draining: a record committed after the drain
            # makes the (level-triggered) reader fire again.
            readable.clear()
            wakeups += 1
            while seq < total:
                rec = ring.peek()
                if rec is None:
                    break   # empty: back to the loop
                if ring.view(rec) != record(seq):
                    raise SystemExit("asyncio_consumer: record %d (%d bytes) "
                                     "differs: %s" % (seq, rec.len,
                                                      bytes(ring.view(rec)).hex()))
                ring.release(rec)   # the blocks go back to the producer
                seq += 1
    finally:
        loop.remove_reader(ring.fileno())
    return wakeups


def main():
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    ring = memwell.Ring.create_dev(BLOCK_SHIFT, COUNT_SHIFT)
    # Fork before the event loop exists: the child needs only the ring.
    child = os.fork()
    if child == 0:
        try:
            produce(ring, total)
            status = 0
        except BaseException as e:  # report, and never return into main()
            print(e, file=sys.stderr)
            status = 1
        os._exit(status)
    try:
        wakeups = asyncio.run(consume(ring, total))
    except BaseException:
        # The producer may be asleep on a ring nobody drains now.
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("asyncio_consumer: the producer failed (%#x)" % status)
    ring.close()
    print("asyncio_consumer: %d records checked, %d reader wakeups"
          % (total, wakeups))


if __name__ == "__main__":
    main()
