/*
 * anju-ingest - normalise exports into the run's workspace.
 *
 *   anju-ingest --db WORKSPACE --kind platform|roster|members
 *               [--divisions FILE] [--as-of YYYY-MM-DD] FILE...
 */
#include "anju.h"
#include "dates.h"
#include "db.h"
#include "ingest.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: anju-ingest --db WORKSPACE --kind platform|roster|members\n"
	    "                   [--divisions FILE] [--as-of YYYY-MM-DD] "
	    "[--] FILE...\n"
	    "Normalise exports into the workspace and print, per file, rows\n"
	    "read = rows kept + rows rejected. Re-ingesting a file replaces\n"
	    "its earlier rows.\n");
}

/* Check every input before touching the workspace, so a missing file
 * never leaves a half-made workspace behind. */
static int
check_inputs(char **files, int n)
{
	struct stat sb;
	int i;

	for (i = 0; i < n; i++) {
		if (stat(files[i], &sb) != 0) {
			anju_msg(files[i], 0, "no such file");
			return ANJU_EXIT_NOINPUT;
		}
		if (S_ISDIR(sb.st_mode)) {
			anju_msg(files[i], 0, "is a directory, not an export");
			return ANJU_EXIT_NOINPUT;
		}
	}
	return 0;
}

static int
run(const char *dbpath, const struct ingest_opts *opts, char **files, int n)
{
	struct ingest *in = NULL;
	sqlite3 *db = NULL;
	char err[512];
	int rc;

	if ((rc = check_inputs(files, n)) != 0)
		return rc;
	if ((rc = db_open(dbpath, &db, err, sizeof(err))) != 0) {
		anju_msg(dbpath, 0, "%s", err);
		return rc;
	}
	if ((rc = ingest_open(db, opts, &in)) != 0)
		goto out;
	if (db_exec(db, "BEGIN IMMEDIATE", err, sizeof(err)) != 0) {
		anju_msg(dbpath, 0, "%s", err);
		rc = ANJU_EXIT_CANTCREAT;
		goto out;
	}
	rc = ingest_files(in, files, (size_t)n);
	if (rc == 0)
		rc = ingest_finish(in);
	if (rc == 0 && db_exec(db, "COMMIT", err, sizeof(err)) != 0) {
		anju_msg(dbpath, 0, "cannot commit: %s", err);
		rc = ANJU_EXIT_CANTCREAT;
	}
	if (rc != 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	else
		ingest_print_accounting(in, stdout);
out:
	ingest_close(in);
	if (sqlite3_close(db) != SQLITE_OK && rc == 0)
		rc = ANJU_EXIT_CANTCREAT;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"kind", required_argument, NULL, 'k'},
	    {"divisions", required_argument, NULL, 'D'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct ingest_opts opts = {0};
	const char *dbpath = NULL;
	int ch, rc;

	anju_set_progname("anju-ingest");
	while ((ch = getopt_long(argc, argv, "d:k:D:a:hV", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'd':
			dbpath = optarg;
			break;
		case 'k':
			opts.kind = optarg;
			break;
		case 'D':
			opts.divisions = optarg;
			break;
		case 'a':
			opts.as_of = optarg;
			break;
		case 'h':
			usage(stdout);
			return ANJU_EXIT_OK;
		case 'V':
			printf("anju-ingest %s\n", ANJU_VERSION);
			return ANJU_EXIT_OK;
		default:
			usage(stderr);
			return ANJU_EXIT_USAGE;
		}
	}
	if (dbpath == NULL || opts.kind == NULL || optind >= argc ||
	    (strcmp(opts.kind, "platform") != 0 &&
	     strcmp(opts.kind, "roster") != 0 &&
	     strcmp(opts.kind, "members") != 0)) {
		usage(stderr);
		return ANJU_EXIT_USAGE;
	}
	if (opts.as_of != NULL && !date_is_iso(opts.as_of)) {
		anju_msg(NULL, 0, "--as-of %s: expected YYYY-MM-DD",
		         opts.as_of);
		return ANJU_EXIT_USAGE;
	}
	rc = run(dbpath, &opts, argv + optind, argc - optind);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = rc ? rc : ANJU_EXIT_CANTCREAT;
	return rc;
}
