/* report.c - anju-report: summary, rejects and the county packs. */
#include "report.h"

#include "codes.h"

#include "rules.h"
#include "sheet.h"

#include "../diff/diff.h"
#include "anju.h"
#include "csvout.h"
#include "dates.h"
#include "db.h"
#include "divisions.h"
#include "idcard.h"
#include "text.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Statuses of SPEC 6, in summary order; the first three are "verified". */
static const char *const statuses[] = {
    "鉴定安全", "改造安全", "保障安全", "改造中", "未保障", "无记录", "待核实",
};

static const char *
code_name(const char *code)
{
	const struct finding_code *c = finding_code(code);

	return c != NULL ? c->name : "";
}

/* The Chinese word of the value V in the table WORDS (N pairs of value,
 * word); V itself when it has none, "" for NULL. */
static const char *
word_of(const char *v, const char *const (*words)[2], size_t n)
{
	if (v == NULL)
		return "";
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, words[i][0]) == 0)
			return words[i][1];
	return v;
}

static const char *
severity_name(const char *severity)
{
	static const char *const words[][2] = {
	    {"high", "高"}, {"medium", "中"}, {"low", "低"}};

	return word_of(severity, words, NELEM(words));
}

static const char *
change_name(const char *change)
{
	static const char *const words[][2] = {{"new", "本期新增"},
	                                       {"persisting", "未整改"},
	                                       {"resolved", "已整改"}};

	return word_of(change, words, NELEM(words));
}

bool
report_county_code_ok(const char *code)
{
	size_t i;

	if (code == NULL)
		return false;
	for (i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return code[6] == '\0';
}

char *
report_rate(long verified, long households, char *buf, size_t buflen)
{
	long long hundredths;

	if (households <= 0) {
		snprintf(buf, buflen, "%s", "");
		return buf;
	}
	/* In hundredths of a percent, half up as a spreadsheet rounds
	 * (1 of 32 is 3.13%, where printf's binary 3.125 gives 3.12%). */
	hundredths =
	    ((long long)verified * 20000 + households) / (2LL * households);
	snprintf(buf, buflen, "%lld.%02lld%%", hundredths / 100,
	         hundredths % 100);
	return buf;
}

/* Compiled once: ID-like runs, not glued to other digits or after a
 * letter: 15 to 20 digits with a birth year (19xx, 20xx) where an ID has
 * it, malformed ones too (19 digits; X, or O, I, l typed for digits,
 * inside); any 18 digits (or 17 and X), whatever their birth date (a
 * mistyped year is still someone's ID); or a 15-digit legacy ID with its
 * yymmdd. Never 16 digits alone: a 户编号 (whose township code can look
 * like a birth year) stays readable, as does a 档案编号 with other
 * letters (2109212020FS0012). IDs typed in groups are found by
 * mask_grouped_ids(), not by a pattern;
 * with its match data, made once too (a detail cell is masked per row). */
static pcre2_code *id_pattern;
static pcre2_match_data *id_match;

static void
id_pattern_free(void)
{
	pcre2_match_data_free(id_match);
	id_match = NULL;
	pcre2_code_free(id_pattern);
	id_pattern = NULL;
}

static pcre2_code *
id_pattern_get(void)
{
	int errcode;
	PCRE2_SIZE erroff;

	if (id_pattern == NULL)
		id_pattern = pcre2_compile(
		    (PCRE2_SPTR) "(?<![0-9A-Za-z])(?![0-9]{16}(?![0-9A-Za-z]))"
		                 "(?:[0-9]{6}(?:19|20)[0-9][0-9XxOoIl]{6,11}|"
		                 "[0-9]{17}[0-9Xx]|[0-9]{8}(?:0[1-9]|1[0-2])"
		                 "(?:0[1-9]|[12][0-9]|3[01])[0-9]{3})(?![0-9])",
		    PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);
	if (id_pattern != NULL && id_match == NULL) {
		/* Compiled to machine code where PCRE2 can (a pack masks two
		 * cells a row); pcre2_match() interprets it otherwise. */
		(void)pcre2_jit_compile(id_pattern, PCRE2_JIT_COMPLETE);
		id_match =
		    pcre2_match_data_create_from_pattern(id_pattern, NULL);
	}
	return id_match != NULL ? id_pattern : NULL;
}

/*
 * True when the N bytes at RUN, digit groups split by single spaces or
 * dashes (an X allowed last), read as an ID typed in groups (210921 1965
 * 0812 001X, 210921-19650812-001X, 21092119650812 001): one kind of
 * separator, every group 3 to 14 characters long but the last (2 or
 * more), 17 to 19 ID characters in all, and a birth year 19xx or 20xx
 * where an ID has it. Dates side by side, amounts and a 16-digit 户编号
 * with a suffix (2109212020000012-01) are not.
 */
static bool
grouped_id(const char *run, size_t n)
{
	char digits[19], sep = 0;
	size_t i, nd = 0, group = 0;

	for (i = 0; i < n; i++) {
		if (run[i] == ' ' || run[i] == '-') {
			if ((sep != 0 && run[i] != sep) || group < 3)
				return false;
			sep = run[i];
			group = 0;
			continue;
		}
		if (nd == sizeof(digits) || ++group > 14)
			return false;
		digits[nd++] = run[i];
	}
	return sep != 0 && group >= 2 && nd >= 17 &&
	       ((digits[6] == '1' && digits[7] == '9') ||
	        (digits[6] == '2' && digits[7] == '0'));
}

/* Length of the group of ID characters at S: digits, an X last. */
static size_t
group_len(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	if (n > 0 && (s[n] == 'X' || s[n] == 'x'))
		n++;
	return n;
}

/* Star in OUT the characters id_mask_n() stars of the N bytes at SPAN
 * (at OUT too), keeping the stars already there: windows may overlap. */
static void
star_span(const char *span, size_t n, char *out)
{
	char masked[64];
	size_t k;

	if (n >= sizeof(masked)) { /* longer than any ID: star every digit */
		for (k = 0; k < n; k++)
			if (isdigit((unsigned char)span[k]))
				out[k] = '*';
		return;
	}
	id_mask_n(span, n, masked);
	for (k = 0; k < n; k++)
		if (masked[k] == '*')
			out[k] = '*';
}

/*
 * Star in OUT (a copy of TEXT, LEN bytes) the IDs TEXT holds typed in
 * groups. Each run of groups split by single spaces or dashes, not glued
 * to a letter, a digit or an underscore before it, is tried from each of
 * its groups in turn: the longest window of up to seven groups from there
 * that grouped_id() takes is starred, so neither a number before an ID
 * nor one after it hides it. One pass and a few windows a group: a cell
 * of a million digits costs nothing.
 */
static void
mask_grouped_ids(const char *text, size_t len, char *out)
{
	enum { MAX_GROUPS = 7 };
	size_t i = 0, start[MAX_GROUPS], end[MAX_GROUPS], g, n, e;

	while (i < len) {
		if (!isdigit((unsigned char)text[i]) ||
		    (i > 0 && (isalnum((unsigned char)text[i - 1]) ||
		               text[i - 1] == '_'))) {
			i++;
			continue;
		}
		for (n = 0, e = i; n < MAX_GROUPS;) {
			start[n] = e;
			end[n] = e + group_len(text + e);
			e = end[n++];
			if (e + 1 >= len ||
			    (text[e] != ' ' && text[e] != '-') ||
			    !isdigit((unsigned char)text[e + 1]))
				break;
			e++;
		}
		for (g = n; g-- > 1;)
			if (grouped_id(text + start[0], end[g] - start[0])) {
				star_span(text + start[0], end[g] - start[0],
				          out + start[0]);
				break;
			}
		/* on from the next group of the run, or past it */
		i = n > 1 ? start[1] : end[0];
	}
}

char *
report_mask_ids(const char *text)
{
	pcre2_code *re = id_pattern_get();
	pcre2_match_data *md;
	size_t len = strlen(text), pos = 0, k;
	char *out = malloc(len + 1);
	int rc;

	if (re == NULL || out == NULL)
		goto fail;
	md = id_match; /* made by id_pattern_get() with RE */
	/* Masking keeps the length: OUT is TEXT with its IDs starred. */
	memcpy(out, text, len + 1);
	mask_grouped_ids(text, len, out);
	while ((rc = pcre2_match(re, (PCRE2_SPTR)text, len, pos, 0, md, NULL)) >
	       0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

		star_span(text + ov[0], ov[1] - ov[0], out + ov[0]);
		pos = ov[1];
	}
	/* A match that could not finish (the JIT's stack too small for the
	 * cell, say) must not let an ID through: the digits left are
	 * starred. */
	if (rc != PCRE2_ERROR_NOMATCH)
		for (k = pos; k < len; k++)
			if (isdigit((unsigned char)text[k]))
				out[k] = '*';
	return out;
fail:
	free(out);
	return NULL;
}

/* True when S is digits only, an X allowed last (an ID, a code), or made
 * of digits and the marks of numbers, money, dates and times (3-15, 1E5,
 * 1/2, 12:30, 1,000, 5%, (12), $5, ¥5, 1月2日), or TRUE or FALSE: a value
 * a spreadsheet would turn into a number, a date or a truth value. */
static bool
numeric_looking(const char *s)
{
	static const char *const marks[] = {"年", "月", "日", "¥", "￥"};
	size_t i, k, n = strlen(s);
	bool digit = false;

	if (strcasecmp(s, "TRUE") == 0 || strcasecmp(s, "FALSE") == 0)
		return true;
	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			digit = true;
			continue;
		}
		if (i == n - 1 && i > 0 && (s[i] == 'X' || s[i] == 'x'))
			continue;
		if (strchr(".,-/:+eE% ()$", s[i]) != NULL)
			continue;
		for (k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
			if (strncmp(s + i, marks[k], strlen(marks[k])) == 0)
				break;
		if (k == sizeof(marks) / sizeof(marks[0]))
			return false;
		i += strlen(marks[k]) - 1;
	}
	return digit;
}

