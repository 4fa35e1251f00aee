// SPDX-License-Identifier: GPL-2.0
/*
 * A plain Lamport single-producer single-consumer byte ring for variable
 * length records, the classic baseline memwell's SPSC path must beat:
 *
 *  - head and tail are byte positions that never wrap (masked on access),
 *    each on its own 128-byte line (against adjacent-line prefetch);
 *  - each side keeps its own position and a cached copy of the peer's in
 *    private memory, and reads the peer's line only when the cache says
 *    full / empty;
 *  - records are an 8-byte header {len, flags} + payload padded to 8 bytes,
 *    copied in and out like memwell_rec_write() / memwell_rec_read(); a
 *    record never wraps: a WRAP header fills the end of the ring instead.
 *
 * Batching: a side may move several records before it publishes its
 * position once (lamport_publish_*).
 */
#ifndef PEER_LAMPORT_H
#define PEER_LAMPORT_H

#include <stdint.h>
#include <string.h>

#define LAMPORT_WRAP	1U

struct lamport_ring {
	uint64_t tail __attribute__((aligned(128)));	/* written by the producer */
	uint64_t head __attribute__((aligned(128)));	/* written by the consumer */
	unsigned char *buf __attribute__((aligned(128)));
	uint64_t size;	/* power of two */
	uint64_t mask;
};

struct lamport_hdr {
	uint32_t len;
	uint32_t flags;
};

/* The producer's private state. */
struct lamport_prod {
	uint64_t tail;		/* next byte to write */
	uint64_t head_cache;	/* last head seen */
};

/* The consumer's private state. */
struct lamport_cons {
	uint64_t head;		/* next byte to read */
	uint64_t tail_cache;	/* last tail seen */
};

static inline uint64_t lamport_rec_bytes(uint64_t len)
{
	return sizeof(struct lamport_hdr) + ((len + 7) & ~7ULL);
}

/* Room for one record of @len bytes: its payload, or NULL when full. */
static inline void *lamport_reserve(struct lamport_ring *r,
				    struct lamport_prod *p, uint32_t len)
{
	uint64_t need = lamport_rec_bytes(len);
	uint64_t off = p->tail & r->mask;
	uint64_t pad = off + need > r->size ? r->size - off : 0;
	struct lamport_hdr *h;

	if (p->tail + pad + need - p->head_cache > r->size) {
		p->head_cache = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
		if (p->tail + pad + need - p->head_cache > r->size)
			return NULL;
	}
	if (pad) {
		h = (struct lamport_hdr *)(r->buf + off);
		h->len = 0;
		h->flags = LAMPORT_WRAP;
		p->tail += pad;
	}
	h = (struct lamport_hdr *)(r->buf + (p->tail & r->mask));
	h->len = len;
	h->flags = 0;
	p->tail += need;
	return h + 1;
}

/* Publish every record reserved (and filled) so far. */
static inline void lamport_publish_prod(struct lamport_ring *r,
					const struct lamport_prod *p)
{
	__atomic_store_n(&r->tail, p->tail, __ATOMIC_RELEASE);
}

/* The next record: its payload and length, or NULL when empty. */
static inline const void *lamport_peek(struct lamport_ring *r,
				       struct lamport_cons *c, uint32_t *len)
{
	for (;;) {
		const struct lamport_hdr *h;

		if (c->head == c->tail_cache) {
			c->tail_cache = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			if (c->head == c->tail_cache)
				return NULL;
		}
		h = (const struct lamport_hdr *)(r->buf + (c->head & r->mask));
		if (h->flags & LAMPORT_WRAP) {
			c->head += r->size - (c->head & r->mask);
			continue;
		}
		*len = h->len;
		c->head += lamport_rec_bytes(h->len);
		return h + 1;
	}
}

/* Give every record peeked so far back to the producer. */
static inline void lamport_publish_cons(struct lamport_ring *r,
					const struct lamport_cons *c)
{
	__atomic_store_n(&r->head, c->head, __ATOMIC_RELEASE);
}

#endif /* PEER_LAMPORT_H */
