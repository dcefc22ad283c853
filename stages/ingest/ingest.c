/*
 * ingest.c - anju-ingest's logic: read an export with csvin, normalise each
 * row, resolve its division, record its D-codes and store it.
 *
 * Two threads share the work of a file (batch.h): the reader runs csvin,
 * cleans and normalises each row, resolves its division and turns it into
 * ready-to-bind operations; the writer (the caller's thread, the only one
 * using the workspace connection) binds and steps them. The division
 * table, the value map and the row fields belong to the reader; the
 * prepared statements and the workspace to the writer.
 *
 * Accounting rule (SPEC 2): every data row after the header is read; it is
 * then either kept (a row in platform_records, roster_households or members)
 * or rejected (a row in rejects). Blank lines and title lines above the
 * header are not rows.
 */
#include "ingest_impl.h"

/* ---- files ------------------------------------------------------------- */

/* csvin's header scorer: cells naming a field of this kind. */
static int
score_header(char *const *cells, size_t n, int floor, void *ctx)
{
	struct ingest *in = ctx;
	const char *platform[] = {"platform", NULL};
	const char *roster[] = {"roster", "roster.person", NULL};
	const char *members[] = {"members", NULL};
	const char *const *kinds = in->platform  ? platform
	                           : in->members ? members
	                                         : roster;

	return headers_score(&in->headers, kinds, cells, n, floor);
}

/* Pick the header kind for this file: a roster with a 与户主关系 column is
 * the person-level export. */
static const struct header_kind *
pick_kind(struct ingest *in, const struct csvin_row *hdr)
{
	const struct header_kind *person =
	    headers_kind(&in->headers, "roster.person");
	size_t i;

	if (strcmp(in->kind, "roster") != 0 || person == NULL)
		return headers_kind(&in->headers, in->kind);
	for (i = 0; i < hdr->nfields; i++) {
		char *key = text_key(hdr->fields[i]);
		int f = key ? headers_match(person, key) : -1;

		free(key);
		if (f >= 0 && strcmp(person->field[f], "relation") == 0)
			return person;
	}
	return headers_kind(&in->headers, "roster");
}

static sqlite3_int64
file_row(struct ingest *in, const char *real, const struct csvin *csv,
         const char *layout)
{
	sqlite3_stmt *st = in->ins_file;
	char delim[2] = {csvin_delimiter(csv), '\0'};
	char now[32];
	time_t t = time(NULL);

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", localtime(&t));
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, real, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, in->file_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, csvin_encoding(csv), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, delim, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)csvin_header(csv)->line);
	ingest_bind_str(st, 7, layout);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(in->db);
}

/* Record the file's accounting and drop an earlier ingest of the same
 * file (same real path or same content). */
