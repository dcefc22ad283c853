/*
 * ingest_impl.h - what the parts of anju-ingest share: the ingest state
 * and the functions one part calls in another.
 *
 *   ingest.c    files, accounting, setup: the public API of ingest.h
 *   normalise.c the reader threads: rows -> normalised, ready-to-bind ops
 *   store.c     the writer: ops -> the workspace, with their findings
 *   finish.c    after the last file: D09 and the household checks
 */
#ifndef ANJU_INGEST_IMPL_H
#define ANJU_INGEST_IMPL_H

#include "ingest.h"

#include "anju.h"
#include "batch.h"
#include "csvin.h"
#include "dates.h"
#include "db.h"
#include "divisions.h"
#include "headers.h"
#include "idcard.h"
#include "text.h"
#include "values.h"

#include <limits.h>
#include <stdint.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FCACHE     128 /* field_index() slots, a power of two */
#define OP_KINDS   3   /* row kinds: OP_PLATFORM, OP_ROSTER, OP_MEMBER */
#define MULTI_ROWS 32  /* rows per multi-row INSERT */

struct file_stats {
	char encoding[32]; /* as guessed by the end of the file */
	size_t read, kept, rejected;
	/* a later file of this call replaced it: its name, and whether it
	 * was the same path (else the same content) */
	const char *replaced_by;
	bool same_path;
};

/*
 * One input file of the invocation. The reader opens it and fills in what
 * the writer needs before it hands over the batch that needs it: the
 * input_files values before the file's first batch, the sha256 and the
 * accounting before its last. The writer only reads it.
 */
struct input_file {
	const char *path;      /* as given */
	const char *kind;      /* "platform", "roster" or "members" */
	const char *name;      /* base name, for "source" */
	sqlite3_int64 file_id; /* assigned before the reader starts */
	char real[PATH_MAX];   /* real path, for replacing an earlier ingest */
	const char *layout;    /* roster: "person" or "household"; else NULL */
	char encoding[32];     /* as guessed when the header was found */
	char delimiter[2];
	size_t header_line;
	char sha256[65];
	struct file_stats stats; /* its accounting */
	/* a whole-file problem the reader found: exit code, line, message */
	int rc;
	size_t err_line;
	char err[512];
};

/*
 * Memo of value_lookup() for one enum field: an export has a handful of
 * distinct spellings per column, and a lookup costs a text_key() and a
 * formatted key. Bounded: past MEMO_MAX spellings the map is asked.
 */
#define MEMO_FIELDS 24
#define MEMO_SLOTS  64 /* a power of two */
#define MEMO_MAX    48
struct enum_memo {
	const char *field; /* the literal name, compared by address */
	size_t n;
	struct {
		char *raw; /* NULL: free slot */
		const char *value;
		bool empty;
	} slot[MEMO_SLOTS];
};

/* A row's hash and key, for finding duplicates (finish.c). */
struct hash_key {
	sqlite3_int64 hash, key;
};
struct hash_keys {
	struct hash_key *v;
	size_t n, cap;
};

#define READERS_MAX 4 /* reader threads at most */

/*
 * A reader thread's own state. Readers take turns over the files (reader
 * r reads files r, r + nreaders, ...): each file is read by one reader
 * alone, and the writer stores the files in order, taking each file's
 * batches from its reader's queue. Everything here belongs to the reader
 * except ho (shared with the writer under its mutex) and ended (the
 * writer's).
 */
struct reader {
	const struct ingest *in; /* read-only while readers run */
	struct divisions *div;   /* its own handle */
	bool own_div;            /* div is a clone this reader closes */
	size_t first, step;      /* the files it reads */
	struct handoff ho;       /* its batches, to the writer */
	bool ended;              /* the writer has taken its final batch */

	/* the file it reads and its header */
	const char *kind; /* the file's kind, also as flags: */
	bool platform, members;
	const struct header_kind *hk; /* header kind of the current file */
	int col[HEADERS_MAX_FIELDS];
	const char *file_name;
	sqlite3_int64 file_id;
	bool person; /* the file is a person-level roster */
	struct csvin *csv;
	struct file_stats *fs; /* the current file's accounting */
	struct batch *cur;     /* the batch being filled */
	bool oom;              /* an arena allocation of this row failed */
	/* field name -> index in hk, memoised by the name's address (rows
	 * ask for the same literal names millions of times), direct-mapped:
	 * a collision only costs a headers_field() call. */
	struct {
		const char *name;
		int index;
	} fcache[FCACHE];
	/* per field of hk: where its normalised value is bound, for the
	 * row hash ([0] platform or roster household, [1] person) */
	signed char hslot[2][HEADERS_MAX_FIELDS];
	/* safety_means -> category, by the canonical value's address */
	struct {
		const char *means, *category;
	} catcache[8];
	struct enum_memo memo[MEMO_FIELDS];
	size_t nmemo;
	/* cleaned values of the current row, in the current batch's arena,
	 * and their lengths */
	const char *fields[HEADERS_MAX_FIELDS];
	size_t flen[HEADERS_MAX_FIELDS];
};

