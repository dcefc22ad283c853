/*
 * store.c - anju-ingest's writer: the operations the reader prepared are
 * bound and stepped on the workspace connection (the only thread that
 * uses it), 32 rows per INSERT where it can, each row's findings with the
 * row's new key, rejects with their raw text.
 */
#include "ingest_impl.h"

#include "codes.h"

#include <stdio.h>
#include <unistd.h>

/*
 * The INSERT of each row kind, indexed by enum op_kind - OP_PLATFORM.
 * OR FAIL: a row that breaks a constraint stops the statement but leaves
 * the rows before it, so SQLite keeps no statement journal (a copy of
 * every page a multi-row INSERT touches: 9 % of the writer). Nothing
 * relies on the statement being undone: a row that cannot be stored ends
 * the ingest, and main() rolls the whole transaction back.
 */
static const struct {
	const char *head, *tuple;
} row_insert[OP_KINDS] = {
    {"INSERT OR FAIL INTO platform_records (file_id, line, record_id, county, "
     "township, village, county_code, township_code, village_code, "
     "head_name, head_name_raw, head_id, head_id_raw, head_id_state, "
     "head_id_known, household_size, household_type, safety_grade, "
     "appraisal_date, renovation_type, build_mode, area_m2, subsidy_yuan, "
     "start_date, completion_date, acceptance_date, acceptance_result, "
     "safety_means, safety_category, verified, photos_materials, "
     "photos_training, photos_foundation, photos_completion, toilet, "
     "plan_year, row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
     "?,?,?)"},
    {"INSERT OR FAIL INTO roster_households (file_id, line, household_id, "
     "county, "
     "township, village, county_code, township_code, village_code, "
     "head_name, head_name_raw, head_id, head_id_raw, head_id_state, "
     "head_id_known, household_size, poverty_attr, poverty_status, "
     "row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
    {"INSERT OR FAIL INTO members (file_id, line, household_id, name, "
     "name_raw, id, "
     "id_raw, id_state, id_known, relation, row_hash, county_code, "
     "township_code, village_code) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
};

_Static_assert(BATCH_OPS % MULTI_ROWS == 0,
               "a batch of plain rows is stored by full multi-row INSERTs");

/* ---- storing (writer) -------------------------------------------------- */

static void
bind_slot(sqlite3_stmt *st, int idx, const struct slot *s)
{
	switch (s->kind) {
	case SLOT_NULL:
		sqlite3_bind_null(st, idx);
		break;
	case SLOT_INT:
		sqlite3_bind_int64(st, idx, s->v.i);
		break;
	case SLOT_REAL:
		sqlite3_bind_double(st, idx, s->v.r);
		break;
	case SLOT_TEXT:
		sqlite3_bind_text(st, idx, s->v.s, s->len, SQLITE_STATIC);
		break;
	}
}

void
ingest_bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Insert the pending findings of OP, about the row stored as KEY in the
 * column KEY_COL (0 record_key, 1 household_key, 2 member_key). */
static int
store_findings(struct ingest *in, const struct op *op, sqlite3_int64 key,
               int key_col)
{
	sqlite3_stmt *st = in->ins_finding;
	char source[PATH_MAX + 32];
	size_t i;
	int k, ok = 0;

	if (op->npending == 0)
		return 0;
	snprintf(source, sizeof(source), "%s:%zu", in->wfile->name, op->line);
	for (i = 0; i < op->npending; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, in->wfile->file_id);
		sqlite3_bind_text(st, 2, op->pending[i].code, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 3,
		                  finding_code(op->pending[i].code)->severity,
		                  -1, SQLITE_STATIC);
		ingest_bind_str(st, 4, op->place.county);
		ingest_bind_str(st, 5, op->place.township);
		ingest_bind_str(st, 6, op->place.village);
		ingest_bind_str(st, 7, op->household_id);
		ingest_bind_str(st, 8, op->record_id);
		ingest_bind_str(st, 9, op->head_id);
		ingest_bind_str(st, 10, op->head_name);
		sqlite3_bind_text(st, 11, op->pending[i].detail, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 12, source, -1, SQLITE_STATIC);
		for (k = 0; k < 3; k++)
			if (k == key_col)
				sqlite3_bind_int64(st, 13 + k, key);
			else
				sqlite3_bind_null(st, 13 + k);
		if (sqlite3_step(st) != SQLITE_DONE)
			ok = -1;
	}
	return ok;
}

static int
store_reject(struct ingest *in, const struct op *op)
{
	sqlite3_stmt *st = in->ins_reject;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->wfile->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)op->line);
	sqlite3_bind_text(st, 3, op->reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, op->raw, (int)op->raw_len, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Note the row OP stored as KEY for finish.c. */
static void
note_stored(struct ingest *in, const struct op *op, sqlite3_int64 key)
{
	int k = op->kind - OP_PLATFORM;

	if (hash_keys_add(&in->stored[k], op->row_hash, key) != 0 ||
	    (op->kind == OP_ROSTER &&
	     hash_keys_add(&in->stored_ids, (sqlite3_int64)op->id_hash, key) !=
	         0))
		in->keys_lost = true;
}

/* Bind the values of the N row operations OPS to ST, one after another. */
static void
bind_rows(sqlite3_stmt *st, const struct op *const *ops, size_t n)
{
	size_t k;
	int i, idx = 1;

	sqlite3_reset(st);
	for (k = 0; k < n; k++)
		for (i = 0; i < ops[k]->nslots; i++)
			bind_slot(st, idx++, &ops[k]->slot[i]);
}

/* The INSERT of N (1..MULTI_ROWS) rows of row kind K, or NULL. */
static sqlite3_stmt *
insert_rows(struct ingest *in, int k, size_t n)
{
	if (in->ins_rows[k][n] == NULL)
		in->ins_rows[k][n] = db_prepare_rows(
		    in->db, row_insert[k].head, row_insert[k].tuple, (int)n);
	return in->ins_rows[k][n];
}

/*
 * Store the N (1..MULTI_ROWS) row operations OPS, all of one kind, with
 * one INSERT: the statement overhead is paid once. The rows get
 * consecutive keys (an INTEGER PRIMARY KEY given no value is the largest
 * plus one), so the last insert rowid gives every row's key for its
 * findings, stored after the rows. Returns 0; -1 when the INSERT failed
 * (the rows before the one at fault may be stored); -2 when a finding
 * could not be stored, *FAILED its row.
 */
static int
store_rows(struct ingest *in, const struct op *const *ops, size_t n,
           const struct op **failed)
{
	int kind = ops[0]->kind - OP_PLATFORM;
	sqlite3_stmt *st = insert_rows(in, kind, n);
	sqlite3_int64 first;
	size_t k;

	if (st == NULL)
		return -1;
	bind_rows(st, ops, n);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	first = sqlite3_last_insert_rowid(in->db) - (sqlite3_int64)(n - 1);
	for (k = 0; k < n; k++)
		note_stored(in, ops[k], first + (sqlite3_int64)k);
	for (k = 0; k < n; k++)
		if (store_findings(in, ops[k], first + (sqlite3_int64)k,
		                   kind) != 0) {
			*failed = ops[k];
			return -2;
		}
	return 0;
}

/* Store the N row operations OPS of one kind, MULTI_ROWS per INSERT.
 * Returns 0, or -1 with *FAILED the one that could not be stored. */
static int
store_kind(struct ingest *in, const struct op *const *ops, size_t n,
           const struct op **failed)
{
	size_t i, k, run;
	int rc;

	for (i = 0; i < n; i += run) {
		run = n - i < MULTI_ROWS ? n - i : MULTI_ROWS;
		if ((rc = store_rows(in, &ops[i], run, failed)) == 0)
			continue;
		snprintf(in->store_err, sizeof(in->store_err), "%s",
		         sqlite3_errmsg(in->db));
		*failed = ops[i];
		if (rc == -2)
			return -1;
		/*
		 * A row the workspace refused: go row by row to name it. The
		 * rows stored twice on the way go with the rolled-back
		 * transaction, and the batch fails even if no row fails again.
		 * Not after a full disk or an I/O error: SQLite may have rolled
		 * the whole transaction back already (an OR FAIL INSERT keeps
		 * no statement journal to undo just itself), and each retry
		 * would be committed on its own.
		 */
		if ((sqlite3_errcode(in->db) & 0xff) != SQLITE_CONSTRAINT ||
		    sqlite3_get_autocommit(in->db))
			return -1;
		for (k = i; k < i + run; k++)
			if (store_rows(in, &ops[k], 1, failed) != 0) {
				snprintf(in->store_err, sizeof(in->store_err),
				         "%s", sqlite3_errmsg(in->db));
				*failed = ops[k];
				return -1;
			}
		return -1;
	}
	return 0;
}

/*
 * Store the operations of B: the rows of each kind in B's order (a
 * person-level roster interleaves households and people; grouping them
 * keeps every INSERT at full width), then the rejects. Returns 0, or -1
 * with *FAILED the one that could not be stored.
 */
static int
store_batch(struct ingest *in, const struct batch *b, const struct op **failed)
{
	static const enum op_kind rows[] = {OP_PLATFORM, OP_ROSTER, OP_MEMBER};
	const struct op *same[sizeof(b->op) / sizeof(b->op[0])];
	size_t i, r, n;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (i = n = 0; i < b->n; i++)
			if (b->op[i].kind == rows[r])
				same[n++] = &b->op[i];
		if (n > 0 && store_kind(in, same, n, failed) != 0)
			return -1;
	}
	for (i = 0; i < b->n; i++) {
		const struct op *op = &b->op[i];

		if (op->kind == OP_REJECT && store_reject(in, op) == 0)
			continue;
		if (op->kind == OP_REJECT || op->kind == OP_FAIL) {
			*failed = op;
			return -1;
		}
	}
	return 0;
}

