/*
 * csvin.h - one input export, read as a stream of rows.
 *
 * Takes any file a person can make with Excel, WPS or a platform's export
 * button: UTF-8 with or without BOM, GB18030/GBK, UTF-16LE/BE with BOM;
 * comma or tab; CRLF or LF; quoted fields with embedded newlines; title or
 * blank lines above the header. Decoding is done with iconv, parsing with
 * libcsv; the file is never held in memory as a whole. The sha256 of the
 * file's bytes is computed on the way.
 *
 * Whole-file problems are reported by csvin_open(); row problems (ragged,
 * broken quotes, bytes that are not text) come back as rows carrying a
 * reject reason, so the caller can account for every row.
 */
#ifndef ANJU_CSVIN_H
#define ANJU_CSVIN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Scores one candidate header line: FIELDS[0..N) are its decoded cells
 * (raw UTF-8, not cleaned; the scorer cleans them as it likes).
 * Returns the number of cells that name a known column (0 when it is not
 * a header). The line with the highest score (>= 2) among the first 64
 * non-blank lines (at most 1 MB) of the file, under either delimiter, is
 * taken as the header; on a tie the earlier line wins, and on one line the
 * delimiter with the higher score, then with more cells. Lines above the
 * header (titles, blank lines) are skipped. The cells are only valid
 * during the call. FLOOR is the best score so far (-1 before any): once
 * the line cannot score above it, the scorer may stop and return any
 * score up to FLOOR (the data lines of the look-ahead then cost a few
 * cells each, not a header's worth).
 */
typedef int (*csvin_header_score)(char *const *fields, size_t n, int floor,
                                  void *ctx);

struct csvin_row {
	size_t line;     /* physical line (1-based) where the row starts */
	size_t nfields;  /* number of fields */
	char **fields;   /* decoded UTF-8 fields as in the file (not
	                    cleaned; libcsv only trims spaces and tabs
	                    around unquoted fields), NUL-terminated */
	const char *raw; /* the row's raw text as decoded, for rejects:
	                    its lines joined by LF (no CR), NUL-terminated;
	                    may hold invalid UTF-8 when the row is rejected
	                    for it */
	size_t raw_len;
	/* NULL for a usable row; else why the row cannot be used at all:
	 * "expected 12 fields, found 9", "invalid UTF-8 byte sequence"
	 * (or GB18030, UTF-16), "NUL byte in field", "unterminated quoted
	 * field" (raw is then the row's first line only; the lines after it
	 * are read again as rows), "field longer than 65536 bytes", "row
	 * longer than 8388608 bytes". fields may be partial then. A usable
	 * row has exactly the header's number of fields: extra trailing
	 * empty fields (Excel padding) are dropped. */
	const char *reject;
};

struct csvin;

/*
 * Open PATH and find its header. SCORE recognises header lines (NULL:
 * a line scores its number of non-empty cells); CTX is passed to it.
 * On success returns 0 and *OUT (free with csvin_close). On failure
 * returns ANJU_EXIT_NOINPUT (missing, unreadable, directory),
 * ANJU_EXIT_DATAERR (FIFO/device/socket, never read; not text:
 * ZIP/XLSX, .xls, PDF, image, NUL-filled; no header row: empty, BOM only,
 * only blank or title lines) or ANJU_EXIT_SOFTWARE (out of memory), sets
 * *OUT to NULL and writes a one-line English message (without the file
 * name) to ERR.
 */
int csvin_open(const char *path, csvin_header_score score, void *ctx,
               struct csvin **out, char *err, size_t errlen);

/* The header row (decoded cells) and its line number. Owned by IN. */
const struct csvin_row *csvin_header(const struct csvin *in);

/*
 * Next data row after the header into *ROW (storage owned by IN, valid
 * until the next call), in file order. Blank lines (empty, spaces or
 * tabs only, or a single line of delimiters only) are skipped and are
 * not rows.
 * Returns 1 for a row, 0 at end of file, -1 on a read error (message in
 * the err buffer given to csvin_open via csvin_error()).
 */
int csvin_next(struct csvin *in, struct csvin_row *row);

/* Last read error text, "" if none. Owned by IN. */
const char *csvin_error(const struct csvin *in);

/* "UTF-8", "UTF-8-BOM", "GB18030", "UTF-16LE", "UTF-16BE". */
const char *csvin_encoding(const struct csvin *in);

/* ',' or '\t'. */
char csvin_delimiter(const struct csvin *in);

/*
 * Lower-case hex sha256 of every byte of the file (65 bytes with NUL),
 * owned by IN. Complete only after csvin_next() returned 0 (or once the
 * whole file was read ahead); "" before that or after a read error.
 */
const char *csvin_sha256(struct csvin *in);

/* Closes the file and frees IN and everything it handed out. NULL is
 * fine. */
void csvin_close(struct csvin *in);

#endif