struct ingest {
	sqlite3 *db;
	struct header_table headers;
	struct value_map *values;
	struct divisions *div;
	char as_of[11];

	/* The invocation's files, set up before the readers start. */
	struct input_file *files;
	size_t nfiles;
	struct reader rd[READERS_MAX];
	size_t nreaders;

	/* The writer's own. */
	const char *kind;    /* of the files being stored and finished */
	size_t person_files; /* person-level roster files (ingest_finish) */
	const struct input_file *wfile; /* the file being stored */
	size_t rows_stored;             /* input rows, for progress */
	char store_err[256];            /* why a row could not be stored */
	sqlite3_stmt *ins_file, *upd_file, *del_old, *ins_reject;
	sqlite3_stmt *ins_finding;
	/* per row kind (enum op_kind - OP_PLATFORM) and row count n: the
	 * INSERT of n rows, prepared on first use (1 and MULTI_ROWS at
	 * once) */
	sqlite3_stmt *ins_rows[OP_KINDS][MULTI_ROWS + 1];

	/*
	 * Every row this run of one kind stored, per row kind: (row hash, key),
	 * and for roster households (户编号 hash, key). When a table held no
	 * rows before and nothing was replaced, these are all its rows and
	 * finish.c need not read the table back. keys_lost: an append ran
	 * out of memory, so finish.c reads the tables.
	 */
	struct hash_keys stored[OP_KINDS], stored_ids;
	bool rows_before[OP_KINDS], replaced, keys_lost;

	/*
	 * Person-level rosters: the run of consecutive rows of one 户编号
	 * being stored, and whether one of them was its 户主 row. A run
	 * without one names its 户编号 in temp.headless_candidates, so
	 * finish.c looks for households without a 户主 row among those
	 * only, not among every person.
	 */
	char *run_id;
	size_t run_cap;
	bool run_open, run_head;
	sqlite3_stmt *ins_candidate;

	size_t nstats; /* files stored (their accounting printed) */
};

/*
 * Read the open rd->csv to the end, turning each row into operations in
 * batches handed over through rd->ho; the file's last batch stays in
 * rd->cur for the caller to mark and hand over. Returns 0, or -1 after a
 * read error (left in F) or when the writer gave up (*ABORT).
 */
int ingest_read_rows(struct reader *rd, struct input_file *f, bool *abort);

/* Find, for each field of the reader's header kind, where its normalised
 * value is bound (rd->hslot), for the row hash. After rd->hk is set. */
void ingest_hash_slots(struct reader *rd);

/* Free the reader's enum memo. */
void ingest_memo_free(struct reader *rd);

/*
 * The writer: store every batch the reader hands over, until its final
 * one, each file's input_files row before its rows and its accounting
 * after them. Returns 0, the exit code of a whole-file problem the reader
 * found, or ANJU_EXIT_CANTCREAT (message printed as FILE:LINE).
 */
int ingest_store_files(struct ingest *in);

/* Writer: tell the first N readers to stop and take their batches,
 * unstored, until each one's final batch. */
void ingest_stop_readers(struct ingest *in, size_t n);

/*
 * Writer, before the first file of a run of files of KIND: start its
 * notes afresh, as a call of that kind alone would. Whether each table
 * already has rows decides whether ingest_finish() can trust the notes or
 * reads the table back: an earlier run's finish step may have changed it.
 * Returns 0 or ANJU_EXIT_SOFTWARE (message printed).
 */
int ingest_kind_start(struct ingest *in, const char *kind);

/*
 * Writer, after the last file of a run of files of kind in->kind: mark
 * exact duplicate rows within the source (D09), households sharing a
 * 户编号 (D08), and derive household sizes of person-level rosters (all
 * the workspace's, not only this call's). Returns 0 or
 * ANJU_EXIT_SOFTWARE (message printed).
 */
int ingest_finish(struct ingest *in);

/*
 * Writer, after storing B (a batch of a person-level roster): note the
 * runs of rows of one 户编号 that had no 户主 row (struct ingest). Returns
 * 0 or -1 (SQLite or memory failure; the caller reports it).
 */
int ingest_note_heads(struct ingest *in, const struct batch *b);

/* Prepare the writer's statements. Returns 0 or -1 (message printed). */
int ingest_store_prepare(struct ingest *in);

/* Append (HASH, KEY) to H. Returns 0 or -1 (no memory). */
int hash_keys_add(struct hash_keys *h, sqlite3_int64 hash, sqlite3_int64 key);

/* Sort H by hash (as unsigned), stable: equal hashes keep their order.
 * A radix sort: a national members file has three million rows. */
void hash_keys_sort(struct hash_keys *h);

/* Bind S at IDX, NULL or "" as SQL NULL, without copying. */
void ingest_bind_str(sqlite3_stmt *st, int idx, const char *s);

#endif
