/*
 * normalise.c - anju-ingest's reader thread: each row of the open export
 * is cleaned and normalised (IDs, names, dates, money, enumerations,
 * divisions), its D-codes are collected, and it becomes ready-to-bind
 * operations for the writer (store.c). The division table, the value map
 * and the row fields belong to this thread only.
 */
#include "ingest_impl.h"

#include <xxhash.h>

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

/* A copy of S in the current batch, or NULL (noted in rd->oom). */
static const char *
keep(struct reader *rd, const char *s)
{
	char *copy = arena_strdup(&rd->cur->arena, s);

	if (copy == NULL)
		rd->oom = true;
	return copy;
}

/* Start the next operation of the current batch (the reader makes sure
 * there is room before each row). */
static struct op *
op_new(struct reader *rd, enum op_kind kind, size_t line, int nslots)
{
	struct op *op = &rd->cur->op[rd->cur->n++];

	op->kind = kind;
	op->line = line;
	op->nslots = nslots;
	op->reason = op->raw = NULL;
	op->raw_len = 0;
	memset(&op->place, 0, sizeof(op->place));
	op->household_id = op->record_id = op->head_id = op->head_name = NULL;
	op->npending = 0;
	op->row_hash = 0;
	op->id_hash = 0;
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
	op->slot[idx - 1].len = (int)strlen(s);
	op->slot[idx - 1].v.s = s;
}

/* ---- pending findings ------------------------------------------------ */

