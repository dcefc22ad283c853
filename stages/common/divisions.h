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
 * divisions_build(), a CSV with columns code
 * and name at any level, or a directory of such CSVs (the national layout
 * provinces/cities/areas/streets/villages.csv). PATH NULL opens the
 * shipped default (anju_datadir()/divisions.db). Returns 0 and *OUT
 * (free with divisions_close) or an ANJU_EXIT_* code with a message in ERR.
 */
int divisions_open(const char *path, struct divisions **out, char *err,
		   size_t errlen);
void divisions_close(struct divisions *d);

/*
 * Build the SQLite division database at DB_PATH from the CSV file or
 * directory at SRC (code,name columns; level from the code length 2, 4, 6,
 * 9 or 12, or from trailing zeros of a 12-digit code). Returns 0 or an
 * ANJU_EXIT_* code with a message in ERR.
 */
int divisions_build(const char *src, const char *db_path, char *err,
		    size_t errlen);

enum div_status { DIV_OK, DIV_NONE, DIV_AMBIGUOUS };

struct div_place {
	char county[7];	  /* 6-digit county code or "" */
	char township[10]; /* 9-digit township code or "" */
	char village[13]; /* 12-digit village code or "" */
};

/*
 * Resolve names (text_clean()ed; any may be NULL or "") to codes. County
 * short forms (阜蒙县, 阜新县, 阜新 for 阜新蒙古族自治县), township
 * suffixes (镇, 乡, 街道 ...) and village suffix variants (村, 村委会,
 * 村民委员会, 村村委会, 居委会, 社区 ...) are accepted; an exact name
 * always wins over a variant. SCOPE, when not NULL/"", is a code prefix
 * (e.g. "2109") limiting the search.
 * Fills as much of *OUT as resolves uniquely (a county alone is useful).
 * Returns DIV_OK when a unique village was found, DIV_AMBIGUOUS when
 * several fit, DIV_NONE otherwise. Never guesses.
 */
enum div_status divisions_resolve(struct divisions *d, const char *county,
				  const char *township, const char *village,
				  const char *scope, struct div_place *out);

/*
 * Check a code given in a file: CODE (text_clean()ed, 12 digits, or 9/6
 * for a township/county) must exist in the table. Fills *OUT from it.
 * Returns DIV_OK or DIV_NONE.
 */
enum div_status divisions_check_code(struct divisions *d, const char *code,
				     struct div_place *out);

/* Name of CODE (any level), or NULL. Owned by D, valid until the next call
 * of divisions_name() or divisions_close(). */
const char *divisions_name(struct divisions *d, const char *code);

#endif
