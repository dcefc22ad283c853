/* test_report.c - anju-report: masking, formula neutralisation, ID cells
 * kept as text, the rules file, and county packs that hold only their
 * county's rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../stages/diff/diff.h"
#include "../../stages/report/report.h"
#include "../../stages/report/sheet.h"
#include "anju.h"
#include "db.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/anju-test-report-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
check_cell(enum report_cell kind, const char *in, bool mask, const char *want)
{
	char *got = report_cell(kind, in, mask);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_county_code_ok(void **state)
{
	(void)state;
	assert_true(report_county_code_ok("210921"));
	assert_false(report_county_code_ok("21092"));
	assert_false(report_county_code_ok("2109211"));
	assert_false(report_county_code_ok("21092a"));
	assert_false(report_county_code_ok("../../"));
	assert_false(report_county_code_ok("阜新县"));
	assert_false(report_county_code_ok(""));
	assert_false(report_county_code_ok(NULL));
}

static void
test_mask_ids_in_text(void **state)
{
	char *s;

	(void)state;
	s = report_mask_ids("平台身份证号末位校验错误，疑为210921196508120013，"
	                    "与花名册户主同名同县");
	assert_string_equal(s, "平台身份证号末位校验错误，疑为210921********"
	                       "0013，与花名册户主同名同县");
	free(s);
	/* 15-digit legacy IDs, a trailing x, two in one text */
	s = report_mask_ids("210921650812001 / 21092119650812001x");
	assert_string_equal(s, "210921*****2001 / 210921********001x");
	free(s);
	/* not IDs: short numbers, sci notation, codes */
	s = report_mask_ids("2.10921E+17 210921100201 补助12000元 "
	                    "12345678901234567890123");
	assert_string_equal(s, "2.10921E+17 210921100201 补助12000元 "
	                       "12345678901234567890123");
	free(s);
	/* malformed IDs still tell a birth date: 19 digits, an X inside,
	 * letters typed after */
	s = report_mask_ids(
	    "格式错误：2109211965081250135、2109211965X8125048、"
	    "2109211970010110AB");
	assert_string_equal(s, "格式错误：210921*********0135、210921********"
	                       "5048、210921******0110AB");
	free(s);
	/* a letter O typed for a 0, a mistyped birth year: still IDs */
	s = report_mask_ids("户主身份证号\"210922196O02187156\"格式错误；"
	                    "210921915907313522");
	assert_string_equal(s, "户主身份证号\"210922********7156\"格式错误；"
	                       "210921********3522");
	free(s);
	/* 16 digits are a 户编号, even when its township code looks like a
	 * birth year; a 档案编号 with letters is not an ID */
	s = report_mask_ids("户编号2109212031200059，档案编号2109212020FS0012");
	assert_string_equal(s,
	                    "户编号2109212031200059，档案编号2109212020FS0012");
	free(s);
	/* a 户编号 has no birth year where an ID has it: readable */
	s = report_mask_ids("其户主身份证号与户编号2109211012090001相同");
	assert_string_equal(s, "其户主身份证号与户编号2109211012090001相同");
	free(s);
	/* IDs typed in groups, malformed ones too (D02 quotes them raw) */
	s = report_mask_ids("户主身份证号\"210921 1965 0812 001\"格式错误；"
	                    "210921-19650812-001X；2109 2119 6508 1200 1X");
	assert_string_equal(s, "户主身份证号\"210921********** 001\"格式错误；"
	                       "210921**********001X；2109 2************0 1X");
	free(s);
	/* not IDs: dates side by side, a run of groups too long, a phone */
	s = report_mask_ids(
	    "2020-04-30 2020-05-01，1234 5678 9012 3456 7890 12，"
	    "0418-1234567，2020-04-30 00:00:00");
	assert_string_equal(s, "2020-04-30 2020-05-01，1234 5678 9012 3456 "
	                       "7890 12，0418-1234567，2020-04-30 00:00:00");
	free(s);
	/* a first group longer than eight digits, a stray space */
	s = report_mask_ids("\"21092119650812 001\"、\"2109211965 0812 001\"、"
	                    "\"210921196508 12001\"");
	assert_string_equal(s, "\"210921******** 001\"、\"210921********* "
	                       "001\"、\"210921********2001\"");
	free(s);
	/* not IDs: a file name glued to its prefix, mixed separators,
	 * amounts, groups of one digit (and no overflow on a long run); a
	 * time stamp shaped like an ID after a space is masked like one */
	s = report_mask_ids("platform_210921-20201102-0830.csv:2；roster "
	                    "210921 20201102 0830.csv:3；2020-04-30 2020-05-01 "
	                    "08:30；20200101-20201231 365；20000 20000 20000 "
	                    "2000；1234 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3");
	assert_string_equal(s, "platform_210921-20201102-0830.csv:2；roster "
	                       "210921**********0830.csv:3；2020-04-30 "
	                       "2020-05-01 08:30；20200101-20201231 365；20000 "
	                       "20000 20000 2000；1234 5 6 7 8 9 0 1 2 3 4 5 6 "
	                       "7 8 9 0 1 2 3");
	free(s);
	/* an ID next to other numbers, or with a mark glued to it */
	s = report_mask_ids(
	    "电话 138 0000 0000 210921196508120013；2020-04-30 "
	    "210921196508120013；210921 1965 0812 0013 2020年核查；"
	    "210921 1965 0812 0013 210922 1970 0101 0021；"
	    "张三-210921 1965 0812 0013.；户主/210921-1965-0812-001X/");
	assert_string_equal(s,
	                    "电话 138 0000 0000 210921********0013；2020-04-30 "
	                    "210921********0013；210921***********0013 "
	                    "2020年核查；210921***********0013 "
	                    "210922***********0021；张三-210921***********"
	                    "0013.；户主/210921***********001X/");
	free(s);
	/* not IDs: a 户编号 with a number or suffix after it, a 20-digit
	 * time stamp */
	s = report_mask_ids("户编号 2109212020000012 3人；2109212020000012-01；"
	                    "来源 210921 20201102 083015");
	assert_string_equal(s,
	                    "户编号 2109212020000012 3人；2109212020000012-01；"
	                    "来源 210921 20201102 083015");
	free(s);
	/* a number before a grouped ID; an ID as a file name */
	s = report_mask_ids("门牌 105 320203 19650812 001X；照片 "
	                    "210921-19650812-001X.jpg");
	assert_string_equal(s, "门牌 105 32**************001X；照片 "
	                       "210921**********001X.jpg");
	free(s);
	/* 1,400 digit groups before an ID (more than the JIT stack took) */
	{
		size_t n = 1400 * 5, k;
		char *big = malloc(n + 64);

		assert_non_null(big);
		for (k = 0; k < n; k += 5)
			memcpy(big + k, "1234 ", 5);
		strcpy(big + n, "，210921196508120013");
		s = report_mask_ids(big);
		assert_non_null(strstr(s, "，210921********0013"));
		free(s);
		free(big);
	}
	s = report_mask_ids("");
	assert_string_equal(s, "");
	free(s);
}

