/*
 * test_verify.c - anju-verify: record and household status, every
 * V-rule with its boundaries, the rules file and the CSV outputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "anju.h"
#include "dates.h"
#include "db.h"
#include "../../stages/verify/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AS_OF "2020-06-30"

static char ws_dir[64];
static char ws_path[128];
static int next_line = 2;

static int
ws_setup(void **state)
{
	char err[256];
	sqlite3 *db;

	snprintf(ws_dir, sizeof(ws_dir), "/tmp/anju-test-verify-XXXXXX");
	assert_non_null(mkdtemp(ws_dir));
	snprintf(ws_path, sizeof(ws_path), "%s/anju.db", ws_dir);
	assert_int_equal(db_open(ws_path, &db, err, sizeof(err)), 0);
	assert_int_equal(
	    db_exec(db,
	            "INSERT INTO input_files (file_id, kind, path, name,"
	            " sha256, encoding, delimiter, header_line, rows_read,"
	            " rows_kept, rows_rejected, ingested_at) VALUES"
	            " (1, 'platform', '/in/p.csv', 'p.csv', 'x', 'UTF-8',"
	            " ',', 1, 0, 0, 0, 'now'),"
	            " (2, 'roster', '/in/r.csv', 'r.csv', 'y', 'UTF-8',"
	            " ',', 1, 0, 0, 0, 'now')",
	            err, sizeof(err)),
	    0);
	next_line = 2;
	*state = db;
	return 0;
}

static int
ws_teardown(void **state)
{
	char path[256];

	sqlite3_close(*state);
	unlink(ws_path);
	snprintf(path, sizeof(path), "%s/findings.csv", ws_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/households.csv", ws_dir);
	unlink(path);
	rmdir(ws_dir);
	return 0;
}

static sqlite3_int64
add_hh(sqlite3 *db, const char *hid, const char *village, int size)
{
	sqlite3_stmt *st = db_prepare(
	    db, "INSERT INTO roster_households (file_id, line,"
	        " household_id, county_code, township_code, village_code,"
	        " head_name, head_id, head_id_state, head_id_known,"
	        " household_size, row_hash) VALUES (2, ?1, ?2,"
	        " substr(?3, 1, 6), substr(?3, 1, 9), ?3, '王小明',"
	        " '210921196508120013', 'valid', 18, ?4, random())");

	assert_non_null(st);
	sqlite3_bind_int(st, 1, next_line++);
	db_bind_text(st, 2, hid, 0);
	db_bind_text(st, 3, village, 0);
	if (size > 0)
		sqlite3_bind_int(st, 4, size);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(db);
}

/* A platform record matched to household HKEY by ID. */
static sqlite3_int64
add_rec(sqlite3 *db, sqlite3_int64 hkey, const char *rid)
{
	sqlite3_stmt *st = db_prepare(
	    db,
	    "INSERT INTO platform_records (file_id, line, record_id,"
	    " head_name, head_id, head_id_state, head_id_known,"
	    " household_type, row_hash) VALUES (1, ?1, ?2, '王小明',"
	    " '210921196508120013', 'valid', 18, '建档立卡贫困户', random())");
	sqlite3_int64 rkey;

	assert_non_null(st);
	sqlite3_bind_int(st, 1, next_line++);
	db_bind_text(st, 2, rid, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	rkey = sqlite3_last_insert_rowid(db);
	st =
	    db_prepare(db, "INSERT INTO matches (household_key, record_key,"
	                   " method, evidence) VALUES (?, ?, 'id', 'head_id')");
	sqlite3_bind_int64(st, 1, hkey);
	sqlite3_bind_int64(st, 2, rkey);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return rkey;
}

/* Set COLUMN of record RKEY to the text VALUE (NULL: SQL NULL); numbers
 * pass as text and become numbers through the column's affinity-free
 * CAST. */
static void
set(sqlite3 *db, sqlite3_int64 rkey, const char *column, const char *value)
{
	static const char *const numeric[] = {
	    "verified",          "photos_materials",  "photos_training",
	    "photos_foundation", "photos_completion", "household_size",
	    "subsidy_yuan",      "area_m2",           NULL,
	};
	const char *const *n;
	const char *cast = "";
	char *sql;
	sqlite3_stmt *st;

	for (n = numeric; *n != NULL; n++)
		if (strcmp(*n, column) == 0)
			cast = strstr(column, "yuan") || strstr(column, "m2")
			           ? "REAL"
			           : "INTEGER";
	sql = sqlite3_mprintf(*cast ? "UPDATE platform_records SET %s ="
	                              " CAST(?1 AS %s) WHERE record_key = ?2"
	                            : "UPDATE platform_records SET %s = ?1%s"
	                              " WHERE record_key = ?2",
	                      column, cast);
	st = db_prepare(db, sql);
	sqlite3_free(sql);
	assert_non_null(st);
	db_bind_text(st, 1, value, 1);
	sqlite3_bind_int64(st, 2, rkey);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* A complete, clean renovation on record R: grade D rebuilt, accepted. */
static void
renovated(sqlite3 *db, sqlite3_int64 r)
{
	set(db, r, "safety_grade", "D");
	set(db, r, "appraisal_date", "2019-03-01");
	set(db, r, "renovation_type", "拆除重建");
	set(db, r, "subsidy_yuan", "35000");
	set(db, r, "area_m2", "54");
	set(db, r, "household_size", "3");
	set(db, r, "start_date", "2019-05-01");
	set(db, r, "completion_date", "2019-09-01");
	set(db, r, "acceptance_date", "2019-09-20");
	set(db, r, "acceptance_result", "pass");
	set(db, r, "safety_means", "改造安全");
	set(db, r, "safety_category", "改造安全");
	set(db, r, "verified", "1");
	set(db, r, "photos_materials", "2");
	set(db, r, "photos_training", "1");
	set(db, r, "photos_foundation", "3");
	set(db, r, "photos_completion", "2");
}

static void
run_verify(sqlite3 *db)
{
	struct anju_rules rules;

	rules_default(&rules);
	assert_int_equal(verify_run(db, &rules, AS_OF, NULL), 0);
}

static int
nfind(sqlite3 *db, const char *code, const char *hid)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT count(*) FROM findings WHERE code = ?1 AND"
	                   " (?2 IS NULL OR household_id = ?2)");
	int n;

	db_bind_text(st, 1, code, 0);
	db_bind_text(st, 2, hid, 1);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
nverify(sqlite3 *db, const char *hid)
{
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT count(*) FROM findings WHERE stage = 'verify'"
	        " AND household_id = ?1");
	int n;

	db_bind_text(st, 1, hid, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
assert_status(sqlite3 *db, const char *hid, const char *status)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT status FROM household_status WHERE"
	                   " household_id = ?1");

	db_bind_text(st, 1, hid, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strcmp((const char *)sqlite3_column_text(st, 0), status) != 0)
		fail_msg("%s: status %s, want %s", hid,
		         sqlite3_column_text(st, 0), status);
	sqlite3_finalize(st);
}

