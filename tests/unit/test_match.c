/*
 * test_match.c - anju-match: every tier and every M-finding, on small
 * workspaces built with SQL inserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "anju.h"
#include "db.h"
#include "idcard.h"
#include "../../stages/match/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V1   "210921100201" /* a village of county 210921 */
#define V2   "210921100202" /* another village, same county */
#define V9   "210922100201" /* a village of another county */
#define POOR "建档立卡贫困户"

static char ws_path[64];
static int next_line = 2;

static int
ws_setup(void **state)
{
	char err[256];
	sqlite3 *db;
	int fd;

	snprintf(ws_path, sizeof(ws_path), "/tmp/anju-test-match-XXXXXX");
	fd = mkstemp(ws_path);
	assert_true(fd >= 0);
	close(fd);
	unlink(ws_path);
	assert_int_equal(db_open(ws_path, &db, err, sizeof(err)), 0);
	assert_int_equal(
	    db_exec(db,
	            "INSERT INTO input_files (file_id, kind, path, name,"
	            " sha256, encoding, delimiter, header_line, rows_read,"
	            " rows_kept, rows_rejected, ingested_at) VALUES"
	            " (1, 'platform', '/in/p.csv', 'p.csv', 'x', 'UTF-8',"
	            " ',', 1, 0, 0, 0, 'now'),"
	            " (2, 'roster', '/in/r.csv', 'r.csv', 'y', 'UTF-8',"
	            " ',', 1, 0, 0, 0, 'now'),"
	            " (3, 'members', '/in/m.csv', 'm.csv', 'z', 'UTF-8',"
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
	sqlite3_close(*state);
	unlink(ws_path);
	return 0;
}

/* A valid ID: 17 digits of BODY plus their check character. */
static const char *
valid_id(const char *body17)
{
	static char buf[8][19];
	static int n;
	char *id = buf[n++ % 8];

	memcpy(id, body17, 17);
	id[17] = id_check_char(body17);
	id[18] = '\0';
	return id;
}

static int
known_of(const char *state, const char *id)
{
	if (strcmp(state, "excel_000") == 0)
		return 15;
	if (strcmp(state, "excel_sci") == 0)
		return (int)strlen(id);
	if (strcmp(state, "empty") == 0 || strcmp(state, "malformed") == 0)
		return 0;
	return 18;
}

static void
bind_place(sqlite3_stmt *st, int first, const char *village)
{
	char county[7], town[10];

	snprintf(county, sizeof(county), "%.6s", village);
	snprintf(town, sizeof(town), "%.9s", village);
	db_bind_text(st, first, county, 1);
	db_bind_text(st, first + 1, town, 1);
	db_bind_text(st, first + 2, village, 1);
}

static sqlite3_int64
add_hh(sqlite3 *db, const char *hid, const char *village, const char *name,
       const char *id, const char *state, int size)
{
	sqlite3_stmt *st = db_prepare(
	    db, "INSERT INTO roster_households (file_id, line,"
	        " household_id, county, township, village, county_code,"
	        " township_code, village_code, head_name, head_id,"
	        " head_id_raw, head_id_state, head_id_known,"
	        " household_size, row_hash) VALUES (2, ?1, ?2, '阜蒙县',"
	        " '佛寺镇', '前进村', ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10,"
	        " random())");
	sqlite3_int64 key;

	assert_non_null(st);
	sqlite3_bind_int(st, 1, next_line++);
	db_bind_text(st, 2, hid, 0);
	bind_place(st, 3, village);
	db_bind_text(st, 6, name, 1);
	db_bind_text(st, 7, id, 1);
	db_bind_text(st, 8, state, 0);
	sqlite3_bind_int(st, 9, known_of(state, id));
	if (size > 0)
		sqlite3_bind_int(st, 10, size);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	key = sqlite3_last_insert_rowid(db);
	return key;
}

static sqlite3_int64
add_rec(sqlite3 *db, const char *rid, const char *village, const char *name,
        const char *id, const char *state, int size, const char *type,
        double subsidy)
{
	sqlite3_stmt *st = db_prepare(
	    db, "INSERT INTO platform_records (file_id, line, record_id,"
	        " county, township, village, county_code, township_code,"
	        " village_code, head_name, head_id, head_id_raw,"
	        " head_id_state, head_id_known, household_size,"
	        " household_type, subsidy_yuan, row_hash) VALUES (1, ?1,"
	        " ?2, '阜蒙县', '佛寺镇', '红旗村', ?3, ?4, ?5, ?6, ?7, ?7,"
	        " ?8, ?9, ?10, ?11, ?12, random())");

	assert_non_null(st);
	sqlite3_bind_int(st, 1, next_line++);
	db_bind_text(st, 2, rid, 0);
	bind_place(st, 3, village);
	db_bind_text(st, 6, name, 1);
	db_bind_text(st, 7, id, 1);
	db_bind_text(st, 8, state, 0);
	sqlite3_bind_int(st, 9, known_of(state, id));
	if (size > 0)
		sqlite3_bind_int(st, 10, size);
	db_bind_text(st, 11, type, 1);
	if (subsidy >= 0)
		sqlite3_bind_double(st, 12, subsidy);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(db);
}

static void
add_member(sqlite3 *db, const char *hid, const char *name, const char *id,
           const char *relation)
{
	sqlite3_stmt *st = db_prepare(
	    db, "INSERT INTO members (file_id, line, household_id, name,"
	        " id, id_state, id_known, relation, row_hash) VALUES (3,"
	        " ?1, ?2, ?3, ?4, 'valid', 18, ?5, random())");

	assert_non_null(st);
	sqlite3_bind_int(st, 1, next_line++);
	db_bind_text(st, 2, hid, 0);
	db_bind_text(st, 3, name, 1);
	db_bind_text(st, 4, id, 1);
	db_bind_text(st, 5, relation, 1);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void
run_match(sqlite3 *db, struct match_stats *st)
{
	assert_int_equal(match_run(db, NULL, st), 0);
}

/* Number of stage findings with CODE whose household_id is HID (NULL:
 * any) and whose record_id is RID (NULL: any). */
static int
nfind(sqlite3 *db, const char *code, const char *hid, const char *rid)
{
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT count(*) FROM findings WHERE code = ?1 AND"
	        " (?2 IS NULL OR household_id = ?2) AND (?3 IS NULL OR"
	        " record_id = ?3)");
	int n;

	db_bind_text(st, 1, code, 0);
	db_bind_text(st, 2, hid, 1);
	db_bind_text(st, 3, rid, 1);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A column of the first finding CODE of HID (caller frees). */
static char *
find_col(sqlite3 *db, const char *col, const char *code, const char *hid)
{
	char *sql = sqlite3_mprintf("SELECT %s FROM findings WHERE code = ?1"
	                            " AND (?2 IS NULL OR household_id = ?2)"
	                            " ORDER BY finding_key",
	                            col);
	sqlite3_stmt *st = db_prepare(db, sql);
	char *out = NULL;

	sqlite3_free(sql);
	db_bind_text(st, 1, code, 0);
	db_bind_text(st, 2, hid, 1);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static void
assert_col(sqlite3 *db, const char *col, const char *code, const char *hid,
           const char *want)
{
	char *got = find_col(db, col, code, hid);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("%s of %s: \"%s\", want \"%s\"", col, code, got, want);
	free(got);
}

static void
assert_detail_has(sqlite3 *db, const char *code, const char *hid,
                  const char *needle)
{
	char *d = find_col(db, "detail", code, hid);

	assert_non_null(d);
	if (strstr(d, needle) == NULL)
		fail_msg("detail \"%s\" lacks \"%s\"", d, needle);
	free(d);
}

/* Method of the match of record RKEY, or NULL when unmatched (freed by
 * the caller); *HKEY gets its household. */
static char *
method_of(sqlite3 *db, sqlite3_int64 rkey, sqlite3_int64 *hkey)
{
	sqlite3_stmt *st =
	    db_prepare(db, "SELECT method, household_key FROM matches WHERE"
	                   " record_key = ?");
	char *m = NULL;

	sqlite3_bind_int64(st, 1, rkey);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m = strdup((const char *)sqlite3_column_text(st, 0));
		if (hkey != NULL)
			*hkey = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return m;
}

static void
assert_method(sqlite3 *db, sqlite3_int64 rkey, sqlite3_int64 hkey,
              const char *method)
{
	sqlite3_int64 got = -1;
	char *m = method_of(db, rkey, &got);

	if (method == NULL) {
		assert_null(m);
		return;
	}
	assert_non_null(m);
	assert_string_equal(m, method);
	assert_int_equal(got, hkey);
	free(m);
}

static int
count_sql(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int n;

	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* ---- tests ---------------------------------------------------------- */

static void
test_repair_method(void **state)
{
	const char *good = valid_id("21092119650812001");
	char bad[19];

	(void)state;
	/* One substituted digit (check character or inside). */
	snprintf(bad, sizeof(bad), "%.17s%c", good,
	         good[17] == '9' ? '8' : '9');
	assert_string_equal(match_repair_method(bad, "bad_check", 18, good),
	                    "repair_digit");
	snprintf(bad, sizeof(bad), "%s", good);
	bad[10] = bad[10] == '1' ? '2' : '1';
	assert_string_equal(match_repair_method(bad, "bad_check", 18, good),
	                    "repair_digit");
	/* Two swapped adjacent digits; a non-adjacent pair is no repair. */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[12] = good[13];
	bad[13] = good[12];
	assert_string_equal(match_repair_method(bad, "bad_check", 18, good),
	                    "repair_swap");
	snprintf(bad, sizeof(bad), "%s", good);
	bad[2] = '7';
	bad[14] = bad[14] == '5' ? '6' : '5';
	assert_null(match_repair_method(bad, "bad_check", 18, good));
	/* Excel: 000 tail, scientific notation leading digits. */
	snprintf(bad, sizeof(bad), "%.15s000", good);
	assert_string_equal(match_repair_method(bad, "excel_000", 15, good),
	                    "repair_000");
	assert_string_equal(match_repair_method("210921", "excel_sci", 6, good),
	                    "repair_sci");
	assert_null(match_repair_method("210922", "excel_sci", 6, good));
	/* A valid ID is a person, never repaired into another. */
	assert_null(match_repair_method(valid_id("21092119650812002"), "valid",
	                                18, good));
	assert_null(match_repair_method(NULL, "empty", 0, good));
}

static void
test_exact_id_clean(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");
	sqlite3_int64 h, r;
	struct match_stats st;

	h = add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	r = add_rec(db, "R1", V1, "王小明", id, "valid", 3, POOR, 20000);
	run_match(db, &st);
	assert_method(db, r, h, "id");
	assert_int_equal(st.by_id, 1);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM findings"), 0);
	assert_int_equal(
	    count_sql(db, "SELECT count(*) FROM matches WHERE evidence ="
	                  " 'head_id,head_name,county_code,village_code,"
	                  "household_size'"),
	    1);
}

static void
test_unmatched(void **state)
{
	sqlite3 *db = *state;

	add_hh(db, "H1", V1, "王小明", valid_id("21092119650812001"), "valid",
	       3);
	add_rec(db, "R1", V2, "李四", valid_id("21092119700101002"), "valid", 2,
	        POOR, -1);
	add_rec(db, "R2", V2, "赵五", valid_id("21092119700101003"), "valid", 2,
	        "低保户", -1);
	run_match(db, NULL);
	assert_int_equal(nfind(db, "M01", "H1", NULL), 1);
	assert_col(db, "severity", "M01", "H1", "high");
	assert_detail_has(db, "M01", "H1", "漏录");
	/* M02 carries the record, its head ID and no household. */
	assert_int_equal(nfind(db, "M02", NULL, "R1"), 1);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM findings WHERE"
	                               " code = 'M02' AND household_id IS NULL"
	                               " AND head_id LIKE '2109211970%'"
	                               " AND source = 'p.csv:3'"),
	                 1);
	/* A 低保户 record whose head is not on the roster is no problem. */
	assert_int_equal(nfind(db, "M02", NULL, "R2"), 0);
}

static void
test_second_record_dibao(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");
	sqlite3_int64 h, r1, r2;

	h = add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	r1 = add_rec(db, "R1", V1, "王小明", id, "valid", 3, POOR, 20000);
	r2 = add_rec(db, "R2", V1, "王小明", id, "valid", 3, "低保户", -1);
	run_match(db, NULL);
	assert_method(db, r1, h, "id");
	assert_method(db, r2, h, "id");
	assert_int_equal(nfind(db, "M10", "H1", "R2"), 1);
	assert_int_equal(nfind(db, "M10", "H1", "R1"), 0);
	assert_int_equal(nfind(db, "M03", "H1", NULL), 1);
	/* Only one of the two received a subsidy: medium. */
	assert_col(db, "severity", "M03", "H1", "medium");
	assert_detail_has(db, "M03", "H1", "R1、R2");
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
}

static void
test_double_subsidy(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");

	add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	add_rec(db, "R1", V1, "王小明", id, "valid", 3, POOR, 20000);
	add_rec(db, "R2", V1, "王小明", id, "valid", 3, POOR, 15000);
	run_match(db, NULL);
	assert_int_equal(nfind(db, "M03", "H1", NULL), 1);
	assert_col(db, "severity", "M03", "H1", "high");
	assert_detail_has(db, "M03", "H1", "重复补助");
}

static void
test_field_differences(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");

	add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	add_rec(db, "R1", V2, "王晓明", id, "valid", 4, POOR, 20000);
	run_match(db, NULL);
	assert_int_equal(nfind(db, "M04", "H1", "R1"), 1);
	assert_detail_has(db, "M04", "H1",
	                  "平台档案户主姓名\"王晓明\"与花名册\"王小明\"不一致");
	assert_int_equal(nfind(db, "M05", "H1", "R1"), 1);
	assert_detail_has(db, "M05", "H1", V2);
	assert_detail_has(db, "M05", "H1", "阜蒙县佛寺镇红旗村");
	assert_detail_has(db, "M05", "H1", "花名册为阜蒙县佛寺镇前进村");
	assert_int_equal(nfind(db, "M06", "H1", "R1"), 1);
	assert_col(db, "severity", "M06", "H1", "low");
	/* Household findings carry the roster's head and place. */
	assert_col(db, "head_id", "M04", "H1", id);
	assert_col(db, "village_code", "M05", "H1", V1);
}

static void
test_county_differs(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");

	add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	add_rec(db, "R1", V9, "王小明", id, "valid", 3, POOR, 20000);
	run_match(db, NULL);
	assert_int_equal(nfind(db, "M05", "H1", "R1"), 1);
	assert_int_equal(nfind(db, "M04", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M06", NULL, NULL), 0);
}

/* The head died; the platform moved the household to the spouse, the
 * roster still lists the old head with the spouse as a member. */
static void
test_head_replaced_by_spouse(void **state)
{
	sqlite3 *db = *state;
	const char *old = valid_id("21092119400101001");
	const char *wife = valid_id("21092119420202002");
	sqlite3_int64 h, r;

	h = add_hh(db, "H1", V1, "张大山", old, "valid", 2);
	add_member(db, "H1", "张大山", old, "户主");
	add_member(db, "H1", "李秀兰", wife, "配偶");
	r = add_rec(db, "R1", V1, "李秀兰", wife, "valid", 2, POOR, 20000);
	run_match(db, NULL);
	assert_method(db, r, h, "member");
	assert_int_equal(nfind(db, "M07", "H1", "R1"), 1);
	assert_detail_has(db, "M07", "H1", "配偶");
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
	/* The record names the member, who is the person compared. */
	assert_int_equal(nfind(db, "M04", NULL, NULL), 0);
}

/* A member's ID under another name on the platform: M07 and M04. */
static void
test_member_name_differs(void **state)
{
	sqlite3 *db = *state;
	const char *old = valid_id("21092119400101001");
	const char *wife = valid_id("21092119420202002");

	add_hh(db, "H1", V1, "张大山", old, "valid", 2);
	add_member(db, "H1", "李秀兰", wife, "配偶");
	add_rec(db, "R1", V1, "李秀芝", wife, "valid", 2, POOR, 20000);
	run_match(db, NULL);
	assert_int_equal(nfind(db, "M07", "H1", "R1"), 1);
	assert_int_equal(nfind(db, "M04", "H1", "R1"), 1);
	assert_detail_has(db, "M04", "H1", "\"李秀芝\"与花名册\"李秀兰\"");
}

/* The reverse: the roster changed its head, the platform did not. */
static void
test_roster_changed_head(void **state)
{
	sqlite3 *db = *state;
	const char *old = valid_id("21092119400101001");
	const char *son = valid_id("21092119650303003");
	sqlite3_int64 h, r;

	h = add_hh(db, "H1", V1, "张小山", son, "valid", 3);
	add_member(db, "H1", "张小山", son, "户主");
	add_member(db, "H1", "张大山", old, "之父");
	r = add_rec(db, "R1", V1, "张大山", old, "valid", 3, POOR, 20000);
	run_match(db, NULL);
	assert_method(db, r, h, "member");
	assert_detail_has(db, "M07", "H1", "之父");
}

static void
test_repair_check_digit(void **state)
{
	sqlite3 *db = *state;
	const char *good = valid_id("21092119650812001");
	char bad[19];
	sqlite3_int64 h, r;

	snprintf(bad, sizeof(bad), "%.17s%c", good,
	         good[17] == '9' ? '8' : '9');
	h = add_hh(db, "H1", V1, "王小明", good, "valid", 3);
	r = add_rec(db, "R1", V2, "王小明", bad, "bad_check", 3, POOR, 20000);
	run_match(db, NULL);
	assert_method(db, r, h, "repair_digit");
	assert_int_equal(nfind(db, "M08", "H1", "R1"), 1);
	assert_detail_has(db, "M08", "H1", "末位校验错误");
	assert_detail_has(db, "M08", "H1", good);
	assert_detail_has(db, "M08", "H1", "与花名册户主同名同县");
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches WHERE"
	                               " corrected_id IS NOT NULL"),
	                 1);
	assert_int_equal(nfind(db, "M05", "H1", "R1"), 1);
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
}

static void
test_repair_needs_name_and_county(void **state)
{
	sqlite3 *db = *state;
	const char *good = valid_id("21092119650812001");
	char bad[19];

	snprintf(bad, sizeof(bad), "%.17s%c", good,
	         good[17] == '9' ? '8' : '9');
	add_hh(db, "H1", V1, "王小明", good, "valid", 3);
	add_rec(db, "R1", V1, "王晓明", bad, "bad_check", 3, POOR, 20000);
	add_hh(db, "H2", V1, "刘一", valid_id("21092119660101011"), "valid", 3);
	add_rec(db, "R2", V9, "刘一", "210921", "excel_sci", 3, POOR, 20000);
	run_match(db, NULL);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 0);
	assert_int_equal(nfind(db, "M01", NULL, NULL), 2);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 2);
}

/* The same damaged ID on both sides is the same person only under the
 * same name: a D01 ID is used only through repair. */
static void
test_same_damaged_id(void **state)
{
	sqlite3 *db = *state;
	const char *good = valid_id("21092119650812001");
	char bad[19];
	sqlite3_int64 h, r;

	snprintf(bad, sizeof(bad), "%.17s%c", good,
	         good[17] == '9' ? '8' : '9');
	h = add_hh(db, "H1", V1, "王小明", bad, "bad_check", 3);
	r = add_rec(db, "R1", V1, "王小明", bad, "bad_check", 3, POOR, 1);
	add_hh(db, "H2", V1, "邓明亮", valid_id("21092119660101011"), "valid",
	       3);
	add_hh(db, "H3", V1, "邓明亮", bad, "bad_check", 3);
	add_rec(db, "R2", V1, "田振海", bad, "bad_check", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r, h, "id");
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 1);
	assert_int_equal(nfind(db, "M01", "H3", NULL), 1);
	assert_int_equal(nfind(db, "M02", NULL, "R2"), 1);
	assert_int_equal(nfind(db, "M04", NULL, NULL), 0);
}

