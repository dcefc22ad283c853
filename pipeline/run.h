/*
 * run.h - anju-run, the driver that runs every stage and publishes a run.
 *
 * The pure parts (run folder names, which runs to prune, which inbox files
 * to take) are separate functions so the unit tests can reach them without
 * a file system; the rest runs the stage executables and moves folders.
 */
#ifndef ANJU_RUN_H
#define ANJU_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* A growable list of malloc'd strings. */
struct run_list {
	char **v;
	size_t n, cap;
};

/* Append a copy of S. Returns 0, or -1 on ENOMEM. */
int run_list_add(struct run_list *l, const char *s);

/* Free every string and the array; the list is empty afterwards. */
void run_list_free(struct run_list *l);

/* What the command line asked for. Strings point into argv. */
struct run_options {
	struct run_list platform, roster, members; /* explicit mode */
	const char *divisions;                     /* NULL: shipped table */
	const char *previous;                      /* explicit --previous */
	const char *as_of;                         /* NULL: today */
	const char *out;                           /* explicit mode */
	const char *inbox, *runs;                  /* nightly mode */
	long keep;                                 /* nightly: runs kept */
};

/* Default number of dated runs nightly mode keeps. */
#define RUN_KEEP_DEFAULT 30

/*
 * Run every stage on explicit files and publish the run as OPT->out.
 * Returns an enum anju_exit value (a failing stage's own code).
 */
int run_explicit(const struct run_options *opt);

/*
 * Nightly mode: lock OPT->runs, take the newest exports from OPT->inbox,
 * run every stage, publish runs/YYYY-MM-DD[-N], move runs/latest and
 * prune. Returns an enum anju_exit value.
 */
int run_nightly(const struct run_options *opt);

/* --- run folders (rundir.c) ------------------------------------------ */

/*
 * True when NAME is a dated run folder: YYYY-MM-DD, or YYYY-MM-DD-N with
 * N >= 2 for a later run the same day. On true, *SEQ (if not NULL) is 1
 * for the plain name and N otherwise.
 */
bool run_dir_is_dated(const char *name, unsigned *seq);

/*
 * Name for a new run on DATE given the N names already in the runs
 * folder: DATE when free, else DATE-2, DATE-3 ... (the first free one
 * after the highest taken). Writes into OUT (OUTLEN bytes, at least 22).
 * Returns 0, or -1 when OUT is too small.
 */
int run_dir_name(const char *date, char *const *names, size_t n, char *out,
                 size_t outlen);

/*
 * Which dated runs to delete so that the KEEP newest remain (newest by
 * date, then by suffix). PROTECT (may be NULL) names a run that is never
 * chosen, e.g. the one latest points to. Names that are not dated runs
 * are never chosen. Writes the indexes into NAMES to VICTIMS (room for N)
 * and returns how many.
 */
/*
 * The newest dated run among NAMES (by date, then suffix) dated before
 * BEFORE (YYYY-MM-DD; NULL: any date). Returns its index, or -1.
 */
long run_newest(char *const *names, size_t n, const char *before);

size_t run_prune_choose(char *const *names, size_t n, size_t keep,
                        const char *protect, size_t *victims);

/*
 * Remove the tree at PATH (not following symlinks). Returns 0 or -1 with
 * errno set.
 */
int run_remove_tree(const char *path);

/*
 * Remove every folder in DIR whose name starts with PREFIX and that no
 * live run holds (run temp folders are flock()ed by their owner while it
 * lives), saying so; one that cannot be removed (another user's) is named
 * with the reason, every time. Returns how many were removed.
 */
int run_remove_leftovers(const char *dir, const char *prefix);

/*
 * Make DIR/PREFIXXXXXXX, lock it for the life of the process and return
 * its path (malloc'd, caller frees) and the lock's descriptor in *FD.
 * Returns NULL with errno set on failure.
 */
char *run_make_temp(const char *dir, const char *prefix, int *fd);

/*
 * Take the nightly lock RUNS/.lock (flock, non-blocking) and write our pid
 * in it. Returns 0 and the descriptor in *FD (kept open for the run),
 * ANJU_EXIT_TEMPFAIL when another run holds it (message names its pid),
 * ANJU_EXIT_CANTCREAT when the lock file cannot be created.
 */
int run_lock(const char *runs, int *fd);

/* Make renames in DIR durable (fsync the folder). Best effort: not every
 * file system can. */
void run_sync_dir(const char *dir);

