/*
 * ingest.c - anju-ingest's logic: read an export with csvin, normalise each
 * row, resolve its division, record its D-codes and store it.
 *
 * Accounting rule (SPEC 2): every data row after the header is read; it is
 * then either kept (a row in platform_records, roster_households or members)
 * or rejected (a row in rejects). Blank lines and title lines above the
 * header are not rows.
 */
#include "ingest.h"

#include "anju.h"
#include "csvin.h"
#include "dates.h"
#include "db.h"
#include "divisions.h"
#include "headers.h"
#include "idcard.h"
#include "text.h"
#include "values.h"

#include <limits.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROW_FINDINGS 24

/* A D-code waiting for its row to be stored. */
struct pending {
	const char *code;
	char *detail;
};

/* The normalised identity and place of one row, shared by all kinds. */
struct row_ctx {
	size_t line;
	struct div_place place;
	const char *household_id;
	const char *record_id;
	const char *head_id;
	const char *head_name;
	size_t npending;
	struct pending pending[MAX_ROW_FINDINGS];
};

struct file_stats {
	char *name;
	char *kind;
	char *encoding;
	size_t read, kept, rejected;
};

struct ingest {
	sqlite3 *db;
	struct header_table headers;
	struct value_map *values;
	struct divisions *div;
	char kind[16];
	char as_of[11];

	const struct header_kind *hk; /* header kind of the current file */
	/* field name -> index in hk, memoised by the name's address: rows
	 * ask for the same literal names millions of times. */
	struct {
		const char *name;
		int index;
	} fcache[64];
	size_t nfcache;
	int col[HEADERS_MAX_FIELDS];
	char *fields[HEADERS_MAX_FIELDS]; /* cleaned values of current row */
	const char *file_path;
	const char *file_name;
	sqlite3_int64 file_id;

	sqlite3_stmt *ins_file, *upd_file, *del_old, *ins_reject;
	sqlite3_stmt *ins_platform, *ins_roster, *ins_member, *ins_finding;

	struct file_stats *stats;
	size_t nstats;
	size_t person_files; /* person-level roster files ingested */
};

static const struct {
	const char *code;
	const char *severity;
} dcode_severity[] = {
	{"D01", "low"},	   {"D02", "low"},   {"D03", "medium"},
	{"D04", "low"},	   {"D05", "medium"}, {"D06", "low"},
	{"D07", "medium"}, {"D08", "low"},   {"D09", "low"},
};

static const char *
severity_of(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(dcode_severity) / sizeof(dcode_severity[0]);
	     i++)
		if (strcmp(dcode_severity[i].code, code) == 0)
			return dcode_severity[i].severity;
	return "low";
}

/* Chinese label of a field, for details a county clerk can read. */
static const char *
field_label(const char *field)
{
	static const struct {
		const char *field, *label;
	} labels[] = {
		{"record_id", "档案编号"},
		{"county", "县(市、区)"},
		{"township", "乡(镇)"},
		{"village", "村"},
		{"village_code", "行政区划代码"},
		{"head_name", "户主姓名"},
		{"head_id", "户主身份证号"},
		{"household_size", "家庭人口"},
		{"household_type", "农户类型"},
		{"safety_grade", "房屋危险性鉴定等级"},
		{"appraisal_date", "鉴定日期"},
		{"renovation_type", "改造方式"},
		{"build_mode", "建设方式"},
		{"area_m2", "改造面积"},
		{"subsidy_yuan", "补助资金"},
		{"start_date", "开工日期"},
		{"completion_date", "竣工日期"},
		{"acceptance_date", "验收日期"},
		{"acceptance_result", "验收结果"},
		{"safety_means", "住房安全保障方式"},
		{"verified", "核验结果"},
		{"photos_materials", "备料到户照片"},
		{"photos_training", "技术培训照片"},
		{"photos_foundation", "基础验收照片"},
		{"photos_completion", "竣工照片"},
		{"toilet", "户厕改造"},
		{"plan_year", "年度"},
		{"household_id", "户编号"},
		{"poverty_attr", "贫困户属性"},
		{"poverty_status", "脱贫状态"},
		{"name", "姓名"},
		{"id", "证件号码"},
		{"relation", "与户主关系"},
	};
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].field, field) == 0)
			return labels[i].label;
	return field;
}

/* Bind S (NULL or "" as SQL NULL) without copying: every string bound in
 * this file lives until the statement has been stepped. */
static void
bind_str(sqlite3_stmt *st, int index, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, index);
	else
		sqlite3_bind_text(st, index, s, -1, SQLITE_STATIC);
}

/* ---- pending findings ------------------------------------------------ */

static void
pend(struct row_ctx *rc, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
pend(struct row_ctx *rc, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *detail = NULL;

	if (rc->npending == MAX_ROW_FINDINGS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) < 0)
		detail = NULL;
	va_end(ap);
	if (detail == NULL)
		return;
	rc->pending[rc->npending].code = code;
	rc->pending[rc->npending].detail = detail;
	rc->npending++;
}