static void
assert_detail_has(sqlite3 *db, const char *code, const char *hid,
                  const char *needle)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT detail FROM findings WHERE code = ?1 AND"
	                   " household_id = ?2");

	db_bind_text(st, 1, code, 0);
	db_bind_text(st, 2, hid, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (strstr((const char *)sqlite3_column_text(st, 0), needle) == NULL)
		fail_msg("%s detail \"%s\" lacks \"%s\"", code,
		         sqlite3_column_text(st, 0), needle);
	sqlite3_finalize(st);
}

/* ---- pure functions ----------------------------------------------- */

static void
test_record_status(void **state)
{
	struct verify_record r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_string_equal(verify_record_status(&r), "待核实");
	strcpy(r.grade, "B");
	assert_string_equal(verify_record_status(&r), "鉴定安全");
	strcpy(r.grade, "D");
	assert_string_equal(verify_record_status(&r), "未保障");
	strcpy(r.renovation, "修缮加固");
	strcpy(r.start, "2020-01-01");
	assert_string_equal(verify_record_status(&r), "改造中");
	strcpy(r.completion, "2020-03-01");
	assert_string_equal(verify_record_status(&r), "改造中");
	strcpy(r.result, "fail");
	assert_string_equal(verify_record_status(&r), "未保障");
	strcpy(r.result, "pass");
	assert_string_equal(verify_record_status(&r), "改造安全");
	memset(&r, 0, sizeof(r));
	strcpy(r.grade, "C");
	strcpy(r.means, "集体公租房");
	strcpy(r.category, "保障安全");
	assert_string_equal(verify_record_status(&r), "保障安全");
	strcpy(r.means, "生态移民");
	strcpy(r.category, "改造安全");
	assert_string_equal(verify_record_status(&r), "改造安全");
	/* The generic 改造安全 needs an accepted renovation behind it. */
	strcpy(r.means, "改造安全");
	assert_string_equal(verify_record_status(&r), "未保障");
	/* A generic means without its evidence proves nothing: no grade
	 * behind 鉴定安全, no accepted renovation behind 改造安全. */
	memset(&r, 0, sizeof(r));
	strcpy(r.means, "鉴定安全");
	strcpy(r.category, "鉴定安全");
	assert_string_equal(verify_record_status(&r), "待核实");
	strcpy(r.means, "改造安全");
	strcpy(r.category, "改造安全");
	assert_string_equal(verify_record_status(&r), "待核实");
	strcpy(r.grade, "A");
	assert_string_equal(verify_record_status(&r), "鉴定安全");
	/* a renovation typed in but not started is not one */
	memset(&r, 0, sizeof(r));
	strcpy(r.grade, "C");
	strcpy(r.renovation, "原址翻建");
	assert_string_equal(verify_record_status(&r), "未保障");
	assert_int_equal(verify_status_rank("鉴定安全"), 0);
	assert_int_equal(verify_status_rank("待核实"), 6);
	assert_int_equal(verify_status_rank("x"), 7);
}