/* Insert F's input_files row, its accounting still zero. */
static int
file_begin(struct ingest *in, const struct input_file *f)
{
	sqlite3_stmt *st = in->ins_file;
	char now[32];
	time_t t = time(NULL);

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", localtime(&t));
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, f->file_id);
	sqlite3_bind_text(st, 2, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->real, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->encoding, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->delimiter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)f->header_line);
	ingest_bind_str(st, 8, f->layout);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_TRANSIENT);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* An earlier file of this call that F replaced (same kind, same real
 * path or same content) says so in the accounting: its rows are gone. */
static void
note_replaced_here(struct ingest *in, const struct input_file *f)
{
	struct input_file *e;

	for (e = in->files; e < f; e++) {
		bool path = strcmp(e->real, f->real) == 0;

		if (strcmp(e->kind, f->kind) == 0 &&
		    (path || strcmp(e->sha256, f->sha256) == 0)) {
			e->stats.replaced_by = f->name;
			e->stats.same_path = path;
		}
	}
}

/* Record F's accounting and drop an earlier ingest of the same file (same
 * real path or same content). */
static int
file_done(struct ingest *in, const struct input_file *f)
{
	sqlite3_stmt *st = in->upd_file;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)f->stats.read);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)f->stats.kept);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)f->stats.rejected);
	sqlite3_bind_int64(st, 5, f->file_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	st = in->del_old;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->real, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, f->file_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	in->replaced |= sqlite3_changes(in->db) > 0;
	note_replaced_here(in, f);
	return 0;
}

