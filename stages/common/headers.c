/* headers.c - header aliases as data (schemas/headers.tsv). */
#include "headers.h"

#include "text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct header_kind *
kind_get(struct header_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nkinds; i++)
		if (strcmp(t->kinds[i].name, name) == 0)
			return &t->kinds[i];
	if (t->nkinds == sizeof(t->kinds) / sizeof(t->kinds[0]) ||
	    strlen(name) >= sizeof(t->kinds[0].name))
		return NULL;
	snprintf(t->kinds[t->nkinds].name, sizeof(t->kinds[0].name), "%s",
	         name);
	return &t->kinds[t->nkinds++];
}

/*
 * A header cell as compared with the aliases: text_key(), and the marks
 * exports put on a column name rather than in it dropped: the '*' of a
 * required column (＊ becomes * under NFKC) and a trailing note such as
 * (必填) or (必选).
 */
static char *
header_key(const char *cell)
{
	static const char *const notes[] = {"(必填)", "(必填项)", "(必选)",
	                                    "(选填)"};
	char *key = text_key(cell), *w, *r;
	size_t i, n, len;

	if (key == NULL)
		return NULL;
	for (r = w = key; *r != '\0'; r++)
		if (*r != '*')
			*w++ = *r;
	*w = '\0';
	len = strlen(key);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		n = strlen(notes[i]);
		if (len > n && strcmp(key + len - n, notes[i]) == 0) {
			key[len - n] = '\0';
			break;
		}
	}
	return key;
}

/* Split the |-separated ALIASES into a NULL-terminated array of keys. */
static char **
alias_list(char *aliases)
{
	size_t n = 1, i = 0;
	char *p, *save = NULL, **list;

	for (p = aliases; *p; p++)
		n += *p == '|';
	list = calloc(n + 1, sizeof(*list));
	if (list == NULL)
		return NULL;
	for (p = strtok_r(aliases, "|", &save); p != NULL;
	     p = strtok_r(NULL, "|", &save)) {
		list[i] = header_key(p);
		if (list[i] == NULL)
			break;
		i++;
	}
	return list;
}