static char *
write_temp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/anju-rules-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_rules_file(void **state)
{
	struct anju_rules r, d;
	char path[512];
	char *tmp;

	(void)state;
	rules_default(&d);
	/* The shipped file holds exactly the SPEC's defaults. */
	snprintf(path, sizeof(path), "%s/schemas/rules.conf", anju_datadir());
	rules_default(&r);
	r.start_days = 1;
	r.area_per_person = 1;
	assert_int_equal(rules_load(path, &r), 0);
	assert_memory_equal(&r, &d, sizeof(r));
	tmp = write_temp("# mine\n\n start_days = 60 # shorter\n"
	                 "repair_subsidy_max=25000.5\n");
	assert_int_equal(rules_load(tmp, &r), 0);
	assert_int_equal(r.start_days, 60);
	assert_true(r.repair_max == 25000.5);
	assert_int_equal(r.completion_days, 30);
	unlink(tmp);
	/* anju-report's deadline lives in the same file. */
	tmp = write_temp("rectify_days = 20 # 整改期限\n");
	assert_int_equal(rules_load(tmp, &r), 0);
	assert_int_equal(r.rectify_days, 20);
	unlink(tmp);
	tmp = write_temp("rectify_days = two weeks\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("start_days = 60\nstart_dayz = 3\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("completion_days = 2.5\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("area_per_person_m2 = -1\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("area_per_person_m2 = 18 m2\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("start_days\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	tmp = write_temp("repair_subsidy_min = 30000\n");
	assert_int_equal(rules_load(tmp, &r), ANJU_EXIT_DATAERR);
	unlink(tmp);
	assert_int_equal(rules_load("/nonexistent/rules.conf", &r),
	                 ANJU_EXIT_NOINPUT);
}

static void
test_as_of(void **state)
{
	sqlite3 *db = *state;
	char iso[11], today[11];

	assert_int_equal(verify_as_of(db, "2020-02-30", iso), -1);
	assert_int_equal(verify_as_of(db, "2020/06/30", iso), -1);
	date_today(today);
	assert_int_equal(verify_as_of(db, NULL, iso), 0);
	assert_string_equal(iso, today);
	assert_int_equal(db_set_info(db, "as_of", "2020-05-01"), 0);
	assert_int_equal(verify_as_of(db, NULL, iso), 0);
	assert_string_equal(iso, "2020-05-01");
	assert_int_equal(verify_as_of(db, "2021-01-31", iso), 0);
	assert_string_equal(iso, "2021-01-31");
	/* verify_run records the date it used. */
	run_verify(db);
	{
		char got[16];

		assert_int_equal(db_get_info(db, "as_of", got, sizeof(got)), 0);
		assert_string_equal(got, AS_OF);
	}
}

/* ---- households ------------------------------------------------------ */

static void
test_clean_renovation(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 h = add_hh(db, "H1", "210921100201", 3);

	renovated(db, add_rec(db, h, "R1"));
	run_verify(db);
	assert_status(db, "H1", "改造安全");
	assert_int_equal(nverify(db, "H1"), 0);
}

static void
test_no_record_and_review(void **state)
{
	sqlite3 *db = *state;
	char err[256];
	sqlite3_int64 h2;

	add_hh(db, "H1", "210921100201", 3);
	h2 = add_hh(db, "H2", "210921100201", 3);
	{
		char *sql = sqlite3_mprintf(
		    "INSERT INTO review_candidates VALUES (%lld, 99,"
		    " 'same_name_village')",
		    (long long)h2);

		assert_int_equal(db_exec(db, sql, err, sizeof(err)), 0);
		sqlite3_free(sql);
	}
	run_verify(db);
	assert_status(db, "H1", "无记录");
	assert_status(db, "H2", "待核实");
	assert_int_equal(nverify(db, "H1") + nverify(db, "H2"), 0);
}

static void
test_grade_ab(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "A");
	set(db, r, "safety_means", "鉴定安全");
	set(db, r, "verified", "1");
	run_verify(db);
	assert_status(db, "H1", "鉴定安全");
	assert_int_equal(nverify(db, "H1"), 0);
}

static void
test_v01_and_v07(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "D");
	set(db, r, "verified", "1");
	run_verify(db);
	assert_status(db, "H1", "未保障");
	assert_int_equal(nfind(db, "V01", "H1"), 1);
	assert_detail_has(db, "V01", "H1", "D级危房");
	assert_int_equal(nfind(db, "V07", "H1"), 1);
	assert_detail_has(db, "V07", "H1", "未保障");
	assert_int_equal(nverify(db, "H1"), 2);
}

static void
test_relocated_grade_d(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "D");
	set(db, r, "safety_means", "易地扶贫搬迁");
	set(db, r, "safety_category", "改造安全");
	set(db, r, "verified", "1");
	run_verify(db);
	assert_status(db, "H1", "改造安全");
	assert_int_equal(nfind(db, "V01", NULL), 0);
	assert_int_equal(nverify(db, "H1"), 0);
}