/* A growing run of NUL-terminated strings: the cells of one row, kept
 * from row to row so a pack is written without an allocation a cell. */
struct strbuf {
	char *s;
	size_t len, cap;
	bool failed; /* out of memory: the contents are incomplete */
};

/* Append the N bytes at S. */
static void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

/* Append S and its terminating NUL: one finished cell. */
static void
strbuf_cell(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s) + 1);
}

/* Append S as a finished cell, neutralised when it could start a
 * formula (csvout's rule, so the cell reads as in the other files). */
static void
strbuf_neutral(struct strbuf *b, const char *s)
{
	char *safe = csvout_neutralise(s);

	strbuf_cell(b, safe != NULL ? safe : s);
	free(safe);
}

/* Append S as a cell a spreadsheet keeps as the text it is: neutralised
 * when it could start a formula, else after a TAB when it would be read
 * as a number or a date (report.h). */
static void
strbuf_as_text(struct strbuf *b, const char *s)
{
	char *safe = csvout_neutralise(s);

	if (safe == NULL && numeric_looking(s))
		strbuf_add(b, "\t", 1);
	strbuf_cell(b, safe != NULL ? safe : s);
	free(safe);
}

/*
 * The masked form of V for a cell of KIND, or NULL when KIND is not
 * masked (or MASK is off). Short IDs go into SMALL (SMALLLEN bytes); a
 * result that is not SMALL is malloc'd and the caller frees it. *FAILED
 * is set on ENOMEM or a pattern failure.
 */
static char *
cell_masked(enum report_cell kind, const char *v, bool mask, char *small,
            size_t smalllen, bool *failed)
{
	char *out = NULL;
	size_t n;

	if (!mask)
		return NULL;
	if (kind == REPORT_ID && *v != '\0') {
		n = strlen(v);
		out = n < smalllen ? small : malloc(n + 1);
		if (out != NULL)
			id_mask(v, out);
	} else if (kind == REPORT_DETAIL) {
		out = report_mask_ids(v);
	} else {
		return NULL;
	}
	if (out == NULL)
		*failed = true;
	return out;
}

/*
 * Append the CSV cell for V of KIND whose masked form is MASKED (NULL:
 * not masked): formula-neutralised, and all-digit identifiers after a
 * TAB so spreadsheets keep them as text (report.h).
 */
static void
cell_csv(struct strbuf *b, enum report_cell kind, const char *v,
         const char *masked)
{
	switch (kind) {
	case REPORT_ID:
		if (*v == '\0') {
			strbuf_cell(b, "");
			return;
		}
		if (masked != NULL) {
			strbuf_neutral(b, masked);
			return;
		}
		/* FALLTHROUGH */
	case REPORT_CODE:
		strbuf_as_text(b, v);
		return;
	case REPORT_DETAIL: /* a name cell may hold an ID */
		strbuf_as_text(b, masked != NULL ? masked : v);
		return;
	case REPORT_TEXT:
	case REPORT_COUNT:
	default:
		strbuf_neutral(b, v);
		return;
	}
}

