/* anju-match - match roster households to platform records (SPEC 4). */
#include "anju.h"
#include "dates.h"
#include "db.h"
#include "match.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
usage(FILE *f)
{
	fputs("usage: anju-match --db WORKSPACE [--as-of YYYY-MM-DD]\n"
	      "       anju-match --help | --version\n"
	      "Match each roster household to its platform records and "
	      "record the M-findings.\n",
	      f);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *dbpath = NULL, *as_of = NULL;
	struct match_stats st;
	struct stat sb;
	sqlite3 *db = NULL;
	char err[512];
	int c, rc;

	anju_set_progname("anju-match");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dbpath = optarg;
			break;
		case 'a':
			as_of = optarg;
			break;
		case 'h':
			usage(stdout);
			return ANJU_EXIT_OK;
		case 'V':
			printf("anju-match %s\n", ANJU_VERSION);
			return ANJU_EXIT_OK;
		default:
			usage(stderr);
			return ANJU_EXIT_USAGE;
		}
	}
	if (dbpath == NULL || optind != argc) {
		usage(stderr);
		return ANJU_EXIT_USAGE;
	}
	if (as_of != NULL && !date_is_iso(as_of)) {
		anju_msg(NULL, 0, "--as-of %s: not a date YYYY-MM-DD", as_of);
		return ANJU_EXIT_USAGE;
	}
	/* db_open() would create a missing file: a stage needs ingest's. */
	if (stat(dbpath, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		anju_msg(dbpath, 0, "%s",
		         stat(dbpath, &sb) != 0
		             ? "no such workspace"
		             : "workspace is not a regular file");
		return ANJU_EXIT_NOINPUT;
	}
	if ((rc = db_open(dbpath, &db, err, sizeof(err))) != 0) {
		anju_msg(dbpath, 0, "%s", err);
		return rc;
	}
	rc = match_run(db, as_of, &st);
	/* A summary for an analyst at a terminal; quiet under cron. */
	if (rc == 0 && isatty(STDERR_FILENO))
		fprintf(stderr,
		        "anju-match: %ld households, %ld records: %ld by ID, "
		        "%ld by member, %ld by repair, %ld to review, %ld "
		        "without record\n",
		        st.households, st.records, st.by_id, st.by_member,
		        st.by_repair, st.review, st.unmatched_households);
	sqlite3_close(db);
	return rc;
}
