/* test_idcard.c - GB 11643-1999 check, cleaning and classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idcard.h"

#define AS_OF "2020-12-31"

/* Normalise RAW and assert state, id and known. */
static void
expect(const char *raw, enum id_state state, const char *id, int known)
{
	struct id_norm n;

	id_normalise(raw, AS_OF, &n);
	assert_string_equal(id_state_name(n.state), id_state_name(state));
	assert_string_equal(n.id, id);
	assert_int_equal(n.known, known);
	if (state == ID_MALFORMED)
		assert_true(n.why[0] != '\0');
	else
		assert_string_equal(n.why, "");
}

/* Normalise RAW, assert MALFORMED and that WHY contains PART. */
static void
expect_malformed(const char *raw, const char *part)
{
	struct id_norm n;

	id_normalise(raw, AS_OF, &n);
	assert_string_equal(id_state_name(n.state), "malformed");
	assert_int_equal(n.known, 0);
	assert_non_null(strstr(n.why, part));
}

static void
test_check_char(void **state)
{
	(void)state;
	assert_int_equal(id_check_char("11010519491231002"), 'X');
	assert_int_equal(id_check_char("21092119650812123"), '1');
	assert_int_equal(id_check_char("21092119650812000"), '1');
	assert_true(id_check_ok("11010519491231002X"));
	assert_false(id_check_ok("110105194912310021"));
	assert_false(id_check_ok("11010519491231002x")); /* not cleaned */
	assert_false(id_check_ok("1101051949123100"));
	assert_false(id_check_ok("1101051949123100AX"));
}

static void
test_valid(void **state)
{
	(void)state;
	expect("11010519491231002X", ID_VALID, "11010519491231002X", 18);
	expect("210921196508121231", ID_VALID, "210921196508121231", 18);
	/* a 000 ending whose check is right is simply valid */
	expect("21092119650812001X", ID_VALID, "21092119650812001X", 18);
}

static void
test_cleaning(void **state)
{
	(void)state;
	expect("11010519491231002x", ID_VALID, "11010519491231002X", 18);
	expect("１１０１０５１９４９１２３１００２Ｘ", ID_VALID,
	       "11010519491231002X", 18);
	expect("１１０１０５１９４９１２３１００２ｘ", ID_VALID,
	       "11010519491231002X", 18);
	expect("'11010519491231002X", ID_VALID, "11010519491231002X", 18);
	expect("`11010519491231002X", ID_VALID, "11010519491231002X", 18);
	expect("\t11010519491231002X", ID_VALID, "11010519491231002X", 18);
	expect(" 110105 19491231 002X ", ID_VALID, "11010519491231002X", 18);
	expect("1101051949\xe2\x80\x8b"
	       "1231002X",
	       ID_VALID, "11010519491231002X", 18);
	expect("\xc2\xa0"
	       "11010519491231002X\xe3\x80\x80",
	       ID_VALID, "11010519491231002X", 18);
	expect("210921196508121231.0", ID_VALID, "210921196508121231", 18);
	/* a label typed into the cell */
	expect("身份证：11010519491231002X", ID_VALID, "11010519491231002X",
	       18);
	expect("ID:11010519491231002X", ID_VALID, "11010519491231002X", 18);
	expect("证件号码: 110105 19491231 002X", ID_VALID, "11010519491231002X",
	       18);
	/* what systems and people wrap around the number */
	expect("=\"11010519491231002X\"", ID_VALID, "11010519491231002X", 18);
	expect("\u201c11010519491231002X\u201d", ID_VALID, "11010519491231002X",
	       18);
	expect("11010519491231002X\"", ID_VALID, "11010519491231002X", 18);
	expect("110105-19491231-002X", ID_VALID, "11010519491231002X", 18);
	expect("110105.19491231.002X", ID_VALID, "11010519491231002X", 18);
	expect("11010519491231002X（户主）", ID_VALID, "11010519491231002X",
	       18);
	/* one dot stays a number's */
	expect("110105194912310021.0", ID_BAD_CHECK, "110105194912310021", 18);
}

static void
test_empty(void **state)
{
	(void)state;
	expect("", ID_EMPTY, "", 0);
	expect("   ", ID_EMPTY, "", 0);
	expect("'", ID_EMPTY, "", 0);
	expect(NULL, ID_EMPTY, "", 0);
}

static void
test_bad_check(void **state)
{
	(void)state;
	expect("110105194912310021", ID_BAD_CHECK, "110105194912310021", 18);
	expect("210921196508121232", ID_BAD_CHECK, "210921196508121232", 18);
}

static void
test_excel_000(void **state)
{
	(void)state;
	expect("210921196508120000", ID_EXCEL_000, "210921196508120000", 15);
	expect("210921196508120000.0", ID_EXCEL_000, "210921196508120000", 15);
	/* 000 damage on an impossible birth date is still malformed */
	expect_malformed("210921196513120000", "出生日期");
}

