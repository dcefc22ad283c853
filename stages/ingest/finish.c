/*
 * finish.c - anju-ingest after the last file of an invocation: exact
 * duplicate rows within a source (D09), households that share a 户编号,
 * person-level households without a 户主 row, and household sizes that
 * only the people can give.
 */
#include "ingest_impl.h"

/* ---- after the last file ----------------------------------------------- */

/*
 * D09: mark every copy but the first of an exact duplicate row and give it
 * a finding. Recomputed for the whole source each time, so re-ingesting a
 * file never leaves stale marks; only the tables this ingest touched.
 */
/* When a statement of ingest_finish() applies. */
enum after {
	AFTER_ANY,      /* every ingest */
	AFTER_PLATFORM, /* a platform ingest */
	AFTER_ROSTER,   /* a roster ingest */
	AFTER_PEOPLE,   /* a members ingest, or a roster with person rows */
	AFTER_PERSON,   /* a roster ingest with person-level files */
};

/* The tables D09 looks at: their row kind (enum op_kind - OP_PLATFORM),
 * how to read their row hashes and how to mark a copy. */
struct dup_table {
	int kind;
	const char *scan, *mark;
};

static const struct dup_table dup_platform = {
    OP_PLATFORM - OP_PLATFORM,
    "SELECT row_hash, record_key FROM platform_records ORDER BY record_key",
    "UPDATE platform_records SET duplicate_of = ?1 WHERE record_key = ?2",
};
static const struct dup_table dup_roster = {
    OP_ROSTER - OP_PLATFORM,
    "SELECT row_hash, household_key FROM roster_households "
    "ORDER BY household_key",
    "UPDATE roster_households SET duplicate_of = ?1 "
    "WHERE household_key = ?2",
};
static const struct dup_table dup_members = {
    OP_MEMBER - OP_PLATFORM,
    "SELECT row_hash, member_key FROM members ORDER BY member_key",
    "UPDATE members SET duplicate_of = ?1 WHERE member_key = ?2",
};

static int mark_duplicates(struct ingest *in, const struct dup_table *t);
static int shared_household_ids(struct ingest *in, const struct dup_table *t);
static int find_headless(struct ingest *in, const struct dup_table *unused);
static int finish_step(struct ingest *in, const char *sql);

/* A person's finding takes its household's place and head (also run
 * after a roster: the members may have come first). */
#define PEOPLE_FINDINGS_TO_HOUSEHOLDS                                          \
	"UPDATE findings SET county_code = r.county_code, township_code = "    \
	"r.township_code, village_code = r.village_code, head_id = "           \
	"r.head_id, head_name = r.head_name FROM roster_households r WHERE "   \
	"findings.stage = 'ingest' AND findings.member_key IS NOT NULL AND "   \
	"r.household_id = findings.household_id AND r.duplicate_of IS NULL"

/* The steps of ingest_finish(), in order: an SQL statement, or (sql NULL)
 * a check done in C on the rows of a table. */
