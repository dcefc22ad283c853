/*
 * diff.h - anju-diff: which findings are new, resolved or persisting since
 * the previous run, and for how long each has been open (SPEC 7).
 *
 * A finding's identity across runs is its code plus the roster
 * household_id it is about; a finding about a platform record alone (no
 * household_id) is keyed by the record's normalised head ID instead. The
 * date a finding was first seen is kept per identity in the workspace
 * table finding_history, so every run inherits it from the run before and
 * it survives any number of runs. The result of the last diff is stored in
 * finding_changes, which anju-report reads for the county packs' 变化.
 */
#ifndef ANJU_DIFF_H
#define ANJU_DIFF_H

#include <sqlite3.h>
#include <stddef.h>

struct diff_options {
	const char *db_path;  /* this run's workspace; must exist */
	const char *previous; /* previous RUN_DIR or .db; NULL = first run */
	const char *out_dir;  /* where diff.csv goes; NULL = the db's dir */
	const char *as_of;    /* YYYY-MM-DD; NULL = run_info as_of, today */
};

struct diff_counts {
	long added;
	long resolved;
	long persisting;
};

/*
 * Identity of a finding across runs, as an SQL expression over the columns
 * of the findings table (so diff and report agree on one definition):
 *   "CODE|h|HOUSEHOLD_ID" when household_id is set;
 *   else "CODE|i|HEAD_ID" for a head ID of 18 characters;
 *   else, for a record without such an ID (empty, or cut short:
 *   2.10904E+17 keeps only 210904, the same for many people),
 *   "CODE|r|TOWNSHIP|RECORD_ID" when the record has a 档案编号 (they
 *   repeat across townships);
 *   else, the record's 档案编号 missing (its record_id is then FILE:LINE,
 *   the finding's source, which a re-sent file or a deleted row above
 *   changes), "CODE|n|VILLAGE|HEAD_NAME|HEAD_ID|K": whom it is about, K
 *   telling apart people of one name and cut ID in one village by their
 *   order in the file (the Kth such record);
 *   else "CODE|s|SOURCE".
 * DIFF_FINDINGS_WITH_ID(schema) is a SELECT of every column of SCHEMA's
 * findings plus this identity as "fid", so diff and report agree on one
 * definition. K is ranked among the records keyed by person only: a
 * window over every finding sorted the whole table twice (0.3 s of the
 * diff of a national run) for the few hundred that need it.
 */
#define DIFF_BY_RECORD_ID                                                      \
	"coalesce(record_id, '') <> '' AND record_id IS NOT source"
#define DIFF_BY_PERSON                                                         \
	"(coalesce(household_id, '') = '' AND length(head_id) IS NOT 18 AND "  \
	"NOT (" DIFF_BY_RECORD_ID ") AND (coalesce(head_name, '') <> '' OR "   \
	"coalesce(head_id, '') <> ''))"
#define DIFF_FINDINGS_WITH_ID(schema)                                          \
	"SELECT f.*, CASE WHEN coalesce(f.household_id, '') <> '' THEN "       \
	"f.code || '|h|' || f.household_id WHEN length(f.head_id) = 18 THEN "  \
	"f.code || '|i|' || f.head_id WHEN coalesce(f.record_id, '') <> '' "   \
	"AND f.record_id IS NOT f.source THEN f.code || '|r|' || "             \
	"coalesce(f.township_code, '') || '|' || f.record_id WHEN "            \
	"p.finding_key IS NOT NULL THEN f.code || '|n|' || "                   \
	"coalesce(f.village_code, '') || '|' || coalesce(f.head_name, '') || " \
	"'|' || coalesce(f.head_id, '') || '|' || p.k ELSE f.code || '|s|' "   \
	"|| f.source END AS fid FROM " schema ".findings f LEFT JOIN (SELECT " \
	"finding_key, dense_rank() OVER (PARTITION BY code, "                  \
	"coalesce(village_code, ''), coalesce(head_name, ''), "                \
	"coalesce(head_id, '') ORDER BY rtrim(source, '0123456789'), "         \
	"CAST(substr(source, length(rtrim(source, '0123456789')) + 1) AS "     \
	"INTEGER)) AS k FROM " schema ".findings WHERE " DIFF_BY_PERSON        \
	") p ON p.finding_key = f.finding_key"

/*
 * Find the workspace of the previous run named by ARG: ARG itself when it
 * is a regular file, ARG/anju.db when it is a directory. Writes the path
 * into PATH (PATHLEN bytes). Returns 0, or ANJU_EXIT_NOINPUT with the
 * reason in ERR.
 */
int diff_previous_db(const char *arg, char *path, size_t pathlen, char *err,
                     size_t errlen);

/*
 * Compare the findings of DB with those of the workspace attached to DB as
 * schema "prev" (none attached: a first run, everything is new), as of the
 * date AS_OF, and store the result: finding_changes replaced, finding_history
 * replaced by this run's identities and their first_seen, run_info diff_*
 * keys set. Runs in one transaction. Fills *COUNTS. Returns 0, or
 * ANJU_EXIT_DATAERR when "prev" is not an anju workspace, or
 * ANJU_EXIT_CANTCREAT when the workspace could not be written (full disk,
 * I/O error), or ANJU_EXIT_SOFTWARE on another SQLite error (message
 * printed).
 */
int diff_compute(sqlite3 *db, int have_previous, const char *as_of,
                 struct diff_counts *counts);

/*
 * Write finding_changes of DB to PATH as diff.csv (SPEC 7 columns, UTF-8
 * with BOM, formula-neutralised), in a total order so that two runs on the
 * same data give identical bytes. Returns 0 or ANJU_EXIT_CANTCREAT (message
 * printed).
 */
int diff_write_csv(sqlite3 *db, const char *path);

/*
 * The whole of anju-diff for OPT: open, attach, compute, write. Prints
 * messages; returns an ANJU_EXIT_* code.
 */
int diff_run(const struct diff_options *opt);

#endif
