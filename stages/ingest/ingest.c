/*
 * ingest.c - anju-ingest's logic: read an export with csvin, normalise each
 * row, resolve its division, record its D-codes and store it.
 *
 * Two threads share the work (batch.h): the reader opens each file in
 * turn, runs csvin, cleans and normalises each row, resolves its division
 * and turns it into ready-to-bind operations; the writer (the caller's
 * thread, the only one using the workspace connection) binds and steps
 * them. The division
 * table, the value map and the row fields belong to the reader; the
 * prepared statements and the workspace to the writer.
 *
 * Accounting rule (SPEC 2): every data row after the header is read; it is
 * then either kept (a row in platform_records, roster_households or members)
 * or rejected (a row in rejects). Blank lines and title lines above the
 * header are not rows.
 */
#include "ingest_impl.h"

#include <unistd.h>

/* ---- files ------------------------------------------------------------- */

/* csvin's header scorer: cells naming a field of this kind. */
static int
score_header(char *const *cells, size_t n, int floor, void *ctx)
{
	const struct reader *rd = ctx;
	const char *platform[] = {"platform", NULL};
	const char *roster[] = {"roster", "roster.person", NULL};
	const char *members[] = {"members", NULL};
	const char *const *kinds = rd->platform  ? platform
	                           : rd->members ? members
	                                         : roster;

	return headers_score(&rd->in->headers, kinds, cells, n, floor);
}

/* Pick the header kind for this file: a roster with a 与户主关系 column is
 * the person-level export. */
static const struct header_kind *
pick_kind(const struct ingest *in, const char *kind,
          const struct csvin_row *hdr)
{
	const struct header_kind *person =
	    headers_kind(&in->headers, "roster.person");
	size_t i;

	if (strcmp(kind, "roster") != 0 || person == NULL)
		return headers_kind(&in->headers, kind);
	for (i = 0; i < hdr->nfields; i++) {
		char *key = text_key(hdr->fields[i]);
		int f = key ? headers_match(person, key) : -1;

		free(key);
		if (f >= 0 && strcmp(person->field[f], "relation") == 0)
			return person;
	}
	return headers_kind(&in->headers, "roster");
}

/* The last file_id in use (this call's files get the ones after it).
 * Returns 0 or -1. */
static int
last_file_id(struct ingest *in, sqlite3_int64 *out)
{
	sqlite3_stmt *st = db_prepare(
	    in->db, "SELECT coalesce(max(file_id), 0) FROM input_files");

	if (st == NULL)
		return -1;
	*out =
	    sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return *out < 0 ? -1 : 0;
}

/* ---- the readers: files -> batches ------------------------------------ */

/* Open F and map its header. Returns 0, or -1 with F's problem set. */
static int
open_file(struct reader *rd, struct input_file *f)
{
	const struct csvin_row *hdr;
	int rc;

	rd->kind = f->kind;
	rd->platform = strcmp(f->kind, "platform") == 0;
	rd->members = strcmp(f->kind, "members") == 0;
	rc = csvin_open(f->path, score_header, rd, &rd->csv, f->err,
	                sizeof(f->err));
	if (rc != 0) {
		f->rc = rc;
		return -1;
	}
	hdr = csvin_header(rd->csv);
	rd->hk = pick_kind(rd->in, f->kind, hdr);
	if (headers_map(rd->hk, hdr->fields, hdr->nfields, rd->col, f->err,
	                sizeof(f->err)) != 0) {
		f->rc = ANJU_EXIT_DATAERR;
		f->err_line = hdr->line;
		return -1;
	}
	rd->person = strcmp(rd->hk->name, "roster.person") == 0;
	if (strcmp(f->kind, "roster") == 0)
		f->layout = rd->person ? "person" : "household";
	snprintf(f->encoding, sizeof(f->encoding), "%s",
	         csvin_encoding(rd->csv));
	f->delimiter[0] = csvin_delimiter(rd->csv);
	f->header_line = hdr->line;
	rd->file_name = f->name;
	rd->file_id = f->file_id;
	rd->fs = &f->stats;
	/* The header kind may differ from the last file's. */
	memset(rd->fcache, 0, sizeof(rd->fcache));
	ingest_hash_slots(rd);
	return 0;
}

/* Read F into batches; its last stays in rd->cur. Returns 0, or -1 when
 * the reader must stop (F's problem set, or the writer gave up). */
static int
read_file(struct reader *rd, struct input_file *f, bool *abort)
{
	int rc = -1;

	rd->cur = handoff_take_free(&rd->ho, abort);
	rd->cur->file = f;
	if (*abort || open_file(rd, f) != 0)
		goto out;
	rd->cur->first = true;
	if (ingest_read_rows(rd, f, abort) != 0)
		goto out;
	snprintf(f->stats.encoding, sizeof(f->stats.encoding), "%s",
	         csvin_encoding(rd->csv));
	snprintf(f->sha256, sizeof(f->sha256), "%s", csvin_sha256(rd->csv));
	rc = 0;
out:
	csvin_close(rd->csv);
	rd->csv = NULL;
	return rc;
}

/*
 * A reader thread: its files in turn. It opens its next file while the
 * writer still stores the last one's final batches, so no thread waits
 * at a file's start or end (a national export comes as hundreds of county
 * files). Its final batch is marked as its end.
 */
