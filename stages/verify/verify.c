/*
 * verify.c - household status (SPEC 6) and the V-findings (SPEC 5).
 *
 * One streaming pass over the roster joined with its matched records, in
 * household order: no household is held in memory longer than it takes
 * to decide it, so a million households need a few kilobytes.
 *
 * Which record the V-rules look at: the one the household's status rests
 * on (its best record; among equals the first by record_key). A
 * household with several records (M03) is one house: checking every copy
 * would report one problem several times, and a problem on a record the
 * status does not rest on changes nothing for the household. The status
 * itself is the best over all its records.
 */
#include "verify.h"

#include "anju.h"
#include "dates.h"
#include "db.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    "鉴定安全", "改造安全", "保障安全", "改造中", "未保障", "无记录", "待核实",
};

enum {
	ST_APPRAISED,
	ST_RENOVATED,
	ST_GUARANTEED,
	ST_IN_PROGRESS,
	ST_UNSAFE,
	ST_NO_RECORD,
	ST_REVIEW,
};

int
verify_status_rank(const char *status)
{
	int i;

	for (i = 0; i < 7; i++)
		if (strcmp(status, status_names[i]) == 0)
			return i;
	return 7;
}

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* A relocation counts as 改造安全 even without a renovation; the generic
 * means 改造安全 does not: it still needs an accepted renovation. */
static int
is_relocation(const struct verify_record *r)
{
	static const char *const moves[] = {"易地扶贫搬迁", "生态移民",
	                                    "避险搬迁", NULL};

	if (in_list(r->means, moves))
		return 1;
	return strcmp(r->category, "改造安全") == 0 && *r->means != '\0' &&
	       strcmp(r->means, "改造安全") != 0;
}

static int
is_guaranteed(const struct verify_record *r)
{
	static const char *const ways[] = {"保障安全", "集体公租房",
	                                   "幸福大院", "租赁闲置农房",
	                                   "投亲靠友", NULL};

	return in_list(r->means, ways) || strcmp(r->category, "保障安全") == 0;
}

static int
renovation_begun(const struct verify_record *r)
{
	return *r->start != '\0' || *r->completion != '\0' ||
	       *r->result != '\0';
}

static int
grade_unsafe(const struct verify_record *r)
{
	return strcmp(r->grade, "C") == 0 || strcmp(r->grade, "D") == 0;
}

/*
 * A record's status, taking SPEC 6's table in order. Each status needs
 * its evidence: 鉴定安全 a grade A or B, 改造安全 an accepted renovation
 * or a relocation; the generic means 鉴定安全 or 改造安全 typed without
 * that evidence proves nothing, and such a record, like one with nothing
 * at all, is 待核实 (V06). An accepted renovation is 改造安全 and a
 * started one 改造中 whether or not the appraisal was typed in.
 */
static int
record_rank(const struct verify_record *r)
{
	if (strcmp(r->grade, "A") == 0 || strcmp(r->grade, "B") == 0)
		return ST_APPRAISED;
	if (strcmp(r->result, "pass") == 0 || is_relocation(r))
		return ST_RENOVATED;
	if (is_guaranteed(r))
		return ST_GUARANTEED;
	if (strcmp(r->result, "fail") == 0)
		return ST_UNSAFE;
	if (*r->start != '\0' || *r->completion != '\0')
		return ST_IN_PROGRESS;
	if (grade_unsafe(r))
		return ST_UNSAFE;
	return ST_REVIEW;
}

/*
 * R as things stood at AS_OF: a start, completion or acceptance dated
 * after it has not happened yet, and the acceptance result with it, so a
 * typo in a date never makes a house safe early. V05 still reports such
 * dates from R itself. AS_OF NULL: no date is later.
 */
