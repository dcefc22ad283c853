/*
 * ingest.c - anju-ingest's logic: read an export with csvin, normalise each
 * row, resolve its division, record its D-codes and store it.
 *
 * Two threads share the work of a file (batch.h): the reader runs csvin,
 * cleans and normalises each row, resolves its division and turns it into
 * ready-to-bind operations; the writer (the caller's thread, the only one
 * using the workspace connection) binds and steps them. The division
 * table, the value map and the row fields belong to the reader; the
 * prepared statements and the workspace to the writer.
 *
 * Accounting rule (SPEC 2): every data row after the header is read; it is
 * then either kept (a row in platform_records, roster_households or members)
 * or rejected (a row in rejects). Blank lines and title lines above the
 * header are not rows.
 */
#include "ingest.h"

#include "anju.h"
#include "batch.h"
#include "csvin.h"
#include "dates.h"
#include "db.h"
#include "divisions.h"
#include "headers.h"
#include "idcard.h"
#include "text.h"
#include "values.h"

#include <limits.h>
#include <stdint.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FCACHE     128 /* field_index() slots, a power of two */
#define OP_KINDS   3   /* row kinds: OP_PLATFORM, OP_ROSTER, OP_MEMBER */
#define MULTI_ROWS 32  /* rows per multi-row INSERT */

struct file_stats {
	char *name;
	char *kind;
	char *encoding;
	size_t read, kept, rejected;
};

/*
 * Memo of value_lookup() for one enum field: an export has a handful of
 * distinct spellings per column, and a lookup costs a text_key() and a
 * formatted key. Bounded: past MEMO_MAX spellings the map is asked.
 */
#define MEMO_FIELDS 24
#define MEMO_SLOTS  64 /* a power of two */
#define MEMO_MAX    48
struct enum_memo {
	const char *field; /* the literal name, compared by address */
	size_t n;
	struct {
		char *raw; /* NULL: free slot */
		const char *value;
		bool empty;
	} slot[MEMO_SLOTS];
};

struct ingest {
	sqlite3 *db;
	struct header_table headers;
	struct value_map *values;
	struct divisions *div;
	char kind[16];
	char as_of[11];
	bool platform, members; /* the kind, as flags */

	/* Set by the writer before the reader starts, read-only then. */
	const struct header_kind *hk; /* header kind of the current file */
	int col[HEADERS_MAX_FIELDS];
	const char *file_name;
	sqlite3_int64 file_id;
	bool person; /* the file is a person-level roster */

	/* The reader's own. */
	struct csvin *csv;
	struct file_stats *fs; /* the current file's accounting */
	struct batch *cur;     /* the batch being filled */
	bool oom;              /* an arena allocation of this row failed */
	const char *read_error;
	/* field name -> index in hk, memoised by the name's address (rows
	 * ask for the same literal names millions of times), direct-mapped:
	 * a collision only costs a headers_field() call. */
	struct {
		const char *name;
		int index;
	} fcache[FCACHE];
	/* D09 hash input of the current row ("field=value\0" ...). */
	char *hbuf;
	size_t hcap;
	/* safety_means -> category, by the canonical value's address */
	struct {
		const char *means, *category;
	} catcache[8];
	struct enum_memo memo[MEMO_FIELDS];
	size_t nmemo;
	/* cleaned values of the current row, in the current batch's arena */
	const char *fields[HEADERS_MAX_FIELDS];

	struct handoff ho;

	/* The writer's own. */
	sqlite3_stmt *ins_file, *upd_file, *del_old, *ins_reject;
	sqlite3_stmt *ins_finding;
	/* per row kind (enum op_kind - OP_PLATFORM): one row, MULTI_ROWS */
	sqlite3_stmt *ins_one[OP_KINDS], *ins_many[OP_KINDS];

	struct file_stats *stats;
	size_t nstats;
	size_t person_files; /* person-level roster files ingested */
};

static const struct {
	const char *code;
	const char *severity;
} dcode_severity[] = {
    {"D01", "low"},    {"D02", "low"},    {"D03", "medium"},
    {"D04", "low"},    {"D05", "medium"}, {"D06", "low"},
    {"D07", "medium"}, {"D08", "low"},    {"D09", "low"},
};

static const char *
severity_of(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(dcode_severity) / sizeof(dcode_severity[0]); i++)
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

/* ---- operations (reader) ----------------------------------------------- */

/* A copy of S in the current batch, or NULL (noted in in->oom). */
static const char *
keep(struct ingest *in, const char *s)
{
	char *copy = arena_strdup(&in->cur->arena, s);

	if (copy == NULL)
		in->oom = true;
	return copy;
}

/* Start the next operation of the current batch (the reader makes sure
 * there is room before each row). */
static struct op *
op_new(struct ingest *in, enum op_kind kind, size_t line, int nslots)
{
	struct op *op = &in->cur->op[in->cur->n++];

	op->kind = kind;
	op->line = line;
	op->nslots = nslots;
	op->reason = op->raw = NULL;
	op->raw_len = 0;
	memset(&op->place, 0, sizeof(op->place));
	op->household_id = op->record_id = op->head_id = op->head_name = NULL;
	op->npending = 0;
	return op;
}

static void
put_null(struct op *op, int idx)
{
	op->slot[idx - 1].kind = SLOT_NULL;
}

static void
put_int(struct op *op, int idx, sqlite3_int64 v)
{
	op->slot[idx - 1].kind = SLOT_INT;
	op->slot[idx - 1].v.i = v;
}

static void
put_real(struct op *op, int idx, double v)
{
	op->slot[idx - 1].kind = SLOT_REAL;
	op->slot[idx - 1].v.r = v;
}

/* Bind S (NULL or "" as SQL NULL) without copying: S must live as long as
 * the batch (a field of the row, an arena copy, a value table entry). */
static void
put_str(struct op *op, int idx, const char *s)
{
	if (s == NULL || *s == '\0') {
		put_null(op, idx);
		return;
	}
	op->slot[idx - 1].kind = SLOT_TEXT;
	op->slot[idx - 1].v.s = s;
}

/* ---- pending findings ------------------------------------------------ */

