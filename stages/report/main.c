/* main.c - anju-report: command line of the report stage. */
#include "anju.h"
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: anju-report --db WORKSPACE --out DIR [--no-mask] "
	        "[--deadline-days N]\n"
	        "                   [--rules FILE]\n"
	        "\n"
	        "Write summary.csv (one row a county), rejects.csv and one "
	        "pack per county\n"
	        "in DIR/counties/<county_code>/: 问题清单.csv (the county's "
	        "findings),\n"
	        "汇总.csv (households by status and verified rate per village "
	        "and township)\n"
	        "and 变化.csv (本期新增, 已整改, 未整改 and how many are past "
	        "the\n"
	        "rectification deadline, from anju-diff; run anju-diff first). "
	        "Packs are\n"
	        "UTF-8 with BOM for Excel, WPS and LibreOffice; no cell can "
	        "start a formula;\n"
	        "ID numbers are masked (210921********123X) unless --no-mask, "
	        "and digit-only\n"
	        "identifiers are written after a TAB so spreadsheets keep them "
	        "as text.\n"
	        "Built with libxlsxwriter, each pack also has 核验结果.xlsx: "
	        "the three tables\n"
	        "as sheets, every cell a string but the counts.\n"
	        "\n"
	        "  --db FILE           the run's workspace (anju.db)\n"
	        "  --out DIR           output folder (created if missing)\n"
	        "  --no-mask           full ID numbers (the city's own copy)\n"
	        "  --deadline-days N   rectification deadline in days "
	        "(default: rectify_days\n"
	        "                      in the rules file, else 15)\n"
	        "  --rules FILE        rules file (default: "
	        "DATADIR/schemas/rules.conf)\n"
	        "  --help, --version\n");
}

/* A whole non-negative number of days, or -1. */
static long
parse_days(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 36500)
		return -1;
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"out", required_argument, NULL, 'o'},
	    {"no-mask", no_argument, NULL, 'n'},
	    {"deadline-days", required_argument, NULL, 'D'},
	    {"rules", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct report_options opt = {.deadline_days = -1};
	int c;

	anju_set_progname("anju-report");
	/* One thread, one connection: SQLite's mutexes would only cost a
	 * lock and unlock on every call, millions of them on a big run. Must
	 * precede the first sqlite3 call; harmless if it comes too late. */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.db_path = optarg;
			break;
		case 'o':
			opt.out_dir = optarg;
			break;
		case 'n':
			opt.no_mask = true;
			break;
		case 'D':
			if ((opt.deadline_days = parse_days(optarg)) < 0) {
				anju_msg(NULL, 0,
				         "--deadline-days %s: not a number "
				         "of days",
				         optarg);
				return ANJU_EXIT_USAGE;
			}
			break;
		case 'r':
			opt.rules = optarg;
			break;
		case 'h':
			usage(stdout);
			return ANJU_EXIT_OK;
		case 'V':
			printf("anju-report %s\n", ANJU_VERSION);
			return ANJU_EXIT_OK;
		default:
			usage(stderr);
			return ANJU_EXIT_USAGE;
		}
	}
	if (optind != argc || opt.db_path == NULL || opt.out_dir == NULL) {
		if (optind != argc)
			anju_msg(NULL, 0, "unexpected argument %s",
			         argv[optind]);
		else
			anju_msg(NULL, 0, "--db and --out are required");
		usage(stderr);
		return ANJU_EXIT_USAGE;
	}
	return report_run(&opt);
}
