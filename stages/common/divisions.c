/*
 * divisions.c - the 统计用区划代码 table: built into SQLite from CSV,
 * queried with prepared statements, resolved with a per-run cache.
 *
 * Database layout (one file made by divisions_build, or an in-memory copy
 * imported at open):
 *   divisions(code, name, level 1..5, parent, name_key)  WITHOUT ROWID,
 *     so every index also carries the code and a code-prefix range can be
 *     scanned inside the (level, name) index;
 *   county_alias(alias, code, origin)  short forms of county names;
 *   meta(key, value)  format, rows, source (and sha256 of a one-file source).
 *
 * name_key is the name with its level's generic suffix removed (县, 镇,
 * 村委会 ...), so "王家村" and "王家村村民委员会" meet at "王家".
 */
#include "divisions.h"

#include "anju.h"
#include "csvin.h"
#include "db.h"
#include "text.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define DIV_FORMAT                                                             \
	"anju-divisions 2" /* 2: township keys without their ethnic group */
#define KEY_MAX      512   /* longest name we compare; longer never match */
#define ALIAS_FILE   "schemas/division_aliases.tsv"
#define CACHE_MAX    (1u << 22) /* entries; beyond that, stop caching */
#define SQLITE_MAGIC "SQLite format 3"

/* Code length of each level; index 0 unused. */
static const size_t code_len[6] = {0, 2, 4, 6, 9, 12};

/* Generic suffixes, longest first so 自治县 goes before 县. */
static const char *const county_suffixes[] = {"自治县", "自治旗", "县", "区",
                                              "市",     "旗",     NULL};
static const char *const township_suffixes[] = {
    "街道办事处", "民族乡", "办事处", "街道", "苏木", "镇", "乡", NULL};
static const char *const village_suffixes[] = {
    "村民委员会", "居民委员会", "村委会", "居委会", "委员会",
    "社区",       "嘎查",       "村",     NULL};

/* Ethnic groups named in autonomous counties and banners (without 族). */
static const char *const ethnic_groups[] = {
    "蒙古",   "回",     "藏",   "维吾尔", "苗",     "彝",   "壮",
    "布依",   "朝鲜",   "满",   "侗",     "瑶",     "白",   "土家",
    "哈尼",   "哈萨克", "傣",   "黎",     "傈僳",   "佤",   "畲",
    "高山",   "拉祜",   "水",   "东乡",   "纳西",   "景颇", "柯尔克孜",
    "土",     "达斡尔", "仫佬", "羌",     "布朗",   "撒拉", "毛南",
    "仡佬",   "锡伯",   "阿昌", "普米",   "塔吉克", "怒",   "乌孜别克",
    "俄罗斯", "鄂温克", "德昂", "保安",   "裕固",   "京",   "塔塔尔",
    "独龙",   "鄂伦春", "赫哲", "门巴",   "珞巴",   "基诺", "各",
    NULL};

static const char schema_sql[] =
    "DROP TABLE IF EXISTS divisions;"
    "DROP TABLE IF EXISTS county_alias;"
    "DROP TABLE IF EXISTS meta;"
    "CREATE TABLE divisions ("
    " code TEXT PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),"
    " parent TEXT,"
    " name_key TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE county_alias ("
    " alias TEXT NOT NULL,"
    " code TEXT NOT NULL,"
    " origin TEXT NOT NULL," /* 'rule' or 'file' */
    " PRIMARY KEY (alias, code)) WITHOUT ROWID;"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    " WITHOUT ROWID;";

/* Indexes are made after the rows are in: much faster than maintaining
 * them row by row. */
static const char index_sql[] =
    "CREATE INDEX divisions_level_name ON divisions (level, name);"
    "CREATE INDEX divisions_level_key ON divisions (level, name_key);"
    "CREATE INDEX divisions_parent_name ON divisions (parent, name);"
    "CREATE INDEX divisions_parent_key ON divisions (parent, name_key);";

enum stmt_id {
	ST_EXACT_RANGE,
	ST_KEY_RANGE,
	ST_EXACT_PARENT,
	ST_KEY_PARENT,
	ST_ALIAS_RANGE,
	ST_NAME,
	ST_LEVEL,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_EXACT_RANGE] = "SELECT code, name FROM divisions WHERE level = ?1 "
                       "AND name = ?2 AND code >= ?3 AND code < ?4",
    [ST_KEY_RANGE] = "SELECT code, name FROM divisions WHERE level = ?1 "
                     "AND name_key = ?2 AND code >= ?3 AND code < ?4",
    [ST_EXACT_PARENT] = "SELECT code, name FROM divisions WHERE parent = "
                        "?1 AND name = ?2",
    [ST_KEY_PARENT] = "SELECT code, name FROM divisions WHERE parent = ?1 "
                      "AND name_key = ?2",
    [ST_ALIAS_RANGE] = "SELECT code FROM county_alias WHERE alias = ?1 "
                       "AND code >= ?2 AND code < ?3",
    [ST_NAME] = "SELECT name FROM divisions WHERE code = ?1",
    [ST_LEVEL] = "SELECT level FROM divisions WHERE code = ?1",
};

/* A set of codes found for one level. code[i] is a code (up to 12
 * digits and a NUL) and, in its last byte, the village_kind of the
 * division's name, read with the code so that keep_same_kind() needs no
 * query a candidate. */
struct codeset {
	char (*code)[14];
	size_t n, cap;
	bool oom;
};

struct cache_entry {
	char *key; /* NULL: empty slot */
	uint64_t hash;
	enum div_status status;
	struct div_place place;
};

struct divisions {
	sqlite3 *db;
	char *file; /* the SQLite file opened; NULL: imported into memory */
	sqlite3_stmt *st[ST_COUNT];
	char *name_buf; /* last divisions_name() answer */
	struct cache_entry *cache;
	size_t cache_n, cache_cap;
};

/* ---------------------------------------------------------------- keys */

/*
 * If S (LEN bytes) ends with one of SUFFIXES leaving at least one byte,
 * return the length without it; else LEN.
 */