static int
file_done(struct ingest *in, const char *real, struct csvin *csv)
{
	struct file_stats *s = &in->stats[in->nstats - 1];
	const char *sha = csvin_sha256(csv);

	sqlite3_reset(in->upd_file);
	sqlite3_bind_text(in->upd_file, 1, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(in->upd_file, 2, (sqlite3_int64)s->read);
	sqlite3_bind_int64(in->upd_file, 3, (sqlite3_int64)s->kept);
	sqlite3_bind_int64(in->upd_file, 4, (sqlite3_int64)s->rejected);
	sqlite3_bind_int64(in->upd_file, 5, in->file_id);
	if (sqlite3_step(in->upd_file) != SQLITE_DONE)
		return -1;
	sqlite3_reset(in->del_old);
	sqlite3_bind_text(in->del_old, 1, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(in->del_old, 2, real, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(in->del_old, 3, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(in->del_old, 4, in->file_id);
	if (sqlite3_step(in->del_old) != SQLITE_DONE)
		return -1;
	in->replaced |= sqlite3_changes(in->db) > 0;
	return 0;
}

/* Whether each row table held rows before this invocation stored any
 * (finish.c then reads them back). Returns 0 or -1. */
static int
note_rows_before(struct ingest *in)
{
	static const char *const sql[OP_KINDS] = {
	    "SELECT EXISTS (SELECT 1 FROM platform_records)",
	    "SELECT EXISTS (SELECT 1 FROM roster_households)",
	    "SELECT EXISTS (SELECT 1 FROM members)",
	};
	size_t k;

	for (k = 0; k < OP_KINDS; k++) {
		sqlite3_stmt *st = db_prepare(in->db, sql[k]);

		if (st == NULL)
			return -1;
		in->rows_before[k] = sqlite3_step(st) != SQLITE_ROW ||
		                     sqlite3_column_int(st, 0) != 0;
		sqlite3_finalize(st);
	}
	return 0;
}

static struct file_stats *
stats_add(struct ingest *in, const char *name)
{
	struct file_stats *s =
	    realloc(in->stats, (in->nstats + 1) * sizeof(*in->stats));

	if (s == NULL)
		return NULL;
	in->stats = s;
	s = &in->stats[in->nstats++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->kind = strdup(in->kind);
	return s;
}

/* Read and store the rows of the open CSV: the reader on its own thread,
 * the writer here. Returns 0 or an ANJU_EXIT_* code (message printed). */
static int
ingest_rows(struct ingest *in, const char *path, struct csvin *csv)
{
	pthread_t reader;
	int rc;

	handoff_restart(&in->ho);
	in->csv = csv;
	in->read_error = NULL;
	if (pthread_create(&reader, NULL, ingest_read_rows, in) != 0) {
		anju_msg(path, 0, "cannot start the reader thread");
		return ANJU_EXIT_SOFTWARE;
	}
	/* A name of its own shows the reader apart in top and perf. */
	pthread_setname_np(reader, "anju-ingest-rd");
	rc = ingest_store_rows(in, path);
	pthread_join(reader, NULL);
	in->csv = NULL;
	if (rc == 0 && in->read_error != NULL) {
		anju_msg(path, 0, "read error: %s", in->read_error);
		rc = ANJU_EXIT_DATAERR;
	}
	return rc;
}

int
ingest_file(struct ingest *in, const char *path)
{
	struct csvin *csv = NULL;
	char err[512], real[PATH_MAX];
	const char *slash;
	int rc;

	slash = strrchr(path, '/');
	in->file_name = slash ? slash + 1 : path;
	rc = csvin_open(path, score_header, in, &csv, err, sizeof(err));
	if (rc != 0) {
		anju_msg(path, 0, "%s", err);
		return rc;
	}
	in->hk = pick_kind(in, csvin_header(csv));
	if (headers_map(in->hk, csvin_header(csv)->fields,
	                csvin_header(csv)->nfields, in->col, err,
	                sizeof(err)) != 0) {
		anju_msg(path, csvin_header(csv)->line, "%s", err);
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	in->person = strcmp(in->hk->name, "roster.person") == 0;
	in->person_files += in->person;
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if ((in->nstats == 0 && note_rows_before(in) != 0) ||
	    (in->fs = stats_add(in, in->file_name)) == NULL ||
	    (in->file_id = file_row(in, real, csv,
	                            strcmp(in->kind, "roster") == 0
	                                ? (in->person ? "person" : "household")
	                                : NULL)) < 0) {
		rc = ANJU_EXIT_SOFTWARE;
		goto out;
	}
	if ((rc = ingest_rows(in, path, csv)) != 0)
		goto out;
	in->fs->encoding = strdup(csvin_encoding(csv));
	if (file_done(in, real, csv) != 0) {
		anju_msg(path, 0, "cannot record file: %s",
		         sqlite3_errmsg(in->db));
		rc = ANJU_EXIT_CANTCREAT;
	}
out:
	csvin_close(csv);
	return rc;
}

void
ingest_print_accounting(struct ingest *in, FILE *out)
{
	size_t i;

	for (i = 0; i < in->nstats; i++) {
		struct file_stats *s = &in->stats[i];

		fprintf(out,
		        "%s\t%s\t%s\trows read %zu = kept %zu + rejected %zu\n",
		        s->kind, s->name, s->encoding ? s->encoding : "-",
		        s->read, s->kept, s->rejected);
	}
}

int
ingest_open(sqlite3 *db, const struct ingest_opts *opts, struct ingest **out)
{
	struct ingest *in = calloc(1, sizeof(*in));
	const char *dir = opts->datadir ? opts->datadir : anju_datadir();
	char path[PATH_MAX], err[512];
	int rc = ANJU_EXIT_SOFTWARE;

	*out = NULL;
	if (in == NULL)
		return ANJU_EXIT_SOFTWARE;
	in->db = db;
	snprintf(in->kind, sizeof(in->kind), "%s", opts->kind);
	in->platform = strcmp(in->kind, "platform") == 0;
	in->members = strcmp(in->kind, "members") == 0;
	if (handoff_init(&in->ho) != 0) {
		/* handoff_destroy() needs the mutex and condvar set up, which
		 * handoff_init() does before anything can fail. */
		anju_msg(NULL, 0, "out of memory");
		goto fail;
	}
	if (opts->as_of != NULL)
		snprintf(in->as_of, sizeof(in->as_of), "%s", opts->as_of);
	else
		date_today(in->as_of);
	snprintf(path, sizeof(path), "%s/schemas/headers.tsv", dir);
	if (headers_load(path, &in->headers, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/schemas/values.tsv", dir);
	if ((in->values = value_map_load(path, err, sizeof(err))) == NULL) {
		anju_msg(NULL, 0, "%s", err);
		goto fail;
	}
	if ((rc = divisions_open(opts->divisions, &in->div, err,
	                         sizeof(err))) != 0) {
		anju_msg(opts->divisions, 0, "%s", err);
		goto fail;
	}
	rc = ANJU_EXIT_SOFTWARE;
	if (ingest_store_prepare(in) != 0)
		goto fail;
	*out = in;
	return 0;
fail:
	ingest_close(in);
	return rc;
}

void
ingest_close(struct ingest *in)
{
	size_t i;

	if (in == NULL)
		return;
	sqlite3_finalize(in->ins_file);
	sqlite3_finalize(in->upd_file);
	sqlite3_finalize(in->del_old);
	sqlite3_finalize(in->ins_reject);
	sqlite3_finalize(in->ins_finding);
	for (i = 0; i < OP_KINDS; i++) {
		for (size_t n = 0; n <= MULTI_ROWS; n++)
			sqlite3_finalize(in->ins_rows[i][n]);
	}
	handoff_destroy(&in->ho);
	for (i = 0; i < OP_KINDS; i++)
		free(in->stored[i].v);
	free(in->stored_ids.v);
	ingest_memo_free(in);
	free(in->hbuf);
	headers_free(&in->headers);
	value_map_free(in->values);
	divisions_close(in->div);
	for (i = 0; i < in->nstats; i++) {
		free(in->stats[i].name);
		free(in->stats[i].kind);
		free(in->stats[i].encoding);
	}
	free(in->stats);
	free(in);
}