static void
pending_clear(struct row_ctx *rc)
{
	size_t i;

	for (i = 0; i < rc->npending; i++)
		free(rc->pending[i].detail);
	rc->npending = 0;
}

/* Insert the row's pending findings, about the row stored as KEY in the
 * column KEY_COL (0 record_key, 1 household_key, 2 member_key). */
static int
flush_findings(struct ingest *in, struct row_ctx *rc, sqlite3_int64 key,
	       int key_col)
{
	sqlite3_stmt *st = in->ins_finding;
	char source[PATH_MAX + 32];
	size_t i;
	int ok = 0;

	snprintf(source, sizeof(source), "%s:%zu", in->file_name, rc->line);
	for (i = 0; i < rc->npending; i++) {
		sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, in->file_id);
		sqlite3_bind_text(st, 2, rc->pending[i].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, severity_of(rc->pending[i].code), -1,
				  SQLITE_STATIC);
		bind_str(st, 4, rc->place.county);
		bind_str(st, 5, rc->place.township);
		bind_str(st, 6, rc->place.village);
		bind_str(st, 7, rc->household_id);
		bind_str(st, 8, rc->record_id);
		bind_str(st, 9, rc->head_id);
		bind_str(st, 10, rc->head_name);
		sqlite3_bind_text(st, 11, rc->pending[i].detail, -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 12, source, -1, SQLITE_TRANSIENT);
		for (int k = 0; k < 3; k++)
			if (k == key_col)
				sqlite3_bind_int64(st, 13 + k, key);
			else
				sqlite3_bind_null(st, 13 + k);
		if (sqlite3_step(st) != SQLITE_DONE)
			ok = -1;
	}
	pending_clear(rc);
	return ok;
}

/* ---- field access ---------------------------------------------------- */

/* Cleaned value of FIELD in the current row: "" when the column is absent
 * or the cell empty. */
static int
field_index(struct ingest *in, const char *field)
{
	size_t i;
	int f;

	for (i = 0; i < in->nfcache; i++)
		if (in->fcache[i].name == field)
			return in->fcache[i].index;
	f = headers_field(in->hk, field);
	if (in->nfcache < sizeof(in->fcache) / sizeof(in->fcache[0])) {
		in->fcache[in->nfcache].name = field;
		in->fcache[in->nfcache].index = f;
		in->nfcache++;
	}
	return f;
}

static const char *
fv(struct ingest *in, const char *field)
{
	int f = field_index(in, field);

	return (f >= 0 && in->fields[f] != NULL) ? in->fields[f] : "";
}

static bool
has_column(struct ingest *in, const char *field)
{
	int f = field_index(in, field);

	return f >= 0 && in->col[f] >= 0;
}

static void
fields_free(struct ingest *in)
{
	size_t f;

	for (f = 0; f < HEADERS_MAX_FIELDS; f++) {
		free(in->fields[f]);
		in->fields[f] = NULL;
	}
}

/* Clean every mapped cell of ROW into in->fields. Returns false when a
 * cell is not valid UTF-8 (csvin already rejects those; defensive). */
static bool
fields_load(struct ingest *in, const struct csvin_row *row)
{
	size_t f;

	fields_free(in);
	for (f = 0; f < in->hk->nfields; f++) {
		int c = in->col[f];

		if (c < 0 || (size_t)c >= row->nfields)
			continue;
		in->fields[f] = text_clean(row->fields[c]);
		if (in->fields[f] == NULL)
			return false;
	}
	return true;
}

/* ---- normalisers with their D-codes ------------------------------------ */

/* Normalise the ID in FIELD into *ID, pending D01-D04 as it says. */
static void
norm_id(struct ingest *in, struct row_ctx *rc, const char *field,
	const char *who, struct id_norm *id)
{
	const char *raw = fv(in, field);

	id_normalise(raw, in->as_of, id);
	switch (id->state) {
	case ID_BAD_CHECK:
		pend(rc, "D01", "%s%s末位校验码错误（应为%c）", who, id->id,
		     id_check_char(id->id));
		break;
	case ID_MALFORMED:
		pend(rc, "D02", "%s\"%s\"格式错误（%s）", who, raw, id->why);
		break;
	case ID_EXCEL_000:
		pend(rc, "D03",
		     "%s%s末三位为000，疑被Excel截断（Excel只保留15位有效数字）",
		     who, id->id);
		break;
	case ID_EXCEL_SCI:
		pend(rc, "D03", "%s\"%s\"被Excel转成科学计数法，只剩前%d位", who,
		     raw, id->known);
		break;
	case ID_CONVERTED15: {
		char *clean = text_clean(raw);

		pend(rc, "D04", "%s为15位旧号码%s，已转换为18位%s", who,
		     clean ? clean : raw, id->id);
		free(clean);
		break;
	}
	case ID_EMPTY:
	case ID_VALID:
		break;
	}
}

static const char *
norm_date(struct ingest *in, struct row_ctx *rc, const char *field,
	  char iso[11])
{
	const char *raw = fv(in, field);

	switch (date_parse(raw, iso)) {
	case DATE_OK:
		return iso;
	case DATE_BAD:
		pend(rc, "D06", "%s\"%s\"无法识别为日期", field_label(field),
		     raw);
		break;
	case DATE_EMPTY:
		break;
	}
	return NULL;
}

