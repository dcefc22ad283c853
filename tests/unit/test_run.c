/*
 * test_run.c - anju-run's pure parts (run names, pruning, inbox choice)
 * and its file-system helpers (lock, leftovers, latest, manifest) on a
 * scratch folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dates.h"

#include <jansson.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../pipeline/run.h"
#include "anju.h"
#include "db.h"

/* snprintf into an array, failing the test if it did not fit. */
#define PRINT(buf, ...)                                                        \
	assert_true(snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))

static void
test_date_ok(void **state)
{
	(void)state;
	assert_true(date_is_iso("2020-11-01"));
	assert_true(date_is_iso("2020-02-29")); /* leap year */
	assert_true(date_is_iso("2000-02-29"));
	assert_false(date_is_iso("1900-02-29"));
	assert_false(date_is_iso("2021-02-29"));
	assert_false(date_is_iso("2020-02-30"));
	assert_false(date_is_iso("2020-13-01"));
	assert_false(date_is_iso("2020-00-10"));
	assert_false(date_is_iso("2020-1-01"));
	assert_false(date_is_iso("2020/11/01"));
	assert_false(date_is_iso("2020-11-01x"));
	assert_false(date_is_iso("20201101"));
	assert_false(date_is_iso(""));
	assert_false(date_is_iso(NULL));
	assert_false(date_is_iso("+020-11-01"));
}

static void
test_dir_is_dated(void **state)
{
	unsigned seq = 0;

	(void)state;
	assert_true(run_dir_is_dated("2020-11-01", &seq));
	assert_int_equal(seq, 1);
	assert_true(run_dir_is_dated("2020-11-01-2", &seq));
	assert_int_equal(seq, 2);
	assert_true(run_dir_is_dated("2020-11-01-17", &seq));
	assert_int_equal(seq, 17);
	assert_true(run_dir_is_dated("2020-11-01", NULL));
	/* -1 is never written, -0 and leading zeros are not ours. */
	assert_false(run_dir_is_dated("2020-11-01-1", &seq));
	assert_false(run_dir_is_dated("2020-11-01-0", &seq));
	assert_false(run_dir_is_dated("2020-11-01-02", &seq));
	assert_false(run_dir_is_dated("2020-02-30", &seq));
	assert_false(run_dir_is_dated("latest", &seq));
	assert_false(run_dir_is_dated(".tmp-2020-11-01", &seq));
	assert_false(run_dir_is_dated(".lock", &seq));
	assert_false(run_dir_is_dated("2020-11-01-2x", &seq));
	assert_false(run_dir_is_dated("2020-11-01 ", &seq));
	assert_false(run_dir_is_dated("", &seq));
}

