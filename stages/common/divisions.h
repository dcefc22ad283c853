/*
 * divisions.h - the 统计用区划代码 table: names to 12-digit village codes,
 * and codes checked against the table.
 *
 * The table lives in an SQLite database (built from the shipped national
 * CSV at build time, or imported from a user's CSV) and is queried through
 * prepared statements with a cache, so a run only pays for the villages it
 * sees.
 */
#ifndef ANJU_DIVISIONS_H
#define ANJU_DIVISIONS_H

#include <stdbool.h>
#include <stddef.h>

struct divisions;

/*
 * Open the division table at PATH: an SQLite file made by
 * divisions_build() (told by its "SQLite format 3" header; opened
 * read-only), a CSV with columns code and name at any level (headers code/
 * 代码/区划代码/统计用区划代码 and name/名称; other columns ignored; any
 * encoding csvin reads), or a directory of such CSVs (the national layout
 * provinces/cities/areas/streets/villages.csv). A CSV source is imported
 * into an in-memory database. PATH NULL opens the shipped default
 * (anju_datadir()/divisions.db). Returns 0 and *OUT (free with
 * divisions_close) or ANJU_EXIT_NOINPUT (missing), ANJU_EXIT_DATAERR (not
 * a division table, no code/name header, no rows) with "PATH: message" in
 * ERR.
 */
int divisions_open(const char *path, struct divisions **out, char *err,
                   size_t errlen);
void divisions_close(struct divisions *d);

/*
 * A second handle on the table D has open, for another thread (a handle
 * belongs to one thread at a time): the same file opened again, or a copy
 * of a table imported into memory. Its lookup cache starts empty. Returns
 * 0 and *OUT (free with divisions_close) or an ANJU_EXIT_* code with the
 * reason in ERR.
 */
int divisions_clone(const struct divisions *d, struct divisions **out,
                    char *err, size_t errlen);

/*
 * Build the SQLite division database at DB_PATH from the CSV file or
 * directory at SRC (code,name columns; level from the code length 2, 4, 6,
 * 9 or 12, or from trailing zero groups of a 12-digit code: 210921000000
 * is the county 210921). Replaces the tables of an existing DB_PATH; one
 * transaction. Records rows, source and (one file) its sha256 in the meta
 * table, and county short forms in county_alias. Returns 0 or an
 * ANJU_EXIT_* code with a message in ERR.
 */
int divisions_build(const char *src, const char *db_path, char *err,
                    size_t errlen);

/*
 * divisions_build() with the hand-listed county short forms (alias<TAB>
 * code lines, see schemas/division_aliases.tsv) read from ALIASES instead
 * of anju_datadir()/schemas/division_aliases.tsv; NULL or a missing file
 * means only the generated short forms. Same return as divisions_build().
 */
int divisions_build_aliases(const char *src, const char *db_path,
                            const char *aliases, char *err, size_t errlen);

enum div_status { DIV_OK, DIV_NONE, DIV_AMBIGUOUS };

struct div_place {
	char county[7];    /* 6-digit county code or "" */
	char township[10]; /* 9-digit township code or "" */
	char village[13];  /* 12-digit village code or "" */
};

/*
 * Resolve names (text_clean()ed; any may be NULL or "") to codes. County
 * short forms (阜蒙县, 阜新县, 阜新 for 阜新蒙古族自治县), township
 * suffixes (镇, 乡, 街道 ...) and village suffix variants (村, 村委会,
 * 村民委员会, 村村委会, 居委会, 社区 ...) are accepted, as are names
 * without the table's notes in parentheses; under one parent (a village's
 * township, a township's county) an exact name wins over a variant, but
 * not across parents; among village variants one of the kind
 * the input names (村 vs 社区/居委会) wins over the other kind. SCOPE, when
 * not NULL/"", is a code prefix (e.g. "2109") limiting the search; a
 * scope that is not digits matches nothing.
 * The names are matched jointly: a village only under the matching
 * townships (or, with no township given, anywhere in the matching
 * counties). Fills as much of *OUT as the candidates share (a county
 * alone is useful). Returns DIV_OK when a unique village was found,
 * DIV_AMBIGUOUS when several fit, DIV_NONE otherwise, including when no
 * village name is given. Never guesses. Results are cached per
 * (county, township, village, scope) for the life of D.
 */
enum div_status divisions_resolve(struct divisions *d, const char *county,
                                  const char *township, const char *village,
                                  const char *scope, struct div_place *out);

/*
 * Check a code given in a file: CODE (text_clean()ed, 12 digits for a
 * village, or 9/6 for a township/county) must exist in the table at that
 * level (210921000000 is not a village). Fills *OUT from it (the levels
 * the code has). Returns DIV_OK or DIV_NONE.
 */
enum div_status divisions_check_code(struct divisions *d, const char *code,
                                     struct div_place *out);

/* Name of CODE (any level), or NULL. Owned by D, valid until the next call
 * of divisions_name() or divisions_close(). */
const char *divisions_name(struct divisions *d, const char *code);

#endif
