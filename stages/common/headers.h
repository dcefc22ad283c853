/*
 * headers.h - the header aliases of schemas/headers.tsv: recognising a
 * header row and mapping its columns to workspace fields.
 */
#ifndef ANJU_HEADERS_H
#define ANJU_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#define HEADERS_MAX_FIELDS 48

/* The fields of one kind ("platform", "roster", "roster.person",
 * "members") and their aliases. */
struct header_kind {
	char name[16];
	size_t nfields;
	char *field[HEADERS_MAX_FIELDS];
	bool required[HEADERS_MAX_FIELDS];
	char **alias[HEADERS_MAX_FIELDS]; /* NULL-terminated, text_key()ed */
	/* Spellings seen in the field that name it only when no column
	 * carries one of its aliases (a file may have both 鉴定等级 and
	 * 鉴定结果): NULL-terminated, possibly empty. */
	char **fallback[HEADERS_MAX_FIELDS];
};

struct header_table {
	size_t nkinds;
	struct header_kind kinds[8];
};

/*
 * Load PATH (TSV, see schemas/headers.tsv). Returns 0 and fills *T (free
 * with headers_free), or -1 with "FILE:LINE: why" in ERR.
 */
int headers_load(const char *path, struct header_table *t, char *err,
                 size_t errlen);
void headers_free(struct header_table *t);

/* The kind named NAME, or NULL. */
const struct header_kind *headers_kind(const struct header_table *t,
                                       const char *name);

/* Index of FIELD in K, or -1. */
int headers_field(const struct header_kind *k, const char *field);

/*
 * Field index whose aliases contain the text_key()ed header cell KEY,
 * or -1. A trailing bracketed note no alias has (户主身份证号码(18位)) is
 * ignored, unless it names a 万 unit.
 */
int headers_match(const struct header_kind *k, const char *key);

/* headers_match() for a raw header cell (cleaned and keyed here): the
 * field CELL names, or -1. */
int headers_match_cell(const struct header_kind *k, const char *cell);

/*
 * Map the header cells CELLS[0..N) (raw) onto K: COLUMN[f] receives the
 * 0-based column of field f, or -1. A column with a fallback alias of a
 * field counts only when no column has one of the field's own aliases;
 * otherwise it is an extra column. Returns 0, or -1 with an English
 * message in ERR naming the problem: a required field missing ("required
 * column 户主身份证号 (head_id) missing") or one field named by two
 * columns of the same rank.
 */
int headers_map(const struct header_kind *k, char *const *cells, size_t n,
                int column[HEADERS_MAX_FIELDS], char *err, size_t errlen);

/* Number of cells in CELLS[0..N) that name a field of any of KINDS
 * (NULL-terminated kind names): the header-row score. With FLOOR >= 0 it
 * stops as soon as the score cannot exceed FLOOR and returns a score up
 * to FLOOR (see csvin_header_score). */
int headers_score(const struct header_table *t, const char *const *kinds,
                  char *const *cells, size_t n, int floor);

#endif
