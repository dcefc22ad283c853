/* Unit tests: header aliases as data (stages/ingest/headers.c) against the
 * shipped schemas/headers.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "headers.h"

static struct header_table table;

static int
load(void **state)
{
	char err[256];
	char path[4096];
	const char *dir = getenv("ANJU_DATADIR");

	(void)state;
	snprintf(path, sizeof(path), "%s/schemas/headers.tsv", dir ? dir : ".");
	if (headers_load(path, &table, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
unload(void **state)
{
	(void)state;
	headers_free(&table);
	return 0;
}

static void
test_aliases_full_width_and_spaces(void **state)
{
	const struct header_kind *k = headers_kind(&table, "platform");

	(void)state;
	assert_non_null(k);
	/* NFKC turns （） into ()，and spaces never matter. */
	assert_int_equal(headers_match(k, "县(市、区)"),
	                 headers_field(k, "county"));
	assert_int_equal(headers_match(k, "改造面积(M2)"),
	                 headers_field(k, "area_m2"));
	assert_int_equal(headers_match(k, "不是列名"), -1);
}

/* A bracketed note no alias has is ignored, unless it is a 万 unit. */
static void
test_bracketed_notes(void **state)
{
	const struct header_kind *k = headers_kind(&table, "platform");

	(void)state;
	assert_int_equal(headers_match(k, "户主身份证号码(18位)"),
	                 headers_field(k, "head_id"));
	assert_int_equal(headers_match(k, "验收结果(合格/不合格)"),
	                 headers_field(k, "acceptance_result"));
	assert_int_equal(headers_match(k, "补助资金(元)"),
	                 headers_field(k, "subsidy_yuan"));
	assert_int_equal(headers_match(k, "补助资金(万元/户)"),
	                 headers_field(k, "subsidy_wan"));
	assert_int_equal(headers_match(k, "补助资金(万元/年)"), -1);
	assert_int_equal(headers_match(k, "(备注)"), -1);
	assert_int_equal(headers_match(k, "备注(其他)"), -1);
}

static void
test_map_any_order_extra_columns(void **state)
{
	const struct header_kind *k = headers_kind(&table, "platform");
	char *cells[] = {"序号", "身份证号码", "备注", "户主 姓名",
	                 "县（市、区）"};
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	(void)state;
	assert_int_equal(headers_map(k, cells, 5, col, err, sizeof(err)), 0);
	assert_int_equal(col[headers_field(k, "head_id")], 1);
	assert_int_equal(col[headers_field(k, "head_name")], 3);
	assert_int_equal(col[headers_field(k, "county")], 4);
	assert_int_equal(col[headers_field(k, "safety_grade")], -1);
}

/* Marks on a column name are not part of it. */
static void
test_required_marks(void **state)
{
	const struct header_kind *k = headers_kind(&table, "platform");
	char *cells[] = {"*户主姓名", "身份证号码＊", "鉴定等级（必填）"};
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	(void)state;
	assert_int_equal(headers_map(k, cells, 3, col, err, sizeof(err)), 0);
	assert_int_equal(col[headers_field(k, "head_name")], 0);
	assert_int_equal(col[headers_field(k, "head_id")], 1);
	assert_int_equal(col[headers_field(k, "safety_grade")], 2);
}

static void
test_map_missing_required(void **state)
{
	const struct header_kind *k = headers_kind(&table, "roster");
	char *cells[] = {"户编号", "户主姓名", "人数"};
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	(void)state;
	assert_int_equal(headers_map(k, cells, 3, col, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "户主证件号码"));
	assert_non_null(strstr(err, "head_id"));
}

static void
test_map_field_twice(void **state)
{
	const struct header_kind *k = headers_kind(&table, "roster");
	char *cells[] = {"户编号", "户主", "证件号码", "身份证号"};
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	(void)state;
	assert_int_equal(headers_map(k, cells, 4, col, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two columns"));
}

/* A fallback alias names its field only when no column has one of the
 * field's aliases; two fallback columns for one field are refused. */
static void
test_map_fallback(void **state)
{
	const struct header_kind *k = headers_kind(&table, "platform");
	char *both[] = {"户主姓名", "身份证号", "鉴定结果", "鉴定等级",
	                "户主名"};
	char *alone[] = {"户主名", "身份证号", "鉴定结果(A/B/C/D)"};
	char *twice[] = {"户主名", "身份证号", "鉴定结果", "房屋危险等级"};
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	(void)state;
	assert_int_equal(headers_map(k, both, 5, col, err, sizeof(err)), 0);
	assert_int_equal(col[headers_field(k, "head_name")], 0);
	assert_int_equal(col[headers_field(k, "safety_grade")], 3);
	assert_int_equal(headers_map(k, alone, 3, col, err, sizeof(err)), 0);
	assert_int_equal(col[headers_field(k, "head_name")], 0);
	assert_int_equal(col[headers_field(k, "safety_grade")], 2);
	assert_int_equal(headers_match_cell(k, "鉴定结果"),
	                 headers_field(k, "safety_grade"));
	assert_int_equal(headers_map(k, twice, 4, col, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two columns"));
}

static void
test_score_title_line_is_not_header(void **state)
{
	const char *kinds[] = {"roster", "roster.person", NULL};
	char *title[] = {"阜新市建档立卡贫困户花名册", "", ""};
	char *header[] = {"户编号", "姓名", "证件号码", "与户主关系", "备注"};

	(void)state;
	assert_int_equal(headers_score(&table, kinds, title, 3, -1), 0);
	assert_int_equal(headers_score(&table, kinds, header, 5, -1), 4);
}

/* With a floor, a line that cannot beat it stops early (any score up to
 * the floor); one that can is scored in full. */
static void
test_score_floor(void **state)
{
	const char *kinds[] = {"roster", "roster.person", NULL};
	char *data[] = {"H001", "王小明", "21092119650812001X", "户主", "姓名"};
	char *header[] = {"户编号", "姓名", "证件号码", "与户主关系", "备注"};

	(void)state;
	assert_true(headers_score(&table, kinds, data, 5, 4) <= 4);
	/* 户主 and 姓名 are header names too */
	assert_int_equal(headers_score(&table, kinds, data, 5, -1), 2);
	assert_int_equal(headers_score(&table, kinds, header, 5, 3), 4);
	assert_true(headers_score(&table, kinds, header, 5, 4) <= 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aliases_full_width_and_spaces),
	    cmocka_unit_test(test_map_any_order_extra_columns),
	    cmocka_unit_test(test_required_marks),
	    cmocka_unit_test(test_map_missing_required),
	    cmocka_unit_test(test_map_field_twice),
	    cmocka_unit_test(test_map_fallback),
	    cmocka_unit_test(test_score_title_line_is_not_header),
	    cmocka_unit_test(test_score_floor),
	    cmocka_unit_test(test_bracketed_notes),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