static void
test_dir_name(void **state)
{
	char out[32];
	char *none[] = {NULL};
	char *one[] = {"latest", ".lock", "2020-10-31", "2020-11-01"};
	char *two[] = {"2020-11-01-2", "2020-11-01"};
	char *gap[] = {"2020-11-01-3"};
	char *other[] = {"2020-11-01x", "2020-11-011", ".tmp-2020-11-01"};
	char *tenth[] = {"2020-11-01", "2020-11-01-9", "2020-11-01-10"};

	(void)state;
	assert_int_equal(run_dir_name("2020-11-01", none, 0, out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2020-11-01");
	assert_int_equal(run_dir_name("2020-11-01", one, 4, out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2020-11-01-2");
	run_dir_name("2020-11-01", two, 2, out, sizeof(out));
	assert_string_equal(out, "2020-11-01-3");
	/* After the highest taken, even when the plain name was pruned. */
	run_dir_name("2020-11-01", gap, 1, out, sizeof(out));
	assert_string_equal(out, "2020-11-01-4");
	run_dir_name("2020-11-01", other, 3, out, sizeof(out));
	assert_string_equal(out, "2020-11-01");
	run_dir_name("2020-11-01", tenth, 3, out, sizeof(out));
	assert_string_equal(out, "2020-11-01-11");
	run_dir_name("2020-11-02", one, 4, out, sizeof(out));
	assert_string_equal(out, "2020-11-02");
	assert_int_equal(run_dir_name("2020-11-01", one, 4, out, 11), -1);
}

/* Sorted names of the victims, joined by spaces, into BUF. */
static const char *
victims_of(char **names, size_t n, size_t keep, const char *protect, char *buf,
           size_t len)
{
	size_t v[16], nv = run_prune_choose(names, n, keep, protect, v);

	buf[0] = '\0';
	for (size_t i = 0; i < nv; i++) {
		if (i > 0)
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, names[v[i]], len - strlen(buf) - 1);
	}
	return buf;
}

static void
test_prune_choose(void **state)
{
	char *names[] = {
	    "2020-11-03", "latest",   ".lock", "2020-10-30",    "2020-11-01-2",
	    "2020-11-01", ".tmp-abc", "notes", "2020-11-01-10", "2019-12-31-3"};
	size_t n = sizeof(names) / sizeof(*names);
	char buf[256];

	(void)state;
	/* Newest first: 11-03, 11-01-10, 11-01-2, 11-01, 10-30, 2019 */
	assert_string_equal(victims_of(names, n, 3, NULL, buf, sizeof(buf)),
	                    "2020-11-01 2020-10-30 2019-12-31-3");
	assert_string_equal(victims_of(names, n, 1, NULL, buf, sizeof(buf)),
	                    "2020-11-01-10 2020-11-01-2 2020-11-01 "
	                    "2020-10-30 2019-12-31-3");
	assert_string_equal(victims_of(names, n, 6, NULL, buf, sizeof(buf)),
	                    "");
	assert_string_equal(victims_of(names, n, 30, NULL, buf, sizeof(buf)),
	                    "");
	/* The run latest points to is never pruned. */
	assert_string_equal(
	    victims_of(names, n, 4, "2020-10-30", buf, sizeof(buf)),
	    "2019-12-31-3");
	assert_string_equal(victims_of(names, 0, 1, NULL, buf, sizeof(buf)),
	                    "");
}

static enum inbox_kind
classify(const char *name, const char *want_series)
{
	char series[256];
	enum inbox_kind k = inbox_classify(name, series, sizeof(series));

	if (want_series != NULL)
		assert_string_equal(series, want_series);
	return k;
}

static void
test_inbox_classify(void **state)
{
	(void)state;
	assert_int_equal(classify("platform_210921.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("Platform_210921_20201102.CSV", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform-210921-2020-11-02.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921 (1).csv", "210921"),
	                 INBOX_PLATFORM);
	/* re-sends as counties name them: one series */
	assert_int_equal(classify("platform_210921_修改版.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_修订版.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_更新版.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_第二版.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_第3版.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_v2.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921 copy 2.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_最终版-2.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_修改20210119.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(
	    classify("platform_210921_2021年1月10日.csv", "210921"),
	    INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_2021.1.9.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921（修改后）.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921_final.csv", "210921"),
	                 INBOX_PLATFORM);
	/* 建档立卡 starts all three; the words after it decide */
	assert_int_equal(classify("建档立卡贫困户花名册.csv", NULL),
	                 INBOX_ROSTER);
	assert_int_equal(classify("建档立卡贫困户家庭成员.csv", NULL),
	                 INBOX_MEMBERS);
	assert_int_equal(classify("建档立卡户危房改造档案.csv", NULL),
	                 INBOX_PLATFORM);
	/* a bare number is a part, not a version */
	assert_int_equal(classify("platform_1.csv", "1"), INBOX_PLATFORM);
	assert_int_equal(classify("platform_2.csv", "2"), INBOX_PLATFORM);
	assert_int_equal(classify("platform_210921 - 副本.csv", "210921"),
	                 INBOX_PLATFORM);
	assert_int_equal(
	    classify("platform_210921_20201102_083015.tsv", "210921"),
	    INBOX_PLATFORM);
	/* Codes are not dates: a village code stays whole. */
	assert_int_equal(classify("platform_210921100200.csv", "210921100200"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("platform.csv", ""), INBOX_PLATFORM);
	assert_int_equal(classify("危房改造_阜新县.csv", "改造阜新县"),
	                 INBOX_PLATFORM);
	assert_int_equal(classify("农户档案.txt", ""), INBOX_PLATFORM);
	assert_int_equal(classify("roster_210921.csv", "210921"), INBOX_ROSTER);
	assert_int_equal(classify("ROSTER.csv", ""), INBOX_ROSTER);
	assert_int_equal(classify("花名册_彰武县_2020.11.02.csv", "彰武县"),
	                 INBOX_ROSTER);
	assert_int_equal(classify("members.csv", ""), INBOX_MEMBERS);
	assert_int_equal(classify("家庭成员（2）.csv", ""), INBOX_MEMBERS);
	/* A name in GBK bytes (阜新) is still recognised by its prefix. */
	assert_int_equal(
	    classify("platform_\xb8\xb7\xd0\xc2.csv", "\xb8\xb7\xd0\xc2"),
	    INBOX_PLATFORM);
	assert_int_equal(classify("~$platform.csv", ""), INBOX_NONE);
	assert_int_equal(classify(".platform.csv", ""), INBOX_NONE);
	assert_int_equal(classify("platform.xlsx", ""), INBOX_NONE);
	assert_int_equal(classify("platform.csv.part", ""), INBOX_NONE);
	assert_int_equal(classify("notes.txt", ""), INBOX_NONE);
	assert_int_equal(classify("my_platform.csv", ""), INBOX_NONE);
	assert_string_equal(inbox_kind_name(INBOX_MEMBERS), "members");
}

#define E(file, sec, nsec)                                                     \
	{                                                                      \
		.name = (file), .mtime = {(sec), (nsec)}, .by_header = 0       \
	}

static void
free_lists(struct run_list chosen[INBOX_KINDS], struct run_list *a,
           struct run_list *b)
{
	for (int k = 0; k < INBOX_KINDS; k++)
		run_list_free(&chosen[k]);
	run_list_free(a);
	run_list_free(b);
}

static void
test_inbox_select(void **state)
{
	const struct inbox_entry e[] = {
	    E("platform_210922.csv", 100, 0),
	    E("platform_210921.csv", 100, 0),
	    /* the county sent its file again: newer time wins */
	    E("platform_210921_20201102.csv", 200, 0),
	    E("roster_210921.csv", 300, 5),
	    /* same second, later nanosecond */
	    E("roster_210921 (1).csv", 300, 6),
	    /* equal times: the later name */
	    E("members_b.csv", 50, 0),
	    E("members_b_20201101.csv", 50, 0),
	    E("readme.txt", 999, 0),
	    /* an older file sent late is still the newest arrival */
	    E("roster_210922_20200101.csv", 400, 0),
	    E("roster_210922_20201101.csv", 350, 0),
	};
	struct run_list chosen[INBOX_KINDS] = {{0}}, superseded = {0},
	                ignored = {0};

	(void)state;
	assert_int_equal(inbox_select(e, sizeof(e) / sizeof(*e), chosen,
	                              &superseded, &ignored),
	                 0);
	assert_int_equal(chosen[INBOX_PLATFORM].n, 2);
	assert_string_equal(chosen[INBOX_PLATFORM].v[0],
	                    "platform_210921_20201102.csv");
	assert_string_equal(chosen[INBOX_PLATFORM].v[1], "platform_210922.csv");
	assert_int_equal(chosen[INBOX_ROSTER].n, 2);
	assert_string_equal(chosen[INBOX_ROSTER].v[0], "roster_210921 (1).csv");
	assert_string_equal(chosen[INBOX_ROSTER].v[1],
	                    "roster_210922_20200101.csv");
	assert_int_equal(chosen[INBOX_MEMBERS].n, 1);
	assert_string_equal(chosen[INBOX_MEMBERS].v[0],
	                    "members_b_20201101.csv");
	assert_int_equal(superseded.n, 4);
	assert_int_equal(ignored.n, 1);
	assert_string_equal(ignored.v[0], "readme.txt");
	free_lists(chosen, &superseded, &ignored);

	/* Nothing at all: nothing chosen, no error. */
	assert_int_equal(inbox_select(e, 0, chosen, NULL, NULL), 0);
	assert_int_equal(chosen[INBOX_PLATFORM].n, 0);
	/* NULL lists are allowed for what is not wanted. */
	assert_int_equal(inbox_select(e, 3, chosen, NULL, NULL), 0);
	assert_int_equal(chosen[INBOX_PLATFORM].n, 2);
	free_lists(chosen, &superseded, &ignored);
}

/* A scratch folder per test, removed afterwards. */
static int
make_scratch(void **state)
{
	char *dir = strdup("/tmp/anju-test-run.XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
remove_scratch(void **state)
{
	run_remove_tree(*state);
	free(*state);
	return 0;
}

static void
touch(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	PRINT(path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("x\n", f);
	fclose(f);
}

static bool
exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	PRINT(path, "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

static void
test_lock(void **state)
{
	const char *dir = *state;
	int a = -1, b = -1;
	char buf[32] = "", path[512];
	FILE *f;

	assert_int_equal(run_lock(dir, &a), 0);
	/* A second open file description conflicts even in one process. */
	assert_int_equal(run_lock(dir, &b), ANJU_EXIT_TEMPFAIL);
	assert_int_equal(b, -1);
	PRINT(path, "%s/.lock", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(strtol(buf, NULL, 10), (long)getpid());
	close(a);
	assert_int_equal(run_lock(dir, &b), 0);
	close(b);
	assert_int_equal(run_lock("/nonexistent/anju-runs", &a),
	                 ANJU_EXIT_CANTCREAT);
}

static void
test_temp_and_leftovers(void **state)
{
	const char *dir = *state;
	char old[512];
	char *live;
	int fd;

	live = run_make_temp(dir, ".tmp-", &fd);
	assert_non_null(live);
	assert_true(fd >= 0);
	/* What a killed run left: a folder with files in it. */
	PRINT(old, "%s/.tmp-old", dir);
	assert_int_equal(mkdir(old, 0755), 0);
	touch(old, "anju.db");
	touch(dir, ".tmp-file");
	touch(dir, "2020-11-01");
	assert_int_equal(run_remove_leftovers(dir, ".tmp-"), 2);
	assert_false(exists(dir, ".tmp-old"));
	assert_false(exists(dir, ".tmp-file"));
	assert_true(exists(dir, "2020-11-01"));
	/* The live run's folder is held, so it stays. */
	assert_true(exists(dir, strrchr(live, '/') + 1));
	close(fd);
	assert_int_equal(run_remove_leftovers(dir, ".tmp-"), 1);
	assert_false(exists(dir, strrchr(live, '/') + 1));
	free(live);
	assert_null(run_make_temp("/nonexistent/x", ".tmp-", &fd));
	assert_int_equal(fd, -1);
}

static void
test_point_latest(void **state)
{
	const char *dir = *state;
	char path[512], target[64];
	ssize_t n;

	PRINT(path, "%s/latest", dir);
	assert_int_equal(run_point_latest(dir, "2020-11-01"), 0);
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "2020-11-01");
	assert_int_equal(run_point_latest(dir, "2020-11-02"), 0);
	n = readlink(path, target, sizeof(target) - 1);
	target[n] = '\0';
	assert_string_equal(target, "2020-11-02");
	/* No temporary link is left behind. */
	assert_int_equal(run_remove_leftovers(dir, ".latest.tmp-"), 0);
}

/* Run SQL on DB or fail the test. */
static void
exec_ok(sqlite3 *db, const char *sql)
{
	char err[256];

	if (db_exec(db, sql, err, sizeof(err)) != 0)
		fail_msg("%s: %s", sql, err);
}

static void
test_manifest(void **state)
{
	const char *dir = *state;
	char path[512], err[256];
	sqlite3 *db;
	json_t *m, *in;
	json_error_t jerr;
	struct run_stage stages[] = {{"ingest-platform", 0.25, 0},
	                             {"match", 1.5, 0}};
	struct run_facts f = {.mode = "nightly",
	                      .as_of = "2020-11-01",
	                      .run_name = "2020-11-01-2",
	                      .started = 0,
	                      .finished = 1,
	                      .stages = stages,
	                      .nstages = 2};

	PRINT(path, "%s/anju.db", dir);
	if (db_open(path, &db, err, sizeof(err)) != 0)
		fail_msg("db_open: %s (ANJU_DATADIR=%s)", err, anju_datadir());
	exec_ok(db, "INSERT INTO input_files (kind, path, name, sha256, "
	            "encoding, delimiter, header_line, rows_read, rows_kept, "
	            "rows_rejected, ingested_at) VALUES ('platform', "
	            "'/in/p.csv', 'p.csv', 'abc', 'GB18030', ',', 2, 10, 8, "
	            "2, 'now'), ('roster', '/in/r.csv', 'r.csv', 'def', "
	            "'UTF-8', '\t', 1, 3, 3, 0, 'now')");
	exec_ok(db, "INSERT INTO household_status (household_key, "
	            "household_id, status) VALUES (1, 'H1', '鉴定安全'), "
	            "(2, 'H2', '无记录'), (3, 'H3', '改造安全'), "
	            "(4, 'H4', '无记录')");
	exec_ok(db, "INSERT INTO findings (stage, code, severity, detail, "
	            "source) VALUES ('match', 'M01', 'high', '', 'r:2'), "
	            "('match', 'M01', 'high', '', 'r:3'), "
	            "('ingest', 'D02', 'low', '', 'p:4')");
	sqlite3_close(db);

	assert_int_equal(manifest_write(dir, path, &f), 0);
	PRINT(path, "%s/manifest.json", dir);
	m = json_load_file(path, 0, &jerr);
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "version")),
	                    ANJU_VERSION);
	assert_string_equal(json_string_value(json_object_get(m, "as_of")),
	                    "2020-11-01");
	assert_string_equal(json_string_value(json_object_get(m, "run")),
	                    "2020-11-01-2");
	assert_true(json_is_null(json_object_get(m, "previous")));
	assert_int_equal(json_array_size(json_object_get(m, "inputs")), 2);
	in = json_array_get(json_object_get(m, "inputs"), 0);
	assert_string_equal(json_string_value(json_object_get(in, "sha256")),
	                    "abc");
	assert_int_equal(json_integer_value(json_object_get(in, "rows_read")),
	                 10);
	assert_int_equal(json_integer_value(json_object_get(in, "rows_kept")),
	                 8);
	assert_int_equal(
	    json_integer_value(json_object_get(in, "rows_rejected")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(m, "stages"), 1),
	                     "milliseconds")),
	                 1500);
	in = json_object_get(m, "counts");
	assert_int_equal(json_integer_value(json_object_get(in, "households")),
	                 4);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(in, "by_status"), "无记录")),
	                 2);
	/* Every status is there, zero or not. */
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(in, "by_status"), "待核实")),
	                 0);
	assert_true(json_real_value(json_object_get(in, "verified_rate")) ==
	            0.5);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(in, "by_code"), "M01")),
	                 2);
	assert_int_equal(json_integer_value(json_object_get(in, "findings")),
	                 3);
	assert_int_equal(json_integer_value(json_object_get(m, "exit_status")),
	                 0);
	json_decref(m);
	assert_false(exists(dir, "manifest.json.tmp"));

	/* A workspace that is not there is an error, and nothing written. */
	PRINT(path, "%s/sub", dir);
	mkdir(path, 0755);
	assert_int_not_equal(manifest_write(path, "/nonexistent/anju.db", &f),
	                     0);
	assert_false(exists(path, "manifest.json"));
}

