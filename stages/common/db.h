/*
 * db.h - the run's SQLite workspace: open it, apply the schema, run SQL.
 *
 * Every statement that carries a value goes through sqlite3_prepare_v2()
 * and sqlite3_bind_*(); nothing here builds SQL from data.
 */
#ifndef ANJU_DB_H
#define ANJU_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Schema version this build writes (PRAGMA user_version). */
#define ANJU_SCHEMA_VERSION 3

/*
 * Open (creating if needed) the workspace at PATH and bring its schema to
 * ANJU_SCHEMA_VERSION from anju_datadir()/schemas/workspace.sql.
 * Returns 0 and *OUT (close with sqlite3_close), or ANJU_EXIT_CANTCREAT
 * when PATH cannot be opened for writing, ANJU_EXIT_DATAERR when it is not
 * an SQLite database or is from a newer anju, ANJU_EXIT_SOFTWARE when the
 * schema file is missing; the message goes to ERR.
 */
int db_open(const char *path, sqlite3 **out, char *err, size_t errlen);

/*
 * Open the SQLite file PATH read-only, for one thread at a time (no mutex
 * around each call) and with db_open()'s busy timeout. Returns SQLITE_OK
 * and *OUT (close with sqlite3_close), or an SQLite result code with *OUT
 * NULL and the reason in ERR.
 */
int db_open_readonly(const char *path, sqlite3 **out, char *err, size_t errlen);

/*
 * Run SQL text without bound values (DDL, BEGIN, fixed statements).
 * Returns 0, or -1 with the SQLite message in ERR.
 */
int db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/*
 * The exit code for a stage that failed with SQLite result code RC
 * (primary or extended; sqlite3_errcode() read before anything else runs
 * on the connection): ANJU_EXIT_CANTCREAT when the storage failed (a full
 * disk, an I/O error, a read-only or unopenable file), which the operator
 * fixes, else ANJU_EXIT_SOFTWARE.
 */
int db_exit_code(int rc);

/*
 * Prepare SQL; on failure print "PROG: sqlite: message" and return NULL.
 * The statement is owned by the caller (sqlite3_finalize).
 */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);

/*
 * Prepare "HEAD TUPLE, TUPLE, ..." with ROWS copies of TUPLE, e.g. HEAD
 * "INSERT INTO t (a, b) VALUES " and TUPLE "(?, ?)": one statement writes
 * ROWS rows, which saves the per-statement cost of big batch writes.
 * Returns the statement (caller finalizes) or NULL after a message.
 */
sqlite3_stmt *db_prepare_rows(sqlite3 *db, const char *head, const char *tuple,
                              int rows);

/*
 * Bind TEXT at 1-based INDEX: NULL or "" binds SQL NULL when
 * EMPTY_AS_NULL is nonzero. SQLITE_TRANSIENT, so the caller keeps its
 * buffer. Returns the sqlite3_bind_* result.
 */
int db_bind_text(sqlite3_stmt *st, int index, const char *s, int empty_as_null);

/* Store KEY=VALUE in run_info (replacing). Returns 0 or -1. */
int db_set_info(sqlite3 *db, const char *key, const char *value);

/*
 * Read run_info KEY into BUF (BUFLEN bytes). Returns 0 when found, -1
 * otherwise (BUF then "").
 */
int db_get_info(sqlite3 *db, const char *key, char *buf, size_t buflen);

#endif