char *
report_cell(enum report_cell kind, const char *value, bool mask)
{
	const char *v = value != NULL ? value : "";
	struct strbuf b = {0};
	bool failed = false;
	char small[64], *masked;

	masked = cell_masked(kind, v, mask, small, sizeof(small), &failed);
	if (!failed)
		cell_csv(&b, kind, v, masked);
	if (masked != small)
		free(masked);
	if (failed || b.failed) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* One output row of a pack: its CSV cells and its workbook cells, which
 * are masked like the CSV cells but have no CSV-only marker (', TAB),
 * since a workbook's string cell is text. Both live in BUF, at the
 * offsets CELL and PLAIN. */
struct row {
	struct strbuf buf;
	size_t cell[24];
	size_t plain[24];
	bool count[24]; /* the cell is a REPORT_COUNT */
	size_t n;
	bool failed;
};

static void
row_add(struct row *r, enum report_cell kind, const char *value, bool mask)
{
	const char *v = value != NULL ? value : "";
	char small[64], *masked;

	if (r->n >= NELEM(r->cell)) {
		r->failed = true;
		return;
	}
	masked = cell_masked(kind, v, mask, small, sizeof(small), &r->failed);
	r->cell[r->n] = r->buf.len;
	cell_csv(&r->buf, kind, v, masked);
	r->plain[r->n] = r->buf.len;
	r->count[r->n] = kind == REPORT_COUNT;
	strbuf_cell(&r->buf, masked != NULL ? masked : v);
	if (masked != small)
		free(masked);
	r->n++;
}

/* Column I of ST as text ("" for NULL). */
static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

static void
row_add_col(struct row *r, enum report_cell kind, sqlite3_stmt *st, int i,
            bool mask)
{
	row_add(r, kind, col(st, i), mask);
}

/* Write R and empty it for the next row. Returns 0 or -1. */
static int
row_flush(struct sheet *w, struct row *r)
{
	const char *cells[NELEM(r->cell)], *plain[NELEM(r->plain)];
	size_t i;
	int rc = -1;

	if (!r->failed && !r->buf.failed) {
		for (i = 0; i < r->n; i++) {
			cells[i] = r->buf.s + r->cell[i];
			plain[i] = r->buf.s + r->plain[i];
		}
		rc = sheet_row(w, cells, plain, r->count, r->n);
	}
	r->n = 0;
	r->buf.len = 0;
	r->failed = r->buf.failed = false;
	return rc;
}

/* Free what R holds. */
static void
row_free(struct row *r)
{
	free(r->buf.s);
	r->buf.s = NULL;
	r->buf.len = r->buf.cap = 0;
}

/* Write a row of constant cells (headers, labels). */
static int
fixed_row(struct sheet *w, const char *const *cells, size_t n)
{
	return sheet_row(w, cells, cells, NULL, n);
}

/* Write a row of a LABEL and its COUNT (a number in the workbook). */
static int
count_row(struct sheet *w, const char *label, const char *count)
{
	static const bool counts[2] = {false, true};
	const char *cells[2] = {label, count};

	return sheet_row(w, cells, cells, counts, 2);
}

/* Run one fixed SQL statement; prints the error. Returns 0 or -1. */
static int
exec_sql(sqlite3 *db, const char *sql)
{
	char err[512];

	if (db_exec(db, sql, err, sizeof(err)) == 0)
		return 0;
	anju_msg(NULL, 0, "sqlite: %s", err);
	return -1;
}

/* A county code fit for a pack, else '' (the city-level files only). */
#define COUNTY_SQL(c)                                                          \
	"CASE WHEN " c " GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]' THEN " c        \
	" ELSE '' END"

/* Step ST to its end, true when it ended cleanly (errors printed). */
static bool
step_done(sqlite3 *db, int step)
{
	if (step == SQLITE_DONE)
		return true;
	anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
	return false;
}

/*
 * Scratch tables, so the big tables are read once whatever the number of
 * counties. rpt_villages: per village, households by status, findings and
 * the names the roster gives. rpt_places: the name of each county,
 * township and village code. rpt_findings: the findings with their
 * identity, indexed by county for the packs. rpt_county_names: how often
 * the roster spells each county's name each way.
 *
 * The roster's side of rpt_villages and rpt_county_names is tallied in C
 * by tally_roster() into rpt_roster and rpt_county_runs, one row per run
 * of equal keys, and only those runs are grouped here: grouping a million
 * households in SQL cost more than everything else the report does with
 * the workspace, and rosters come village by village, so the runs are
 * few. The result does not depend on the order: runs of a key that comes
 * back later are summed like any other rows.
 */
static const char *const prepare_sql[] = {
    "DROP TABLE IF EXISTS temp.rpt_roster",
    "DROP TABLE IF EXISTS temp.rpt_county_runs",
    "DROP TABLE IF EXISTS temp.rpt_villages",
    "DROP TABLE IF EXISTS temp.rpt_places",
    "DROP TABLE IF EXISTS temp.rpt_findings",
    "DROP TABLE IF EXISTS temp.rpt_county_names",
    "DROP TABLE IF EXISTS temp.rpt_changed",
    "DROP TABLE IF EXISTS temp.rpt_households",
    "DROP TABLE IF EXISTS temp.rpt_gone",
    "DROP TABLE IF EXISTS temp.rpt_moved",
    "CREATE TEMP TABLE rpt_roster (cc, tc, vc, n, s1, s2, s3, s4, s5, s6, "
    "s7, cn, tn, vn)",
    "CREATE TEMP TABLE rpt_county_runs (code, name, n)",
};

/* After tally_roster(). The county code is checked after grouping, as a
 * GLOB per household cost more than the grouping itself. */
static const char *const finish_sql[] = {
    "CREATE TEMP TABLE rpt_villages AS SELECT " COUNTY_SQL(
        "cc") " AS cc, tc, vc, sum(n) AS n, sum(s1) AS s1, sum(s2) AS "
              "s2, sum(s3) AS s3, sum(s4) AS s4, sum(s5) AS s5, sum(s6) "
              "AS s6, sum(s7) AS s7, sum(nf) AS nf, sum(nh) AS nh, "
              "min(cn) AS cn, min(tn) AS tn, min(vn) AS vn FROM ("
              "SELECT cc, tc, vc, n, s1, s2, s3, s4, s5, s6, s7, 0 AS nf, "
              "0 AS nh, cn, tn, vn FROM rpt_roster UNION ALL SELECT "
              "coalesce(county_code, ''), coalesce(township_code, ''), "
              "coalesce(village_code, ''), 0, 0, 0, 0, 0, 0, 0, 0, count(*), "
              "coalesce(sum(severity = 'high'), 0), NULL, NULL, NULL FROM "
              "findings GROUP BY 1, 2, 3) GROUP BY 1, 2, 3",
    "CREATE INDEX temp.rpt_villages_cc ON rpt_villages (cc, tc, vc)",
    "CREATE TEMP TABLE rpt_places AS SELECT code, min(name) AS name FROM "
    "(SELECT cc AS code, cn AS name FROM rpt_villages UNION ALL SELECT tc, "
    "tn FROM rpt_villages UNION ALL SELECT vc, vn FROM rpt_villages) "
    "WHERE code <> '' AND name IS NOT NULL GROUP BY code",
    "CREATE UNIQUE INDEX temp.rpt_places_code ON rpt_places (code)",
    "CREATE TEMP TABLE rpt_findings AS " DIFF_FINDINGS_WITH_ID("main"),
    "CREATE INDEX temp.rpt_findings_cc ON rpt_findings (county_code)",
    /* For 变化, worked out once here, not once a county: the counties
     * the roster puts the households of resolved findings and of open
     * ones that changed county in (none on a first night: the roster is
     * not even read then); the resolved findings of households gone from
     * the roster; and the findings of households that moved county since
     * the last run (usually none), still open or resolved on the way,
     * which the county they left counts without a line (a pack holds
     * only its county's households). */
    "CREATE TEMP TABLE rpt_changed AS SELECT DISTINCT household_id FROM "
    "finding_changes WHERE coalesce(household_id, '') <> '' AND (change = "
    "'resolved' OR (change = 'persisting' AND previous_county_code IS NOT "
    "county_code))",
    "CREATE TEMP TABLE rpt_households (household_id TEXT, county_code TEXT, "
    "PRIMARY KEY (household_id, county_code)) WITHOUT ROWID",
    "INSERT OR IGNORE INTO rpt_households SELECT household_id, "
    "coalesce(county_code, '') FROM roster_households WHERE EXISTS (SELECT "
    "1 FROM rpt_changed) AND household_id IN temp.rpt_changed",
    "CREATE TEMP TABLE rpt_gone (finding_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "INSERT INTO rpt_gone SELECT finding_id FROM finding_changes f WHERE "
    "change = 'resolved' AND coalesce(household_id, '') <> '' AND NOT "
    "EXISTS (SELECT 1 FROM rpt_households h WHERE h.household_id = "
    "f.household_id)",
    "CREATE TEMP TABLE rpt_moved (finding_id TEXT PRIMARY KEY, from_cc TEXT) "
    "WITHOUT ROWID",
    "INSERT INTO rpt_moved SELECT finding_id, previous_county_code FROM "
    "finding_changes f WHERE change = 'persisting' AND "
    "previous_county_code IS NOT county_code AND NOT EXISTS (SELECT 1 FROM "
    "rpt_households h WHERE h.household_id = f.household_id AND "
    "h.county_code = f.previous_county_code)",
    "INSERT INTO rpt_moved SELECT finding_id, county_code FROM "
    "finding_changes f WHERE change = 'resolved' AND "
    "coalesce(household_id, '') <> '' AND finding_id NOT IN temp.rpt_gone "
    "AND NOT EXISTS (SELECT 1 FROM rpt_households h WHERE h.household_id "
    "= f.household_id AND h.county_code = coalesce(f.county_code, ''))",
    "CREATE INDEX temp.rpt_moved_from ON rpt_moved (from_cc)",
    "CREATE TEMP TABLE rpt_county_names AS SELECT code, name, sum(n) AS n "
    "FROM rpt_county_runs GROUP BY 1, 2",
    "DROP TABLE temp.rpt_roster",
    "DROP TABLE temp.rpt_county_runs",
};

/* Columns of the roster scan. Codes come coalesced to '' as the grouping
 * wants them; names as stored (NULL stays NULL). */
enum { T_CC, T_TC, T_VC, T_CN, T_TN, T_VN, T_KEPT, T_STATUS };

static const char tally_scan_sql[] =
    "SELECT coalesce(r.county_code, ''), coalesce(r.township_code, ''), "
    "coalesce(r.village_code, ''), r.county, r.township, r.village, "
    "r.duplicate_of IS NULL, s.status FROM roster_households r LEFT JOIN "
    "household_status s ON s.household_key = r.household_key";

/* A copy of a column's text; s NULL for SQL NULL. */
struct text {
	char *s;
	size_t len;
};

static void
text_clear(struct text *t)
{
	free(t->s);
	t->s = NULL;
	t->len = 0;
}

/* Set T to column I of ST. Returns 0 or -1 (ENOMEM, printed). */
static int
text_set(struct text *t, sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);

	text_clear(t);
	if (v == NULL)
		return 0;
	if ((t->s = malloc(len + 1)) == NULL) {
		anju_msg(NULL, 0, "out of memory");
		return -1;
	}
	memcpy(t->s, v, len + 1);
	t->len = len;
	return 0;
}

/* True when column I of ST holds exactly T (NULL equals NULL). */
static bool
text_is(const struct text *t, sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	if (v == NULL || t->s == NULL)
		return v == NULL && t->s == NULL;
	return (size_t)sqlite3_column_bytes(st, i) == t->len &&
	       memcmp(v, t->s, t->len) == 0;
}

/* True when column I of ST is a non-empty text that sorts before T
 * (SQLite's BINARY order) or T is NULL: min(nullif(x, '')). */
static bool
text_better_min(const struct text *t, sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	int c;

	if (v == NULL || len == 0)
		return false;
	if (t->s == NULL)
		return true;
	c = memcmp(v, t->s, len < t->len ? len : t->len);
	return c < 0 || (c == 0 && len < t->len);
}

static void
text_bind(sqlite3_stmt *st, int i, const struct text *t)
{
	if (t->s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, t->s, (int)t->len, SQLITE_STATIC);
}

/* The run of households being summed: one village's, and one spelling
 * of one county's name. */
struct tally {
	sqlite3_stmt *village_ins, *county_ins;
	struct text code[3]; /* county, township, village code */
	struct text name[3]; /* their smallest non-empty names */
	long n, by_status[NELEM(statuses)];
	bool open;
	struct text county_code, county_name;
	long county_n;
};

/* Write the village run, if any, to rpt_roster. Returns 0 or -1. */
static int
tally_village_flush(sqlite3 *db, struct tally *t)
{
	sqlite3_stmt *st = t->village_ins;
	size_t i;
	int col = 1;

	if (!t->open)
		return 0;
	sqlite3_reset(st);
	for (i = 0; i < 3; i++)
		text_bind(st, col++, &t->code[i]);
	sqlite3_bind_int64(st, col++, t->n);
	for (i = 0; i < NELEM(statuses); i++)
		sqlite3_bind_int64(st, col++, t->by_status[i]);
	for (i = 0; i < 3; i++)
		text_bind(st, col++, &t->name[i]);
	t->open = false;
	return step_done(db, sqlite3_step(st)) ? 0 : -1;
}

/* Write the county-name run, if any, to rpt_county_runs. */
static int
tally_county_flush(sqlite3 *db, struct tally *t)
{
	sqlite3_stmt *st = t->county_ins;

	if (t->county_n == 0)
		return 0;
	sqlite3_reset(st);
	text_bind(st, 1, &t->county_code);
	text_bind(st, 2, &t->county_name);
	sqlite3_bind_int64(st, 3, t->county_n);
	t->county_n = 0;
	return step_done(db, sqlite3_step(st)) ? 0 : -1;
}

/* Count a kept household (not a duplicate row) of ST into its village. */
static int
tally_village(sqlite3 *db, struct tally *t, sqlite3_stmt *st)
{
	const char *status = (const char *)sqlite3_column_text(st, T_STATUS);
	size_t i;

	if (!t->open || !text_is(&t->code[0], st, T_CC) ||
	    !text_is(&t->code[1], st, T_TC) ||
	    !text_is(&t->code[2], st, T_VC)) {
		if (tally_village_flush(db, t) != 0)
			return -1;
		memset(t->by_status, 0, sizeof(t->by_status));
		t->n = 0;
		for (i = 0; i < 3; i++) {
			text_clear(&t->name[i]);
			if (text_set(&t->code[i], st, T_CC + (int)i) != 0)
				return -1;
		}
		t->open = true;
	}
	t->n++;
	for (i = 0; status != NULL && i < NELEM(statuses); i++)
		if (strcmp(status, statuses[i]) == 0) {
			t->by_status[i]++;
			break;
		}
	for (i = 0; i < 3; i++)
		if (text_better_min(&t->name[i], st, T_CN + (int)i) &&
		    text_set(&t->name[i], st, T_CN + (int)i) != 0)
			return -1;
	return 0;
}

/* Count every roster row with a county code and name (duplicates too,
 * as they are spellings all the same) into its (code, name) run. */
static int
tally_county(sqlite3 *db, struct tally *t, sqlite3_stmt *st)
{
	const char *name = (const char *)sqlite3_column_text(st, T_CN);

	if (name == NULL || *name == '\0' ||
	    sqlite3_column_bytes(st, T_CC) == 0)
		return 0;
	if (t->county_n == 0 || !text_is(&t->county_code, st, T_CC) ||
	    !text_is(&t->county_name, st, T_CN)) {
		if (tally_county_flush(db, t) != 0 ||
		    text_set(&t->county_code, st, T_CC) != 0 ||
		    text_set(&t->county_name, st, T_CN) != 0)
			return -1;
	}
	t->county_n++;
	return 0;
}

/* Fill rpt_roster and rpt_county_runs in one scan of the roster. Returns
 * 0 or -1 (printed). */
static int
tally_roster(sqlite3 *db)
{
	sqlite3_stmt *scan = db_prepare(db, tally_scan_sql);
	struct tally t = {0};
	int rc = -1, step = SQLITE_DONE;
	size_t i;

	t.village_ins = db_prepare(db, "INSERT INTO temp.rpt_roster VALUES "
	                               "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	                               "?, ?)");
	t.county_ins =
	    db_prepare(db, "INSERT INTO temp.rpt_county_runs VALUES (?, ?, ?)");
	if (scan == NULL || t.village_ins == NULL || t.county_ins == NULL)
		goto out;
	while ((step = sqlite3_step(scan)) == SQLITE_ROW) {
		if ((sqlite3_column_int(scan, T_KEPT) &&
		     tally_village(db, &t, scan) != 0) ||
		    tally_county(db, &t, scan) != 0)
			goto out;
	}
	if (step_done(db, step) && tally_village_flush(db, &t) == 0 &&
	    tally_county_flush(db, &t) == 0)
		rc = 0;
out:
	for (i = 0; i < 3; i++) {
		text_clear(&t.code[i]);
		text_clear(&t.name[i]);
	}
	text_clear(&t.county_code);
	text_clear(&t.county_name);
	sqlite3_finalize(scan);
	sqlite3_finalize(t.village_ins);
	sqlite3_finalize(t.county_ins);
	return rc;
}

static int
report_prepare(sqlite3 *db)
{
	size_t i;

	for (i = 0; i < NELEM(prepare_sql); i++)
		if (exec_sql(db, prepare_sql[i]) != 0)
			return -1;
	if (tally_roster(db) != 0)
		return -1;
	for (i = 0; i < NELEM(finish_sql); i++)
		if (exec_sql(db, finish_sql[i]) != 0)
			return -1;
	return 0;
}

/* Open OUT_DIR/NAME for writing with FLAGS; prints the error. */
static struct csvout *
open_out(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	struct csvout *w;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((w = csvout_open(path, flags, err, sizeof(err))) == NULL)
		anju_msg(path, 0, "%s", err);
	return w;
}

/*
 * Finish W (rename into place) when OK, else throw it away. Returns 0 or
 * ANJU_EXIT_CANTCREAT (printed).
 */
static int
close_out(struct csvout *w, int ok)
{
	char err[PATH_MAX + 128];

	if (w == NULL)
		return ANJU_EXIT_CANTCREAT;
	if (!ok) {
		csvout_abort(w);
		anju_msg(NULL, 0, "cannot write a report file");
		return ANJU_EXIT_CANTCREAT;
	}
	if (csvout_close(w, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		return ANJU_EXIT_CANTCREAT;
	}
	return 0;
}

/* Name of a county for summary.csv: the division table's, else the
 * spelling the roster uses most. */
static void
county_name(sqlite3 *db, struct divisions *div, const char *cc, char *buf,
            size_t buflen)
{
	sqlite3_stmt *st;
	const char *name;

	buf[0] = '\0';
	if (*cc == '\0') {
		snprintf(buf, buflen, "（县区未识别）");
		return;
	}
	/* The official name, the same whatever the exports wrote (阜蒙县,
	 * 阜新县, 阜新蒙古族自治县). */
	if (div != NULL && (name = divisions_name(div, cc)) != NULL) {
		snprintf(buf, buflen, "%s", name);
		return;
	}
	st = db_prepare(db, "SELECT name FROM rpt_county_names WHERE code = ? "
	                    "ORDER BY n DESC, name LIMIT 1");
	if (st != NULL) {
		sqlite3_bind_text(st, 1, cc, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(buf, buflen, "%s", col(st, 0));
		sqlite3_finalize(st);
	}
}

/* The summary's header row into CELLS (at least 11 + codes). */
static size_t
summary_header(const char **cells)
{
	size_t n = 0, i;

	cells[n++] = "code";
	cells[n++] = "name";
	cells[n++] = "households";
	for (i = 0; i < NELEM(statuses); i++)
		cells[n++] = statuses[i];
	cells[n++] = "verified_rate";
	for (i = 0; i < FINDING_NCODES; i++)
		cells[n++] = finding_codes[i].code;
	return n;
}

/* Fill the per-code counts of county CC from the ordered cursor CODES,
 * which is positioned on its next unread row (*HAVE says one is there). */
static void
take_code_counts(sqlite3_stmt *codes, int *have, const char *cc, long *counts)
{
	size_t i;

	memset(counts, 0, sizeof(long) * FINDING_NCODES);
	while (*have && strcmp(col(codes, 0), cc) == 0) {
		for (i = 0; i < FINDING_NCODES; i++)
			if (strcmp(col(codes, 1), finding_codes[i].code) == 0)
				counts[i] = sqlite3_column_int64(codes, 2);
		*have = sqlite3_step(codes) == SQLITE_ROW;
	}
}

static int
summary_row(struct csvout *w, sqlite3_stmt *st, const char *name,
            const long *codes)
{
	char num[NELEM(statuses) + 1 + FINDING_NCODES][32], rate[32];
	const char *cells[3 + NELEM(statuses) + 1 + FINDING_NCODES];
	size_t n = 0, i;
	long verified = 0;

	cells[n++] = col(st, 0);
	cells[n++] = name;
	cells[n++] = col(st, 1);
	for (i = 0; i < NELEM(statuses); i++) {
		snprintf(num[i], sizeof(num[i]), "%lld",
		         (long long)sqlite3_column_int64(st, 2 + (int)i));
		cells[n++] = num[i];
		if (i < 3)
			verified += sqlite3_column_int64(st, 2 + (int)i);
	}
	cells[n++] = report_rate(verified, sqlite3_column_int64(st, 1), rate,
	                         sizeof(rate));
	for (i = 0; i < FINDING_NCODES; i++) {
		snprintf(num[NELEM(statuses) + 1 + i], 32, "%ld", codes[i]);
		cells[n++] = num[NELEM(statuses) + 1 + i];
	}
	return csvout_row(w, cells, n);
}

int
report_write_summary(sqlite3 *db, const char *out_dir)
{
	const char *header[3 + NELEM(statuses) + 1 + FINDING_NCODES];
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT cc, sum(n), sum(s1), sum(s2), sum(s3), sum(s4), "
	        "sum(s5), sum(s6), sum(s7) FROM rpt_villages GROUP BY cc "
	        "ORDER BY cc = '', cc");
	sqlite3_stmt *codes = db_prepare(
	    db, "SELECT " COUNTY_SQL("county_code") " AS cc, code, "
	                                            "count(*) FROM findings "
	                                            "GROUP BY 1, 2 ORDER BY "
	                                            "cc = '', cc, code");
	struct csvout *w =
	    open_out(out_dir, "summary.csv", CSVOUT_BOM | CSVOUT_SAFE);
	struct divisions *div = NULL;
	long counts[FINDING_NCODES];
	char name[256], err[256];
	int ok = 0, step, have;

	if (w == NULL || st == NULL || codes == NULL)
		goto out;
	/* Names are best from the inputs; the table is only a fallback. */
	if (divisions_open(NULL, &div, err, sizeof(err)) != 0)
		div = NULL;
	ok = csvout_row(w, header, summary_header(header)) == 0;
	have = sqlite3_step(codes) == SQLITE_ROW;
	while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
		county_name(db, div, col(st, 0), name, sizeof(name));
		take_code_counts(codes, &have, col(st, 0), counts);
		ok = summary_row(w, st, name, counts) == 0;
	}
	ok = ok && step_done(db, step);
out:
	if (div != NULL)
		divisions_close(div);
	sqlite3_finalize(st);
	sqlite3_finalize(codes);
	return w == NULL ? ANJU_EXIT_CANTCREAT : close_out(w, ok);
}

int
report_write_rejects(sqlite3 *db, const char *out_dir)
{
	static const char *const header[] = {"file", "line", "reason", "raw"};
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT i.name, r.line, r.reason, r.raw FROM rejects r "
	        "JOIN input_files i ON i.file_id = r.file_id "
	        "ORDER BY i.name, i.file_id, r.line, r.reason, r.raw");
	struct csvout *w =
	    open_out(out_dir, "rejects.csv", CSVOUT_BOM | CSVOUT_SAFE);
	const char *cells[4];
	int ok = 0, step = SQLITE_DONE, i;

	if (w == NULL || st == NULL)
		goto out;
	ok = csvout_row(w, header, NELEM(header)) == 0;
	while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
		char *raw;

		for (i = 0; i < 3; i++)
			cells[i] = col(st, i);
		/* the row as it was, whatever its bytes: a file that Excel
		 * and WPS open as UTF-8 shows them as \xNN */
		cells[3] = col(st, 3);
		raw = text_escape_bytes(cells[3],
		                        (size_t)sqlite3_column_bytes(st, 3));
		cells[3] = raw;
		ok = raw != NULL && csvout_row(w, cells, 4) == 0;
		free(raw);
	}
	ok = ok && step_done(db, step);