static struct verify_record
as_of_view(const struct verify_record *r, const char *as_of)
{
	struct verify_record v = *r;
	bool later = false;

	if (as_of != NULL) {
		char *dates[3] = {v.start, v.completion, v.acceptance};

		for (int i = 0; i < 3; i++)
			if (*dates[i] != '\0' && strcmp(dates[i], as_of) > 0) {
				*dates[i] = '\0';
				later = true;
			}
	}
	/* No acceptance yet: one dated later, or none dated while the work
	 * started or finished later. An acceptance dated in time keeps its
	 * result (V05 reports the odd dates). */
	if (later && *v.acceptance == '\0')
		*v.result = '\0';
	/* 合格 with nothing behind it (no type, no date) proves nothing; a
	 * failure stays a failure (V04). */
	if (strcmp(v.result, "pass") == 0 && *v.renovation == '\0' &&
	    *v.start == '\0' && *v.completion == '\0' && *v.acceptance == '\0')
		*v.result = '\0';
	return v;
}

const char *
verify_record_status(const struct verify_record *r)
{
	return status_names[record_rank(r)];
}

/* ---- the V-rules ---------------------------------------------------- */

/* What one household's V-findings need besides its record. */
struct vctx {
	const struct anju_rules *rules;
	const char *as_of;
	long as_of_days;
	int node_present[4]; /* the photo column exists in the exports */
	int hh_size;         /* roster household size, -1 */
};

struct vfinding {
	const char *code;
	const char *severity;
	char detail[1024];
};

struct vlist {
	struct vfinding f[9];
	int n;
};