static void *
read_files(void *arg)
{
	struct reader *rd = arg;
	const struct ingest *in = rd->in;
	bool abort = false;
	size_t i;
	int rc;

	for (i = rd->first; i < in->nfiles; i += rd->step) {
		rc = read_file(rd, &in->files[i], &abort);
		rd->cur->last = true;
		rd->cur->end = rc != 0 || i + rd->step >= in->nfiles;
		handoff_put_full(&rd->ho, rd->cur);
		rd->cur = NULL;
		if (rc != 0)
			break;
	}
	return NULL;
}

/* Set up the N INPUTS, numbered after LAST_FILE_ID. Returns 0 or -1 (no
 * memory). */
static int
files_init(struct ingest *in, const struct ingest_input *inputs, size_t n,
           sqlite3_int64 last_file_id)
{
	size_t i;

	in->files = calloc(n, sizeof(*in->files));
	if (in->files == NULL)
		return -1;
	in->nfiles = n;
	for (i = 0; i < n; i++) {
		struct input_file *f = &in->files[i];
		const char *slash = strrchr(inputs[i].path, '/');

		f->path = inputs[i].path;
		f->kind = inputs[i].kind;
		f->name = slash ? slash + 1 : f->path;
		f->file_id = last_file_id + 1 + (sqlite3_int64)i;
		if (realpath(f->path, f->real) == NULL)
			snprintf(f->real, sizeof(f->real), "%s", f->path);
	}
	return 0;
}

/*
 * How many readers for N files: one a core, up to READERS_MAX, and no
 * more than files. A platform row costs a reader more time than the
 * writer, so on two cores two readers and the writer keep both busy; a
 * reader that gets ahead only waits on its full queue.
 */
static size_t
readers_for(size_t n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t r = cores < 2 ? 1 : (size_t)cores;

	if (r > READERS_MAX)
		r = READERS_MAX;
	return r < n ? r : n;
}

/* Set up NREADERS readers over the files. Returns 0 or -1 (message
 * printed). */
static int
readers_init(struct ingest *in, size_t nreaders)
{
	char err[512];
	size_t r;

	for (r = 0; r < nreaders; r++) {
		struct reader *rd = &in->rd[r];

		rd->in = in;
		rd->first = r;
		rd->step = nreaders;
		in->nreaders = r + 1;
		if (handoff_init(&rd->ho) != 0) {
			anju_msg(NULL, 0, "out of memory");
			return -1;
		}
		/* The first reader borrows the ingest's handle. */
		rd->div = in->div;
		if (r > 0 &&
		    divisions_clone(in->div, &rd->div, err, sizeof(err)) != 0) {
			anju_msg(NULL, 0, "%s", err);
			return -1;
		}
		rd->own_div = r > 0;
	}
	return 0;
}

static void
readers_close(struct ingest *in)
{
	size_t r;

	for (r = 0; r < in->nreaders; r++) {
		struct reader *rd = &in->rd[r];

		handoff_destroy(&rd->ho);
		ingest_memo_free(rd);
		if (rd->own_div)
			divisions_close(rd->div);
	}
	in->nreaders = 0;
}

int
ingest_files(struct ingest *in, const struct ingest_input *inputs, size_t n)
{
	sqlite3_int64 last_id = 0;
	pthread_t thread[READERS_MAX];
	size_t r, started;
	int rc;

	if (n == 0)
		return 0;
	if (last_file_id(in, &last_id) != 0)
		return ANJU_EXIT_SOFTWARE;
	if (files_init(in, inputs, n, last_id) != 0) {
		anju_msg(NULL, 0, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	if (readers_init(in, readers_for(n)) != 0)
		return ANJU_EXIT_SOFTWARE;
	for (started = 0; started < in->nreaders; started++) {
		if (pthread_create(&thread[started], NULL, read_files,
		                   &in->rd[started]) != 0)
			break;
		/* A name of its own shows a reader apart in top and perf. */
		pthread_setname_np(thread[started], "anju-ingest-rd");
	}
	if (started < in->nreaders) {
		/* Too few threads: the writer would wait for files no one
		 * reads. Stop the ones running. */
		anju_msg(inputs[0].path, 0, "cannot start the reader threads");
		rc = ANJU_EXIT_SOFTWARE;
		ingest_stop_readers(in, started);
	} else
		rc = ingest_store_files(in);
	for (r = 0; r < started; r++)
		pthread_join(thread[r], NULL);
	return rc;
}

void
ingest_print_accounting(struct ingest *in, FILE *out)
{
	size_t i;

	for (i = 0; i < in->nstats; i++) {
		const struct input_file *f = &in->files[i];
		const struct file_stats *s = &f->stats;

		fprintf(out,
		        "%s\t%s\t%s\trows read %zu = kept %zu + rejected %zu",
		        f->kind, f->name, s->encoding, s->read, s->kept,
		        s->rejected);
		/* not silent: these rows are not in the workspace now */
		if (s->replaced_by != NULL)
			fprintf(out, ", then replaced by %s (the same %s)",
			        s->replaced_by,
			        s->same_path ? "file" : "content");
		fputc('\n', out);
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
	sqlite3_finalize(in->ins_candidate);
	free(in->run_id);
	for (i = 0; i < OP_KINDS; i++) {
		for (size_t n = 0; n <= MULTI_ROWS; n++)
			sqlite3_finalize(in->ins_rows[i][n]);
	}
	readers_close(in);
	for (i = 0; i < OP_KINDS; i++)
		free(in->stored[i].v);
	free(in->stored_ids.v);
	headers_free(&in->headers);
	value_map_free(in->values);
	divisions_close(in->div);
	free(in->files);
	free(in);
}