out:
	sqlite3_finalize(st);
	return w == NULL ? ANJU_EXIT_CANTCREAT : close_out(w, ok);
}

/* Bind the named parameters a pack query may use. */
static void
bind_pack(sqlite3_stmt *st, const char *county, const char *as_of,
          long deadline_days, int diffed)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":cc")) > 0)
		sqlite3_bind_text(st, i, county, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":as_of")) > 0)
		sqlite3_bind_text(st, i, as_of, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(st, ":days")) > 0)
		sqlite3_bind_int64(st, i, deadline_days);
	if ((i = sqlite3_bind_parameter_index(st, ":diffed")) > 0)
		sqlite3_bind_int(st, i, diffed);
}

static const char *const problem_header[] = {
    "问题编码", "问题类型", "严重程度", "乡镇代码",     "乡镇",     "村代码",
    "村",       "户编号",   "档案编号", "户主身份证号", "户主姓名", "问题详情",
    "来源",     "首次发现", "整改期限", "是否逾期",
};

/* A finding first seen on a date is due DAYS later; first_seen is the
 * diff's (finding_history), or this run's date before any diff. */
static const char problem_sql[] =
    "SELECT f.code, f.severity, f.township_code, tp.name, f.village_code, "
    "vp.name, f.household_id, f.record_id, f.head_id, f.head_name, "
    "f.detail, f.source, coalesce(h.first_seen, :as_of), "
    "date(coalesce(h.first_seen, :as_of), '+' || :days || ' days'), "
    "CAST(julianday(:as_of) - julianday(coalesce(h.first_seen, :as_of)) "
    "AS INTEGER) > :days FROM rpt_findings f "
    "LEFT JOIN finding_history h ON h.finding_id = f.fid "
    "LEFT JOIN rpt_places tp ON tp.code = f.township_code "
    "LEFT JOIN rpt_places vp ON vp.code = f.village_code "
    "WHERE f.county_code = :cc ORDER BY coalesce(f.township_code, ''), "
    "coalesce(f.village_code, ''), "
    "coalesce(f.household_id, ''), f.code, coalesce(f.record_id, ''), "
    "coalesce(f.head_id, ''), f.source, f.finding_key";

