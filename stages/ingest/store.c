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

/* The INSERT of each row kind, indexed by enum op_kind - OP_PLATFORM. */
static const struct {
	const char *head, *tuple;
} row_insert[OP_KINDS] = {
    {"INSERT INTO platform_records (file_id, line, record_id, county, "
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
    {"INSERT INTO roster_households (file_id, line, household_id, county, "
     "township, village, county_code, township_code, village_code, "
     "head_name, head_name_raw, head_id, head_id_raw, head_id_state, "
     "head_id_known, household_size, poverty_attr, poverty_status, "
     "row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
    {"INSERT INTO members (file_id, line, household_id, name, name_raw, id, "
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
		sqlite3_bind_text(st, idx, s->v.s, -1, SQLITE_STATIC);
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
	snprintf(source, sizeof(source), "%s:%zu", in->file_name, op->line);
	for (i = 0; i < op->npending; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, in->file_id);
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
	sqlite3_bind_int64(st, 1, in->file_id);
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
bind_rows(sqlite3_stmt *st, const struct op *ops, size_t n)
{
	size_t k;
	int i, idx = 1;

	sqlite3_reset(st);
	for (k = 0; k < n; k++)
		for (i = 0; i < ops[k].nslots; i++)
			bind_slot(st, idx++, &ops[k].slot[i]);
}

/* Store the row operation OP and its findings. Returns 0 or -1. */
static int
store_one(struct ingest *in, const struct op *op)
{
	sqlite3_stmt *st;

	switch (op->kind) {
	case OP_REJECT:
		return store_reject(in, op);
	case OP_PLATFORM:
	case OP_ROSTER:
	case OP_MEMBER:
		break;
	case OP_FAIL:
	default:
		return -1;
	}
	st = in->ins_one[op->kind - OP_PLATFORM];
	bind_rows(st, op, 1);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	note_stored(in, op, sqlite3_last_insert_rowid(in->db));
	return store_findings(in, op, sqlite3_last_insert_rowid(in->db),
	                      op->kind - OP_PLATFORM);
}

/*
 * Store MULTI_ROWS row operations of one kind with one INSERT: the
 * statement overhead is paid once. The rows get consecutive keys (an
 * INTEGER PRIMARY KEY given no value is the largest plus one), so the
 * last insert rowid gives every row's key for its findings, stored after
 * the rows in the same order as one by one. Returns 0; -1 when the
 * INSERT failed (SQLite undid the statement; nothing was stored); -2 when
 * a finding could not be stored, *FAILED its row.
 */
static int
store_many(struct ingest *in, const struct op *ops, const struct op **failed)
{
	sqlite3_stmt *st = in->ins_many[ops->kind - OP_PLATFORM];
	sqlite3_int64 first;
	size_t k;

	bind_rows(st, ops, MULTI_ROWS);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	first = sqlite3_last_insert_rowid(in->db) - (MULTI_ROWS - 1);
	for (k = 0; k < MULTI_ROWS; k++)
		note_stored(in, &ops[k], first + (sqlite3_int64)k);
	for (k = 0; k < MULTI_ROWS; k++)
		if (store_findings(in, &ops[k], first + (sqlite3_int64)k,
		                   ops->kind - OP_PLATFORM) != 0) {
			*failed = &ops[k];
			return -2;
		}
	return 0;
}

/* How many operations from OPS (N of them) share the first one's row
 * kind, up to MULTI_ROWS. */
static size_t
run_length(const struct op *ops, size_t n)
{
	size_t k;

	if (ops->kind != OP_PLATFORM && ops->kind != OP_ROSTER &&
	    ops->kind != OP_MEMBER)
		return 1;
	for (k = 1; k < n && k < MULTI_ROWS; k++)
		if (ops[k].kind != ops->kind)
			break;
	return k;
}

/* Store the operations of B. Returns 0, or -1 with *FAILED the one that
 * could not be stored. */
static int
store_batch(struct ingest *in, const struct batch *b, const struct op **failed)
{
	size_t i = 0, k, run;
	int many;

	while (i < b->n) {
		run = run_length(&b->op[i], b->n - i);
		/* A failed multi-row INSERT stored nothing: go row by row
		 * to name the row at fault. */
		many =
		    run == MULTI_ROWS ? store_many(in, &b->op[i], failed) : -1;
		if (many == -2)
			return -1;
		if (many == 0) {
			i += run;
			continue;
		}
		for (k = i; k < i + run; k++)
			if (store_one(in, &b->op[k]) != 0) {
				*failed = &b->op[k];
				return -1;
			}
		i += run;
	}
	return 0;
}

/* The writer: store the reader's batches until its last one. After a
 * failure the reader is told to stop and the rest is drained unstored.
 * Returns 0 or ANJU_EXIT_CANTCREAT (message printed). */
int
ingest_store_rows(struct ingest *in, const char *path)
{
	const struct op *failed;
	struct batch *b;
	bool last;
	int rc = 0;
	/* Progress for a person at a terminal; cron's log stays quiet. */
	bool progress = isatty(STDERR_FILENO);
	size_t stored = 0, shown = 0;

	do {
		b = handoff_take_full(&in->ho);
		stored += b->rows;
		if (progress && stored - shown >= 100000) {
			fprintf(stderr, "\r%s: %s: %zu rows", anju_progname(),
			        path, stored);
			shown = stored;
		}
		if (rc == 0 && store_batch(in, b, &failed) != 0) {
			anju_msg(path, failed->line, "cannot store row: %s",
			         failed->kind == OP_FAIL
			             ? "out of memory"
			             : sqlite3_errmsg(in->db));
			rc = ANJU_EXIT_CANTCREAT;
			handoff_abort(&in->ho);
		}
		last = b->last;
		handoff_put_free(&in->ho, b);
	} while (!last);
	if (shown > 0)
		fputc('\n', stderr);
	return rc;
}

int
ingest_store_prepare(struct ingest *in)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
	    {&in->ins_file,
	     "INSERT INTO input_files (kind, path, name, sha256, encoding, "
	     "delimiter, header_line, layout, rows_read, rows_kept, "
	     "rows_rejected, ingested_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, "
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
	};
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if ((*list[i].st = db_prepare(in->db, list[i].sql)) == NULL)
			return -1;
	for (i = 0; i < OP_KINDS; i++)
		if ((in->ins_one[i] =
		         db_prepare_rows(in->db, row_insert[i].head,
		                         row_insert[i].tuple, 1)) == NULL ||
		    (in->ins_many[i] = db_prepare_rows(
		         in->db, row_insert[i].head, row_insert[i].tuple,
		         MULTI_ROWS)) == NULL)
			return -1;
	return 0;
}
