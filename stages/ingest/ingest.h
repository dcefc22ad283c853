/*
 * ingest.h - anju-ingest: input exports into the run's workspace.
 *
 * One ingest covers the files of one kind given in one invocation. All of
 * them go in one transaction: the workspace gets every file or none.
 */
#ifndef ANJU_INGEST_H
#define ANJU_INGEST_H

#include <sqlite3.h>
#include <stdio.h>

struct ingest;

struct ingest_opts {
	const char *divisions; /* division table, NULL for the default */
	const char *as_of;     /* "YYYY-MM-DD", NULL for today */
	const char *datadir;   /* schemas/ lives here; NULL: anju_datadir() */
};

/*
 * Prepare an ingest into the open workspace DB. Loads the header aliases,
 * value table and division table. Returns 0 and *OUT (free with
 * ingest_close) or an ANJU_EXIT_* code after printing the reason.
 */
int ingest_open(sqlite3 *db, const struct ingest_opts *opts,
                struct ingest **out);

/* One input file and its kind: "platform", "roster" or "members". */
struct ingest_input {
	const char *path;
	const char *kind;
};

/*
 * Ingest the N INPUTS in order: every data row is kept (normalised, with
 * its D-codes as findings) or rejected (file, line, reason, raw). A file
 * with the same real path or sha256 already in the workspace for its kind
 * is replaced. After the last file of each run of one kind: exact
 * duplicate rows within the source (D09), households sharing a 户编号
 * (D08), and household sizes of person-level rosters. Several kinds in
 * one call give the same workspace as one call per kind in that order,
 * sooner: files are read while others are stored. Stops at the first
 * file with a whole-file problem. Returns 0, or an ANJU_EXIT_* code
 * (message already printed as "anju-ingest: FILE: ..."). INPUTS must
 * outlive IN. The caller owns the transaction.
 */
int ingest_files(struct ingest *in, const struct ingest_input *inputs,
                 size_t n);

/* Print the row accounting of the files ingested by IN to OUT. */
void ingest_print_accounting(struct ingest *in, FILE *out);

void ingest_close(struct ingest *in);

#endif