static void
problem_row(struct row *r, sqlite3_stmt *st, bool mask)
{
	row_add_col(r, REPORT_TEXT, st, 0, mask);
	row_add(r, REPORT_TEXT, code_name(col(st, 0)), mask);
	row_add(r, REPORT_TEXT, severity_name(col(st, 1)), mask);
	row_add_col(r, REPORT_CODE, st, 2, mask);
	row_add_col(r, REPORT_TEXT, st, 3, mask);
	row_add_col(r, REPORT_CODE, st, 4, mask);
	row_add_col(r, REPORT_TEXT, st, 5, mask);
	row_add_col(r, REPORT_CODE, st, 6, mask);
	row_add_col(r, REPORT_CODE, st, 7, mask);
	row_add_col(r, REPORT_ID, st, 8, mask);
	row_add_col(r, REPORT_DETAIL, st, 9, mask); /* a name may be an ID */
	row_add_col(r, REPORT_DETAIL, st, 10, mask);
	row_add_col(r, REPORT_DETAIL, st, 11, mask);
	row_add_col(r, REPORT_TEXT, st, 12, mask);
	row_add_col(r, REPORT_TEXT, st, 13, mask);
	row_add(r, REPORT_TEXT, sqlite3_column_int(st, 14) ? "是" : "否", mask);
}