/* One head on two roster households: the record goes to the one in its
 * village, and the other's M01 says the roster lists the head twice. */
static void
test_head_on_two_households(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");
	sqlite3_int64 h2, r;

	add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	h2 = add_hh(db, "H2", V2, "王小明", id, "valid", 3);
	r = add_rec(db, "R1", V2, "王小明", id, "valid", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r, h2, "id");
	assert_int_equal(nfind(db, "M01", "H1", NULL), 1);
	assert_detail_has(db, "M01", "H1", "与户编号H2相同");
	assert_int_equal(nfind(db, "M05", NULL, NULL), 0);
}

/* One person listed as a member of two households: the record goes to
 * the household in its village. */
static void
test_member_in_two_households(void **state)
{
	sqlite3 *db = *state;
	const char *mother = valid_id("21092119400101002");
	sqlite3_int64 h2, r;

	add_hh(db, "H1", V1, "邓一", valid_id("21092119650812001"), "valid", 3);
	h2 = add_hh(db, "H2", V2, "邓二", valid_id("21092119670812001"),
	            "valid", 3);
	add_member(db, "H1", "邓母", mother, "之母");
	add_member(db, "H2", "邓母", mother, "之母");
	r = add_rec(db, "R1", V2, "邓母", mother, "valid", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r, h2, "member");
	assert_int_equal(nfind(db, "M07", "H2", "R1"), 1);
}

