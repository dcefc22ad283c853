/* test_diff.c - anju-diff: finding identities, new/resolved/persisting,
 * first_seen carried across runs, days_open. Workspaces are built with
 * SQL inserts in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../stages/diff/diff.h"
#include "anju.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct finding {
	const char *code, *county, *household_id, *record_id, *head_id, *source;
};

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/anju-test-diff-XXXXXX");
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

/* Path of run NAME's workspace, its folder created. */
static const char *
run_db(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
	mkdir(buf, 0777);
	snprintf(buf, len, "%s/%s/anju.db", tmpdir, name);
	return buf;
}

/* Create workspace PATH holding findings F[0..N). */
static void
make_workspace(const char *path, const struct finding *f, size_t n,
               const char *as_of)
{
	char err[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	size_t i;

	assert_int_equal(db_open(path, &db, err, sizeof(err)), 0);
	st = db_prepare(db,
	                "INSERT INTO findings (stage, code, severity, "
	                "county_code, township_code, village_code, "
	                "household_id, record_id, head_id, head_name, detail, "
	                "source) VALUES ('match', ?1, 'high', ?2, ?2 || '100', "
	                "?2 || '100201', ?3, ?4, ?5, '王小明', 'detail', ?6)");
	assert_non_null(st);
	for (i = 0; i < n; i++) {
		db_bind_text(st, 1, f[i].code, 1);
		db_bind_text(st, 2, f[i].county, 1);
		db_bind_text(st, 3, f[i].household_id, 1);
		db_bind_text(st, 4, f[i].record_id, 1);
		db_bind_text(st, 5, f[i].head_id, 1);
		db_bind_text(st, 6, f[i].source, 1);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (as_of != NULL)
		assert_int_equal(db_set_info(db, "as_of", as_of), 0);
	sqlite3_close(db);
}

/* change, first_seen and days_open of identity FID in workspace PATH;
 * CHANGE is "" when the identity is absent. */
static void
lookup(const char *path, const char *fid, char *change, char *first_seen,
       long *days)
{
	char err[256];
	sqlite3 *db;
	sqlite3_stmt *st;

	change[0] = first_seen[0] = '\0';
	*days = -1;
	assert_int_equal(db_open(path, &db, err, sizeof(err)), 0);
	st = db_prepare(db, "SELECT change, first_seen, days_open FROM "
	                    "finding_changes WHERE finding_id = ?");
	assert_non_null(st);
	sqlite3_bind_text(st, 1, fid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		strcpy(change, (const char *)sqlite3_column_text(st, 0));
		strcpy(first_seen, (const char *)sqlite3_column_text(st, 1));
		*days = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static long
count_rows(const char *path, const char *sql)
{
	char err[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	long n = -1;

	assert_int_equal(db_open(path, &db, err, sizeof(err)), 0);
	st = db_prepare(db, sql);
	assert_non_null(st);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static int
diff(const char *db, const char *previous, const char *as_of)
{
	struct diff_options o = {db, previous, NULL, as_of};

	return diff_run(&o);
}

/* The identity of a finding: household first, then head ID, then the
 * record within its township. */
static void
test_finding_key(void **state)
{
	static const struct finding f[] = {
	    {"M01", "210921", "H1", "R1", "210921196508120013", "a:1"},
	    {"M02", "210921", NULL, "R2", "210921196508120099", "b:2"},
	    {"D07", "210921", NULL, "R3", NULL, "b:3"},
	    {"D07", "210921", "", "", "", "b:4"},
	    /* two people whose IDs Excel cut to the same leading digits */
	    {"D03", "210904", NULL, "R5", "210904", "c:8"},
	    {"D03", "210904", NULL, "R6", "210904", "c:339"},
	    /* no 档案编号: the record is known by FILE:LINE */
	    {"D03", "210904", NULL, "c:27", "210904", "c:27"},
	    {"D03", "210904", NULL, "c:101", "210904", "c:101"},
	};
	char path[256], change[16], seen[16];
	long days;

	(void)state;
	make_workspace(run_db("k", path, sizeof(path)), f, 8, NULL);
	assert_int_equal(diff(path, NULL, "2020-12-31"), 0);
	lookup(path, "M01|h|H1", change, seen, &days);
	assert_string_equal(change, "new");
	lookup(path, "M02|i|210921196508120099", change, seen, &days);
	assert_string_equal(change, "new");
	lookup(path, "D07|r|210921100|R3", change, seen, &days);
	assert_string_equal(change, "new");
	lookup(path, "D07|n|210921100201|王小明||1", change, seen, &days);
	assert_string_equal(change, "new");
	assert_string_equal(seen, "2020-12-31");
	assert_int_equal(days, 0);
	lookup(path, "D03|n|210904100201|王小明|210904|1", change, seen, &days);
	assert_string_equal(change, "new");
	lookup(path, "D03|r|210904100|R5", change, seen, &days);
	assert_string_equal(change, "new");
	lookup(path, "D03|r|210904100|R6", change, seen, &days);
	assert_string_equal(change, "new");
	/* a second record of the same name and cut ID in the village, later
	 * in the file (line 101 after line 27, not before as text): another
	 * problem, not the same one */
	lookup(path, "D03|n|210904100201|王小明|210904|2", change, seen, &days);
	assert_string_equal(change, "new");
	assert_int_equal(
	    count_rows(path, "SELECT count(*) FROM finding_changes"), 8);
}

/* A record without 档案编号 is known by FILE:LINE; the file re-sent under
 * a new name, or a row deleted above it, is still the same problem. */
static void
test_resent_file_persists(void **state)
{
	static const struct finding run1[] = {
	    {"D03", "210904", NULL, "platform_210904.csv:27", "210904",
	     "platform_210904.csv:27"},
	};
	static const struct finding run2[] = {
	    {"D03", "210904", NULL, "platform_210904_修改版.csv:26", "210904",
	     "platform_210904_修改版.csv:26"},
	};
	char p1[256], p2[256], dir1[256], change[16], seen[16];
	long days;

	(void)state;
	make_workspace(run_db("resent1", p1, sizeof(p1)), run1, 1, NULL);
	make_workspace(run_db("resent2", p2, sizeof(p2)), run2, 1, NULL);
	assert_int_equal(diff(p1, NULL, "2020-11-01"), 0);
	snprintf(dir1, sizeof(dir1), "%s/resent1", tmpdir);
	assert_int_equal(diff(p2, dir1, "2020-11-03"), 0);
	lookup(p2, "D03|n|210904100201|王小明|210904|1", change, seen, &days);
	assert_string_equal(change, "persisting");
	assert_string_equal(seen, "2020-11-01");
	assert_int_equal(days, 2);
	assert_int_equal(count_rows(p2, "SELECT count(*) FROM finding_changes "
	                                "WHERE change <> 'persisting'"),
	                 0);
}

/* First run: everything new, first_seen = as-of, history stored. */
static void
test_first_run_all_new(void **state)
{
	static const struct finding f[] = {
	    {"M01", "210921", "H1", NULL, "210921196508120013", "a:1"},
	    {"V01", "210922", "H2", "R2", "", "b:2"},
	};
	char path[256];

	(void)state;
	make_workspace(run_db("first", path, sizeof(path)), f, 2, "2020-12-01");
	assert_int_equal(diff(path, NULL, NULL), 0);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM "
	                                  "finding_changes WHERE change = "
	                                  "'new' AND first_seen = "
	                                  "'2020-12-01'"),
	                 2);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM "
	                                  "finding_history"),
	                 2);
}

/* Several findings of one identity in a run are one problem. */
static void
test_same_identity_collapses(void **state)
{
	static const struct finding f[] = {
	    {"V08", "210921", "H1", "R1", "", "a:1"},
	    {"V08", "210921", "H1", "R9", "", "a:9"},
	};
	char path[256];

	(void)state;
	make_workspace(run_db("dup", path, sizeof(path)), f, 2, NULL);
	assert_int_equal(diff(path, NULL, "2020-12-31"), 0);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM "
	                                  "finding_changes"),
	                 1);
}

