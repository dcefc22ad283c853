/* dates.c - calendar dates as Excel, WPS and the platforms write them. */
#include "dates.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Excel's largest serial, 9999-12-31. */
/* Excel serial day numbers are read only within 1970-01-01 .. 2099-12-31
 * (25569 .. 73050): a housing record's dates lie there, while a bare
 * 2020 (a year), 2020.04 (a month) or 202004 read as serials would make
 * dates nobody typed (1905-07-12, 2453-01-23). */
#define SERIAL_MIN 25569L
#define SERIAL_MAX 73050L

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
date_valid(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int last;

	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1] + (m == 2 && leap_year(y));
	return d <= last;
}

/* Days from 1970-01-01 to Y-M-D, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Value of the N ASCII digits at S (the caller checked they are). */
static int
digits_value(const char *s, int n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

long
date_days(const char *iso)
{
	int y = 0, m = 0, d = 0;

	/* The usual exact form is read directly; anything else as before. */
	if (date_is_iso(iso))
		return days_from_civil(digits_value(iso, 4),
		                       digits_value(iso + 5, 2),
		                       digits_value(iso + 8, 2));
	if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return 0;
	return days_from_civil(y, m, d);
}

void
date_today(char iso[11])
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(iso, 11, "%Y-%m-%d", &tm) != 10)
		strcpy(iso, "1970-01-01");
}

/* Writes the N low decimal digits of V at OUT, zero-padded. */
static void
put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

static enum date_result
put_iso(int y, int m, int d, char iso[11])
{
	if (!date_valid(y, m, d))
		return DATE_BAD;
	/* Written by hand, not with snprintf(): this runs for every date
	 * cell of every export row. */
	put_digits(iso, (unsigned)y, 4);
	iso[4] = '-';
	put_digits(iso + 5, (unsigned)m, 2);
	iso[7] = '-';
	put_digits(iso + 8, (unsigned)d, 2);
	iso[10] = '\0';
	return DATE_OK;
}

/*
 * Read between MIN and MAX ASCII digits at *P into *VAL and advance *P.
 * Returns false when the digit count is out of range.
 */
static bool
read_digits(const char **p, int min, int max, int *val)
{
	int n = 0, v = 0;

	while (isdigit((unsigned char)**p) && n < max + 1) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*val = v;
	return n >= min && n <= max;
}

/* True when S starts with the string PREFIX; advances *S past it. */
static bool
skip(const char **s, const char *prefix)
{
	size_t n;

	if (**s != *prefix) /* most dates use '-' or '/', not 年 */
		return false;
	n = strlen(prefix);
	if (strncmp(*s, prefix, n) != 0)
		return false;
	*s += n;
	return true;
}

/*
 * Y-M-D with '-', '/' or '.' (the same twice), or 2020年4月30日 (日 or 号
 * optional). S has no spaces.
 */
/*
 * A date written with the year last, 30/04/2020 or 04/30/2020: read only
 * when one of the first two numbers is over 12, so the order is beyond
 * doubt; 04/05/2020 could be either and is refused, never guessed.
 */
static enum date_result
parse_year_last(const char *s, char iso[11])
{
	int a, b, y;
	char sep;

	if (!read_digits(&s, 1, 2, &a))
		return DATE_BAD;
	sep = *s;
	if (sep != '/' && sep != '-' && sep != '.')
		return DATE_BAD;
	s++;
	if (!read_digits(&s, 1, 2, &b) || *s++ != sep ||
	    !read_digits(&s, 4, 4, &y) || *s != '\0')
		return DATE_BAD;
	if (a > 12 && b <= 12)
		return put_iso(y, b, a, iso);
	if (b > 12 && a <= 12)
		return put_iso(y, a, b, iso);
	return DATE_BAD;
}

static enum date_result
parse_ymd(const char *s, char iso[11])
{
	const char *start = s;
	int y, m, d;
	char sep;

	if (!read_digits(&s, 4, 4, &y))
		return parse_year_last(start, iso);
	if (skip(&s, "年")) {
		if (!read_digits(&s, 1, 2, &m) || !skip(&s, "月") ||
		    !read_digits(&s, 1, 2, &d))
			return DATE_BAD;
		if (!skip(&s, "日"))
			(void)skip(&s, "号");
	} else {
		sep = *s;
		if (sep != '-' && sep != '/' && sep != '.')
			return DATE_BAD;
		s++;
		if (!read_digits(&s, 1, 2, &m) || *s++ != sep ||
		    !read_digits(&s, 1, 2, &d))
			return DATE_BAD;
	}
	return *s == '\0' ? put_iso(y, m, d, iso) : DATE_BAD;
}