static void
test_guaranteed(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "C");
	set(db, r, "safety_means", "幸福大院");
	set(db, r, "safety_category", "保障安全");
	run_verify(db);
	assert_status(db, "H1", "保障安全");
	assert_int_equal(nverify(db, "H1"), 0);
}

/* Deadlines: exactly N days is on time, N + 1 is late. */
static void
test_deadline_days(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r;

	assert_int_equal(date_days(AS_OF) - date_days("2020-04-01"), 90);
	assert_int_equal(date_days(AS_OF) - date_days("2020-05-31"), 30);
	r = add_rec(db, add_hh(db, "S90", "210921100201", 3), "R1");
	set(db, r, "safety_grade", "D");
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "15000");
	set(db, r, "start_date", "2020-04-01");
	r = add_rec(db, add_hh(db, "S91", "210921100201", 3), "R2");
	set(db, r, "safety_grade", "D");
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "15000");
	set(db, r, "start_date", "2020-03-31");
	r = add_rec(db, add_hh(db, "C30", "210921100201", 3), "R3");
	set(db, r, "safety_grade", "D");
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "15000");
	set(db, r, "start_date", "2020-04-01");
	set(db, r, "completion_date", "2020-05-31");
	r = add_rec(db, add_hh(db, "C31", "210921100201", 3), "R4");
	set(db, r, "safety_grade", "D");
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "15000");
	set(db, r, "start_date", "2020-04-01");
	set(db, r, "completion_date", "2020-05-30");
	run_verify(db);
	assert_status(db, "S90", "改造中");
	assert_int_equal(nverify(db, "S90"), 0);
	assert_int_equal(nfind(db, "V02", "S91"), 1);
	assert_detail_has(db, "V02", "S91", "91天");
	assert_int_equal(nverify(db, "S91"), 1);
	assert_status(db, "C30", "改造中");
	assert_int_equal(nverify(db, "C30"), 0);
	assert_int_equal(nfind(db, "V03", "C31"), 1);
	assert_int_equal(nverify(db, "C31"), 1);
	assert_int_equal(nfind(db, "V01", NULL), 0);
}

