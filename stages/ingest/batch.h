/*
 * batch.h - rows of anju-ingest prepared by the reader thread and stored
 * by the writer thread.
 *
 * The reader (csvin, cleaning, normalisation, division lookup) fills a
 * batch with operations: every value already converted, every string in
 * the batch's arena. The writer, the only user of the workspace
 * connection, binds and steps them. A handoff holds a fixed number of
 * batches, so memory does not grow with the input.
 */
#ifndef ANJU_INGEST_BATCH_H
#define ANJU_INGEST_BATCH_H

#include "divisions.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A batch is handed over once it holds BATCH_OPS operations; a row makes
 * at most ROW_OPS_MAX (household, person, failure), so a batch has room
 * for the row that fills it. 512 is a multiple of the rows per multi-row
 * INSERT: a batch of plain rows is stored by full INSERTs only. */
#define BATCH_OPS       512
#define ROW_OPS_MAX     3
#define HANDOFF_BATCHES 8  /* batches in flight */
#define OP_MAX_SLOTS    37 /* bound values of the widest INSERT */
#define OP_MAX_FINDINGS 24 /* D-codes kept per row */

/* Bump allocator: strings of one batch, all released at once. */
struct arena_block;
struct arena {
	struct arena_block *head, *cur;
};

/* N bytes from A (aligned for any type), NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);

/* Copy of the N bytes at P plus a NUL in A, or NULL. */
char *arena_memdup(struct arena *a, const void *p, size_t n);

/* Copy of S in A, or NULL. */
char *arena_strdup(struct arena *a, const char *s);

/* vsnprintf into A: the formatted string, or NULL. */
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Forget every allocation of A, keeping its memory for reuse. */
void arena_reset(struct arena *a);

/* Release all memory of A. */
void arena_free(struct arena *a);

/* One bound value. Text belongs to the batch's arena or lives as long as
 * the ingest (value table entries, literals); NULL text is SQL NULL. */
enum slot_kind { SLOT_NULL, SLOT_INT, SLOT_REAL, SLOT_TEXT };
struct slot {
	enum slot_kind kind;
	int len; /* SLOT_TEXT: strlen(v.s), measured once by the reader */
	union {
		sqlite3_int64 i;
		double r;
		const char *s;
	} v;
};

/* A D-code waiting for its row to be stored. */
struct pending {
	const char *code;
	const char *detail;
};

enum op_kind {
	OP_REJECT,   /* a row of rejects: reason and raw */
	OP_PLATFORM, /* a row of platform_records */
	OP_ROSTER,   /* a row of roster_households */
	OP_MEMBER,   /* a row of members */
	OP_FAIL,     /* the reader could not prepare the row (no memory) */
};

/* One INSERT with the findings about the row it stores. */
struct op {
	enum op_kind kind;
	size_t line;
	int nslots;
	struct slot slot[OP_MAX_SLOTS]; /* slot[i] is parameter i + 1 */
	/* reject */
	const char *reason;
	const char *raw;
	size_t raw_len;
	/* D09: the hash of the row's normalised values; D08: the hash of a
	 * roster household's 户编号 */
	sqlite3_int64 row_hash;
	uint64_t id_hash;
	/* the findings' context */
	struct div_place place;
	const char *household_id, *record_id, *head_id, *head_name;
	size_t npending;
	struct pending pending[OP_MAX_FINDINGS];
};

struct input_file;
struct batch {
	struct batch *next;
	struct input_file *file; /* the file the operations come from */
	bool first;              /* the file's first batch */
	bool last;               /* the file's final batch */
	bool end;    /* the reader's final batch: no more files follow */
	size_t rows; /* input rows read into this batch */
	size_t n;
	struct arena arena;
	struct op op[BATCH_OPS + ROW_OPS_MAX - 1];
};

/* The bounded queue between the reader and the writer. */
struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch *free;             /* empty batches */
	struct batch *full, *full_tail; /* batches to store, FIFO */
	bool abort;                     /* the writer gave up */
	struct batch *all[HANDOFF_BATCHES];
};

/* Allocate the batches of H. Returns 0 or -1 (no memory; H is then
 * safe to pass to handoff_destroy). */
int handoff_init(struct handoff *h);

/* Free the batches of H; no thread may be using it. */
void handoff_destroy(struct handoff *h);

/* Reader: wait for an empty batch, reset it and return it. *ABORT is set
 * when the writer has given up (the reader should then send its last
 * batch at once). */
struct batch *handoff_take_free(struct handoff *h, bool *abort);

/* Reader: queue B for the writer. */
void handoff_put_full(struct handoff *h, struct batch *b);

/* Writer: wait for the next filled batch. */
struct batch *handoff_take_full(struct handoff *h);

/* Writer: give B back to the reader. */
void handoff_put_free(struct handoff *h, struct batch *b);

/* Writer: ask the reader to stop. */
void handoff_abort(struct handoff *h);

#endif