/*
 * Point DIR/latest at NAME atomically: a symlink made under a temporary
 * name and rename(2)d over latest. Returns 0 or -1 with errno set.
 */
int run_point_latest(const char *dir, const char *name);

/* --- inbox (inbox.c) -------------------------------------------------- */

enum inbox_kind {
	INBOX_NONE = -1,
	INBOX_PLATFORM,
	INBOX_ROSTER,
	INBOX_MEMBERS
};
#define INBOX_KINDS 3

/* One file seen in the inbox. */
struct inbox_entry {
	const char *name;
	struct timespec mtime;
	/* What its header row says it is, for a name that does not: 0 not
	 * known, else enum inbox_kind + 1 (so a zeroed entry knows nothing);
	 * minus errno for a file that looks like an export and cannot be
	 * opened (inbox_scan() then fails). */
	int by_header;
};

/*
 * Which source the export at PATH is, by its header row: the kind whose
 * header aliases (schemas/headers.tsv) name the most of its columns, with
 * every required column present. A members export and a person-level
 * roster share their person columns: the roster has place or poverty
 * columns too. Returns INBOX_NONE for a file that is no export (or cannot
 * be read); never prints.
 */
enum inbox_kind inbox_sniff(const char *path);

/*
 * Which source the file NAME is an export of, by its name: platform*,
 * 危房*, 农户档案*, 住房安全* are platform; roster*, 花名册*, 建档立卡*
 * roster; members*, 家庭成员* members (letters in any case), ending in
 * .csv, .tsv or .txt. Hidden and lock files (., ~$) are INBOX_NONE, and
 * so is any other name (inbox_select() then uses its by_header kind).
 * SERIES (SERIESLEN bytes) receives what tells one export of the source
 * from another: the rest of the name with the extension, date stamps
 * (20201102, 2020-11-02 ...), copy marks ((1), 副本, copy) and separators
 * removed, lower-cased. Two files of one series are two versions of the
 * same export, e.g. one county's file sent again.
 */
enum inbox_kind inbox_classify(const char *name, char *series,
                               size_t serieslen);

/*
 * Choose, for each source, the newest file of each series among the N
 * ENTRIES: newest by modification time, then by name. CHOSEN[k] gets the
 * names chosen for kind k sorted by name; SUPERSEDED and IGNORED (may be
 * NULL) get the older versions and the files of no source. Returns 0, -1
 * on ENOMEM. The caller frees the lists.
 */
int inbox_select(const struct inbox_entry *entries, size_t n,
                 struct run_list chosen[INBOX_KINDS],
                 struct run_list *superseded, struct run_list *ignored);

/*
 * Read the folder DIR and select as inbox_select() does; chosen names are
 * returned as DIR/NAME paths, the others as bare names. Only regular
 * files (or symlinks to them) count. Returns 0, ANJU_EXIT_NOINPUT when
 * DIR cannot be read (with a message), ANJU_EXIT_SOFTWARE on ENOMEM. The
 * caller frees the lists, whatever the result.
 */
int inbox_scan(const char *dir, struct run_list chosen[INBOX_KINDS],
               struct run_list *superseded, struct run_list *ignored);

/* Name of kind K as the stages spell it ("platform" ...). */
const char *inbox_kind_name(enum inbox_kind k);

/* --- manifest (manifest.c) -------------------------------------------- */

/* One stage as it ran. */
struct run_stage {
	char name[32]; /* "ingest", "match" ... */
	double seconds;
	int exit;
};

/* What the manifest says besides what it reads from the workspace. */
struct run_facts {
	const char *mode; /* "explicit" or "nightly" */
	const char *as_of;
	const char *run_name; /* published name, NULL in explicit mode */
	const char *previous; /* previous run compared with, or NULL */
	time_t started, finished;
	const struct run_stage *stages;
	size_t nstages;
	const struct run_list *superseded, *ignored; /* may be NULL */
	int exit_status;
};

/*
 * Write DIR/manifest.json (SPEC 7) from FACTS and the workspace DB (opened
 * read-only): inputs with sha256 and row accounting, counts by status and
 * by finding code. Written to a temporary file and renamed into place.
 * Returns 0, ANJU_EXIT_CANTCREAT when it cannot be written,
 * ANJU_EXIT_SOFTWARE when the workspace cannot be read.
 */
int manifest_write(const char *dir, const char *db,
                   const struct run_facts *facts);

/* True when the published run in RUN_DIR was compared with an earlier
 * run (its manifest.json's "previous" is set). */
bool manifest_had_previous(const char *run_dir);

#endif