/* Store the batch B: its file's row first if B is the file's first, its
 * accounting after it if B is the last. Returns 0, or the exit code after
 * printing why B could not be stored, or the reader's problem with the
 * file. */
static int
store_file_batch(struct ingest *in, const struct batch *b)
{
	const struct input_file *f = b->file;
	const struct op *failed;

	in->wfile = f;
	in->rows_stored += b->rows;
	if (b->first && file_begin(in, f) != 0) {
		anju_msg(f->path, 0, "cannot record file: %s",
		         sqlite3_errmsg(in->db));
		return ANJU_EXIT_CANTCREAT;
	}
	in->store_err[0] = '\0';
	if (store_batch(in, b, &failed) != 0) {
		anju_msg(f->path, failed->line, "cannot store row: %s",
		         failed->kind == OP_FAIL ? "out of memory"
		         : in->store_err[0]      ? in->store_err
		                                 : sqlite3_errmsg(in->db));
		return ANJU_EXIT_CANTCREAT;
	}
	if (f->layout != NULL && strcmp(f->layout, "person") == 0 &&
	    ingest_note_heads(in, b) != 0) {
		anju_msg(f->path, 0, "cannot store row: %s",
		         sqlite3_errmsg(in->db));
		return ANJU_EXIT_CANTCREAT;
	}
	/* Every statement above ran inside main()'s transaction; SQLite
	 * ends it on its own after some failures. Never go on without it:
	 * what follows would be committed row by row. */
	if (sqlite3_get_autocommit(in->db)) {
		anju_msg(f->path, 0, "the workspace's transaction was lost: %s",
		         sqlite3_errmsg(in->db));
		return ANJU_EXIT_CANTCREAT;
	}
	if (!b->last)
		return 0;
	if (f->rc != 0) {
		anju_msg(f->path, f->err_line, "%s", f->err);
		return f->rc;
	}
	if (file_done(in, f) != 0) {
		anju_msg(f->path, 0, "cannot record file: %s",
		         sqlite3_errmsg(in->db));
		return ANJU_EXIT_CANTCREAT;
	}
	in->nstats++;
	return 0;
}

void
ingest_stop_readers(struct ingest *in, size_t n)
{
	struct batch *b;
	size_t r;

	for (r = 0; r < n; r++)
		handoff_abort(&in->rd[r].ho);
	for (r = 0; r < n; r++) {
		struct reader *rd = &in->rd[r];

		while (!rd->ended) {
			b = handoff_take_full(&rd->ho);
			rd->ended = b->end;
			handoff_put_free(&rd->ho, b);
		}
	}
}

/* Store file I's batches, taken from its reader's queue. Returns 0 or an
 * exit code (message printed). */
