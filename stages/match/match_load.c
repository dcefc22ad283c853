/* match_load.c - arena, hash table and loading the workspace for
 * anju-match. */
#include "match_mem.h"

#include "anju.h"
#include "text.h"
#include "db.h"
#include "idcard.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (4u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
};

const char *
match_arena_dup(struct arena *a, const char *s, int *failed)
{
	struct arena_block *b = a->head;
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if (b == NULL || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		b = malloc(sizeof(*b) + cap);
		if (b == NULL) {
			*failed = 1;
			return NULL;
		}
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	p = b->data + b->used;
	memcpy(p, s, n);
	b->used += n;
	return p;
}

void
match_arena_free(struct arena *a)
{
	struct arena_block *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/* Slots for N keys: a power of two, at most half full. */
static size_t
table_cap(size_t n)
{
	size_t cap = 16;

	while (cap < n * 2)
		cap *= 2;
	return cap;
}

int
match_strmap_init(struct strmap *m, size_t n)
{
	size_t cap = table_cap(n);

	m->cap = cap;
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = malloc(cap * sizeof(*m->vals));
	if (m->keys == NULL || m->vals == NULL) {
		match_strmap_free(m);
		return -1;
	}
	return 0;
}

int *
match_strmap_slot(struct strmap *m, const char *key, int insert)
{
	size_t i = (size_t)text_hash(key) & (m->cap - 1);

	while (m->keys[i] != NULL) {
		if (strcmp(m->keys[i], key) == 0)
			return &m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	if (!insert)
		return NULL;
	m->keys[i] = key;
	m->vals[i] = -1;
	return &m->vals[i];
}

void
match_strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = 0;
}

unsigned long long
match_id_pack(const char *id)
{
	unsigned long long v = 0;
	int i;

	if (id == NULL)
		return 0;
	for (i = 0; i < 17; i++) {
		if (id[i] < '0' || id[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(id[i] - '0');
	}
	if (id[17] >= '0' && id[17] <= '9')
		v = v * 11 + (unsigned)(id[17] - '0');
	else if (id[17] == 'X')
		v = v * 11 + 10;
	else
		return 0;
	return id[18] == '\0' ? v + 1 : 0;
}

int
match_idmap_init(struct idmap *m, size_t n)
{
	size_t cap = table_cap(n);

	m->cap = cap;
	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = malloc(cap * sizeof(*m->vals));
	if (m->keys == NULL || m->vals == NULL) {
		match_idmap_free(m);
		return -1;
	}
	return 0;
}

int *
match_idmap_slot(struct idmap *m, unsigned long long key, int insert)
{
	/* Fibonacci hashing spreads the packed digits over the table. */
	size_t i =
	    (size_t)((key * 11400714819323198485ULL) >> 20) & (m->cap - 1);

	while (m->keys[i] != 0) {
		if (m->keys[i] == key)
			return &m->vals[i];
		i = (i + 1) & (m->cap - 1);
	}
	if (!insert)
		return NULL;
	m->keys[i] = key;
	m->vals[i] = -1;
	return &m->vals[i];
}

void
match_idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = 0;
}

int
match_state_parse(const char *s)
{
	static const enum id_state all[] = {
	    ID_EMPTY,     ID_VALID,     ID_CONVERTED15, ID_BAD_CHECK,
	    ID_EXCEL_000, ID_EXCEL_SCI, ID_MALFORMED,
	};
	size_t i;

	for (i = 0; s != NULL && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, id_state_name(all[i])) == 0)
			return all[i];
	return ID_MALFORMED;
}

static const char *
col_dup(struct arena *a, sqlite3_stmt *st, int col, int *failed)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	if (s == NULL || *s == '\0')
		return NULL;
	return match_arena_dup(a, s, failed);
}

/* Copy a division code into its fixed field; an over-long code is not a
 * code and is kept as "" (unresolved). */
static void
col_code(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	size_t n = s != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= len)
		n = 0;
	memcpy(buf, s != NULL ? s : "", n);
	buf[n] = '\0';
}

static int
col_int_or(sqlite3_stmt *st, int col, int dflt)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return dflt;
	return sqlite3_column_int(st, col);
}

/* Household types are a handful of canonical strings: share them. */
static const char *
intern_type(struct arena *a, const char *s, int *failed)
{
	static const char *const known[] = {
	    "建档立卡贫困户", "低保户", "农村分散供养特困人员",
	    "贫困残疾人家庭", "其他",
	};
	size_t i;

	if (s == NULL || *s == '\0')
		return NULL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return match_arena_dup(a, s, failed);
}

/* Grow *ARR of *CAP elements of SIZE bytes to hold N + 1. */
static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 4096;
	if ((p = realloc(*arr, c * size)) == NULL)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