/* Three runs: first_seen is carried from run 1 to run 3; resolved and
 * new are told apart; a record-alone finding whose record moved file and
 * line is the same identity (keyed by head ID). */
static void
test_three_runs(void **state)
{
	static const struct finding run1[] = {
	    {"M01", "210921", "H1", NULL, "210921196508120013", "r:1"},
	    {"V01", "210921", "H2", NULL, "", "p:2"},
	    {"M02", "210922", NULL, "R7", "210921196508120099", "p:7"},
	};
	static const struct finding run2[] = {
	    {"M01", "210921", "H1", NULL, "210921196508120013", "r:1"},
	    {"M02", "210922", NULL, "R8", "210921196508120099", "q:3"},
	    {"V04", "210922", "H3", "R3", "", "p:3"},
	};
	static const struct finding run3[] = {
	    {"M01", "210921", "H1", NULL, "210921196508120013", "r:2"},
	    {"V01", "210921", "H2", NULL, "", "p:2"},
	};
	char p1[256], p2[256], p3[256], dir1[256], change[16], seen[16];
	long days;

	(void)state;
	make_workspace(run_db("r1", p1, sizeof(p1)), run1, 3, NULL);
	make_workspace(run_db("r2", p2, sizeof(p2)), run2, 3, NULL);
	make_workspace(run_db("r3", p3, sizeof(p3)), run3, 2, NULL);
	snprintf(dir1, sizeof(dir1), "%s/r1", tmpdir);
	assert_int_equal(diff(p1, NULL, "2020-12-01"), 0);
	/* a run folder and a .db path are both accepted */
	assert_int_equal(diff(p2, dir1, "2020-12-10"), 0);
	assert_int_equal(diff(p3, p2, "2020-12-20"), 0);

	lookup(p2, "M01|h|H1", change, seen, &days);
	assert_string_equal(change, "persisting");
	assert_string_equal(seen, "2020-12-01");
	assert_int_equal(days, 9);
	lookup(p2, "M02|i|210921196508120099", change, seen, &days);
	assert_string_equal(change, "persisting");
	lookup(p2, "V01|h|H2", change, seen, &days);
	assert_string_equal(change, "resolved");
	assert_int_equal(days, 9);
	lookup(p2, "V04|h|H3", change, seen, &days);
	assert_string_equal(change, "new");
	assert_string_equal(seen, "2020-12-10");

	lookup(p3, "M01|h|H1", change, seen, &days);
	assert_string_equal(change, "persisting");
	assert_string_equal(seen, "2020-12-01");
	assert_int_equal(days, 19);
	/* V01 came back after being fixed: a new problem, a new clock */
	lookup(p3, "V01|h|H2", change, seen, &days);
	assert_string_equal(change, "new");
	assert_string_equal(seen, "2020-12-20");
	assert_int_equal(days, 0);
	lookup(p3, "V04|h|H3", change, seen, &days);
	assert_string_equal(change, "resolved");
	assert_string_equal(seen, "2020-12-10");
	assert_int_equal(days, 10);
	lookup(p3, "M02|i|210921196508120099", change, seen, &days);
	assert_string_equal(change, "resolved");
	assert_string_equal(seen, "2020-12-01");
	assert_int_equal(count_rows(p3, "SELECT count(*) FROM "
	                                "finding_history"),
	                 2);
}

