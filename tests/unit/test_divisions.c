/*
 * test_divisions.c - the division table: sources, name resolution, codes.
 *
 * Fixtures (tests/unit/fixtures/divisions):
 *   fuxin.csv    real Fuxin (2109) names plus invented tricky villages:
 *                新村村委会 in 佛寺镇 (alone) and in 东梁镇 (next to
 *                新村委会), 王家村委会 in 佛寺镇, 李家村 next to 李家村委会
 *                and the township 哈尔套乡 next to 哈尔套镇 (exact beats
 *                variant), a second 佛寺村委会 in 彰武县, and the two real
 *                新华区 (河北 130105, 河南 410402) each with an invented
 *                光明社区居委会; 东梁社区居委会 next to the real 东梁村委会,
 *                and 胡杖子村委会(四分场) with a note in parentheses.
 *   padded.csv   12-digit padded codes, BOM, CRLF, a title line, a
 *                full-width space, an empty name, junk and a total line.
 *   national/    the national directory layout (areas/streets/villages).
 *   gb18030.tsv.csv  GB18030, tab-delimited, 区划代码/名称 header.
 * Run from the top of the tree (make unit does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "anju.h"
#include "divisions.h"

#define FIXTURES "tests/unit/fixtures/divisions"

/* A fresh table from fuxin.csv for each test. */
static int
open_fuxin(void **state)
{
	struct divisions *d = NULL;
	char err[512];

	if (divisions_open(FIXTURES "/fuxin.csv", &d, err, sizeof(err)) != 0) {
		fprintf(stderr, "open: %s\n", err);
		return -1;
	}
	*state = d;
	return 0;
}

static int
close_table(void **state)
{
	divisions_close(*state);
	return 0;
}

/* Resolve and check status and all three codes ("" for unfilled). */
static void
expect(struct divisions *d, const char *county, const char *township,
       const char *village, const char *scope, enum div_status status,
       const char *want_county, const char *want_township,
       const char *want_village)
{
	struct div_place p;
	enum div_status got;

	got = divisions_resolve(d, county, township, village, scope, &p);
	if (got != status || strcmp(p.county, want_county) != 0 ||
	    strcmp(p.township, want_township) != 0 ||
	    strcmp(p.village, want_village) != 0)
		fail_msg("resolve(%s, %s, %s, %s): got %d %s/%s/%s, want %d "
		         "%s/%s/%s",
		         county ? county : "NULL", township ? township : "NULL",
		         village ? village : "NULL", scope ? scope : "NULL",
		         got, p.county, p.township, p.village, status,
		         want_county, want_township, want_village);
}

