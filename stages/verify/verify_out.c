/* verify_out.c - findings.csv and households.csv (SPEC 7). */
#include "verify.h"

#include "anju.h"
#include "csvout.h"
#include "db.h"

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
	char *p;

	oc->null[i] = v == NULL;
	oc->len[i] = 0;
	if (v == NULL)
		return 0;
	if (len + 1 > oc->cap[i]) {
		if ((p = realloc(oc->value[i], len + 1)) == NULL)
			return -1;
		oc->value[i] = p;
		oc->cap[i] = len + 1;
	}
	memcpy(oc->value[i], v, len);
	oc->len[i] = len;
	return 0;
}

/*
 * Compare the key of ST's row with the previous one and remember it.
 * Returns 0 while the rows are in order, 1 once one is not, -1 on ENOMEM.
 */
static int
order_check_row(struct order_check *oc, sqlite3_stmt *st)
{
	int cmp = 0;
	size_t i;

	for (i = 0; i < oc->ncols; i++) {
		const char *v =
		    (const char *)sqlite3_column_text(st, oc->cols[i]);
		size_t len = (size_t)sqlite3_column_bytes(st, oc->cols[i]);

		if (oc->have && cmp == 0)
			cmp = compare_text(v, len,
			                   oc->null[i] ? NULL : oc->value[i],
			                   oc->len[i]);
		if (order_keep(oc, i, v, len) != 0)
			return -1;
	}
	oc->have = 1;
	if (cmp < 0)
		oc->unordered = 1;
	return oc->unordered;
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
verify_write_outputs(sqlite3 *db, const char *dir)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/findings.csv", dir);
	rc = write_query(db, path, findings_sql, findings_header,
	                 sizeof(findings_header) / sizeof(findings_header[0]));
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/households.csv", dir);
	return write_households(db, path);
}