static int
write_problems(sqlite3 *db, struct book *book, const char *county,
               const char *dir, bool mask, const char *as_of,
               long deadline_days)
{
	sqlite3_stmt *st = db_prepare(db, problem_sql);
	struct sheet *w = sheet_open(dir, "问题清单.csv", book, "问题清单");
	struct row r = {0};
	int ok = 0, step = SQLITE_DONE;

	if (w == NULL || st == NULL)
		goto out;
	/* 问题详情 is the sentence a clerk acts on: wide enough to read */
	sheet_widen(w, 11, 60);
	bind_pack(st, county, as_of, deadline_days, 0);
	ok = fixed_row(w, problem_header, NELEM(problem_header)) == 0;
	while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
		problem_row(&r, st, mask);
		ok = row_flush(w, &r) == 0;
	}
	ok = ok && step_done(db, step);
out:
	row_free(&r);
	sqlite3_finalize(st);
	return sheet_close(w, ok);
}

static const char *const summary_pack_header[] = {
    "层级",     "乡镇代码", "乡镇",     "村代码",       "村",     "户数",
    "鉴定安全", "改造安全", "保障安全", "改造中",       "未保障", "无记录",
    "待核实",   "核验率",   "问题数",   "高风险问题数",
};

/* Villages, then their township's subtotal, then the county total. */
static const char village_sql[] =
    "SELECT t.lvl, t.tc, tp.name, t.vc, vp.name, t.n, t.s1, t.s2, t.s3, "
    "t.s4, t.s5, t.s6, t.s7, t.nf, t.nh FROM (SELECT 1 AS lvl, tc, vc, n, "
    "s1, s2, s3, s4, s5, s6, s7, nf, nh FROM rpt_villages WHERE cc = :cc "
    "UNION ALL SELECT 2, tc, '', sum(n), sum(s1), sum(s2), sum(s3), "
    "sum(s4), sum(s5), sum(s6), sum(s7), sum(nf), sum(nh) FROM "
    "rpt_villages WHERE cc = :cc GROUP BY tc UNION ALL SELECT 3, '', '', "
    "sum(n), sum(s1), sum(s2), sum(s3), sum(s4), sum(s5), sum(s6), "
    "sum(s7), sum(nf), sum(nh) FROM rpt_villages WHERE cc = :cc) t "
    "LEFT JOIN rpt_places tp ON tp.code = t.tc AND t.tc <> '' "
    "LEFT JOIN rpt_places vp ON vp.code = t.vc AND t.vc <> '' "
    "ORDER BY t.lvl = 3, t.tc, t.lvl, t.vc";

