/*
 * manifest.c - manifest.json, what a run read and what it found (SPEC 7).
 *
 * Everything about inputs and counts is read back from the workspace, so
 * the manifest says what the stages actually did, not what anju-run
 * asked them to do.
 */
#include "run.h"

#include "anju.h"
#include "db.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The statuses of SPEC 6, always all present in the counts. */
static const char *const statuses[] = {
    "鉴定安全", "改造安全", "保障安全", "改造中", "未保障", "无记录", "待核实"};

/* Statuses that count as verified (有保障). */
static bool
is_verified(const char *status)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(status, statuses[i]) == 0)
			return true;
	return false;
}

static json_t *
json_text_or_null(const unsigned char *s)
{
	return s != NULL ? json_string((const char *)s) : json_null();
}

static json_t *
iso_time(time_t t)
{
	char buf[40];
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		return json_null();
	return json_string(buf);
}

/* Inputs as the workspace recorded them, in ingest order. */
static json_t *
read_inputs(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	json_t *inputs = json_array();

	if (sqlite3_prepare_v2(
	        db,
	        "SELECT kind, name, path, sha256, encoding, "
	        "delimiter, layout, rows_read, rows_kept, "
	        "rows_rejected FROM input_files ORDER BY file_id",
	        -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(
		    inputs,
		    json_pack(
		        "{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:I, "
		        "s:I, s:I}",
		        "kind", sqlite3_column_text(st, 0), "name",
		        sqlite3_column_text(st, 1), "path",
		        sqlite3_column_text(st, 2), "sha256",
		        sqlite3_column_text(st, 3), "encoding",
		        sqlite3_column_text(st, 4), "delimiter",
		        sqlite3_column_text(st, 5), "layout",
		        json_text_or_null(sqlite3_column_text(st, 6)),
		        "rows_read", (json_int_t)sqlite3_column_int64(st, 7),
		        "rows_kept", (json_int_t)sqlite3_column_int64(st, 8),
		        "rows_rejected",
		        (json_int_t)sqlite3_column_int64(st, 9)));
	if (sqlite3_finalize(st) != SQLITE_OK)
		goto fail;
	return inputs;
fail:
	anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
	json_decref(inputs);
	return NULL;
}

/* Run SQL returning (text, count) rows into OBJ. Returns 0 or -1. */
static int
count_into(sqlite3 *db, const char *sql, json_t *obj)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_text(st, 0) != NULL)
			json_object_set_new(
			    obj, (const char *)sqlite3_column_text(st, 0),
			    json_integer(sqlite3_column_int64(st, 1)));
	if (sqlite3_finalize(st) != SQLITE_OK) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Counts by status (every status present) and by finding code. */
static json_t *
read_counts(sqlite3 *db)
{
	json_t *status = json_object(), *codes = json_object(), *extra;
	json_int_t households = 0, verified = 0, findings = 0, rejects;
	const char *key;
	json_t *value;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(*statuses); i++)
		json_object_set_new(status, statuses[i], json_integer(0));
	extra = json_object();
	if (count_into(db,
	               "SELECT status, count(*) FROM household_status "
	               "GROUP BY status",
	               status) != 0 ||
	    count_into(db,
	               "SELECT code, count(*) FROM findings GROUP BY code "
	               "ORDER BY code",
	               codes) != 0 ||
	    count_into(db, "SELECT 'rejects', count(*) FROM rejects", extra) !=
	        0) {
		json_decref(status);
		json_decref(codes);
		json_decref(extra);
		return NULL;
	}
	rejects = json_integer_value(json_object_get(extra, "rejects"));
	json_decref(extra);
	json_object_foreach(status, key, value)
	{
		households += json_integer_value(value);
		if (is_verified(key))
			verified += json_integer_value(value);
	}
	json_object_foreach(codes, key, value) findings +=
	    json_integer_value(value);
	return json_pack(
	    "{s:I, s:o, s:f, s:I, s:o, s:I}", "households", households,
	    "by_status", status, "verified_rate",
	    households ? (double)verified / (double)households : 0.0,
	    "findings", findings, "by_code", codes, "rejects", rejects);
}