static int
store_file(struct ingest *in, size_t i)
{
	struct reader *rd = &in->rd[i % in->nreaders];
	struct batch *b;
	bool last;
	int rc;

	do {
		b = handoff_take_full(&rd->ho);
		/* Readers take the files in turn: this batch is file I's. */
		if (b->file != &in->files[i])
			abort();
		rc = store_file_batch(in, b);
		last = b->last;
		rd->ended = b->end;
		handoff_put_free(&rd->ho, b);
	} while (!last && rc == 0);
	return rc;
}

int
ingest_store_files(struct ingest *in)
{
	/* Progress for a person at a terminal; cron's log stays quiet. */
	bool progress = isatty(STDERR_FILENO);
	size_t i, shown = 0;
	int rc = 0;

	for (i = 0; i < in->nfiles && rc == 0; i++) {
		if ((i == 0 || strcmp(in->files[i].kind, in->kind) != 0) &&
		    (rc = ingest_kind_start(in, in->files[i].kind)) != 0)
			break;
		rc = store_file(in, i);
		/* The last of a run of one kind: as if an ingest of that kind
		 * ended here. */
		if (rc == 0 && (i + 1 == in->nfiles ||
		                strcmp(in->files[i + 1].kind, in->kind) != 0))
			rc = ingest_finish(in);
		if (progress && in->rows_stored - shown >= 100000) {
			fprintf(stderr, "\r%s: %zu files, %zu rows",
			        anju_progname(), i + 1, in->rows_stored);
			shown = in->rows_stored;
		}
	}
	if (shown > 0)
		fputc('\n', stderr);
	if (rc != 0)
		ingest_stop_readers(in, in->nreaders);
	return rc;
}

/*
 * Every row the writer stores names the file being stored, whose
 * input_files row it inserted first: checking that foreign key for each
 * row cost 7 % of the writer (callgrind, roster and members of the Fuxin
 * sample). Enforcement is off on this connection (before the transaction:
 * the pragma is a no-op inside one), and the one delete of input_files
 * rows, a file replaced, cascades through a trigger that lives as long as
 * the connection. The other stages keep the schema's enforcement.
 * The connection's temporary table of ingest_note_heads() comes with it.
 */
static int
temp_objects(sqlite3 *db)
{
	char err[256];

	if (db_exec(db,
	            "PRAGMA foreign_keys = OFF;"
	            "CREATE TEMP TRIGGER input_files_cascade AFTER DELETE ON "
	            "main.input_files BEGIN "
	            "DELETE FROM findings WHERE file_id = old.file_id;"
	            "DELETE FROM rejects WHERE file_id = old.file_id;"
	            "DELETE FROM platform_records WHERE file_id = "
	            "old.file_id;"
	            "DELETE FROM roster_households WHERE file_id = "
	            "old.file_id;"
	            "DELETE FROM members WHERE file_id = old.file_id; END;"
	            /* ingest_note_heads() */
	            "CREATE TEMP TABLE headless_candidates ("
	            "household_id TEXT NOT NULL)",
	            err, sizeof(err)) == 0)
		return 0;
	anju_msg(NULL, 0, "sqlite: %s", err);
	return -1;
}

int
ingest_store_prepare(struct ingest *in)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
	    {&in->ins_file,
	     "INSERT INTO input_files (file_id, kind, path, name, sha256, "
	     "encoding, delimiter, header_line, layout, rows_read, rows_kept, "
	     "rows_rejected, ingested_at) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?, "
	     "0, 0, 0, ?)"},
	    {&in->upd_file,
	     "UPDATE input_files SET sha256 = ?, rows_read = ?, rows_kept = "
	     "?, rows_rejected = ? WHERE file_id = ?"},
	    {&in->del_old,
	     "DELETE FROM input_files WHERE kind = ? AND (path = ? OR "
	     "sha256 = ?) AND file_id <> ?"},
	    {&in->ins_reject, "INSERT INTO rejects (file_id, line, reason, "
	                      "raw) VALUES (?, ?, ?, CAST(? AS TEXT))"},
	    {&in->ins_finding,
	     "INSERT INTO findings (stage, file_id, code, severity, "
	     "county_code, township_code, village_code, household_id, "
	     "record_id, head_id, head_name, detail, source, record_key, "
	     "household_key, member_key) VALUES ('ingest', ?, ?, ?, ?, ?, "
	     "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
	    {&in->ins_candidate,
	     "INSERT INTO temp.headless_candidates (household_id) VALUES (?)"},
	};
	size_t i;

	if (temp_objects(in->db) != 0)
		return -1;
	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if ((*list[i].st = db_prepare(in->db, list[i].sql)) == NULL)
			return -1;
	for (i = 0; i < OP_KINDS; i++)
		if (insert_rows(in, (int)i, 1) == NULL ||
		    insert_rows(in, (int)i, MULTI_ROWS) == NULL)
			return -1;
	return 0;
}