static int
add_line(struct header_table *t, char *line, char *why, size_t whylen)
{
	char *kind, *field, *req, *aliases, *fallback, *save = NULL;
	struct header_kind *k;

	kind = strtok_r(line, "\t", &save);
	field = strtok_r(NULL, "\t", &save);
	req = strtok_r(NULL, "\t", &save);
	aliases = strtok_r(NULL, "\t\r\n", &save);
	fallback = strtok_r(NULL, "\t\r\n", &save);
	if (kind == NULL || field == NULL || req == NULL || aliases == NULL) {
		snprintf(why, whylen, "expected 4 tab-separated columns");
		return -1;
	}
	if ((k = kind_get(t, kind)) == NULL ||
	    k->nfields == HEADERS_MAX_FIELDS) {
		snprintf(why, whylen, "too many kinds or fields");
		return -1;
	}
	k->field[k->nfields] = strdup(field);
	k->required[k->nfields] = strcmp(req, "yes") == 0;
	k->alias[k->nfields] = alias_list(aliases);
	k->fallback[k->nfields] =
	    fallback != NULL ? alias_list(fallback) : calloc(1, sizeof(char *));
	if (k->field[k->nfields] == NULL || k->alias[k->nfields] == NULL ||
	    k->fallback[k->nfields] == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	k->nfields++;
	return 0;
}

int
headers_load(const char *path, struct header_table *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, why[128];
	size_t cap = 0, lineno = 0;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open header aliases", path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n' || line[0] == '\r')
			continue;
		if (add_line(t, line, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc != 0)
		headers_free(t);
	return rc;
}

void
headers_free(struct header_table *t)
{
	size_t i, f;
	char **a;

	for (i = 0; i < t->nkinds; i++) {
		for (f = 0; f < t->kinds[i].nfields; f++) {
			free(t->kinds[i].field[f]);
			for (a = t->kinds[i].alias[f]; a && *a; a++)
				free(*a);
			free(t->kinds[i].alias[f]);
			for (a = t->kinds[i].fallback[f]; a && *a; a++)
				free(*a);
			free(t->kinds[i].fallback[f]);
		}
	}
	memset(t, 0, sizeof(*t));
}

const struct header_kind *
headers_kind(const struct header_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nkinds; i++)
		if (strcmp(t->kinds[i].name, name) == 0)
			return &t->kinds[i];
	return NULL;
}

int
headers_field(const struct header_kind *k, const char *field)
{
	size_t f;

	for (f = 0; f < k->nfields; f++)
		if (strcmp(k->field[f], field) == 0)
			return (int)f;
	return -1;
}

/* Field index whose aliases (FALLBACK: fallback aliases) hold exactly
 * the first LEN bytes of KEY. */
static int
match_exact(const struct header_kind *k, const char *key, size_t len,
            bool fallback)
{
	size_t f;
	char **a;

	for (f = 0; f < k->nfields; f++)
		for (a = fallback ? k->fallback[f] : k->alias[f]; *a; a++)
			if (strncmp(*a, key, len) == 0 && (*a)[len] == '\0')
				return (int)f;
	return -1;
}

/* headers_match() among the aliases, or among the fallback aliases. */
static int
match_rank(const struct header_kind *k, const char *key, bool fallback)
{
	size_t len = strlen(key);
	const char *open;
	int f = match_exact(k, key, len, fallback);

	/* A trailing note in brackets that no alias spells out, such as
	 * 户主身份证号码(18位) or 验收结果(合格/不合格): the name before it.
	 * Not when the note is a unit of ten thousand (万元), which changes
	 * what the numbers mean: those columns have aliases of their own. */
	if (f < 0 && len > 2 && key[len - 1] == ')' &&
	    (open = strrchr(key, '(')) != NULL && open > key &&
	    strstr(open, "万") == NULL)
		f = match_exact(k, key, (size_t)(open - key), fallback);
	return f;
}

int
headers_match(const struct header_kind *k, const char *key)
{
	int f = match_rank(k, key, false);

	return f >= 0 ? f : match_rank(k, key, true);
}

int
headers_match_cell(const struct header_kind *k, const char *cell)
{
	char *key = header_key(cell);
	int f = key != NULL && *key != '\0' ? headers_match(k, key) : -1;

	free(key);
	return f;
}

/* Whether some field is mapped to column I already. */
static bool
column_used(const int column[HEADERS_MAX_FIELDS], size_t i)
{
	size_t f;

	for (f = 0; f < HEADERS_MAX_FIELDS; f++)
		if (column[f] == (int)i)
			return true;
	return false;
}

/* Map the cells of CELLS that name a field by an alias of one rank
 * (FALLBACK) into COLUMN, fields already mapped left alone when
 * FALLBACK. Returns 0, or -1 with ERR set (a field named twice). */
static int
map_rank(const struct header_kind *k, char *const *cells, size_t n,
         int column[HEADERS_MAX_FIELDS], bool fallback, bool taken[], char *err,
         size_t errlen)
{
	size_t i;
	int m;

	for (i = 0; i < n; i++) {
		char *key = header_key(cells[i]);

		m = key ? match_rank(k, key, fallback) : -1;
		free(key);
		if (m < 0 || (fallback && (taken[m] || column_used(column, i))))
			continue;
		if (column[m] >= 0) {
			snprintf(err, errlen,
			         "field %s named by two columns: %s (column "
			         "%d) and %s (column %zu)",
			         k->field[m], cells[column[m]], column[m] + 1,
			         cells[i], i + 1);
			return -1;
		}
		column[m] = (int)i;
	}
	return 0;
}

int
headers_map(const struct header_kind *k, char *const *cells, size_t n,
            int column[HEADERS_MAX_FIELDS], char *err, size_t errlen)
{
	bool taken[HEADERS_MAX_FIELDS] = {false};
	size_t f;

	for (f = 0; f < HEADERS_MAX_FIELDS; f++)
		column[f] = -1;
	if (map_rank(k, cells, n, column, false, taken, err, errlen) != 0)
		return -1;
	for (f = 0; f < HEADERS_MAX_FIELDS; f++)
		taken[f] = column[f] >= 0;
	if (map_rank(k, cells, n, column, true, taken, err, errlen) != 0)
		return -1;
	for (f = 0; f < k->nfields; f++) {
		if (k->required[f] && column[f] < 0) {
			/* Name the column the way users know it. */
			snprintf(err, errlen, "required column %s (%s) missing",
			         k->alias[f][0], k->field[f]);
			return -1;
		}
	}
	return 0;
}

int
headers_score(const struct header_table *t, const char *const *kinds,
              char *const *cells, size_t n, int floor)
{
	/* fields already named, per kind: a second cell naming one adds
	 * nothing (a stray row merged into a header must not score) */
	uint64_t seen[8] = {0};
	int score = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		char *key;

		/* Even if every cell left named a column, no better line. */
		if (floor >= 0 && score + (int)(n - i) <= floor)
			break;
		key = header_key(cells[i]);

		if (key == NULL || *key == '\0') {
			free(key);
			continue;
		}
		for (j = 0; j < 8 && kinds[j] != NULL; j++) {
			const struct header_kind *k = headers_kind(t, kinds[j]);
			int f = k != NULL ? headers_match(k, key) : -1;

			if (f >= 0) {
				if (f < 64 && !(seen[j] & (UINT64_C(1) << f))) {
					seen[j] |= UINT64_C(1) << f;
					score++;
				}
				break;
			}
		}
		free(key);
	}
	return score;
}
