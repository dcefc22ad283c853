/*
 * batch.c - the arena and the bounded queue between anju-ingest's reader
 * and writer threads.
 */
#include "batch.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t cap, used;
	alignas(max_align_t) char data[];
};

static size_t
align_up(size_t n)
{
	size_t a = alignof(max_align_t);

	return (n + a - 1) / a * a;
}

/* A new block of at least N bytes, linked after A's current block so that
 * the blocks after it stay in use on the next rounds. */
static struct arena_block *
arena_grow(struct arena *a, size_t n)
{
	size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
	struct arena_block *b = malloc(sizeof(*b) + cap);

	if (b == NULL)
		return NULL;
	b->cap = cap;
	b->used = 0;
	if (a->cur == NULL) {
		b->next = NULL;
		a->head = b;
	} else {
		b->next = a->cur->next;
		a->cur->next = b;
	}
	return a->cur = b;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->cur;
	void *p;

	n = align_up(n ? n : 1);
	while (b != NULL && b->cap - b->used < n) {
		/* Blocks past the current one are left over from an earlier
		 * batch: reuse them when they are big enough. */
		if (b->next != NULL && b->next->cap >= n) {
			b = a->cur = b->next;
			b->used = 0;
			break;
		}
		b = NULL;
	}
	if (b == NULL && (b = arena_grow(a, n)) == NULL)
		return NULL;
	p = b->data + b->used;
	b->used += n;
	return p;
}

char *
arena_memdup(struct arena *a, const void *p, size_t n)
{
	char *s = arena_alloc(a, n + 1);

	if (s != NULL) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list again;
	char *s;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0 || (s = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void
arena_reset(struct arena *a)
{
	a->cur = a->head;
	if (a->cur != NULL)
		a->cur->used = 0;
}

void
arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

/* ---- handoff -------------------------------------------------------- */

int
handoff_init(struct handoff *h)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	for (i = 0; i < HANDOFF_BATCHES; i++)
		if ((h->all[i] = calloc(1, sizeof(*h->all[i]))) == NULL)
			return -1;
	for (i = 0; i < HANDOFF_BATCHES; i++) {
		h->all[i]->next = h->free;
		h->free = h->all[i];
	}
	return 0;
}

void
handoff_destroy(struct handoff *h)
{
	size_t i;

	for (i = 0; i < HANDOFF_BATCHES; i++) {
		if (h->all[i] != NULL)
			arena_free(&h->all[i]->arena);
		free(h->all[i]);
		h->all[i] = NULL;
	}
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
}

struct batch *
handoff_take_free(struct handoff *h, bool *abort)
{
	struct batch *b;

	pthread_mutex_lock(&h->mu);
	while (h->free == NULL)
		pthread_cond_wait(&h->cv, &h->mu);
	b = h->free;
	h->free = b->next;
	*abort = h->abort;
	pthread_mutex_unlock(&h->mu);
	b->next = NULL;
	b->file = NULL;
	b->first = b->last = b->end = false;
	b->n = 0;
	b->rows = 0;
	arena_reset(&b->arena);
	return b;
}

void
handoff_put_full(struct handoff *h, struct batch *b)
{
	pthread_mutex_lock(&h->mu);
	b->next = NULL;
	if (h->full_tail != NULL)
		h->full_tail->next = b;
	else
		h->full = b;
	h->full_tail = b;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

struct batch *
handoff_take_full(struct handoff *h)
{
	struct batch *b;

	pthread_mutex_lock(&h->mu);
	while (h->full == NULL)
		pthread_cond_wait(&h->cv, &h->mu);
	b = h->full;
	if ((h->full = b->next) == NULL)
		h->full_tail = NULL;
	pthread_mutex_unlock(&h->mu);
	return b;
}

void
handoff_put_free(struct handoff *h, struct batch *b)
{
	pthread_mutex_lock(&h->mu);
	b->next = h->free;
	h->free = b;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void
handoff_abort(struct handoff *h)
{
	pthread_mutex_lock(&h->mu);
	h->abort = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}