/* A column cut to 000 can give two people the same damaged ID: each
 * record goes to the household of its own name. */
static void
test_shared_damaged_id(void **state)
{
	sqlite3 *db = *state;
	const char *z = "210921196508120000";
	sqlite3_int64 h1, h2, r1, r2;

	h1 = add_hh(db, "H001", V1, "王小明", z, "excel_000", 3);
	h2 = add_hh(db, "H002", V1, "李四", z, "excel_000", 3);
	r1 = add_rec(db, "R1", V1, "王小明", z, "excel_000", 3, POOR, 1);
	r2 = add_rec(db, "R2", V1, "李四", z, "excel_000", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r1, h1, "id");
	assert_method(db, r2, h2, "id");
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
}

/* An impossible birth date typed the same on both sides (D02 twice):
 * one person when the names agree. */
static void
test_same_malformed_id(void **state)
{
	sqlite3 *db = *state;
	const char *bad = "210921196613160011";
	sqlite3_int64 h, r, h3, r3;

	h = add_hh(db, "H1", V1, "严桂琴", bad, "malformed", 3);
	r = add_rec(db, "R1", V1, "严桂琴", bad, "malformed", 3, POOR, 1);
	add_hh(db, "H2", V1, "段海燕", "210921202105050012", "malformed", 3);
	add_rec(db, "R2", V1, "段海艳", "210921202105050012", "malformed", 3,
	        POOR, 1);
	/* 17 digits typed the same twice */
	h3 = add_hh(db, "H3", V1, "孙三", "21092119650812001", "malformed", 3);
	r3 = add_rec(db, "R3", V1, "孙三", "21092119650812001", "malformed", 3,
	             POOR, 1);
	run_match(db, NULL);
	assert_method(db, r, h, "id");
	assert_method(db, r3, h3, "id");
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 2);
	assert_int_equal(nfind(db, "M01", "H2", NULL), 1);
}

