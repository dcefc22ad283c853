/*
 * anju.h - things every stage shares: exit codes, version, diagnostics.
 *
 * Exit codes follow sysexits.h and are the product contract of SPEC 8;
 * keep this the one list that names them.
 */
#ifndef ANJU_H
#define ANJU_H

#include <stdarg.h>
#include <stddef.h>

#define ANJU_VERSION "0.1.0"

enum anju_exit {
	ANJU_EXIT_OK = 0,         /* done; findings are normal output */
	ANJU_EXIT_USAGE = 64,     /* bad command line */
	ANJU_EXIT_DATAERR = 65,   /* input data unusable */
	ANJU_EXIT_NOINPUT = 66,   /* input file missing or a directory */
	ANJU_EXIT_SOFTWARE = 70,  /* internal error */
	ANJU_EXIT_CANTCREAT = 73, /* cannot write output */
	ANJU_EXIT_TEMPFAIL = 75,  /* another run holds the lock */
};

/*
 * Name used as the prefix of every message ("anju-ingest"). Set once by
 * main() with anju_set_progname(); defaults to "anju".
 */
void anju_set_progname(const char *name);
const char *anju_progname(void);

/*
 * Print "PROG: FILE:LINE: message" to stderr. FILE may be NULL (then only
 * "PROG: message"); LINE 0 omits the line number. Never exits.
 */
void anju_msg(const char *file, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* vprintf-style variant of anju_msg(). */
void anju_vmsg(const char *file, size_t line, const char *fmt, va_list ap);

/*
 * Directory holding the shipped data (the default division table):
 * $ANJU_DATADIR if set, else <dir of the executable>/../share/anju.
 * Returns a static buffer; never NULL.
 */
const char *anju_datadir(void);

/*
 * Copy the LEN bytes at S and a NUL into *BUF, a buffer of *CAP bytes
 * kept from one call to the next (grown with realloc when too small; the
 * caller frees it). Returns 0, or -1 when out of memory (*BUF unchanged).
 */
int anju_keep(char **buf, size_t *cap, const char *s, size_t len);

#endif
