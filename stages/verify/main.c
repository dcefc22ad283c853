/* anju-verify - housing-safety status and V-findings (SPEC 5-7). */
#include "anju.h"
#include "db.h"
#include "verify.h"

#include <getopt.h>
#include <sqlite3.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
usage(FILE *f)
{
	fputs("usage: anju-verify --db WORKSPACE [--as-of YYYY-MM-DD] "
	      "[--rules FILE] [--out DIR]\n"
	      "       anju-verify --help | --version\n"
	      "Decide each roster household's housing-safety status, record "
	      "the V-findings\nand write findings.csv and households.csv "
	      "(default: next to WORKSPACE).\n",
	      f);
}

/* Shipped rules first, then the user's file over them. */
static int
load_rules(const char *user, struct anju_rules *r)
{
	char path[4096];
	int rc;

	rules_default(r);
	snprintf(path, sizeof(path), "%s/schemas/rules.conf", anju_datadir());
	if (access(path, F_OK) == 0 && (rc = rules_load(path, r)) != 0)
		return rc;
	return user != NULL ? rules_load(user, r) : 0;
}

struct args {
	const char *db, *as_of, *rules, *out;
};

/* Parse the command line; returns -1 to go on, else an exit code. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"rules", required_argument, NULL, 'r'},
	    {"out", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->db = optarg;
			break;
		case 'a':
			a->as_of = optarg;
			break;
		case 'r':
			a->rules = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			usage(stdout);
			return ANJU_EXIT_OK;
		case 'V':
			printf("anju-verify %s\n", ANJU_VERSION);
			return ANJU_EXIT_OK;
		default:
			usage(stderr);
			return ANJU_EXIT_USAGE;
		}
	}
	if (a->db == NULL || optind != argc) {
		usage(stderr);
		return ANJU_EXIT_USAGE;
	}
	return -1;
}

static int
run(const struct args *a, const struct anju_rules *rules)
{
	char err[512], as_of[11], dir[4096];
	struct verify_stats st;
	sqlite3 *db = NULL;
	int rc;

	if ((rc = db_open(a->db, &db, err, sizeof(err))) != 0) {
		anju_msg(a->db, 0, "%s", err);
		return rc;
	}
	if (verify_as_of(db, a->as_of, as_of) != 0) {
		anju_msg(NULL, 0, "--as-of %s: not a date YYYY-MM-DD",
		         a->as_of);
		rc = ANJU_EXIT_USAGE;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", a->db);
	rc = verify_run_write(db, rules, as_of, &st,
	                      a->out != NULL ? a->out : dirname(dir));
	/* A summary for an analyst at a terminal; quiet under cron. */
	if (rc == 0 && isatty(STDERR_FILENO))
		fprintf(stderr,
		        "anju-verify: as of %s, %ld households: %ld 鉴定安全, "
		        "%ld 改造安全, %ld 保障安全, %ld 改造中, %ld 未保障, "
		        "%ld 无记录, %ld 待核实; %ld findings\n",
		        as_of, st.households, st.by_status[0], st.by_status[1],
		        st.by_status[2], st.by_status[3], st.by_status[4],
		        st.by_status[5], st.by_status[6], st.findings);
out:
	sqlite3_close(db);
	return rc;
}

int
main(int argc, char **argv)
{
	struct anju_rules rules;
	struct args a = {NULL, NULL, NULL, NULL};
	struct stat sb;
	int rc;

	anju_set_progname("anju-verify");
	/* One thread, one connection: SQLite's mutexes would only cost a
	 * lock and unlock on every call, millions of them on a big run. Must
	 * precede the first sqlite3 call; harmless if it comes too late. */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	/* db_open() would create a missing file: a stage needs ingest's. */
	if (stat(a.db, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		anju_msg(a.db, 0, "%s",
		         stat(a.db, &sb) != 0
		             ? "no such workspace"
		             : "workspace is not a regular file");
		return ANJU_EXIT_NOINPUT;
	}
	if (a.out != NULL && (stat(a.out, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
		anju_msg(a.out, 0, "output directory does not exist");
		return ANJU_EXIT_CANTCREAT;
	}
	if ((rc = load_rules(a.rules, &rules)) != 0)
		return rc;
	return run(&a, &rules);
}
