// SPDX-License-Identifier: GPL-2.0
/* The Boost part of icount.c: spsc_queue of fixed-size structs. */
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <boost/lockfree/spsc_queue.hpp>

#include "bench.h"

extern "C" {
void ic_boost_one(unsigned int size, unsigned long n);
void ic_boost_batch(unsigned int size, unsigned long n);
}

namespace {

template <unsigned S> struct Msg {
	alignas(8) unsigned char b[S];
};

Msg<64> src64[BENCH_BATCH], dst64[BENCH_BATCH];
Msg<8> src8[BENCH_BATCH], dst8[BENCH_BATCH];
bench_thr thr;

template <unsigned S> __attribute__((noinline))
void run_one(boost::lockfree::spsc_queue<Msg<S>> &q, Msg<S> *src, Msg<S> *dst,
	     unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		Msg<S> &s = src[i % BENCH_BATCH], &d = dst[i % BENCH_BATCH];

		bench_stamp(&thr, s.b, S, i);
		if (!q.push(s) || !q.pop(d))
			abort();
		bench_check(&thr, d.b, S);
	}
}

template <unsigned S> __attribute__((noinline))
void run_batch(boost::lockfree::spsc_queue<Msg<S>> &q, Msg<S> *src, Msg<S> *dst,
	       unsigned long n)
{
	for (unsigned long i = 0; i < n; i += BENCH_BATCH) {
		for (unsigned j = 0; j < BENCH_BATCH; j++)
			bench_stamp(&thr, src[j].b, S, i + j);
		if (q.push(src, BENCH_BATCH) != BENCH_BATCH ||
		    q.pop(dst, BENCH_BATCH) != BENCH_BATCH)
			abort();
		for (unsigned j = 0; j < BENCH_BATCH; j++)
			bench_check(&thr, dst[j].b, S);
	}
}

template <unsigned S> void go(Msg<S> *src, Msg<S> *dst, unsigned long n, bool batch)
{
	boost::lockfree::spsc_queue<Msg<S>> q(512 * 1024 / S - 1);

	thr.size = S;
	if (batch)
		run_batch<S>(q, src, dst, n);
	else
		run_one<S>(q, src, dst, n);
	if (thr.errors || thr.count != n)
		abort();
}

} // namespace

void ic_boost_one(unsigned int size, unsigned long n)
{
	if (size == 8)
		go<8>(src8, dst8, n, false);
	else
		go<64>(src64, dst64, n, false);
}

void ic_boost_batch(unsigned int size, unsigned long n)
{
	if (size == 8)
		go<8>(src8, dst8, n, true);
	else
		go<64>(src64, dst64, n, true);
}