static void add(struct vlist *l, const char *code, const char *severity,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
add(struct vlist *l, const char *code, const char *severity, const char *fmt,
    ...)
{
	struct vfinding *f = &l->f[l->n++];
	va_list ap;

	f->code = code;
	f->severity = severity;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
}

static long
days_since(const struct vctx *c, const char *iso)
{
	return c->as_of_days - date_days(iso);
}

/* V01: a C or D house that nothing makes safe. A renovation typed in
 * but not started does not (the failed acceptance of one is V04). */
static void
rule_v01(const struct verify_record *r, int rank, struct vlist *l)
{
	if (rank != ST_UNSAFE || !grade_unsafe(r) || renovation_begun(r))
		return;
	if (*r->renovation != '\0')
		add(l, "V01", "high",
		    "房屋鉴定为%s级危房，已列改造方式“%s”但尚未开工，没有其他"
		    "住房安全保障措施",
		    r->grade, r->renovation);
	else
		add(l, "V01", "high",
		    "房屋鉴定为%"
		    "s级危房，但没有改造、搬迁或其他住房安全保障措施",
		    r->grade);
}

/* V06: nothing proves the house safe or unsafe (未鉴定). */
static void
rule_v06(const struct verify_record *r, int rank, struct vlist *l)
{
	if (rank != ST_REVIEW || *r->grade != '\0')
		return;
	if (*r->means == '\0')
		add(l, "V06", "high",
		    "已匹配平台档案，但既无房屋危险性鉴定等级，也无住房安全保障"
		    "方式（未鉴定）");
	else
		add(l, "V06", "high",
		    "已匹配平台档案，保障方式填为%s，但没有房屋危险性鉴定等级%s"
		    "（未鉴定）",
		    r->means,
		    strcmp(r->means, "改造安全") == 0 ? "，也没有验收合格的改造"
		                                      : "");
}

static void
rule_deadlines(const struct vctx *c, const struct verify_record *r,
               struct vlist *l)
{
	long n;

	if (*r->start != '\0' && *r->completion == '\0' && *r->result == '\0' &&
	    *r->acceptance == '\0' &&
	    (n = days_since(c, r->start)) > c->rules->start_days)
		add(l, "V02", "medium",
		    "%s开工，截至%s已%ld天仍未竣工（期限%ld天）", r->start,
		    c->as_of, n, c->rules->start_days);
	if (*r->completion != '\0' && *r->result == '\0' &&
	    (n = days_since(c, r->completion)) > c->rules->completion_days)
		add(l, "V03", "medium",
		    "%s竣工，截至%s已%ld天仍无验收结果（期限%ld天）",
		    r->completion, c->as_of, n, c->rules->completion_days);
	if (strcmp(r->result, "fail") == 0)
		add(l, "V04", "high",
		    "危房改造验收不合格%s%s，需整改后重新验收",
		    *r->acceptance ? "，验收日期" : "", r->acceptance);
}

static void
rule_v05(const struct vctx *c, const struct verify_record *r, struct vlist *l)
{
	const char *const dates[4] = {r->appraisal, r->start, r->completion,
	                              r->acceptance};
	static const char *const names[4] = {"鉴定日期", "开工日期", "竣工日期",
	                                     "验收日期"};
	char text[1024] = "";
	size_t len = 0;
	int i, j;

	for (i = 0; i < 4; i++) {
		if (*dates[i] == '\0')
			continue;
		if (strcmp(dates[i], c->as_of) > 0)
			len += (size_t)snprintf(
			    text + len, sizeof(text) - len,
			    "%s%s%s晚于核验日%s（未来日期）", len ? "；" : "",
			    names[i], dates[i], c->as_of);
		for (j = i + 1; j < 4 && len < sizeof(text); j++)
			if (*dates[j] != '\0' && strcmp(dates[j], dates[i]) < 0)
				len += (size_t)snprintf(
				    text + len, sizeof(text) - len,
				    "%s%s%s早于%s%s", len ? "；" : "", names[j],
				    dates[j], names[i], dates[i]);
		if (len >= sizeof(text))
			break;
	}
	if (len > 0)
		add(l, "V05", "medium", "日期不合理：%s", text);
}

static void
rule_v07(const struct verify_record *r, int rank, struct vlist *l)
{
	if (r->verified == 1 &&
	    (rank == ST_UNSAFE || rank == ST_IN_PROGRESS || rank == ST_REVIEW))
		add(l, "V07", "high",
		    "平台标记为住房安全有保障，但核验结果为%s",
		    status_names[rank]);
}

static void
rule_v08(const struct vctx *c, const struct verify_record *r, struct vlist *l)
{
	static const char *const nodes[4] = {"备料到户", "技术培训", "基础验收",
	                                     "竣工"};
	char text[256] = "";
	size_t len = 0;
	int i;

	if (*r->completion == '\0' &&
	    !(*r->renovation != '\0' && strcmp(r->result, "pass") == 0))
		return;
	for (i = 0; i < 4; i++)
		if (r->photos[i] == 0 ||
		    (r->photos[i] < 0 && c->node_present[i]))
			len +=
			    (size_t)snprintf(text + len, sizeof(text) - len,
			                     "%s%s", len ? "、" : "", nodes[i]);
	if (len > 0)
		add(l, "V08", "low", "已竣工的改造缺少%s照片", text);
}

static const char *const rebuilds[] = {
    "原址翻建", "拆除重建", "异地非集中新建", "异地相对集中新建", "异地新建",
    "房屋置换", NULL,
};

static void
rule_v09(const struct vctx *c, const struct verify_record *r, struct vlist *l)
{
	const struct anju_rules *rl = c->rules;
	int repair = strcmp(r->renovation, "修缮加固") == 0;
	int rebuild = in_list(r->renovation, rebuilds);
	double lo = repair ? rl->repair_min : rl->rebuild_min;
	double hi = repair ? rl->repair_max : rl->rebuild_max;
	/* The roster is the register of the household: its size sets the
	 * limit; the record's only when the roster has none. */
	int size = c->hh_size > 0 ? c->hh_size : r->size;
	char text[512] = "";
	size_t len = 0;

	if (*r->renovation == '\0')
		return;
	if ((repair || rebuild) && r->subsidy < 0)
		len += (size_t)snprintf(text, sizeof(text),
		                        "%s改造无补助资金记录", r->renovation);
	else if ((repair || rebuild) && (r->subsidy < lo || r->subsidy > hi))
		len +=
		    (size_t)snprintf(text, sizeof(text),
		                     "%s补助资金%.0f元，不在%.0f–%.0f元范围内",
		                     r->renovation, r->subsidy, lo, hi);
	if (r->area >= 0 && size > 0) {
		double limit = size <= rl->small_people
		                   ? rl->small_area
		                   : rl->area_per_person * size;

		if (r->area > limit)
			snprintf(text + len, sizeof(text) - len,
			         "%s改造面积%g㎡，超过%d人户上限%.0f㎡",
			         len ? "；" : "", r->area, size, limit);
	}
	if (*text != '\0')
		add(l, "V09", "low", "%s", text);
}

/* All V-findings of the record the status rests on, in code order:
 * judged on the record as it stood at the as-of date, but V05 on the
 * dates as typed. */
static void
verify_rules_apply(const struct vctx *c, const struct verify_record *r,
                   int rank, struct vlist *l)
{
	struct verify_record v = as_of_view(r, c->as_of);

	l->n = 0;
	rule_v01(&v, rank, l);
	rule_deadlines(c, &v, l);
	rule_v05(c, r, l);
	rule_v06(&v, rank, l);
	rule_v07(&v, rank, l);
	rule_v08(c, &v, l);
	rule_v09(c, &v, l);
}

/* ---- the pass over the workspace ------------------------------------ */

/* Columns of the household x record query. */
enum {
	Q_HKEY,
	Q_HID,
	Q_HSIZE,
	Q_METHOD,
	Q_RKEY,
	Q_GRADE,
	Q_MEANS,
	Q_CATEGORY,
	Q_RENOVATION,
	Q_RESULT,
	Q_APPRAISAL,
	Q_START,
	Q_COMPLETION,
	Q_ACCEPTANCE,
	Q_VERIFIED,
	Q_PHOTOS,
	Q_SUBSIDY = Q_PHOTOS + 4,
	Q_AREA,
	Q_RSIZE,
	/* households.csv's own (verify_run_write()) */
	Q_CC,
	Q_VC,
	Q_HEAD_ID,
	Q_HEAD_NAME,
	Q_RECORD_ID,
};

/* Only what decides: the texts a finding shows are read by the finding's
 * own INSERT, for the few households that have one. Absent numbers come
 * as -1 (struct verify_record), so each is one column call, not two. */
static const char household_sql[] =
    "SELECT h.household_key, h.household_id,"
    " coalesce(h.household_size, -1), m.method, r.record_key,"
    " r.safety_grade, r.safety_means, r.safety_category,"
    " r.renovation_type, r.acceptance_result, r.appraisal_date,"
    " r.start_date, r.completion_date, r.acceptance_date,"
    " coalesce(r.verified, -1), coalesce(r.photos_materials, -1),"
    " coalesce(r.photos_training, -1), coalesce(r.photos_foundation, -1),"
    " coalesce(r.photos_completion, -1), coalesce(r.subsidy_yuan, -1.0),"
    " coalesce(r.area_m2, -1.0), coalesce(r.household_size, -1),"
    " h.county_code, h.village_code, h.head_id, h.head_name, r.record_id"
    " FROM roster_households h"
    " LEFT JOIN matches m ON m.household_key = h.household_key"
    " LEFT JOIN platform_records r ON r.record_key = m.record_key"
    " WHERE h.duplicate_of IS NULL"
    " ORDER BY h.household_key, m.record_key";

static const char finding_sql[] =
    "INSERT INTO findings (stage, code, severity, county_code,"
    " township_code, village_code, household_id, record_id, head_id,"
    " head_name, detail, source, record_key, household_key)"
    " SELECT 'verify', ?1, ?2, h.county_code, h.township_code,"
    " h.village_code, h.household_id, r.record_id, h.head_id,"
    " h.head_name, ?3, coalesce(f.name, '') || ':' || r.line,"
    " r.record_key, h.household_key"
    " FROM roster_households h, platform_records r"
    " LEFT JOIN input_files f ON f.file_id = r.file_id"
    " WHERE h.household_key = ?4 AND r.record_key = ?5";

static void
col_copy(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	size_t n = s != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(buf, s != NULL ? s : "", n);
	buf[n] = '\0';
}

/* A stored date that is not ISO would make date_days() lie: drop it. */
static void
col_date(sqlite3_stmt *st, int col, char iso[11])
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	iso[0] = '\0';
	if (date_is_iso(s))
		memcpy(iso, s, 11);
}