/* Every run_info fact the stages stored, as strings. */
static json_t *
read_run_info(sqlite3 *db)
{
	json_t *info = json_object();
	sqlite3_stmt *st = NULL;

	/* run_info is optional reading: a stage may store nothing. */
	if (sqlite3_prepare_v2(db,
	                       "SELECT key, value FROM run_info ORDER BY key",
	                       -1, &st, NULL) != SQLITE_OK)
		return info;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_object_set_new(
		    info, (const char *)sqlite3_column_text(st, 0),
		    json_string((const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return info;
}

/* New, resolved and persisting findings when a diff ran, else null. */
static json_t *
read_changes(sqlite3 *db, const struct run_facts *f)
{
	json_t *changes;

	if (f->previous == NULL)
		return json_null();
	changes = json_pack("{s:i, s:i, s:i}", "new", 0, "resolved", 0,
	                    "persisting", 0);
	if (count_into(db,
	               "SELECT change, count(*) FROM finding_changes "
	               "GROUP BY change",
	               changes) != 0) {
		json_decref(changes);
		return json_null();
	}
	return changes;
}

static json_t *
stages_json(const struct run_facts *f)
{
	json_t *a = json_array();

	for (size_t i = 0; i < f->nstages; i++)
		json_array_append_new(
		    a,
		    json_pack("{s:s, s:I, s:i}", "name", f->stages[i].name,
		              "milliseconds",
		              (json_int_t)(f->stages[i].seconds * 1000 + 0.5),
		              "exit", f->stages[i].exit));
	return a;
}

static json_t *
list_json(const struct run_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; l != NULL && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

/* Write ROOT to PATH through PATH.tmp, synced, then renamed. */
static int
dump_atomically(json_t *root, const char *path)
{
	char tmp[4096 + 8];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		goto fail;
	ok = json_dumpf(root, f,
	                JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                    JSON_REAL_PRECISION(6)) == 0 &&
	     fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	anju_msg(path, 0, "cannot write the manifest: %s", strerror(errno));
	return ANJU_EXIT_CANTCREAT;
}

int
manifest_write(const char *dir, const char *db_path, const struct run_facts *f)
{
	sqlite3 *db = NULL;
	json_t *inputs = NULL, *counts = NULL, *root = NULL;
	char path[4096];
	int rc = ANJU_EXIT_SOFTWARE;

	if (db_open_readonly(db_path, &db, path, sizeof(path)) != SQLITE_OK) {
		anju_msg(db_path, 0, "cannot open the workspace: %s", path);
		goto out;
	}
	if ((inputs = read_inputs(db)) == NULL ||
	    (counts = read_counts(db)) == NULL)
		goto out;
	root = json_pack(
	    "{s:s, s:i, s:s, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, "
	    "s:o, s:o, s:o, s:o, s:i}",
	    "version", ANJU_VERSION, "manifest_version", 1, "mode", f->mode,
	    "as_of", f->as_of, "run", f->run_name, "previous", f->previous,
	    "started_at", iso_time(f->started), "finished_at",
	    iso_time(f->finished), "inputs", inputs, "superseded_inputs",
	    list_json(f->superseded), "ignored_inputs", list_json(f->ignored),
	    "stages", stages_json(f), "counts", counts, "changes",
	    read_changes(db, f), "run_info", read_run_info(db), "exit_status",
	    f->exit_status);
	inputs = counts = NULL; /* owned by root now, even on failure */
	if (root == NULL) {
		anju_msg(NULL, 0, "cannot build the manifest");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	rc = dump_atomically(root, path);
out:
	json_decref(inputs);
	json_decref(counts);
	json_decref(root);
	sqlite3_close(db);
	return rc;
}

bool
manifest_had_previous(const char *run_dir)
{
	char path[4096];
	json_error_t err;
	json_t *root;
	bool had;

	snprintf(path, sizeof(path), "%s/manifest.json", run_dir);
	if ((root = json_load_file(path, 0, &err)) == NULL)
		return false;
	had = json_is_string(json_object_get(root, "previous"));
	json_decref(root);
	return had;
}