/* A previous run that never ran anju-diff: its as-of is first_seen. */
static void
test_previous_without_history(void **state)
{
	static const struct finding f[] = {
	    {"M06", "210921", "H5", NULL, "", "r:5"},
	};
	char p1[256], p2[256], change[16], seen[16];
	long days;

	(void)state;
	make_workspace(run_db("nohist1", p1, sizeof(p1)), f, 1, "2020-11-01");
	make_workspace(run_db("nohist2", p2, sizeof(p2)), f, 1, "2020-11-30");
	assert_int_equal(diff(p2, p1, NULL), 0);
	lookup(p2, "M06|h|H5", change, seen, &days);
	assert_string_equal(change, "persisting");
	assert_string_equal(seen, "2020-11-01");
	assert_int_equal(days, 29);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Same data, same bytes; the CSV has the SPEC 7 columns. */
static void
test_csv_stable(void **state)
{
	static const struct finding f[] = {
	    {"V01", "210922", "H9", NULL, "", "b:2"},
	    {"M01", "210921", "H1", NULL, "210921196508120013", "a:1"},
	    {"M02", "210921", NULL, "=cmd|x", "210921196508120099", "c:1"},
	};
	char path[256], csv[300], *a, *b;

	(void)state;
	make_workspace(run_db("stable", path, sizeof(path)), f, 3, NULL);
	snprintf(csv, sizeof(csv), "%s/stable/diff.csv", tmpdir);
	assert_int_equal(diff(path, NULL, "2020-12-31"), 0);
	a = slurp(csv);
	assert_int_equal(diff(path, NULL, "2020-12-31"), 0);
	b = slurp(csv);
	assert_string_equal(a, b);
	assert_true(strncmp(a,
	                    "change,code,severity,county_code,township_code,"
	                    "village_code,household_id,record_id,head_id,"
	                    "head_name,detail,source,first_seen,days_open\n",
	                    112) == 0);
	/* county 210921 sorts first, its M02 (no household) before M01 */
	assert_non_null(strstr(a, "\nnew,M02,"));
	assert_true(strstr(a, "\nnew,M02,") < strstr(a, "\nnew,M01,"));
	assert_true(strstr(a, "\nnew,M01,") < strstr(a, "\nnew,V01,"));
	/* a formula-looking record id comes out inert */
	assert_non_null(strstr(a, ",'=cmd|x,"));
	free(a);
	free(b);
}

static void
test_bad_previous(void **state)
{
	static const struct finding f[] = {
	    {"M01", "210921", "H1", NULL, "", "a:1"},
	};
	char path[256], junk[256], empty_dir[256];
	FILE *fp;

	(void)state;
	make_workspace(run_db("bad", path, sizeof(path)), f, 1, NULL);
	snprintf(junk, sizeof(junk), "%s/junk.db", tmpdir);
	fp = fopen(junk, "w");
	assert_non_null(fp);
	fputs("not a database, just text that is long enough to be read "
	      "as a header by SQLite, which wants at least a hundred bytes "
	      "before it gives up on it\n",
	      fp);
	fclose(fp);
	snprintf(empty_dir, sizeof(empty_dir), "%s/emptyrun", tmpdir);
	mkdir(empty_dir, 0777);
	assert_int_equal(diff(path, "/nonexistent/run", "2020-12-31"),
	                 ANJU_EXIT_NOINPUT);
	assert_int_equal(diff(path, empty_dir, "2020-12-31"),
	                 ANJU_EXIT_NOINPUT);
	assert_int_equal(diff(path, junk, "2020-12-31"), ANJU_EXIT_DATAERR);
	assert_int_equal(diff(path, path, "2020-12-31"), ANJU_EXIT_USAGE);
	assert_int_equal(diff(path, NULL, "2020-02-30"), ANJU_EXIT_USAGE);
	assert_int_equal(diff(path, NULL, "2020/12/31"), ANJU_EXIT_USAGE);
	snprintf(junk, sizeof(junk), "%s/missing.db", tmpdir);
	assert_int_equal(diff(junk, NULL, "2020-12-31"), ANJU_EXIT_NOINPUT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finding_key),
	    cmocka_unit_test(test_resent_file_persists),
	    cmocka_unit_test(test_first_run_all_new),
	    cmocka_unit_test(test_same_identity_collapses),
	    cmocka_unit_test(test_three_runs),
	    cmocka_unit_test(test_previous_without_history),
	    cmocka_unit_test(test_csv_stable),
	    cmocka_unit_test(test_bad_previous),
	};

	anju_set_progname("test_diff");
	return cmocka_run_group_tests(tests, setup, teardown);
}