static void
test_v04_failed(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	renovated(db, r);
	set(db, r, "acceptance_result", "fail");
	run_verify(db);
	assert_status(db, "H1", "未保障");
	assert_int_equal(nfind(db, "V04", "H1"), 1);
	assert_int_equal(nfind(db, "V07", "H1"), 1);
	assert_int_equal(nfind(db, "V01", "H1"), 0);
	assert_int_equal(nfind(db, "V03", "H1"), 0);
	assert_int_equal(nverify(db, "H1"), 2);
}

static void
test_v05_dates(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	renovated(db, r);
	set(db, r, "start_date", "2019-02-01"); /* before the appraisal */
	r = add_rec(db, add_hh(db, "H2", "210921100201", 3), "R2");
	renovated(db, r);
	set(db, r, "acceptance_date", "2020-07-01"); /* after as-of */
	r = add_rec(db, add_hh(db, "H3", "210921100201", 3), "R3");
	renovated(db, r);
	set(db, r, "completion_date", "2019-05-01"); /* same day: fine */
	run_verify(db);
	assert_int_equal(nfind(db, "V05", "H1"), 1);
	assert_detail_has(db, "V05", "H1", "开工日期2019-02-01早于鉴定日期");
	assert_int_equal(nverify(db, "H1"), 1);
	assert_int_equal(nfind(db, "V05", "H2"), 1);
	assert_detail_has(db, "V05", "H2", "未来");
	assert_int_equal(nverify(db, "H3"), 0);
}

static void
test_v06_no_grade_no_means(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "verified", "1");
	run_verify(db);
	assert_status(db, "H1", "待核实");
	assert_int_equal(nfind(db, "V06", "H1"), 1);
	assert_int_equal(nfind(db, "V07", "H1"), 1);
	assert_int_equal(nverify(db, "H1"), 2);
}

/* A generic means without its evidence: 待核实 with a V06 that says so. */
static void
test_v06_means_without_evidence(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r1 =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");
	sqlite3_int64 r2 =
	    add_rec(db, add_hh(db, "H2", "210921100201", 3), "R2");

	set(db, r1, "safety_means", "鉴定安全");
	set(db, r1, "safety_category", "鉴定安全");
	set(db, r2, "safety_means", "改造安全");
	set(db, r2, "safety_category", "改造安全");
	run_verify(db);
	assert_status(db, "H1", "待核实");
	assert_status(db, "H2", "待核实");
	assert_int_equal(nfind(db, "V06", "H1"), 1);
	assert_detail_has(db, "V06", "H1", "保障方式填为鉴定安全");
	assert_detail_has(db, "V06", "H2", "也没有验收合格的改造");
}

/* Dates after the as-of date have not happened: an acceptance dated in
 * the future does not make a house safe, a future start is no start. */
static void
test_future_dates_not_yet(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r1 =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");
	sqlite3_int64 r2 =
	    add_rec(db, add_hh(db, "H2", "210921100201", 3), "R2");

	set(db, r1, "safety_grade", "D");
	set(db, r1, "renovation_type", "原址翻建");
	set(db, r1, "start_date", "2020-03-01");
	set(db, r1, "completion_date", "2020-06-01");
	set(db, r1, "acceptance_date", "2020-08-01"); /* after AS_OF */
	set(db, r1, "acceptance_result", "pass");
	set(db, r2, "safety_grade", "D");
	set(db, r2, "renovation_type", "原址翻建");
	set(db, r2, "start_date", "2020-09-01");
	run_verify(db);
	assert_status(db, "H1", "改造中");
	assert_int_equal(nfind(db, "V05", "H1"), 1);
	assert_status(db, "H2", "未保障");
	assert_int_equal(nfind(db, "V01", "H2"), 1);
	assert_int_equal(nfind(db, "V05", "H2"), 1);
}

/* 合格 with nothing behind it (no renovation type, no date) proves
 * nothing; nor does 合格 on a renovation finished after the as-of date. */