static void
read_record(sqlite3_stmt *st, struct verify_record *r)
{
	int i;

	col_copy(st, Q_GRADE, r->grade, sizeof(r->grade));
	col_copy(st, Q_MEANS, r->means, sizeof(r->means));
	col_copy(st, Q_CATEGORY, r->category, sizeof(r->category));
	col_copy(st, Q_RENOVATION, r->renovation, sizeof(r->renovation));
	col_copy(st, Q_RESULT, r->result, sizeof(r->result));
	col_date(st, Q_APPRAISAL, r->appraisal);
	col_date(st, Q_START, r->start);
	col_date(st, Q_COMPLETION, r->completion);
	col_date(st, Q_ACCEPTANCE, r->acceptance);
	r->verified = sqlite3_column_int(st, Q_VERIFIED);
	for (i = 0; i < 4; i++)
		r->photos[i] = sqlite3_column_int(st, Q_PHOTOS + i);
	r->subsidy = sqlite3_column_double(st, Q_SUBSIDY);
	r->area = sqlite3_column_double(st, Q_AREA);
	r->size = sqlite3_column_int(st, Q_RSIZE);
}

/* A column's text kept from one row to the next, its memory reused. */
struct kept {
	char *s; /* NULL for SQL NULL */
	char *buf;
	size_t cap;
};