/* What a spreadsheet would turn into a number or a date stays text: a
 * 档案编号 like 3-15 or 1E5, a name cell holding an ID. */
static void
test_cells_kept_as_text(void **state)
{
	(void)state;
	check_cell(REPORT_CODE, "3-15", false, "\t3-15");
	check_cell(REPORT_CODE, "1E5", false, "\t1E5");
	check_cell(REPORT_CODE, "TRUE", false, "\tTRUE");
	check_cell(REPORT_CODE, "(123)", false, "\t(123)");
	check_cell(REPORT_CODE, "1月2日", false, "\t1月2日");
	check_cell(REPORT_CODE, "¥5", false, "\t¥5");
	check_cell(REPORT_CODE, "2109211012090001", false,
	           "\t2109211012090001");
	check_cell(REPORT_CODE, "危改字[2020]17号", false, "危改字[2020]17号");
	check_cell(REPORT_DETAIL, "210921196808299816", false,
	           "\t210921196808299816");
	check_cell(REPORT_DETAIL, "210921196808299816", true,
	           "210921********9816");
	check_cell(REPORT_DETAIL, "王小明", true, "王小明");
	/* a formula first: neutralised, not a number */
	check_cell(REPORT_CODE, "-2+3", false, "'-2+3");
}

static void
test_cells_neutralised(void **state)
{
	(void)state;
	check_cell(REPORT_TEXT, "=HYPERLINK(\"http://x\",\"y\")", true,
	           "'=HYPERLINK(\"http://x\",\"y\")");
	check_cell(REPORT_TEXT, "+1", false, "'+1");
	check_cell(REPORT_TEXT, "-1+1", false, "'-1+1");
	check_cell(REPORT_TEXT, "@SUM(A1)", false, "'@SUM(A1)");
	check_cell(REPORT_TEXT, "王小明", false, "王小明");
	check_cell(REPORT_TEXT, NULL, false, "");
	/* an identifier that is not digits is neutralised like text */
	check_cell(REPORT_CODE, "=1+2", false, "'=1+2");
	check_cell(REPORT_ID, "=1+2", false, "'=1+2");
	check_cell(REPORT_DETAIL, "=1+2 210921196508120013", true,
	           "'=1+2 210921********0013");
}