/* A file whose name says nothing is recognised by its header row. */
static void
test_inbox_sniff(void **state)
{
	(void)state;
	assert_int_equal(inbox_sniff("testdata/ingest/platform_quirks.csv"),
	                 INBOX_PLATFORM);
	assert_int_equal(
	    inbox_sniff("testdata/ingest/roster_household_gb18030.csv"),
	    INBOX_ROSTER);
	assert_int_equal(
	    inbox_sniff("testdata/ingest/roster_person_utf16le.csv"),
	    INBOX_ROSTER);
	/* Person columns only: the members export, not a roster. */
	assert_int_equal(inbox_sniff("testdata/ingest/members.csv"),
	                 INBOX_MEMBERS);
	assert_int_equal(inbox_sniff("Makefile"), INBOX_NONE);
	assert_int_equal(inbox_sniff("/nonexistent.csv"), INBOX_NONE);
}

/* By-header kinds join the selection, their names being their series. */
static void
test_inbox_select_by_header(void **state)
{
	struct inbox_entry e[] = {
	    E("阜新市危改档案.csv", 100, 0),
	    E("阜新市危改档案(1).csv", 200, 0),
	    E("贫困户名单.csv", 100, 0),
	    E("说明.txt", 100, 0),
	};
	struct run_list chosen[INBOX_KINDS] = {{0}}, superseded = {0},
	                ignored = {0};

	(void)state;
	e[0].by_header = INBOX_PLATFORM + 1;
	e[1].by_header = INBOX_PLATFORM + 1;
	e[2].by_header = INBOX_ROSTER + 1;
	assert_int_equal(inbox_select(e, 4, chosen, &superseded, &ignored), 0);
	assert_int_equal(chosen[INBOX_PLATFORM].n, 1);
	assert_string_equal(chosen[INBOX_PLATFORM].v[0],
	                    "阜新市危改档案(1).csv");
	assert_int_equal(chosen[INBOX_ROSTER].n, 1);
	assert_int_equal(superseded.n, 1);
	assert_int_equal(ignored.n, 1);
	assert_string_equal(ignored.v[0], "说明.txt");
	free_lists(chosen, &superseded, &ignored);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_ok),
	    cmocka_unit_test(test_dir_is_dated),
	    cmocka_unit_test(test_dir_name),
	    cmocka_unit_test(test_prune_choose),
	    cmocka_unit_test(test_inbox_classify),
	    cmocka_unit_test(test_inbox_select),
	    cmocka_unit_test(test_inbox_sniff),
	    cmocka_unit_test(test_inbox_select_by_header),
	    cmocka_unit_test_setup_teardown(test_lock, make_scratch,
	                                    remove_scratch),
	    cmocka_unit_test_setup_teardown(test_temp_and_leftovers,
	                                    make_scratch, remove_scratch),
	    cmocka_unit_test_setup_teardown(test_point_latest, make_scratch,
	                                    remove_scratch),
	    cmocka_unit_test_setup_teardown(test_manifest, make_scratch,
	                                    remove_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