static const char *
norm_enum(struct ingest *in, struct row_ctx *rc, const char *field)
{
	const char *raw = fv(in, field);
	const char *v;
	bool empty = false;

	v = value_lookup(in->values, field, raw, &empty);
	if (v == NULL && !empty)
		pend(rc, "D08", "%s\"%s\"无法识别", field_label(field), raw);
	return v;
}

/* Bind a number parsed by PARSE, or NULL; D08 when it does not parse. */
static void
bind_real(struct ingest *in, struct row_ctx *rc, sqlite3_stmt *st, int idx,
	  const char *field,
	  enum value_result (*parse)(const char *, double *))
{
	const char *raw = fv(in, field);
	double v;

	switch (parse(raw, &v)) {
	case VALUE_OK:
		sqlite3_bind_double(st, idx, v);
		return;
	case VALUE_BAD:
		pend(rc, "D08", "%s\"%s\"无法识别为数值", field_label(field),
		     raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	sqlite3_bind_null(st, idx);
}

static void
bind_size(struct ingest *in, struct row_ctx *rc, sqlite3_stmt *st, int idx)
{
	const char *raw = fv(in, "household_size");
	double v;

	switch (value_number(raw, &v)) {
	case VALUE_OK:
		if (v >= 1 && v <= 99 && v == (int)v) {
			sqlite3_bind_int(st, idx, (int)v);
			return;
		}
		/* FALLTHROUGH */
	case VALUE_BAD:
		pend(rc, "D08", "家庭人口\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	sqlite3_bind_null(st, idx);
}

static void
bind_count(struct ingest *in, struct row_ctx *rc, sqlite3_stmt *st, int idx,
	   const char *field)
{
	const char *raw = fv(in, field);
	int n;

	switch (value_count(raw, &n)) {
	case VALUE_OK:
		sqlite3_bind_int(st, idx, n);
		return;
	case VALUE_BAD:
		pend(rc, "D08", "%s\"%s\"无法识别", field_label(field), raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	sqlite3_bind_null(st, idx);
}

/* Bind a yes/no enum as 1/0/NULL. */
static void
bind_flag(struct ingest *in, struct row_ctx *rc, sqlite3_stmt *st, int idx,
	  const char *field)
{
	const char *v = norm_enum(in, rc, field);

	if (v == NULL)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int(st, idx, strcmp(v, "1") == 0);
}

static void
bind_year(struct ingest *in, struct row_ctx *rc, sqlite3_stmt *st, int idx)
{
	const char *raw = fv(in, "plan_year");
	int y;

	switch (value_year(raw, &y)) {
	case VALUE_OK:
		sqlite3_bind_int(st, idx, y);
		return;
	case VALUE_BAD:
		pend(rc, "D08", "年度\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	sqlite3_bind_null(st, idx);
}

/*
 * Resolve the row's place into rc->place: a valid code given in the file
 * wins; else the names. D05 when given names or a code do not resolve;
 * D07 when there is nothing to resolve with.
 */
static void
resolve_place(struct ingest *in, struct row_ctx *rc)
{
	const char *code = fv(in, "village_code");
	const char *county = fv(in, "county");
	const char *township = fv(in, "township");
	const char *village = fv(in, "village");
	enum div_status st;

	memset(&rc->place, 0, sizeof(rc->place));
	if (*code != '\0') {
		if (divisions_check_code(in->div, code, &rc->place) == DIV_OK &&
		    rc->place.village[0] != '\0')
			return;
		memset(&rc->place, 0, sizeof(rc->place));
		pend(rc, "D05", "行政区划代码%s在区划表中不存在", code);
	}
	if (*county == '\0' && *village == '\0') {
		if (*code == '\0')
			pend(rc, "D07", "县、村名称和区划代码均为空");
		return;
	}
	st = divisions_resolve(in->div, county, township, village, NULL,
			       &rc->place);
	if (st == DIV_OK)
		return;
	if (*village == '\0')
		pend(rc, "D07", "村名称为空");
	else
		pend(rc, "D05", "%s/%s/%s %s", county, township, village,
		     st == DIV_AMBIGUOUS ? "对应多个村，无法确定"
					 : "在区划表中找不到");
}

/* ---- row hash (D09) ---------------------------------------------------- */

/* Hash of the row's cleaned values (column order independent, so the
 * same household exported twice in different layouts still compares):
 * the first 64 bits of a sha256, stored as an INTEGER so that grouping a
 * million rows by it is cheap. */
static sqlite3_int64
row_hash(struct ingest *in)
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	uint64_t h = 0;
	size_t f;

	sha256_init(&ctx);
	for (f = 0; f < in->hk->nfields; f++) {
		const char *v = in->fields[f] ? in->fields[f] : "";

		if (strcmp(in->hk->field[f], "record_id") == 0 && *v == '\0')
			continue;
		sha256_update(&ctx, strlen(in->hk->field[f]),
			      (const uint8_t *)in->hk->field[f]);
		sha256_update(&ctx, 1, (const uint8_t *)"=");
		sha256_update(&ctx, strlen(v) + 1, (const uint8_t *)v);
	}
	sha256_digest(&ctx, sizeof(digest), digest);
	for (f = 0; f < 8; f++)
		h = h << 8 | digest[f];
	return (sqlite3_int64)h;
}

/* ---- the three kinds ---------------------------------------------------- */

static bool
check_required(struct row_ctx *rc, const char *field, const char *value)
{
	if (*value != '\0')
		return true;
	pend(rc, "D07", "必填字段%s为空", field_label(field));
	return false;
}

static int
platform_row(struct ingest *in, struct row_ctx *rc)
{
	sqlite3_stmt *st = in->ins_platform;
	struct id_norm id;
	char *name = text_name(fv(in, "head_name"));
	char record_id[PATH_MAX + 32];
	char d_app[11], d_start[11], d_done[11], d_acc[11];
	const char *means, *cat;
	int rcode = 0;

	if (name == NULL)
		return -1;
	if (*fv(in, "record_id") != '\0')
		snprintf(record_id, sizeof(record_id), "%s",
			 fv(in, "record_id"));
	else
		snprintf(record_id, sizeof(record_id), "%s:%zu", in->file_name,
			 rc->line);
	rc->record_id = record_id;
	rc->head_name = name;
	norm_id(in, rc, "head_id", "户主身份证号", &id);
	rc->head_id = id.id;
	check_required(rc, "head_name", name);
	check_required(rc, "head_id", id.id);
	resolve_place(in, rc);

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rc->line);
	bind_str(st, 3, record_id);
	bind_str(st, 4, fv(in, "county"));
	bind_str(st, 5, fv(in, "township"));
	bind_str(st, 6, fv(in, "village"));
	bind_str(st, 7, rc->place.county);
	bind_str(st, 8, rc->place.township);
	bind_str(st, 9, rc->place.village);
	bind_str(st, 10, name);
	bind_str(st, 11, fv(in, "head_name"));
	bind_str(st, 12, id.id);
	bind_str(st, 13, fv(in, "head_id"));
	sqlite3_bind_text(st, 14, id_state_name(id.state), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, id.known);
	bind_size(in, rc, st, 16);
	bind_str(st, 17, norm_enum(in, rc, "household_type"));
	bind_str(st, 18, norm_enum(in, rc, "safety_grade"));
	bind_str(st, 19, norm_date(in, rc, "appraisal_date", d_app));
	bind_str(st, 20, norm_enum(in, rc, "renovation_type"));
	bind_str(st, 21, norm_enum(in, rc, "build_mode"));
	bind_real(in, rc, st, 22, "area_m2", value_number);
	bind_real(in, rc, st, 23, "subsidy_yuan", value_money);
	bind_str(st, 24, norm_date(in, rc, "start_date", d_start));
	bind_str(st, 25, norm_date(in, rc, "completion_date", d_done));
	bind_str(st, 26, norm_date(in, rc, "acceptance_date", d_acc));
	bind_str(st, 27, norm_enum(in, rc, "acceptance_result"));
	means = norm_enum(in, rc, "safety_means");
	cat = means ? value_safety_category(in->values, means) : NULL;
	bind_str(st, 28, means);
	bind_str(st, 29, cat);
	bind_flag(in, rc, st, 30, "verified");
	bind_count(in, rc, st, 31, "photos_materials");
	bind_count(in, rc, st, 32, "photos_training");
	bind_count(in, rc, st, 33, "photos_foundation");
	bind_count(in, rc, st, 34, "photos_completion");
	bind_flag(in, rc, st, 35, "toilet");
	bind_year(in, rc, st, 36);
	sqlite3_bind_int64(st, 37, row_hash(in));
	if (sqlite3_step(st) != SQLITE_DONE)
		rcode = -1;
	else
		rcode = flush_findings(in, rc, sqlite3_last_insert_rowid(in->db),
				       0);
	pending_clear(rc);
	free(name);
	return rcode;
}

/* Store a roster household from the current row. NAME_FIELD/ID_FIELD say
 * where its head is (head_* for the household layout, name/id for the 户主
 * row of the person layout). */
static int
roster_household(struct ingest *in, struct row_ctx *rc, const char *name_field,
		 const char *id_field)
{
	sqlite3_stmt *st = in->ins_roster;
	struct id_norm id;
	char *name = text_name(fv(in, name_field));
	int rcode = 0;

	if (name == NULL)
		return -1;
	rc->household_id = fv(in, "household_id");
	rc->head_name = name;
	norm_id(in, rc, id_field, "户主身份证号", &id);
	rc->head_id = id.id;
	check_required(rc, "head_name", name);
	check_required(rc, "head_id", id.id);
	resolve_place(in, rc);

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rc->line);
	bind_str(st, 3, rc->household_id);
	bind_str(st, 4, fv(in, "county"));
	bind_str(st, 5, fv(in, "township"));
	bind_str(st, 6, fv(in, "village"));
	bind_str(st, 7, rc->place.county);
	bind_str(st, 8, rc->place.township);
	bind_str(st, 9, rc->place.village);
	bind_str(st, 10, name);
	bind_str(st, 11, fv(in, name_field));
	bind_str(st, 12, id.id);
	bind_str(st, 13, fv(in, id_field));
	sqlite3_bind_text(st, 14, id_state_name(id.state), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, id.known);
	bind_size(in, rc, st, 16);
	bind_str(st, 17, norm_enum(in, rc, "poverty_attr"));
	bind_str(st, 18, norm_enum(in, rc, "poverty_status"));
	sqlite3_bind_int64(st, 19, row_hash(in));
	if (sqlite3_step(st) != SQLITE_DONE)
		rcode = -1;
	else
		rcode = flush_findings(in, rc, sqlite3_last_insert_rowid(in->db),
				       1);
	free(name);
	return rcode;
}

/* Store a person (members export, or a person-level roster row). */
static int
member_row(struct ingest *in, struct row_ctx *rc, bool person_roster)
{
	sqlite3_stmt *st = in->ins_member;
	struct id_norm id;
	char *name = text_name(fv(in, "name"));
	const char *relation;
	int rcode = 0;

	if (name == NULL)
		return -1;
	rc->household_id = fv(in, "household_id");
	relation = has_column(in, "relation") ? norm_enum(in, rc, "relation")
					      : NULL;
	/* The head's own problems are reported on the household row. */
	if (person_roster && relation && strcmp(relation, "户主") == 0) {
		struct row_ctx hrc = {.line = rc->line};

		if (roster_household(in, &hrc, "name", "id") != 0) {
			free(name);
			return -1;
		}
		id_normalise(fv(in, "id"), in->as_of, &id);
		rc->place = hrc.place;
	} else {
		char who[64];

		snprintf(who, sizeof(who), "家庭成员%s的证件号码", name);
		norm_id(in, rc, "id", who, &id);
		rc->head_name = name;
	}
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rc->line);
	bind_str(st, 3, rc->household_id);
	bind_str(st, 4, name);
	bind_str(st, 5, fv(in, "name"));
	bind_str(st, 6, id.id);
	bind_str(st, 7, fv(in, "id"));
	sqlite3_bind_text(st, 8, id_state_name(id.state), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, id.known);
	bind_str(st, 10, relation);
	sqlite3_bind_int64(st, 11, row_hash(in));
	if (sqlite3_step(st) != SQLITE_DONE)
		rcode = -1;
	else
		rcode = flush_findings(in, rc, sqlite3_last_insert_rowid(in->db),
				       2);
	pending_clear(rc);
	free(name);
	return rcode;
}

/* ---- rows and files ---------------------------------------------------- */

static int
reject(struct ingest *in, const struct csvin_row *row, const char *reason)
{
	sqlite3_stmt *st = in->ins_reject;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)row->line);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	/* The raw text may hold invalid UTF-8: keep its bytes as they were. */
	sqlite3_bind_blob(st, 4, row->raw, (int)row->raw_len, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Why the cleaned row cannot be used at all, or NULL. */
static const char *
unusable(struct ingest *in, const struct csvin_row *row)
{
	size_t i, seen = 0;
	bool any = false;

	for (i = 0; i < row->nfields && seen < 2; i++) {
		char *c = text_clean(row->fields[i]);

		if (c != NULL && *c != '\0') {
			seen++;
			if (text_is_total_label(c)) {
				free(c);
				return "total line (合计), not a household";
			}
		}
		free(c);
	}
	for (i = 0; i < in->hk->nfields; i++)
		any |= in->fields[i] != NULL && *in->fields[i] != '\0';
	if (!any)
		return "no value in any known column";
	if (strcmp(in->kind, "platform") == 0) {
		if (*fv(in, "head_id") == '\0' && *fv(in, "head_name") == '\0')
			return "no usable key: 户主姓名 and 户主身份证号 both "
			       "empty";
	} else if (*fv(in, "household_id") == '\0') {
		return "no usable key: 户编号 empty";
	}
	return NULL;
}

static int
ingest_row(struct ingest *in, const struct csvin_row *row, bool person)
{
	struct row_ctx rc = {.line = row->line};
	const char *why;
	int rcode;

	if (row->reject != NULL) {
		in->stats[in->nstats - 1].rejected++;
		return reject(in, row, row->reject);
	}
	if (!fields_load(in, row)) {
		in->stats[in->nstats - 1].rejected++;
		return reject(in, row, "invalid UTF-8");
	}
	if ((why = unusable(in, row)) != NULL) {
		in->stats[in->nstats - 1].rejected++;
		return reject(in, row, why);
	}
	if (strcmp(in->kind, "platform") == 0)
		rcode = platform_row(in, &rc);
	else if (strcmp(in->kind, "members") == 0 || person)
		rcode = member_row(in, &rc, person);
	else
		rcode = roster_household(in, &rc, "head_name", "head_id");
	pending_clear(&rc);
	in->stats[in->nstats - 1].kept++;
	return rcode;
}

/* csvin's header scorer: cells naming a field of this kind. */
static int
score_header(char *const *cells, size_t n, void *ctx)
{
	struct ingest *in = ctx;
	const char *platform[] = {"platform", NULL};
	const char *roster[] = {"roster", "roster.person", NULL};
	const char *members[] = {"members", NULL};
	const char *const *kinds = strcmp(in->kind, "platform") == 0 ? platform
				   : strcmp(in->kind, "roster") == 0 ? roster
								     : members;

	return headers_score(&in->headers, kinds, cells, n);
}

/* Pick the header kind for this file: a roster with a 与户主关系 column is
 * the person-level export. */
static const struct header_kind *
pick_kind(struct ingest *in, const struct csvin_row *hdr)
{
	const struct header_kind *person =
		headers_kind(&in->headers, "roster.person");
	size_t i;

	if (strcmp(in->kind, "roster") != 0 || person == NULL)
		return headers_kind(&in->headers, in->kind);
	for (i = 0; i < hdr->nfields; i++) {
		char *key = text_key(hdr->fields[i]);
		int f = key ? headers_match(person, key) : -1;

		free(key);
		if (f >= 0 && strcmp(person->field[f], "relation") == 0)
			return person;
	}
	return headers_kind(&in->headers, "roster");
}

static sqlite3_int64
file_row(struct ingest *in, const char *real, const struct csvin *csv,
	 const char *layout)
{
	sqlite3_stmt *st = in->ins_file;
	char delim[2] = {csvin_delimiter(csv), '\0'};
	char now[32];
	time_t t = time(NULL);

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", localtime(&t));
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, real, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, in->file_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, csvin_encoding(csv), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, delim, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)csvin_header(csv)->line);
	bind_str(st, 7, layout);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	return sqlite3_last_insert_rowid(in->db);
}

/* Record the file's accounting and drop an earlier ingest of the same
 * file (same real path or same content). */
static int
file_done(struct ingest *in, const char *real, struct csvin *csv)
{
	struct file_stats *s = &in->stats[in->nstats - 1];
	const char *sha = csvin_sha256(csv);

	sqlite3_reset(in->upd_file);
	sqlite3_bind_text(in->upd_file, 1, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(in->upd_file, 2, (sqlite3_int64)s->read);
	sqlite3_bind_int64(in->upd_file, 3, (sqlite3_int64)s->kept);
	sqlite3_bind_int64(in->upd_file, 4, (sqlite3_int64)s->rejected);
	sqlite3_bind_int64(in->upd_file, 5, in->file_id);
	if (sqlite3_step(in->upd_file) != SQLITE_DONE)
		return -1;
	sqlite3_reset(in->del_old);
	sqlite3_bind_text(in->del_old, 1, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(in->del_old, 2, real, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(in->del_old, 3, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(in->del_old, 4, in->file_id);
	return sqlite3_step(in->del_old) == SQLITE_DONE ? 0 : -1;
}

static struct file_stats *
stats_add(struct ingest *in, const char *name)
{
	struct file_stats *s =
		realloc(in->stats, (in->nstats + 1) * sizeof(*in->stats));

	if (s == NULL)
		return NULL;
	in->stats = s;
	s = &in->stats[in->nstats++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->kind = strdup(in->kind);
	return s;
}

int
ingest_file(struct ingest *in, const char *path)
{
	struct csvin *csv = NULL;
	struct csvin_row row;
	struct file_stats *s;
	char err[512], real[PATH_MAX];
	const char *slash;
	bool person;
	int rc, got;

	in->file_path = path;
	slash = strrchr(path, '/');
	in->file_name = slash ? slash + 1 : path;
	rc = csvin_open(path, score_header, in, &csv, err, sizeof(err));
	if (rc != 0) {
		anju_msg(path, 0, "%s", err);
		return rc;
	}
	in->hk = pick_kind(in, csvin_header(csv));
	in->nfcache = 0;
	if (headers_map(in->hk, csvin_header(csv)->fields,
			csvin_header(csv)->nfields, in->col, err,
			sizeof(err)) != 0) {
		anju_msg(path, csvin_header(csv)->line, "%s", err);
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	person = strcmp(in->hk->name, "roster.person") == 0;
	in->person_files += person;
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if ((s = stats_add(in, in->file_name)) == NULL ||
	    (in->file_id = file_row(in, real, csv,
				    strcmp(in->kind, "roster") == 0
					    ? (person ? "person" : "household")
					    : NULL)) < 0) {
		rc = ANJU_EXIT_SOFTWARE;
		goto out;
	}
	while ((got = csvin_next(csv, &row)) == 1) {
		s->read++;
		if (ingest_row(in, &row, person) != 0) {
			anju_msg(path, row.line, "cannot store row: %s",
				 sqlite3_errmsg(in->db));
			rc = ANJU_EXIT_CANTCREAT;
			goto out;
		}
	}
	if (got < 0) {
		anju_msg(path, 0, "read error: %s", csvin_error(csv));
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	s->encoding = strdup(csvin_encoding(csv));
	if (file_done(in, real, csv) != 0) {
		anju_msg(path, 0, "cannot record file: %s",
			 sqlite3_errmsg(in->db));
		rc = ANJU_EXIT_CANTCREAT;
	}
out:
	fields_free(in);
	csvin_close(csv);
	return rc;
}

/* ---- after the last file ----------------------------------------------- */

/*
 * D09: mark every copy but the first of an exact duplicate row and give it
 * a finding. Recomputed for the whole source each time, so re-ingesting a
 * file never leaves stale marks; only the tables this ingest touched.
 */
/* When a statement of ingest_finish() applies. */
enum after {
	AFTER_ANY,	/* every ingest */
	AFTER_PLATFORM, /* a platform ingest */
	AFTER_ROSTER,	/* a roster ingest */
	AFTER_PEOPLE,	/* a members ingest, or a roster with person rows */
	AFTER_PERSON,	/* a roster ingest with person-level files */
};

static const struct {
	enum after when;
	const char *sql;
} finish_sql[] = {
	{AFTER_ANY,
	 "DELETE FROM findings WHERE stage = 'ingest' AND code = 'D09' AND "
	 "file_id IN (SELECT file_id FROM input_files WHERE kind = ?1)"},

	{AFTER_PLATFORM,
	 "UPDATE platform_records SET duplicate_of = NULL "
	 "WHERE duplicate_of IS NOT NULL"},
	{AFTER_PLATFORM,
	 "WITH firsts AS (SELECT row_hash, min(record_key) AS first "
	 "FROM platform_records GROUP BY row_hash HAVING count(*) > 1) "
	 "UPDATE platform_records SET duplicate_of = firsts.first FROM firsts "
	 "WHERE platform_records.row_hash = firsts.row_hash "
	 "AND platform_records.record_key <> firsts.first"},
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
	 "WHERE p.duplicate_of IS NOT NULL"},

	{AFTER_ROSTER,
	 "UPDATE roster_households SET duplicate_of = NULL "
	 "WHERE duplicate_of IS NOT NULL"},
	{AFTER_ROSTER,
	 "WITH firsts AS (SELECT row_hash, min(household_key) AS first "
	 "FROM roster_households GROUP BY row_hash HAVING count(*) > 1) "
	 "UPDATE roster_households SET duplicate_of = firsts.first FROM firsts "
	 "WHERE roster_households.row_hash = firsts.row_hash "
	 "AND roster_households.household_key <> firsts.first"},
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
	 "WHERE r.duplicate_of IS NOT NULL"},

	/* members (and person-level roster rows) */
	{AFTER_PEOPLE,
	 "UPDATE members SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL"},
	{AFTER_PEOPLE,
	 "WITH firsts AS (SELECT row_hash, min(member_key) AS first "
	 "FROM members GROUP BY row_hash HAVING count(*) > 1) "
	 "UPDATE members SET duplicate_of = firsts.first FROM firsts "
	 "WHERE members.row_hash = firsts.row_hash "
	 "AND members.member_key <> firsts.first"},
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
	 "AND (f.kind = 'members' OR m.relation IS NOT '户主')"},

	/* A person's finding belongs to its household: give it the
	 * household's place and head, as SPEC 5 asks. */
	{AFTER_PEOPLE,
	 "UPDATE findings SET county_code = r.county_code, township_code = "
	 "r.township_code, village_code = r.village_code, head_id = r.head_id, "
	 "head_name = r.head_name FROM roster_households r "
	 "WHERE findings.stage = 'ingest' AND findings.member_key IS NOT NULL "
	 "AND r.household_id = findings.household_id AND r.duplicate_of IS NULL"},

	/* Person-level rosters without a 家庭人口 column: count the people. */
	{AFTER_PERSON,
	 "UPDATE roster_households SET household_size = (SELECT count(*) "
	 "FROM members m WHERE m.household_id = roster_households.household_id "
	 "AND m.duplicate_of IS NULL AND m.file_id IN (SELECT file_id FROM "
	 "input_files WHERE kind = 'roster')) WHERE household_size IS NULL AND "
	 "file_id IN (SELECT file_id FROM input_files WHERE layout = 'person')"},
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
ingest_finish(struct ingest *in)
{
	size_t i;

	for (i = 0; i < sizeof(finish_sql) / sizeof(finish_sql[0]); i++) {
		sqlite3_stmt *st;
		int ok;

		if (!finish_applies(in, finish_sql[i].when))
			continue;
		if ((st = db_prepare(in->db, finish_sql[i].sql)) == NULL)
			return ANJU_EXIT_SOFTWARE;
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_text(st, 1, in->kind, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		if (!ok)
			anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(in->db));
		sqlite3_finalize(st);
		if (!ok)
			return ANJU_EXIT_SOFTWARE;
	}
	return 0;
}

void
ingest_print_accounting(struct ingest *in, FILE *out)
{
	size_t i;

	for (i = 0; i < in->nstats; i++) {
		struct file_stats *s = &in->stats[i];

		fprintf(out,
			"%s\t%s\t%s\trows read %zu = kept %zu + rejected %zu\n",
			s->kind, s->name, s->encoding ? s->encoding : "-",
			s->read, s->kept, s->rejected);
	}
}

/* ---- setup ---------------------------------------------------------------
 */

static int
prepare_all(struct ingest *in)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} list[] = {
		{&in->ins_file,
		 "INSERT INTO input_files (kind, path, name, sha256, encoding, "
		 "delimiter, header_line, layout, rows_read, rows_kept, "
		 "rows_rejected, ingested_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, "
		 "0, 0, 0, ?)"},
		{&in->upd_file,
		 "UPDATE input_files SET sha256 = ?, rows_read = ?, rows_kept = "
		 "?, rows_rejected = ? WHERE file_id = ?"},
		{&in->del_old,
		 "DELETE FROM input_files WHERE kind = ? AND (path = ? OR "
		 "sha256 = ?) AND file_id <> ?"},
		{&in->ins_reject, "INSERT INTO rejects (file_id, line, reason, "
				  "raw) VALUES (?, ?, ?, CAST(? AS TEXT))"},
		{&in->ins_platform,
		 "INSERT INTO platform_records (file_id, line, record_id, "
		 "county, township, village, county_code, township_code, "
		 "village_code, head_name, head_name_raw, head_id, head_id_raw, "
		 "head_id_state, head_id_known, household_size, household_type, "
		 "safety_grade, appraisal_date, renovation_type, build_mode, "
		 "area_m2, subsidy_yuan, start_date, completion_date, "
		 "acceptance_date, acceptance_result, safety_means, "
		 "safety_category, verified, photos_materials, photos_training, "
		 "photos_foundation, photos_completion, toilet, plan_year, "
		 "row_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		 "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
		{&in->ins_roster,
		 "INSERT INTO roster_households (file_id, line, household_id, "
		 "county, township, village, county_code, township_code, "
		 "village_code, head_name, head_name_raw, head_id, head_id_raw, "
		 "head_id_state, head_id_known, household_size, poverty_attr, "
		 "poverty_status, row_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		 "?,?,?,?,?)"},
		{&in->ins_member,
		 "INSERT INTO members (file_id, line, household_id, name, "
		 "name_raw, id, id_raw, id_state, id_known, relation, row_hash) "
		 "VALUES (?,?,?,?,?,?,?,?,?,?,?)"},
		{&in->ins_finding,
		 "INSERT INTO findings (stage, file_id, code, severity, "
		 "county_code, township_code, village_code, household_id, "
		 "record_id, head_id, head_name, detail, source, record_key, "
		 "household_key, member_key) VALUES ('ingest', ?, ?, ?, ?, ?, "
		 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
	};
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++)
		if ((*list[i].st = db_prepare(in->db, list[i].sql)) == NULL)
			return -1;
	return 0;
}

int
ingest_open(sqlite3 *db, const struct ingest_opts *opts, struct ingest **out)
{
	struct ingest *in = calloc(1, sizeof(*in));
	const char *dir = opts->datadir ? opts->datadir : anju_datadir();
	char path[PATH_MAX], err[512];
	int rc = ANJU_EXIT_SOFTWARE;

	*out = NULL;
	if (in == NULL)
		return ANJU_EXIT_SOFTWARE;
	in->db = db;
	snprintf(in->kind, sizeof(in->kind), "%s", opts->kind);
	if (opts->as_of != NULL)
		snprintf(in->as_of, sizeof(in->as_of), "%s", opts->as_of);
	else
		date_today(in->as_of);
	snprintf(path, sizeof(path), "%s/schemas/headers.tsv", dir);
	if (headers_load(path, &in->headers, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/schemas/values.tsv", dir);
	if ((in->values = value_map_load(path, err, sizeof(err))) == NULL) {
		anju_msg(NULL, 0, "%s", err);
		goto fail;
	}
	if ((rc = divisions_open(opts->divisions, &in->div, err,
				 sizeof(err))) != 0) {
		anju_msg(opts->divisions, 0, "%s", err);
		goto fail;
	}
	rc = ANJU_EXIT_SOFTWARE;
	if (prepare_all(in) != 0)
		goto fail;
	*out = in;
	return 0;
fail:
	ingest_close(in);
	return rc;
}

void
ingest_close(struct ingest *in)
{
	sqlite3_stmt *sts[8];
	size_t i;

	if (in == NULL)
		return;
	sts[0] = in->ins_file;
	sts[1] = in->upd_file;
	sts[2] = in->del_old;
	sts[3] = in->ins_reject;
	sts[4] = in->ins_platform;
	sts[5] = in->ins_roster;
	sts[6] = in->ins_member;
	sts[7] = in->ins_finding;
	for (i = 0; i < 8; i++)
		sqlite3_finalize(sts[i]);
	fields_free(in);
	headers_free(&in->headers);
	value_map_free(in->values);
	divisions_close(in->div);
	for (i = 0; i < in->nstats; i++) {
		free(in->stats[i].name);
		free(in->stats[i].kind);
		free(in->stats[i].encoding);
	}
	free(in->stats);
	free(in);
}
