# SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
"""Every out-of-line fast-path call (memwell_ffi_*), through ctypes.

    MEMWELL_LIBRARY=build/libmemwell.so python3 bindings/python/test_memwell.py

A local ring (a memfd: no kernel needed), so it runs on any host; the
device-mode path is examples/python/asyncio_consumer.py, in the test VM.
Checks the binding's struct mirrors against what the library writes and
each call's result against the inline function's documented behaviour.
Exits non-zero, with the failed assertion, on the first mismatch.
"""

import ctypes
import errno
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memwell  # noqa: E402

L = memwell._lib
P, U32, U64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64
REC, BATCH = ctypes.POINTER(memwell.Rec), ctypes.POINTER(memwell.Batch)
SPAN = ctypes.POINTER(memwell.Span)
SIG = {
    "reserve": (ctypes.c_int, P, ctypes.c_uint, U64, U64, SPAN),
    "release": (ctypes.c_int, P, ctypes.c_uint, SPAN),
    "block": (P, P, U64),
    "block_size": (U64, P),
    "ready_blocks": (U64, P),
    "free_blocks": (U64, P),
    "rec_blocks": (U64, P, U64),
    "rec_reserve": (ctypes.c_int, P, U64, REC),
    "rec_commit": (ctypes.c_int, P, REC),
    "rec_discard": (ctypes.c_int, P, REC),
    "rec_write": (ctypes.c_int, P, ctypes.c_char_p, U64),
    "rec_peek": (ctypes.c_int, P, REC),
    "rec_release": (ctypes.c_int, P, REC),
    "rec_read": (ctypes.c_long, P, ctypes.c_char_p, U64),
    "batch_reserve": (ctypes.c_int, P, U64, U64, BATCH),
    "batch_put": (P, P, BATCH, U64),
    "batch_commit": (ctypes.c_int, P, BATCH),
    "batch_take": (ctypes.c_int, P, U32, U64, U64, BATCH),
    "batch_next": (ctypes.c_int, P, BATCH, REC),
    "batch_release": (ctypes.c_int, P, BATCH),
}
F = {}
for name, (res, *args) in SIG.items():
    f = getattr(L, "memwell_ffi_" + name)
    f.restype, f.argtypes = res, args
    F[name] = f
ref = ctypes.byref


def records_ring():
    """Records, 256 blocks of 16 bytes (a page of data at least)."""
    ring = memwell.Ring.create_local(4, 8)
    return ring, ring._r


def test_records():
    ring, r = records_ring()
    assert F["block_size"](r) == 16
    assert F["rec_blocks"](r, 8) == 1 and F["rec_blocks"](r, 9) == 2
    assert F["free_blocks"](r) == 256 and F["ready_blocks"](r) == 0
    # reserve + fill in place + commit; a discarded one is skipped
    rec = memwell.Rec()
    assert F["rec_reserve"](r, 5, ref(rec)) == 0 and rec.len == 5
    ctypes.memmove(rec.data, b"first", 5)
    assert F["rec_commit"](r, ref(rec)) == 0
    assert F["rec_reserve"](r, 3, ref(rec)) == 0
    assert F["rec_discard"](r, ref(rec)) == 0
    assert F["rec_write"](r, b"second!", 7) == 0
    assert F["ready_blocks"](r) == 3
    got = memwell.Rec()
    assert F["rec_peek"](r, ref(got)) == 0
    assert ctypes.string_at(got.data, got.len) == b"first"
    assert F["rec_release"](r, ref(got)) == 0
    buf = ctypes.create_string_buffer(4)
    assert F["rec_read"](r, buf, 4) == -errno.EMSGSIZE   # stays queued
    buf = ctypes.create_string_buffer(64)
    assert F["rec_read"](r, buf, 64) == 7 and buf.raw[:7] == b"second!"
    assert F["rec_peek"](r, ref(got)) == -errno.EAGAIN
    assert F["rec_reserve"](r, 0, ref(rec)) == -errno.EINVAL
    assert F["rec_reserve"](r, 1 << 20, ref(rec)) == -errno.EMSGSIZE
    ring.close()


def test_batches():
    ring, r = records_ring()
    b = memwell.Batch()
    assert F["batch_reserve"](r, 1, 16, ref(b)) == 16
    for i in range(5):
        p = F["batch_put"](r, ref(b), 8)       # one block each
        assert p
        ctypes.memmove(p, b"rec%05d" % i, 8)
    assert b.records == 5 and b.used == 5
    assert F["batch_commit"](r, ref(b)) == 5
    assert F["ready_blocks"](r) == 5           # the 11 left over went back
    assert F["batch_take"](r, 3, 64, 64, ref(b)) == 3
    rec, seen = memwell.Rec(), []
    while F["batch_next"](r, ref(b), ref(rec)) == 0:
        seen.append(ctypes.string_at(rec.data, rec.len))
    assert seen == [b"rec00000", b"rec00001", b"rec00002"], seen
    assert F["batch_next"](r, ref(b), ref(rec)) == -errno.ENOENT
    assert F["batch_release"](r, ref(b)) == 0
    # the binding's iterator over the same calls
    b = ring.take(8)
    assert [bytes(ring.view(x)) for x in ring.batch_records(b)] == \
        [b"rec00003", b"rec00004"]
    ring.batch_release(b)
    assert ring.take(8) is None
    ring.close()


def test_blocks():
    ring = memwell.Ring.create_local(6, 6, flags=0)   # 64 raw 64-byte blocks
    r = ring._r
    sp = memwell.Span()
    assert F["reserve"](r, memwell.SIDE_PROD, 2, 4, ref(sp)) == 4
    assert sp.pos == 0 and sp.n == 4
    for i in range(4):
        ctypes.memmove(F["block"](r, sp.pos + i), bytes([i + 1]) * 64, 64)
    assert F["release"](r, memwell.SIDE_PROD, ref(sp)) == 0
    assert F["ready_blocks"](r) == 4 and F["free_blocks"](r) == 60
    got = memwell.Span()
    assert F["reserve"](r, memwell.SIDE_CONS, 1, 64, ref(got)) == 4
    data = ctypes.string_at(F["block"](r, got.pos), 4 * 64)
    assert data == b"".join(bytes([i + 1]) * 64 for i in range(4))
    assert F["release"](r, memwell.SIDE_CONS, ref(got)) == 0
    assert F["release"](r, memwell.SIDE_CONS, ref(got)) == -errno.EINVAL
    assert F["reserve"](r, memwell.SIDE_CONS, 1, 1, ref(got)) == -errno.EAGAIN
    assert F["reserve"](r, memwell.SIDE_PROD, 65, 65, ref(got)) == -errno.EMSGSIZE
    # a records call on a blocks ring
    assert F["rec_reserve"](r, 8, ref(memwell.Rec())) == -errno.EINVAL
    ring.close()


if __name__ == "__main__":
    test_records()
    test_batches()
    test_blocks()
    print("test_memwell: %d memwell_ffi_* calls checked" % len(F))