static void
test_pass_without_renovation(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r1 =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");
	sqlite3_int64 r2 =
	    add_rec(db, add_hh(db, "H2", "210921100201", 3), "R2");

	set(db, r1, "safety_grade", "D");
	set(db, r1, "acceptance_result", "pass");
	set(db, r2, "safety_grade", "D");
	set(db, r2, "renovation_type", "原址翻建");
	set(db, r2, "start_date", "2020-03-01");
	set(db, r2, "completion_date", "2020-09-01"); /* after AS_OF */
	set(db, r2, "acceptance_result", "pass");
	run_verify(db);
	assert_status(db, "H1", "未保障");
	assert_int_equal(nfind(db, "V01", "H1"), 1);
	assert_status(db, "H2", "改造中");
}

/* 不合格 with nothing behind it is still a failure (V04). */
static void
test_fail_alone(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "acceptance_result", "fail");
	run_verify(db);
	assert_status(db, "H1", "未保障");
	assert_int_equal(nfind(db, "V04", "H1"), 1);
}

/* Grade D and a renovation typed in but never started: 未保障 and V01,
 * so the household is on its county's problem list. */
static void
test_v01_renovation_not_started(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "D");
	set(db, r, "renovation_type", "原址翻建");
	run_verify(db);
	assert_status(db, "H1", "未保障");
	assert_int_equal(nfind(db, "V01", "H1"), 1);
	assert_detail_has(db, "V01", "H1", "尚未开工");
}

static void
test_v07_in_progress(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	renovated(db, r);
	set(db, r, "acceptance_date", NULL);
	set(db, r, "acceptance_result", NULL);
	set(db, r, "completion_date", NULL);
	set(db, r, "start_date", "2020-06-01");
	run_verify(db);
	assert_status(db, "H1", "改造中");
	assert_int_equal(nfind(db, "V07", "H1"), 1);
	assert_int_equal(nverify(db, "H1"), 1);
}

static void
test_v08_photos(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	renovated(db, r);
	set(db, r, "photos_training", "0");
	r = add_rec(db, add_hh(db, "H2", "210921100201", 3), "R2");
	renovated(db, r);
	set(db, r, "photos_foundation", NULL);
	set(db, r, "photos_completion", NULL);
	run_verify(db);
	assert_int_equal(nfind(db, "V08", "H1"), 1);
	assert_detail_has(db, "V08", "H1", "技术培训");
	assert_int_equal(nfind(db, "V08", "H2"), 1);
	assert_detail_has(db, "V08", "H2", "基础验收、竣工");
	assert_int_equal(nverify(db, "H1") + nverify(db, "H2"), 2);
}

/* Exports without photo columns at all: unknown, not missing. */
static void
test_v08_no_photo_columns(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	renovated(db, r);
	set(db, r, "photos_materials", NULL);
	set(db, r, "photos_training", NULL);
	set(db, r, "photos_foundation", NULL);
	set(db, r, "photos_completion", NULL);
	run_verify(db);
	assert_int_equal(nverify(db, "H1"), 0);
}

static void
test_v09_subsidy_and_area(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r;

	/* Bounds are inclusive. */
	r = add_rec(db, add_hh(db, "MIN", "210921100201", 3), "R1");
	renovated(db, r);
	set(db, r, "subsidy_yuan", "10000");
	r = add_rec(db, add_hh(db, "MAX", "210921100201", 3), "R2");
	renovated(db, r);
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "20000");
	r = add_rec(db, add_hh(db, "HIGH", "210921100201", 3), "R3");
	renovated(db, r);
	set(db, r, "renovation_type", "修缮加固");
	set(db, r, "subsidy_yuan", "20001");
	r = add_rec(db, add_hh(db, "NONE", "210921100201", 3), "R4");
	renovated(db, r);
	set(db, r, "subsidy_yuan", NULL);
	/* Area: 3 people may have 54 m² (in renovated()), 55 is over; two
	 * people may have 60. */
	r = add_rec(db, add_hh(db, "AREA3", "210921100201", 3), "R5");
	renovated(db, r);
	set(db, r, "area_m2", "55");
	r = add_rec(db, add_hh(db, "AREA2", "210921100201", 2), "R6");
	renovated(db, r);
	set(db, r, "household_size", "2");
	set(db, r, "area_m2", "60");
	r = add_rec(db, add_hh(db, "AREA2X", "210921100201", 2), "R7");
	renovated(db, r);
	set(db, r, "household_size", NULL); /* the roster's size is used */
	set(db, r, "area_m2", "60.5");
	run_verify(db);
	assert_int_equal(nverify(db, "MIN"), 0);
	assert_int_equal(nverify(db, "MAX"), 0);
	assert_int_equal(nfind(db, "V09", "HIGH"), 1);
	assert_detail_has(db, "V09", "HIGH", "20001元");
	assert_int_equal(nfind(db, "V09", "NONE"), 1);
	assert_int_equal(nfind(db, "V09", "AREA3"), 1);
	assert_detail_has(db, "V09", "AREA3", "55㎡");
	assert_int_equal(nverify(db, "AREA2"), 0);
	assert_int_equal(nfind(db, "V09", "AREA2X"), 1);
}

