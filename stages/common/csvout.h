/*
 * csvout.h - writing CSV output files with libcsv, atomically.
 *
 * The file is written as PATH.tmp.PID and renamed over PATH only by a
 * successful csvout_close(), so a reader never sees half a file.
 */
#ifndef ANJU_CSVOUT_H
#define ANJU_CSVOUT_H

#include <stddef.h>

enum {
	CSVOUT_BOM = 1,  /* start with a UTF-8 BOM (Excel, WPS) */
	CSVOUT_SAFE = 2, /* neutralise cells a spreadsheet would read as a
	                    formula (leading = + - @, tab, CR): a ' is put
	                    in front */
	CSVOUT_CRLF = 4, /* end rows with CRLF instead of LF */
};

struct csvout;

/*
 * Create PATH's temporary file with FLAGS. Returns the writer (owned by
 * the caller until csvout_close/csvout_abort) or NULL with a message in
 * ERR (then the caller exits ANJU_EXIT_CANTCREAT).
 */
struct csvout *csvout_open(const char *path, int flags, char *err,
                           size_t errlen);

/* Write one row of N cells; a NULL cell is empty. Returns 0 or -1. */
int csvout_row(struct csvout *w, const char *const *cells, size_t n);

/*
 * Flush, check for write errors, fsync and rename into place; frees W.
 * Returns 0 or -1 with a message in ERR (the temporary file is removed).
 */
int csvout_close(struct csvout *w, char *err, size_t errlen);

/* Give up: remove the temporary file and free W. */
void csvout_abort(struct csvout *w);

/* The cell as CSVOUT_SAFE would write it: NULL when it needs no change,
 * else a malloc'd copy with the neutralising prefix (caller frees). */
char *csvout_neutralise(const char *cell);

#endif