/* Write TEXT to a fresh temporary file; returns its malloc'd path. */
static char *
temp_file(const char *suffix, const char *text)
{
	char *path;
	FILE *f;
	int fd;

	assert_true(asprintf(&path, "/tmp/anju-div-XXXXXX%s", suffix) > 0);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_county_forms(void **state)
{
	struct divisions *d = *state;

	expect(d, "阜新蒙古族自治县", NULL, NULL, NULL, DIV_NONE, "210921", "",
	       "");
	expect(d, "阜新县", NULL, NULL, NULL, DIV_NONE, "210921", "", "");
	expect(d, "阜新", "", "", "", DIV_NONE, "210921", "", "");
	expect(d, "阜蒙县", NULL, NULL, NULL, DIV_NONE, "210921", "", "");
	expect(d, "阜新蒙古族", NULL, NULL, NULL, DIV_NONE, "210921", "", "");
	expect(d, "彰武县", NULL, NULL, NULL, DIV_NONE, "210922", "", "");
	expect(d, "彰武", NULL, NULL, NULL, DIV_NONE, "210922", "", "");
	expect(d, "海州", NULL, NULL, NULL, DIV_NONE, "210902", "", "");
	expect(d, "海州县", NULL, NULL, NULL, DIV_NONE, "210902", "", "");
	/* a city is not a county */
	expect(d, "阜新市", NULL, NULL, NULL, DIV_NONE, "", "", "");
	/* 阜彰县 is no rule's short form */
	expect(d, "阜彰县", NULL, NULL, NULL, DIV_NONE, "", "", "");
}

static void
test_full_resolution(void **state)
{
	struct divisions *d = *state;

	expect(d, "阜蒙县", "佛寺镇", "佛寺村委会", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜新县", "佛寺", "佛寺村", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜新蒙古族自治县", "佛寺镇", "查干哈达", NULL, DIV_OK,
	       "210921", "210921103", "210921103201");
}

static void
test_township_suffixes(void **state)
{
	struct divisions *d = *state;

	expect(d, "阜新县", "佛寺", NULL, NULL, DIV_NONE, "210921", "210921103",
	       "");
	expect(d, "阜新县", "佛寺乡", NULL, NULL, DIV_NONE, "210921",
	       "210921103", "");
	expect(d, "海州区", "和平", NULL, NULL, DIV_NONE, "210902", "210902003",
	       "");
	expect(d, "海州区", "和平街道办事处", NULL, NULL, DIV_NONE, "210902",
	       "210902003", "");
	expect(d, "新华区", "革新街", NULL, NULL, DIV_NONE, "130105",
	       "130105001", "");
	/* a township of another county does not count */
	expect(d, "彰武县", "佛寺镇", NULL, NULL, DIV_NONE, "210922", "", "");
}

static void
test_village_suffix_family(void **state)
{
	static const char *const forms[] = {
	    "王家村",           "王家村委会", "王家村村委会", "王家村民委员会",
	    "王家村村民委员会", "王家",       "王家村居委会", NULL};
	struct divisions *d = *state;
	const char *const *f;

	for (f = forms; *f != NULL; f++) {
		expect(d, "阜蒙县", "佛寺镇", *f, NULL, DIV_OK, "210921",
		       "210921103", "210921103902");
		expect(d, "阜新", "佛寺", *f, NULL, DIV_OK, "210921",
		       "210921103", "210921103902");
		/* no township: unique in the county */
		expect(d, "阜蒙县", NULL, *f, NULL, DIV_OK, "210921",
		       "210921103", "210921103902");
	}
	/* 村 alone is never stripped to nothing */
	expect(d, "阜蒙县", "佛寺镇", "村", NULL, DIV_NONE, "210921",
	       "210921103", "");
}

static void
test_cun_inside_name(void **state)
{
	struct divisions *d = *state;

	/* 佛寺镇 has only 新村村委会: 新村 must find it */
	expect(d, "阜蒙县", "佛寺镇", "新村", NULL, DIV_OK, "210921",
	       "210921103", "210921103901");
	expect(d, "阜蒙县", "佛寺镇", "新村村", NULL, DIV_OK, "210921",
	       "210921103", "210921103901");
	/* 东梁镇 has 新村村委会 and 新村委会: 新村 could be either */
	expect(d, "阜蒙县", "东梁镇", "新村", NULL, DIV_AMBIGUOUS, "210921",
	       "210921102", "");
	expect(d, "阜蒙县", "东梁镇", "新", NULL, DIV_AMBIGUOUS, "210921",
	       "210921102", "");
	/* ... but each exact name is its own village */
	expect(d, "阜蒙县", "东梁镇", "新村村委会", NULL, DIV_OK, "210921",
	       "210921102", "210921102901");
	expect(d, "阜蒙县", "东梁镇", "新村委会", NULL, DIV_OK, "210921",
	       "210921102", "210921102902");
	/* no township: three 新村 villages in the county */
	expect(d, "阜蒙县", NULL, "新村", NULL, DIV_AMBIGUOUS, "210921", "",
	       "");
}

static void
test_village_kind_and_notes(void **state)
{
	struct divisions *d = *state;

	/* 村 points at the village, 社区/居委会 at the community */
	expect(d, "阜蒙县", "东梁镇", "东梁村", NULL, DIV_OK, "210921",
	       "210921102", "210921102200");
	expect(d, "阜蒙县", "东梁镇", "东梁村村民委员会", NULL, DIV_OK,
	       "210921", "210921102", "210921102200");
	expect(d, "阜蒙县", "东梁镇", "东梁社区", NULL, DIV_OK, "210921",
	       "210921102", "210921102001");
	expect(d, "阜蒙县", "东梁镇", "东梁居委会", NULL, DIV_OK, "210921",
	       "210921102", "210921102001");
	/* nothing says which */
	expect(d, "阜蒙县", "东梁镇", "东梁", NULL, DIV_AMBIGUOUS, "210921",
	       "210921102", "");
	expect(d, "阜蒙县", "东梁镇", "东梁委员会", NULL, DIV_AMBIGUOUS,
	       "210921", "210921102", "");
	/* notes in parentheses are not typed */
	expect(d, "阜蒙县", "佛寺镇", "胡杖子村", NULL, DIV_OK, "210921",
	       "210921103", "210921103903");
	expect(d, "阜蒙县", "佛寺镇", "胡杖子村委会(四分场)", NULL, DIV_OK,
	       "210921", "210921103", "210921103903");
	expect(d, "阜蒙县", "佛寺镇", "胡杖子", NULL, DIV_OK, "210921",
	       "210921103", "210921103903");
	expect(d, "阜蒙县", "佛寺镇", "(四分场)", NULL, DIV_NONE, "210921",
	       "210921103", "");
}

static void
test_exact_beats_variant(void **state)
{
	struct divisions *d = *state;

	expect(d, "彰武县", "哈尔套镇", "李家村", NULL, DIV_OK, "210922",
	       "210922101", "210922101901");
	expect(d, "彰武县", "哈尔套镇", "李家村委会", NULL, DIV_OK, "210922",
	       "210922101", "210922101902");
	expect(d, "彰武县", "哈尔套镇", "李家", NULL, DIV_AMBIGUOUS, "210922",
	       "210922101", "");
	expect(d, "彰武县", "哈尔套镇", "李家村民委员会", NULL, DIV_AMBIGUOUS,
	       "210922", "210922101", "");
	/* townships: 哈尔套镇 and 哈尔套乡 share the key 哈尔套 */
	expect(d, "彰武县", "哈尔套镇", NULL, NULL, DIV_NONE, "210922",
	       "210922101", "");
	expect(d, "彰武县", "哈尔套乡", NULL, NULL, DIV_NONE, "210922",
	       "210922190", "");
	expect(d, "彰武县", "哈尔套", NULL, NULL, DIV_NONE, "210922", "", "");
	/* the village decides between the two townships */
	expect(d, "彰武县", "哈尔套", "李家村", NULL, DIV_OK, "210922",
	       "210922101", "210922101901");
}

static void
test_same_county_two_provinces(void **state)
{
	struct divisions *d = *state;

	/* the county alone is not unique */
	expect(d, "新华区", NULL, NULL, NULL, DIV_NONE, "", "", "");
	expect(d, "新华区", NULL, "光明社区居委会", NULL, DIV_AMBIGUOUS, "", "",
	       "");
	/* the township tells them apart */
	expect(d, "新华区", "革新街街道", "光明社区", NULL, DIV_OK, "130105",
	       "130105001", "130105001901");
	expect(d, "新华", "光明路", "光明", NULL, DIV_OK, "410402", "410402002",
	       "410402002901");
	/* the village alone can too */
	expect(d, "新华区", NULL, "革新街居委会", NULL, DIV_OK, "130105",
	       "130105001", "130105001015");
	/* so can the scope */
	expect(d, "新华区", NULL, "光明社区居委会", "41", DIV_OK, "410402",
	       "410402002", "410402002901");
	expect(d, "新华区", NULL, NULL, "1301", DIV_NONE, "130105", "", "");
	expect(d, "新华区", NULL, NULL, "130105001", DIV_NONE, "130105", "",
	       "");
	expect(d, "新华区", NULL, NULL, "21", DIV_NONE, "", "", "");
	expect(d, "新华区", NULL, NULL, "x1", DIV_NONE, "", "", "");
}

static void
test_no_county(void **state)
{
	struct divisions *d = *state;

	/* two 佛寺村委会 (阜新县 and 彰武县) */
	expect(d, NULL, NULL, "佛寺村", NULL, DIV_AMBIGUOUS, "", "", "");
	expect(d, NULL, NULL, "佛寺村", "210922", DIV_OK, "210922", "210922100",
	       "210922100901");
	expect(d, "", "佛寺镇", "佛寺", NULL, DIV_OK, "210921", "210921103",
	       "210921103200");
	expect(d, NULL, NULL, "查干哈达村", NULL, DIV_OK, "210921", "210921103",
	       "210921103201");
	expect(d, NULL, NULL, NULL, NULL, DIV_NONE, "", "", "");
	expect(d, "", "", "", "21", DIV_NONE, "", "", "");
}

static void
test_unknown_names(void **state)
{
	struct divisions *d = *state;

	expect(d, "不存在县", NULL, NULL, NULL, DIV_NONE, "", "", "");
	expect(d, "不存在县", "佛寺镇", "佛寺村", NULL, DIV_NONE, "", "", "");
	/* what did resolve is still given */
	expect(d, "阜蒙县", "佛寺镇", "不存在村", NULL, DIV_NONE, "210921",
	       "210921103", "");
	expect(d, "阜蒙县", "不存在镇", "佛寺村", NULL, DIV_NONE, "210921", "",
	       "");
}

static void
test_cache(void **state)
{
	struct divisions *d = *state;
	int i;

	/* same answer from the cache, and scope is part of the cache key */
	for (i = 0; i < 3; i++) {
		expect(d, "新华区", NULL, "光明社区", NULL, DIV_AMBIGUOUS, "",
		       "", "");
		expect(d, "新华区", NULL, "光明社区", "13", DIV_OK, "130105",
		       "130105001", "130105001901");
		expect(d, "新华区", NULL, "光明社区", "41", DIV_OK, "410402",
		       "410402002", "410402002901");
	}
	/* enough distinct keys to grow the table a few times */
	for (i = 0; i < 3000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "无名%d村", i);
		expect(d, "阜蒙县", "佛寺镇", name, NULL, DIV_NONE, "210921",
		       "210921103", "");
	}
	expect(d, "阜蒙县", "佛寺镇", "王家", NULL, DIV_OK, "210921",
	       "210921103", "210921103902");
}

