/*
 * verify.h - anju-verify: each roster household's housing-safety status
 * (核验结果, SPEC 6), the V-findings (SPEC 5) and the findings.csv and
 * households.csv outputs (SPEC 7).
 */
#ifndef ANJU_VERIFY_H
#define ANJU_VERIFY_H

#include "rules.h"

#include <sqlite3.h>
#include <stddef.h>

/* The fields of a platform record that decide its status and V-rules.
 * Absent values are "" (text) or -1 (numbers). */
struct verify_record {
	char grade[4];       /* A B C D */
	char means[64];      /* safety_means */
	char category[32];   /* safety_category */
	char renovation[64]; /* renovation_type */
	char result[8];      /* acceptance_result: pass / fail */
	char appraisal[11], start[11], completion[11], acceptance[11];
	int verified;  /* 1, 0, -1 */
	int photos[4]; /* materials, training, foundation,
	                  completion; -1 when NULL */
	double subsidy;
	double area;
	int size; /* the record's household size */
};

/*
 * Status (SPEC 6) of one record as typed (anju-verify judges the record
 * as it stood at the as-of date: later dates have not happened yet), from
 * the best down: 鉴定安全 for grade A or B; 改造安全 for an accepted
 * renovation or a relocation (易地扶贫搬迁, 生态移民, 避险搬迁); 保障安全
 * for the 保障安全 means; 未保障 for a failed acceptance; 改造中 for a
 * renovation started or completed but not accepted; 未保障 for grade C or
 * D with none of that; else 待核实 (V06: nothing proves the house safe,
 * the generic means 鉴定安全 or 改造安全 typed alone included). Returns a
 * static string.
 */
const char *verify_record_status(const struct verify_record *r);

/* Rank of a status in the SPEC 6 table, 0 (鉴定安全) .. 6 (待核实);
 * lower is better. 7 for an unknown string. */
int verify_status_rank(const char *status);

struct verify_stats {
	long households;
	long by_status[7]; /* indexed by verify_status_rank() */
	long findings;
};

/*
 * Decide every roster household's status and its V-findings on DB (after
 * anju-match), measured at AS_OF ("YYYY-MM-DD") under RULES. Replaces,
 * in one transaction, household_status and every stage='verify' finding.
 * STATS may be NULL. Returns 0, or after printing a message
 * ANJU_EXIT_CANTCREAT (the workspace could not be written: full disk, I/O
 * error) or ANJU_EXIT_SOFTWARE; nothing changed then.
 */
int verify_run(sqlite3 *db, const struct anju_rules *rules, const char *as_of,
               struct verify_stats *stats);

/*
 * Write DIR/findings.csv (every finding of every stage) and
 * DIR/households.csv (SPEC 7 columns), UTF-8 without BOM, totally
 * ordered so equal workspaces give byte-identical files. Returns 0,
 * ANJU_EXIT_CANTCREAT when a file cannot be written, or
 * ANJU_EXIT_SOFTWARE on an SQLite error; messages printed.
 */
int verify_write_outputs(sqlite3 *db, const char *dir);

/* verify_write_outputs()'s findings.csv alone. */
int verify_write_findings(sqlite3 *db, const char *dir);

/*
 * verify_run() that also writes DIR/households.csv from its pass, as the
 * households are decided (verify_out.c), then DIR/findings.csv: the same
 * files as verify_run() and then verify_write_outputs(), without reading
 * the households back. Returns as verify_run(); when the workspace was
 * written but a file was not, ANJU_EXIT_CANTCREAT or ANJU_EXIT_SOFTWARE.
 * Call with SQLite in a mode safe for one connection used by one thread:
 * the file is written by a thread of its own, which never calls SQLite.
 */
int verify_run_write(sqlite3 *db, const struct anju_rules *rules,
                     const char *as_of, struct verify_stats *stats,
                     const char *dir);

/*
 * households.csv as verify_run_write() writes it: opened (header written)
 * into DIR by verify_households_open(), which returns NULL after printing
 * why; then the rows in household_key order, the 8 cells of the SPEC 7
 * columns each (NULL for SQL NULL; copied), by verify_households_add(),
 * which returns 0 or -1 (ENOMEM); then verify_households_close(), which
 * puts the file in place, sorted by the query when the rows did not come
 * in the file's order, and returns 0 or an exit code (message printed),
 * or verify_households_abort(), which leaves no file. Either frees V.
 */
struct verify_households;
struct verify_households *verify_households_open(const char *dir);
int verify_households_add(struct verify_households *v,
                          const char *const cells[8]);
int verify_households_close(struct verify_households *v, sqlite3 *db);
void verify_households_abort(struct verify_households *v);

/*
 * The as-of date to use: ARG when given, else run_info 'as_of', else
 * today; written into ISO (11 bytes). Returns 0, or -1 when ARG is not a
 * real YYYY-MM-DD date.
 */
int verify_as_of(sqlite3 *db, const char *arg, char iso[11]);

#endif