/* Columns 2..12 are common to both kinds of party, in this order. */
#define PARTY_COLUMNS                                                          \
	"file_id, line, county_code, township_code, village_code, head_name,"  \
	" head_id, CASE WHEN head_id_state IN ('excel_sci', 'converted15')"    \
	" THEN head_id_raw END, head_id_state, head_id_known, household_size"

static void
fill_party(struct arena *a, sqlite3_stmt *st, struct party *p, int *failed)
{
	memset(p, 0, sizeof(*p));
	p->key = sqlite3_column_int64(st, 0);
	p->ext_id = col_dup(a, st, 1, failed);
	p->file_id = sqlite3_column_int64(st, 2);
	p->line = sqlite3_column_int(st, 3);
	col_code(st, 4, p->county_code, sizeof(p->county_code));
	col_code(st, 5, p->township_code, sizeof(p->township_code));
	col_code(st, 6, p->village_code, sizeof(p->village_code));
	p->name = col_dup(a, st, 7, failed);
	p->id = col_dup(a, st, 8, failed);
	p->id_raw = col_dup(a, st, 9, failed);
	p->state = match_state_parse((const char *)sqlite3_column_text(st, 10));
	p->known = sqlite3_column_int(st, 11);
	p->size = col_int_or(st, 12, -1);
	p->subsidy = -1;
	p->peer = -1;
	p->next = -1;
	p->member = -1;
	p->chain = -1;
	if (p->ext_id == NULL)
		p->ext_id = "";
}

static int
load_parties(sqlite3 *db, struct match_data *d, int records)
{
	static const char hh_sql[] =
	    "SELECT household_key, household_id, " PARTY_COLUMNS
	    " FROM roster_households WHERE duplicate_of IS NULL"
	    " ORDER BY household_key";
	static const char rec_sql[] =
	    "SELECT record_key, record_id, " PARTY_COLUMNS
	    ", household_type, subsidy_yuan FROM platform_records"
	    " WHERE duplicate_of IS NULL ORDER BY record_key";
	sqlite3_stmt *st = db_prepare(db, records ? rec_sql : hh_sql);
	struct party **arr = records ? &d->rec : &d->hh;
	struct arena *a = records ? &d->rec_arena : &d->arena;
	size_t *n = records ? &d->nrec : &d->nhh, cap = 0;
	int failed = 0, rc;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct party *p;

		if (grow((void **)arr, &cap, *n, sizeof(**arr)) != 0) {
			failed = 1;
			break;
		}
		p = &(*arr)[(*n)++];
		fill_party(a, st, p, &failed);
		if (records) {
			p->type = intern_type(
			    a, (const char *)sqlite3_column_text(st, 13),
			    &failed);
			if (sqlite3_column_type(st, 14) != SQLITE_NULL)
				p->subsidy = sqlite3_column_double(st, 14);
		}
	}
	sqlite3_finalize(st);
	if (failed) {
		anju_msg(NULL, 0, "out of memory loading the workspace");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A member row as read, before its household is known. */
struct raw_member {
	sqlite3_int64 key;
	const char *household_id; /* in the loader's arena */
	unsigned long long id;
};

struct member_rows {
	struct arena arena;
	struct raw_member *rows;
	size_t n;
};

/* Members with a real 18-digit ID, as read. */
static int
read_members(sqlite3 *db, struct member_rows *m)
{
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT member_key, household_id, id FROM members WHERE"
	        " duplicate_of IS NULL AND id_state IN ('valid',"
	        " 'converted15') ORDER BY member_key");
	size_t cap = 0;
	int rc, failed = 0;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned long long packed =
		    match_id_pack((const char *)sqlite3_column_text(st, 2));
		struct raw_member *r;

		if (packed == 0 || sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		if (grow((void **)&m->rows, &cap, m->n, sizeof(*m->rows)) !=
		    0) {
			failed = 1;
			break;
		}
		r = &m->rows[m->n++];
		r->key = sqlite3_column_int64(st, 0);
		r->id = packed;
		r->household_id = col_dup(&m->arena, st, 1, &failed);
	}
	sqlite3_finalize(st);
	if (failed) {
		anju_msg(NULL, 0, "out of memory loading members");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Keep the members that can prove a head change: a real 18-digit ID that
 * is not the head ID of their own roster household. HIDS maps
 * household_id to the household's index.
 */
static int
keep_members(struct match_data *d, const struct member_rows *m,
             struct strmap *hids)
{
	size_t i, orphans = 0;

	d->mem = malloc((m->n + 1) * sizeof(*d->mem));
	if (d->mem == NULL) {
		anju_msg(NULL, 0, "out of memory loading members");
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		const struct raw_member *r = &m->rows[i];
		int *h = match_strmap_slot(hids, r->household_id, 0);

		orphans += h == NULL;
		if (h == NULL || match_id_pack(d->hh[*h].id) == r->id)
			continue;
		d->mem[d->nmem].key = r->key;
		d->mem[d->nmem].household = *h;
		d->mem[d->nmem].id = r->id;
		d->nmem++;
	}
	/* Said once, in the log: their 户编号 may have lost a leading zero
	 * or come from another roster. */
	if (orphans > 0)
		anju_msg(
		    NULL, 0,
		    "%zu members with a valid ID belong to no roster "
		    "household (户编号 not on the roster): they cannot show "
		    "a head change",
		    orphans);
	return 0;
}

static int
load_files(sqlite3 *db, struct match_data *d)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT file_id, name FROM "
	                                  "input_files ORDER BY file_id");
	size_t cap = 0, cap2 = 0;
	int failed = 0;

	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (grow((void **)&d->file_ids, &cap, d->nfiles,
		         sizeof(*d->file_ids)) != 0 ||
		    grow((void **)&d->file_names, &cap2, d->nfiles,
		         sizeof(*d->file_names)) != 0) {
			failed = 1;
			break;
		}
		d->file_ids[d->nfiles] = sqlite3_column_int64(st, 0);
		d->file_names[d->nfiles] = col_dup(&d->arena, st, 1, &failed);
		d->nfiles++;
	}
	sqlite3_finalize(st);
	return failed ? -1 : 0;
}