static void
test_check_code(void **state)
{
	struct divisions *d = *state;
	struct div_place p;

	assert_int_equal(divisions_check_code(d, "210921103902", &p), DIV_OK);
	assert_string_equal(p.county, "210921");
	assert_string_equal(p.township, "210921103");
	assert_string_equal(p.village, "210921103902");
	assert_int_equal(divisions_check_code(d, "210921103", &p), DIV_OK);
	assert_string_equal(p.county, "210921");
	assert_string_equal(p.township, "210921103");
	assert_string_equal(p.village, "");
	assert_int_equal(divisions_check_code(d, "210921", &p), DIV_OK);
	assert_string_equal(p.county, "210921");
	assert_string_equal(p.township, "");
	/* a padded county is not a village */
	assert_int_equal(divisions_check_code(d, "210921000000", &p), DIV_NONE);
	assert_string_equal(p.county, "");
	assert_int_equal(divisions_check_code(d, "210921103999", &p), DIV_NONE);
	assert_int_equal(divisions_check_code(d, "2109", &p), DIV_NONE);
	assert_int_equal(divisions_check_code(d, "21092110390", &p), DIV_NONE);
	assert_int_equal(divisions_check_code(d, "21092110390X", &p), DIV_NONE);
	assert_int_equal(divisions_check_code(d, "", &p), DIV_NONE);
	assert_int_equal(divisions_check_code(d, NULL, &p), DIV_NONE);
}

