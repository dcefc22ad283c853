/* test_values.c - money, numbers, years, counts and values.tsv lookups. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "anju.h"
#include "values.h"

static void
money(const char *in, double want)
{
	double got = -1;

	assert_int_equal(value_money(in, &got), VALUE_OK);
	assert_float_equal(got, want, 1e-9);
}

static void
money_bad(const char *in)
{
	double got;

	assert_int_equal(value_money(in, &got), VALUE_BAD);
}

static void
test_money(void **state)
{
	double v;

	(void)state;
	money("12000", 12000);
	money("12,000", 12000);
	money("1,234,567.5", 1234567.5);
	money("¥12000", 12000);
	money("￥12,000.50", 12000.5);
	money("12000元", 12000);
	money("12000.00 元", 12000);
	money("1.2万", 12000);
	money("1.2万元", 12000);
	money("１．２万元", 12000);
	money(" 3.5 万 ", 35000);
	money("0.07万", 700);
	money("0", 0);
	money("-0", 0);
	value_money("-0", &v);
	assert_false(signbit(v));
	assert_int_equal(value_money("", &v), VALUE_EMPTY);
	assert_int_equal(value_money("  ", &v), VALUE_EMPTY);
	money_bad("1,2万");
	money_bad("12,00");
	money_bad("1,0000");
	money_bad(",100");
	money_bad("-12000");
	money_bad("12000美元");
	money_bad("abc");
	money_bad("1e4");
	money_bad("inf");
	money_bad("12.");
	money_bad("万");
	money_bad("¥");
	money_bad("\xff");
}

static void
test_number(void **state)
{
	double v;

	(void)state;
	assert_int_equal(value_number("60", &v), VALUE_OK);
	assert_float_equal(v, 60, 1e-9);
	assert_int_equal(value_number("58.5㎡", &v), VALUE_OK);
	assert_float_equal(v, 58.5, 1e-9);
	assert_int_equal(value_number("58.5m²", &v), VALUE_OK);
	assert_float_equal(v, 58.5, 1e-9);
	assert_int_equal(value_number("58.5 M2", &v), VALUE_OK);
	assert_float_equal(v, 58.5, 1e-9);
	assert_int_equal(value_number("3口人", &v), VALUE_OK);
	assert_float_equal(v, 3, 1e-9);
	assert_int_equal(value_number("3人户", &v), VALUE_OK);
	assert_float_equal(v, 3, 1e-9);
	assert_int_equal(value_number("72平方米", &v), VALUE_OK);
	assert_float_equal(v, 72, 1e-9);
	assert_int_equal(value_number("72平米", &v), VALUE_OK);
	assert_float_equal(v, 72, 1e-9);
	assert_int_equal(value_number("3人", &v), VALUE_OK);
	assert_float_equal(v, 3, 1e-9);
	assert_int_equal(value_number("４口", &v), VALUE_OK);
	assert_float_equal(v, 4, 1e-9);
	assert_int_equal(value_number("", &v), VALUE_EMPTY);
	assert_int_equal(value_number("-3", &v), VALUE_BAD);
	assert_int_equal(value_number("m2", &v), VALUE_BAD);
	assert_int_equal(value_number("三人", &v), VALUE_BAD);
	assert_int_equal(value_number("3户", &v), VALUE_BAD);
}

static void
test_year(void **state)
{
	int y = 0;

	(void)state;
	assert_int_equal(value_year("2020", &y), VALUE_OK);
	assert_int_equal(y, 2020);
	assert_int_equal(value_year("2019年", &y), VALUE_OK);
	assert_int_equal(y, 2019);
	assert_int_equal(value_year("2018年度", &y), VALUE_OK);
	assert_int_equal(y, 2018);
	assert_int_equal(value_year("２０２０年", &y), VALUE_OK);
	assert_int_equal(y, 2020);
	assert_int_equal(value_year("", &y), VALUE_EMPTY);
	assert_int_equal(value_year("20", &y), VALUE_BAD);
	assert_int_equal(value_year("1900", &y), VALUE_BAD);
	assert_int_equal(value_year("2101", &y), VALUE_BAD);
	assert_int_equal(value_year("2020-04", &y), VALUE_BAD);
	assert_int_equal(value_year("年度", &y), VALUE_BAD);
}

static void
test_count(void **state)
{
	int n = -1;

	(void)state;
	assert_int_equal(value_count("3", &n), VALUE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(value_count("3张", &n), VALUE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(value_count("０", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("有", &n), VALUE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(value_count("无", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("否", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("", &n), VALUE_EMPTY);
	assert_int_equal(value_count("张", &n), VALUE_BAD);
	assert_int_equal(value_count("-1", &n), VALUE_BAD);
	assert_int_equal(value_count("2.5", &n), VALUE_BAD);
	/* notes in brackets, as people annotate a cell */
	assert_int_equal(value_count("有（3张）", &n), VALUE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(value_count("有(已上传)", &n), VALUE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(value_count("无（待补）", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("2（补拍）", &n), VALUE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(value_count("无（3张）", &n), VALUE_BAD);
	assert_int_equal(value_count("2(3张)", &n), VALUE_BAD);
	assert_int_equal(value_count("有(0张)", &n), VALUE_BAD);
	assert_int_equal(value_count("3(3张)", &n), VALUE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(value_count("已上传", &n), VALUE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(value_count("未上传", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("很多", &n), VALUE_BAD);
	/* ledger marks and placeholders */
	assert_int_equal(value_count("√", &n), VALUE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(value_count("×", &n), VALUE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(value_count("有照片", &n), VALUE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(value_count("/", &n), VALUE_EMPTY);
	assert_int_equal(value_count("3张照片", &n), VALUE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(value_count("—", &n), VALUE_EMPTY);
}

/* A cell that says "nothing here" is empty for amounts, areas, years. */
static void
test_placeholders(void **state)
{
	double v;
	int y;

	(void)state;
	assert_int_equal(value_money("/", &v), VALUE_EMPTY);
	assert_int_equal(value_money("无", &v), VALUE_EMPTY);
	assert_int_equal(value_money("——", &v), VALUE_EMPTY);
	assert_int_equal(value_money("--", &v), VALUE_EMPTY);
	assert_int_equal(value_number("/", &v), VALUE_EMPTY);
	assert_int_equal(value_year("无", &y), VALUE_EMPTY);
	assert_int_equal(value_money("-5", &v), VALUE_BAD);
	assert_int_equal(value_money("无补助款", &v), VALUE_BAD);
}

/* The shipped table, loaded once for the lookup tests. */
static int
load_shipped(void **state)
{
	char path[4096], err[256];

	snprintf(path, sizeof path, "%s/schemas/values.tsv", anju_datadir());
	*state = value_map_load(path, err, sizeof err);
	if (*state == NULL)
		fprintf(stderr, "%s\n", err);
	return *state == NULL ? -1 : 0;
}

static int
free_shipped(void **state)
{
	value_map_free(*state);
	return 0;
}

/* Assert FIELD/RAW maps to WANT (NULL: unrecognised, not empty). */
static void
lookup(const struct value_map *m, const char *field, const char *raw,
       const char *want)
{
	bool empty = true;
	const char *got = value_lookup(m, field, raw, &empty);

	assert_false(empty);
	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void
test_grades(void **state)
{
	const struct value_map *m = *state;
	bool empty = false;

	lookup(m, "safety_grade", "A", "A");
	lookup(m, "safety_grade", "a", "A");
	lookup(m, "safety_grade", "Ａ", "A");
	lookup(m, "safety_grade", "Ａ级", "A");
	lookup(m, "safety_grade", "A级", "A");
	lookup(m, "safety_grade", "b 级", "B");
	lookup(m, "safety_grade", "C级危房", "C");
	lookup(m, "safety_grade", "D级危房", "D");
	lookup(m, "safety_grade", "C类", "C");
	lookup(m, "safety_grade", "D类危房", "D");
	lookup(m, "safety_grade", "d危房", "D");
	lookup(m, "safety_grade", "局部危险", "C");
	lookup(m, "safety_grade", "整栋危险", "D");
	lookup(m, "safety_grade", "E", NULL);
	lookup(m, "safety_grade", "级", NULL);
	lookup(m, "safety_grade", "危房", NULL);
	assert_null(value_lookup(m, "safety_grade", "  ", &empty));
	assert_true(empty);
	/* the reduction belongs to safety_grade only */
	lookup(m, "build_mode", "自建级", NULL);
}

static void
test_enums(void **state)
{
	const struct value_map *m = *state;

	lookup(m, "household_type", "建档立卡户", "建档立卡贫困户");
	lookup(m, "household_type", "建档立卡贫困户", "建档立卡贫困户");
	lookup(m, "household_type", "五保户", "农村分散供养特困人员");
	lookup(m, "household_type", "分散供养特困户", "农村分散供养特困人员");
	lookup(m, "household_type", "残疾人家庭", "贫困残疾人家庭");
	lookup(m, "household_type", "低保", "低保户");
	lookup(m, "household_type", "富裕户", NULL);
	lookup(m, "renovation_type", "置换", "房屋置换");
	lookup(m, "renovation_type", "加固", "修缮加固");
	lookup(m, "renovation_type", "异地相对集中新建", "异地相对集中新建");
	lookup(m, "build_mode", "统建", "统建");
	lookup(m, "acceptance_result", "合格", "pass");
	lookup(m, "acceptance_result", "已验收", "pass");
	lookup(m, "acceptance_result", "验收不合格", "fail");
	lookup(m, "acceptance_result", "未通过", "fail");
	lookup(m, "verified", "是", "1");
	lookup(m, "verified", "y", "1");
	lookup(m, "verified", "有保障", "1");
	lookup(m, "verified", "无保障", "0");
	lookup(m, "verified", "N", "0");
	lookup(m, "toilet", "已改", "1");
	lookup(m, "toilet", "否", "0");
	lookup(m, "poverty_attr", "低保脱贫户", "低保脱贫户");
	lookup(m, "poverty_status", "1", "已脱贫");
	lookup(m, "poverty_status", "已脱贫（享受政策）", "已脱贫");
	lookup(m, "poverty_status", "已脱贫(享受政策)", "已脱贫");
	lookup(m, "poverty_status", "已脱贫（不再享受政策）",
	       "已脱贫(不再享受政策)");
	lookup(m, "poverty_status", "4", "已脱贫(不再享受政策)");
	lookup(m, "poverty_status", "3", "返贫");
	lookup(m, "poverty_status", "2", NULL);
	lookup(m, "relation", "本人", "户主");
	lookup(m, "relation", "妻", "配偶");
	lookup(m, "relation", "丈夫", "配偶");
	lookup(m, "relation", "儿子", "之子");
	lookup(m, "relation", "之曾孙女", "之曾孙女");
	lookup(m, "relation", "长子", "之子");
	lookup(m, "relation", "次女", "之女");
	lookup(m, "relation", "儿媳妇", "之儿媳");
	lookup(m, "relation", "非亲属", "其他");
	lookup(m, "relation", "户主本人", "户主");
	lookup(m, "relation", "户主（本人）", "户主");
	/* a note in brackets after a known value */
	lookup(m, "safety_grade", "D级（整栋危险）", "D");
	lookup(m, "safety_grade", "C级危房(局部危险)", "C");
	lookup(m, "household_type", "建档立卡贫困户（已脱贫）",
	       "建档立卡贫困户");
	lookup(m, "acceptance_result", "合格（已验收）", "pass");
	lookup(m, "poverty_status", "已脱贫(享受政策)", "已脱贫");
	lookup(m, "build_mode", "(自建)", NULL);
	lookup(m, "verified", "√", "1");
	lookup(m, "verified", "×", "0");
	lookup(m, "verified", "是（有保障）", "1");
	lookup(m, "toilet", "√", "1");
	lookup(m, "unknown_field", "是", NULL);
	/* a placeholder is nothing given, not an unknown value */
	{
		bool empty = false;

		assert_null(value_lookup(m, "build_mode", "/", &empty));
		assert_true(empty);
		assert_null(value_lookup(m, "safety_grade", "——", &empty));
		assert_true(empty);
		/* 无 is a value of verified */
		assert_string_equal(value_lookup(m, "verified", "无", &empty),
		                    "0");
		assert_false(empty);
	}
}

static void
test_safety(void **state)
{
	const struct value_map *m = *state;

	lookup(m, "safety_means", "易地扶贫搬迁", "易地扶贫搬迁");
	lookup(m, "safety_means", "鉴定安全", "鉴定安全");
	assert_string_equal(value_safety_category(m, "鉴定安全"), "鉴定安全");
	assert_string_equal(value_safety_category(m, "易地扶贫搬迁"),
	                    "改造安全");
	assert_string_equal(value_safety_category(m, "生态移民"), "改造安全");
	assert_string_equal(value_safety_category(m, "避险搬迁"), "改造安全");
	assert_string_equal(value_safety_category(m, "集体公租房"), "保障安全");
	assert_string_equal(value_safety_category(m, "幸福大院"), "保障安全");
	assert_string_equal(value_safety_category(m, "租赁闲置农房"),
	                    "保障安全");
	assert_string_equal(value_safety_category(m, "投亲靠友"), "保障安全");
	assert_string_equal(value_safety_category(m, "保障安全"), "保障安全");
	assert_null(value_safety_category(m, "其他"));
	assert_null(value_safety_category(m, ""));
}

/* Write TEXT to a temporary file; PATH receives its name. */
static void
write_tmp(char path[64], const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/anju-values-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* A table with CRLF, a blank line, a comment and more variants than the
 * first table size, so that loading must grow the hash table. */
static void
write_big_table(char path[64])
{
	static char big[32768];
	size_t i, n;

	n = (size_t)snprintf(big, sizeof big, "# t\r\n\r\n");
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
		                      "f\tv%zu\tc%zu\r\n", i, i % 7);
	write_tmp(path, big);
}

static void
test_load_errors(void **state)
{
	char path[64], err[256];
	struct value_map *m;
	bool empty;

	(void)state;
	m = value_map_load("/nonexistent/values.tsv", err, sizeof err);
	assert_null(m);
	assert_non_null(strstr(err, "/nonexistent/values.tsv"));

	write_tmp(path, "# c\nbuild_mode\t自建\n");
	m = value_map_load(path, err, sizeof err);
	assert_null(m);
	assert_non_null(strstr(err, ":2:"));
	unlink(path);

	write_tmp(path, "f\tx\tone\nf\tX\ttwo\n");
	m = value_map_load(path, err, sizeof err);
	assert_null(m);
	assert_non_null(strstr(err, ":2:"));
	unlink(path);

	write_big_table(path);
	m = value_map_load(path, err, sizeof err);
	assert_non_null(m);
	assert_string_equal(value_lookup(m, "f", "v599", &empty), "c4");
	assert_string_equal(value_lookup(m, "f", " ｖ１２ ", &empty), "c5");
	assert_string_equal(value_lookup(m, "f", "c3", &empty), "c3");
	assert_null(value_lookup(m, "f", "v600", &empty));
	value_map_free(m);
	unlink(path);
	value_map_free(NULL);
}

/* Short decimals are read without strtod(): the same doubles. */
static void
test_number_fast_path(void **state)
{
	static const char *const cells[] = {
	    "0",
	    "3",
	    "54.5",
	    "0.1",
	    "0.3",
	    "35000",
	    "12,000",
	    "1.2",
	    "2.675",
	    "999999999999999",
	    "1234567890123456",
	    "0.000000000000001",
	    "12345678.1234567",
	    "7.0",
	};
	size_t i;
	double v;

	(void)state;
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		char plain[64];
		const char *r;
		char *w = plain;

		assert_int_equal(value_number(cells[i], &v), VALUE_OK);
		for (r = cells[i]; *r != '\0'; r++)
			if (*r != ',')
				*w++ = *r;
		*w = '\0';
		assert_memory_equal(&v, &(double){strtod(plain, NULL)},
		                    sizeof(v));
	}
}

int
main(void)
{
	const struct CMUnitTest parse[] = {
	    cmocka_unit_test(test_money),
	    cmocka_unit_test(test_number),
	    cmocka_unit_test(test_year),
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_number_fast_path),
	    cmocka_unit_test(test_placeholders),
	    cmocka_unit_test(test_load_errors),
	};
	const struct CMUnitTest table[] = {
	    cmocka_unit_test(test_grades),
	    cmocka_unit_test(test_enums),
	    cmocka_unit_test(test_safety),
	};
	int failed;

	failed = cmocka_run_group_tests(parse, NULL, NULL);
	failed += cmocka_run_group_tests(table, load_shipped, free_shipped);
	return failed;
}