static void pend(struct ingest *in, struct op *op, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
pend(struct ingest *in, struct op *op, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *detail;

	if (op->npending == OP_MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	detail = arena_vprintf(&in->cur->arena, fmt, ap);
	va_end(ap);
	if (detail == NULL)
		return;
	op->pending[op->npending].code = code;
	op->pending[op->npending].detail = detail;
	op->npending++;
}

/* ---- field access ---------------------------------------------------- */

/* Index in hk of FIELD, -1 when the kind has no such field. */
static int
field_index(struct ingest *in, const char *field)
{
	size_t h = ((uintptr_t)field >> 3) & (FCACHE - 1);

	if (in->fcache[h].name != field) {
		in->fcache[h].name = field;
		in->fcache[h].index = headers_field(in->hk, field);
	}
	return in->fcache[h].index;
}

/* Cleaned value of FIELD in the current row: "" when the column is absent
 * or the cell empty. */
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

/* Length of S when it is printable ASCII without spaces (the bulk of
 * ids, codes, dates and numbers), which text_clean() returns as it is
 * (NFKC leaves it alone, nothing to trim or squeeze); else 0. */
static size_t
plain_ascii(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p >= 0x21 && *p <= 0x7E)
		p++;
	return *p == '\0' ? (size_t)(p - (const unsigned char *)s) : 0;
}

/* The cleaned form of CELL in the current batch, or NULL (invalid UTF-8,
 * no memory). */
static const char *
clean_cell(struct ingest *in, const char *cell)
{
	char *clean;
	const char *kept;
	size_t n;

	if (*cell == '\0')
		return "";
	if ((n = plain_ascii(cell)) > 0)
		kept = arena_memdup(&in->cur->arena, cell, n);
	else if ((clean = text_clean(cell)) != NULL) {
		kept = arena_strdup(&in->cur->arena, clean);
		free(clean);
	} else
		return NULL;
	if (kept == NULL)
		in->oom = true;
	return kept;
}

/* Clean every mapped cell of ROW into in->fields, in the current batch's
 * arena. Returns false when a cell is not valid UTF-8 (csvin already
 * rejects those; defensive) or memory runs out. */
static bool
fields_load(struct ingest *in, const struct csvin_row *row)
{
	size_t f;

	memset(in->fields, 0, sizeof(in->fields));
	for (f = 0; f < in->hk->nfields; f++) {
		int c = in->col[f];

		if (c < 0 || (size_t)c >= row->nfields)
			continue;
		if ((in->fields[f] = clean_cell(in, row->fields[c])) == NULL)
			return false;
	}
	return true;
}

/* ---- normalisers with their D-codes ------------------------------------ */

/* Normalise the ID in FIELD into *ID, pending D01-D04 as it says: about
 * the member named MEMBER, or the head when MEMBER is NULL. */
static void
norm_id(struct ingest *in, struct op *op, const char *field, const char *member,
        struct id_norm *id)
{
	const char *raw = fv(in, field);
	char who[64];

	id_normalise(raw, in->as_of, id);
	if (id->state == ID_EMPTY || id->state == ID_VALID)
		return;
	/* Only a finding needs the words (most IDs are fine). */
	if (member != NULL)
		snprintf(who, sizeof(who), "家庭成员%s的证件号码", member);
	else
		snprintf(who, sizeof(who), "户主身份证号");
	switch (id->state) {
	case ID_BAD_CHECK:
		pend(in, op, "D01", "%s%s末位校验码错误（应为%c）", who, id->id,
		     id_check_char(id->id));
		break;
	case ID_MALFORMED:
		pend(in, op, "D02", "%s\"%s\"格式错误（%s）", who, raw,
		     id->why);
		break;
	case ID_EXCEL_000:
		pend(
		    in, op, "D03",
		    "%s%s末三位为000，疑被Excel截断（Excel只保留15位有效数字）",
		    who, id->id);
		break;
	case ID_EXCEL_SCI:
		pend(in, op, "D03", "%s\"%s\"被Excel转成科学计数法，只剩前%d位",
		     who, raw, id->known);
		break;
	case ID_CONVERTED15: {
		char *clean = text_clean(raw);

		pend(in, op, "D04", "%s为15位旧号码%s，已转换为18位%s", who,
		     clean ? clean : raw, id->id);
		free(clean);
		break;
	}
	case ID_EMPTY:
	case ID_VALID:
		break;
	}
}

/* The ISO date in FIELD (in the batch), or NULL; D06 when unreadable. */
static const char *
norm_date(struct ingest *in, struct op *op, const char *field)
{
	const char *raw = fv(in, field);
	char iso[11];

	switch (date_parse(raw, iso)) {
	case DATE_OK:
		return keep(in, iso);
	case DATE_BAD:
		pend(in, op, "D06", "%s\"%s\"无法识别为日期",
		     field_label(field), raw);
		break;
	case DATE_EMPTY:
		break;
	}
	return NULL;
}

static struct enum_memo *
memo_of(struct ingest *in, const char *field)
{
	size_t i;

	for (i = 0; i < in->nmemo; i++)
		if (in->memo[i].field == field)
			return &in->memo[i];
	if (in->nmemo == MEMO_FIELDS)
		return NULL;
	in->memo[in->nmemo].field = field;
	return &in->memo[in->nmemo++];
}

/* value_lookup() through the field's memo (same results). */
static const char *
lookup_value(struct ingest *in, const char *field, const char *raw, bool *empty)
{
	struct enum_memo *m = memo_of(in, field);
	const unsigned char *p;
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *v;

	if (m == NULL)
		return value_lookup(in->values, field, raw, empty);
	for (p = (const unsigned char *)raw; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	for (h &= MEMO_SLOTS - 1; m->slot[h].raw != NULL;
	     h = (h + 1) & (MEMO_SLOTS - 1))
		if (strcmp(m->slot[h].raw, raw) == 0) {
			*empty = m->slot[h].empty;
			return m->slot[h].value;
		}
	v = value_lookup(in->values, field, raw, empty);
	if (m->n < MEMO_MAX && (m->slot[h].raw = strdup(raw)) != NULL) {
		m->slot[h].value = v;
		m->slot[h].empty = *empty;
		m->n++;
	}
	return v;
}

static void
memo_free(struct ingest *in)
{
	size_t i, k;

	for (i = 0; i < in->nmemo; i++)
		for (k = 0; k < MEMO_SLOTS; k++)
			free(in->memo[i].slot[k].raw);
	in->nmemo = 0;
}

static const char *
norm_enum(struct ingest *in, struct op *op, const char *field)
{
	const char *raw = fv(in, field);
	const char *v;
	bool empty = false;

	v = lookup_value(in, field, raw, &empty);
	if (v == NULL && !empty)
		pend(in, op, "D08", "%s\"%s\"无法识别", field_label(field),
		     raw);
	return v;
}

/* Put a number parsed by PARSE, or NULL; D08 when it does not parse. */
static void
put_number(struct ingest *in, struct op *op, int idx, const char *field,
           enum value_result (*parse)(const char *, double *))
{
	const char *raw = fv(in, field);
	double v;

	switch (parse(raw, &v)) {
	case VALUE_OK:
		put_real(op, idx, v);
		return;
	case VALUE_BAD:
		pend(in, op, "D08", "%s\"%s\"无法识别为数值",
		     field_label(field), raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

static void
put_size(struct ingest *in, struct op *op, int idx)
{
	const char *raw = fv(in, "household_size");
	double v;

	switch (value_number(raw, &v)) {
	case VALUE_OK:
		if (v >= 1 && v <= 99 && v == (int)v) {
			put_int(op, idx, (int)v);
			return;
		}
		/* FALLTHROUGH */
	case VALUE_BAD:
		pend(in, op, "D08", "家庭人口\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

static void
put_count(struct ingest *in, struct op *op, int idx, const char *field)
{
	const char *raw = fv(in, field);
	int n;

	switch (value_count(raw, &n)) {
	case VALUE_OK:
		put_int(op, idx, n);
		return;
	case VALUE_BAD:
		pend(in, op, "D08", "%s\"%s\"无法识别", field_label(field),
		     raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

/* Put a yes/no enum as 1/0/NULL. */
static void
put_flag(struct ingest *in, struct op *op, int idx, const char *field)
{
	const char *v = norm_enum(in, op, field);

	if (v == NULL)
		put_null(op, idx);
	else
		put_int(op, idx, strcmp(v, "1") == 0);
}

static void
put_year(struct ingest *in, struct op *op, int idx)
{
	const char *raw = fv(in, "plan_year");
	int y;

	switch (value_year(raw, &y)) {
	case VALUE_OK:
		put_int(op, idx, y);
		return;
	case VALUE_BAD:
		pend(in, op, "D08", "年度\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

/*
 * Resolve the row's place into op->place: a valid code given in the file
 * wins; else the names. D05 when given names or a code do not resolve;
 * D07 when there is nothing to resolve with.
 */
static void
resolve_place(struct ingest *in, struct op *op)
{
	const char *code = fv(in, "village_code");
	const char *county = fv(in, "county");
	const char *township = fv(in, "township");
	const char *village = fv(in, "village");
	enum div_status st;

	memset(&op->place, 0, sizeof(op->place));
	if (*code != '\0') {
		if (divisions_check_code(in->div, code, &op->place) == DIV_OK &&
		    op->place.village[0] != '\0')
			return;
		memset(&op->place, 0, sizeof(op->place));
		pend(in, op, "D05", "行政区划代码%s在区划表中不存在", code);
	}
	if (*county == '\0' && *village == '\0') {
		if (*code == '\0')
			pend(in, op, "D07", "县、村名称和区划代码均为空");
		return;
	}
	st = divisions_resolve(in->div, county, township, village, NULL,
	                       &op->place);
	if (st == DIV_OK)
		return;
	if (*village == '\0')
		pend(in, op, "D07", "村名称为空");
	else
		pend(in, op, "D05", "%s/%s/%s %s", county, township, village,
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
	size_t f, len = 0;

	/* One sha256_update() over "field=value\0..." in a reused buffer:
	 * the same digest as hashing the pieces, at a fraction of the
	 * calls. */
	for (f = 0; f < in->hk->nfields; f++) {
		const char *name = in->hk->field[f];
		const char *v = in->fields[f] ? in->fields[f] : "";
		size_t nlen, vlen;

		if (*v == '\0' && strcmp(name, "record_id") == 0)
			continue;
		nlen = strlen(name);
		vlen = strlen(v);
		if (len + nlen + vlen + 2 > in->hcap) {
			size_t cap = (len + nlen + vlen + 2) * 2;
			char *p = realloc(in->hbuf, cap);

			if (p == NULL) {
				in->oom = true;
				return 0;
			}
			in->hbuf = p;
			in->hcap = cap;
		}
		memcpy(in->hbuf + len, name, nlen);
		in->hbuf[len + nlen] = '=';
		memcpy(in->hbuf + len + nlen + 1, v, vlen + 1);
		len += nlen + vlen + 2;
	}
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)in->hbuf);
	sha256_digest(&ctx, sizeof(digest), digest);
	for (f = 0; f < 8; f++)
		h = h << 8 | digest[f];
	return (sqlite3_int64)h;
}

/* ---- the three kinds ---------------------------------------------------- */

static bool
check_required(struct ingest *in, struct op *op, const char *field,
               const char *value)
{
	if (*value != '\0')
		return true;
	pend(in, op, "D07", "必填字段%s为空", field_label(field));
	return false;
}

/* The head's or person's name in FIELD, cleaned as SPEC 3 says, in the
 * batch ("" and in->oom set when out of memory). */
static const char *
name_of(struct ingest *in, const char *field)
{
	char *name = text_name(fv(in, field));
	const char *kept;

	if (name == NULL) {
		in->oom = true;
		return "";
	}
	kept = keep(in, name);
	free(name);
	return kept ? kept : "";
}

/* The record's id, or FILE:LINE when the export has none. */
static const char *
record_id_of(struct ingest *in, size_t line)
{
	const char *given = fv(in, "record_id");
	char buf[PATH_MAX + 32];

	if (*given != '\0')
		return given;
	snprintf(buf, sizeof(buf), "%s:%zu", in->file_name, line);
	return keep(in, buf);
}

/* value_safety_category() of MEANS (NULL for NULL), memoised by the
 * canonical value's address. */
static const char *
category_of(struct ingest *in, const char *means)
{
	size_t h;

	if (means == NULL)
		return NULL;
	h = ((uintptr_t)means >> 3) %
	    (sizeof(in->catcache) / sizeof(in->catcache[0]));
	if (in->catcache[h].means != means) {
		in->catcache[h].means = means;
		in->catcache[h].category =
		    value_safety_category(in->values, means);
	}
	return in->catcache[h].category;
}

static void
platform_row(struct ingest *in, size_t line)
{
	struct op *op = op_new(in, OP_PLATFORM, line, 37);
	struct id_norm id;
	const char *name = name_of(in, "head_name");
	const char *means;

	op->record_id = record_id_of(in, line);
	op->head_name = name;
	norm_id(in, op, "head_id", NULL, &id);
	op->head_id = keep(in, id.id);
	check_required(in, op, "head_name", name);
	check_required(in, op, "head_id", id.id);
	resolve_place(in, op);

	put_int(op, 1, in->file_id);
	put_int(op, 2, (sqlite3_int64)line);
	put_str(op, 3, op->record_id);
	put_str(op, 4, fv(in, "county"));
	put_str(op, 5, fv(in, "township"));
	put_str(op, 6, fv(in, "village"));
	put_str(op, 7, op->place.county);
	put_str(op, 8, op->place.township);
	put_str(op, 9, op->place.village);
	put_str(op, 10, name);
	put_str(op, 11, fv(in, "head_name"));
	put_str(op, 12, op->head_id);
	put_str(op, 13, fv(in, "head_id"));
	put_str(op, 14, id_state_name(id.state));
	put_int(op, 15, id.known);
	put_size(in, op, 16);
	put_str(op, 17, norm_enum(in, op, "household_type"));
	put_str(op, 18, norm_enum(in, op, "safety_grade"));
	put_str(op, 19, norm_date(in, op, "appraisal_date"));
	put_str(op, 20, norm_enum(in, op, "renovation_type"));
	put_str(op, 21, norm_enum(in, op, "build_mode"));
	put_number(in, op, 22, "area_m2", value_number);
	put_number(in, op, 23, "subsidy_yuan", value_money);
	put_str(op, 24, norm_date(in, op, "start_date"));
	put_str(op, 25, norm_date(in, op, "completion_date"));
	put_str(op, 26, norm_date(in, op, "acceptance_date"));
	put_str(op, 27, norm_enum(in, op, "acceptance_result"));
	means = norm_enum(in, op, "safety_means");
	put_str(op, 28, means);
	put_str(op, 29, category_of(in, means));
	put_flag(in, op, 30, "verified");
	put_count(in, op, 31, "photos_materials");
	put_count(in, op, 32, "photos_training");
	put_count(in, op, 33, "photos_foundation");
	put_count(in, op, 34, "photos_completion");
	put_flag(in, op, 35, "toilet");
	put_year(in, op, 36);
	put_int(op, 37, row_hash(in));
}

/* A roster household from the current row. NAME_FIELD/ID_FIELD say where
 * its head is (head_* for the household layout, name/id for the 户主 row of
 * the person layout). Returns its operation. */
static struct op *
roster_household(struct ingest *in, size_t line, const char *name_field,
                 const char *id_field)
{
	struct op *op = op_new(in, OP_ROSTER, line, 19);
	struct id_norm id;
	const char *name = name_of(in, name_field);

	op->household_id = fv(in, "household_id");
	op->head_name = name;
	norm_id(in, op, id_field, NULL, &id);
	op->head_id = keep(in, id.id);
	check_required(in, op, "head_name", name);
	check_required(in, op, "head_id", id.id);
	resolve_place(in, op);

	put_int(op, 1, in->file_id);
	put_int(op, 2, (sqlite3_int64)line);
	put_str(op, 3, op->household_id);
	put_str(op, 4, fv(in, "county"));
	put_str(op, 5, fv(in, "township"));
	put_str(op, 6, fv(in, "village"));
	put_str(op, 7, op->place.county);
	put_str(op, 8, op->place.township);
	put_str(op, 9, op->place.village);
	put_str(op, 10, name);
	put_str(op, 11, fv(in, name_field));
	put_str(op, 12, op->head_id);
	put_str(op, 13, fv(in, id_field));
	put_str(op, 14, id_state_name(id.state));
	put_int(op, 15, id.known);
	put_size(in, op, 16);
	put_str(op, 17, norm_enum(in, op, "poverty_attr"));
	put_str(op, 18, norm_enum(in, op, "poverty_status"));
	put_int(op, 19, row_hash(in));
	return op;
}

/* A person (members export, or a person-level roster row). The 户主 row
 * of a person-level roster also makes its household, stored first. */
static void
member_row(struct ingest *in, size_t line)
{
	struct op *hop = NULL, *op;
	struct id_norm id;
	const char *name = name_of(in, "name");
	const char *relation = NULL;

	if (in->person && has_column(in, "relation")) {
		/* Look the relation up before making the operations: its
		 * D08 belongs to the person. */
		bool empty = false;

		relation =
		    lookup_value(in, "relation", fv(in, "relation"), &empty);
		if (relation != NULL && strcmp(relation, "户主") == 0)
			hop = roster_household(in, line, "name", "id");
	}
	op = op_new(in, OP_MEMBER, line, 11);
	op->household_id = fv(in, "household_id");
	relation =
	    has_column(in, "relation") ? norm_enum(in, op, "relation") : NULL;
	if (hop != NULL) {
		/* The head's own problems are reported on the household. */
		id_normalise(fv(in, "id"), in->as_of, &id);
		op->place = hop->place;
	} else {
		norm_id(in, op, "id", name, &id);
		op->head_name = name;
	}
	put_int(op, 1, in->file_id);
	put_int(op, 2, (sqlite3_int64)line);
	put_str(op, 3, op->household_id);
	put_str(op, 4, name);
	put_str(op, 5, fv(in, "name"));
	put_str(op, 6, keep(in, id.id));
	put_str(op, 7, fv(in, "id"));
	put_str(op, 8, id_state_name(id.state));
	put_int(op, 9, id.known);
	put_str(op, 10, relation);
	put_int(op, 11, row_hash(in));
}

/* ---- rows (reader) ----------------------------------------------------- */

static void
reject(struct ingest *in, const struct csvin_row *row, const char *reason)
{
	struct op *op = op_new(in, OP_REJECT, row->line, 0);

	in->fs->rejected++;
	op->reason = keep(in, reason);
	/* The raw text may hold invalid UTF-8: keep its bytes as they were. */
	op->raw = arena_memdup(&in->cur->arena, row->raw, row->raw_len);
	op->raw_len = row->raw_len;
	if (op->reason == NULL || op->raw == NULL)
		in->oom = true;
}

/* Cleaned cell I of ROW into *C: the row's field when the column is
 * mapped (no second cleaning), else a text_clean() copy put in *OWNED. */
static const char *
cell_clean(struct ingest *in, const struct csvin_row *row, size_t i,
           char **owned)
{
	size_t f;

	*owned = NULL;
	for (f = 0; f < in->hk->nfields; f++)
		if (in->col[f] == (int)i)
			return in->fields[f] ? in->fields[f] : "";
	return *owned = text_clean(row->fields[i]);
}

/* Why the cleaned row cannot be used at all, or NULL. */
static const char *
unusable(struct ingest *in, const struct csvin_row *row)
{
	size_t i, seen = 0;
	bool any = false;

	for (i = 0; i < row->nfields && seen < 2; i++) {
		char *owned;
		const char *c = cell_clean(in, row, i, &owned);
		bool total = false;

		if (c != NULL && *c != '\0') {
			seen++;
			total = text_is_total_label(c);
		}
		free(owned);
		if (total)
			return "total line (合计), not a household";
	}
	for (i = 0; i < in->hk->nfields; i++)
		any |= in->fields[i] != NULL && *in->fields[i] != '\0';
	if (!any)
		return "no value in any known column";
	if (in->platform) {
		if (*fv(in, "head_id") == '\0' && *fv(in, "head_name") == '\0')
			return "no usable key: 户主姓名 and 户主身份证号 both "
			       "empty";
	} else if (*fv(in, "household_id") == '\0') {
		return "no usable key: 户编号 empty";
	}
	return NULL;
}

/* Turn ROW into its operations in the current batch. */
static void
prepare_row(struct ingest *in, const struct csvin_row *row)
{
	const char *why;

	in->oom = false;
	if (row->reject != NULL) {
		reject(in, row, row->reject);
	} else if (!fields_load(in, row)) {
		reject(in, row, "invalid UTF-8");
	} else if ((why = unusable(in, row)) != NULL) {
		reject(in, row, why);
	} else {
		if (in->platform)
			platform_row(in, row->line);
		else if (in->members || in->person)
			member_row(in, row->line);
		else
			roster_household(in, row->line, "head_name", "head_id");
		in->fs->kept++;
	}
	if (in->oom)
		op_new(in, OP_FAIL, row->line, 0);
}

/* The reader thread: every row of in->csv into batches for the writer,
 * the last one marked. A read error is left in in->read_error. */
static void *
read_rows(void *arg)
{
	struct ingest *in = arg;
	struct csvin_row row;
	bool abort = false;
	int got = 0;

	/* The header kind may differ from the last file's. */
	memset(in->fcache, 0, sizeof(in->fcache));
	in->cur = handoff_take_free(&in->ho, &abort);
	while (!abort && (got = csvin_next(in->csv, &row)) == 1) {
		in->fs->read++;
		/* A row makes at most three operations (household, person,
		 * failure). */
		if (in->cur->n + 3 > BATCH_OPS) {
			handoff_put_full(&in->ho, in->cur);
			in->cur = handoff_take_free(&in->ho, &abort);
		}
		prepare_row(in, &row);
	}
	if (got < 0)
		in->read_error = csvin_error(in->csv);
	in->cur->last = true;
	handoff_put_full(&in->ho, in->cur);
	in->cur = NULL;
	return NULL;
}

/* ---- storing (writer) -------------------------------------------------- */

static void
bind_slot(sqlite3_stmt *st, int idx, const struct slot *s)
{
	switch (s->kind) {
	case SLOT_NULL:
		sqlite3_bind_null(st, idx);
		break;
	case SLOT_INT:
		sqlite3_bind_int64(st, idx, s->v.i);
		break;
	case SLOT_REAL:
		sqlite3_bind_double(st, idx, s->v.r);
		break;
	case SLOT_TEXT:
		sqlite3_bind_text(st, idx, s->v.s, -1, SQLITE_STATIC);
		break;
	}
}

static void
bind_str(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Insert the pending findings of OP, about the row stored as KEY in the
 * column KEY_COL (0 record_key, 1 household_key, 2 member_key). */
static int
store_findings(struct ingest *in, const struct op *op, sqlite3_int64 key,
               int key_col)
{
	sqlite3_stmt *st = in->ins_finding;
	char source[PATH_MAX + 32];
	size_t i;
	int k, ok = 0;

	if (op->npending == 0)
		return 0;
	snprintf(source, sizeof(source), "%s:%zu", in->file_name, op->line);
	for (i = 0; i < op->npending; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, in->file_id);
		sqlite3_bind_text(st, 2, op->pending[i].code, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, severity_of(op->pending[i].code), -1,
		                  SQLITE_STATIC);
		bind_str(st, 4, op->place.county);
		bind_str(st, 5, op->place.township);
		bind_str(st, 6, op->place.village);
		bind_str(st, 7, op->household_id);
		bind_str(st, 8, op->record_id);
		bind_str(st, 9, op->head_id);
		bind_str(st, 10, op->head_name);
		sqlite3_bind_text(st, 11, op->pending[i].detail, -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 12, source, -1, SQLITE_STATIC);
		for (k = 0; k < 3; k++)
			if (k == key_col)
				sqlite3_bind_int64(st, 13 + k, key);
			else
				sqlite3_bind_null(st, 13 + k);
		if (sqlite3_step(st) != SQLITE_DONE)
			ok = -1;
	}
	return ok;
}

static int
store_reject(struct ingest *in, const struct op *op)
{
	sqlite3_stmt *st = in->ins_reject;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)op->line);
	sqlite3_bind_text(st, 3, op->reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, op->raw, (int)op->raw_len, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Bind the values of the N row operations OPS to ST, one after another. */
static void
bind_rows(sqlite3_stmt *st, const struct op *ops, size_t n)
{
	size_t k;
	int i, idx = 1;

	sqlite3_reset(st);
	for (k = 0; k < n; k++)
		for (i = 0; i < ops[k].nslots; i++)
			bind_slot(st, idx++, &ops[k].slot[i]);
}

/* Store the row operation OP and its findings. Returns 0 or -1. */
static int
store_one(struct ingest *in, const struct op *op)
{
	sqlite3_stmt *st;

	switch (op->kind) {
	case OP_REJECT:
		return store_reject(in, op);
	case OP_PLATFORM:
	case OP_ROSTER:
	case OP_MEMBER:
		break;
	case OP_FAIL:
	default:
		return -1;
	}
	st = in->ins_one[op->kind - OP_PLATFORM];
	bind_rows(st, op, 1);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	return store_findings(in, op, sqlite3_last_insert_rowid(in->db),
	                      op->kind - OP_PLATFORM);
}

/*
 * Store MULTI_ROWS row operations of one kind with one INSERT: the
 * statement overhead is paid once. The rows get consecutive keys (an
 * INTEGER PRIMARY KEY given no value is the largest plus one), so the
 * last insert rowid gives every row's key for its findings, stored after
 * the rows in the same order as one by one. Returns 0; -1 when the
 * INSERT failed (SQLite undid the statement; nothing was stored); -2 when
 * a finding could not be stored, *FAILED its row.
 */
static int
store_many(struct ingest *in, const struct op *ops, const struct op **failed)
{
	sqlite3_stmt *st = in->ins_many[ops->kind - OP_PLATFORM];
	sqlite3_int64 first;
	size_t k;

	bind_rows(st, ops, MULTI_ROWS);
	if (sqlite3_step(st) != SQLITE_DONE)
		return -1;
	first = sqlite3_last_insert_rowid(in->db) - (MULTI_ROWS - 1);
	for (k = 0; k < MULTI_ROWS; k++)
		if (store_findings(in, &ops[k], first + (sqlite3_int64)k,
		                   ops->kind - OP_PLATFORM) != 0) {
			*failed = &ops[k];
			return -2;
		}
	return 0;
}

/* How many operations from OPS (N of them) share the first one's row
 * kind, up to MULTI_ROWS. */
static size_t
run_length(const struct op *ops, size_t n)
{
	size_t k;

	if (ops->kind != OP_PLATFORM && ops->kind != OP_ROSTER &&
	    ops->kind != OP_MEMBER)
		return 1;
	for (k = 1; k < n && k < MULTI_ROWS; k++)
		if (ops[k].kind != ops->kind)
			break;
	return k;
}

/* Store the operations of B. Returns 0, or -1 with *FAILED the one that
 * could not be stored. */
static int
store_batch(struct ingest *in, const struct batch *b, const struct op **failed)
{
	size_t i = 0, k, run;
	int many;

	while (i < b->n) {
		run = run_length(&b->op[i], b->n - i);
		/* A failed multi-row INSERT stored nothing: go row by row
		 * to name the row at fault. */
		many =
		    run == MULTI_ROWS ? store_many(in, &b->op[i], failed) : -1;
		if (many == -2)
			return -1;
		if (many == 0) {
			i += run;
			continue;
		}
		for (k = i; k < i + run; k++)
			if (store_one(in, &b->op[k]) != 0) {
				*failed = &b->op[k];
				return -1;
			}
		i += run;
	}
	return 0;
}

/* The writer: store the reader's batches until its last one. After a
 * failure the reader is told to stop and the rest is drained unstored.
 * Returns 0 or ANJU_EXIT_CANTCREAT (message printed). */
static int
store_rows(struct ingest *in, const char *path)
{
	const struct op *failed;
	struct batch *b;
	bool last;
	int rc = 0;

	do {
		b = handoff_take_full(&in->ho);
		if (rc == 0 && store_batch(in, b, &failed) != 0) {
			anju_msg(path, failed->line, "cannot store row: %s",
			         failed->kind == OP_FAIL
			             ? "out of memory"
			             : sqlite3_errmsg(in->db));
			rc = ANJU_EXIT_CANTCREAT;
			handoff_abort(&in->ho);
		}
		last = b->last;
		handoff_put_free(&in->ho, b);
	} while (!last);
	return rc;
}

/* ---- files ------------------------------------------------------------- */

/* csvin's header scorer: cells naming a field of this kind. */
static int
score_header(char *const *cells, size_t n, void *ctx)
{
	struct ingest *in = ctx;
	const char *platform[] = {"platform", NULL};
	const char *roster[] = {"roster", "roster.person", NULL};
	const char *members[] = {"members", NULL};
	const char *const *kinds = in->platform  ? platform
	                           : in->members ? members
	                                         : roster;

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

/* Read and store the rows of the open CSV: the reader on its own thread,
 * the writer here. Returns 0 or an ANJU_EXIT_* code (message printed). */
static int
ingest_rows(struct ingest *in, const char *path, struct csvin *csv)
{
	pthread_t reader;
	int rc;

	handoff_restart(&in->ho);
	in->csv = csv;
	in->read_error = NULL;
	if (pthread_create(&reader, NULL, read_rows, in) != 0) {
		anju_msg(path, 0, "cannot start the reader thread");
		return ANJU_EXIT_SOFTWARE;
	}
	/* A name of its own shows the reader apart in top and perf. */
	pthread_setname_np(reader, "anju-ingest-rd");
	rc = store_rows(in, path);
	pthread_join(reader, NULL);
	in->csv = NULL;
	if (rc == 0 && in->read_error != NULL) {
		anju_msg(path, 0, "read error: %s", in->read_error);
		rc = ANJU_EXIT_DATAERR;
	}
	return rc;
}

int
ingest_file(struct ingest *in, const char *path)
{
	struct csvin *csv = NULL;
	char err[512], real[PATH_MAX];
	const char *slash;
	int rc;

	slash = strrchr(path, '/');
	in->file_name = slash ? slash + 1 : path;
	rc = csvin_open(path, score_header, in, &csv, err, sizeof(err));
	if (rc != 0) {
		anju_msg(path, 0, "%s", err);
		return rc;
	}
	in->hk = pick_kind(in, csvin_header(csv));
	if (headers_map(in->hk, csvin_header(csv)->fields,
	                csvin_header(csv)->nfields, in->col, err,
	                sizeof(err)) != 0) {
		anju_msg(path, csvin_header(csv)->line, "%s", err);
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	in->person = strcmp(in->hk->name, "roster.person") == 0;
	in->person_files += in->person;
	if (realpath(path, real) == NULL)
		snprintf(real, sizeof(real), "%s", path);
	if ((in->fs = stats_add(in, in->file_name)) == NULL ||
	    (in->file_id = file_row(in, real, csv,
	                            strcmp(in->kind, "roster") == 0
	                                ? (in->person ? "person" : "household")
	                                : NULL)) < 0) {
		rc = ANJU_EXIT_SOFTWARE;
		goto out;
	}
	if ((rc = ingest_rows(in, path, csv)) != 0)
		goto out;
	in->fs->encoding = strdup(csvin_encoding(csv));
	if (file_done(in, real, csv) != 0) {
		anju_msg(path, 0, "cannot record file: %s",
		         sqlite3_errmsg(in->db));
		rc = ANJU_EXIT_CANTCREAT;
	}
out:
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
	AFTER_ANY,      /* every ingest */
	AFTER_PLATFORM, /* a platform ingest */
	AFTER_ROSTER,   /* a roster ingest */
	AFTER_PEOPLE,   /* a members ingest, or a roster with person rows */
	AFTER_PERSON,   /* a roster ingest with person-level files */
};

/* The tables D09 looks at: how to read their row hashes and mark a copy. */
struct dup_table {
	const char *count, *scan, *mark;
};

static const struct dup_table dup_platform = {
    "SELECT count(*) FROM platform_records",
    "SELECT row_hash, record_key FROM platform_records",
    "UPDATE platform_records SET duplicate_of = ?1 WHERE record_key = ?2",
};
static const struct dup_table dup_roster = {
    "SELECT count(*) FROM roster_households",
    "SELECT row_hash, household_key FROM roster_households",
    "UPDATE roster_households SET duplicate_of = ?1 "
    "WHERE household_key = ?2",
};
static const struct dup_table dup_members = {
    "SELECT count(*) FROM members",
    "SELECT row_hash, member_key FROM members",
    "UPDATE members SET duplicate_of = ?1 WHERE member_key = ?2",
};

/* The steps of ingest_finish(), in order: an SQL statement, or (sql NULL)
 * marking the duplicates of a table. */
static const struct {
	enum after when;
	const char *sql;
	const struct dup_table *dup;
} finish_sql[] = {
    /* The findings made here (not by a row) are made afresh: D09, and
     * the household checks below, whose details start with 户编号. */
    {AFTER_ANY,
     "DELETE FROM findings WHERE stage = 'ingest' AND (code = 'D09' OR "
     "(code IN ('D07', 'D08') AND detail LIKE '户编号%')) AND "
     "file_id IN (SELECT file_id FROM input_files WHERE kind = ?1)",
     NULL},

    {AFTER_PLATFORM,
     "UPDATE platform_records SET duplicate_of = NULL "
     "WHERE duplicate_of IS NOT NULL",
     NULL},
    {AFTER_PLATFORM, NULL, &dup_platform},
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
     NULL},

    {AFTER_ROSTER,
     "UPDATE roster_households SET duplicate_of = NULL "
     "WHERE duplicate_of IS NOT NULL",
     NULL},
    {AFTER_ROSTER, NULL, &dup_roster},
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
     NULL},

    /* Two different households under one 户编号 (D09 copies aside):
     * every later one is reported. */
    {AFTER_ROSTER,
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
     "JOIN (SELECT household_id, min(household_key) AS first "
     "FROM roster_households WHERE duplicate_of IS NULL "
     "GROUP BY household_id HAVING count(*) > 1) g USING (household_id) "
     "JOIN roster_households o ON o.household_key = g.first "
     "JOIN input_files f0 ON f0.file_id = o.file_id "
     "WHERE r.duplicate_of IS NULL AND r.household_key <> g.first",
     NULL},

    /* members (and person-level roster rows) */
    {AFTER_PEOPLE,
     "UPDATE members SET duplicate_of = NULL WHERE duplicate_of IS NOT NULL",
     NULL},
    {AFTER_PEOPLE, NULL, &dup_members},
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
     NULL},

    /* A person's finding belongs to its household: give it the
     * household's place and head, as SPEC 5 asks. */
    {AFTER_PEOPLE,
     "UPDATE findings SET county_code = r.county_code, township_code = "
     "r.township_code, village_code = r.village_code, head_id = r.head_id, "
     "head_name = r.head_name FROM roster_households r "
     "WHERE findings.stage = 'ingest' AND findings.member_key IS NOT NULL "
     "AND r.household_id = findings.household_id AND r.duplicate_of IS NULL",
     NULL},

    /* A person-level household without a 户主 row still is a roster
     * household: it is kept, with its head unknown (D07), so it is
     * matched through its members or reported, never dropped. */
    {AFTER_PERSON,
     "CREATE TEMP TABLE headless AS SELECT m.file_id, m.line, "
     "m.household_id FROM (SELECT household_id, min(member_key) AS k "
     "FROM members WHERE duplicate_of IS NULL AND file_id IN (SELECT "
     "file_id FROM input_files WHERE kind = 'roster' AND layout = "
     "'person') GROUP BY household_id) g JOIN members m ON m.member_key = "
     "g.k WHERE g.household_id NOT IN (SELECT household_id FROM "
     "roster_households)",
     NULL},
    {AFTER_PERSON,
     "INSERT INTO roster_households (file_id, line, household_id, "
     "head_id_state, head_id_known, row_hash) SELECT file_id, line, "
     "household_id, 'empty', 0, random() FROM headless",
     NULL},
    {AFTER_PERSON,
     "INSERT INTO findings (stage, file_id, code, severity, household_id, "
     "detail, source, household_key) "
     "SELECT 'ingest', r.file_id, 'D07', 'medium', r.household_id, "
     "'户编号' || r.household_id || '的成员中没有与户主关系为户主的行，户主"
     "不明', f.name || ':' || r.line, r.household_key "
     "FROM headless h JOIN roster_households r USING (household_id) "
     "JOIN input_files f ON f.file_id = r.file_id",
     NULL},
    {AFTER_PERSON, "DROP TABLE headless", NULL},

    /* Person-level rosters without a 家庭人口 column: count the people. */
    {AFTER_PERSON,
     "UPDATE roster_households SET household_size = (SELECT count(*) "
     "FROM members m WHERE m.household_id = roster_households.household_id "
     "AND m.duplicate_of IS NULL AND m.file_id IN (SELECT file_id FROM "
     "input_files WHERE kind = 'roster')) WHERE household_size IS NULL AND "
     "file_id IN (SELECT file_id FROM input_files WHERE layout = 'person')",
     NULL},
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

/* A row's hash and key, for finding exact duplicates. */
struct hash_key {
	sqlite3_int64 hash, key;
};

static int
hash_key_cmp(const void *a, const void *b)
{
	const struct hash_key *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->key > y->key) - (x->key < y->key);
}

/* The row hashes and keys of table T into *OUT (malloc'd, caller frees)
 * and *N. Returns 0 or -1. */
static int
load_hashes(struct ingest *in, const struct dup_table *t, struct hash_key **out,
            size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct hash_key *v = NULL;
	size_t cap = 0, i = 0;
	int step = SQLITE_DONE, rc = -1;

	if ((st = db_prepare(in->db, t->count)) == NULL)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		cap = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = db_prepare(in->db, t->scan)) == NULL ||
	    (v = malloc((cap ? cap : 1) * sizeof(*v))) == NULL)
		goto out;
	while (i < cap && (step = sqlite3_step(st)) == SQLITE_ROW) {
		v[i].hash = sqlite3_column_int64(st, 0);
		v[i].key = sqlite3_column_int64(st, 1);
		i++;
	}
	if (i == cap || step == SQLITE_DONE) {
		*out = v;
		*n = i;
		v = NULL;
		rc = 0;
	}
out:
	sqlite3_finalize(st);
	free(v);
	return rc;
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
	struct hash_key *v = NULL;
	size_t n = 0, i, first = 0;
	int rc = -1;

	if (load_hashes(in, t, &v, &n) != 0 ||
	    (mark = db_prepare(in->db, t->mark)) == NULL)
		goto out;
	qsort(v, n, sizeof(*v), hash_key_cmp);
	for (i = 1; i < n; i++) {
		if (v[i].hash != v[first].hash) {
			first = i;
			continue;
		}
		sqlite3_reset(mark);
		sqlite3_bind_int64(mark, 1, v[first].key);
		sqlite3_bind_int64(mark, 2, v[i].key);
		if (sqlite3_step(mark) != SQLITE_DONE)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(mark);
	free(v);
	return rc;
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

int
ingest_finish(struct ingest *in)
{
	size_t i;

	for (i = 0; i < sizeof(finish_sql) / sizeof(finish_sql[0]); i++) {
		int ok;

		if (!finish_applies(in, finish_sql[i].when))
			continue;
		if (finish_sql[i].sql != NULL)
			ok = finish_step(in, finish_sql[i].sql);
		else
			ok = mark_duplicates(in, finish_sql[i].dup);
		if (ok != 0) {
			anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(in->db));
			return ANJU_EXIT_SOFTWARE;
		}
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

/* The INSERT of each row kind, indexed by enum op_kind - OP_PLATFORM. */
static const struct {
	const char *head, *tuple;
} row_insert[OP_KINDS] = {
    {"INSERT INTO platform_records (file_id, line, record_id, county, "
     "township, village, county_code, township_code, village_code, "
     "head_name, head_name_raw, head_id, head_id_raw, head_id_state, "
     "head_id_known, household_size, household_type, safety_grade, "
     "appraisal_date, renovation_type, build_mode, area_m2, subsidy_yuan, "
     "start_date, completion_date, acceptance_date, acceptance_result, "
     "safety_means, safety_category, verified, photos_materials, "
     "photos_training, photos_foundation, photos_completion, toilet, "
     "plan_year, row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
     "?,?,?)"},
    {"INSERT INTO roster_households (file_id, line, household_id, county, "
     "township, village, county_code, township_code, village_code, "
     "head_name, head_name_raw, head_id, head_id_raw, head_id_state, "
     "head_id_known, household_size, poverty_attr, poverty_status, "
     "row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"},
    {"INSERT INTO members (file_id, line, household_id, name, name_raw, id, "
     "id_raw, id_state, id_known, relation, row_hash) VALUES ",
     "(?,?,?,?,?,?,?,?,?,?,?)"},
};

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
	for (i = 0; i < OP_KINDS; i++)
		if ((in->ins_one[i] =
		         db_prepare_rows(in->db, row_insert[i].head,
		                         row_insert[i].tuple, 1)) == NULL ||
		    (in->ins_many[i] = db_prepare_rows(
		         in->db, row_insert[i].head, row_insert[i].tuple,
		         MULTI_ROWS)) == NULL)
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
	in->platform = strcmp(in->kind, "platform") == 0;
	in->members = strcmp(in->kind, "members") == 0;
	if (handoff_init(&in->ho) != 0) {
		/* handoff_destroy() needs the mutex and condvar set up, which
		 * handoff_init() does before anything can fail. */
		anju_msg(NULL, 0, "out of memory");
		goto fail;
	}
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
	size_t i;

	if (in == NULL)
		return;
	sqlite3_finalize(in->ins_file);
	sqlite3_finalize(in->upd_file);
	sqlite3_finalize(in->del_old);
	sqlite3_finalize(in->ins_reject);
	sqlite3_finalize(in->ins_finding);
	for (i = 0; i < OP_KINDS; i++) {
		sqlite3_finalize(in->ins_one[i]);
		sqlite3_finalize(in->ins_many[i]);
	}
	handoff_destroy(&in->ho);
	memo_free(in);
	free(in->hbuf);
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
