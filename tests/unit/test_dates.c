/* test_dates.c - every SPEC 2 date form, Excel serials, validity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dates.h"

/* Parse IN and assert DATE_OK with WANT. */
static void
ok(const char *in, const char *want)
{
	char iso[11];

	assert_int_equal(date_parse(in, iso), DATE_OK);
	assert_string_equal(iso, want);
}

static void
bad(const char *in)
{
	char iso[11];

	assert_int_equal(date_parse(in, iso), DATE_BAD);
}

static void
test_forms(void **state)
{
	(void)state;
	ok("2020-04-30", "2020-04-30");
	ok("2020/4/30", "2020-04-30");
	ok("2020/04/30", "2020-04-30");
	ok("2020.4.30", "2020-04-30");
	ok("2020-4-3", "2020-04-03");
	ok("20200430", "2020-04-30");
	ok("2020年4月30日", "2020-04-30");
	ok("2020年04月30日", "2020-04-30");
	ok("2020年4月30", "2020-04-30");
	ok("2020-04-30 00:00:00", "2020-04-30");
	ok("2020/4/30 8:15", "2020-04-30");
	ok("2020-04-30T08:15:00", "2020-04-30");
	ok("  2020-04-30  ", "2020-04-30");
	ok("２０２０－０４－３０", "2020-04-30"); /* full-width, raw */
	ok("2020 年 4 月 30 日", "2020-04-30");
}

/* Year last: read only when the day is beyond doubt. */
static void
test_year_last(void **state)
{
	(void)state;
	ok("30/04/2020", "2020-04-30");
	ok("04/30/2020", "2020-04-30");
	ok("30.4.2020", "2020-04-30");
	bad("04/05/2020"); /* April 5 or May 4: never guessed */
	bad("31/02/2020");
	bad("30/04/20");
	bad("13/13/2020");
}

static void
test_excel_serial(void **state)
{
	(void)state;
	ok("43951", "2020-04-30");
	ok("43951.0", "2020-04-30");
	ok("43951.75", "2020-04-30"); /* time of day ignored */
	ok("25569", "1970-01-01");
	ok("73050", "2099-12-31");
	/* outside 1970-2099: a year, a month or a number, not a serial */
	bad("25568");
	bad("73051");
	bad("1");
	bad("60");
	bad("2020");
	bad("2020.04");
	bad("2020.4");
	bad("202004");
	bad("4.30");
	bad("0");
	bad("-1");
}

static void
test_impossible(void **state)
{
	(void)state;
	bad("2020-02-30");
	bad("2020-13-01");
	bad("2020-00-10");
	bad("2020-04-00");
	bad("20201301");
	bad("2020-04/30");
	bad("2020-04-30-");
	bad("04/05/2020"); /* day or month first: not guessed */
	bad("昨天");
	bad("2020年4月");
	bad("\xff");
	bad("202004301");
}

static void
test_feb29(void **state)
{
	(void)state;
	ok("2020-02-29", "2020-02-29");
	ok("2000-02-29", "2000-02-29");
	bad("2019-02-29");
	bad("1900-02-29");
	bad("2100-02-29");
	assert_true(date_valid(2024, 2, 29));
	assert_false(date_valid(2023, 2, 29));
	assert_false(date_valid(999, 1, 1));
	assert_true(date_valid(2020, 12, 31));
	assert_false(date_valid(2020, 4, 31));
}

static void
test_empty(void **state)
{
	char iso[11];

	(void)state;
	assert_int_equal(date_parse("", iso), DATE_EMPTY);
	assert_int_equal(date_parse("   ", iso), DATE_EMPTY);
	assert_int_equal(date_parse("\xe3\x80\x80", iso), DATE_EMPTY);
	assert_int_equal(date_parse(NULL, iso), DATE_EMPTY);
	/* what ledgers put in a cell with no date */
	assert_int_equal(date_parse("/", iso), DATE_EMPTY);
	assert_int_equal(date_parse("——", iso), DATE_EMPTY);
	assert_int_equal(date_parse("－", iso), DATE_EMPTY);
	assert_int_equal(date_parse("无", iso), DATE_EMPTY);
	assert_int_equal(date_parse("暂无", iso), DATE_EMPTY);
	assert_int_equal(date_parse("n/a", iso), DATE_EMPTY);
	assert_int_equal(date_parse("/2020", iso), DATE_BAD);
	assert_int_equal(date_parse("无日期记录", iso), DATE_BAD);
}

static void
test_days(void **state)
{
	char iso[11];

	(void)state;
	assert_int_equal(date_days("1970-01-01"), 0);
	assert_int_equal(date_days("1970-01-02"), 1);
	assert_int_equal(date_days("1969-12-31"), -1);
	assert_int_equal(date_days("2020-04-30"), 18382);
	assert_int_equal(date_days("2021-01-01") - date_days("2020-01-01"),
	                 366);
	date_today(iso);
	assert_int_equal(strlen(iso), 10);
	assert_int_equal(date_parse(iso, iso), DATE_OK);
	assert_true(date_days(iso) > date_days("2024-01-01"));
}

/* --as-of takes exactly YYYY-MM-DD and a real date, nothing looser. */
static void
test_is_iso(void **state)
{
	(void)state;
	assert_true(date_is_iso("2020-12-31"));
	assert_true(date_is_iso("2020-02-29"));
	assert_false(date_is_iso("2021-02-29"));
	assert_false(date_is_iso("2020/12/31"));
	assert_false(date_is_iso("2020-1-31"));
	assert_false(date_is_iso("2020-12-31 "));
	assert_false(date_is_iso("20201231"));
	assert_false(date_is_iso("+020-12-31"));
	assert_false(date_is_iso(""));
	assert_false(date_is_iso(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forms),
	    cmocka_unit_test(test_excel_serial),
	    cmocka_unit_test(test_year_last),
	    cmocka_unit_test(test_impossible),
	    cmocka_unit_test(test_feb29),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_days),
	    cmocka_unit_test(test_is_iso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