/* Words typed in the ID column on both sides are no ID to match by. */
static void
test_words_are_no_id(void **state)
{
	sqlite3 *db = *state;

	add_hh(db, "H1", V1, "张三", "身份证号待补充", "malformed", 3);
	add_rec(db, "R1", V9, "张三", "身份证号待补充", "malformed", 3, POOR,
	        1);
	run_match(db, NULL);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 0);
}

static void
test_repair_swap_000_sci(void **state)
{
	sqlite3 *db = *state;
	const char *a = valid_id("21092119650812001");
	const char *b = valid_id("21092119710305022");
	const char *c = valid_id("21092219800707033");
	char swap[19], zeros[19];
	sqlite3_int64 ha, hb, hc, ra, rb, rc;

	snprintf(swap, sizeof(swap), "%s", a);
	swap[8] = a[9];
	swap[9] = a[8];
	snprintf(zeros, sizeof(zeros), "%.15s000", b);
	ha = add_hh(db, "HA", V1, "王小明", a, "valid", 3);
	hb = add_hh(db, "HB", V1, "刘一", b, "valid", 3);
	hc = add_hh(db, "HC", V9, "阿依古丽·买买提", c, "valid", 3);
	ra = add_rec(db, "RA", V1, "王小明", swap, "bad_check", 3, POOR, 1);
	rb = add_rec(db, "RB", V1, "刘一", zeros, "excel_000", 3, POOR, 1);
	rc = add_rec(db, "RC", V9, "阿依古丽·买买提", "2109221980", "excel_sci",
	             3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, ra, ha, "repair_swap");
	assert_method(db, rb, hb, "repair_000");
	assert_method(db, rc, hc, "repair_sci");
	assert_detail_has(db, "M08", "HA", "颠倒");
	assert_detail_has(db, "M08", "HB", "000");
	assert_detail_has(db, "M08", "HC", c);
	assert_int_equal(nfind(db, "M08", NULL, NULL), 3);
}

