/* db.c - opening the workspace and applying its schema. */
#include "db.h"

#include "anju.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read a whole small file (the schema) into a malloc'd string. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)n + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
out:
	fclose(f);
	return buf;
}

int
db_exit_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_NOLFS:
		return ANJU_EXIT_CANTCREAT;
	default:
		return ANJU_EXIT_SOFTWARE;
	}
}

int
db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static int
user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Columns later versions added to a table that CREATE TABLE IF NOT EXISTS
 * leaves as it was in an older workspace: added here, once.
 */
static int
add_columns(sqlite3 *db, char *err, size_t errlen)
{
	static const struct {
		const char *table, *column, *alter;
	} added[] = {
	    {"finding_changes", "previous_county_code",
	     "ALTER TABLE finding_changes ADD COLUMN previous_county_code "
	     "TEXT"},
	};
	sqlite3_stmt *st = NULL;
	size_t i;
	int have, rc = 0;

	if (sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM pragma_table_info(?1) "
	                       "WHERE name = ?2",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	for (i = 0; i < sizeof(added) / sizeof(added[0]) && rc == 0; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, added[i].table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, added[i].column, -1, SQLITE_STATIC);
		have = sqlite3_step(st) == SQLITE_ROW
		           ? sqlite3_column_int(st, 0)
		           : -1;
		if (have < 0) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
			rc = -1;
		} else if (have == 0) {
			rc = db_exec(db, added[i].alter, err, errlen);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

static int
apply_schema(sqlite3 *db, char *err, size_t errlen)
{
	char path[4096];
	char *sql;
	int rc;

	snprintf(path, sizeof(path), "%s/schemas/workspace.sql",
	         anju_datadir());
	sql = slurp(path);
	if (sql == NULL) {
		snprintf(err, errlen, "cannot read schema %s: %s", path,
		         strerror(errno));
		return ANJU_EXIT_SOFTWARE;
	}
	rc = db_exec(db, "BEGIN IMMEDIATE", err, errlen) ||
	     db_exec(db, sql, err, errlen) || add_columns(db, err, errlen) ||
	     db_exec(db, "COMMIT", err, errlen);
	free(sql);
	if (rc != 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return ANJU_EXIT_CANTCREAT;
	}
	return 0;
}

int
db_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int version = 0, rc;

	*out = NULL;
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "workspace is not a regular file");
		return ANJU_EXIT_CANTCREAT;
	}
	/* A connection is only ever used by one thread at a time: no mutex
	 * around each call (a bulk insert makes dozens a row), and no
	 * memory statistics, which take a global mutex per allocation.
	 * sqlite3_config() only works before SQLite initialises; later
	 * calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                        SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open workspace: %s",
		         db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return ANJU_EXIT_CANTCREAT;
	}
	sqlite3_busy_timeout(db, 5000);
	if (user_version(db, &version) != 0) {
		snprintf(err, errlen, "not an SQLite workspace: %s",
		         sqlite3_errmsg(db));
		sqlite3_close(db);
		return ANJU_EXIT_DATAERR;
	}
	if (version > ANJU_SCHEMA_VERSION) {
		snprintf(err, errlen,
		         "workspace schema %d is newer than this anju (%d)",
		         version, ANJU_SCHEMA_VERSION);
		sqlite3_close(db);
		return ANJU_EXIT_DATAERR;
	}
	if (version < ANJU_SCHEMA_VERSION &&
	    (rc = apply_schema(db, err, errlen)) != 0) {
		sqlite3_close(db);
		return rc;
	}
	/*
	 * synchronous = OFF: a stage does not wait for the disk at commit.
	 * The rollback journal still undoes a stage that fails or is killed;
	 * only a power cut or OS crash during a stage can damage the
	 * workspace, which is then rebuilt from the exports. anju-run syncs
	 * a whole run once, before it publishes it, instead of once a stage
	 * (about 0.2 s a stage on a national file).
	 */
	if (db_exec(db,
	            "PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF;"
	            "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536",
	            err, errlen) != 0) {
		sqlite3_close(db);
		return ANJU_EXIT_CANTCREAT;
	}
	*out = db;
	return 0;
}

int
db_open_readonly(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc;

	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	rc = sqlite3_open_v2(path, &db,
	                     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s",
		         db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		*out = NULL;
		return rc;
	}
	sqlite3_busy_timeout(db, 5000);
	*out = db;
	return SQLITE_OK;
}

sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		anju_msg(NULL, 0, "sqlite: %s (in: %.60s)", sqlite3_errmsg(db),
		         sql);
		return NULL;
	}
	return st;
}

sqlite3_stmt *
db_prepare_rows(sqlite3 *db, const char *head, const char *tuple, int rows)
{
	size_t hlen = strlen(head), tlen = strlen(tuple), len = hlen;
	char *sql = malloc(hlen + (size_t)rows * (tlen + 1) + 1);
	sqlite3_stmt *st;
	int i;

	if (sql == NULL) {
		anju_msg(NULL, 0, "out of memory");
		return NULL;
	}
	memcpy(sql, head, hlen);
	for (i = 0; i < rows; i++) {
		if (i > 0)
			sql[len++] = ',';
		memcpy(sql + len, tuple, tlen);
		len += tlen;
	}
	sql[len] = '\0';
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

int
db_bind_text(sqlite3_stmt *st, int index, const char *s, int empty_as_null)
{
	if (s == NULL || (empty_as_null && *s == '\0'))
		return sqlite3_bind_null(st, index);
	return sqlite3_bind_text(st, index, s, -1, SQLITE_TRANSIENT);
}

int
db_set_info(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = db_prepare(
	    db, "INSERT OR REPLACE INTO run_info (key, value) VALUES (?, ?)");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

int
db_get_info(sqlite3 *db, const char *key, char *buf, size_t buflen)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT value FROM run_info WHERE key = ?");
	int rc = -1;

	buf[0] = '\0';
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(buf, buflen, "%s",
		         (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
