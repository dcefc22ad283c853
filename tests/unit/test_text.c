/* test_text.c - text_clean, text_name, text_key, text_is_total_label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

/* Assert that F(IN) gives WANT (NULL: F must fail). */
static void
check(char *(*f)(const char *), const char *in, const char *want)
{
	char *got = f(in);

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
expect_escaped(const char *s, size_t len, const char *want)
{
	char *got = text_escape_bytes(s, len);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_escape_bytes(void **state)
{
	static const char mixed[] = "\xCD\xF5,\x80"
	                            "a\0"
	                            "b\xE7\x8E";
	static const char odd[] = "\xED\xA0\x80|\xC0\xAF";

	(void)state;
	expect_escaped("", 0, "");
	expect_escaped("王小明,1", strlen("王小明,1"), "王小明,1");
	/* 王 in GBK (CD F5), a lone continuation byte, a NUL, a truncated
	 * sequence at the end */
	expect_escaped(mixed, sizeof(mixed) - 1,
	               "\\xCD\\xF5,\\x80a\\x00b\\xE7\\x8E");
	/* a surrogate and an overlong form are not characters */
	expect_escaped(odd, sizeof(odd) - 1, "\\xED\\xA0\\x80|\\xC0\\xAF");
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(text_utf8_valid("", 0));
	assert_true(text_utf8_valid("王小明", strlen("王小明")));
	assert_false(text_utf8_valid("\xff", 1));
	assert_false(text_utf8_valid("\xc0\xaf", 2));     /* overlong '/' */
	assert_false(text_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	assert_false(text_utf8_valid("\xe7\x8e", 2));     /* truncated */
}

static void
test_clean_empty_and_spaces(void **state)
{
	(void)state;
	check(text_clean, "", "");
	check(text_clean, NULL, "");
	check(text_clean, "   ", "");
	check(text_clean, "\t \xe3\x80\x80\xc2\xa0", ""); /* tab U+3000 NBSP */
	check(text_clean, "  a  b  ", "a b");
	check(text_clean,
	      "a\xc2\xa0\xc2\xa0"
	      "b",
	      "a b");
	check(text_clean,
	      "a\xe2\x80\x83"
	      "b",
	      "a b"); /* em space */
	check(text_clean, "a\tb\r\nc", "a b c");
}

static void
test_clean_fullwidth(void **state)
{
	(void)state;
	check(text_clean, "１２３", "123");
	check(text_clean, "Ｘ", "X");
	check(text_clean, "（市、区）", "(市、区)");
	check(text_clean, "100㎡", "100m2");
	check(text_clean, "中文不变", "中文不变");
}

static void
test_clean_zero_width_and_controls(void **state)
{
	(void)state;
	check(text_clean,
	      "\xef\xbb\xbf"
	      "abc",
	      "abc"); /* BOM */
	check(text_clean,
	      "a\xe2\x80\x8b"
	      "b\xe2\x80\x8c"
	      "c\xe2\x80\x8d"
	      "d\xe2\x81\xa0"
	      "e",
	      "abcde");
	check(text_clean,
	      "a\x01"
	      "b\x7f",
	      "ab");
	/* zero-width between spaces must not leave two spaces */
	check(text_clean, "a \xe2\x80\x8b b", "a b");
}

static void
test_clean_invalid_utf8(void **state)
{
	(void)state;
	check(text_clean, "ab\xff", NULL);
	check(text_name, "\xc3", NULL);
	check(text_key, "\xe4\xb8", NULL);
}

static void
test_name(void **state)
{
	(void)state;
	check(text_name, "王 小明", "王小明");
	check(text_name, " 王\xe3\x80\x80小\xc2\xa0明 ", "王小明");
	check(text_name, "阿卜杜拉•买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉・买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉‧买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉･买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉∙买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉⋅买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉\xce\x87买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉 · 买买提", "阿卜杜拉·买买提");
	check(text_name, "阿卜杜拉··•买买提", "阿卜杜拉·买买提");
	/* a full stop typed for the dot (． in GBK, . after NFKC) */
	check(text_name, "哈斯．其其格", "哈斯·其其格");
	check(text_name, "哈斯.其其格", "哈斯·其其格");
	check(text_name, "J.R.", "J.R.");
	check(text_name, "·阿卜杜拉·买买提·", "阿卜杜拉·买买提");
	check(text_name, "··", "");
	check(text_name, "", "");
	check(text_name, "王小明\xe2\x80\x8b", "王小明");
	/* notes in brackets are not part of the name */
	check(text_name, "赵大山（已故）", "赵大山");
	check(text_name, "孙玉芝(户主)", "孙玉芝");
	check(text_name, "（户主）孙玉芝", "孙玉芝");
	check(text_name, "孙玉芝(户主", "孙玉芝(户主");
}

static void
test_key(void **state)
{
	(void)state;
	check(text_key, "县（市、区）", "县(市、区)");
	check(text_key, " 县 ( 市、区 ) ", "县(市、区)");
	check(text_key, "a级", "A级");
	check(text_key, "Ａ级", "A级");
	check(text_key, "d 级危房", "D级危房");
	check(text_key, "", "");
	check(text_key, "   ", "");
}

static void
test_total_label(void **state)
{
	(void)state;
	assert_true(text_is_total_label("合计"));
	assert_true(text_is_total_label("总计:"));
	assert_true(text_is_total_label("小计 12户"));
	assert_true(text_is_total_label("合 计"));
	assert_false(text_is_total_label("合"));
	assert_false(text_is_total_label(""));
	assert_false(text_is_total_label(NULL));
	assert_false(text_is_total_label("王合计"));
	assert_false(text_is_total_label("计划"));
	/* a place's subtotal */
	assert_true(text_is_total_label("伊吗图镇小计"));
	assert_true(text_is_total_label("佛寺村 合计"));
	assert_true(text_is_total_label("阜蒙县总计"));
	assert_false(text_is_total_label("镇小计")); /* no place name */
	assert_false(text_is_total_label("王会计"));
}

/* Known XXH3-64 answers (seed 0; the empty input is xxHash's published
 * vector), and the two entry points agree. */
static void
test_hash(void **state)
{
	(void)state;
	assert_true(text_hash("") == 0x2d06800538d394c2ULL);
	assert_true(text_hash("a") == 0xe6c632b61e964e1fULL);
	assert_true(text_hash("foobar") == 0xd78fda63144c5c84ULL);
	assert_true(text_hash_n("foobar", 6) == text_hash("foobar"));
	assert_true(text_hash_n("foo\0bar", 7) != text_hash("foo"));
}

static void
test_quote_len(void **state)
{
	(void)state;
	assert_int_equal(text_quote_len("\"x"), 1);
	assert_int_equal(text_quote_len("'x"), 1);
	assert_int_equal(text_quote_len("\u201cx"), 3);
	assert_int_equal(text_quote_len("\u2018x"), 3);
	assert_int_equal(text_quote_len("x"), 0);
	assert_int_equal(text_quote_len(""), 0);
	assert_int_equal(text_quote_len_end("x\u201d", strlen("x\u201d")), 3);
	assert_int_equal(text_quote_len_end("x\"", 2), 1);
	assert_int_equal(text_quote_len_end("x", 1), 0);
	assert_int_equal(text_quote_len_end("", 0), 0);
}

static void
test_placeholder(void **state)
{
	(void)state;
	assert_true(text_is_placeholder("/"));
	assert_true(text_is_placeholder("//"));
	assert_true(text_is_placeholder("-"));
	assert_true(text_is_placeholder("— —"));
	assert_true(text_is_placeholder("——"));
	assert_true(text_is_placeholder("\\"));
	assert_true(text_is_placeholder("无"));
	assert_true(text_is_placeholder("暂无"));
	assert_true(text_is_placeholder("N/A"));
	assert_true(text_is_placeholder("null"));
	assert_false(text_is_placeholder(""));
	assert_false(text_is_placeholder(NULL));
	assert_false(text_is_placeholder("0"));
	assert_false(text_is_placeholder("无保障"));
	assert_false(text_is_placeholder("-1"));
	assert_false(text_is_placeholder("2020/4/30"));
}

/* text_is_clean: true exactly when text_clean() would return S as it is. */
static void
test_is_clean(void **state)
{
	static const char *const cases[] = {
	    "",    "abc",      "王小明", "王 小明", "210921196502151234", " 王",
	    "王 ", "王  小明", "１２３", "a\tb",    "\xe2\x80\x8b王",     "㎡",
	    "A级",
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *clean = text_clean(cases[i]);
		bool same = clean != NULL && strcmp(clean, cases[i]) == 0;

		assert_non_null(clean);
		if (text_is_clean(cases[i], &len)) {
			assert_true(same);
			assert_int_equal(len, strlen(cases[i]));
		}
		free(clean);
	}
	assert_true(text_is_clean("王 小明", &len));
	assert_int_equal(len, strlen("王 小明"));
	assert_false(text_is_clean("王  小明", &len));
	assert_false(text_is_clean("１２３", &len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_escape_bytes),
	    cmocka_unit_test(test_clean_empty_and_spaces),
	    cmocka_unit_test(test_clean_fullwidth),
	    cmocka_unit_test(test_clean_zero_width_and_controls),
	    cmocka_unit_test(test_clean_invalid_utf8),
	    cmocka_unit_test(test_name),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_total_label),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_is_clean),
	    cmocka_unit_test(test_placeholder),
	    cmocka_unit_test(test_quote_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