/* The roster side can be the damaged one too. */
static void
test_repair_roster_side(void **state)
{
	sqlite3 *db = *state;
	const char *good = valid_id("21092119650812001");
	char zeros[19];
	sqlite3_int64 h, r;

	snprintf(zeros, sizeof(zeros), "%.15s000", good);
	h = add_hh(db, "H1", V1, "王小明", zeros, "excel_000", 3);
	r = add_rec(db, "R1", V1, "王小明", good, "valid", 3, POOR, 20000);
	run_match(db, NULL);
	assert_method(db, r, h, "repair_000");
	assert_detail_has(db, "M08", "H1", "花名册户主身份证号");
	assert_detail_has(db, "M08", "H1", good);
	assert_col(db, "source", "M08", "H1", "r.csv:2");
}

/* A 15-digit ID, converted at ingest, meets its 18-digit form. */
static void
test_converted15(void **state)
{
	sqlite3 *db = *state;
	char id18[19];
	sqlite3_int64 h, r, h2, r2;

	assert_true(id_from15("210921650812001", id18));
	h = add_hh(db, "H1", V1, "王小明", id18, "valid", 3);
	r = add_rec(db, "R1", V1, "王小明", id18, "converted15", 3, POOR,
	            20000);
	run_match(db, NULL);
	assert_method(db, r, h, "repair_15");
	assert_int_equal(nfind(db, "M08", "H1", "R1"), 1);
	assert_detail_has(db, "M08", "H1", "15位");
	assert_detail_has(db, "M08", "H1", id18);
	/* Both sides 15-digit: the same old number, an ordinary match. */
	assert_true(id_from15("210921700101002", id18));
	h2 = add_hh(db, "H2", V1, "李四", id18, "converted15", 3);
	r2 = add_rec(db, "R2", V1, "李四", id18, "converted15", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r2, h2, "id");
	assert_int_equal(nfind(db, "M08", "H2", NULL), 0);
}