static const struct {
	enum after when;
	const char *sql;
	int (*check)(struct ingest *, const struct dup_table *);
	const struct dup_table *dup;
} finish_sql[] = {
    /* The findings made here (not by a row) are made afresh: D09, and
     * the household checks below, whose details start with 户编号. */
    /* Not those about rows this step took away or made (a second 户主
     * row made a member, a household made for people without a 户主
     * row): they cannot be found again, and go with their file; or
     * with the household they are about, when that was replaced. */
    {AFTER_ANY,
     "DELETE FROM findings WHERE stage = 'ingest' AND (code = 'D09' OR "
     "(code IN ('D07', 'D08') AND detail LIKE '户编号%' AND ((detail NOT "
     "LIKE '户编号%有多个户主行：%' AND detail NOT LIKE '户编号%户主不明') OR "
     "household_key IS NULL OR household_key NOT IN (SELECT household_key "
     "FROM roster_households)))) AND file_id IN (SELECT file_id FROM "
     "input_files WHERE kind = ?1)",
     NULL, NULL},

    {AFTER_PLATFORM,
     "UPDATE platform_records SET duplicate_of = NULL "
     "WHERE duplicate_of IS NOT NULL",
     NULL, NULL},
    {AFTER_PLATFORM, NULL, mark_duplicates, &dup_platform},
    {AFTER_PLATFORM,
     "INSERT INTO findings (stage, file_id, code, severity, county_code, "
     "township_code, village_code, record_id, head_id, head_name, detail, "
     "source, record_key) "
     "SELECT 'ingest', p.file_id, 'D09', 'low', p.county_code, "
     "p.township_code, p.village_code, p.record_id, p.head_id, "
     "p.head_name, '与' || f0.name || '第' || o.line || '行完全重复', "
     "f.name || ':' || p.line, p.record_key "
     "FROM platform_records p JOIN input_files f USING (file_id) "
     "JOIN platform_records o ON o.record_key = p.duplicate_of "
     "JOIN input_files f0 ON f0.file_id = o.file_id "
     "WHERE p.duplicate_of IS NOT NULL",
     NULL, NULL},

    {AFTER_ROSTER,
     "UPDATE roster_households SET duplicate_of = NULL "
     "WHERE duplicate_of IS NOT NULL",
     NULL, NULL},
    {AFTER_ROSTER, NULL, mark_duplicates, &dup_roster},
    {AFTER_ROSTER,
     "INSERT INTO findings (stage, file_id, code, severity, county_code, "
     "township_code, village_code, household_id, head_id, head_name, "
     "detail, source, household_key) "
     "SELECT 'ingest', r.file_id, 'D09', 'low', r.county_code, "
     "r.township_code, r.village_code, r.household_id, r.head_id, "
     "r.head_name, '与' || f0.name || '第' || o.line || '行完全重复', "
     "f.name || ':' || r.line, r.household_key "
     "FROM roster_households r JOIN input_files f USING (file_id) "
     "JOIN roster_households o ON o.household_key = r.duplicate_of "
     "JOIN input_files f0 ON f0.file_id = o.file_id "
     "WHERE r.duplicate_of IS NOT NULL",
     NULL, NULL},

    /* Two different households under one 户编号 (D09 copies aside):
     * every later one is reported. */
    {AFTER_ROSTER, NULL, shared_household_ids, &dup_roster},

    /* members (and person-level roster rows) */
    {AFTER_PEOPLE,
     "UPDATE members SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL",
     NULL, NULL},
    {AFTER_PEOPLE, NULL, mark_duplicates, &dup_members},
    /* A duplicated 户主 row already has its D09 on the household. */
    {AFTER_PEOPLE,
     "INSERT INTO findings (stage, file_id, code, severity, household_id, "
     "head_id, head_name, detail, source, member_key) "
     "SELECT 'ingest', m.file_id, 'D09', 'low', m.household_id, m.id, "
     "m.name, '与' || f0.name || '第' || o.line || '行完全重复', "
     "f.name || ':' || m.line, m.member_key "
     "FROM members m JOIN input_files f USING (file_id) "
     "JOIN members o ON o.member_key = m.duplicate_of "
     "JOIN input_files f0 ON f0.file_id = o.file_id "
     "WHERE m.duplicate_of IS NOT NULL AND f.kind = ?1 "
     "AND (f.kind = 'members' OR m.relation IS NOT '户主')",
     NULL, NULL},

    /* A person's finding belongs to its household: give it the
     * household's place and head, as SPEC 5 asks. */
    {AFTER_PEOPLE, PEOPLE_FINDINGS_TO_HOUSEHOLDS, NULL, NULL},

    /* A person-level household without a 户主 row still is a roster
     * household: it is kept, with its head unknown (D07), so it is
     * matched through its members or reported, never dropped. */
    {AFTER_PERSON, NULL, find_headless, NULL},
    {AFTER_PERSON,
     "INSERT INTO roster_households (file_id, line, household_id, "
     "county_code, township_code, village_code, head_id_state, "
     "head_id_known, row_hash) SELECT file_id, line, household_id, "
     "county_code, township_code, village_code, 'empty', 0, random() "
     "FROM headless",
     NULL, NULL},
    {AFTER_PERSON,
     "INSERT INTO findings (stage, file_id, code, severity, county_code, "
     "township_code, village_code, household_id, detail, source, "
     "household_key) "
     "SELECT 'ingest', r.file_id, 'D07', 'medium', r.county_code, "
     "r.township_code, r.village_code, r.household_id, "
     "'户编号' || r.household_id || '的成员中没有与户主关系为户主的行，户主"
     "不明', f.name || ':' || r.line, r.household_key "
     "FROM headless h JOIN roster_households r USING (household_id) "
     "JOIN input_files f ON f.file_id = r.file_id",
     NULL, NULL},
    {AFTER_PERSON, "DROP TABLE headless", NULL, NULL},

    /* Person-level rosters without a 家庭人口 column: count the people. */
    {AFTER_PERSON,
     "UPDATE roster_households SET household_size = (SELECT count(*) "
     "FROM members m WHERE m.household_id = roster_households.household_id "
     "AND m.duplicate_of IS NULL AND m.file_id IN (SELECT file_id FROM "
     "input_files WHERE kind = 'roster')) WHERE household_size IS NULL AND "
     "file_id IN (SELECT file_id FROM input_files WHERE layout = 'person')",
     NULL, NULL},
    /* members ingested before their roster */
    {AFTER_ROSTER, PEOPLE_FINDINGS_TO_HOUSEHOLDS, NULL, NULL},
};