/* Keep column COL of ST's row in K. Returns 0 or -1 (ENOMEM). */
static int
kept_set(struct kept *k, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);

	k->s = NULL;
	if (v == NULL)
		return 0;
	if (anju_keep(&k->buf, &k->cap, v,
	              (size_t)sqlite3_column_bytes(st, col)) != 0)
		return -1;
	k->s = k->buf;
	return 0;
}

/* One household being decided: its roster fields and best record. */
struct household {
	sqlite3_int64 key;
	char *id; /* household_id, owned until store_status() takes it */
	int size, nrecords, rank;
	struct verify_record best;
	sqlite3_int64 best_key;
	char best_method[32];
	/* for households.csv: county_code, village_code, head_id,
	 * head_name, and the best record's record_id */
	struct kept cc, vc, head_id, head_name, record_id;
};

static void
household_free(struct household *h)
{
	if (h == NULL)
		return;
	free(h->id);
	free(h->cc.buf);
	free(h->vc.buf);
	free(h->head_id.buf);
	free(h->head_name.buf);
	free(h->record_id.buf);
	free(h);
}

/* Statuses are written STATUS_BATCH rows a statement, so the cost of
 * running a statement is paid once per batch, not once per household. */
#define STATUS_BATCH 64

struct status_row {
	sqlite3_int64 key, record_key; /* record_key -1: none */
	char *household_id;
	const char *status;
	char method[32];
};

struct pass {
	sqlite3 *db;
	struct vctx ctx;
	sqlite3_stmt *status, *finding;
	struct verify_stats *stats;
	sqlite3_int64 *review; /* households with an M09, sorted */
	size_t nreview;
	struct status_row buf[STATUS_BATCH];
	int nbuf;
	struct verify_households *csv; /* households.csv, or NULL */
	int failed_rc; /* the first SQLite failure's result code */
};

/* Print the SQLite failure on P's connection and keep its result code
 * (a later finalize() resets the connection's). */
static void
sqlite_failed(struct pass *p)
{
	if (p->failed_rc == SQLITE_OK)
		p->failed_rc = sqlite3_errcode(p->db);
	anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(p->db));
}

/* Begin household H at the row of ST, with households.csv's roster
 * columns when CSV. Returns 0 or -1 (ENOMEM). */
