# SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
"""A small ctypes binding of libmemwell, for Python programs.

It loads libmemwell.so.1 (or the file named by $MEMWELL_LIBRARY) and calls
the fast path out of line (memwell_ffi_* of libmemwell_ffi.h, symbol
version LIBMEMWELL_1.1): C inlines it, Python cannot.  A ring's fd
(Ring.fileno()) is an ordinary pollable fd, so an asyncio program waits
for records with loop.add_reader(ring.fileno(), ...) and then takes them
without a syscall.

Errors are OSError with the errno the library returned; "nothing to do
now" (-EAGAIN: ring empty or full) is None or False instead, because it is
the normal answer of a non-blocking call.
"""

import ctypes
import errno
import os

F_PROD_MULTI = 0x1
F_CONS_MULTI = 0x2
F_RECORDS = 0x4
SIDE_PROD = 0
SIDE_CONS = 1
WAIT_READ = 1 << 0
WAIT_WRITE = 1 << 1


class Span(ctypes.Structure):
    _fields_ = [("pos", ctypes.c_uint64), ("n", ctypes.c_uint64)]


class Rec(ctypes.Structure):
    """struct memwell_rec: data and len describe the record in place."""
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_uint32),
                ("flags", ctypes.c_uint32), ("span", Span)]


class Batch(ctypes.Structure):
    _fields_ = [("span", Span), ("used", ctypes.c_uint64),
                ("records", ctypes.c_uint32), ("pad", ctypes.c_uint32)]


class Opts(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("flags", ctypes.c_uint32),
                ("block_shift", ctypes.c_uint32),
                ("count_shift", ctypes.c_uint32), ("name", ctypes.c_char_p)]


# The sizes libmemwell_ffi.h fixes (checked there at compile time).
assert ctypes.sizeof(Span) == 16 and ctypes.sizeof(Rec) == 32
assert ctypes.sizeof(Batch) == 32 and ctypes.sizeof(Opts) == 24

_lib = ctypes.CDLL(os.environ.get("MEMWELL_LIBRARY") or "libmemwell.so.1",
                   use_errno=False)
_P = ctypes.c_void_p
_U32, _U64 = ctypes.c_uint32, ctypes.c_uint64
_INT, _LONG = ctypes.c_int, ctypes.c_long


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


_create_dev = _fn("memwell_create_dev", _INT, ctypes.POINTER(Opts),
                  ctypes.POINTER(_P))
_create_local = _fn("memwell_create_local", _INT, ctypes.POINTER(Opts),
                    ctypes.POINTER(_P))
_attach_fd = _fn("memwell_attach_fd", _INT, _INT, ctypes.POINTER(_P))
_get_ring = _fn("memwell_get_ring", _P, _P)
_fd = _fn("memwell_fd", _INT, _P)
_close = _fn("memwell_close", None, _P)
_wait = _fn("memwell_wait", _INT, _P, _INT, _INT)
_wait_blocks = _fn("memwell_wait_blocks", _INT, _P, _INT, _U64, _INT)
_rec_write = _fn("memwell_ffi_rec_write", _INT, _P, ctypes.c_char_p, _U64)
_rec_peek = _fn("memwell_ffi_rec_peek", _INT, _P, ctypes.POINTER(Rec))
_rec_release = _fn("memwell_ffi_rec_release", _INT, _P, ctypes.POINTER(Rec))
_rec_blocks = _fn("memwell_ffi_rec_blocks", _U64, _P, _U64)
_batch_take = _fn("memwell_ffi_batch_take", _INT, _P, _U32, _U64, _U64,
                  ctypes.POINTER(Batch))
_batch_next = _fn("memwell_ffi_batch_next", _INT, _P, ctypes.POINTER(Batch),
                  ctypes.POINTER(Rec))
_batch_release = _fn("memwell_ffi_batch_release", _INT, _P,
                     ctypes.POINTER(Batch))


