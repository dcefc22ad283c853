/*
 * anju-run - run the whole pipeline: on explicit files, or nightly from an
 * inbox into a folder of dated runs. See usage() and README.md ("Running anju
 * every night").
 */
#include "run.h"

#include "anju.h"
#include "dates.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
synopsis(FILE *f)
{
	fputs("usage: anju-run --platform FILE... --roster FILE... "
	      "[--members FILE...]\n"
	      "                [--divisions FILE] [--previous RUN_DIR] "
	      "[--as-of YYYY-MM-DD] --out DIR\n"
	      "       anju-run --inbox DIR --runs DIR [--keep N] "
	      "[--divisions FILE] [--as-of YYYY-MM-DD]\n",
	      f);
}

static void
usage(FILE *f)
{
	synopsis(f);
	fputs(
	    "\n"
	    "Run every stage (ingest, match, verify, diff, report) and "
	    "publish\n"
	    "the run folder only when all of them succeeded.\n"
	    "\n"
	    "Explicit mode:\n"
	    "  --platform FILE...  platform exports (several: repeat the "
	    "option or\n"
	    "                      list the files after it; after --, "
	    "every\n"
	    "                      argument is a file, even -x.csv)\n"
	    "  --roster FILE...    roster exports\n"
	    "  --members FILE...   roster members exports (optional)\n"
	    "  --previous RUN_DIR  an earlier run to compare with (diff.csv)\n"
	    "  --out DIR           the run folder; must not exist or be empty\n"
	    "Nightly mode:\n"
	    "  --inbox DIR         where exports land; the newest version of "
	    "each\n"
	    "                      platform*, roster*, members* file is used\n"
	    "  --runs DIR          runs/YYYY-MM-DD[-N], runs/latest, "
	    "runs/.lock\n"
	    "  --keep N            dated runs to keep (default 30)\n"
	    "Both:\n"
	    "  --divisions FILE    division table instead of the shipped one\n"
	    "  --as-of DATE        date the rules are measured at "
	    "(default today)\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "Exit: 0 done, 64 usage, 65 input data unusable, 66 input "
	    "missing,\n"
	    "70 internal error or interrupted, 73 cannot write, 75 another "
	    "run\n"
	    "holds the lock. A failing stage's own code is passed on.\n",
	    f);
}

enum {
	OPT_PLATFORM = 256,
	OPT_ROSTER,
	OPT_MEMBERS,
	OPT_DIVISIONS,
	OPT_PREVIOUS,
	OPT_AS_OF,
	OPT_OUT,
	OPT_INBOX,
	OPT_RUNS,
	OPT_KEEP
};

static const struct option long_options[] = {
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"roster", required_argument, NULL, OPT_ROSTER},
    {"members", required_argument, NULL, OPT_MEMBERS},
    {"divisions", required_argument, NULL, OPT_DIVISIONS},
    {"previous", required_argument, NULL, OPT_PREVIOUS},
    {"as-of", required_argument, NULL, OPT_AS_OF},
    {"out", required_argument, NULL, OPT_OUT},
    {"inbox", required_argument, NULL, OPT_INBOX},
    {"runs", required_argument, NULL, OPT_RUNS},
    {"keep", required_argument, NULL, OPT_KEEP},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Store a single-valued option, refusing a second one. */
static int
set_once(const char **slot, const char *value, const char *name)
{
	if (*slot != NULL) {
		anju_msg(NULL, 0, "--%s given twice", name);
		return -1;
	}
	*slot = value;
	return 0;
}

/* Checks that need the whole command line. */
static int
check_options(const struct run_options *o)
{
	bool nightly = o->inbox != NULL || o->runs != NULL;
	bool explicit = o->out != NULL || o->platform.n || o->roster.n ||
	                o->members.n || o->previous != NULL;

	if (nightly && explicit) {
		anju_msg(NULL, 0,
		         "--inbox/--runs (nightly) cannot be mixed "
		         "with --out and input files (explicit)");
		return -1;
	}
	if (nightly && (o->inbox == NULL || o->runs == NULL)) {
		anju_msg(NULL, 0, "nightly mode needs both --inbox and --runs");
		return -1;
	}
	if (!nightly && (o->out == NULL || !o->platform.n || !o->roster.n)) {
		anju_msg(NULL, 0,
		         "need --platform FILE, --roster FILE and --out DIR "
		         "(or --inbox DIR --runs DIR)");
		return -1;
	}
	if (o->as_of != NULL && !date_is_iso(o->as_of)) {
		anju_msg(NULL, 0, "--as-of %s: not a date (YYYY-MM-DD)",
		         o->as_of);
		return -1;
	}
	return 0;
}

