/* diff.c - anju-diff: findings compared with the previous run's. */
#include "diff.h"

#include "anju.h"
#include "csvout.h"
#include "dates.h"
#include "db.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
diff_previous_db(const char *arg, char *path, size_t pathlen, char *err,
                 size_t errlen)
{
	struct stat sb;

	if (stat(arg, &sb) != 0) {
		snprintf(err, errlen, "previous run not found: %s",
		         strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (S_ISREG(sb.st_mode)) {
		snprintf(path, pathlen, "%s", arg);
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen,
		         "previous run is neither a run folder "
		         "nor a workspace file");
		return ANJU_EXIT_NOINPUT;
	}
	snprintf(path, pathlen, "%s/anju.db", arg);
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "previous run folder has no anju.db");
		return ANJU_EXIT_NOINPUT;
	}
	return 0;
}

/*
 * Run one statement of SQL, binding :as_of and :prev_as_of where they
 * appear (PREV_AS_OF NULL binds SQL NULL). Returns 0 or -1 (printed).
 */
static int
exec_bound(sqlite3 *db, const char *sql, const char *as_of,
           const char *prev_as_of)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int i, rc = -1;

	if (st == NULL)
		return -1;
	if ((i = sqlite3_bind_parameter_index(st, ":as_of")) > 0)
		db_bind_text(st, i, as_of, 1);
	if ((i = sqlite3_bind_parameter_index(st, ":prev_as_of")) > 0)
		db_bind_text(st, i, prev_as_of, 1);
	while ((i = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (i == SQLITE_DONE)
		rc = 0;
	else
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* 1 when SCHEMA (main or prev) has table NAME, 0 when not, -1 when the
 * schema cannot be read at all (not a database). */
static int
has_table(sqlite3 *db, const char *schema, const char *name)
{
	const char *sql = strcmp(schema, "prev") == 0
	                      ? "SELECT 1 FROM prev.sqlite_master "
	                        "WHERE type = 'table' AND name = ?"
	                      : "SELECT 1 FROM main.sqlite_master "
	                        "WHERE type = 'table' AND name = ?";
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The previous run's as-of date into BUF ("" when it never said). */
static void
previous_as_of(sqlite3 *db, char *buf, size_t buflen)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (has_table(db, "prev", "run_info") != 1)
		return;
	st = db_prepare(db, "SELECT value FROM prev.run_info WHERE key IN "
	                    "('diff_as_of', 'as_of') ORDER BY key DESC");
	if (st == NULL)
		return;
	/* diff_as_of sorts before as_of descending: it wins when both. */
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, buflen, "%s",
		         (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* One row per finding identity: the first finding of each identity in a
 * fixed order stands for it (the others are the same problem). */
#define IDENTITY_SELECT(schema)                                                \
	"SELECT fid, code, severity, county_code, township_code, "             \
	"village_code, household_id, record_id, head_id, head_name, detail, "  \
	"source FROM (SELECT *, row_number() OVER (PARTITION BY fid ORDER "    \
	"BY coalesce(record_id, ''), source, detail, finding_key) AS rn "      \
	"FROM (" DIFF_FINDINGS_WITH_ID(schema) ")) WHERE rn = 1"

static const char *const load_current[] = {
    "DROP TABLE IF EXISTS temp.cur_f",
    "DROP TABLE IF EXISTS temp.prev_f",
    "DROP TABLE IF EXISTS temp.prev_hist",
    "CREATE TEMP TABLE cur_f AS " IDENTITY_SELECT("main"),
    "CREATE UNIQUE INDEX temp.cur_f_fid ON cur_f (fid)",
};

static const char *const load_previous[] = {
    "CREATE TEMP TABLE prev_f AS " IDENTITY_SELECT("prev"),
    "CREATE UNIQUE INDEX temp.prev_f_fid ON prev_f (fid)",
};

static const char *const no_previous[] = {
    "CREATE TEMP TABLE prev_f AS SELECT * FROM cur_f WHERE 0",
};

static const char *const history_previous =
    "CREATE TEMP TABLE prev_hist AS SELECT finding_id, first_seen "
    "FROM prev.finding_history";
static const char *const history_none =
    "CREATE TEMP TABLE prev_hist (finding_id TEXT PRIMARY KEY, "
    "first_seen TEXT)";

/* A first_seen of the previous run: its history, else its as-of date
 * (a previous run that never ran anju-diff), else today's run. */
static const char *const store_changes[] = {
    "DELETE FROM main.finding_changes",
    "INSERT INTO main.finding_changes (finding_id, change, code, "
    "severity, county_code, township_code, village_code, household_id, "
    "record_id, head_id, head_name, detail, source, first_seen, days_open, "
    "previous_county_code) "
    "SELECT c.fid, CASE WHEN p.fid IS NULL THEN 'new' ELSE 'persisting' "
    "END, c.code, c.severity, c.county_code, c.township_code, "
    "c.village_code, c.household_id, c.record_id, c.head_id, c.head_name, "
    "c.detail, c.source, CASE WHEN p.fid IS NULL THEN :as_of ELSE "
    "coalesce(h.first_seen, :prev_as_of, :as_of) END, 0, p.county_code "
    "FROM cur_f c LEFT JOIN prev_f p ON p.fid = c.fid LEFT JOIN prev_hist "
    "h ON h.finding_id = c.fid",
    "INSERT INTO main.finding_changes (finding_id, change, code, "
    "severity, county_code, township_code, village_code, household_id, "
    "record_id, head_id, head_name, detail, source, first_seen, days_open, "
    "previous_county_code) "
    "SELECT p.fid, 'resolved', p.code, p.severity, p.county_code, "
    "p.township_code, p.village_code, p.household_id, p.record_id, "
    "p.head_id, p.head_name, p.detail, p.source, coalesce(h.first_seen, "
    ":prev_as_of, :as_of), 0, p.county_code FROM prev_f p LEFT JOIN "
    "prev_hist h ON h.finding_id = p.fid WHERE p.fid NOT IN (SELECT fid "
    "FROM cur_f)",
    /* A resolved finding was open until this run found it gone. */
    "UPDATE main.finding_changes SET days_open = max(0, CAST(julianday("
    ":as_of) - julianday(first_seen) AS INTEGER))",
    "DELETE FROM main.finding_history",
    "INSERT INTO main.finding_history (finding_id, code, first_seen) "
    "SELECT finding_id, code, first_seen FROM main.finding_changes "
    "WHERE change <> 'resolved'",
    "INSERT OR REPLACE INTO main.run_info (key, value) VALUES "
    "('diff_as_of', :as_of)",
    "INSERT OR REPLACE INTO main.run_info (key, value) VALUES "
    "('diff_previous_as_of', coalesce(:prev_as_of, ''))",
    "INSERT OR REPLACE INTO main.run_info (key, value) SELECT "
    "'diff_findings', count(*) FROM main.findings",
    "DROP TABLE temp.cur_f",
    "DROP TABLE temp.prev_f",
    "DROP TABLE temp.prev_hist",
};

static int
exec_all(sqlite3 *db, const char *const *sql, size_t n, const char *as_of,
         const char *prev_as_of)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (exec_bound(db, sql[i], as_of, prev_as_of) != 0)
			return -1;
	return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
count_changes(sqlite3 *db, struct diff_counts *counts)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT count(*) FILTER (WHERE change = 'new'), "
	                   "count(*) FILTER (WHERE change = 'resolved'), "
	                   "count(*) FILTER (WHERE change = 'persisting') "
	                   "FROM main.finding_changes");
	int rc = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		counts->added = sqlite3_column_int64(st, 0);
		counts->resolved = sqlite3_column_int64(st, 1);
		counts->persisting = sqlite3_column_int64(st, 2);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Create the temporary tables describing the previous run. */
static int
load_previous_run(sqlite3 *db, int have_previous, const char *as_of)
{
	int hist = 0;

	if (!have_previous)
		return exec_all(db, no_previous, NELEM(no_previous), as_of,
		                NULL) ||
		       exec_bound(db, history_none, as_of, NULL);
	hist = has_table(db, "prev", "finding_history");
	if (exec_all(db, load_previous, NELEM(load_previous), as_of, NULL))
		return -1;
	return exec_bound(db, hist == 1 ? history_previous : history_none,
	                  as_of, NULL);
}

int
diff_compute(sqlite3 *db, int have_previous, const char *as_of,
             struct diff_counts *counts)
{
	char prev_as_of[32] = "", err[256];
	int rc;

	memset(counts, 0, sizeof(*counts));
	if (have_previous && has_table(db, "prev", "findings") != 1) {
		anju_msg(NULL, 0,
		         "previous run is not an anju workspace "
		         "(no findings table)");
		return ANJU_EXIT_DATAERR;
	}
	if (have_previous)
		previous_as_of(db, prev_as_of, sizeof(prev_as_of));
	if (db_exec(db, "BEGIN IMMEDIATE", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		return db_exit_code(sqlite3_errcode(db));
	}
	if (exec_all(db, load_current, NELEM(load_current), as_of, NULL) ||
	    load_previous_run(db, have_previous, as_of) ||
	    exec_all(db, store_changes, NELEM(store_changes), as_of,
	             prev_as_of[0] ? prev_as_of : NULL) ||
	    count_changes(db, counts))
		goto fail;
	if (db_exec(db, "COMMIT", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		goto fail;
	}
	return 0;
fail:
	rc = db_exit_code(sqlite3_errcode(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static const char *const csv_header[] = {
    "change",        "code",         "severity",     "county_code",
    "township_code", "village_code", "household_id", "record_id",
    "head_id",       "head_name",    "detail",       "source",
    "first_seen",    "days_open",
};

int
diff_write_csv(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st = db_prepare(
	    db,
	    "SELECT change, code, severity, county_code, township_code, "
	    "village_code, household_id, record_id, head_id, head_name, "
	    "detail, source, first_seen, days_open FROM finding_changes "
	    "ORDER BY coalesce(county_code, ''), coalesce(village_code, ''), "
	    "coalesce(household_id, ''), code, change, coalesce(record_id, "
	    "''), coalesce(head_id, ''), source, finding_id");
	const char *cells[NELEM(csv_header)];
	struct csvout *w = NULL;
	char err[512];
	size_t i;
	int rc = ANJU_EXIT_CANTCREAT, step;

	if (st == NULL)
		return ANJU_EXIT_SOFTWARE;
	/* A data file like findings.csv (no BOM), but opened by people in
	 * spreadsheets too, and detail/head_name come from the inputs. */
	if ((w = csvout_open(path, CSVOUT_SAFE, err, sizeof(err))) == NULL ||
	    csvout_row(w, csv_header, NELEM(csv_header)) != 0)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < NELEM(csv_header); i++)
			cells[i] =
			    (const char *)sqlite3_column_text(st, (int)i);
		if (csvout_row(w, cells, NELEM(cells)) != 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		rc = ANJU_EXIT_SOFTWARE;
		goto out;
	}
	rc = csvout_close(w, err, sizeof(err)) == 0 ? 0 : ANJU_EXIT_CANTCREAT;
	w = NULL;
out:
	if (w != NULL) {
		csvout_abort(w);
		snprintf(err, sizeof(err), "cannot write %s", path);
	}
	if (rc == ANJU_EXIT_CANTCREAT)
		anju_msg(path, 0, "%s", err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * The as-of date: GIVEN (a real date written YYYY-MM-DD), else the
 * workspace's run_info as_of, else today. Returns 0 or ANJU_EXIT_USAGE.
 */
static int
resolve_as_of(sqlite3 *db, const char *given, char *buf, size_t buflen)
{
	char iso[11];

	if (given == NULL) {
		if (db_get_info(db, "as_of", buf, buflen) != 0) {
			date_today(iso);
			snprintf(buf, buflen, "%s", iso);
		}
		return 0;
	}
	/* date_parse() takes every export spelling; the command line wants
	 * the one unambiguous form, so the result must be the input. */
	if (date_parse(given, iso) != DATE_OK || strcmp(iso, given) != 0) {
		anju_msg(NULL, 0, "--as-of %s: not a date (YYYY-MM-DD)", given);
		return ANJU_EXIT_USAGE;
	}
	snprintf(buf, buflen, "%s", iso);
	return 0;
}

/* Attach the previous workspace as "prev", read-only in spirit: only
 * SELECTs ever touch it. Refuses this run's own workspace. */
static int
attach_previous(sqlite3 *db, const char *db_path, const char *arg)
{
	char path[PATH_MAX], err[512], real_prev[PATH_MAX], real_cur[PATH_MAX];
	sqlite3_stmt *st;
	int rc;

	if ((rc = diff_previous_db(arg, path, sizeof(path), err,
	                           sizeof(err))) != 0) {
		anju_msg(arg, 0, "%s", err);
		return rc;
	}
	if (realpath(path, real_prev) != NULL &&
	    realpath(db_path, real_cur) != NULL &&
	    strcmp(real_prev, real_cur) == 0) {
		anju_msg(arg, 0, "the previous run is this run's workspace");
		return ANJU_EXIT_USAGE;
	}
	if ((st = db_prepare(db, "ATTACH DATABASE ? AS prev")) == NULL)
		return ANJU_EXIT_SOFTWARE;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ANJU_EXIT_DATAERR;
	if (rc != 0)
		anju_msg(path, 0, "cannot open previous workspace: %s",
		         sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

/* The folder diff.csv goes to: OUT_DIR, else the workspace's folder. */
static void
csv_path(const struct diff_options *opt, char *buf, size_t buflen)
{
	const char *slash;

	if (opt->out_dir != NULL) {
		snprintf(buf, buflen, "%s/diff.csv", opt->out_dir);
		return;
	}
	slash = strrchr(opt->db_path, '/');
	if (slash == NULL)
		snprintf(buf, buflen, "diff.csv");
	else
		snprintf(buf, buflen, "%.*s/diff.csv",
		         (int)(slash - opt->db_path), opt->db_path);
}

int
diff_run(const struct diff_options *opt)
{
	struct diff_counts counts;
	char as_of[32], err[512], out[PATH_MAX];
	sqlite3 *db = NULL;
	struct stat sb;
	int rc;

	if (stat(opt->db_path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		anju_msg(opt->db_path, 0, "workspace not found");
		return ANJU_EXIT_NOINPUT;
	}
	if ((rc = db_open(opt->db_path, &db, err, sizeof(err))) != 0) {
		anju_msg(opt->db_path, 0, "%s", err);
		return rc;
	}
	if ((rc = resolve_as_of(db, opt->as_of, as_of, sizeof(as_of))) ||
	    (opt->previous != NULL &&
	     (rc = attach_previous(db, opt->db_path, opt->previous))) ||
	    (rc = diff_compute(db, opt->previous != NULL, as_of, &counts)))
		goto out;
	csv_path(opt, out, sizeof(out));
	if ((rc = diff_write_csv(db, out)) != 0)
		goto out;
	/* Quiet under cron; anju-run reports the stage itself. */
	if (isatty(STDERR_FILENO))
		anju_msg(NULL, 0, "%ld new, %ld resolved, %ld persisting%s",
		         counts.added, counts.resolved, counts.persisting,
		         opt->previous ? "" : " (no previous run)");
out:
	sqlite3_close(db);
	return rc;
}
