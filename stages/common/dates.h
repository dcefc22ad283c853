/*
 * dates.h - calendar dates as exports write them.
 */
#ifndef ANJU_DATES_H
#define ANJU_DATES_H

#include <stdbool.h>

enum date_result { DATE_EMPTY, DATE_OK, DATE_BAD };

/*
 * Parse S (already text_clean()ed or raw; surrounding spaces ignored) in
 * any SPEC 2 form: 2020-04-30, 2020/4/30, 2020.4.30, 20200430,
 * 2020年4月30日, 2020-04-30 00:00:00 (any time part ignored), and Excel
 * serial day numbers (43951, 43951.0; accepted between 1 and 2958465,
 * 1900 date system, serial 60 being Excel's phantom 1900-02-29 is BAD).
 * On DATE_OK writes "YYYY-MM-DD" and NUL into ISO (11 bytes). Impossible
 * dates (2020-02-30) and anything else are DATE_BAD; "", all spaces or
 * NULL is DATE_EMPTY; invalid UTF-8 is DATE_BAD. S and ISO may overlap.
 */
enum date_result date_parse(const char *s, char iso[11]);

/*
 * True when S is exactly "YYYY-MM-DD" and a real date: the form every
 * --as-of option takes.
 */
bool date_is_iso(const char *s);

/* True when Y-M-D is a real Gregorian date (year 1000..9999). */
bool date_valid(int y, int m, int d);

/* Days from 1970-01-01 to the ISO date ("YYYY-MM-DD"); caller ensures
 * ISO is valid. */
long date_days(const char *iso);

/* Today's local date as "YYYY-MM-DD" into ISO (11 bytes). */
void date_today(char iso[11]);

#endif