/* 20200430: S is exactly eight ASCII digits. */
static enum date_result
parse_ymd_compact(const char *s, char iso[11])
{
	return put_iso(digits_value(s, 4), digits_value(s + 4, 2),
	               digits_value(s + 6, 2), iso);
}

/*
 * Excel 1900 date system: serial 1 is 1900-01-01 and Excel counts a
 * 1900-02-29 that never was (serial 60), so from serial 61 on the day
 * count runs one ahead of the calendar.
 */
static enum date_result
parse_serial(long serial, char iso[11])
{
	int y, m, d;
	long days;

	if (serial < SERIAL_MIN || serial > SERIAL_MAX)
		return DATE_BAD;
	/* Excel counts a 1900-02-29 that never was: serial 61 onwards are
	 * one ahead of the calendar. */
	days = days_from_civil(1899, 12, 31) + serial - 1;
	civil_from_days(days, &y, &m, &d);
	return put_iso(y, m, d, iso);
}

/* All digits, optionally ".digits" (an Excel serial with a time part). */
static bool
all_digits(const char *s, size_t *intlen)
{
	const char *p = s;

	while (isdigit((unsigned char)*p))
		p++;
	*intlen = (size_t)(p - s);
	if (*p == '.' && *intlen > 0 && isdigit((unsigned char)p[1])) {
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	return *intlen > 0 && *p == '\0';
}

/*
 * Drop a time of day ("2020-04-30 00:00:00", "2020-04-30T08:15") and every
 * remaining space, in place.
 */
static void
strip_time_and_spaces(char *s)
{
	char *colon = strchr(s, ':'), *cut, *r, *w;

	if (colon != NULL) {
		for (cut = colon; cut > s; cut--)
			if (cut[-1] == ' ' || cut[-1] == 'T') {
				cut[-1] = '\0';
				break;
			}
	}
	for (r = w = s; *r != '\0'; r++)
		if (*r != ' ')
			*w++ = *r;
	*w = '\0';
}

/*
 * Copies S into BUF (CAP bytes) without its leading spaces when S holds
 * only printable ASCII and CJK ideographs (年月日号): text_clean() would
 * only trim and collapse its spaces, and strip_time_and_spaces() drops
 * every space anyway, so the copy parses exactly as the cleaned text.
 * Returns false when S needs text_clean() (or is too long for BUF).
 */
static bool
copy_simple(const char *s, char *buf, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p == ' ')
		p++;
	for (; *p != '\0'; p++) {
		if (n + 3 >= cap)
			return false;
		if (*p >= 0x20 && *p <= 0x7E) {
			buf[n++] = (char)*p;
			continue;
		}
		/* U+4E00 (E4 B8 80) .. U+9FFF (E9 BF BF), as text.c */
		if (*p < 0xE4 || *p > 0xE9 || (*p == 0xE4 && p[1] < 0xB8) ||
		    (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return false;
		memcpy(buf + n, p, 3);
		n += 3;
		p += 2;
	}
	buf[n] = '\0';
	return true;
}

/* Parses C, cleaned and not empty, in place. */
static enum date_result
parse_clean(char *c, char iso[11])
{
	size_t intlen;

	strip_time_and_spaces(c);
	if (all_digits(c, &intlen)) {
		if (intlen == 8 && c[8] == '\0')
			return parse_ymd_compact(c, iso);
		if (intlen <= 7)
			return parse_serial(strtol(c, NULL, 10), iso);
		return DATE_BAD;
	}
	return parse_ymd(c, iso);
}

enum date_result
date_parse(const char *s, char iso[11])
{
	enum date_result res;
	char buf[64], *c;

	if (s == NULL)
		s = "";
	/* Clean first: S may be ISO itself (re-checking a stored date). */
	if (copy_simple(s, buf, sizeof buf)) {
		iso[0] = '\0';
		if (buf[0] == '\0' || text_is_placeholder(buf))
			return DATE_EMPTY;
		return parse_clean(buf, iso);
	}
	c = text_clean(s);
	iso[0] = '\0';
	if (c == NULL)
		return DATE_BAD;
	res = c[0] == '\0' || text_is_placeholder(c) ? DATE_EMPTY
	                                             : parse_clean(c, iso);
	free(c);
	return res;
}

bool
date_is_iso(const char *s)
{
	int y, m, d;
	size_t i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = digits_value(s, 4);
	m = digits_value(s + 5, 2);
	d = digits_value(s + 8, 2);
	return date_valid(y, m, d);
}