/* A damaged ID one digit away from two namesakes: review, no match.
 * A and B differ in the last body digit (so in the check too); BAD is
 * B's body with A's check: one substitution from each. */
static void
test_repair_two_candidates(void **state)
{
	sqlite3 *db = *state;
	char a[19], b[19], body[18], bad[19];
	sqlite3_int64 r;

	snprintf(a, sizeof(a), "%s", valid_id("21092119650812001"));
	snprintf(body, sizeof(body), "%.16s%c", a, a[16] == '7' ? '8' : '7');
	snprintf(b, sizeof(b), "%s", valid_id(body));
	snprintf(bad, sizeof(bad), "%.17s%c", b, a[17]);
	assert_false(id_check_ok(bad));
	assert_string_equal(match_repair_method(bad, "bad_check", 18, a),
	                    "repair_digit");
	assert_string_equal(match_repair_method(bad, "bad_check", 18, b),
	                    "repair_digit");
	add_hh(db, "H1", V1, "王小明", a, "valid", 3);
	add_hh(db, "H2", V2, "王小明", b, "valid", 3);
	r = add_rec(db, "R1", V1, "王小明", bad, "bad_check", 3, POOR, 1);
	run_match(db, NULL);
	assert_method(db, r, 0, NULL);
	assert_int_equal(nfind(db, "M09", "H1", NULL), 1);
	assert_int_equal(nfind(db, "M09", "H2", NULL), 1);
	assert_detail_has(db, "M09", "H1", "不止一个");
	assert_detail_has(db, "M09", "H2", bad);
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M08", NULL, NULL), 0);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM review_candidates"
	                               " WHERE reason = 'ambiguous_repair'"),
	                 2);
}