static void
test_id_cells(void **state)
{
	(void)state;
	/* masked by default: the * make it text in any spreadsheet */
	check_cell(REPORT_ID, "210921196508120013", true, "210921********0013");
	check_cell(REPORT_ID, "21092119650812001X", true, "210921********001X");
	check_cell(REPORT_ID, "210921", true, "******");
	check_cell(REPORT_ID, "", true, "");
	/* unmasked: a leading TAB keeps it text (no 2.1E+17) */
	check_cell(REPORT_ID, "210921196508120013", false,
	           "\t210921196508120013");
	check_cell(REPORT_ID, "21092119650812001X", false,
	           "\t21092119650812001X");
	/* codes and 户编号 that are all digits, leading zeros kept */
	check_cell(REPORT_CODE, "210921100201", true, "\t210921100201");
	check_cell(REPORT_CODE, "0012", true, "\t0012");
	check_cell(REPORT_CODE, "佛寺镇危改字[2020]12号", true,
	           "佛寺镇危改字[2020]12号");
	check_cell(REPORT_CODE, "X123", true, "X123");
	check_cell(REPORT_CODE, "", true, "");
	check_cell(REPORT_DETAIL, "疑为210921196508120013", false,
	           "疑为210921196508120013");
}

static void
test_rate(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(report_rate(3, 4, buf, sizeof(buf)), "75.00%");
	assert_string_equal(report_rate(2, 3, buf, sizeof(buf)), "66.67%");
	assert_string_equal(report_rate(0, 5, buf, sizeof(buf)), "0.00%");
	assert_string_equal(report_rate(0, 0, buf, sizeof(buf)), "");
	/* half up, as a spreadsheet shows it */
	assert_string_equal(report_rate(1, 32, buf, sizeof(buf)), "3.13%");
	assert_string_equal(report_rate(41248, 41248, buf, sizeof(buf)),
	                    "100.00%");
	assert_string_equal(report_rate(1, 3, buf, sizeof(buf)), "33.33%");
}

/* A workspace with two counties, a finding without a county and a
 * household whose county is not a code. */