/* Two records: the best one decides and the V-rules look at it only. */
static void
test_best_of_two(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 h = add_hh(db, "H1", "210921100201", 3);
	sqlite3_int64 r1 = add_rec(db, h, "R1"), r2 = add_rec(db, h, "R2");
	sqlite3_stmt *st;

	set(db, r1, "safety_grade", "D");
	set(db, r1, "household_type", "低保户");
	renovated(db, r2);
	run_verify(db);
	assert_status(db, "H1", "改造安全");
	assert_int_equal(nverify(db, "H1"), 0);
	st = db_prepare(db, "SELECT record_key, match_method FROM"
	                    " household_status");
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), r2);
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "id");
	sqlite3_finalize(st);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 16);

	assert_non_null(f);
	assert_true(fread(buf, 1, (1 << 16) - 1, f) < (1 << 16) - 1);
	fclose(f);
	return buf;
}

static void
test_outputs(void **state)
{
	static const char findings_header[] =
	    "code,severity,county_code,township_code,village_code,"
	    "household_id,record_id,head_id,head_name,detail,source\n";
	sqlite3 *db = *state;
	char path[256], err[256];
	char *first, *again;
	sqlite3_int64 r;

	r = add_rec(db, add_hh(db, "H2", "210921100202", 3), "R1");
	set(db, r, "safety_grade", "D");
	add_hh(db, "H1", "210921100202", 3);
	add_hh(db, "H0", "210922100201", 3);
	assert_int_equal(
	    db_exec(db,
	            "INSERT INTO findings (stage, code, severity,"
	            " county_code, village_code, household_id, detail,"
	            " source) VALUES ('ingest', 'D01', 'low', '210921',"
	            " '210921100202', 'H2', '身份证号, \"校验\"', 'r.csv:3')",
	            err, sizeof(err)),
	    0);
	run_verify(db);
	assert_int_equal(verify_write_outputs(db, ws_dir), 0);
	snprintf(path, sizeof(path), "%s/findings.csv", ws_dir);
	first = slurp(path);
	assert_true(strncmp(first, findings_header, strlen(findings_header)) ==
	            0);
	/* D01 before V01 for the same household; quotes escaped. */
	assert_non_null(strstr(first, "D01,low,210921,,210921100202,H2,,,,"
	                              "\"身份证号, \"\"校验\"\"\",r.csv:3\n"
	                              "V01,high,"));
	run_verify(db);
	assert_int_equal(verify_write_outputs(db, ws_dir), 0);
	again = slurp(path);
	assert_string_equal(first, again);
	free(first);
	free(again);
	snprintf(path, sizeof(path), "%s/households.csv", ws_dir);
	first = slurp(path);
	assert_string_equal(
	    first,
	    "household_id,county_code,village_code,head_id,head_name,"
	    "status,record_id,match_method\n"
	    "H1,210921,210921100202,210921196508120013,王小明,无记录,,\n"
	    "H2,210921,210921100202,210921196508120013,王小明,未保障,R1,"
	    "id\n"
	    "H0,210922,210922100201,210921196508120013,王小明,无记录,,\n");
	free(first);
	assert_int_equal(verify_write_outputs(db, "/nonexistent/dir"),
	                 ANJU_EXIT_CANTCREAT);
}

/* DIR/NAME, compared with the same file of ws_dir. */
static void
assert_same_file(const char *dir, const char *name)
{
	char a[256], b[256];
	char *x, *y;

	snprintf(a, sizeof(a), "%s/%s", ws_dir, name);
	snprintf(b, sizeof(b), "%s/%s", dir, name);
	x = slurp(a);
	y = slurp(b);
	assert_string_equal(x, y);
	free(x);
	free(y);
}