/* Map household_id to the first household carrying it. */
static int
household_ids(struct match_data *d, struct strmap *hids)
{
	size_t i;

	if (match_strmap_init(hids, d->nhh) != 0)
		return -1;
	for (i = 0; i < d->nhh; i++) {
		int *slot = match_strmap_slot(hids, d->hh[i].ext_id, 1);

		if (*slot < 0)
			*slot = (int)i;
	}
	return 0;
}

/* One table read on a connection of its own, in a thread of its own. */
struct loader {
	const char *path;
	int (*read)(sqlite3 *db, void *arg);
	void *arg;
	int rc;
	pthread_t thread;
	int started;
};

static void *
loader_main(void *arg)
{
	struct loader *l = arg;
	sqlite3 *db = NULL;
	char err[256];

	l->rc = -1;
	if (db_open_readonly(l->path, &db, err, sizeof(err)) != SQLITE_OK) {
		anju_msg(l->path, 0, "cannot open the workspace again: %s",
		         err);
		return NULL;
	}
	l->rc = l->read(db, l->arg);
	sqlite3_close(db);
	return NULL;
}

/* Start L in a thread; when that cannot be (a workspace in memory has
 * no file to open again), run it here on DB. */
static void
loader_start(struct loader *l, sqlite3 *db)
{
	l->path = sqlite3_db_filename(db, "main");
	l->started = l->path != NULL && *l->path != '\0' &&
	             pthread_create(&l->thread, NULL, loader_main, l) == 0;
	if (!l->started)
		l->rc = l->read(db, l->arg);
}

static int
loader_join(struct loader *l)
{
	if (l->started)
		pthread_join(l->thread, NULL);
	l->started = 0;
	return l->rc;
}

static int
read_records(sqlite3 *db, void *arg)
{
	return load_parties(db, arg, 1);
}

static int
read_members_thread(sqlite3 *db, void *arg)
{
	return read_members(db, arg);
}

/*
 * The platform records and the members load on connections of their
 * own, in threads, while this one loads the roster: the load is most of
 * a run and the machine has more than one core. The members are tied to
 * their households once both are in.
 */
int
match_load(sqlite3 *db, struct match_data *d)
{
	struct member_rows members = {{NULL}, NULL, 0};
	struct loader records = {.read = read_records, .arg = d};
	struct loader mem = {.read = read_members_thread, .arg = &members};
	struct strmap hids = {0};
	int rc = -1, roster;

	loader_start(&records, db);
	loader_start(&mem, db);
	roster = load_files(db, d) == 0 && load_parties(db, d, 0) == 0;
	if (roster && household_ids(d, &hids) != 0) {
		anju_msg(NULL, 0, "out of memory loading the workspace");
		roster = 0;
	}
	if (loader_join(&mem) == 0 && roster)
		rc = keep_members(d, &members, &hids);
	if (loader_join(&records) != 0)
		rc = -1;
	match_strmap_free(&hids);
	match_arena_free(&members.arena);
	free(members.rows);
	return rc;
}

const char *
match_file_name(const struct match_data *d, sqlite3_int64 file_id)
{
	size_t lo = 0, hi = d->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->file_ids[mid] == file_id)
			return d->file_names[mid] ? d->file_names[mid] : "";
		if (d->file_ids[mid] < file_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "";
}

void
match_data_free(struct match_data *d)
{
	match_arena_free(&d->arena);
	match_arena_free(&d->rec_arena);
	free(d->hh);
	free(d->rec);
	free(d->mem);
	free(d->rev);
	free(d->file_ids);
	free(d->file_names);
	memset(d, 0, sizeof(*d));
}