static size_t
without_suffix(const char *s, size_t len, const char *const *suffixes)
{
	size_t sl;

	for (; *suffixes != NULL; suffixes++) {
		sl = strlen(*suffixes);
		if (len > sl && memcmp(s + len - sl, *suffixes, sl) == 0)
			return len - sl;
	}
	return len;
}

/*
 * Length of S without trailing parenthesised notes, which people do not
 * type: 胡杖子村委会(四分场), 迎新村委会(合隆经济开发区)(省级). Names are
 * NFKC, so full-width parentheses are ASCII here. Something always remains.
 */
static size_t
without_notes(const char *s, size_t len)
{
	size_t open;

	while (len > 0 && s[len - 1] == ')') {
		for (open = len - 1; open > 0 && s[open] != '('; open--)
			;
		if (open == 0)
			break;
		len = open;
		while (len > 0 && s[len - 1] == ' ')
			len--;
	}
	return len;
}

/* LEN without a trailing <ethnic group>族 (二道河子蒙古族 -> 二道河子), if
 * something remains before it. */
static size_t
without_ethnic(const char *s, size_t len)
{
	static const char zu[] = "族";
	const char *const *e;
	size_t zl = sizeof(zu) - 1, el;

	if (len <= zl || memcmp(s + len - zl, zu, zl) != 0)
		return len;
	for (e = ethnic_groups; *e != NULL; e++) {
		el = strlen(*e);
		if (len > el + zl && memcmp(s + len - zl - el, *e, el) == 0)
			return len - zl - el;
	}
	return len;
}

/* LEN without a trailing group number (佛寺村三组, 佛寺村3组 -> 佛寺村):
 * people write the 村民小组 after the village. */
static size_t
without_group(const char *s, size_t len)
{
	static const char *const digits[] = {"一", "二", "三", "四", "五", "六",
	                                     "七", "八", "九", "十", NULL};
	static const char zu[] = "组";
	size_t zl = sizeof(zu) - 1, end, d;
	bool more = true;

	if (len <= zl || memcmp(s + len - zl, zu, zl) != 0)
		return len;
	end = len - zl;
	while (more && end > 0) {
		more = false;
		if (s[end - 1] >= '0' && s[end - 1] <= '9') {
			end--;
			more = true;
			continue;
		}
		for (d = 0; digits[d] != NULL && !more; d++) {
			size_t dl = strlen(digits[d]);

			if (end > dl &&
			    memcmp(s + end - dl, digits[d], dl) == 0) {
				end -= dl;
				more = true;
			}
		}
	}
	/* a number, and a village's name before it */
	return end < len - zl && end > 0 ? end : len;
}

/*
 * The comparison key of NAME at LEVEL into OUT (KEY_MAX bytes): the name
 * without notes in parentheses and with its level's suffix removed;
 * townships and villages lose suffixes repeatedly (王家村村民委员会 ->
 * 王家村 -> 王家; 阿尔乡镇 -> 阿尔乡 -> 阿尔), a township its ethnic group
 * (二道河子蒙古族乡 -> 二道河子), a county a 族 people leave out
 * (阜新蒙古自治县 = 阜新蒙古族自治县), a village a group number after it
 * (佛寺村三组). Returns false when NAME is too long to compare.
 */
static bool
name_key(int level, const char *name, char *out)
{
	const char *const *suffixes = level == 4   ? township_suffixes
	                              : level == 5 ? village_suffixes
	                                           : county_suffixes;
	size_t len = strlen(name), prev;

	if (len >= KEY_MAX)
		return false;
	len = without_notes(name, len);
	if (level == 5)
		len = without_group(name, len);
	if (level == 3) {
		len = without_suffix(name, len, county_suffixes);
		len = without_suffix(name, len,
		                     (const char *const[]){"族", NULL});
	} else if (level == 4 || level == 5) {
		do {
			prev = len;
			len = without_suffix(name, len, suffixes);
		} while (len != prev);
		if (level == 4)
			len = without_ethnic(name, len);
	}
	memcpy(out, name, len);
	out[len] = '\0';
	return true;
}

enum village_kind { KIND_ANY, KIND_RURAL, KIND_URBAN };

/*
 * Whether the suffixes of village NAME say a rural village (村, 村委会,
 * 村民委员会, 嘎查) or an urban community (社区, 居委会, 居民委员会).
 * KIND_ANY when they say nothing or both.
 */
static enum village_kind
village_kind(const char *name)
{
	static const char *const urban[] = {"社区", "居委会", "居民委员会",
	                                    NULL};
	size_t len = without_notes(name, strlen(name)), prev;
	const char *const *u;
	bool rural = false, is_urban = false, hit;

	for (;;) {
		prev = len;
		len = without_suffix(name, len, village_suffixes);
		if (len == prev)
			break;
		if (prev - len == strlen("委员会") &&
		    memcmp(name + len, "委员会", prev - len) == 0)
			continue; /* says nothing */
		for (hit = false, u = urban; *u != NULL && !hit; u++)
			hit = strlen(*u) == prev - len &&
			      memcmp(name + len, *u, prev - len) == 0;
		is_urban = is_urban || hit;
		rural = rural || !hit;
	}
	if (rural == is_urban)
		return KIND_ANY;
	return rural ? KIND_RURAL : KIND_URBAN;
}

/*
 * Canonical code and level of RAW: digits only, length 2/4/6/9/12, and
 * for the 12-digit padded form trailing all-zero groups dropped
 * (210921000000 -> 210921). A shorter code stands at its own level: the
 * county-level units of cities without counties end in 00 (中山市 442000
 * under the city 4420). Writes the code to OUT and returns its level
 * 1..5, or 0 when RAW is not a code.
 */
static int
canonical_code(const char *raw, char out[13])
{
	size_t len = strlen(raw), i;
	int level = 0;

	for (i = 0; i < len; i++)
		if (raw[i] < '0' || raw[i] > '9')
			return 0;
	for (i = 1; i <= 5; i++)
		if (code_len[i] == len)
			level = (int)i;
	if (level == 0)
		return 0;
	/* the groups after code_len[level] are zero already, hence >= */
	while (len == code_len[5] && level > 1 &&
	       strspn(raw + code_len[level - 1], "0") >=
	           code_len[level] - code_len[level - 1])
		level--;
	if (level == 1 && raw[0] == '0' && raw[1] == '0')
		return 0;
	memcpy(out, raw, code_len[level]);
	out[code_len[level]] = '\0';
	return level;
}