static int
parse_keep(const char *s, long *keep)
{
	char *end;

	*keep = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *keep < 1 || *keep > 100000) {
		anju_msg(NULL, 0, "--keep %s: not a number of runs (1 or more)",
		         s);
		return -1;
	}
	return 0;
}

/* A file for the list option last given (--platform, --roster ...). */
static int
add_file(struct run_list *current, const char *file)
{
	if (current == NULL) {
		anju_msg(NULL, 0,
		         "%s: a file must follow --platform, "
		         "--roster or --members",
		         file);
		return -1;
	}
	if (run_list_add(current, file) != 0) {
		anju_msg(NULL, 0, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Parse ARGV into O. Returns 0 to go on, or the exit code: 0 with *DONE
 * after --help/--version, ANJU_EXIT_USAGE on a bad command line.
 */
static int
parse(int argc, char **argv, struct run_options *o, bool *done)
{
	struct run_list *current = NULL;
	int c, bad = 0;
	bool rest = false;

	/* "-" first: bare arguments come back in order as option 1, so a
	 * file list keeps its option. */
	opterr = 0; /* our own messages, with our own prefix */
	while (!bad && !rest &&
	       (c = getopt_long(argc, argv, "-hV", long_options, NULL)) != -1) {
		switch (c) {
		case 1:
			bad = add_file(current, optarg);
			break;
		case OPT_PLATFORM:
		case OPT_ROSTER:
		case OPT_MEMBERS:
			current = c == OPT_PLATFORM ? &o->platform
			          : c == OPT_ROSTER ? &o->roster
			                            : &o->members;
			/* "--platform -- -x.csv": getopt hands us the "--"
			 * as the argument; what follows is all files. */
			if (strcmp(optarg, "--") == 0)
				rest = true;
			else
				bad = add_file(current, optarg);
			break;
		case OPT_DIVISIONS:
			bad = set_once(&o->divisions, optarg, "divisions");
			break;
		case OPT_PREVIOUS:
			bad = set_once(&o->previous, optarg, "previous");
			break;
		case OPT_AS_OF:
			bad = set_once(&o->as_of, optarg, "as-of");
			break;
		case OPT_OUT:
			bad = set_once(&o->out, optarg, "out");
			break;
		case OPT_INBOX:
			bad = set_once(&o->inbox, optarg, "inbox");
			break;
		case OPT_RUNS:
			bad = set_once(&o->runs, optarg, "runs");
			break;
		case OPT_KEEP:
			bad = parse_keep(optarg, &o->keep);
			break;
		case 'h':
			usage(stdout);
			*done = true;
			return 0;
		case 'V':
			printf("anju-run %s\n", ANJU_VERSION);
			*done = true;
			return 0;
		default:
			anju_msg(NULL, 0,
			         "%s: unknown option or missing argument",
			         argv[optind - 1]);
			bad = 1;
		}
	}
	/* After "--": more files for the list option last given. */
	for (; !bad && optind < argc; optind++)
		bad = add_file(current, argv[optind]);
	if (bad || check_options(o) != 0) {
		synopsis(stderr);
		fputs("(anju-run --help for more)\n", stderr);
		return ANJU_EXIT_USAGE;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct run_options o = {.keep = RUN_KEEP_DEFAULT};
	bool done = false;
	int rc;

	anju_set_progname("anju-run");
	rc = parse(argc, argv, &o, &done);
	if (rc == 0 && !done)
		rc = o.inbox != NULL ? run_nightly(&o) : run_explicit(&o);
	run_list_free(&o.platform);
	run_list_free(&o.roster);
	run_list_free(&o.members);
	return rc;
}