static void
make_workspace(const char *path)
{
	static const char *const sql[] = {
	    "INSERT INTO input_files (file_id, kind, path, name, sha256, "
	    "encoding, delimiter, header_line, rows_read, rows_kept, "
	    "rows_rejected, ingested_at) VALUES (1, 'roster', '/r.csv', "
	    "'r.csv', 'x', 'UTF-8', ',', 1, 4, 4, 0, 'now')",
	    "INSERT INTO roster_households (household_key, file_id, line, "
	    "household_id, county, township, village, county_code, "
	    "township_code, village_code, head_name, head_id, "
	    "head_id_state, head_id_known, row_hash) VALUES "
	    "(1, 1, 2, 'HA1', '阜新蒙古族自治县', '佛寺镇', '佛寺村', "
	    "'210921', '210921100', '210921100201', '王一', "
	    "'210921196508120013', 'valid', 18, 1), "
	    "(2, 1, 3, 'HA2', '阜新蒙古族自治县', '佛寺镇', '佛寺村', "
	    "'210921', '210921100', '210921100201', '王二', "
	    "'210921195001010014', 'valid', 18, 2), "
	    "(3, 1, 4, 'HB1', '彰武县', '章古台镇', '章古台村', '210922', "
	    "'210922100', '210922100201', '李三', '210922196001010027', "
	    "'valid', 18, 3), "
	    "(4, 1, 5, 'HX1', '../../etc', '', '', '../../etc', NULL, "
	    "NULL, '赵四', '', 'empty', 0, 4)",
	    "INSERT INTO household_status (household_key, household_id, "
	    "status) VALUES (1, 'HA1', '无记录'), (2, 'HA2', '鉴定安全'), "
	    "(3, 'HB1', '改造中'), (4, 'HX1', '待核实')",
	    "INSERT INTO findings (stage, code, severity, county_code, "
	    "township_code, village_code, household_id, head_id, "
	    "head_name, detail, source) VALUES "
	    "('match', 'M01', 'high', '210921', '210921100', "
	    "'210921100201', 'HA1', '210921196508120013', '王一', "
	    "'漏录 210921196508120013', 'r.csv:2'), "
	    "('verify', 'V02', 'medium', '210922', '210922100', "
	    "'210922100201', 'HB1', '210922196001010027', "
	    "'=HYPERLINK(\"http://x\",\"y\")', '开工后逾期未竣工', "
	    "'p.csv:4'), "
	    "('ingest', 'D05', 'medium', NULL, NULL, NULL, 'HX1', NULL, "
	    "'赵四', '区划无法识别', 'r.csv:5')",
	    "INSERT INTO run_info VALUES ('as_of', '2020-12-31')",
	};
	char err[256];
	sqlite3 *db;
	size_t i;

	assert_int_equal(db_open(path, &db, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (db_exec(db, sql[i], err, sizeof(err)) != 0)
			fail_msg("%s", err);
	sqlite3_close(db);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static char *
pack_file(const char *out, const char *county, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/counties/%s/%s", out, county, name);
	return slurp(path);
}

static void
test_packs_hold_only_their_county(void **state)
{
	struct report_options o = {0};
	char db[256], out[256], path[512], *a, *b, *s;
	struct stat sb;

	(void)state;
	snprintf(db, sizeof(db), "%s/county.db", tmpdir);
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	make_workspace(db);
	o.db_path = db;
	o.out_dir = out;
	o.deadline_days = 15;
	assert_int_equal(report_run(&o), 0);

	a = pack_file(out, "210921", "问题清单.csv");
	b = pack_file(out, "210922", "问题清单.csv");
	assert_non_null(a);
	assert_non_null(b);
	assert_memory_equal(a, "\xEF\xBB\xBF问题编码,", 16);
	assert_non_null(strstr(a, "HA1"));
	assert_null(strstr(a, "HB1"));
	assert_null(strstr(a, "HX1"));
	assert_non_null(strstr(b, "HB1"));
	assert_null(strstr(b, "HA1"));
	assert_null(strstr(b, "HX1"));
	/* masked by default, in the ID column and in the detail */
	assert_null(strstr(a, "196508120013"));
	assert_non_null(strstr(a, ",210921********0013,"));
	assert_non_null(strstr(a, "漏录 210921********0013"));
	/* the malicious name is inert */
	assert_non_null(strstr(b, ",\"'=HYPERLINK("));
	free(a);
	free(b);

	/* packs only for the two county codes, none for "../../etc" */
	snprintf(path, sizeof(path), "%s/counties", out);
	assert_int_equal(count_entries(path), 2);
	snprintf(path, sizeof(path), "%s/counties/210921/汇总.csv", out);
	assert_int_equal(stat(path, &sb), 0);

	/* the city summary has every county and the unknown one */
	s = slurp((snprintf(path, sizeof(path), "%s/summary.csv", out), path));
	assert_non_null(s);
	assert_non_null(strstr(s, "\n210921,阜新蒙古族自治县,2,1,0,0,0,0,1,0,"
	                          "50.00%,"));
	assert_non_null(strstr(s, "\n210922,彰武县,1,0,0,0,1,0,0,0,0.00%,"));
	assert_non_null(strstr(s, "\n,（县区未识别）,1,"));
	free(s);

	/* 汇总: village row, township subtotal, county total */
	s = pack_file(out, "210921", "汇总.csv");
	assert_non_null(strstr(s, "\n村,\t210921100,佛寺镇,\t210921100201,"
	                          "佛寺村,2,1,0,0,0,0,1,0,50.00%,1,1\n"));
	assert_non_null(strstr(s, "\n乡镇小计,\t210921100,佛寺镇,,,2,"));
	assert_non_null(strstr(s, "\n全县合计,,,,,2,1,0,0,0,0,1,0,50.00%,1,1"));
	free(s);

	/* 变化 without anju-diff: this run's findings, all new */
	s = pack_file(out, "210922", "变化.csv");
	assert_non_null(strstr(s, "\n本期新增,1\n已整改,0\n未整改,0\n"));
	free(s);

	/* the workbook beside the CSV files exactly when it is built in */
	snprintf(path, sizeof(path), "%s/counties/210921/%s", out,
	         REPORT_WORKBOOK);
	assert_int_equal(stat(path, &sb) == 0, book_supported());

	/* --no-mask: the full ID, kept as text by a leading TAB */
	o.no_mask = true;
	assert_int_equal(report_run(&o), 0);
	a = pack_file(out, "210921", "问题清单.csv");
	assert_non_null(strstr(a, ",\t210921196508120013,"));
	free(a);
}

/* Two runs and anju-diff between them: 变化 counts per county, and the
 * persisting finding past the deadline. */
static void
test_changes_after_diff(void **state)
{
	struct report_options o = {0};
	struct diff_options d = {0};
	char db1[256], db2[256], out[256], *s;
	char err[256];
	sqlite3 *db;

	(void)state;
	snprintf(db1, sizeof(db1), "%s/night1.db", tmpdir);
	snprintf(db2, sizeof(db2), "%s/night2.db", tmpdir);
	snprintf(out, sizeof(out), "%s/out2", tmpdir);
	make_workspace(db1);
	make_workspace(db2);
	/* night 2: V02 of HB1 fixed, a new M06 in 210922; M01 persists */
	assert_int_equal(db_open(db2, &db, err, sizeof(err)), 0);
	assert_int_equal(db_exec(db,
	                         "DELETE FROM findings WHERE code = 'V02';"
	                         "INSERT INTO findings (stage, code, severity, "
	                         "county_code, household_id, detail, source) "
	                         "VALUES ('match', 'M06', 'low', '210922', "
	                         "'HB1', '人口数不一致', 'p.csv:4')",
	                         err, sizeof(err)),
	                 0);
	sqlite3_close(db);
	d.db_path = db1;
	d.as_of = "2020-12-01";
	assert_int_equal(diff_run(&d), 0);
	d.db_path = db2;
	d.previous = db1;
	d.as_of = "2020-12-31";
	d.out_dir = tmpdir;
	assert_int_equal(diff_run(&d), 0);

	o.db_path = db2;
	o.out_dir = out;
	o.deadline_days = 15;
	assert_int_equal(report_run(&o), 0);
	s = pack_file(out, "210921", "变化.csv");
	assert_non_null(strstr(s, "上期核验日期,2020-12-01\n"));
	assert_non_null(strstr(s, "\n本期新增,0\n已整改,0\n未整改,1\n"
	                          "其中超过整改期限（15天）,1\n"));
	assert_non_null(strstr(s, "\n未整改,M01,"));
	assert_non_null(strstr(s, ",2020-12-01,30,是\n"));
	assert_null(strstr(s, "HB1"));
	free(s);
	s = pack_file(out, "210922", "变化.csv");
	assert_non_null(strstr(s, "\n本期新增,1\n已整改,1\n未整改,0\n"));
	assert_non_null(strstr(s, "\n已整改,V02,"));
	assert_non_null(strstr(s, "\n本期新增,M06,"));
	free(s);
	/* a longer deadline: nothing overdue */
	o.deadline_days = 30;
	assert_int_equal(report_run(&o), 0);
	s = pack_file(out, "210921", "变化.csv");
	assert_non_null(strstr(s, "其中超过整改期限（30天）,0\n"));
	free(s);
}

/* A household gone from the roster takes its findings with it: resolved
 * for diff.csv, but the pack says the household is gone, not fixed. */
static void
test_gone_household_not_fixed(void **state)
{
	struct report_options o = {0};
	struct diff_options d = {0};
	char db1[256], db2[256], out[256], *s;
	char err[256];
	sqlite3 *db;

	(void)state;
	snprintf(db1, sizeof(db1), "%s/gone1.db", tmpdir);
	snprintf(db2, sizeof(db2), "%s/gone2.db", tmpdir);
	snprintf(out, sizeof(out), "%s/gone-out", tmpdir);
	make_workspace(db1);
	make_workspace(db2);
	assert_int_equal(db_open(db2, &db, err, sizeof(err)), 0);
	assert_int_equal(
	    db_exec(db,
	            "DELETE FROM findings WHERE household_id = 'HA1';"
	            "DELETE FROM household_status WHERE household_id = 'HA1';"
	            "DELETE FROM roster_households WHERE household_id = 'HA1'",
	            err, sizeof(err)),
	    0);
	sqlite3_close(db);
	d.db_path = db1;
	d.as_of = "2020-12-01";
	assert_int_equal(diff_run(&d), 0);
	d.db_path = db2;
	d.previous = db1;
	d.as_of = "2020-12-31";
	d.out_dir = tmpdir;
	assert_int_equal(diff_run(&d), 0);
	o.db_path = db2;
	o.out_dir = out;
	o.deadline_days = 15;
	assert_int_equal(report_run(&o), 0);
	s = pack_file(out, "210921", "变化.csv");
	assert_non_null(s);
	assert_non_null(strstr(s, "\n已整改,1\n"));
	assert_non_null(
	    strstr(s, "\n已整改（该户不在本期花名册，请核实）,M01,"));
	free(s);
}

static void
test_missing_workspace(void **state)
{
	struct report_options o = {0};
	char out[256];

	(void)state;
	snprintf(out, sizeof(out), "%s/none", tmpdir);
	o.db_path = "/nonexistent/anju.db";
	o.out_dir = out;
	o.deadline_days = -1;
	assert_int_equal(report_run(&o), ANJU_EXIT_NOINPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_county_code_ok),
	    cmocka_unit_test(test_mask_ids_in_text),
	    cmocka_unit_test(test_cells_kept_as_text),
	    cmocka_unit_test(test_cells_neutralised),
	    cmocka_unit_test(test_id_cells),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_packs_hold_only_their_county),
	    cmocka_unit_test(test_changes_after_diff),
	    cmocka_unit_test(test_gone_household_not_fixed),
	    cmocka_unit_test(test_missing_workspace),
	};

	anju_set_progname("test_report");
	return cmocka_run_group_tests(tests, setup, teardown);
}
