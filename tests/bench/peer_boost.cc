// SPDX-License-Identifier: GPL-2.0
/*
 * Boost.Lockfree spsc_queue under the benchmark, in two usages:
 *
 *  "boost"        spsc_queue<Msg<S>>: one fixed-size S-byte struct per
 *                 slot, push(const T&) / pop(T&) one at a time, push(const
 *                 T*, n) / pop(T*, n) when batched.  The fastest Boost
 *                 usage, but it only carries fixed-size messages (variable
 *                 sizes would need max-size slots).  The targets use it.
 *  "boost-bytes"  spsc_queue<char>: a byte ring carrying length-prefixed
 *                 records (8-byte header + payload), push(const char*, n) /
 *                 pop(char*, n).  The usage that carries variable sizes, as
 *                 memwell's records do: one at a time the consumer pops the
 *                 header, then the payload; batched it pops up to 16
 *                 records' bytes at once and parses them.
 *
 * Both rings hold ring_bytes of data.  SPSC only.
 */
#include <cerrno>
#include <cstdlib>
#include <new>

#include <boost/lockfree/spsc_queue.hpp>

#include "bench.h"

namespace {

template <unsigned S> struct Msg {
	alignas(8) unsigned char b[S];
};

template <unsigned S> using FixedQ = boost::lockfree::spsc_queue<Msg<S>>;
using ByteQ = boost::lockfree::spsc_queue<char>;

template <unsigned S> int fixed_setup(bench_shared *sh)
{
	size_t cap = sh->cfg->ring_bytes / S - 1;	/* storage: cap + 1 slots */
	FixedQ<S> *q = new (std::nothrow) FixedQ<S>(cap);
	static Msg<S> m;

	if (!q)
		return -ENOMEM;
	/* One lap to fault the storage in, as every ring is. */
	while (q->push(m))
		;
	while (q->pop(m))
		;
	sh->ring = q;
	return 0;
}

template <unsigned S> void fixed_producer(bench_thr *t)
{
	FixedQ<S> *q = static_cast<FixedQ<S> *>(t->sh->ring);
	Msg<S> *src = reinterpret_cast<Msg<S> *>(t->src);
	const unsigned batch = t->batch;

	for (uint64_t seq = 0; !bench_should_stop(t, seq); seq += batch) {
		if (batch == 1) {
			Msg<S> *m = &src[seq % BENCH_BATCH];

			bench_stamp(t, m->b, S, seq);
			while (!q->push(*m)) {
				if (bench_failed(t))
					return;
				bench_wait(t);
			}
		} else {
			size_t done = 0;

			for (unsigned i = 0; i < batch; i++)
				bench_stamp(t, src[i].b, S, seq + i);
			while (done < batch) {
				size_t n = q->push(src + done, batch - done);

				if (!n) {
					if (bench_failed(t))
						return;
					bench_wait(t);
				}
				done += n;
			}
		}
		t->count = seq + batch;
	}
}

template <unsigned S> void fixed_consumer(bench_thr *t)
{
	FixedQ<S> *q = static_cast<FixedQ<S> *>(t->sh->ring);
	Msg<S> *dst = reinterpret_cast<Msg<S> *>(t->dst);

	for (;;) {
		if (t->batch == 1) {
			Msg<S> *m = &dst[t->count % BENCH_BATCH];

			if (!q->pop(*m)) {
				if (bench_cons_idle(t))
					return;
				continue;
			}
			bench_check(t, m->b, S);
		} else {
			size_t n = q->pop(dst, t->batch);

			if (!n) {
				if (bench_cons_idle(t))
					return;
				continue;
			}
			for (size_t i = 0; i < n; i++)
				bench_check(t, dst[i].b, S);
		}
	}
}

template <unsigned S> void fixed_teardown(bench_shared *sh)
{
	delete static_cast<FixedQ<S> *>(sh->ring);
	sh->ring = nullptr;
}

int boost_setup(bench_shared *sh)
{
	switch (sh->cfg->size) {
	case 8: return fixed_setup<8>(sh);
	case 64: return fixed_setup<64>(sh);
	case 1024: return fixed_setup<1024>(sh);
	case 16384: return fixed_setup<16384>(sh);
	}
	return -EINVAL;
}

void boost_teardown(bench_shared *sh)
{
	switch (sh->cfg->size) {
	case 8: fixed_teardown<8>(sh); break;
	case 64: fixed_teardown<64>(sh); break;
	case 1024: fixed_teardown<1024>(sh); break;
	case 16384: fixed_teardown<16384>(sh); break;
	}
}

void boost_producer(bench_thr *t)
{
	switch (t->size) {
	case 8: fixed_producer<8>(t); break;
	case 64: fixed_producer<64>(t); break;
	case 1024: fixed_producer<1024>(t); break;
	case 16384: fixed_producer<16384>(t); break;
	}
}

void boost_consumer(bench_thr *t)
{
	switch (t->size) {
	case 8: fixed_consumer<8>(t); break;
	case 64: fixed_consumer<64>(t); break;
	case 1024: fixed_consumer<1024>(t); break;
	case 16384: fixed_consumer<16384>(t); break;
	}
}

/* ---- byte ring of length-prefixed records ---- */

int bytes_setup(bench_shared *sh)
{
	size_t cap = sh->cfg->ring_bytes - 1;
	ByteQ *q = new (std::nothrow) ByteQ(cap);
	static char chunk[4096];

	if (!q)
		return -ENOMEM;
	while (q->push(chunk, sizeof(chunk)))
		;
	while (q->pop(chunk, sizeof(chunk)))
		;
	sh->ring = q;
	return 0;
}

void bytes_teardown(bench_shared *sh)
{
	delete static_cast<ByteQ *>(sh->ring);
	sh->ring = nullptr;
}

/* Push all of [p, p + n), waiting while the ring is full. */
template <unsigned S> inline bool bytes_push_all(bench_thr *t, ByteQ *q,
						 const char *p, size_t n)
{
	while (n) {
		size_t k = q->push(p, n);

		if (!k) {
			if (bench_failed(t))
				return false;
			bench_wait(t);
		}
		p += k;
		n -= k;
	}
	return true;
}

template <unsigned S> void bytes_producer_s(bench_thr *t)
{
	ByteQ *q = static_cast<ByteQ *>(t->sh->ring);
	const unsigned batch = t->batch;
	const size_t stride = S + 8;

	/* Records are framed in place: an 8-byte length, then the payload. */
	for (unsigned i = 0; i < BENCH_BATCH; i++) {
		uint64_t len = S;

		memcpy(t->src + i * stride, &len, 8);
	}
	for (uint64_t seq = 0; !bench_should_stop(t, seq); seq += batch) {
		if (batch == 1) {
			unsigned char *r = t->src + (seq % BENCH_BATCH) * stride;

			bench_stamp(t, r + 8, S, seq);
			if (!bytes_push_all<S>(t, q, (const char *)r, stride))
				return;
		} else {
			for (unsigned i = 0; i < batch; i++)
				bench_stamp(t, t->src + i * stride + 8, S, seq + i);
			if (!bytes_push_all<S>(t, q, (const char *)t->src, batch * stride))
				return;
		}
		t->count = seq + batch;
	}
}

/* Pop exactly n bytes; false if the ring stays empty and all is done. */
template <unsigned S> inline int bytes_pop_all(bench_thr *t, ByteQ *q, char *p,
					       size_t n, bool first)
{
	while (n) {
		size_t k = q->pop(p, n);

		if (!k) {
			/* Only between records may the stream end. */
			if (first) {
				if (bench_cons_idle(t))
					return 0;
			} else {
				if (bench_failed(t))
					return 0;
				bench_wait(t);
			}
			continue;
		}
		first = false;
		p += k;
		n -= k;
	}
	return 1;
}

template <unsigned S> void bytes_consumer_s(bench_thr *t)
{
	ByteQ *q = static_cast<ByteQ *>(t->sh->ring);
	const size_t stride = S + 8;

	if (t->batch == 1) {
		for (;;) {
			unsigned char *d = t->dst + (t->count % BENCH_BATCH) * stride;
			uint64_t len;

			if (!bytes_pop_all<S>(t, q, (char *)&len, 8, true))
				return;
			if (bench_unlikely(len != S)) {
				bench_fail(t, -EIO);
				return;
			}
			if (!bytes_pop_all<S>(t, q, (char *)d, len, false))
				return;
			bench_check(t, d, S);
		}
	}
	/* Batched: pop up to 16 records' bytes, parse the whole records. */
	size_t have = 0;
	const size_t want = BENCH_BATCH * stride;

	for (;;) {
		size_t k = q->pop((char *)t->dst + have, want - have);
		size_t off = 0;

		if (!k) {
			if (have) {
				if (bench_failed(t))
					return;
				bench_wait(t);
			} else if (bench_cons_idle(t)) {
				return;
			}
			continue;
		}
		have += k;
		while (have - off >= stride) {
			uint64_t len;

			memcpy(&len, t->dst + off, 8);
			if (bench_unlikely(len != S)) {
				bench_fail(t, -EIO);
				return;
			}
			bench_check(t, t->dst + off + 8, S);
			off += stride;
		}
		if (off && off < have)
			memmove(t->dst, t->dst + off, have - off);
		have -= off;
	}
}

void bytes_producer(bench_thr *t)
{
	switch (t->size) {
	case 8: bytes_producer_s<8>(t); break;
	case 64: bytes_producer_s<64>(t); break;
	case 1024: bytes_producer_s<1024>(t); break;
	case 16384: bytes_producer_s<16384>(t); break;
	}
}

void bytes_consumer(bench_thr *t)
{
	switch (t->size) {
	case 8: bytes_consumer_s<8>(t); break;
	case 64: bytes_consumer_s<64>(t); break;
	case 1024: bytes_consumer_s<1024>(t); break;
	case 16384: bytes_consumer_s<16384>(t); break;
	}
}

} // namespace

extern "C" {

const struct bench_contender bench_boost = {
	"boost", "boost", BENCH_SPSC, 0,
	boost_setup, boost_teardown, boost_producer, boost_consumer,
};

const struct bench_contender bench_boost_bytes = {
	"boost-bytes", "boost-bytes", BENCH_SPSC, 0,
	bytes_setup, bytes_teardown, bytes_producer, bytes_consumer,
};

}