/*
 * 500 households (several of verify_out.c's blocks of rows), with and
 * without records, a head name a spreadsheet would run, the first with no
 * place (NULL sorts first); in
 * the file's order when SHUFFLED is 0, else not. verify_run_write()
 * writes from its pass the files verify_run() and verify_write_outputs()
 * write from the workspace.
 */
static void
outputs_from_pass(sqlite3 *db, int shuffled)
{
	struct anju_rules rules;
	char dir[128], hid[32], village[32], err[256];
	int i;

	for (i = 0; i < 500; i++) {
		int n = shuffled ? (i * 337) % 500 : i;
		sqlite3_int64 h;

		snprintf(hid, sizeof(hid), "H%04d", n);
		snprintf(village, sizeof(village), "2109211%02d%03d", n / 100,
		         n % 100 / 10);
		h = add_hh(db, hid, village, 1 + n % 5);
		if (n % 3 != 0)
			set(db, add_rec(db, h, hid), "safety_grade",
			    n % 2 ? "A" : "D");
	}
	assert_int_equal(
	    db_exec(db,
	            "UPDATE roster_households SET head_name = '=HYPERLINK(1)'"
	            " WHERE household_id = 'H0005';"
	            "UPDATE roster_households SET county_code = NULL,"
	            " village_code = NULL WHERE household_id = 'H0000'",
	            err, sizeof(err)),
	    0);
	rules_default(&rules);
	assert_int_equal(verify_run(db, &rules, AS_OF, NULL), 0);
	assert_int_equal(verify_write_outputs(db, ws_dir), 0);
	snprintf(dir, sizeof(dir), "%s/pass", ws_dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(verify_run_write(db, &rules, AS_OF, NULL, dir), 0);
	assert_same_file(dir, "households.csv");
	assert_same_file(dir, "findings.csv");
	/* A folder that cannot take the file: nothing is changed. */
	assert_int_equal(
	    verify_run_write(db, &rules, AS_OF, NULL, "/nonexistent/dir"),
	    ANJU_EXIT_CANTCREAT);
	snprintf(dir, sizeof(dir), "%s/pass/households.csv", ws_dir);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s/pass/findings.csv", ws_dir);
	unlink(dir);
	snprintf(dir, sizeof(dir), "%s/pass", ws_dir);
	rmdir(dir);
}

static void
test_outputs_from_pass_in_order(void **state)
{
	outputs_from_pass(*state, 0);
}

static void
test_outputs_from_pass_out_of_order(void **state)
{
	outputs_from_pass(*state, 1);
}

static void
test_rerun_replaces(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r =
	    add_rec(db, add_hh(db, "H1", "210921100201", 3), "R1");

	set(db, r, "safety_grade", "D");
	run_verify(db);
	assert_int_equal(nfind(db, "V01", "H1"), 1);
	renovated(db, r);
	run_verify(db);
	assert_int_equal(nfind(db, "V01", "H1"), 0);
	assert_status(db, "H1", "改造安全");
}

#define T(f) cmocka_unit_test_setup_teardown(f, ws_setup, ws_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_status),
	    cmocka_unit_test(test_rules_file),
	    T(test_as_of),
	    T(test_clean_renovation),
	    T(test_no_record_and_review),
	    T(test_grade_ab),
	    T(test_v01_and_v07),
	    T(test_relocated_grade_d),
	    T(test_guaranteed),
	    T(test_deadline_days),
	    T(test_v04_failed),
	    T(test_v05_dates),
	    T(test_v06_no_grade_no_means),
	    T(test_v06_means_without_evidence),
	    T(test_v01_renovation_not_started),
	    T(test_future_dates_not_yet),
	    T(test_pass_without_renovation),
	    T(test_fail_alone),
	    T(test_v07_in_progress),
	    T(test_v08_photos),
	    T(test_v08_no_photo_columns),
	    T(test_v09_subsidy_and_area),
	    T(test_best_of_two),
	    T(test_outputs),
	    T(test_outputs_from_pass_in_order),
	    T(test_outputs_from_pass_out_of_order),
	    T(test_rerun_replaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
