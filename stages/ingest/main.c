/*
 * anju-ingest - normalise exports into the run's workspace.
 *
 *   anju-ingest --db WORKSPACE --kind platform|roster|members
 *               [--divisions FILE] [--as-of YYYY-MM-DD] FILE...
 *               [--kind KIND FILE...]...
 */
#include "anju.h"
#include "dates.h"
#include "db.h"
#include "ingest.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: anju-ingest --db WORKSPACE [--divisions FILE] "
	    "[--as-of YYYY-MM-DD]\n"
	    "                   --kind platform|roster|members FILE...\n"
	    "                   [--kind KIND FILE...]... [-- FILE...]\n"
	    "Normalise exports into the workspace and print, per file, rows\n"
	    "read = rows kept + rows rejected. Re-ingesting a file replaces\n"
	    "its earlier rows. A file is of the kind named last before it\n"
	    "(the first --kind for files before any; files after -- are of\n"
	    "the last); several kinds in one call are ingested in the order\n"
	    "given, in one transaction.\n");
}

/* Check every input before touching the workspace, so a missing file
 * never leaves a half-made workspace behind. */
static int
check_inputs(const struct ingest_input *inputs, size_t n)
{
	struct stat sb;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *path = inputs[i].path;

		if (stat(path, &sb) != 0) {
			anju_msg(path, 0, "no such file");
			return ANJU_EXIT_NOINPUT;
		}
		if (S_ISDIR(sb.st_mode)) {
			anju_msg(path, 0, "is a directory, not an export");
			return ANJU_EXIT_NOINPUT;
		}
	}
	return 0;
}

/* A --kind with no file after it: a forgotten file list, not nothing to
 * do. */
static int
no_files(const char *kind)
{
	anju_msg(NULL, 0, "--kind %s: no file follows it", kind);
	return ANJU_EXIT_USAGE;
}

/* The kind named by S, as a static string, or NULL. */
static const char *
kind_named(const char *s)
{
	static const char *const kinds[] = {"platform", "roster", "members"};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i]) == 0)
			return kinds[i];
	return NULL;
}

static int
run(const char *dbpath, const struct ingest_opts *opts,
    const struct ingest_input *inputs, size_t n)
{
	struct ingest *in = NULL;
	sqlite3 *db = NULL;
	char err[512];
	int rc;

	if ((rc = check_inputs(inputs, n)) != 0)
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
	rc = ingest_files(in, inputs, n);
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
	struct ingest_input *inputs;
	const char *dbpath = NULL, *kind = NULL, *first_kind = NULL;
	size_t n = 0, i, since_kind = 0; /* files since the last --kind */
	int ch, rc;

	anju_set_progname("anju-ingest");
	/* at most one input an argument */
	if ((inputs = calloc((size_t)argc, sizeof(*inputs))) == NULL) {
		anju_msg(NULL, 0, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	/* The leading '-': files come back in place (as ch 1), so each one
	 * takes the --kind named before it. */
	while ((ch = getopt_long(argc, argv, "-d:k:D:a:hV", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 1:
			inputs[n].path = optarg;
			inputs[n++].kind = kind;
			since_kind++;
			break;
		case 'd':
			dbpath = optarg;
			break;
		case 'k':
			if (kind != NULL && since_kind == 0) {
				rc = no_files(kind);
				goto out;
			}
			/* files before the first --kind are of that kind */
			if (kind != NULL)
				since_kind = 0;
			if ((kind = kind_named(optarg)) == NULL) {
				anju_msg(NULL, 0,
				         "--kind %s: expected platform, roster "
				         "or members",
				         optarg);
				rc = ANJU_EXIT_USAGE;
				goto out;
			}
			if (first_kind == NULL)
				first_kind = kind;
			break;
		case 'D':
			opts.divisions = optarg;
			break;
		case 'a':
			opts.as_of = optarg;
			break;
		case 'h':
			usage(stdout);
			rc = ANJU_EXIT_OK;
			goto out;
		case 'V':
			printf("anju-ingest %s\n", ANJU_VERSION);
			rc = ANJU_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			rc = ANJU_EXIT_USAGE;
			goto out;
		}
	}
	/* after "--": files all */
	for (; optind < argc; optind++, since_kind++) {
		inputs[n].path = argv[optind];
		inputs[n++].kind = kind;
	}
	if (kind != NULL && since_kind == 0) {
		rc = no_files(kind);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (inputs[i].kind == NULL)
			inputs[i].kind = first_kind;
	if (dbpath == NULL || first_kind == NULL || n == 0) {
		usage(stderr);
		rc = ANJU_EXIT_USAGE;
		goto out;
	}
	if (opts.as_of != NULL && !date_is_iso(opts.as_of)) {
		anju_msg(NULL, 0, "--as-of %s: expected YYYY-MM-DD",
		         opts.as_of);
		rc = ANJU_EXIT_USAGE;
		goto out;
	}
	rc = run(dbpath, &opts, inputs, n);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = rc ? rc : ANJU_EXIT_CANTCREAT;
out:
	free(inputs);
	return rc;
}