/* Two namesakes sharing the first 15 digits: a 000-damaged ID fits
 * both. */
static void
test_repair_000_two_candidates(void **state)
{
	sqlite3 *db = *state;
	char a[19], body[18], bad[19];

	snprintf(a, sizeof(a), "%s", valid_id("21092119650812001"));
	snprintf(body, sizeof(body), "%.15s%c%c", a, a[15] == '9' ? '8' : '9',
	         a[16]);
	add_hh(db, "H1", V1, "王小明", a, "valid", 3);
	add_hh(db, "H2", V1, "王小明", valid_id(body), "valid", 3);
	snprintf(bad, sizeof(bad), "%.15s000", a);
	add_rec(db, "R1", V1, "王小明", bad, "excel_000", 3, POOR, 1);
	run_match(db, NULL);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 0);
	assert_int_equal(nfind(db, "M09", NULL, NULL), 2);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
	assert_int_equal(nfind(db, "M01", NULL, NULL), 0);
}

/* Two damaged roster IDs fitting one record: neither gets it. */
static void
test_two_damaged_households_one_record(void **state)
{
	sqlite3 *db = *state;
	const char *good = valid_id("21092119650812001");
	char z[19];

	snprintf(z, sizeof(z), "%.15s000", good);
	add_hh(db, "H1", V1, "王小明", z, "excel_000", 3);
	add_hh(db, "H2", V1, "王小明", "2109211965", "excel_sci", 3);
	add_rec(db, "R1", V1, "王小明", good, "valid", 3, POOR, 1);
	run_match(db, NULL);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 0);
	assert_int_equal(nfind(db, "M09", NULL, NULL), 2);
	assert_int_equal(nfind(db, "M02", NULL, NULL), 0);
}