static void
village_row(struct row *r, sqlite3_stmt *st)
{
	static const char *const level[] = {"", "村", "乡镇小计", "全县合计"};
	int lvl = sqlite3_column_int(st, 0), i;
	char rate[32];
	long verified;

	row_add(r, REPORT_TEXT, level[lvl >= 1 && lvl <= 3 ? lvl : 0], false);
	row_add_col(r, REPORT_CODE, st, 1, false);
	row_add(r, REPORT_TEXT,
	        lvl != 3 && col(st, 1)[0] == '\0' ? "（未识别）" : col(st, 2),
	        false);
	row_add_col(r, REPORT_CODE, st, 3, false);
	row_add(r, REPORT_TEXT,
	        lvl == 1 && col(st, 3)[0] == '\0' ? "（未识别）" : col(st, 4),
	        false);
	for (i = 5; i <= 12; i++)
		row_add_col(r, REPORT_COUNT, st, i, false);
	verified = sqlite3_column_int64(st, 6) + sqlite3_column_int64(st, 7) +
	           sqlite3_column_int64(st, 8);
	/* a number in the workbook (84.85% sorts below 100.00%) */
	row_add(r, REPORT_COUNT,
	        report_rate(verified, sqlite3_column_int64(st, 5), rate,
	                    sizeof(rate)),
	        false);
	row_add_col(r, REPORT_COUNT, st, 13, false);
	row_add_col(r, REPORT_COUNT, st, 14, false);
}

static int
write_county_summary(sqlite3 *db, struct book *book, const char *county,
                     const char *dir)
{
	sqlite3_stmt *st = db_prepare(db, village_sql);
	struct sheet *w = sheet_open(dir, "汇总.csv", book, "汇总");
	struct row r = {0};
	int ok = 0, step = SQLITE_DONE;

	if (w == NULL || st == NULL)
		goto out;
	bind_pack(st, county, NULL, 0, 0);
	ok = fixed_row(w, summary_pack_header, NELEM(summary_pack_header)) == 0;
	while (ok && (step = sqlite3_step(st)) == SQLITE_ROW) {
		village_row(&r, st);
		ok = row_flush(w, &r) == 0;
	}
	ok = ok && step_done(db, step);
out:
	row_free(&r);
	sqlite3_finalize(st);
	return sheet_close(w, ok);
}

/*
 * The county's changes: anju-diff's finding_changes when it ran (DIFFED),
 * else this run's findings, all new (a first run without anju-diff); and,
 * for the counts only, the findings of households that moved from this
 * county to another since the last run ("moved", rpt_moved).
 */
#define CHANGES_CTE                                                            \
	"WITH ch AS (SELECT finding_id, change, code, severity, "              \
	"township_code, village_code, household_id, record_id, head_id, "      \
	"head_name, detail, first_seen, days_open FROM finding_changes "       \
	"WHERE :diffed AND county_code = :cc AND finding_id NOT IN (SELECT "   \
	"finding_id FROM rpt_moved WHERE from_cc = :cc) UNION ALL SELECT "     \
	"finding_id, 'moved', '', '', NULL, NULL, NULL, NULL, NULL, NULL, "    \
	"'', "                                                                 \
	"'', 0 FROM rpt_moved WHERE :diffed AND from_cc = :cc UNION ALL "      \
	"SELECT fid, 'new', code, severity, township_code, village_code, "     \
	"household_id, record_id, head_id, head_name, detail, :as_of, 0 FROM " \
	"rpt_findings WHERE NOT :diffed AND county_code = :cc) "

static const char change_count_sql[] =
    CHANGES_CTE "SELECT count(*) FILTER (WHERE change = 'new'), "
                "count(*) FILTER (WHERE change = 'resolved'), "
                "count(*) FILTER (WHERE change = 'persisting'), "
                "count(*) FILTER (WHERE change = 'persisting' AND "
                "days_open > :days), count(*) FILTER (WHERE change = "
                "'moved') FROM ch";

static const char change_list_sql[] =
    CHANGES_CTE "SELECT change, code, severity, township_code, "
                "village_code, household_id, record_id, head_id, "
                "head_name, detail, first_seen, days_open, change = "
                "'persisting' AND days_open > :days, change = 'resolved' "
                "AND finding_id IN temp.rpt_gone FROM ch WHERE change <> "
                "'moved' ORDER BY CASE change WHEN 'new' THEN 1 WHEN "
                "'persisting' THEN 2 ELSE 3 END, "
                "coalesce(township_code, ''), "
                "coalesce(village_code, ''), coalesce(household_id, ''), "
                "code, finding_id";

static const char *const change_header[] = {
    "变化",     "问题编码", "问题类型",   "严重程度",     "乡镇代码",
    "村代码",   "户编号",   "档案编号",   "户主身份证号", "户主姓名",
    "问题详情", "首次发现", "已持续天数", "是否逾期",
};

/* The block of counts above the list of changes. */
static int
change_counts(struct sheet *w, sqlite3 *db, sqlite3_stmt *st, const char *as_of,
              const char *previous, long deadline_days)
{
	char num[5][32], label[64];
	const char *cells[2];
	int i, ok;

	if (sqlite3_step(st) != SQLITE_ROW)
		return step_done(db, SQLITE_ERROR) ? 0 : -1;
	for (i = 0; i < 5; i++)
		snprintf(num[i], sizeof(num[i]), "%lld",
		         (long long)sqlite3_column_int64(st, i));
	snprintf(label, sizeof(label), "其中超过整改期限（%ld天）",
	         deadline_days);
	ok = fixed_row(w, (const char *[]){"项目", "内容"}, 2) == 0 &&
	     fixed_row(w, (const char *[]){"本期核验日期", as_of}, 2) == 0 &&
	     fixed_row(w, (const char *[]){"上期核验日期", previous}, 2) == 0 &&
	     count_row(w, "本期新增", num[0]) == 0 &&
	     count_row(w, "已整改", num[1]) == 0 &&
	     count_row(w, "未整改", num[2]) == 0;
	cells[0] = label;
	cells[1] = num[3];
	return ok && count_row(w, cells[0], cells[1]) == 0 &&
	               count_row(w, "转至其他县区", num[4]) == 0 &&
	               fixed_row(w, (const char *[]){""}, 1) == 0
	           ? 0
	           : -1;
}

static void
change_row(struct row *r, sqlite3_stmt *st, bool mask)
{
	/* Gone from the roster is not the same as fixed: the clerk checks
	 * (counted with 已整改 all the same, as diff.csv says resolved). */
	row_add(r, REPORT_TEXT,
	        sqlite3_column_int(st, 13)
	            ? "已整改（该户不在本期花名册，请核实）"
	            : change_name(col(st, 0)),
	        mask);
	row_add_col(r, REPORT_TEXT, st, 1, mask);
	row_add(r, REPORT_TEXT, code_name(col(st, 1)), mask);
	row_add(r, REPORT_TEXT, severity_name(col(st, 2)), mask);
	row_add_col(r, REPORT_CODE, st, 3, mask);
	row_add_col(r, REPORT_CODE, st, 4, mask);
	row_add_col(r, REPORT_CODE, st, 5, mask);
	row_add_col(r, REPORT_CODE, st, 6, mask);
	row_add_col(r, REPORT_ID, st, 7, mask);
	row_add_col(r, REPORT_DETAIL, st, 8, mask); /* a name may be an ID */
	row_add_col(r, REPORT_DETAIL, st, 9, mask);
	row_add_col(r, REPORT_TEXT, st, 10, mask);
	row_add_col(r, REPORT_COUNT, st, 11, mask);
	row_add(r, REPORT_TEXT,
	        strcmp(col(st, 0), "persisting") != 0 ? ""
	        : sqlite3_column_int(st, 12)          ? "是"
	                                              : "否",
	        mask);
}