static int
household_start(sqlite3_stmt *st, struct household *h, bool csv)
{
	const char *id = (const char *)sqlite3_column_text(st, Q_HID);

	free(h->id);
	if ((h->id = strdup(id != NULL ? id : "")) == NULL)
		return -1;
	h->key = sqlite3_column_int64(st, Q_HKEY);
	h->size = sqlite3_column_int(st, Q_HSIZE);
	h->nrecords = 0;
	h->rank = ST_NO_RECORD;
	h->best_key = -1;
	if (csv && (kept_set(&h->cc, st, Q_CC) != 0 ||
	            kept_set(&h->vc, st, Q_VC) != 0 ||
	            kept_set(&h->head_id, st, Q_HEAD_ID) != 0 ||
	            kept_set(&h->head_name, st, Q_HEAD_NAME) != 0))
		return -1;
	return 0;
}

/* Keep the row's record when it is better, at AS_OF, than the best so
 * far (with its record_id when CSV). Returns 0 or -1 (ENOMEM). */
static int
household_record(sqlite3_stmt *st, const char *as_of, struct household *h,
                 bool csv)
{
	struct verify_record r, v;
	int rank;

	if (sqlite3_column_type(st, Q_RKEY) == SQLITE_NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	read_record(st, &r);
	v = as_of_view(&r, as_of);
	rank = record_rank(&v);
	if (h->nrecords++ > 0 && rank >= h->rank)
		return 0;
	h->rank = rank;
	h->best = r;
	h->best_key = sqlite3_column_int64(st, Q_RKEY);
	col_copy(st, Q_METHOD, h->best_method, sizeof(h->best_method));
	return csv ? kept_set(&h->record_id, st, Q_RECORD_ID) : 0;
}

static int
step_done(struct pass *p, sqlite3_stmt *st)
{
	if (sqlite3_step(st) == SQLITE_DONE)
		return 0;
	sqlite_failed(p);
	return -1;
}

static int
store_finding(struct pass *p, const struct household *h,
              const struct vfinding *f)
{
	sqlite3_stmt *st = p->finding;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, f->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->severity, -1, SQLITE_STATIC);
	db_bind_text(st, 3, f->detail, 0);
	sqlite3_bind_int64(st, 4, h->key);
	sqlite3_bind_int64(st, 5, h->best_key);
	if (step_done(p, st) != 0)
		return -1;
	p->stats->findings++;
	return 0;
}

/* OR FAIL: no statement journal for the multi-row INSERT (see
 * stages/ingest/store.c); a failure rolls the whole stage back. */
static sqlite3_stmt *
prepare_status_insert(sqlite3 *db, int rows)
{
	return db_prepare_rows(
	    db,
	    "INSERT OR FAIL INTO household_status (household_key,"
	    " household_id, status, record_key, match_method)"
	    " VALUES ",
	    "(?, ?, ?, ?, ?)", rows);
}

