/* values.c - money, areas, counts, years and the enumerated-value table. */
#include "values.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Remove SUFFIX from the end of S in place; true when it was there. */
static bool
cut_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	if (n < k || strcmp(s + n - k, suffix) != 0)
		return false;
	s[n - k] = '\0';
	return true;
}

/* Remove every ' ' from S in place. */
static void
drop_spaces(char *s)
{
	char *r, *w;

	for (r = w = s; *r != '\0'; r++)
		if (*r != ' ')
			*w++ = *r;
	*w = '\0';
}

/*
 * True when S is a non-negative decimal: digits, optionally grouped by
 * commas in threes (12,000), optionally ".digits". Bare signs, exponents,
 * hex, inf and nan are refused so that strtod() only sees what a person
 * would call a number.
 */
static bool
plain_decimal(const char *s)
{
	const char *p = s;
	size_t group = 0;
	bool commas = false;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p) || *p == ','; p++) {
		if (*p != ',') {
			group++;
			continue;
		}
		if ((commas && group != 3) || (!commas && group > 3) ||
		    group == 0)
			return false;
		commas = true;
		group = 0;
	}
	if (commas && group != 3)
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return false;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	return *p == '\0';
}

/*
 * S (digits and at most one '.') as a double without strtod(), when it
 * has at most 15 digits: the digits are then an exact integer, and one
 * division by an exact power of ten rounds once, to the double strtod()
 * gives (the classic fast path). Most cells (3, 54.5, 35000) are like
 * that, and strtod() was a tenth of reading a number. Returns false to
 * leave S to strtod().
 */
static bool
short_decimal(const char *s, double *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
	                               1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
	                               1e12, 1e13, 1e14, 1e15};
	uint64_t m = 0;
	int digits = 0, frac = -1;

	for (; *s != '\0'; s++) {
		if (*s == '.' && frac < 0) {
			frac = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || ++digits > 15)
			return false;
		m = m * 10 + (uint64_t)(*s - '0');
		if (frac >= 0)
			frac++;
	}
	if (digits == 0)
		return false;
	*out = (double)m / pow10[frac > 0 ? frac : 0];
	return true;
}

/* Parse a plain_decimal() S (commas allowed) into *OUT. */
static bool
decimal_value(char *s, double *out)
{
	char *r, *w;

	if (!plain_decimal(s))
		return false;
	for (r = w = s; *r != '\0'; r++)
		if (*r != ',')
			*w++ = *r;
	*w = '\0';
	if (short_decimal(s, out))
		return true;
	errno = 0;
	*out = strtod(s, NULL);
	return errno == 0 && isfinite(*out);
}

/* A cleaned cell: in BUF when short and simple, else malloc'd. */
struct scratch {
	char *c;
	char buf[64];
};

/*
 * Copies S without its spaces into SC->buf when S holds only printable
 * ASCII and CJK ideographs U+4E00-U+9FFF: text_clean() would only trim
 * and collapse its spaces, and prepare() drops them all anyway. False
 * when S needs text_clean() or does not fit.
 */
