/* Unit tests: the (hash, key) pairs behind D09 and D08
 * (stages/ingest/finish.c): appending and the stable radix sort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../stages/ingest/ingest_impl.h"

/* A deterministic 64-bit generator (splitmix64). */
static uint64_t
next_random(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Sorted by unsigned hash; equal hashes in ascending key order (the
 * order they were added in); the same pairs as before. */
static void
check_sorted(const struct hash_keys *h, uint64_t key_sum)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < h->n; i++) {
		sum += (uint64_t)h->v[i].key;
		if (i == 0)
			continue;
		assert_true((uint64_t)h->v[i - 1].hash <=
		            (uint64_t)h->v[i].hash);
		if (h->v[i - 1].hash == h->v[i].hash)
			assert_true(h->v[i - 1].key < h->v[i].key);
	}
	assert_true(sum == key_sum);
}

static void
test_sort_many_with_copies(void **state)
{
	struct hash_keys h = {0};
	uint64_t seed = 42, key_sum = 0;
	sqlite3_int64 k;

	(void)state;
	/* 100,000 rows, one in ten a copy of an earlier row's hash; some
	 * hashes negative as signed, some sharing their low 48 bits. */
	for (k = 1; k <= 100000; k++) {
		uint64_t r = next_random(&seed);
		sqlite3_int64 hash = (sqlite3_int64)r;

		if (k > 10 && r % 10 == 0)
			hash = h.v[r % (size_t)(k - 1)].hash;
		else if (r % 7 == 0)
			hash = (sqlite3_int64)((r & 0xffffULL) << 48 | 12345);
		assert_int_equal(hash_keys_add(&h, hash, k), 0);
		key_sum += (uint64_t)k;
	}
	hash_keys_sort(&h);
	assert_int_equal(h.n, 100000);
	check_sorted(&h, key_sum);
	free(h.v);
}

static void
test_sort_small_and_equal(void **state)
{
	struct hash_keys h = {0};

	(void)state;
	hash_keys_sort(&h); /* empty: nothing to do */
	assert_int_equal(hash_keys_add(&h, 7, 1), 0);
	hash_keys_sort(&h);
	assert_int_equal(h.v[0].key, 1);
	/* every hash the same: the order stays */
	assert_int_equal(hash_keys_add(&h, 7, 2), 0);
	assert_int_equal(hash_keys_add(&h, 7, 3), 0);
	assert_int_equal(hash_keys_add(&h, -1, 4), 0);
	assert_int_equal(hash_keys_add(&h, 0, 5), 0);
	hash_keys_sort(&h);
	check_sorted(&h, 15);
	assert_int_equal(h.v[0].key, 5); /* 0 */
	assert_int_equal(h.v[1].key, 1); /* 7 */
	assert_int_equal(h.v[3].key, 3);
	assert_int_equal(h.v[4].key, 4); /* -1 is the largest unsigned */
	free(h.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sort_many_with_copies),
	    cmocka_unit_test(test_sort_small_and_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
