/* Unit tests: the arena and the bounded hand-over between anju-ingest's
 * reader and writer threads (stages/ingest/batch.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../stages/ingest/batch.h"

static char *
printf_in(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return s;
}

static void
test_arena(void **state)
{
	struct arena a = {0};
	char big[100000];
	char *s, *t, *u;
	int i;

	(void)state;
	s = arena_strdup(&a, "王小明");
	t = arena_memdup(&a, "210921x", 6);
	u = printf_in(&a, "%s第%d行", "r.csv", 12);
	assert_string_equal(s, "王小明");
	assert_string_equal(t, "210921");
	assert_string_equal(u, "r.csv第12行");
	/* Blocks grow for a value bigger than a block; old ones stay put. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(arena_strdup(&a, big)), sizeof(big) - 1);
	assert_string_equal(s, "王小明");
	for (i = 0; i < 10000; i++)
		assert_non_null(arena_alloc(&a, 24));
	assert_true(((uintptr_t)arena_alloc(&a, 8) % sizeof(void *)) == 0);
	arena_reset(&a);
	assert_string_equal(arena_strdup(&a, "again"), "again");
	arena_free(&a);
}

struct producer {
	struct handoff *h;
	int batches;
};

/* The reader's side: numbered batches, the last one marked. */
static void *
produce(void *arg)
{
	struct producer *p = arg;
	bool abort = false;
	int i;

	for (i = 0; i < p->batches; i++) {
		struct batch *b = handoff_take_free(p->h, &abort);

		b->n = (size_t)i;
		b->last = i == p->batches - 1;
		handoff_put_full(p->h, b);
	}
	return NULL;
}

static void
test_handoff_order_and_bound(void **state)
{
	struct handoff h;
	struct producer p = {&h, 50};
	pthread_t t;
	size_t expect = 0;
	struct batch *b;
	bool last;

	(void)state;
	assert_int_equal(handoff_init(&h), 0);
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	/* Fifty batches pass through the few in flight: FIFO, nothing lost. */
	do {
		b = handoff_take_full(&h);
		assert_int_equal(b->n, expect++);
		last = b->last;
		handoff_put_free(&h, b);
	} while (!last);
	pthread_join(t, NULL);
	assert_int_equal(expect, 50);
	handoff_destroy(&h);
}

static void
test_handoff_abort(void **state)
{
	struct handoff h;
	bool abort = false;
	struct batch *b;

	(void)state;
	assert_int_equal(handoff_init(&h), 0);
	b = handoff_take_free(&h, &abort);
	assert_false(abort);
	handoff_abort(&h);
	handoff_put_full(&h, b);
	/* Once the writer gave up, the reader is told at once. */
	b = handoff_take_free(&h, &abort);
	assert_true(abort);
	assert_non_null(b);
	handoff_destroy(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arena),
	    cmocka_unit_test(test_handoff_order_and_bound),
	    cmocka_unit_test(test_handoff_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