static bool
copy_simple(const char *s, struct scratch *sc)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	for (; *p != '\0'; p++) {
		if (n + 3 >= sizeof sc->buf)
			return false;
		if (*p >= 0x20 && *p <= 0x7E) {
			if (*p != ' ')
				sc->buf[n++] = (char)*p;
			continue;
		}
		/* U+4E00 (E4 B8 80) .. U+9FFF (E9 BF BF), as text.c */
		if (*p < 0xE4 || *p > 0xE9 || (*p == 0xE4 && p[1] < 0xB8) ||
		    (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return false;
		memcpy(sc->buf + n, p, 3);
		n += 3;
		p += 2;
	}
	sc->buf[n] = '\0';
	sc->c = sc->buf;
	return true;
}

/*
 * Clean S, drop its spaces and hand it back in SC->c (release with
 * scratch_free(), also after a failure). Returns VALUE_EMPTY/VALUE_BAD
 * when the caller should stop, VALUE_OK when SC->c holds text to parse.
 * Most cells take the copy_simple() path and cost no allocation.
 */
static enum value_result
prepare(const char *s, struct scratch *sc)
{
	sc->c = NULL;
	if (s == NULL)
		s = "";
	if (!copy_simple(s, sc)) {
		if ((sc->c = text_clean(s)) == NULL)
			return VALUE_BAD;
		drop_spaces(sc->c);
	}
	return sc->c[0] == '\0' ? VALUE_EMPTY : VALUE_OK;
}

/* prepare(), with a placeholder (/, 无 ...) read as empty: for amounts,
 * areas and years, where such a cell means "none". */
static enum value_result
prepare_amount(const char *s, struct scratch *sc)
{
	enum value_result res = prepare(s, sc);

	return res == VALUE_OK && text_is_placeholder(sc->c) ? VALUE_EMPTY
	                                                     : res;
}

static void
scratch_free(struct scratch *sc)
{
	if (sc->c != sc->buf)
		free(sc->c);
}

enum value_result
value_money(const char *s, double *yuan)
{
	enum value_result res;
	struct scratch sc;
	char *c, *p;
	double v, scale = 1;
	bool negative = false;

	if ((res = prepare_amount(s, &sc)) != VALUE_OK)
		goto done;
	c = sc.c;
	res = VALUE_BAD;
	p = c;
	if (*p == '-') {
		negative = true;
		p++;
	}
	/* NFKC has made ￥ into ¥ (U+00A5); 元 and 万 may follow. */
	if (strncmp(p, "¥", strlen("¥")) == 0)
		p += strlen("¥");
	else if (strncmp(p, "RMB", 3) == 0)
		p += 3;
	(void)cut_suffix(p, "元");
	if (cut_suffix(p, "万"))
		scale = 10000;
	if (!decimal_value(p, &v))
		goto done;
	v = round(v * scale * 100) / 100; /* whole fen, no 1.2*1e4 fuzz */
	if (negative && v != 0)
		goto done;
	*yuan = v + 0.0; /* never -0 */
	res = VALUE_OK;
done:
	scratch_free(&sc);
	return res;
}

enum value_result
value_number(const char *s, double *out)
{
	/* lengths in bytes: the suffixes are compared without strlen() */
	static const struct {
		const char *text;
		size_t len;
	} units[] = {{"平方米", 9}, {"平米", 6}, {"M2", 2}, {"m2", 2},
	             {"口人", 6},   {"人户", 6}, {"人", 3}, {"口", 3}};
	enum value_result res;
	struct scratch sc;
	size_t i, n;
	char *c;

	if ((res = prepare_amount(s, &sc)) != VALUE_OK)
		goto done;
	c = sc.c;
	/* ㎡ and m² arrive as "m2" after NFKC. The first unit that ends C
	 * is cut, as cut_suffix() would, measuring C once. */
	n = strlen(c);
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (n >= units[i].len &&
		    memcmp(c + n - units[i].len, units[i].text, units[i].len) ==
		        0) {
			c[n - units[i].len] = '\0';
			break;
		}
	res = decimal_value(c, out) ? VALUE_OK : VALUE_BAD;
done:
	scratch_free(&sc);
	return res;
}

enum value_result
value_year(const char *s, int *year)
{
	enum value_result res;
	struct scratch sc;
	char *c;
	int y;

	if ((res = prepare_amount(s, &sc)) != VALUE_OK)
		goto done;
	c = sc.c;
	if (!cut_suffix(c, "年度"))
		(void)cut_suffix(c, "年");
	(void)cut_suffix(c, ".0"); /* a number cell: 2020.0 */
	res = VALUE_BAD;
	if (strlen(c) != 4 || strspn(c, "0123456789") != 4)
		goto done;
	y = atoi(c);
	if (y < 1949 || y > 2100)
		goto done;
	*year = y;
	res = VALUE_OK;
done:
	scratch_free(&sc);
	return res;
}

/* A photo node's yes and no in words and ledger marks (√ ×). */
static const char *const count_yes[] = {"有",     "是",     "有照片",
                                        "已拍照", "已上传", "\u221a",
                                        "\u2713", "\u2714", NULL};
static const char *const count_no[] = {"无",     "否",     "没有",   "无照片",
                                       "未上传", "未拍照", "\u00d7", "\u2717",
                                       "\u2718", NULL};

/* True when S is one of WORDS (NULL-terminated). */
static bool
is_word(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

/* C as a number of photos (3, 3张, 3张照片, 3幅) into *COUNT; C may
 * lose its suffix. Returns true when it is one. */
static bool
photo_number(char *c, int *count)
{
	if (!cut_suffix(c, "张照片") && !cut_suffix(c, "张"))
		(void)cut_suffix(c, "幅");
	if (c[0] == '\0' || strlen(c) > 6 ||
	    strspn(c, "0123456789") != strlen(c))
		return false;
	*count = (int)strtol(c, NULL, 10);
	return true;
}

/*
 * A count with a note in brackets after it, as people annotate a cell: 有
 * (3张) is three photos, 有(已上传) one, 2(补拍) two, 无(待补) none. A
 * note that contradicts the count before it (无(3张), 2(3张)) is not
 * read: D08, for a person to look at. Returns VALUE_OK or VALUE_BAD.
 */
static enum value_result
bracketed_count(char *c, int *count)
{
	size_t n = strlen(c);
	char *open = strrchr(c, '(');
	int head, note;
	bool noted;

	if (n == 0 || c[n - 1] != ')' || open == NULL || open == c)
		return VALUE_BAD;
	c[n - 1] = '\0';
	*open = '\0';
	noted = photo_number(open + 1, &note);
	if (is_word(c, count_yes))
		head = noted && note > 0 ? note : 1;
	else if (is_word(c, count_no))
		head = 0;
	else if (!photo_number(c, &head))
		return VALUE_BAD;
	if (noted && note != head)
		return VALUE_BAD;
	*count = head;
	return VALUE_OK;
}

enum value_result
value_count(const char *s, int *count)
{
	enum value_result res;
	struct scratch sc;
	char *c;

	if ((res = prepare(s, &sc)) != VALUE_OK)
		goto done;
	c = sc.c;
	res = VALUE_OK;
	/* Most cells are a plain number: no word or suffix to try. */
	if (strspn(c, "0123456789") == strlen(c)) {
		if (strlen(c) > 6)
			res = VALUE_BAD;
		else
			*count = (int)strtol(c, NULL, 10);
		goto done;
	}
	if (is_word(c, count_yes)) {
		*count = 1;
		goto done;
	}
	if (is_word(c, count_no)) {
		*count = 0;
		goto done;
	}
	if (text_is_placeholder(c)) {
		res = VALUE_EMPTY;
		goto done;
	}
	res = photo_number(c, count) ? VALUE_OK : bracketed_count(c, count);
done:
	scratch_free(&sc);
	return res;
}

/* ---- the enumerated-value table ---- */

struct value_entry {
	char *key;       /* field "\t" text_key(variant) */
	char *canonical; /* points into the same allocation as key */
};

struct value_map {
	struct value_entry *slot; /* open addressing, linear probing */
	size_t cap;               /* a power of two */
	size_t used;
};

static struct value_entry *
find_slot(const struct value_map *m, const char *key)
{
	size_t i = (size_t)text_hash(key) & (m->cap - 1);

	while (m->slot[i].key != NULL && strcmp(m->slot[i].key, key) != 0)
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

/* Double the table; false on ENOMEM (the old table is then kept). */
static bool
grow(struct value_map *m)
{
	struct value_map bigger = {NULL, m->cap * 2, m->used};
	size_t i;

	if ((bigger.slot = calloc(bigger.cap, sizeof *bigger.slot)) == NULL)
		return false;
	for (i = 0; i < m->cap; i++)
		if (m->slot[i].key != NULL)
			*find_slot(&bigger, m->slot[i].key) = m->slot[i];
	free(m->slot);
	*m = bigger;
	return true;
}

/*
 * Make "FIELD\tKEY" (KEY already text_key()ed) into BUF, a malloc'd
 * string owned by the caller; NULL on ENOMEM.
 */
static char *
make_key(const char *field, const char *key)
{
	char *buf;

	if (asprintf(&buf, "%s\t%s", field, key) < 0)
		return NULL;
	return buf;
}

/*
 * Add VARIANT -> CANONICAL for FIELD. Returns 0, or -1 on ENOMEM, or 1
 * when the variant is already mapped to a different canonical value.
 */
static int
map_add(struct value_map *m, const char *field, const char *variant,
        const char *canonical)
{
	struct value_entry *e;
	char *vkey = NULL, *entry = NULL;
	size_t klen;
	int rc = -1;

	if ((vkey = text_key(variant)) == NULL)
		goto done;
	if ((m->used + 1) * 2 > m->cap && !grow(m))
		goto done;
	/* One allocation holds "field\tkey\0canonical\0". */
	klen = strlen(field) + 1 + strlen(vkey);
	if ((entry = malloc(klen + 1 + strlen(canonical) + 1)) == NULL)
		goto done;
	snprintf(entry, klen + 1, "%s\t%s", field, vkey);
	strcpy(entry + klen + 1, canonical);
	e = find_slot(m, entry);
	if (e->key != NULL) {
		rc = strcmp(e->canonical, canonical) == 0 ? 0 : 1;
		goto done;
	}
	e->key = entry;
	e->canonical = entry + klen + 1;
	entry = NULL;
	m->used++;
	rc = 0;
done:
	free(vkey);
	free(entry);
	return rc;
}

void
value_map_free(struct value_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->slot[i].key);
	free(m->slot);
	free(m);
}

/*
 * Split one TSV line (newline already cut) into exactly three fields in
 * place. Returns false when the line does not have three.
 */
static bool
split3(char *line, char *f[3])
{
	int i;

	f[0] = line;
	for (i = 1; i < 3; i++) {
		if ((f[i] = strchr(f[i - 1], '\t')) == NULL)
			return false;
		*f[i]++ = '\0';
	}
	return strchr(f[2], '\t') == NULL;
}

/* Process one line of values.tsv; writes a message to ERR on failure. */
static bool
load_line(struct value_map *m, char *line, const char *path, size_t lineno,
          char *err, size_t errlen)
{
	char *f[3];
	int rc;

	line[strcspn(line, "\r\n")] = '\0';
	if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
		return true;
	if (!split3(line, f) || f[0][0] == '\0' || f[2][0] == '\0') {
		snprintf(err, errlen,
		         "%s:%zu: expected field<TAB>variant<TAB>canonical",
		         path, lineno);
		return false;
	}
	/* The canonical value always stands for itself. */
	if ((rc = map_add(m, f[0], f[2], f[2])) == 0)
		rc = map_add(m, f[0], f[1], f[2]);
	if (rc == 0)
		return true;
	if (rc < 0)
		snprintf(err, errlen, "%s:%zu: out of memory", path, lineno);
	else
		snprintf(err, errlen,
		         "%s:%zu: %s variant '%s' already has another "
		         "canonical value",
		         path, lineno, f[0], f[1]);
	return false;
}

struct value_map *
value_map_load(const char *path, char *err, size_t errlen)
{
	struct value_map *m = NULL;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	bool ok = false;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->slot = calloc(m->cap = 256, sizeof *m->slot)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	while (getline(&line, &cap, fp) != -1)
		if (!load_line(m, line, path, ++lineno, err, errlen))
			goto done;
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	ok = true;
done:
	free(line);
	fclose(fp);
	if (!ok) {
		value_map_free(m);
		m = NULL;
	}
	return m;
}

/* Look KEY (already text_key()ed) up for FIELD; NULL when absent. */
static const char *
lookup_key(const struct value_map *m, const char *field, const char *key)
{
	const struct value_entry *e;
	char *full;

	if ((full = make_key(field, key)) == NULL)
		return NULL;
	e = find_slot(m, full);
	free(full);
	return e->key != NULL ? e->canonical : NULL;
}

/*
 * Generic reduction for safety_grade: "D级危房", "C级", "B危房", "D类"
 * carry the letter plus a suffix; strip 危房, then 级 or 类, so the table
 * need only list the letters and the spelled-out grades.
 */
static bool
reduce_grade(char *key)
{
	bool cut = cut_suffix(key, "危房");

	return cut_suffix(key, "级") || cut_suffix(key, "类") || cut;
}

/* Cut a trailing "(...)" off KEY when something comes before it. Returns
 * true when it did. */
static bool
drop_bracket_note(char *key)
{
	size_t n = strlen(key);
	char *open;

	if (n == 0 || key[n - 1] != ')' || (open = strrchr(key, '(')) == NULL ||
	    open == key)
		return false;
	*open = '\0';
	return true;
}

const char *
value_lookup(const struct value_map *m, const char *field, const char *raw,
             bool *empty)
{
	const char *canon = NULL;
	char *key;

	*empty = false;
	if (m == NULL || field == NULL || (key = text_key(raw)) == NULL)
		return NULL;
	if (key[0] == '\0') {
		*empty = true;
		goto done;
	}
	canon = lookup_key(m, field, key);
	if (canon == NULL && strcmp(field, "safety_grade") == 0 &&
	    reduce_grade(key))
		canon = lookup_key(m, field, key);
	/* A note in brackets after a known value: D级(整栋危险),
	 * 建档立卡贫困户(已脱贫), 合格(已验收). text_key() made （） into ().
	 */
	if (canon == NULL && drop_bracket_note(key)) {
		canon = lookup_key(m, field, key);
		if (canon == NULL && strcmp(field, "safety_grade") == 0 &&
		    reduce_grade(key))
			canon = lookup_key(m, field, key);
	}
	/* "/" or 无 where the field has no such value: nothing given. */
	if (canon == NULL && text_is_placeholder(key))
		*empty = true;
	/* a variant the table says means nothing yet (未验收): empty */
	if (canon != NULL && strcmp(canon, "-") == 0) {
		canon = NULL;
		*empty = true;
	}
done:
	free(key);
	return canon;
}

const char *
value_safety_category(const struct value_map *m, const char *means)
{
	bool empty;

	return value_lookup(m, "safety_category", means, &empty);
}