static bool
finish_applies(const struct ingest *in, enum after when)
{
	bool platform = strcmp(in->kind, "platform") == 0;
	bool roster = strcmp(in->kind, "roster") == 0;

	switch (when) {
	case AFTER_ANY:
		return true;
	case AFTER_PLATFORM:
		return platform;
	case AFTER_ROSTER:
		return roster;
	case AFTER_PEOPLE:
		return !platform && (!roster || in->person_files > 0);
	case AFTER_PERSON:
		return roster && in->person_files > 0;
	}
	return false;
}

int
hash_keys_add(struct hash_keys *h, sqlite3_int64 hash, sqlite3_int64 key)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		struct hash_key *v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].hash = hash;
	h->v[h->n].key = key;
	h->n++;
	return 0;
}

static int
hash_key_cmp(const void *a, const void *b)
{
	const struct hash_key *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

void
hash_keys_sort(struct hash_keys *h)
{
	enum { BITS = 16, BUCKETS = 1 << BITS };
	struct hash_key *tmp, *from = h->v, *to;
	size_t *count, i, sum, n = h->n;
	unsigned shift;

	if (n < 2)
		return;
	tmp = malloc(n * sizeof(*tmp));
	count = malloc(BUCKETS * sizeof(*count));
	if (tmp == NULL || count == NULL) {
		free(tmp);
		free(count);
		qsort(h->v, n, sizeof(*h->v), hash_key_cmp);
		return;
	}
	/* Least significant digit first; each pass is stable, so rows with
	 * equal hashes keep their order: the keys' order the callers give. */
	for (to = tmp, shift = 0; shift < 64; shift += BITS) {
		memset(count, 0, BUCKETS * sizeof(*count));
		for (i = 0; i < n; i++)
			count[((uint64_t)from[i].hash >> shift) &
			      (BUCKETS - 1)]++;
		if (count[((uint64_t)from[0].hash >> shift) & (BUCKETS - 1)] ==
		    n)
			continue; /* one digit everywhere: nothing to move */
		for (sum = 0, i = 0; i < BUCKETS; i++) {
			size_t c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			to[count[((uint64_t)from[i].hash >> shift) &
			         (BUCKETS - 1)]++] = from[i];
		to = from;
		from = from == h->v ? tmp : h->v;
	}
	if (from != h->v)
		memcpy(h->v, from, n * sizeof(*from));
	free(tmp);
	free(count);
}

/*
 * The (hash, key) pairs of every row of the table of T: the writer's
 * notes when they are all its rows (a fresh workspace, the nightly case),
 * else read back by SCAN into *LOADED (column 0 the hash, or with
 * HASH_TEXT a text to hash; column 1 the key). NOTES are the writer's
 * pairs. Returns the pairs, or NULL (no memory, SQLite error).
 */
static struct hash_keys *
table_hash_keys(struct ingest *in, const struct dup_table *t,
                struct hash_keys *notes, const char *scan, bool hash_text,
                struct hash_keys *loaded)
{
	sqlite3_stmt *st;
	int step;

	if (!in->rows_before[t->kind] && !in->replaced && !in->keys_lost)
		return notes;
	if ((st = db_prepare(in->db, scan)) == NULL)
		return NULL;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		sqlite3_int64 hash =
		    hash_text ? (sqlite3_int64)text_hash(text ? text : "")
		              : sqlite3_column_int64(st, 0);

		if (hash_keys_add(loaded, hash, sqlite3_column_int64(st, 1)) !=
		    0)
			break;
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? loaded : NULL;
}

/*
 * Sort ROWS and call EACH(IN, ARG, FIRST, LATER) for every row whose hash
 * an earlier row has: FIRST the key of the group's first row (the
 * smallest), LATER the row's. Returns 0, or the first nonzero EACH gave.
 */
static int
each_later_row(struct ingest *in, struct hash_keys *rows,
               int (*each)(struct ingest *, void *, sqlite3_int64,
                           sqlite3_int64),
               void *arg)
{
	size_t i, first = 0;
	int rc;

	hash_keys_sort(rows);
	for (i = 1; i < rows->n; i++) {
		if (rows->v[i].hash != rows->v[first].hash) {
			first = i;
			continue;
		}
		if ((rc = each(in, arg, rows->v[first].key, rows->v[i].key)) !=
		    0)
			return rc;
	}
	return 0;
}

/* Step ST with ?1 = A and ?2 = B. Returns 0 or -1. */
static int
step_pair(sqlite3_stmt *st, sqlite3_int64 a, sqlite3_int64 b)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* each_later_row() for D09: the later row is a copy of the first. */
static int
mark_copy(struct ingest *in, void *mark, sqlite3_int64 first,
          sqlite3_int64 later)
{
	(void)in;
	return step_pair(mark, first, later);
}

/*
 * D09 marks: every row of T whose hash an earlier row (smaller key) has
 * gets duplicate_of = that first row's key. Sorting the (hash, key) pairs
 * here is many times faster than SQLite's GROUP BY over the whole table;
 * only the copies are written. Returns 0 or -1.
 */
static int
mark_duplicates(struct ingest *in, const struct dup_table *t)
{
	sqlite3_stmt *mark = NULL;
	struct hash_keys loaded = {0}, *rows;
	int rc = -1;

	if ((rows = table_hash_keys(in, t, &in->stored[t->kind], t->scan, false,
	                            &loaded)) != NULL &&
	    (mark = db_prepare(in->db, t->mark)) != NULL)
		rc = each_later_row(in, rows, mark_copy, mark);
	sqlite3_finalize(mark);
	free(loaded.v);
	return rc;
}

/*
 * What becomes of a later roster row R (?1) whose 户编号 an earlier row O
 * (?2) has, run in this order.
 *
 * From a household-level file, R is another household under the same
 * 户编号: both are kept and R gets a D08. From a person-level file, R is
 * a second 户主 row of the same household: the household is O's, R's
 * person stays one of its members (so a record in R's name still matches
 * through members, M07), R's own findings move to the household, and the
 * household gets a D08.
 */
static const char *const shared_id_sql[] = {
    "INSERT INTO findings (stage, file_id, code, severity, county_code, "
    "township_code, village_code, household_id, head_id, head_name, "
    "detail, source, household_key) "
    "SELECT 'ingest', r.file_id, 'D08', 'low', r.county_code, "
    "r.township_code, r.village_code, r.household_id, r.head_id, "
    "r.head_name, '户编号' || r.household_id || '重复：' || f0.name || "
    "'第' || o.line || '行是同一户编号的另一户（户主' || "
    "ifnull(o.head_name, '空') || '）', f.name || ':' || r.line, "
    "r.household_key "
    "FROM roster_households r JOIN input_files f USING (file_id) "
    "JOIN roster_households o ON o.household_key = ?2 "
    "JOIN input_files f0 ON f0.file_id = o.file_id "
    "WHERE r.household_key = ?1 AND r.duplicate_of IS NULL "
    "AND r.household_id = o.household_id AND f.layout IS NOT 'person'",

    "INSERT INTO findings (stage, file_id, code, severity, county_code, "
    "township_code, village_code, household_id, head_id, head_name, "
    "detail, source, household_key) "
    "SELECT 'ingest', r.file_id, 'D08', 'low', o.county_code, "
    "o.township_code, o.village_code, o.household_id, o.head_id, "
    "o.head_name, '户编号' || r.household_id || '有多个户主行：' || "
    "ifnull(r.head_name, '空') || '也标为户主，按家庭成员处理（户主取' || "
    "f0.name || '第' || o.line || '行的' || ifnull(o.head_name, '空') || "
    "'）', f.name || ':' || r.line, o.household_key "
    "FROM roster_households r JOIN input_files f USING (file_id) "
    "JOIN roster_households o ON o.household_key = ?2 "
    "JOIN input_files f0 ON f0.file_id = o.file_id "
    "WHERE r.household_key = ?1 AND r.duplicate_of IS NULL "
    "AND r.household_id = o.household_id AND f.layout = 'person'",

    /* only when the statement before made its D08 (see below): R, and
     * its exact copies (D09), go; their findings move to O's household
     * with O's head */
    "UPDATE findings SET household_key = ?2, head_id = o.head_id, "
    "head_name = o.head_name FROM roster_households o "
    "WHERE o.household_key = ?2 AND (findings.household_key = ?1 OR "
    "findings.household_key IN (SELECT household_key FROM "
    "roster_households WHERE duplicate_of = ?1))",
    "DELETE FROM roster_households WHERE household_key = ?1 OR "
    "duplicate_of = ?1",
};
#define SHARED_ID_STEPS (sizeof(shared_id_sql) / sizeof(shared_id_sql[0]))

/* each_later_row() for D08: the statements of shared_id_sql, ST. */
static int
shared_id(struct ingest *in, void *st, sqlite3_int64 first, sqlite3_int64 later)
{
	sqlite3_stmt **sts = st;
	size_t k;

	for (k = 0; k < SHARED_ID_STEPS; k++) {
		if (step_pair(sts[k], later, first) != 0)
			return -1;
		/* Not a second 户主 row: nothing to move or drop. */
		if (k == 1 && sqlite3_changes(in->db) == 0)
			break;
	}
	return 0;
}

/*
 * D08: two roster rows under one 户编号 (T is the roster table; see
 * shared_id_sql). Rows are grouped by the hash of their 户编号; the first
 * of a group (smallest key) is never a D09 copy, as its original has the
 * same 户编号 and a smaller key. The statements check that the 户编号 are
 * equal (a hash collision is thus harmless) and skip D09 copies.
 * Returns 0 or -1.
 */
static int
shared_household_ids(struct ingest *in, const struct dup_table *t)
{
	static const char scan[] =
	    "SELECT household_id, household_key FROM roster_households "
	    "ORDER BY household_key";
	sqlite3_stmt *st[SHARED_ID_STEPS] = {NULL};
	struct hash_keys loaded = {0}, *rows;
	size_t k;
	int rc = -1;

	if ((rows = table_hash_keys(in, t, &in->stored_ids, scan, true,
	                            &loaded)) == NULL)
		goto out;
	for (k = 0; k < SHARED_ID_STEPS; k++)
		if ((st[k] = db_prepare(in->db, shared_id_sql[k])) == NULL)
			goto out;
	rc = each_later_row(in, rows, shared_id, st);
out:
	for (k = 0; k < SHARED_ID_STEPS; k++)
		sqlite3_finalize(st[k]);
	free(loaded.v);
	return rc;
}

/* ---- households without a 户主 row ------------------------------------ */

/*
 * The people of a person-level roster whose 户编号 has no household (no
 * 户主 row anywhere), one row a 户编号: its first person, whose place the
 * household takes. Picked out in one pass over members (NOT INDEXED:
 * grouping through the household_id index would visit every person at
 * random), each person's 户编号 looked up among the households.
 */
#define HEADLESS_FROM(index, only)                                             \
	"CREATE TEMP TABLE headless AS SELECT m.file_id, m.line, "             \
	"m.household_id, m.county_code, m.township_code, m.village_code "      \
	"FROM (SELECT household_id, min(member_key) AS k FROM members " index  \
	" WHERE " only "duplicate_of IS NULL AND household_id NOT IN (SELECT " \
	"household_id FROM roster_households) AND file_id IN (SELECT file_id " \
	"FROM input_files WHERE kind = 'roster' AND layout = 'person') "       \
	"GROUP BY household_id) g JOIN members m ON m.member_key = g.k"

/*
 * That pass costs 50 ms on the Fuxin sample's 123,000 people, for
 * households that are rare. When every person-level roster file in the
 * workspace came in this call, the writer has seen all their rows: only
 * the 户编号 of its runs without a 户主 row (ingest_note_heads()) can lack
 * a household, and only their people are looked at, through the index.
 * A 户编号 whose rows are not together in the file comes as several
 * runs; a run without its 户主 row is only a candidate, checked here.
 */
static const char headless_sql[] = HEADLESS_FROM("NOT INDEXED", "");
static const char headless_candidates_sql[] = HEADLESS_FROM(
    "INDEXED BY members_household", "household_id IN (SELECT household_id FROM "
                                    "temp.headless_candidates) AND ");

static int
find_headless(struct ingest *in, const struct dup_table *unused)
{
	sqlite3_stmt *st = db_prepare(
	    in->db, "SELECT EXISTS (SELECT 1 FROM input_files WHERE kind = "
	            "'roster' AND layout = 'person' AND file_id < ?1)");
	int older, rc;

	(void)unused;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, in->files[0].file_id);
	rc = sqlite3_step(st);
	older = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	return finish_step(in, older ? headless_sql : headless_candidates_sql);
}

/* Close the run being noted: a run without its 户主 row is a candidate.
 * Returns 0 or -1. */
static int
run_close(struct ingest *in)
{
	sqlite3_stmt *st = in->ins_candidate;
	bool candidate = in->run_open && !in->run_head;

	in->run_open = false;
	if (!candidate)
		return 0;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, in->run_id, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Begin a run of rows of 户编号 ID. Returns 0 or -1 (no memory). */
static int
run_open(struct ingest *in, const char *id)
{
	if (anju_keep(&in->run_id, &in->run_cap, id, strlen(id)) != 0)
		return -1;
	in->run_open = true;
	in->run_head = false;
	return 0;
}

int
ingest_note_heads(struct ingest *in, const struct batch *b)
{
	size_t i;

	/* In the reader's order: a 户主 row's household comes just before
	 * its person. */
	for (i = 0; i < b->n; i++) {
		const struct op *op = &b->op[i];
		const char *id = op->household_id;

		if ((op->kind != OP_ROSTER && op->kind != OP_MEMBER) ||
		    id == NULL)
			continue;
		if (!in->run_open || strcmp(id, in->run_id) != 0) {
			if (run_close(in) != 0 || run_open(in, id) != 0)
				return -1;
		}
		if (op->kind == OP_ROSTER)
			in->run_head = true;
	}
	return b->last ? run_close(in) : 0;
}

int
ingest_kind_start(struct ingest *in, const char *kind)
{
	static const char *const sql[OP_KINDS] = {
	    "SELECT EXISTS (SELECT 1 FROM platform_records)",
	    "SELECT EXISTS (SELECT 1 FROM roster_households)",
	    "SELECT EXISTS (SELECT 1 FROM members)",
	};
	size_t k;

	in->kind = kind;
	in->replaced = in->keys_lost = false;
	in->stored_ids.n = 0;
	for (k = 0; k < OP_KINDS; k++) {
		sqlite3_stmt *st = db_prepare(in->db, sql[k]);

		if (st == NULL)
			return ANJU_EXIT_SOFTWARE;
		in->rows_before[k] = sqlite3_step(st) != SQLITE_ROW ||
		                     sqlite3_column_int(st, 0) != 0;
		sqlite3_finalize(st);
		in->stored[k].n = 0;
	}
	return 0;
}

/* Run the finish step SQL (its ?1, if any, is the kind). */
static int
finish_step(struct ingest *in, const char *sql)
{
	sqlite3_stmt *st;
	int ok;

	if ((st = db_prepare(in->db, sql)) == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_text(st, 1, in->kind, -1, SQLITE_STATIC);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* How many person-level roster files the workspace holds: their
 * findings are made afresh by every roster ingest, whatever its files. */
static int
count_person_files(struct ingest *in)
{
	sqlite3_stmt *st =
	    db_prepare(in->db, "SELECT count(*) FROM input_files WHERE kind = "
	                       "'roster' AND layout = 'person'");

	if (st == NULL)
		return -1;
	in->person_files = sqlite3_step(st) == SQLITE_ROW
	                       ? (size_t)sqlite3_column_int64(st, 0)
	                       : 0;
	sqlite3_finalize(st);
	return 0;
}

int
ingest_finish(struct ingest *in)
{
	size_t i;

	if (count_person_files(in) != 0)
		return ANJU_EXIT_SOFTWARE;

	for (i = 0; i < sizeof(finish_sql) / sizeof(finish_sql[0]); i++) {
		int ok;

		if (!finish_applies(in, finish_sql[i].when))
			continue;
		if (finish_sql[i].sql != NULL)
			ok = finish_step(in, finish_sql[i].sql);
		else
			ok = finish_sql[i].check(in, finish_sql[i].dup);
		if (ok != 0) {
			anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(in->db));
			return db_exit_code(sqlite3_errcode(in->db));
		}
	}
	return 0;
}
