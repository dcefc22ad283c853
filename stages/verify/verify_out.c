/* verify_out.c - findings.csv and households.csv (SPEC 7). */
#include "verify.h"

#include "anju.h"
#include "csvout.h"
#include "db.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Both orders are total: the SPEC's keys first, then every remaining
 * column, so two runs on the same workspace write the same bytes.
 */
static const char findings_sql[] =
    "SELECT code, severity, county_code, township_code, village_code,"
    " household_id, record_id, head_id, head_name, detail, source"
    " FROM findings ORDER BY county_code, village_code, household_id,"
    " code, record_id, head_id, source, detail, severity, township_code,"
    " head_name";

static const char *const findings_header[] = {
    "code",         "severity",     "county_code", "township_code",
    "village_code", "household_id", "record_id",   "head_id",
    "head_name",    "detail",       "source",
};

#define HOUSEHOLDS_SELECT                                                      \
	"SELECT s.household_id, h.county_code, h.village_code, h.head_id,"     \
	" h.head_name, s.status, r.record_id, s.match_method"                  \
	" FROM household_status s"                                             \
	" JOIN roster_households h ON h.household_key = s.household_key"       \
	" LEFT JOIN platform_records r ON r.record_key = s.record_key"

static const char households_sql[] =
    HOUSEHOLDS_SELECT " ORDER BY h.county_code, h.village_code,"
                      " s.household_id, h.head_id, s.household_key";

/*
 * The same rows in household_key order, which a scan of household_status
 * gives without sorting. Rosters are exported county by county, village
 * by village, so this is usually already the order above; when it is,
 * sorting a million rows again is wasted work.
 */
static const char households_scan_sql[] =
    HOUSEHOLDS_SELECT " ORDER BY s.household_key";

/* The columns of households_sql's order, before its household_key. */
static const int households_order[] = {1, 2, 0, 3};

static const char *const households_header[] = {
    "household_id", "county_code", "village_code", "head_id",
    "head_name",    "status",      "record_id",    "match_method",
};

/*
 * The sort key of the previous row of a scan: the values of up to four
 * columns, to tell whether the scan is in the order an ORDER BY on those
 * columns would give.
 */
struct order_check {
	const int *cols; /* the key's columns, most significant first */
	size_t ncols;
	char *value[4]; /* the previous row's, kept from row to row */
	size_t len[4], cap[4];
	int null[4];   /* the previous value was SQL NULL */
	int have;      /* a previous row was seen */
	int unordered; /* a row came before its predecessor */
};