static int
flush_statuses(struct pass *p)
{
	sqlite3_stmt *st = p->status;
	int i, rc;

	if (p->nbuf == 0)
		return 0;
	if (p->nbuf < STATUS_BATCH &&
	    (st = prepare_status_insert(p->db, p->nbuf)) == NULL)
		return -1;
	sqlite3_reset(st);
	for (i = 0; i < p->nbuf; i++) {
		struct status_row *row = &p->buf[i];
		int col = i * 5;

		sqlite3_bind_int64(st, col + 1, row->key);
		sqlite3_bind_text(st, col + 2, row->household_id, -1, free);
		row->household_id = NULL;
		sqlite3_bind_text(st, col + 3, row->status, -1, SQLITE_STATIC);
		if (row->record_key >= 0)
			sqlite3_bind_int64(st, col + 4, row->record_key);
		else
			sqlite3_bind_null(st, col + 4);
		db_bind_text(st, col + 5, row->method, 1);
	}
	rc = sqlite3_step(st);
	if (st != p->status)
		sqlite3_finalize(st);
	p->nbuf = 0;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_status(struct pass *p, struct household *h)
{
	struct status_row *row = &p->buf[p->nbuf];

	row->household_id = h->id;
	h->id = NULL;
	row->key = h->key;
	row->status = status_names[h->rank];
	row->record_key = h->nrecords > 0 ? h->best_key : -1;
	snprintf(row->method, sizeof(row->method), "%s",
	         h->nrecords > 0 ? h->best_method : "");
	if (++p->nbuf == STATUS_BATCH)
		return flush_statuses(p);
	return 0;
}

static int
is_review(const struct pass *p, sqlite3_int64 key)
{
	size_t lo = 0, hi = p->nreview;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->review[mid] == key)
			return 1;
		if (p->review[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* H's row of households.csv, as the query of verify_out.c gives it.
 * Returns 0 or -1 (ENOMEM, printed). */
static int
household_csv(struct pass *p, const struct household *h)
{
	bool rec = h->nrecords > 0;
	const char *cells[8] = {
	    h->id,
	    h->cc.s,
	    h->vc.s,
	    h->head_id.s,
	    h->head_name.s,
	    status_names[h->rank],
	    rec ? h->record_id.s : NULL,
	    rec && h->best_method[0] != '\0' ? h->best_method : NULL,
	};

	if (verify_households_add(p->csv, cells) == 0)
		return 0;
	anju_msg(NULL, 0, "out of memory");
	return -1;
}

static int
household_finish(struct pass *p, struct household *h)
{
	struct vlist l;
	int i;

	if (h->nrecords == 0 && is_review(p, h->key))
		h->rank = ST_REVIEW;
	if (p->csv != NULL && household_csv(p, h) != 0)
		return -1;
	if (store_status(p, h) != 0) {
		sqlite_failed(p);
		return -1;
	}
	p->stats->households++;
	p->stats->by_status[h->rank]++;
	if (h->nrecords == 0)
		return 0;
	p->ctx.hh_size = h->size;
	verify_rules_apply(&p->ctx, &h->best, h->rank, &l);
	for (i = 0; i < l.n; i++)
		if (store_finding(p, h, &l.f[i]) != 0)
			return -1;
	return 0;
}

/* The households under review (M09), as a sorted array. */
static int
load_reviews(struct pass *p)
{
	sqlite3_stmt *st =
	    db_prepare(p->db, "SELECT DISTINCT household_key FROM"
	                      " review_candidates ORDER BY 1");
	size_t cap = 0;

	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (p->nreview == cap) {
			size_t c = cap ? cap * 2 : 256;
			sqlite3_int64 *a = realloc(p->review, c * sizeof(*a));

			if (a == NULL) {
				sqlite3_finalize(st);
				return -1;
			}
			p->review = a;
			cap = c;
		}
		p->review[p->nreview++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
run_pass(struct pass *p)
{
	sqlite3_stmt *st = db_prepare(p->db, household_sql);
	struct household *h = calloc(1, sizeof(*h));
	int rc = -1, have = 0, step;

	if (st == NULL || h == NULL)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 key = sqlite3_column_int64(st, Q_HKEY);

		if (have && key != h->key) {
			if (household_finish(p, h) != 0)
				goto out;
			have = 0;
		}
		if (!have) {
			if (household_start(st, h, p->csv != NULL) != 0) {
				anju_msg(NULL, 0, "out of memory");
				goto out;
			}
			have = 1;
		}
		if (household_record(st, p->ctx.as_of, h, p->csv != NULL) !=
		    0) {
			anju_msg(NULL, 0, "out of memory");
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		sqlite_failed(p);
		goto out;
	}
	if (have && household_finish(p, h) != 0)
		goto out;
	if (flush_statuses(p) != 0) {
		sqlite_failed(p);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	household_free(h);
	return rc;
}

/* A photo node whose column no export had is unknown, not missing. */
static int
photo_columns(sqlite3 *db, int present[4])
{
	sqlite3_stmt *st = db_prepare(
	    db, "SELECT EXISTS (SELECT 1 FROM platform_records WHERE"
	        " photos_materials IS NOT NULL), EXISTS (SELECT 1 FROM"
	        " platform_records WHERE photos_training IS NOT NULL),"
	        " EXISTS (SELECT 1 FROM platform_records WHERE"
	        " photos_foundation IS NOT NULL), EXISTS (SELECT 1 FROM"
	        " platform_records WHERE photos_completion IS NOT NULL)");
	int i, rc = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < 4; i++)
			present[i] = sqlite3_column_int(st, i);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
verify_write(struct pass *p)
{
	char err[512];
	int rc = -1;

	if (db_exec(p->db, "BEGIN IMMEDIATE", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		return db_exit_code(sqlite3_errcode(p->db));
	}
	if (db_exec(p->db,
	            "DELETE FROM findings WHERE stage = 'verify';"
	            "DELETE FROM household_status;",
	            err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		goto out;
	}
	p->status = prepare_status_insert(p->db, STATUS_BATCH);
	p->finding = db_prepare(p->db, finding_sql);
	if (p->status == NULL || p->finding == NULL || load_reviews(p) != 0 ||
	    run_pass(p) != 0)
		goto out;
	if (db_set_info(p->db, "as_of", p->ctx.as_of) != 0) {
		sqlite_failed(p);
		goto out;
	}
	if (db_exec(p->db, "COMMIT", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) /* before finalize() resets the connection's error */
		rc = db_exit_code(p->failed_rc != SQLITE_OK
		                      ? p->failed_rc
		                      : sqlite3_errcode(p->db));
	sqlite3_finalize(p->status);
	sqlite3_finalize(p->finding);
	while (p->nbuf > 0)
		free(p->buf[--p->nbuf].household_id);
	free(p->review);
	if (rc != 0)
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* verify_run(), and with DIR not NULL verify_run_write(). */
static int
verify_pass(sqlite3 *db, const struct anju_rules *rules, const char *as_of,
            struct verify_stats *stats, const char *dir)
{
	struct verify_stats local;
	struct pass p;
	int rc;

	memset(&p, 0, sizeof(p));
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	p.db = db;
	p.stats = stats;
	p.ctx.rules = rules;
	p.ctx.as_of = as_of;
	p.ctx.as_of_days = date_days(as_of);
	if (photo_columns(db, p.ctx.node_present) != 0)
		return ANJU_EXIT_SOFTWARE;
	if (dir != NULL && (p.csv = verify_households_open(dir)) == NULL)
		return ANJU_EXIT_CANTCREAT;
	if ((rc = verify_write(&p)) != 0) {
		verify_households_abort(p.csv);
		return rc;
	}
	if (dir == NULL)
		return 0;
	if ((rc = verify_households_close(p.csv, db)) != 0)
		return rc;
	return verify_write_findings(db, dir);
}

int
verify_run(sqlite3 *db, const struct anju_rules *rules, const char *as_of,
           struct verify_stats *stats)
{
	return verify_pass(db, rules, as_of, stats, NULL);
}

int
verify_run_write(sqlite3 *db, const struct anju_rules *rules, const char *as_of,
                 struct verify_stats *stats, const char *dir)
{
	return verify_pass(db, rules, as_of, stats, dir);
}

static int
iso_ok(const char *s)
{
	int y, m, d, n = 0;

	return s != NULL && strlen(s) == 10 &&
	       sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 &&
	       date_valid(y, m, d);
}

int
verify_as_of(sqlite3 *db, const char *arg, char iso[11])
{
	char stored[64];

	if (arg != NULL) {
		if (!iso_ok(arg))
			return -1;
		memcpy(iso, arg, 11);
		return 0;
	}
	if (db_get_info(db, "as_of", stored, sizeof(stored)) == 0 &&
	    iso_ok(stored)) {
		memcpy(iso, stored, 11);
		return 0;
	}
	date_today(iso);
	return 0;
}