static void pend(struct reader *rd, struct op *op, const char *code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
pend(struct reader *rd, struct op *op, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *detail;

	if (op->npending == OP_MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	detail = arena_vprintf(&rd->cur->arena, fmt, ap);
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
field_index(struct reader *rd, const char *field)
{
	size_t h = ((uintptr_t)field >> 3) & (FCACHE - 1);

	if (rd->fcache[h].name != field) {
		rd->fcache[h].name = field;
		rd->fcache[h].index = headers_field(rd->hk, field);
	}
	return rd->fcache[h].index;
}

/* Cleaned value of FIELD in the current row: "" when the column is absent
 * or the cell empty. */
static const char *
fv(struct reader *rd, const char *field)
{
	int f = field_index(rd, field);

	return (f >= 0 && rd->fields[f] != NULL) ? rd->fields[f] : "";
}

static bool
has_column(struct reader *rd, const char *field)
{
	int f = field_index(rd, field);

	return f >= 0 && rd->col[f] >= 0;
}

/* The cleaned form of CELL in the current batch, its length in *LEN, or
 * NULL (invalid UTF-8, no memory). */
static const char *
clean_cell(struct reader *rd, const char *cell, size_t *len)
{
	char *clean;
	const char *kept;

	if (*cell == '\0') {
		*len = 0;
		return "";
	}
	/* Most cells are clean already: one copy, no utf8proc. */
	if (text_is_clean(cell, len))
		kept = arena_memdup(&rd->cur->arena, cell, *len);
	else if ((clean = text_clean(cell)) != NULL) {
		*len = strlen(clean);
		kept = arena_memdup(&rd->cur->arena, clean, *len);
		free(clean);
	} else
		return NULL;
	if (kept == NULL)
		rd->oom = true;
	return kept;
}

/* Clean every mapped cell of ROW into rd->fields (lengths in rd->flen),
 * in the current batch's arena. Returns false when a cell is not valid
 * UTF-8 (csvin already rejects those; defensive) or memory runs out. */
static bool
fields_load(struct reader *rd, const struct csvin_row *row)
{
	size_t f;

	/* only the header kind's fields are ever looked at */
	memset(rd->fields, 0, rd->hk->nfields * sizeof(rd->fields[0]));
	memset(rd->flen, 0, rd->hk->nfields * sizeof(rd->flen[0]));
	for (f = 0; f < rd->hk->nfields; f++) {
		int c = rd->col[f];

		if (c < 0 || (size_t)c >= row->nfields)
			continue;
		if ((rd->fields[f] =
		         clean_cell(rd, row->fields[c], &rd->flen[f])) == NULL)
			return false;
	}
	return true;
}

/* ---- normalisers with their D-codes ------------------------------------ */

/* Normalise the ID in FIELD into *ID, pending D01-D04 as it says: about
 * the member named MEMBER, or the head when MEMBER is NULL. */
static void
norm_id(struct reader *rd, struct op *op, const char *field, const char *member,
        struct id_norm *id)
{
	const char *raw = fv(rd, field);
	char who[64];

	id_normalise(raw, rd->in->as_of, id);
	if (id->state == ID_EMPTY || id->state == ID_VALID)
		return;
	/* Only a finding needs the words (most IDs are fine). */
	if (member != NULL)
		snprintf(who, sizeof(who), "家庭成员%s的证件号码", member);
	else
		snprintf(who, sizeof(who), "户主身份证号");
	switch (id->state) {
	case ID_BAD_CHECK:
		pend(rd, op, "D01", "%s%s末位校验码错误（应为%c）", who, id->id,
		     id_check_char(id->id));
		break;
	case ID_MALFORMED:
		pend(rd, op, "D02", "%s\"%s\"格式错误（%s）", who, raw,
		     id->why);
		break;
	case ID_EXCEL_000:
		pend(
		    rd, op, "D03",
		    "%s%s末三位为000，疑被Excel截断（Excel只保留15位有效数字）",
		    who, id->id);
		break;
	case ID_EXCEL_SCI:
		pend(rd, op, "D03", "%s\"%s\"被Excel转成科学计数法，只剩前%d位",
		     who, raw, id->known);
		break;
	case ID_CONVERTED15: {
		char *clean = text_clean(raw);

		pend(rd, op, "D04", "%s为15位旧号码%s，已转换为18位%s", who,
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
norm_date(struct reader *rd, struct op *op, const char *field)
{
	const char *raw = fv(rd, field);
	char iso[11];

	switch (date_parse(raw, iso)) {
	case DATE_OK:
		return keep(rd, iso);
	case DATE_BAD:
		pend(rd, op, "D06", "%s\"%s\"无法识别为日期",
		     field_label(field), raw);
		break;
	case DATE_EMPTY:
		break;
	}
	return NULL;
}

static struct enum_memo *
memo_of(struct reader *rd, const char *field)
{
	size_t i;

	for (i = 0; i < rd->nmemo; i++)
		if (rd->memo[i].field == field)
			return &rd->memo[i];
	if (rd->nmemo == MEMO_FIELDS)
		return NULL;
	rd->memo[rd->nmemo].field = field;
	return &rd->memo[rd->nmemo++];
}

/* value_lookup() through the field's memo (same results). */
static const char *
lookup_value(struct reader *rd, const char *field, const char *raw, bool *empty)
{
	struct enum_memo *m = memo_of(rd, field);
	const unsigned char *p;
	uint32_t h = 2166136261u; /* FNV-1a */
	const char *v;

	if (m == NULL)
		return value_lookup(rd->in->values, field, raw, empty);
	for (p = (const unsigned char *)raw; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	for (h &= MEMO_SLOTS - 1; m->slot[h].raw != NULL;
	     h = (h + 1) & (MEMO_SLOTS - 1))
		if (strcmp(m->slot[h].raw, raw) == 0) {
			*empty = m->slot[h].empty;
			return m->slot[h].value;
		}
	v = value_lookup(rd->in->values, field, raw, empty);
	if (m->n < MEMO_MAX && (m->slot[h].raw = strdup(raw)) != NULL) {
		m->slot[h].value = v;
		m->slot[h].empty = *empty;
		m->n++;
	}
	return v;
}

void
ingest_memo_free(struct reader *rd)
{
	size_t i, k;

	for (i = 0; i < rd->nmemo; i++)
		for (k = 0; k < MEMO_SLOTS; k++)
			free(rd->memo[i].slot[k].raw);
	rd->nmemo = 0;
}

static const char *
norm_enum(struct reader *rd, struct op *op, const char *field)
{
	const char *raw = fv(rd, field);
	const char *v;
	bool empty = false;

	v = lookup_value(rd, field, raw, &empty);
	if (v == NULL && !empty)
		pend(rd, op, "D08", "%s\"%s\"无法识别", field_label(field),
		     raw);
	return v;
}

/* Put a number parsed by PARSE, or NULL; D08 when it does not parse. */
static void
put_number(struct reader *rd, struct op *op, int idx, const char *field,
           enum value_result (*parse)(const char *, double *))
{
	const char *raw = fv(rd, field);
	double v;

	switch (parse(raw, &v)) {
	case VALUE_OK:
		put_real(op, idx, v);
		return;
	case VALUE_BAD:
		pend(rd, op, "D08", "%s\"%s\"无法识别为数值",
		     field_label(field), raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

/*
 * The subsidy in yuan. A column headed 补助资金(万元) counts in units of
 * 10,000 yuan: 1.5 there is 15,000; a cell that says its own unit (1.5万,
 * 15000元) is taken as it says, and so is a bare 1000 or more: ten
 * million yuan is no house's subsidy (the largest is 50,000), so 12000
 * there was typed in yuan, as the other columns' habit is.
 */
static void
put_subsidy(struct reader *rd, struct op *op, int idx)
{
	const char *raw;
	double v;

	if (has_column(rd, "subsidy_yuan") || !has_column(rd, "subsidy_wan")) {
		put_number(rd, op, idx, "subsidy_yuan", value_money);
		return;
	}
	raw = fv(rd, "subsidy_wan");
	switch (value_money(raw, &v)) {
	case VALUE_OK:
		if (strstr(raw, "万") == NULL && strstr(raw, "元") == NULL &&
		    v < 1000)
			v *= 10000;
		put_real(op, idx, v);
		return;
	case VALUE_BAD:
		pend(rd, op, "D08", "补助资金(万元)\"%s\"无法识别为数值", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

static void
put_size(struct reader *rd, struct op *op, int idx)
{
	const char *raw = fv(rd, "household_size");
	double v;

	switch (value_number(raw, &v)) {
	case VALUE_OK:
		if (v >= 1 && v <= 99 && v == (int)v) {
			put_int(op, idx, (int)v);
			return;
		}
		/* FALLTHROUGH */
	case VALUE_BAD:
		pend(rd, op, "D08", "家庭人口\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

static void
put_count(struct reader *rd, struct op *op, int idx, const char *field)
{
	const char *raw = fv(rd, field);
	int n;

	switch (value_count(raw, &n)) {
	case VALUE_OK:
		put_int(op, idx, n);
		return;
	case VALUE_BAD:
		pend(rd, op, "D08", "%s\"%s\"无法识别", field_label(field),
		     raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

/* Put a yes/no enum as 1/0/NULL. */
static void
put_flag(struct reader *rd, struct op *op, int idx, const char *field)
{
	const char *v = norm_enum(rd, op, field);

	if (v == NULL)
		put_null(op, idx);
	else
		put_int(op, idx, strcmp(v, "1") == 0);
}

static void
put_year(struct reader *rd, struct op *op, int idx)
{
	const char *raw = fv(rd, "plan_year");
	int y;

	switch (value_year(raw, &y)) {
	case VALUE_OK:
		put_int(op, idx, y);
		return;
	case VALUE_BAD:
		pend(rd, op, "D08", "年度\"%s\"无法识别", raw);
		break;
	case VALUE_EMPTY:
		break;
	}
	put_null(op, idx);
}

/*
 * A division code as a spreadsheet leaves it: a leading apostrophe (the
 * text marker) or a trailing ".0" (a number cell) is not part of the
 * code. Returns the code, in BUF when it had to be trimmed.
 */
static const char *
division_code(const char *raw, char buf[32])
{
	size_t n, digits;

	if (*raw == '\'' || *raw == '`')
		raw++;
	n = strlen(raw);
	digits = strspn(raw, "0123456789");
	if (digits == 0 || digits == n || n >= 32 || raw[digits] != '.' ||
	    strspn(raw + digits + 1, "0") != n - digits - 1)
		return raw;
	memcpy(buf, raw, digits);
	buf[digits] = '\0';
	return buf;
}

/* What follows the earliest of MARKS in S when something does, or NULL:
 * 阜新市彰武县 after 市 is 彰武县. */
static const char *
after_prefix(const char *s, const char *const *marks, size_t nmarks)
{
	const char *rest = NULL, *p;
	size_t i, n;

	for (i = 0; i < nmarks; i++) {
		n = strlen(marks[i]);
		if ((p = strstr(s, marks[i])) != NULL && p[n] != '\0' &&
		    (rest == NULL || p + n < rest))
			rest = p + n;
	}
	return rest;
}

/* How far down a (partly) resolved place goes: 0 nothing .. 3 village. */
static int
place_depth(const struct div_place *p)
{
	return p->village[0] ? 3 : p->township[0] ? 2 : p->county[0] ? 1 : 0;
}

/*
 * divisions_resolve(), and again without what people write before a name
 * and the table does not have: the city before a county (阜新市彰武县),
 * the township before a village (佛寺镇佛寺村). When no attempt finds the
 * village, *OUT keeps the deepest partial place any attempt found, so
 * that a D05 still goes to its county's pack.
 */
static enum div_status
resolve_names(struct reader *rd, const char *county, const char *township,
              const char *village, struct div_place *out)
{
	static const char *const city[] = {"市", "地区", "自治州", "盟"};
	static const char *const town[] = {"镇", "乡", "街道"};
	const char *c, *v, *tries[2][2];
	struct div_place again;
	enum div_status st;
	size_t i;

	st = divisions_resolve(rd->div, county, township, village, NULL, out);
	if (st != DIV_NONE)
		return st;
	c = after_prefix(county, city, 4);
	v = after_prefix(village, town, 3);
	tries[0][0] = c;
	tries[0][1] = c != NULL ? village : NULL;
	tries[1][0] = c != NULL ? c : county;
	tries[1][1] = v;
	for (i = 0; i < 2; i++) {
		if (tries[i][0] == NULL || tries[i][1] == NULL)
			continue;
		st = divisions_resolve(rd->div, tries[i][0], township,
		                       tries[i][1], NULL, &again);
		if (st != DIV_NONE || place_depth(&again) > place_depth(out))
			*out = again;
		if (st != DIV_NONE)
			return st;
	}
	return DIV_NONE;
}

/*
 * Resolve the row's place into op->place: a valid code given in the file
 * wins; else the names. D05 when given names or a code do not resolve;
 * D07 when there is nothing to resolve with.
 */
static void
resolve_place(struct reader *rd, struct op *op)
{
	char code_buf[32];
	const char *code = division_code(fv(rd, "village_code"), code_buf);
	const char *county = fv(rd, "county");
	const char *township = fv(rd, "township");
	const char *village = fv(rd, "village");
	enum div_status st;

	memset(&op->place, 0, sizeof(op->place));
	if (*code != '\0') {
		bool known =
		    divisions_check_code(rd->div, code, &op->place) == DIV_OK;

		if (known && op->place.village[0] != '\0')
			return;
		memset(&op->place, 0, sizeof(op->place));
		if (known)
			pend(rd, op, "D05",
			     "行政区划代码%s是县或乡镇的代码，不是村的", code);
		else
			pend(rd, op, "D05", "行政区划代码%s在区划表中不存在",
			     code);
	}
	if (*county == '\0' && *village == '\0') {
		if (*code == '\0')
			pend(rd, op, "D07", "县、村名称和区划代码均为空");
		return;
	}
	st = resolve_names(rd, county, township, village, &op->place);
	if (st == DIV_OK)
		return;
	if (*village == '\0')
		pend(rd, op, "D07", "村名称为空");
	else
		pend(rd, op, "D05", "%s/%s/%s %s", county, township, village,
		     st == DIV_AMBIGUOUS ? "对应多个村，无法确定"
		                         : "在区划表中找不到");
}

/* The row's place without any finding: a code that exists, else whatever
 * the names resolve to. */
static void
place_quiet(struct reader *rd, struct div_place *out)
{
	char code_buf[32];
	const char *code = division_code(fv(rd, "village_code"), code_buf);

	memset(out, 0, sizeof(*out));
	if (*code != '\0' &&
	    divisions_check_code(rd->div, code, out) == DIV_OK &&
	    out->village[0] != '\0')
		return;
	(void)resolve_names(rd, fv(rd, "county"), fv(rd, "township"),
	                    fv(rd, "village"), out);
}

/* ---- row hash (D09) ---------------------------------------------------- */

/* SplitMix64's finaliser: every bit of X moves every bit of the result. */
static uint64_t
mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* Where a field's normalised value is bound, per row kind (0: nowhere;
 * the field's text then counts as written). */
struct hash_slot {
	const char *field;
	signed char slot;
};
static const struct hash_slot platform_slots[] = {
    {"county", 7},
    {"township", 8},
    {"village", 9},
    {"village_code", 9},
    {"head_name", 10},
    {"head_id", 12},
    {"household_size", 16},
    {"household_type", 17},
    {"safety_grade", 18},
    {"appraisal_date", 19},
    {"renovation_type", 20},
    {"build_mode", 21},
    {"area_m2", 22},
    {"subsidy_yuan", 23},
    {"subsidy_wan", 23},
    {"start_date", 24},
    {"completion_date", 25},
    {"acceptance_date", 26},
    {"acceptance_result", 27},
    {"safety_means", 28},
    {"verified", 30},
    {"photos_materials", 31},
    {"photos_training", 32},
    {"photos_foundation", 33},
    {"photos_completion", 34},
    {"toilet", 35},
    {"plan_year", 36},
    {NULL, 0},
};
static const struct hash_slot roster_slots[] = {
    {"household_id", 3},    {"county", 7},
    {"township", 8},        {"village", 9},
    {"village_code", 9},    {"head_name", 10},
    {"name", 10}, /* the 户主 row of a person-level roster */
    {"head_id", 12},        {"id", 12},
    {"household_size", 16}, {"poverty_attr", 17},
    {"poverty_status", 18}, {NULL, 0},
};
static const struct hash_slot member_slots[] = {
    {"household_id", 3}, {"name", 4},          {"id", 6},
    {"relation", 10},    {"county", 12},       {"township", 13},
    {"village", 14},     {"village_code", 14}, {NULL, 0},
};

void
ingest_hash_slots(struct reader *rd)
{
	const struct hash_slot *maps[2] = {
	    rd->platform ? platform_slots : roster_slots, member_slots};
	size_t m, f;

	for (m = 0; m < 2; m++)
		for (f = 0; f < rd->hk->nfields; f++) {
			const struct hash_slot *h = maps[m];

			while (h->field != NULL &&
			       strcmp(h->field, rd->hk->field[f]) != 0)
				h++;
			rd->hslot[m][f] = h->slot;
		}
}

/*
 * D09's hash of OP, a row of the current file: every field of the header
 * kind in its order, each hashed with XXH3 seeded by the hash so far (so
 * each value's bounds count and nothing is copied): its normalised value
 * where it has one (SLOTS[f], as ingest_hash_slots() found), so that
 * 2020/4/30 and 2020-04-30, 1.2万 and 12000, x and X, 阜新县 and 阜蒙县
 * make the same row; else its cleaned text, so that values that did not
 * normalise (an unreadable date, an unknown grade) and fields kept as
 * written (人编号) still tell rows apart. A number is mixed in by mix64(),
 * cheaper than a call. As an INTEGER, so that grouping and sorting it is
 * cheap.
 */
static sqlite3_int64
op_hash(const struct reader *rd, const struct op *op, const signed char *slots)
{
	uint64_t h = 0, bits;
	size_t f;

	for (f = 0; f < rd->hk->nfields; f++) {
		const struct slot *s =
		    slots[f] > 0 ? &op->slot[slots[f] - 1] : NULL;

		if (s == NULL || s->kind == SLOT_NULL) {
			h = XXH3_64bits_withSeed(
			    rd->fields[f] != NULL ? rd->fields[f] : "",
			    rd->flen[f], h);
		} else if (s->kind == SLOT_TEXT) {
			h = XXH3_64bits_withSeed(s->v.s, (size_t)s->len, h);
		} else {
			memcpy(&bits, &s->v, sizeof(bits));
			h = mix64(mix64(h ^ (s->kind == SLOT_INT ? 'i' : 'r')) ^
			          bits);
		}
	}
	return (sqlite3_int64)h;
}

/* The hashes of the three kinds, bound at their row_hash slot. */
static void
platform_hash(struct reader *rd, struct op *op)
{
	op->row_hash = op_hash(rd, op, rd->hslot[0]);
	put_int(op, 37, op->row_hash);
}

static void
roster_hash(struct reader *rd, struct op *op)
{
	op->row_hash = op_hash(rd, op, rd->hslot[0]);
	put_int(op, 19, op->row_hash);
}

static void
member_hash(struct reader *rd, struct op *op)
{
	op->row_hash = op_hash(rd, op, rd->hslot[1]);
	put_int(op, 11, op->row_hash);
}

/* ---- the three kinds ---------------------------------------------------- */

static bool
check_required(struct reader *rd, struct op *op, const char *field,
               const char *value)
{
	if (*value != '\0')
		return true;
	pend(rd, op, "D07", "必填字段%s为空", field_label(field));
	return false;
}

/* The head's or person's name in FIELD, cleaned as SPEC 3 says, in the
 * batch ("" and rd->oom set when out of memory). */
static const char *
name_of(struct reader *rd, const char *field)
{
	char *name = text_name(fv(rd, field));
	const char *kept;

	if (name == NULL) {
		rd->oom = true;
		return "";
	}
	kept = keep(rd, name);
	free(name);
	return kept ? kept : "";
}

/* The record's id, or FILE:LINE when the export has none. */
static const char *
record_id_of(struct reader *rd, size_t line)
{
	const char *given = fv(rd, "record_id");
	char buf[PATH_MAX + 32];

	if (*given != '\0')
		return given;
	snprintf(buf, sizeof(buf), "%s:%zu", rd->file_name, line);
	return keep(rd, buf);
}

/* value_safety_category() of MEANS (NULL for NULL), memoised by the
 * canonical value's address. */
static const char *
category_of(struct reader *rd, const char *means)
{
	size_t h;

	if (means == NULL)
		return NULL;
	h = ((uintptr_t)means >> 3) %
	    (sizeof(rd->catcache) / sizeof(rd->catcache[0]));
	if (rd->catcache[h].means != means) {
		rd->catcache[h].means = means;
		rd->catcache[h].category =
		    value_safety_category(rd->in->values, means);
	}
	return rd->catcache[h].category;
}

/*
 * The first fifteen values of a platform record and of a roster household,
 * which share them: file, line, KEY (档案编号 or 户编号), the place as
 * written and as resolved, and the head's name and ID, normalised and as
 * written, with their D-codes.
 */
static void
put_head_and_place(struct reader *rd, struct op *op, size_t line,
                   const char *key, const char *name_field,
                   const char *id_field)
{
	const char *name = name_of(rd, name_field);
	struct id_norm id;

	op->head_name = name;
	norm_id(rd, op, id_field, NULL, &id);
	op->head_id = keep(rd, id.id);
	check_required(rd, op, "head_name", name);
	check_required(rd, op, "head_id", id.id);
	resolve_place(rd, op);

	put_int(op, 1, rd->file_id);
	put_int(op, 2, (sqlite3_int64)line);
	put_str(op, 3, key);
	put_str(op, 4, fv(rd, "county"));
	put_str(op, 5, fv(rd, "township"));
	put_str(op, 6, fv(rd, "village"));
	put_str(op, 7, op->place.county);
	put_str(op, 8, op->place.township);
	put_str(op, 9, op->place.village);
	put_str(op, 10, name);
	put_str(op, 11, fv(rd, name_field));
	put_str(op, 12, op->head_id);
	put_str(op, 13, fv(rd, id_field));
	put_str(op, 14, id_state_name(id.state));
	put_int(op, 15, id.known);
}

static void
platform_row(struct reader *rd, size_t line)
{
	struct op *op = op_new(rd, OP_PLATFORM, line, 37);
	const char *means;

	op->record_id = record_id_of(rd, line);
	put_head_and_place(rd, op, line, op->record_id, "head_name", "head_id");
	put_size(rd, op, 16);
	put_str(op, 17, norm_enum(rd, op, "household_type"));
	put_str(op, 18, norm_enum(rd, op, "safety_grade"));
	put_str(op, 19, norm_date(rd, op, "appraisal_date"));
	put_str(op, 20, norm_enum(rd, op, "renovation_type"));
	put_str(op, 21, norm_enum(rd, op, "build_mode"));
	put_number(rd, op, 22, "area_m2", value_number);
	put_subsidy(rd, op, 23);
	put_str(op, 24, norm_date(rd, op, "start_date"));
	put_str(op, 25, norm_date(rd, op, "completion_date"));
	put_str(op, 26, norm_date(rd, op, "acceptance_date"));
	put_str(op, 27, norm_enum(rd, op, "acceptance_result"));
	means = norm_enum(rd, op, "safety_means");
	put_str(op, 28, means);
	put_str(op, 29, category_of(rd, means));
	put_flag(rd, op, 30, "verified");
	put_count(rd, op, 31, "photos_materials");
	put_count(rd, op, 32, "photos_training");
	put_count(rd, op, 33, "photos_foundation");
	put_count(rd, op, 34, "photos_completion");
	put_flag(rd, op, 35, "toilet");
	put_year(rd, op, 36);
	platform_hash(rd, op);
}

/* A roster household from the current row. NAME_FIELD/ID_FIELD say where
 * its head is (head_* for the household layout, name/id for the 户主 row of
 * the person layout). Returns its operation. */
static struct op *
roster_household(struct reader *rd, size_t line, const char *name_field,
                 const char *id_field)
{
	struct op *op = op_new(rd, OP_ROSTER, line, 19);

	op->household_id = fv(rd, "household_id");
	op->id_hash = text_hash(op->household_id);
	put_head_and_place(rd, op, line, op->household_id, name_field,
	                   id_field);
	put_size(rd, op, 16);
	put_str(op, 17, norm_enum(rd, op, "poverty_attr"));
	put_str(op, 18, norm_enum(rd, op, "poverty_status"));
	roster_hash(rd, op);
	return op;
}

/* A person (members export, or a person-level roster row). The 户主 row
 * of a person-level roster also makes its household, stored first. */
static void
member_row(struct reader *rd, size_t line)
{
	struct op *hop = NULL, *op;
	struct id_norm id;
	const char *name = name_of(rd, "name");
	const char *relation = NULL;

	if (rd->person && has_column(rd, "relation")) {
		/* Look the relation up before making the operations: its
		 * D08 belongs to the person. */
		bool empty = false;

		relation =
		    lookup_value(rd, "relation", fv(rd, "relation"), &empty);
		if (relation != NULL && strcmp(relation, "户主") == 0)
			hop = roster_household(rd, line, "name", "id");
	}
	op = op_new(rd, OP_MEMBER, line, 14);
	op->household_id = fv(rd, "household_id");
	relation =
	    has_column(rd, "relation") ? norm_enum(rd, op, "relation") : NULL;
	if (hop != NULL) {
		/* The head's own problems are reported on the household. */
		id_normalise(fv(rd, "id"), rd->in->as_of, &id);
		op->place = hop->place;
	} else {
		norm_id(rd, op, "id", name, &id);
		op->head_name = name;
		if (rd->person)
			place_quiet(rd, &op->place);
	}
	put_int(op, 1, rd->file_id);
	put_int(op, 2, (sqlite3_int64)line);
	put_str(op, 3, op->household_id);
	put_str(op, 4, name);
	put_str(op, 5, fv(rd, "name"));
	put_str(op, 6, keep(rd, id.id));
	put_str(op, 7, fv(rd, "id"));
	put_str(op, 8, id_state_name(id.state));
	put_int(op, 9, id.known);
	put_str(op, 10, relation);
	/* A member's own place: only a household without a 户主 row needs
	 * it (finish.c); the household's D05 is reported once, on its head. */
	put_str(op, 12, op->place.county);
	put_str(op, 13, op->place.township);
	put_str(op, 14, op->place.village);
	member_hash(rd, op);
}

/* ---- rows (reader) ----------------------------------------------------- */

static void
reject(struct reader *rd, const struct csvin_row *row, const char *reason)
{
	struct op *op = op_new(rd, OP_REJECT, row->line, 0);

	rd->fs->rejected++;
	op->reason = keep(rd, reason);
	/* The raw text may hold invalid UTF-8: keep its bytes as they were. */
	op->raw = arena_memdup(&rd->cur->arena, row->raw, row->raw_len);
	op->raw_len = row->raw_len;
	if (op->reason == NULL || op->raw == NULL)
		rd->oom = true;
}

#define TOTAL_LINE "total line (合计), not a household"

/* CELL cleaned, for the checks every row passes: in *FREEME when it
 * needed cleaning (the caller frees it), else CELL itself. */
static const char *
plain_cell(const char *cell, char **freeme)
{
	size_t len;

	*freeme = text_is_clean(cell, &len) ? NULL : text_clean(cell);
	return *freeme != NULL ? *freeme : cell;
}

/* True when one of the first two non-empty cells of ROW is a 合计, 总计
 * or 小计 label: a spreadsheet's total line, whatever its field count. */
static bool
total_row(const struct csvin_row *row)
{
	size_t i, seen = 0;
	bool total = false;

	for (i = 0; i < row->nfields && seen < 2 && !total; i++) {
		char *c;
		const char *v = plain_cell(row->fields[i], &c);

		if (*v != '\0') {
			seen++;
			total = text_is_total_label(v);
		}
		free(c);
	}
	return total;
}

/*
 * True when the row repeats the header, as when sheets of several
 * counties are pasted one under another: at least two of its non-empty
 * cells, and at least half, name their own column. Only looked at when
 * the key column (ID or 户编号, which always hold digits) has no digit,
 * so a data row costs one strpbrk().
 */
static bool
repeats_header(struct reader *rd)
{
	const char *key = fv(rd, rd->platform ? "head_id" : "household_id");
	size_t f, named = 0, filled = 0;

	if (*key == '\0' || strpbrk(key, "0123456789") != NULL)
		return false;
	for (f = 0; f < rd->hk->nfields; f++) {
		if (rd->fields[f] == NULL || *rd->fields[f] == '\0')
			continue;
		filled++;
		named += headers_match_cell(rd->hk, rd->fields[f]) == (int)f;
	}
	return named >= 2 && 2 * named >= filled;
}

/*
 * The 户编号 as spreadsheets leave it, made the key it was: Excel's text
 * marks around it (a leading ' or `, ="…", quotes) and a ".0" after the
 * digits taken off, in place in rd->fields. Returns false when Excel
 * turned it into scientific notation (2.10921E+13): the digits are gone
 * and many households would share what is left.
 */
static bool
tidy_household_id(struct reader *rd)
{
	int f = field_index(rd, "household_id");
	const char *v;
	size_t n, q, start = 0;
	char *c;

	if (f < 0 || (v = rd->fields[f]) == NULL || *v == '\0')
		return true;
	n = rd->flen[f];
	if (strpbrk(v, "Ee") != NULL && strspn(v, "0123456789.") > 0 &&
	    strchr(v, '+') != NULL)
		return false;
	if (v[0] == '=' && n > 1 && text_quote_len(v + 1) > 0)
		start = 1;
	while (start < n && (q = text_quote_len(v + start)) > 0)
		start += q;
	while (n > start && (q = text_quote_len_end(v + start, n - start)) > 0)
		n -= q;
	if (n - start > 2 && memcmp(v + n - 2, ".0", 2) == 0 &&
	    strspn(v + start, "0123456789") == n - start - 2)
		n -= 2;
	if (start == 0 && n == rd->flen[f])
		return true;
	if ((c = arena_memdup(&rd->cur->arena, v + start, n - start)) == NULL) {
		rd->oom = true;
		return true;
	}
	rd->fields[f] = c;
	rd->flen[f] = n - start;
	return true;
}

/*
 * True when ROW is the column numbers a printed form puts under its
 * header (甲, 1, 2, 3 ...): at least four cells are numbers counting up
 * by one, and every other non-empty cell is one character.
 */
static bool
column_numbers(const struct csvin_row *row)
{
	size_t i, counted = 0;
	long next = -1;
	bool ok = true;

	for (i = 0; i < row->nfields && ok; i++) {
		char *c;
		const char *v;
		size_t n;

		/* every row passes here: a long cell settles it uncleaned */
		if (strlen(row->fields[i]) > 8)
			return false;
		v = plain_cell(row->fields[i], &c);
		n = strlen(v);

		if (n > 0 && n <= 3 && strspn(v, "0123456789") == n) {
			long k = strtol(v, NULL, 10);

			ok = next < 0 || k == next;
			next = k + 1;
			counted++;
		} else if (n > 0) {
			/* one character: 甲 or A, not a value */
			ok = n == 1 || (n == 3 && (unsigned char)v[0] >= 0xE0);
		}
		free(c);
	}
	return ok && counted >= 4;
}

/* True when ROW is a form's footer: its first non-empty cell is signed
 * off (填表人：, 审核人：, 联系电话：...). */
static bool
form_footer(const struct csvin_row *row)
{
	static const char *const labels[] = {
	    "填表人",   "填报人",   "制表人",   "审核人",
	    "审核",     "负责人",   "联系人",   "联系电话",
	    "填表日期", "制表日期", "填报日期", "填报单位",
	};
	size_t i, k;
	bool footer = false;
	const char *v;
	char *c;

	for (i = 0; i < row->nfields && *row->fields[i] == '\0'; i++)
		;
	/* every row passes here: a first cell without a colon (an ID, a
	 * 序号) settles it uncleaned */
	if (i == row->nfields || (strchr(row->fields[i], ':') == NULL &&
	                          strstr(row->fields[i], "：") == NULL))
		return false;
	v = plain_cell(row->fields[i], &c); /* NFKC made ： into : */
	for (k = 0; k < sizeof(labels) / sizeof(labels[0]) && !footer; k++) {
		size_t l = strlen(labels[k]);

		footer = strncmp(v, labels[k], l) == 0 && v[l] == ':';
	}
	free(c);
	return footer;
}

/* The longest run of ASCII digits in S. */
static size_t
digit_run(const char *s)
{
	size_t run = 0, best = 0;

	for (; *s != '\0'; s++) {
		run = *s >= '0' && *s <= '9' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* CJK ideographs (U+4E00-U+9FFF) in the UTF-8 string S. */
static size_t
ideographs(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	for (; *p != '\0'; p++)
		n += (*p >= 0xE4 && *p <= 0xE9) && !(*p == 0xE4 && p[1] < 0xB8);
	return n;
}

/*
 * Whether S, read as a name (text_name(): its dots unified, its notes in
 * brackets dropped), is ten Chinese characters or more without a name's
 * dot: longer than a name, as titles are.
 */
static bool
longer_than_a_name(const char *s)
{
	char *name = text_name(s);
	bool longer;

	if (name == NULL)
		return false;
	longer = ideographs(name) >= 10 && strstr(name, "·") == NULL;
	free(name);
	return longer;
}

/*
 * True when ROW is the title of a sheet pasted under another one
 * (彰武县建档立卡贫困户花名册, 2021年度阜蒙县农村低收入人口动态监测对象):
 * one non-empty cell, no run of six digits, and a title's words or ten
 * Chinese characters or more without a name's dot. A 户编号 with dashes
 * (FM-佛寺-2020-0012-01), an ID in scientific notation, or a name with
 * its dot alone on its row is still a row, kept with its gaps reported.
 */
static bool
title_line(const struct csvin_row *row)
{
	static const char *const words[] = {
	    "花名册", "名册",   "档案",   "统计",   "汇总",
	    "台账",   "清单",   "名单",   "一览",   "明细表",
	    "登记表", "信息表", "情况表", "核验表", "危房改造",
	};
	const char *v = NULL;
	size_t i, k, filled = 0;
	bool title = false;
	char *c;

	/* every row passes here: counting filled cells settles most */
	for (i = 0; i < row->nfields && filled < 2; i++)
		if (*row->fields[i] != '\0' && filled++ == 0)
			v = row->fields[i];
	if (filled != 1)
		return false;
	v = plain_cell(v, &c);
	for (k = 0; k < sizeof(words) / sizeof(words[0]) && !title; k++)
		title = strstr(v, words[k]) != NULL;
	title = (title || longer_than_a_name(v)) && digit_run(v) < 6;
	free(c);
	return title;
}

/* True when no key column of the current row (ID, name, 户编号) holds a
 * value other than a label with a colon (联系电话：...): a footer, not a
 * household whose first cell (a 备注) reads 审核：已通过. */
static bool
keys_are_labels(struct reader *rd)
{
	static const char *const keys[] = {"head_id", "head_name",
	                                   "household_id", "id", "name"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = fv(rd, keys[i]);

		if (*v != '\0' && strchr(v, ':') == NULL)
			return false;
	}
	return true;
}

/* Why the cleaned row cannot be used at all, or NULL. */
static const char *
unusable(struct reader *rd, const struct csvin_row *row)
{
	size_t i;
	bool any = false;

	if (total_row(row))
		return TOTAL_LINE;
	if (column_numbers(row))
		return "the form's column numbers (甲, 1, 2, 3 ...), not a "
		       "household";
	if (form_footer(row) && keys_are_labels(rd))
		return "the form's footer (填表人, 审核人 ...), not a "
		       "household";
	for (i = 0; i < rd->hk->nfields; i++)
		any |= rd->fields[i] != NULL && *rd->fields[i] != '\0';
	if (!any)
		return "no value in any known column";
	if (title_line(row))
		return "a title line (a sheet pasted under another), not a "
		       "household";
	if (repeats_header(rd))
		return "the header row again (表头重复), not a household";
	if (rd->platform) {
		if (*fv(rd, "head_id") == '\0' && *fv(rd, "head_name") == '\0')
			return "no usable key: 户主姓名 and 户主身份证号 both "
			       "empty";
	} else if (!tidy_household_id(rd)) {
		return "no usable key: 户编号 turned into scientific notation "
		       "by "
		       "Excel";
	} else if (*fv(rd, "household_id") == '\0') {
		return "no usable key: 户编号 empty";
	}
	return NULL;
}

/* Turn ROW into its operations in the current batch. */
static void
prepare_row(struct reader *rd, const struct csvin_row *row)
{
	const char *why;

	rd->oom = false;
	if (row->reject != NULL) {
		/* A total line is one whatever its number of fields. */
		reject(rd, row, total_row(row) ? TOTAL_LINE : row->reject);
	} else if (!fields_load(rd, row)) {
		reject(rd, row, "invalid UTF-8");
	} else if ((why = unusable(rd, row)) != NULL) {
		reject(rd, row, why);
	} else {
		if (rd->platform)
			platform_row(rd, row->line);
		else if (rd->members || rd->person)
			member_row(rd, row->line);
		else
			roster_household(rd, row->line, "head_name", "head_id");
		rd->fs->kept++;
	}
	if (rd->oom)
		op_new(rd, OP_FAIL, row->line, 0);
}

int
ingest_read_rows(struct reader *rd, struct input_file *f, bool *abort)
{
	struct csvin_row row;
	int got = 0;

	while (!*abort && (got = csvin_next(rd->csv, &row)) == 1) {
		rd->fs->read++;
		if (rd->cur->n >= BATCH_OPS) {
			handoff_put_full(&rd->ho, rd->cur);
			rd->cur = handoff_take_free(&rd->ho, abort);
			rd->cur->file = f;
		}
		rd->cur->rows++;
		prepare_row(rd, &row);
	}
	if (got < 0) {
		f->rc = ANJU_EXIT_DATAERR;
		snprintf(f->err, sizeof(f->err), "read error: %s",
		         csvin_error(rd->csv));
	}
	return got < 0 || *abort ? -1 : 0;
}