static int
write_changes(sqlite3 *db, struct book *book, const char *county,
              const char *dir, bool mask, const char *as_of, long deadline_days)
{
	sqlite3_stmt *count = db_prepare(db, change_count_sql);
	sqlite3_stmt *list = db_prepare(db, change_list_sql);
	struct sheet *w = sheet_open(dir, "变化.csv", book, "变化");
	char previous[64] = "";
	struct row r = {0};
	int ok = 0, step = SQLITE_DONE, diffed;

	if (w == NULL || count == NULL || list == NULL)
		goto out;
	sheet_widen(w, 10, 60); /* 问题详情 */
	diffed = db_get_info(db, "diff_as_of", previous, sizeof(previous)) == 0;
	if (db_get_info(db, "diff_previous_as_of", previous,
	                sizeof(previous)) != 0 ||
	    previous[0] == '\0')
		snprintf(previous, sizeof(previous), "无（首次核验）");
	bind_pack(count, county, as_of, deadline_days, diffed);
	bind_pack(list, county, as_of, deadline_days, diffed);
	ok = change_counts(w, db, count, as_of, previous, deadline_days) == 0 &&
	     fixed_row(w, change_header, NELEM(change_header)) == 0;
	if (ok) /* the list's header, not the totals' above it */
		sheet_freeze_here(w);
	while (ok && (step = sqlite3_step(list)) == SQLITE_ROW) {
		change_row(&r, list, mask);
		ok = row_flush(w, &r) == 0;
	}
	ok = ok && step_done(db, step);
out:
	row_free(&r);
	sqlite3_finalize(count);
	sqlite3_finalize(list);
	return sheet_close(w, ok);
}

int
report_write_pack(sqlite3 *db, const char *county, const char *dir, bool mask,
                  const char *as_of, long deadline_days)
{
	struct book *book = NULL;
	int rc;

	if (!report_county_code_ok(county)) {
		anju_msg(NULL, 0, "refusing county pack name \"%s\"", county);
		return ANJU_EXIT_SOFTWARE;
	}
	if ((rc = book_open(dir, REPORT_WORKBOOK, &book)) != 0)
		return rc;
	if ((rc = write_problems(db, book, county, dir, mask, as_of,
	                         deadline_days)) != 0 ||
	    (rc = write_county_summary(db, book, county, dir)) != 0 ||
	    (rc = write_changes(db, book, county, dir, mask, as_of,
	                        deadline_days)) != 0) {
		book_close(book, false);
		return rc;
	}
	return book_close_later(book);
}

/* mkdir PATH unless it is already a directory. Returns 0 or
 * ANJU_EXIT_CANTCREAT (printed). */
static int
make_dir(const char *path)
{
	struct stat sb;

	if (mkdir(path, 0777) == 0 ||
	    (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)))
		return 0;
	anju_msg(path, 0, "cannot create folder: %s",
	         strerror(errno == EEXIST ? ENOTDIR : errno));
	return ANJU_EXIT_CANTCREAT;
}

static int
write_packs(sqlite3 *db, const char *out_dir, bool mask, const char *as_of,
            long deadline_days)
{
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT DISTINCT cc FROM rpt_villages WHERE cc <> '' "
	        "ORDER BY cc");
	char dir[PATH_MAX];
	int rc, step = SQLITE_DONE;

	if (st == NULL)
		return ANJU_EXIT_SOFTWARE;
	snprintf(dir, sizeof(dir), "%s/counties", out_dir);
	if ((rc = make_dir(dir)) != 0)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cc = col(st, 0);

		/* The folder name comes from the code alone, never a name
		 * from the inputs; the GLOB above already made it digits. */
		if (!report_county_code_ok(cc))
			continue;
		snprintf(dir, sizeof(dir), "%s/counties/%s", out_dir, cc);
		if ((rc = make_dir(dir)) != 0 ||
		    (rc = report_write_pack(db, cc, dir, mask, as_of,
		                            deadline_days)) != 0)
			goto out;
	}
	if (!step_done(db, step))
		rc = ANJU_EXIT_SOFTWARE;
out:
	/* The last workbook is still being written. */
	if (book_wait() != 0 && rc == 0)
		rc = ANJU_EXIT_CANTCREAT;
	sqlite3_finalize(st);
	return rc;
}

/* The deadline: given, else rules.conf's rectify_days, else 15. */
static int
resolve_deadline(const struct report_options *opt, long *days)
{
	struct anju_rules rules;
	char path[PATH_MAX];
	int rc;

	*days = REPORT_DEFAULT_DEADLINE_DAYS;
	if (opt->deadline_days >= 0) {
		*days = opt->deadline_days;
		return 0;
	}
	if (opt->rules == NULL)
		snprintf(path, sizeof(path), "%s/schemas/rules.conf",
		         anju_datadir());
	else
		snprintf(path, sizeof(path), "%s", opt->rules);
	/* The shipped file may be missing from a hand-made install: then
	 * the default stands. A file the user named must be readable. */
	if (opt->rules == NULL && access(path, F_OK) != 0)
		return 0;
	rules_default(&rules);
	if ((rc = rules_load(path, &rules)) != 0)
		return rc;
	*days = rules.rectify_days;
	return 0;
}

/* Warn when findings changed after anju-diff ran: 变化 would be stale. */
static void
warn_if_stale(sqlite3 *db)
{
	sqlite3_stmt *st;
	char then[32];

	if (db_get_info(db, "diff_findings", then, sizeof(then)) != 0)
		return;
	st = db_prepare(db, "SELECT count(*) = CAST(? AS INTEGER) FROM "
	                    "findings");
	if (st == NULL)
		return;
	sqlite3_bind_text(st, 1, then, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && !sqlite3_column_int(st, 0))
		anju_msg(NULL, 0,
		         "findings changed since anju-diff ran; "
		         "re-run anju-diff for an up-to-date 变化");
	sqlite3_finalize(st);
}

static void
resolve_as_of(sqlite3 *db, char *buf, size_t buflen)
{
	char today[11];

	if (db_get_info(db, "as_of", buf, buflen) == 0 ||
	    db_get_info(db, "diff_as_of", buf, buflen) == 0)
		return;
	date_today(today);
	snprintf(buf, buflen, "%s", today);
}

static int
report_all(sqlite3 *db, const struct report_options *opt, long days)
{
	char as_of[32];
	int rc;

	resolve_as_of(db, as_of, sizeof(as_of));
	if (exec_sql(db, "BEGIN") != 0)
		return ANJU_EXIT_SOFTWARE;
	if (report_prepare(db) != 0) {
		rc = ANJU_EXIT_SOFTWARE;
		goto out;
	}
	warn_if_stale(db);
	if ((rc = report_write_summary(db, opt->out_dir)) != 0 ||
	    (rc = report_write_rejects(db, opt->out_dir)) != 0 ||
	    (rc = write_packs(db, opt->out_dir, !opt->no_mask, as_of, days)))
		goto out;
out:
	exec_sql(db, "ROLLBACK");
	return rc;
}

int
report_run(const struct report_options *opt)
{
	char err[512];
	sqlite3 *db = NULL;
	struct stat sb;
	long days;
	int rc;

	if (stat(opt->db_path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		anju_msg(opt->db_path, 0, "workspace not found");
		return ANJU_EXIT_NOINPUT;
	}
	if ((rc = resolve_deadline(opt, &days)) != 0)
		return rc;
	if ((rc = make_dir(opt->out_dir)) != 0)
		return rc;
	if ((rc = db_open(opt->db_path, &db, err, sizeof(err))) != 0) {
		anju_msg(opt->db_path, 0, "%s", err);
		return rc;
	}
	rc = report_all(db, opt, days);
	sqlite3_close(db);
	id_pattern_free();
	return rc;
}
