/* Unit tests: the finding code table (stages/common/codes.c) is SPEC 5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codes.h"

static void
test_every_code_once_in_order(void **state)
{
	char want[16];
	int i, n = 0;

	(void)state;
	for (i = 1; i <= 9; i++, n++) {
		snprintf(want, sizeof(want), "D%02d", i);
		assert_string_equal(finding_codes[n].code, want);
	}
	for (i = 1; i <= 10; i++, n++) {
		snprintf(want, sizeof(want), "M%02d", i);
		assert_string_equal(finding_codes[n].code, want);
	}
	for (i = 1; i <= 9; i++, n++) {
		snprintf(want, sizeof(want), "V%02d", i);
		assert_string_equal(finding_codes[n].code, want);
	}
	assert_int_equal(n, FINDING_NCODES);
}

static void
test_severities_of_spec5(void **state)
{
	const char *high[] = {"M01", "M02", "M09", "V01", "V04", "V06", "V07"};
	const char *medium[] = {"D03", "D05", "D07", "M03", "M04", "M05",
	                        "M07", "M08", "M10", "V02", "V03", "V05"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		assert_string_equal(finding_code(high[i])->severity, "high");
	for (i = 0; i < sizeof(medium) / sizeof(medium[0]); i++)
		assert_string_equal(finding_code(medium[i])->severity,
		                    "medium");
	assert_string_equal(finding_code("D01")->severity, "low");
	assert_string_equal(finding_code("V09")->severity, "low");
	assert_null(finding_code("X01"));
	assert_null(finding_code(NULL));
	assert_string_equal(finding_code("M01")->name,
	                    "花名册户在平台无档案（漏录）");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_code_once_in_order),
	    cmocka_unit_test(test_severities_of_spec5),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