/* SQLite's order for TEXT under BINARY with NULL first: <0, 0, >0. */
static int
compare_text(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Keep V (LEN bytes, NULL for SQL NULL) as column I's previous value.
 * Returns 0 or -1 (ENOMEM). */
static int
order_keep(struct order_check *oc, size_t i, const char *v, size_t len)
{
	oc->null[i] = v == NULL;
	oc->len[i] = 0;
	if (v == NULL)
		return 0;
	if (anju_keep(&oc->value[i], &oc->cap[i], v, len) != 0)
		return -1;
	oc->len[i] = len;
	return 0;
}

/*
 * Compare the key V (the values of the whole row, NULL for SQL NULL; LEN
 * their lengths) with the previous one and remember it. Returns 0 while
 * the rows are in order, 1 once one is not, -1 on ENOMEM.
 */
static int
order_check_values(struct order_check *oc, const char *const *v,
                   const size_t *len)
{
	int cmp = 0;
	size_t i;

	for (i = 0; i < oc->ncols; i++) {
		const char *s = v[oc->cols[i]];
		size_t n = len[oc->cols[i]];

		if (oc->have && cmp == 0)
			cmp = compare_text(s, n,
			                   oc->null[i] ? NULL : oc->value[i],
			                   oc->len[i]);
		if (order_keep(oc, i, s, n) != 0)
			return -1;
	}
	oc->have = 1;
	if (cmp < 0)
		oc->unordered = 1;
	return oc->unordered;
}

/* order_check_values() on the row of ST (at most 16 columns). */
static int
order_check_row(struct order_check *oc, sqlite3_stmt *st)
{
	const char *v[16];
	size_t len[16], i;

	for (i = 0; i < oc->ncols; i++) {
		int c = oc->cols[i];

		v[c] = (const char *)sqlite3_column_text(st, c);
		len[c] = (size_t)sqlite3_column_bytes(st, c);
	}
	return order_check_values(oc, v, len);
}

static void
order_check_free(struct order_check *oc)
{
	size_t i;

	for (i = 0; i < oc->ncols; i++)
		free(oc->value[i]);
}

/*
 * Write the rows of SQL (N columns) under HEADER to PATH, a cell that a
 * spreadsheet would read as a formula neutralised as in diff.csv and the
 * packs (an analyst opens these too). With ORDER not
 * NULL, give up as soon as a row is out of ORDER's order: then nothing is
 * written and *UNORDERED is set.
 */
static int
write_rows(sqlite3 *db, const char *path, const char *sql,
           const char *const *header, size_t n, struct order_check *order,
           int *unordered)
{
	const char *cells[16];
	struct csvout *w;
	sqlite3_stmt *st;
	char err[1024];
	size_t i;
	int step, rc = ANJU_EXIT_CANTCREAT, out_of_order;

	if ((st = db_prepare(db, sql)) == NULL)
		return ANJU_EXIT_SOFTWARE;
	if ((w = csvout_open(path, CSVOUT_SAFE, err, sizeof(err))) == NULL) {
		anju_msg(NULL, 0, "%s", err);
		sqlite3_finalize(st);
		return ANJU_EXIT_CANTCREAT;
	}
	if (csvout_row(w, header, n) != 0)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (order != NULL &&
		    (out_of_order = order_check_row(order, st)) != 0) {
			if (out_of_order < 0) {
				anju_msg(NULL, 0, "out of memory");
				rc = ANJU_EXIT_SOFTWARE;
				goto fail;
			}
			*unordered = 1;
			sqlite3_finalize(st);
			csvout_abort(w);
			return 0;
		}
		for (i = 0; i < n; i++)
			cells[i] =
			    (const char *)sqlite3_column_text(st, (int)i);
		if (csvout_row(w, cells, n) != 0)
			goto fail;
	}
	if (step != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		rc = ANJU_EXIT_SOFTWARE;
		goto fail;
	}
	sqlite3_finalize(st);
	if (csvout_close(w, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		return ANJU_EXIT_CANTCREAT;
	}
	return 0;
fail:
	if (rc == ANJU_EXIT_CANTCREAT)
		anju_msg(path, 0, "cannot write");
	sqlite3_finalize(st);
	csvout_abort(w);
	return rc;
}

/* Write the rows of SQL (N columns) under HEADER to PATH. */
static int
write_query(sqlite3 *db, const char *path, const char *sql,
            const char *const *header, size_t n)
{
	return write_rows(db, path, sql, header, n, NULL, NULL);
}

/* households.csv: the scan when it comes in order, else the sort. */
static int
write_households(sqlite3 *db, const char *path)
{
	struct order_check oc = {
	    .cols = households_order,
	    .ncols = sizeof(households_order) / sizeof(households_order[0]),
	};
	size_t n = sizeof(households_header) / sizeof(households_header[0]);
	int rc, unordered = 0;

	rc = write_rows(db, path, households_scan_sql, households_header, n,
	                &oc, &unordered);
	order_check_free(&oc);
	if (rc == 0 && unordered)
		rc =
		    write_query(db, path, households_sql, households_header, n);
	return rc;
}

int
verify_write_findings(sqlite3 *db, const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/findings.csv", dir);
	return write_query(db, path, findings_sql, findings_header,
	                   sizeof(findings_header) /
	                       sizeof(findings_header[0]));
}

int
verify_write_outputs(sqlite3 *db, const char *dir)
{
	char path[4096];
	int rc;

	if ((rc = verify_write_findings(db, dir)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/households.csv", dir);
	return write_households(db, path);
}

/* ---- households.csv from the pass itself ------------------------------ */

/*
 * anju-verify's pass decides the households one after another in
 * household_key order, with every column of households.csv at hand: it
 * hands each row over here, and a thread of this module writes it while
 * the pass goes on with the next households. Reading them back from the
 * workspace after the pass (a join of three tables) and formatting them
 * took 30 % of the stage on the Fuxin sample. Rows come in blocks, so
 * the two threads meet once a block, and a bounded number of blocks, so
 * memory does not grow with the roster.
 */
#define HH_COLS       8
#define HH_BLOCK_ROWS 256
#define HH_BLOCKS     4

struct hh_block {
	struct hh_block *next;
	size_t n;         /* rows */
	char *text;       /* every cell, NUL-terminated, one after another */
	size_t used, cap; /* bytes of text */
	/* where each cell starts in text, or -1 for SQL NULL; its length */
	long off[HH_BLOCK_ROWS][HH_COLS];
	size_t len[HH_BLOCK_ROWS][HH_COLS];
};

struct verify_households {
	char path[4096];
	struct csvout *w;
	struct order_check oc;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hh_block *free, *full, *full_tail;
	struct hh_block *cur; /* being filled by the pass */
	bool done;            /* the pass gave its last block */
	/* the writer's results, read after the join */
	bool unordered; /* rows came out of households.csv's order */
	int failed;     /* 0, or the exit code of a write that failed */
	struct hh_block block[HH_BLOCKS];
};

/* Writer: write the rows of B, or only look at their order once a row
 * came out of order (the file is then written by the sorting query). */
static void
write_block(struct verify_households *v, const struct hh_block *b)
{
	const char *cells[HH_COLS];
	size_t r, c;
	int out;

	for (r = 0; r < b->n && v->failed == 0 && !v->unordered; r++) {
		for (c = 0; c < HH_COLS; c++)
			cells[c] =
			    b->off[r][c] < 0 ? NULL : b->text + b->off[r][c];
		if ((out = order_check_values(&v->oc, cells, b->len[r])) != 0) {
			if (out < 0)
				v->failed = ANJU_EXIT_SOFTWARE;
			v->unordered = out > 0;
			break;
		}
		if (csvout_row(v->w, cells, HH_COLS) != 0)
			v->failed = ANJU_EXIT_CANTCREAT;
	}
}

static void *
households_writer(void *arg)
{
	struct verify_households *v = arg;
	struct hh_block *b;

	for (;;) {
		pthread_mutex_lock(&v->mu);
		while (v->full == NULL && !v->done)
			pthread_cond_wait(&v->cv, &v->mu);
		if ((b = v->full) == NULL) {
			pthread_mutex_unlock(&v->mu);
			return NULL;
		}
		if ((v->full = b->next) == NULL)
			v->full_tail = NULL;
		pthread_mutex_unlock(&v->mu);

		write_block(v, b);

		pthread_mutex_lock(&v->mu);
		b->n = b->used = 0;
		b->next = v->free;
		v->free = b;
		pthread_cond_broadcast(&v->cv);
		pthread_mutex_unlock(&v->mu);
	}
}

/* Pass: queue the block being filled (if it has rows) for the writer;
 * with TAKE, wait for an empty one to fill next. */
static void
hand_over(struct verify_households *v, bool take)
{
	pthread_mutex_lock(&v->mu);
	if (v->cur != NULL && v->cur->n > 0) {
		v->cur->next = NULL;
		if (v->full_tail != NULL)
			v->full_tail->next = v->cur;
		else
			v->full = v->cur;
		v->full_tail = v->cur;
		v->cur = NULL;
	}
	while (take && v->cur == NULL) {
		if (v->free != NULL) {
			v->cur = v->free;
			v->free = v->cur->next;
		} else
			pthread_cond_wait(&v->cv, &v->mu);
	}
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
}

struct verify_households *
verify_households_open(const char *dir)
{
	static const int order[] = {1, 2, 0, 3}; /* households_order */
	struct verify_households *v = calloc(1, sizeof(*v));
	char err[4200];
	size_t i;

	if (v == NULL) {
		anju_msg(NULL, 0, "out of memory");
		return NULL;
	}
	snprintf(v->path, sizeof(v->path), "%s/households.csv", dir);
	v->oc.cols = order;
	v->oc.ncols = sizeof(order) / sizeof(order[0]);
	if ((v->w = csvout_open(v->path, CSVOUT_SAFE, err, sizeof(err))) ==
	    NULL) {
		anju_msg(NULL, 0, "%s", err);
		free(v);
		return NULL;
	}
	if (csvout_row(v->w, households_header, HH_COLS) != 0) {
		anju_msg(v->path, 0, "cannot write");
		csvout_abort(v->w);
		free(v);
		return NULL;
	}
	for (i = 1; i < HH_BLOCKS; i++) {
		v->block[i].next = v->free;
		v->free = &v->block[i];
	}
	v->cur = &v->block[0];
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	if (pthread_create(&v->thread, NULL, households_writer, v) != 0) {
		anju_msg(NULL, 0, "cannot start a thread");
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		csvout_abort(v->w);
		free(v);
		return NULL;
	}
	return v;
}

int
verify_households_add(struct verify_households *v,
                      const char *const cells[HH_COLS])
{
	struct hh_block *b = v->cur;
	size_t c, need = 0, len[HH_COLS];

	for (c = 0; c < HH_COLS; c++) {
		len[c] = cells[c] != NULL ? strlen(cells[c]) : 0;
		need += cells[c] != NULL ? len[c] + 1 : 0;
	}
	if (b->used + need > b->cap) {
		size_t cap = 2 * (b->used + need) + 4096;
		char *p = realloc(b->text, cap);

		if (p == NULL)
			return -1;
		b->text = p;
		b->cap = cap;
	}
	for (c = 0; c < HH_COLS; c++) {
		b->len[b->n][c] = len[c];
		if (cells[c] == NULL) {
			b->off[b->n][c] = -1;
			continue;
		}
		b->off[b->n][c] = (long)b->used;
		memcpy(b->text + b->used, cells[c], len[c] + 1);
		b->used += len[c] + 1;
	}
	if (++b->n == HH_BLOCK_ROWS)
		hand_over(v, true);
	return 0;
}

/* Give the last block, wait for the writer and free V's memory (not
 * its file). */
static void
households_join(struct verify_households *v)
{
	size_t i;

	hand_over(v, false);
	pthread_mutex_lock(&v->mu);
	v->done = true;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	pthread_join(v->thread, NULL);
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	for (i = 0; i < HH_BLOCKS; i++)
		free(v->block[i].text);
	order_check_free(&v->oc);
}

int
verify_households_close(struct verify_households *v, sqlite3 *db)
{
	char err[4200];
	int rc = 0;

	households_join(v);
	if (v->failed != 0 || v->unordered) {
		csvout_abort(v->w);
		if (v->failed == ANJU_EXIT_CANTCREAT)
			anju_msg(v->path, 0, "cannot write");
		else if (v->failed != 0)
			anju_msg(NULL, 0, "out of memory");
		/* Not in order: the query sorts them. */
		rc = v->failed != 0 ? v->failed
		                    : write_query(db, v->path, households_sql,
		                                  households_header, HH_COLS);
	} else if (csvout_close(v->w, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		rc = ANJU_EXIT_CANTCREAT;
	}
	free(v);
	return rc;
}

void
verify_households_abort(struct verify_households *v)
{
	if (v == NULL)
		return;
	households_join(v);
	csvout_abort(v->w);
	free(v);
}