/* ------------------------------------------------------------ building */

/* State of one build: the open database and the file being read. */
struct builder {
	sqlite3 *db;
	sqlite3_stmt *insert;
	const char *path; /* file being read, for messages */
	size_t line;      /* line of the row being read */
	int code_col, name_col;
	size_t file_rows, skipped, total_rows;
	size_t files;    /* files read */
	char sha256[65]; /* of the last file read */
	char *err;
	size_t errlen;
};

static bool
is_code_header(const char *key)
{
	return strcmp(key, "CODE") == 0 || strcmp(key, "代码") == 0 ||
	       strcmp(key, "区划代码") == 0 ||
	       strcmp(key, "统计用区划代码") == 0 ||
	       strcmp(key, "行政区划代码") == 0;
}

static bool
is_name_header(const char *key)
{
	return strcmp(key, "NAME") == 0 || strcmp(key, "名称") == 0 ||
	       strcmp(key, "区划名称") == 0;
}

/*
 * Find the code and name columns among header cells FIELDS[0..N) into
 * *CODE_COL and *NAME_COL (-1 when absent). Returns how many of the two
 * were found.
 */
static int
header_columns(char *const *fields, size_t n, int *code_col, int *name_col)
{
	char *key;
	size_t i;

	*code_col = *name_col = -1;
	for (i = 0; i < n; i++) {
		if ((key = text_key(fields[i])) == NULL)
			continue;
		if (*code_col < 0 && is_code_header(key))
			*code_col = (int)i;
		else if (*name_col < 0 && is_name_header(key))
			*name_col = (int)i;
		free(key);
	}
	return (*code_col >= 0) + (*name_col >= 0);
}

/* csvin header scorer: 2 for a line naming both columns. */
static int
score_header(char *const *fields, size_t n, int floor, void *ctx)
{
	int code_col, name_col;

	(void)floor;
	(void)ctx;
	return header_columns(fields, n, &code_col, &name_col);
}

/* Insert one division; rows without a usable code or name are counted as
 * skipped (a title, a total line). Returns false only on a database
 * error. */