static void
test_excel_sci(void **state)
{
	(void)state;
	expect("2.10921E+17", ID_EXCEL_SCI, "210921", 6);
	expect("2.10921e+17", ID_EXCEL_SCI, "210921", 6);
	expect("2.10921196508E+17", ID_EXCEL_SCI, "210921196508", 12);
	expect("2.1092E17", ID_EXCEL_SCI, "21092", 5);
	expect("２.１０９２１Ｅ＋１７", ID_EXCEL_SCI, "210921", 6);
	expect("2.10921E+14", ID_EXCEL_SCI, "210921", 6);
	/* all 18 digits in the mantissa: an ordinary ID again */
	expect("2.10921196508121231E+17", ID_VALID, "210921196508121231", 18);
	expect_malformed("2.10921E+10", "不是身份证号");
	expect_malformed("1E+5", "不是身份证号");
}

static void
test_converted15(void **state)
{
	(void)state;
	char out[19];

	assert_true(id_from15("110105491231002", out));
	assert_string_equal(out, "11010519491231002X");
	assert_true(id_from15("210921650812123", out));
	assert_string_equal(out, "210921196508121231");
	assert_false(id_from15("21092165081212", out));
	assert_false(id_from15("21092165081212X", out));
	expect("110105491231002", ID_CONVERTED15, "11010519491231002X", 18);
	expect("'210921650812123", ID_CONVERTED15, "210921196508121231", 18);
	expect_malformed("210921651312123", "出生日期");
	expect_malformed("990921650812123", "省份代码");
}

static void
test_malformed(void **state)
{
	(void)state;
	expect_malformed("21092119650812123", "长度17位");
	expect_malformed("2109211965081212311", "长度19位");
	expect_malformed("123", "长度3位");
	expect_malformed("21092119650812123A", "字符");
	expect_malformed("X10105194912310021", "字符");
	expect_malformed("王小明", "字符");
	expect_malformed("99092119650812001X", "省份代码99不存在");
	expect_malformed("210921196513451235", "出生日期19651345");
	/* Feb 29: real in 2000, impossible in 1999 */
	expect("210921200002291232", ID_VALID, "210921200002291232", 18);
	expect_malformed("210921199902291232", "不存在");
	/* born after the as-of date */
	expect_malformed("210921203001011239", "晚于核验日2");
	expect_malformed("ab\xff", "UTF-8");
}

static void
test_future_relative_to_as_of(void **state)
{
	struct id_norm n;

	(void)state;
	id_normalise("210921200002291232", "2000-02-28", &n);
	assert_int_equal(n.state, ID_MALFORMED);
	id_normalise("210921200002291232", "2000-02-29", &n);
	assert_int_equal(n.state, ID_VALID);
}

static void
test_malformed_keeps_text(void **state)
{
	struct id_norm n;

	(void)state;
	id_normalise("1234 567", AS_OF, &n);
	assert_string_equal(n.id, "1234567");
	/* long text is truncated on a character boundary */
	id_normalise("这不是一个身份证号码而是一段很长的说明文字", AS_OF, &n);
	assert_int_equal(n.state, ID_MALFORMED);
	assert_true(strlen(n.id) < sizeof n.id);
	assert_int_equal(strlen(n.id) % 3, 0);
}

static void
test_province(void **state)
{
	(void)state;
	assert_true(id_province_known("11"));
	assert_true(id_province_known("21"));
	assert_true(id_province_known("65"));
	assert_true(id_province_known("82"));
	assert_false(id_province_known("10"));
	assert_false(id_province_known("24"));
	assert_false(id_province_known("66"));
	assert_false(id_province_known("99"));
	assert_false(id_province_known(NULL));
}

static void
test_mask(void **state)
{
	char out[40];

	(void)state;
	assert_string_equal(id_mask("21092119650812123X", out),
	                    "210921********123X");
	assert_string_equal(id_mask("210921", out), "******");
	assert_string_equal(id_mask("0123456789", out), "0123456789");
	assert_string_equal(id_mask("", out), "");
	assert_string_equal(id_mask("王小明王小明", out), "******************");
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(id_state_name(ID_EMPTY), "empty");
	assert_string_equal(id_state_name(ID_VALID), "valid");
	assert_string_equal(id_state_name(ID_CONVERTED15), "converted15");
	assert_string_equal(id_state_name(ID_BAD_CHECK), "bad_check");
	assert_string_equal(id_state_name(ID_EXCEL_000), "excel_000");
	assert_string_equal(id_state_name(ID_EXCEL_SCI), "excel_sci");
	assert_string_equal(id_state_name(ID_MALFORMED), "malformed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_char),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_cleaning),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_bad_check),
	    cmocka_unit_test(test_excel_000),
	    cmocka_unit_test(test_excel_sci),
	    cmocka_unit_test(test_converted15),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_future_relative_to_as_of),
	    cmocka_unit_test(test_malformed_keeps_text),
	    cmocka_unit_test(test_province),
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