static void
test_name(void **state)
{
	struct divisions *d = *state;
	const char *n;

	assert_string_equal(divisions_name(d, "210921"), "阜新蒙古族自治县");
	assert_string_equal(divisions_name(d, "2109"), "阜新市");
	assert_string_equal(divisions_name(d, "21"), "辽宁省");
	n = divisions_name(d, "210921103902");
	assert_non_null(n);
	assert_string_equal(n, "王家村委会");
	assert_null(divisions_name(d, "999999"));
	assert_null(divisions_name(d, NULL));
}

static void
test_padded_source(void **state)
{
	struct divisions *d = NULL;
	struct div_place p;
	char err[512];

	(void)state;
	assert_int_equal(
	    divisions_open(FIXTURES "/padded.csv", &d, err, sizeof(err)), 0);
	assert_string_equal(divisions_name(d, "210921"), "阜新蒙古族自治县");
	assert_string_equal(divisions_name(d, "210921103"), "佛寺镇");
	assert_string_equal(divisions_name(d, "2109"), "阜新市");
	assert_null(divisions_name(d, "210921000000"));
	/* full-width space and quotes are gone */
	assert_string_equal(divisions_name(d, "210921103202"), "王家村委会");
	assert_null(divisions_name(d, "210921103203")); /* no name */
	expect(d, "阜蒙县", "佛寺镇", "佛寺", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜新县", "佛寺", "王家村", NULL, DIV_OK, "210921",
	       "210921103", "210921103202");
	assert_int_equal(divisions_check_code(d, "210921103201", &p), DIV_OK);
	assert_int_equal(divisions_check_code(d, "210921103", &p), DIV_OK);
	divisions_close(d);
}