static bool
insert_division(struct builder *b, const char *raw_code, const char *raw_name)
{
	char *code = text_clean(raw_code), *name = text_clean(raw_name);
	char canon[13], parent[13], key[KEY_MAX];
	const char *c;
	int level = 0;
	bool ok = true;

	if (code == NULL || name == NULL || *name == '\0')
		goto skip;
	c = code[0] == '\'' ? code + 1 : code; /* Excel's text marker */
	if ((level = canonical_code(c, canon)) == 0 ||
	    !name_key(level, name, key))
		goto skip;
	if (level > 1) {
		memcpy(parent, canon, code_len[level - 1]);
		parent[code_len[level - 1]] = '\0';
	}
	sqlite3_reset(b->insert);
	sqlite3_bind_text(b->insert, 1, canon, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(b->insert, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(b->insert, 3, level);
	if (level > 1)
		sqlite3_bind_text(b->insert, 4, parent, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(b->insert, 4);
	sqlite3_bind_text(b->insert, 5, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(b->insert) != SQLITE_DONE) {
		snprintf(b->err, b->errlen, "%s:%zu: sqlite: %s", b->path,
		         b->line, sqlite3_errmsg(b->db));
		ok = false;
	} else
		b->file_rows++;
	goto out;
skip:
	b->skipped++;
out:
	free(code);
	free(name);
	return ok;
}

/*
 * Read the CSV at PATH into B's database through csvin, which copes with
 * encodings, delimiters and title lines. Returns 0 or an ANJU_EXIT_* code
 * with the message in B->err.
 */
static int
load_csv(struct builder *b, const char *path)
{
	const struct csvin_row *hdr;
	struct csvin *in = NULL;
	struct csvin_row row;
	char msg[512];
	size_t need;
	int rc, more;

	b->path = path;
	b->file_rows = b->skipped = 0;
	if ((rc = csvin_open(path, score_header, NULL, &in, msg,
	                     sizeof(msg))) != 0) {
		snprintf(b->err, b->errlen, "%s: %s", path, msg);
		return rc;
	}
	hdr = csvin_header(in);
	if (header_columns(hdr->fields, hdr->nfields, &b->code_col,
	                   &b->name_col) != 2) {
		snprintf(b->err, b->errlen,
		         "%s: no header with a code and a name column", path);
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	need = (size_t)(b->code_col > b->name_col ? b->code_col : b->name_col);
	while ((more = csvin_next(in, &row)) == 1) {
		b->line = row.line;
		if (row.reject != NULL || row.nfields <= need)
			b->skipped++;
		else if (!insert_division(b, row.fields[b->code_col],
		                          row.fields[b->name_col])) {
			rc = ANJU_EXIT_SOFTWARE;
			goto out;
		}
	}
	if (more < 0) {
		snprintf(b->err, b->errlen, "%s: %s", path, csvin_error(in));
		rc = ANJU_EXIT_DATAERR;
		goto out;
	}
	if (b->skipped > 0)
		anju_msg(path, 0,
		         "%zu rows without a usable code or name "
		         "skipped",
		         b->skipped);
	b->total_rows += b->file_rows;
	b->files++;
	snprintf(b->sha256, sizeof(b->sha256), "%s", csvin_sha256(in));
out:
	csvin_close(in);
	return rc;
}

static int
csv_name_filter(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return e->d_name[0] != '.' && len > 4 &&
	       strcasecmp(e->d_name + len - 4, ".csv") == 0;
}

/* Load every *.csv in DIR, in name order. */
static int
load_dir(struct builder *b, const char *dir)
{
	struct dirent **list = NULL;
	char path[4096];
	int n, i, rc = ANJU_EXIT_OK;

	if ((n = scandir(dir, &list, csv_name_filter, alphasort)) < 0) {
		snprintf(b->err, b->errlen, "%s: %s", dir, strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (n == 0) {
		snprintf(b->err, b->errlen, "%s: no .csv files in directory",
		         dir);
		rc = ANJU_EXIT_DATAERR;
	}
	for (i = 0; i < n; i++) {
		if (rc == ANJU_EXIT_OK) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			         list[i]->d_name);
			rc = load_csv(b, path);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* Copy the first UTF-8 character of S to OUT; returns bytes copied. */
static size_t
first_char(const char *s, char *out)
{
	size_t n = 1;

	while (s[n] != '\0' && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	memcpy(out, s, n);
	return n;
}

static int
add_alias(sqlite3_stmt *ins, const char *alias, const char *code)
{
	sqlite3_reset(ins);
	sqlite3_bind_text(ins, 1, alias, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 2, code, -1, SQLITE_TRANSIENT);
	return sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
}

/* The pattern <place><ethnic>族...自治县/旗, compiled from ethnic_groups. */
static pcre2_code *
compile_autonomous(void)
{
	char pat[4096] = "^(.+?)((?:(?:";
	const char *const *e;
	int errcode;
	PCRE2_SIZE erroff;

	for (e = ethnic_groups; *e != NULL; e++) {
		if (e != ethnic_groups)
			strcat(pat, "|");
		strcat(pat, *e);
	}
	/* every group but the last says 族; the last may omit it (巴里坤哈萨克
	 * 自治县). Without that, 长白朝鲜族 would split as 长 + 白 + 朝鲜族. */
	strcat(pat, ")族)*(?:");
	for (e = ethnic_groups; *e != NULL; e++) {
		if (e != ethnic_groups)
			strcat(pat, "|");
		strcat(pat, *e);
	}
	strcat(pat, ")族?)自治([县旗])$");
	return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
	                     &errcode, &erroff, NULL);
}

/*
 * Short forms of one autonomous county NAME: <place>县, <place> and
 * <first of place><first of ethnic>县 (阜新蒙古族自治县: 阜新县, 阜新,
 * 阜蒙县); 旗 for banners. The ethnic 各族 gives no third form.
 */
static int
alias_autonomous(sqlite3_stmt *ins, pcre2_code *re, pcre2_match_data *md,
                 const char *code, const char *name)
{
	char place[KEY_MAX / 2], alias[KEY_MAX];
	PCRE2_SIZE *ov;
	size_t plen, n;
	const char *ethnic, *unit;

	if (strlen(name) >= KEY_MAX / 2 ||
	    pcre2_match(re, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md,
	                NULL) < 0)
		return 0;
	ov = pcre2_get_ovector_pointer(md);
	plen = ov[3] - ov[2];
	memcpy(place, name + ov[2], plen);
	place[plen] = '\0';
	ethnic = name + ov[4];
	unit = name + ov[6]; /* "县" or "旗", 3 bytes */
	snprintf(alias, sizeof(alias), "%s%.3s", place, unit);
	if (add_alias(ins, alias, code) != 0)
		return -1;
	/* a bare one-character place (融) would be too easy to hit */
	if (first_char(place, alias) < plen && add_alias(ins, place, code) != 0)
		return -1;
	if (strncmp(ethnic, "各", strlen("各")) == 0)
		return 0;
	n = first_char(place, alias);
	n += first_char(ethnic, alias + n);
	snprintf(alias + n, sizeof(alias) - n, "%.3s", unit);
	return add_alias(ins, alias, code);
}

/* Generate the short forms of every autonomous county in the table. */
static int
alias_by_rule(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	pcre2_code *re = NULL;
	pcre2_match_data *md = NULL;
	int rc = -1, step;

	if ((re = compile_autonomous()) == NULL ||
	    (md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL) {
		snprintf(err, errlen, "cannot compile the alias pattern");
		goto out;
	}
	if (sqlite3_prepare_v2(db,
	                       "SELECT code, name FROM divisions WHERE "
	                       "level = 3 AND (name LIKE '%自治县' OR "
	                       "name LIKE '%自治旗')",
	                       -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
	                       "INSERT OR IGNORE INTO county_alias "
	                       "(alias, code, origin) VALUES (?1, ?2, 'rule')",
	                       -1, &ins, NULL) != SQLITE_OK)
		goto sqlerr;
	while ((step = sqlite3_step(sel)) == SQLITE_ROW)
		if (alias_autonomous(
		        ins, re, md, (const char *)sqlite3_column_text(sel, 0),
		        (const char *)sqlite3_column_text(sel, 1)) != 0)
			goto sqlerr;
	if (step != SQLITE_DONE)
		goto sqlerr;
	rc = 0;
	goto out;
sqlerr:
	snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc;
}

/*
 * Hand-listed irregular short forms (喀左县): lines alias<TAB>code, '#'
 * comments. Codes that are not counties of this table are ignored, so one
 * file serves every year's table. A missing file is not an error.
 */
static int
alias_from_file(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *ins = NULL;
	FILE *f;
	char *line = NULL, *tab, *alias, *code;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = -1;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return 0;
	if (sqlite3_prepare_v2(db,
	                       "INSERT OR IGNORE INTO county_alias "
	                       "(alias, code, origin) SELECT ?1, code, 'file' "
	                       "FROM divisions WHERE code = ?2 AND level = 3",
	                       -1, &ins, NULL) != SQLITE_OK)
		goto sqlerr;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 &&
		       (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((tab = strchr(line, '\t')) == NULL) {
			anju_msg(path, lineno, "expected alias<TAB>code");
			continue;
		}
		*tab = '\0';
		alias = line;
		code = tab + 1;
		if (add_alias(ins, alias, code) != 0)
			goto sqlerr;
	}
	rc = 0;
	goto out;
sqlerr:
	snprintf(err, errlen, "%s: sqlite: %s", path, sqlite3_errmsg(db));
out:
	free(line);
	fclose(f);
	sqlite3_finalize(ins);
	return rc;
}

static int
set_meta(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db,
	                       "INSERT OR REPLACE INTO meta (key, value) "
	                       "VALUES (?1, ?2)",
	                       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* Indexes, aliases and meta once every row is in. */
static int
finish_build(struct builder *b, const char *src, const char *aliases)
{
	char count[32];

	if (b->total_rows == 0) {
		snprintf(b->err, b->errlen, "%s: no division rows found", src);
		return ANJU_EXIT_DATAERR;
	}
	snprintf(count, sizeof(count), "%zu", b->total_rows);
	if (exec_sql(b->db, index_sql, b->err, b->errlen) != 0 ||
	    alias_by_rule(b->db, b->err, b->errlen) != 0 ||
	    alias_from_file(b->db, aliases, b->err, b->errlen) != 0)
		return ANJU_EXIT_SOFTWARE;
	if (set_meta(b->db, "format", DIV_FORMAT) != 0 ||
	    set_meta(b->db, "rows", count) != 0 ||
	    set_meta(b->db, "source", src) != 0 ||
	    (b->files == 1 && set_meta(b->db, "sha256", b->sha256) != 0)) {
		snprintf(b->err, b->errlen, "sqlite: %s",
		         sqlite3_errmsg(b->db));
		return ANJU_EXIT_SOFTWARE;
	}
	return ANJU_EXIT_OK;
}

/* SRC must be a regular file or a directory: stat it into *SB. */
static int
stat_source(const char *src, struct stat *sb, char *err, size_t errlen)
{
	if (stat(src, sb) != 0) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		return errno == ENOENT ? ANJU_EXIT_NOINPUT : ANJU_EXIT_DATAERR;
	}
	if (!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file or directory",
		         src);
		return ANJU_EXIT_DATAERR;
	}
	return ANJU_EXIT_OK;
}

/*
 * Build the table from SRC (file or directory) into the open DB, in one
 * transaction, with hand-listed aliases from ALIASES (may be NULL).
 */
static int
build_into(sqlite3 *db, const char *src, const char *aliases, char *err,
           size_t errlen)
{
	struct builder b = {.db = db, .err = err, .errlen = errlen};
	struct stat sb;
	int rc;

	if ((rc = stat_source(src, &sb, err, errlen)) != ANJU_EXIT_OK)
		return rc;
	/* A build product: no durability needed until COMMIT. Big pages and
	 * a two-thread sorter cut the index build by a third, and a 64 MB
	 * page cache stops the national table's pages being written out and
	 * read back during the load (measured: 7-9 s wall to 3.5 s). */
	if (exec_sql(db,
	             "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
	             "PRAGMA page_size = 16384; PRAGMA threads = 2;"
	             "PRAGMA cache_size = -65536; BEGIN",
	             err, errlen) != 0)
		return ANJU_EXIT_CANTCREAT;
	if (exec_sql(db, schema_sql, err, errlen) != 0 ||
	    sqlite3_prepare_v2(db,
	                       "INSERT OR IGNORE INTO divisions (code, name, "
	                       "level, parent, name_key) VALUES (?1, ?2, ?3, "
	                       "?4, ?5)",
	                       -1, &b.insert, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
		rc = ANJU_EXIT_CANTCREAT;
		goto out;
	}
	rc = S_ISDIR(sb.st_mode) ? load_dir(&b, src) : load_csv(&b, src);
	if (rc == ANJU_EXIT_OK)
		rc = finish_build(&b, src, aliases);
	if (rc == ANJU_EXIT_OK && exec_sql(db, "COMMIT", err, errlen) != 0)
		rc = ANJU_EXIT_CANTCREAT;
out:
	sqlite3_finalize(b.insert);
	if (rc != ANJU_EXIT_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* anju_datadir()/schemas/division_aliases.tsv into BUF. */
static const char *
default_alias_file(char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", anju_datadir(), ALIAS_FILE);
	return buf;
}

int
divisions_build_aliases(const char *src, const char *db_path,
                        const char *aliases, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	struct stat sb;
	int rc;

	/* before creating DB_PATH, so a bad source leaves no empty file */
	if ((rc = stat_source(src, &sb, err, errlen)) != ANJU_EXIT_OK)
		return rc;
	if (sqlite3_open_v2(db_path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", db_path,
		         db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return ANJU_EXIT_CANTCREAT;
	}
	rc = build_into(db, src, aliases, err, errlen);
	if (sqlite3_close(db) != SQLITE_OK && rc == ANJU_EXIT_OK) {
		snprintf(err, errlen, "%s: cannot close", db_path);
		rc = ANJU_EXIT_CANTCREAT;
	}
	return rc;
}

int
divisions_build(const char *src, const char *db_path, char *err, size_t errlen)
{
	char aliases[4096];

	return divisions_build_aliases(
	    src, db_path, default_alias_file(aliases, sizeof(aliases)), err,
	    errlen);
}

/* ------------------------------------------------------------- opening */

/* True when PATH starts with the SQLite header magic. */
static bool
is_sqlite_file(const char *path)
{
	char magic[16] = {0};
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == sizeof(magic) && memcmp(magic, SQLITE_MAGIC "", 16) == 0;
}

/* The table must be of the layout this code queries (meta format). */
static int
check_format(struct divisions *d, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = ANJU_EXIT_DATAERR;

	if (sqlite3_prepare_v2(d->db, "SELECT value FROM meta WHERE key = ?1",
	                       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: not an anju division table (%s)",
		         path, sqlite3_errmsg(d->db));
		return rc;
	}
	sqlite3_bind_text(st, 1, "format", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), DIV_FORMAT) == 0)
		rc = ANJU_EXIT_OK;
	else
		snprintf(err, errlen,
		         "%s: division table of another format; rebuild it "
		         "with mkdivisions",
		         path);
	sqlite3_finalize(st);
	return rc;
}

static int
prepare_statements(struct divisions *d, const char *path, char *err,
                   size_t errlen)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		if (sqlite3_prepare_v3(d->db, stmt_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &d->st[i],
		                       NULL) != SQLITE_OK) {
			snprintf(err, errlen,
			         "%s: not an anju division table (%s)", path,
			         sqlite3_errmsg(d->db));
			return ANJU_EXIT_DATAERR;
		}
	return check_format(d, path, err, errlen);
}

/* Open the database file PATH read-only, or import a CSV source. */
static int
open_source(struct divisions *d, const char *path, char *err, size_t errlen)
{
	char aliases[4096];
	struct stat sb;
	int rc;

	if ((rc = stat_source(path, &sb, err, errlen)) != ANJU_EXIT_OK)
		return rc;
	if (S_ISREG(sb.st_mode) && is_sqlite_file(path)) {
		char why[256];

		if (db_open_readonly(path, &d->db, why, sizeof(why)) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, why);
			return ANJU_EXIT_DATAERR;
		}
		/* lookups jump around a 140 MB file: let the OS page it; and
		 * one read transaction for the whole run, so lookups do not
		 * take and drop the file lock each time */
		sqlite3_exec(d->db, "PRAGMA mmap_size = 268435456; BEGIN", NULL,
		             NULL, NULL);
		if ((d->file = strdup(path)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return ANJU_EXIT_SOFTWARE;
		}
		return ANJU_EXIT_OK;
	}
	if (sqlite3_open(":memory:", &d->db) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite: cannot open a memory database");
		return ANJU_EXIT_SOFTWARE;
	}
	return build_into(d->db, path,
	                  default_alias_file(aliases, sizeof(aliases)), err,
	                  errlen);
}

int
divisions_open(const char *path, struct divisions **out, char *err,
               size_t errlen)
{
	struct divisions *d;
	char def[4096];
	int rc;

	*out = NULL;
	if (path == NULL) {
		snprintf(def, sizeof(def), "%s/divisions.db", anju_datadir());
		path = def;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	rc = open_source(d, path, err, errlen);
	if (rc == ANJU_EXIT_OK)
		rc = prepare_statements(d, path, err, errlen);
	if (rc != ANJU_EXIT_OK) {
		divisions_close(d);
		return rc;
	}
	*out = d;
	return ANJU_EXIT_OK;
}

/* Give C a copy of D's in-memory database. */
static int
copy_memory(const struct divisions *d, struct divisions *c, char *err,
            size_t errlen)
{
	sqlite3_int64 size;
	unsigned char *bytes = sqlite3_serialize(d->db, "main", &size, 0);

	if (bytes == NULL || sqlite3_open(":memory:", &c->db) != SQLITE_OK) {
		sqlite3_free(bytes);
		snprintf(err, errlen, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	if (sqlite3_deserialize(c->db, "main", bytes, size, size,
	                        SQLITE_DESERIALIZE_FREEONCLOSE |
	                            SQLITE_DESERIALIZE_RESIZEABLE) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot copy the division table: %s",
		         sqlite3_errmsg(c->db));
		return ANJU_EXIT_SOFTWARE;
	}
	return ANJU_EXIT_OK;
}

int
divisions_clone(const struct divisions *d, struct divisions **out, char *err,
                size_t errlen)
{
	struct divisions *c;
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	rc = d->file != NULL ? open_source(c, d->file, err, errlen)
	                     : copy_memory(d, c, err, errlen);
	if (rc == ANJU_EXIT_OK)
		rc = prepare_statements(c, d->file ? d->file : "(copy)", err,
		                        errlen);
	if (rc != ANJU_EXIT_OK) {
		divisions_close(c);
		return rc;
	}
	*out = c;
	return ANJU_EXIT_OK;
}

void
divisions_close(struct divisions *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(d->st[i]);
	sqlite3_close(d->db);
	free(d->file);
	for (i = 0; i < d->cache_cap; i++)
		free(d->cache[i].key);
	free(d->cache);
	free(d->name_buf);
	free(d);
}

/* ----------------------------------------------------------- resolving */

static void
set_add(struct codeset *s, const char *code, int kind)
{
	void *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;

		if ((p = realloc(s->code, cap * sizeof(*s->code))) == NULL) {
			s->oom = true;
			return;
		}
		s->code = p;
		s->cap = cap;
	}
	size_t len = strnlen(code, 12);

	memcpy(s->code[s->n], code, len);
	s->code[s->n][len] = '\0';
	s->code[s->n++][13] = (char)kind;
}

static int
cmp_code(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Sort and drop duplicates (a county found by key and by alias). */
static void
set_unique(struct codeset *s)
{
	size_t i, j = 0;

	if (s->n < 2)
		return;
	qsort(s->code, s->n, sizeof(*s->code), cmp_code);
	for (i = 1; i < s->n; i++)
		if (strcmp(s->code[i], s->code[j]) != 0)
			memcpy(s->code[++j], s->code[i], sizeof(*s->code));
	s->n = j + 1;
}

/* Step ST and add every code it returns to OUT, with the kind of the
 * name in its second column, if any. */
static void
collect(sqlite3_stmt *st, struct codeset *out)
{
	bool named = sqlite3_column_count(st) > 1;

	while (sqlite3_step(st) == SQLITE_ROW)
		set_add(out, (const char *)sqlite3_column_text(st, 0),
		        named ? (int)village_kind(
		                    (const char *)sqlite3_column_text(st, 1))
		              : KIND_ANY);
	sqlite3_reset(st);
}

/*
 * Codes of LEVEL called TEXT (a name, or a key when BY_KEY) inside PREFIX:
 * the parent index when PREFIX is exactly the parent's code, else a code
 * range [prefix, prefix":") in the (level, name) index. A prefix longer
 * than the level's codes is cut to them (scope 210921103 -> county 210921).
 */
static void
lookup(struct divisions *d, int level, const char *text, bool by_key,
       const char *prefix, struct codeset *out)
{
	sqlite3_stmt *st;
	char lo[13], hi[14];
	size_t plen = strlen(prefix);

	if (level > 1 && plen == code_len[level - 1]) {
		st = d->st[by_key ? ST_KEY_PARENT : ST_EXACT_PARENT];
		sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
		collect(st, out);
		return;
	}
	if (plen > code_len[level])
		plen = code_len[level];
	memcpy(lo, prefix, plen);
	lo[plen] = '\0';
	snprintf(hi, sizeof(hi), "%s:", lo); /* ':' sorts right after '9' */
	st = d->st[by_key ? ST_KEY_RANGE : ST_EXACT_RANGE];
	sqlite3_bind_int(st, 1, level);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hi, -1, SQLITE_STATIC);
	collect(st, out);
}

/* County short forms (阜蒙县) from county_alias, inside PREFIX. */
static void
lookup_alias(struct divisions *d, const char *alias, const char *prefix,
             struct codeset *out)
{
	sqlite3_stmt *st = d->st[ST_ALIAS_RANGE];
	char lo[13], hi[14];

	snprintf(lo, sizeof(lo), "%.6s", prefix);
	snprintf(hi, sizeof(hi), "%s:", lo);
	sqlite3_bind_text(st, 1, alias, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hi, -1, SQLITE_STATIC);
	collect(st, out);
}

/*
 * Among villages found by key, keep those of the KIND the input names
 * when there are any: 大红旗村 means 大红旗村委会, not 大红旗社区 of the
 * same township. 新村 still fits both 新村村委会 and 新村委会.
 */
static void
keep_same_kind(enum village_kind kind, struct codeset *s)
{
	size_t i, kept = 0;

	if (kind == KIND_ANY)
		return;
	for (i = 0; i < s->n; i++)
		kept += s->code[i][13] == (char)kind;
	if (kept > 0 && kept < s->n) {
		for (kept = 0, i = 0; i < s->n; i++)
			if (s->code[i][13] == (char)kind)
				memcpy(s->code[kept++], s->code[i],
				       sizeof(*s->code));
		s->n = kept;
	}
}

/* Whether every code of S is in one county. */
static bool
same_county(const struct codeset *s)
{
	size_t i;

	for (i = 1; i < s->n; i++)
		if (strncmp(s->code[i], s->code[0], 6) != 0)
			return false;
	return true;
}

/* Whether the first N codes of S hold one under the same parent (the
 * level above LEVEL) as CODE. */
static bool
shares_parent(const struct codeset *s, size_t n, int level, const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strncmp(s->code[i], code, code_len[level - 1]) == 0)
			return true;
	return false;
}

/*
 * Every division of LEVEL named NAME under one of PARENTS (or under the
 * code prefix SCOPE when PARENTS is NULL) into OUT. Exact names and
 * variants (keys; county aliases) both count, except that under one
 * parent an exact name beats a variant: 长营子村 is not also 长营子村委会
 * of its township. Across parents it does not: with no county given,
 * 佛寺村 (湖南华容县) and 佛寺村委会 (阜新县) are two candidates, never a
 * guess for the one spelled exactly. Counties, whose variants are short
 * forms, are looked for by variant only when no exact name fits. Among
 * village variants, those of the kind the input names (村 or 社区) beat
 * the others.
 */
static void
find_level(struct divisions *d, int level, const char *name,
           const struct codeset *parents, const char *scope,
           struct codeset *out)
{
	struct codeset variants = {0};
	char key[KEY_MAX];
	size_t i, exact, n = parents ? parents->n : 1;
	const char *prefix;

	for (i = 0; i < n; i++)
		lookup(d, level, name, false,
		       parents ? parents->code[i] : scope, out);
	/* Under one parent of the level just above, an exact name settles
	 * it (the usual case: county, township and village all given). Exact
	 * villages in two counties already make it ambiguous, with no county
	 * shared, whatever the variants add (a common name looked for in
	 * the whole country: thousands of variants otherwise); townships
	 * found go on to scope the village, so they are all looked for. */
	if (out->n > 0 && (level == 3 ||
	                   (parents != NULL && parents->n == 1 &&
	                    strlen(parents->code[0]) == code_len[level - 1]) ||
	                   (level == 5 && !same_county(out))))
		goto out;
	if (!name_key(level, name, key))
		goto out;
	for (i = 0; i < n; i++) {
		prefix = parents ? parents->code[i] : scope;
		lookup(d, level, key, true, prefix, &variants);
		/* the alias table already holds 阜新县 and 阜新; its key
		 * would let 阜新市 (the city) in too */
		if (level == 3)
			lookup_alias(d, name, prefix, &variants);
	}
	if (level == 5 && variants.n > 1)
		keep_same_kind(village_kind(name), &variants);
	out->oom |= variants.oom;
	/* the exact names are OUT's first codes (none for a county here:
	 * its variants are looked for only for want of one) */
	exact = out->n;
	for (i = 0; i < variants.n; i++)
		if (!shares_parent(out, exact, level, variants.code[i]))
			set_add(out, variants.code[i], variants.code[i][13]);
	free(variants.code);
out:
	set_unique(out);
}

/* Fill OUT with the county and township every code of S shares. */
static void
fill_shared(const struct codeset *s, struct div_place *out)
{
	size_t i, len;
	bool county = true, township = true;

	if (s->n == 0)
		return;
	len = strlen(s->code[0]);
	for (i = 1; i < s->n; i++) {
		county = county && strncmp(s->code[i], s->code[0], 6) == 0;
		township = township && strncmp(s->code[i], s->code[0], 9) == 0;
	}
	if (len >= 6 && county)
		snprintf(out->county, sizeof(out->county), "%.6s", s->code[0]);
	if (len >= 9 && township)
		snprintf(out->township, sizeof(out->township), "%.9s",
		         s->code[0]);
	if (len == 12 && s->n == 1)
		snprintf(out->village, sizeof(out->village), "%s", s->code[0]);
}

static bool
given(const char *s)
{
	return s != NULL && *s != '\0';
}

/* The uncached resolution; see divisions_resolve(). */
static enum div_status
resolve_names(struct divisions *d, const char *county, const char *township,
              const char *village, const char *scope, struct div_place *out)
{
	struct codeset c = {0}, t = {0}, v = {0};
	const struct codeset *up = NULL;
	enum div_status status = DIV_NONE;

	if (given(county)) {
		find_level(d, 3, county, NULL, scope, &c);
		up = &c;
	}
	if (given(township)) {
		find_level(d, 4, township, up, scope, &t);
		up = &t;
	}
	if (given(village)) {
		find_level(d, 5, village, up, scope, &v);
		if (v.n == 1)
			status = DIV_OK;
		else if (v.n > 1)
			status = DIV_AMBIGUOUS;
	}
	/* The deepest level that found anything says what is shared. */
	fill_shared(v.n > 0 ? &v : t.n > 0 ? &t : &c, out);
	if (c.oom || t.oom || v.oom)
		status = DIV_NONE; /* a partial set must not look unique */
	free(c.code);
	free(t.code);
	free(v.code);
	return status;
}

/* The four inputs joined with \x1f, so "ab","c" differs from "a","bc",
 * and their hash: in BUF when it fits in BUFLEN bytes (the usual case: a
 * hit then costs no allocation), else malloc'd. */
static char *
cache_key(const char *parts[4], char *buf, size_t buflen, uint64_t *hash)
{
	size_t len = 0, i, n[4];
	char *key, *p;

	for (i = 0; i < 4; i++)
		len += (n[i] = strlen(parts[i])) + 1;
	if ((key = len <= buflen ? buf : malloc(len)) == NULL)
		return NULL;
	for (p = key, i = 0; i < 4; i++) {
		memcpy(p, parts[i], n[i]);
		p[n[i]] = i < 3 ? '\x1f' : '\0';
		p += n[i] + 1;
	}
	*hash = text_hash_n(key, len - 1);
	return key;
}

/* The slot holding KEY, or the empty slot where it would go. */
static struct cache_entry *
cache_slot(struct cache_entry *tab, size_t cap, const char *key, uint64_t hash)
{
	size_t i = (size_t)hash & (cap - 1);

	while (tab[i].key != NULL &&
	       (tab[i].hash != hash || strcmp(tab[i].key, key) != 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Double the table when it is 3/4 full. Returns false on ENOMEM. */
static bool
cache_grow(struct divisions *d)
{
	struct cache_entry *tab, *e;
	size_t cap = d->cache_cap ? d->cache_cap * 2 : 1024, i;

	if ((d->cache_n + 1) * 4 < d->cache_cap * 3)
		return true;
	if ((tab = calloc(cap, sizeof(*tab))) == NULL)
		return false;
	for (i = 0; i < d->cache_cap; i++) {
		e = &d->cache[i];
		if (e->key != NULL)
			*cache_slot(tab, cap, e->key, e->hash) = *e;
	}
	free(d->cache);
	d->cache = tab;
	d->cache_cap = cap;
	return true;
}

/* Answers one cache miss: resolve names, or check a code. */
typedef enum div_status (*div_lookup)(struct divisions *d,
                                      const char *const parts[4],
                                      struct div_place *out);

/*
 * Answer PARTS from the cache, or by LOOKUP and remember the answer: a
 * national file repeats the same few thousand places a million times.
 */
static enum div_status
cached(struct divisions *d, const char *parts[4], div_lookup lookup,
       struct div_place *out)
{
	struct cache_entry *e = NULL;
	enum div_status status;
	uint64_t hash;
	char buf[256], *key;

	if ((key = cache_key(parts, buf, sizeof(buf), &hash)) == NULL)
		return lookup(d, parts, out);
	if (d->cache_cap > 0) {
		e = cache_slot(d->cache, d->cache_cap, key, hash);
		if (e->key != NULL) {
			if (key != buf)
				free(key);
			*out = e->place;
			return e->status;
		}
	}
	status = lookup(d, parts, out);
	if (key == buf)
		key = strdup(buf);
	if (key != NULL && d->cache_n < CACHE_MAX && cache_grow(d)) {
		e = cache_slot(d->cache, d->cache_cap, key, hash);
		e->key = key;
		e->hash = hash;
		e->status = status;
		e->place = *out;
		d->cache_n++;
	} else
		free(key);
	return status;
}

static enum div_status
lookup_names(struct divisions *d, const char *const parts[4],
             struct div_place *out)
{
	return resolve_names(d, parts[0], parts[1], parts[2], parts[3], out);
}

/* S without spaces into BUF (LEN bytes); S itself when it has none or
 * does not fit. A place name has no space: 佛寺 村 is 佛寺村. */
static const char *
without_spaces(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (s == NULL || strchr(s, ' ') == NULL || strlen(s) >= len)
		return s;
	for (; *s != '\0'; s++)
		if (*s != ' ')
			buf[n++] = *s;
	buf[n] = '\0';
	return buf;
}

enum div_status
divisions_resolve(struct divisions *d, const char *county, const char *township,
                  const char *village, const char *scope, struct div_place *out)
{
	char cb[256], tb[256], vb[256];
	const char *parts[4];

	county = without_spaces(county, cb, sizeof(cb));
	township = without_spaces(township, tb, sizeof(tb));
	village = without_spaces(village, vb, sizeof(vb));
	parts[0] = county ? county : "";
	parts[1] = township ? township : "";
	parts[2] = village ? village : "";
	parts[3] = scope ? scope : "";

	memset(out, 0, sizeof(*out));
	if (!given(county) && !given(township) && !given(village))
		return DIV_NONE;
	if (strspn(parts[3], "0123456789") != strlen(parts[3]))
		return DIV_NONE; /* a scope is a code prefix */
	return cached(d, parts, lookup_names, out);
}

/* Level of CODE in the table, 0 when absent. */
static int
code_level(struct divisions *d, const char *code)
{
	sqlite3_stmt *st = d->st[ST_LEVEL];
	int level = 0;

	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		level = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return level;
}

static enum div_status
lookup_code(struct divisions *d, const char *const parts[4],
            struct div_place *out)
{
	const char *code = parts[1];
	size_t len = strlen(code);
	int level = len == 12 ? 5 : len == 9 ? 4 : len == 6 ? 3 : 0;

	memset(out, 0, sizeof(*out));
	if (level == 0 || code_level(d, code) != level)
		return DIV_NONE;
	snprintf(out->county, sizeof(out->county), "%.6s", code);
	if (len >= 9)
		snprintf(out->township, sizeof(out->township), "%.9s", code);
	if (len == 12)
		snprintf(out->village, sizeof(out->village), "%s", code);
	return DIV_OK;
}

enum div_status
divisions_check_code(struct divisions *d, const char *code,
                     struct div_place *out)
{
	/* "\001" cannot start a cleaned name, so code keys never meet name
	 * keys in the cache. */
	const char *parts[4] = {"\001", code ? code : "", "", ""};
	size_t len = code ? strlen(code) : 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || strspn(code, "0123456789") != len)
		return DIV_NONE;
	return cached(d, parts, lookup_code, out);
}

const char *
divisions_name(struct divisions *d, const char *code)
{
	sqlite3_stmt *st = d->st[ST_NAME];

	free(d->name_buf);
	d->name_buf = NULL;
	if (code == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		d->name_buf = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return d->name_buf;
}
