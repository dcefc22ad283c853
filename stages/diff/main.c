/* main.c - anju-diff: command line of the diff stage. */
#include "anju.h"
#include "diff.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: anju-diff --db WORKSPACE [--previous RUN_DIR_OR_DB] "
	        "[--out DIR]\n"
	        "                 [--as-of YYYY-MM-DD]\n"
	        "\n"
	        "Compare this run's findings with the previous run's and write "
	        "diff.csv:\n"
	        "one row per finding identity (code + household_id, or code + "
	        "head ID\n"
	        "for a platform record alone) with change new, resolved or "
	        "persisting,\n"
	        "first_seen and days_open. first_seen is kept in the workspace "
	        "(table\n"
	        "finding_history) and carried over from run to run. Without "
	        "--previous\n"
	        "(a first run) every finding is new. Run it after anju-verify "
	        "and before\n"
	        "anju-report, whose 变化 files read its result.\n"
	        "\n"
	        "  --db FILE         this run's workspace (anju.db)\n"
	        "  --previous PATH   the previous run's folder or its anju.db\n"
	        "  --out DIR         where diff.csv goes (default: the "
	        "workspace's folder)\n"
	        "  --as-of DATE      date of this run (default: the "
	        "workspace's as_of, else today)\n"
	        "  --help, --version\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"previous", required_argument, NULL, 'p'},
	    {"out", required_argument, NULL, 'o'},
	    {"as-of", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct diff_options opt = {0};
	int c;

	anju_set_progname("anju-diff");
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.db_path = optarg;
			break;
		case 'p':
			opt.previous = optarg;
			break;
		case 'o':
			opt.out_dir = optarg;
			break;
		case 'a':
			opt.as_of = optarg;
			break;
		case 'h':
			usage(stdout);
			return ANJU_EXIT_OK;
		case 'V':
			printf("anju-diff %s\n", ANJU_VERSION);
			return ANJU_EXIT_OK;
		default:
			usage(stderr);
			return ANJU_EXIT_USAGE;
		}
	}
	if (optind != argc || opt.db_path == NULL) {
		anju_msg(NULL, 0,
		         optind != argc ? "unexpected argument %s"
		                        : "--db is required%s",
		         optind != argc ? argv[optind] : "");
		usage(stderr);
		return ANJU_EXIT_USAGE;
	}
	return diff_run(&opt);
}
