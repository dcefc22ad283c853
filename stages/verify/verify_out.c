/* verify_out.c - findings.csv and households.csv (SPEC 7). */
#include "verify.h"

#include "anju.h"
#include "csvout.h"
#include "db.h"

#include <stdio.h>
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

static const char households_sql[] =
    "SELECT s.household_id, h.county_code, h.village_code, h.head_id,"
    " h.head_name, s.status, r.record_id, s.match_method"
    " FROM household_status s"
    " JOIN roster_households h ON h.household_key = s.household_key"
    " LEFT JOIN platform_records r ON r.record_key = s.record_key"
    " ORDER BY h.county_code, h.village_code, s.household_id,"
    " h.head_id, s.household_key";

static const char *const households_header[] = {
    "household_id", "county_code", "village_code", "head_id",
    "head_name",    "status",      "record_id",    "match_method",
};

/* Write the rows of SQL (N columns) under HEADER to PATH. */
static int
write_query(sqlite3 *db, const char *path, const char *sql,
            const char *const *header, size_t n)
{
	const char *cells[16];
	struct csvout *w;
	sqlite3_stmt *st;
	char err[1024];
	size_t i;
	int step, rc = ANJU_EXIT_CANTCREAT;

	if ((st = db_prepare(db, sql)) == NULL)
		return ANJU_EXIT_SOFTWARE;
	if ((w = csvout_open(path, 0, err, sizeof(err))) == NULL) {
		anju_msg(NULL, 0, "%s", err);
		sqlite3_finalize(st);
		return ANJU_EXIT_CANTCREAT;
	}
	if (csvout_row(w, header, n) != 0)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
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
	return write_query(db, path, households_sql, households_header,
	                   sizeof(households_header) /
	                       sizeof(households_header[0]));
}