static void
test_same_name_same_village(void **state)
{
	sqlite3 *db = *state;
	sqlite3_int64 r;

	add_hh(db, "H1", V1, "王小明", valid_id("21092119650812001"), "valid",
	       3);
	r = add_rec(db, "R1", V1, "王小明", valid_id("21092119800101005"),
	            "valid", 3, POOR, 20000);
	/* Same name, other village: plain M01/M02. */
	add_hh(db, "H2", V1, "刘一", valid_id("21092119650812011"), "valid", 3);
	add_rec(db, "R2", V2, "刘一", valid_id("21092119800101015"), "valid", 3,
	        POOR, 20000);
	run_match(db, NULL);
	assert_method(db, r, 0, NULL);
	assert_int_equal(nfind(db, "M09", "H1", NULL), 1);
	assert_col(db, "severity", "M09", "H1", "high");
	assert_detail_has(db, "M09", "H1", "同名同村");
	assert_detail_has(db, "M09", "H1", "R1");
	assert_int_equal(nfind(db, "M01", "H1", NULL), 0);
	assert_int_equal(nfind(db, "M02", NULL, "R1"), 0);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM review_candidates"
	                               " WHERE reason = 'same_name_village'"),
	                 1);
	assert_int_equal(nfind(db, "M01", "H2", NULL), 1);
	assert_int_equal(nfind(db, "M02", NULL, "R2"), 1);
}

static void
test_duplicates_ignored_and_rerun(void **state)
{
	sqlite3 *db = *state;
	const char *id = valid_id("21092119650812001");
	sqlite3_int64 r1, r2;
	char err[256];

	add_hh(db, "H1", V1, "王小明", id, "valid", 3);
	r1 = add_rec(db, "R1", V1, "王小明", id, "valid", 3, POOR, 20000);
	r2 = add_rec(db, "R1", V1, "王小明", id, "valid", 3, POOR, 20000);
	{
		char *sql = sqlite3_mprintf(
		    "UPDATE platform_records SET duplicate_of = %lld"
		    " WHERE record_key = %lld;"
		    "INSERT INTO findings (stage, code, severity, detail,"
		    " source) VALUES ('ingest', 'D09', 'low', 'dup',"
		    " 'p.csv:3')",
		    (long long)r1, (long long)r2);

		assert_int_equal(db_exec(db, sql, err, sizeof(err)), 0);
		sqlite3_free(sql);
	}
	run_match(db, NULL);
	run_match(db, NULL);
	assert_int_equal(count_sql(db, "SELECT count(*) FROM matches"), 1);
	assert_int_equal(nfind(db, "M03", NULL, NULL), 0);
	/* Ingest's findings survive a re-run of match. */
	assert_int_equal(nfind(db, "D09", NULL, NULL), 1);
}

static void
test_empty_workspace(void **state)
{
	struct match_stats st;

	run_match(*state, &st);
	assert_int_equal(st.households, 0);
	assert_int_equal(st.findings, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ws_setup, ws_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repair_method),
	    T(test_exact_id_clean),
	    T(test_unmatched),
	    T(test_second_record_dibao),
	    T(test_double_subsidy),
	    T(test_field_differences),
	    T(test_county_differs),
	    T(test_head_replaced_by_spouse),
	    T(test_roster_changed_head),
	    T(test_member_name_differs),
	    T(test_repair_check_digit),
	    T(test_repair_needs_name_and_county),
	    T(test_same_damaged_id),
	    T(test_same_malformed_id),
	    T(test_words_are_no_id),
	    T(test_shared_damaged_id),
	    T(test_head_on_two_households),
	    T(test_member_in_two_households),
	    T(test_repair_swap_000_sci),
	    T(test_repair_roster_side),
	    T(test_converted15),
	    T(test_repair_two_candidates),
	    T(test_repair_000_two_candidates),
	    T(test_two_damaged_households_one_record),
	    T(test_same_name_same_village),
	    T(test_duplicates_ignored_and_rerun),
	    T(test_empty_workspace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