static void
test_gb18030_source(void **state)
{
	struct divisions *d = NULL;
	char err[512];

	(void)state;
	assert_int_equal(
	    divisions_open(FIXTURES "/gb18030.tsv.csv", &d, err, sizeof(err)),
	    0);
	assert_string_equal(divisions_name(d, "210921103"), "佛寺镇");
	expect(d, "阜蒙县", "佛寺镇", "查干哈达", NULL, DIV_OK, "210921",
	       "210921103", "210921103201");
	divisions_close(d);
}

static void
test_directory_source(void **state)
{
	struct divisions *d = NULL;
	char err[512];

	(void)state;
	assert_int_equal(
	    divisions_open(FIXTURES "/national", &d, err, sizeof(err)), 0);
	expect(d, "阜蒙县", "佛寺镇", "查干哈达村", NULL, DIV_OK, "210921",
	       "210921103", "210921103201");
	expect(d, "彰武县", "彰武镇", "机务段社区", NULL, DIV_OK, "210922",
	       "210922100", "210922100001");
	expect(d, "彰武", NULL, "机务段", NULL, DIV_OK, "210922", "210922100",
	       "210922100001");
	divisions_close(d);
}

/* Value of KEY in a built database's meta table into BUF ("" if none). */
static void
meta_value(const char *db_path, const char *key, char *buf, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	assert_int_equal(
	    sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT value FROM meta "
	                                    "WHERE key = ?1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* Number of divisions a built database says it holds. */
static int
meta_rows(const char *db_path)
{
	char buf[32];

	meta_value(db_path, "rows", buf, sizeof(buf));
	return buf[0] ? atoi(buf) : -1;
}

static void
test_sqlite_source(void **state)
{
	struct divisions *d = NULL;
	char *db = temp_file(".db", "");
	char err[512], buf[128];

	(void)state;
	unlink(db); /* the build makes it */
	assert_int_equal(
	    divisions_build(FIXTURES "/fuxin.csv", db, err, sizeof(err)), 0);
	assert_int_equal(meta_rows(db), 38);
	meta_value(db, "source", buf, sizeof(buf));
	assert_string_equal(buf, FIXTURES "/fuxin.csv");
	meta_value(db, "sha256", buf, sizeof(buf));
	assert_int_equal(strlen(buf), 64);
	assert_int_equal(divisions_open(db, &d, err, sizeof(err)), 0);
	expect(d, "阜蒙县", "佛寺镇", "王家村村委会", NULL, DIV_OK, "210921",
	       "210921103", "210921103902");
	expect(d, "阜蒙县", "东梁镇", "新村", NULL, DIV_AMBIGUOUS, "210921",
	       "210921102", "");
	divisions_close(d);
	/* building again over the same file replaces its content */
	assert_int_equal(
	    divisions_build(FIXTURES "/national", db, err, sizeof(err)), 0);
	assert_int_equal(meta_rows(db), 7);
	meta_value(db, "sha256", buf, sizeof(buf));
	assert_string_equal(buf, ""); /* several files */
	unlink(db);
	free(db);
}

/* A clone answers as its source does, from a file or from memory, and
 * outlives it. */
static void
test_clone(void **state)
{
	const char *sources[] = {FIXTURES "/fuxin.csv", NULL};
	char *db = temp_file(".db", "");
	char err[512];
	size_t i;

	(void)state;
	unlink(db);
	assert_int_equal(
	    divisions_build(FIXTURES "/fuxin.csv", db, err, sizeof(err)), 0);
	sources[1] = db;
	for (i = 0; i < 2; i++) {
		struct divisions *d = NULL, *c = NULL;

		assert_int_equal(
		    divisions_open(sources[i], &d, err, sizeof(err)), 0);
		expect(d, "阜蒙县", "佛寺镇", "王家村村委会", NULL, DIV_OK,
		       "210921", "210921103", "210921103902");
		assert_int_equal(divisions_clone(d, &c, err, sizeof(err)), 0);
		divisions_close(d);
		expect(c, "阜蒙县", "佛寺镇", "王家村村委会", NULL, DIV_OK,
		       "210921", "210921103", "210921103902");
		expect(c, "阜蒙县", "东梁镇", "新村", NULL, DIV_AMBIGUOUS,
		       "210921", "210921102", "");
		assert_string_equal(divisions_name(c, "210921"),
		                    "阜新蒙古族自治县");
		divisions_close(c);
	}
	unlink(db);
	free(db);
}

static void
test_alias_rule_and_file(void **state)
{
	struct divisions *d = NULL;
	char *csv = temp_file(".csv", "代码,名称\n"
	                              "210921,阜新蒙古族自治县\n"
	                              "211324,喀喇沁左翼蒙古族自治县\n"
	                              "220623,长白朝鲜族自治县\n"
	                              "650521,巴里坤哈萨克自治县\n"
	                              "219999,阜新县\n");
	char *aliases = temp_file(".tsv", "# irregular\n"
	                                  "喀左县\t211324\n"
	                                  "不在表里\t999999\n"
	                                  "no tab here\n");
	char *db = temp_file(".db", "");
	char err[512];

	(void)state;
	unlink(db);
	assert_int_equal(
	    divisions_build_aliases(csv, db, aliases, err, sizeof(err)), 0);
	assert_int_equal(divisions_open(db, &d, err, sizeof(err)), 0);
	/* an exact county name beats the short form of another */
	expect(d, "阜新县", NULL, NULL, NULL, DIV_NONE, "219999", "", "");
	expect(d, "阜蒙县", NULL, NULL, NULL, DIV_NONE, "210921", "", "");
	/* 阜新 is both a short form of 210921 and the key of 阜新县 */
	expect(d, "阜新", NULL, NULL, NULL, DIV_NONE, "", "", "");
	expect(d, "喀左县", NULL, NULL, NULL, DIV_NONE, "211324", "", "");
	expect(d, "喀喇沁左翼县", NULL, NULL, NULL, DIV_NONE, "211324", "", "");
	expect(d, "喀蒙县", NULL, NULL, NULL, DIV_NONE, "211324", "", "");
	/* 长白, not 长 + 白族 */
	expect(d, "长白县", NULL, NULL, NULL, DIV_NONE, "220623", "", "");
	expect(d, "长朝县", NULL, NULL, NULL, DIV_NONE, "220623", "", "");
	expect(d, "长县", NULL, NULL, NULL, DIV_NONE, "", "", "");
	/* an ethnic name without 族 */
	expect(d, "巴里坤县", NULL, NULL, NULL, DIV_NONE, "650521", "", "");
	expect(d, "不在表里", NULL, NULL, NULL, DIV_NONE, "", "", "");
	divisions_close(d);
	unlink(db);
	unlink(csv);
	unlink(aliases);
	free(db);
	free(csv);
	free(aliases);
}

static void
test_open_errors(void **state)
{
	struct divisions *d = NULL;
	char *nohdr = temp_file(".csv", "a,b\n1,2\n");
	char *notdiv = temp_file(".db", "");
	char dir[] = "/tmp/anju-div-dir-XXXXXX";
	char err[512];
	sqlite3 *db;

	(void)state;
	assert_int_equal(
	    divisions_open("/nonexistent/divisions.csv", &d, err, sizeof(err)),
	    ANJU_EXIT_NOINPUT);
	assert_null(d);
	assert_non_null(strstr(err, "/nonexistent/divisions.csv"));
	assert_int_equal(divisions_open(nohdr, &d, err, sizeof(err)),
	                 ANJU_EXIT_DATAERR);
	assert_non_null(strstr(err, "no header"));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(divisions_open(dir, &d, err, sizeof(err)),
	                 ANJU_EXIT_DATAERR);
	rmdir(dir);
	/* an SQLite file that is not a division table */
	assert_int_equal(sqlite3_open(notdiv, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(divisions_open(notdiv, &d, err, sizeof(err)),
	                 ANJU_EXIT_DATAERR);
	assert_non_null(strstr(err, "not an anju division table"));
	assert_null(d);
	/* a division table of another format */
	assert_int_equal(sqlite3_open(notdiv, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
	                 "CREATE TABLE divisions (code, name, level, "
	                 "parent, name_key);"
	                 "CREATE TABLE county_alias (alias, code);"
	                 "CREATE TABLE meta (key, value);"
	                 "INSERT INTO meta VALUES ('format', 'old');",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(divisions_open(notdiv, &d, err, sizeof(err)),
	                 ANJU_EXIT_DATAERR);
	assert_non_null(strstr(err, "another format"));
	assert_null(d);
	assert_int_equal(
	    divisions_build("/nonexistent", "/tmp/x.db", err, sizeof(err)),
	    ANJU_EXIT_NOINPUT);
	unlink(nohdr);
	unlink(notdiv);
	free(nohdr);
	free(notdiv);
}

/*
 * The shipped national table: in ANJU_DATADIR (make unit sets it), else
 * in the default build trees. NULL when the build has not made it.
 */
static const char *
shipped_table(char *buf, size_t len)
{
	static const char *const trees[] = {
	    "build/share/anju/divisions.db",
	    "build/asan/share/anju/divisions.db", NULL};
	const char *const *t;

	snprintf(buf, len, "%s/divisions.db", anju_datadir());
	if (access(buf, R_OK) == 0)
		return buf;
	for (t = trees; *t != NULL; t++)
		if (access(*t, R_OK) == 0)
			return *t;
	return NULL;
}

static void
test_shipped_table(void **state)
{
	char path[4096], err[512];
	struct divisions *d = NULL;
	const char *db = shipped_table(path, sizeof(path));

	(void)state;
	if (db == NULL)
		skip();
	assert_int_equal(divisions_open(db, &d, err, sizeof(err)), 0);
	expect(d, "阜蒙县", "佛寺镇", "佛寺村", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜新县", "佛寺", "查干哈达村村委会", NULL, DIV_OK, "210921",
	       "210921103", "210921103201");
	expect(d, "阜新蒙古族自治县", NULL, "团山子", NULL, DIV_OK, "210921",
	       "210921103", "210921103203");
	expect(d, "喀左县", NULL, NULL, NULL, DIV_NONE, "211324", "", "");
	expect(d, "新华区", NULL, NULL, NULL, DIV_NONE, "", "", "");
	/* A village alone is looked for in the whole country: 佛寺村
	 * (湖南华容县) is spelled exactly, 佛寺村委会 (阜新县) and 佛寺村民
	 * 委员会 (安徽) are variants of the same name: several, never the
	 * one spelled exactly. */
	expect(d, NULL, NULL, "佛寺村", NULL, DIV_AMBIGUOUS, "", "", "");
	expect(d, NULL, NULL, "水泉村", NULL, DIV_AMBIGUOUS, "", "", "");
	/* 阿尔乡 for 阿尔乡镇, 二道河子乡 for 二道河子蒙古族乡, a group
	 * number after the village, a county without its 族 */
	expect(d, "彰武县", "阿尔乡", "阿尔乡村委会", NULL, DIV_OK, "210922",
	       "210922107", "210922107200");
	expect(d, "彰武县", "二道河子乡", "二道河子村", NULL, DIV_OK, "210922",
	       "210922202", "210922202200");
	expect(d, "阜蒙县", "佛寺镇", "佛寺村三组", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜蒙县", "佛寺镇", "佛寺村12组", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜新蒙古自治县", "佛寺镇", "佛寺村", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	expect(d, "阜蒙", "佛寺镇", "佛寺村", NULL, DIV_OK, "210921",
	       "210921103", "210921103200");
	assert_string_equal(divisions_name(d, "210921103200"), "佛寺村委会");
	divisions_close(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_county_forms, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_full_resolution, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_township_suffixes, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_village_suffix_family,
	                                    open_fuxin, close_table),
	    cmocka_unit_test_setup_teardown(test_cun_inside_name, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_village_kind_and_notes,
	                                    open_fuxin, close_table),
	    cmocka_unit_test_setup_teardown(test_exact_beats_variant,
	                                    open_fuxin, close_table),
	    cmocka_unit_test_setup_teardown(test_same_county_two_provinces,
	                                    open_fuxin, close_table),
	    cmocka_unit_test_setup_teardown(test_no_county, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_unknown_names, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_cache, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_check_code, open_fuxin,
	                                    close_table),
	    cmocka_unit_test_setup_teardown(test_name, open_fuxin, close_table),
	    cmocka_unit_test(test_padded_source),
	    cmocka_unit_test(test_gb18030_source),
	    cmocka_unit_test(test_directory_source),
	    cmocka_unit_test(test_sqlite_source),
	    cmocka_unit_test(test_clone),
	    cmocka_unit_test(test_alias_rule_and_file),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_shipped_table),
	};

	anju_set_progname("test_divisions");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