def _check(ret, what):
    """Raise OSError for a negative errno; return the value otherwise."""
    if ret < 0:
        raise OSError(-ret, "%s: %s" % (what, os.strerror(-ret)))
    return ret


class Ring:
    """One libmemwell handle and its ring.  Not thread-safe by itself."""

    def __init__(self, handle):
        self._mw = handle
        self._r = _get_ring(handle)

    @classmethod
    def _create(cls, create, block_shift, count_shift, flags, name):
        opts = Opts(ctypes.sizeof(Opts), flags, block_shift, count_shift,
                    name.encode() if name else None)
        mw = _P()
        _check(create(ctypes.byref(opts), ctypes.byref(mw)), create.__name__)
        return cls(mw)

    @classmethod
    def create_dev(cls, block_shift, count_shift, flags=F_RECORDS, name=None):
        """A new ring in the kernel through /dev/memwell."""
        return cls._create(_create_dev, block_shift, count_shift, flags, name)

    @classmethod
    def create_local(cls, block_shift, count_shift, flags=F_RECORDS, name=None):
        """A new ring in a sealed memfd: no kernel, no waiting (fork shares it)."""
        return cls._create(_create_local, block_shift, count_shift, flags, name)

    @classmethod
    def attach_fd(cls, fd):
        """Attach a ring fd (e.g. received over a socket); owns fd after."""
        mw = _P()
        _check(_attach_fd(fd, ctypes.byref(mw)), "memwell_attach_fd")
        return cls(mw)

    def fileno(self):
        return _fd(self._mw)

    def close(self):
        if self._mw:
            _close(self._mw)
            self._mw = self._r = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def wait(self, events, timeout_ms):
        """memwell_wait(): ready events, or 0 on timeout."""
        return _check(_wait(self._mw, events, timeout_ms), "memwell_wait")

    def wait_blocks(self, events, min_blocks, timeout_ms):
        """memwell_wait_blocks(): ready events, or 0 on timeout."""
        return _check(_wait_blocks(self._mw, events, min_blocks, timeout_ms),
                      "memwell_wait_blocks")

    def rec_blocks(self, length):
        return _rec_blocks(self._r, length)

    def write(self, data):
        """Copy bytes in as one record: True, or False if the ring is full."""
        ret = _rec_write(self._r, data, len(data))
        if ret == -errno.EAGAIN:
            return False
        _check(ret, "memwell_rec_write")
        return True

    def peek(self):
        """The next record in place (a Rec), or None if the ring is empty.

        Ring.view(rec) is its payload without a copy, valid until
        Ring.release(rec) gives its blocks back to the producers.
        """
        rec = Rec()
        ret = _rec_peek(self._r, ctypes.byref(rec))
        if ret == -errno.EAGAIN:
            return None
        _check(ret, "memwell_rec_peek")
        return rec

    def release(self, rec):
        _check(_rec_release(self._r, ctypes.byref(rec)), "memwell_rec_release")

    @staticmethod
    def view(rec):
        """The payload of a peeked record, as a memoryview into the ring."""
        buf = (ctypes.c_char * rec.len).from_address(rec.data)
        return memoryview(buf).cast("B")

    def take(self, max_recs, max_len=(1 << 64) - 1):
        """Up to max_recs records in one reservation, or None if empty.

        Returns a Batch to iterate with Ring.batch_records() and give back
        with Ring.batch_release().
        """
        b = Batch()
        ret = _batch_take(self._r, max_recs, (1 << 64) - 1, max_len,
                          ctypes.byref(b))
        if ret == -errno.EAGAIN:
            return None
        _check(ret, "memwell_batch_take")
        return b

    def batch_records(self, b):
        """Yield each record (a Rec) of a taken batch."""
        rec = Rec()
        while True:
            ret = _batch_next(self._r, ctypes.byref(b), ctypes.byref(rec))
            if ret == -errno.ENOENT:
                return
            _check(ret, "memwell_batch_next")
            yield rec

    def batch_release(self, b):
        _check(_batch_release(self._r, ctypes.byref(b)),
               "memwell_batch_release")
