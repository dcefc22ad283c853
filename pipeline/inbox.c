/*
 * inbox.c - which exports in the inbox a nightly run takes.
 *
 * Files are recognised by the start of their name, not by their header:
 * a name is what the operator sees and controls, and a file that is
 * recognised wrongly by name fails loudly in ingest (65, naming it)
 * rather than being silently dropped. Each source may come as several
 * files (one per county); a file sent again replaces its older version.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "run.h"

#include "anju.h"
#include "csvin.h"
#include "headers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Name patterns per source: the prefix, and the extension every export
 * ends with. 建档立卡 starts the names of all three (建档立卡贫困户花名册,
 * 建档立卡户危房改造档案, 建档立卡贫困户家庭成员): the words after it decide.
 * Matched apart, because PCRE2 matches nothing across bytes that are not UTF-8
 * (a name in GBK) and the series between them may hold such bytes.
 */
static const char *const kind_pattern[INBOX_KINDS] = {
    "^(?:platform|危房|农户档案|住房安全|建档立卡.*(?:危房|档案))",
    "^(?:roster|花名册|建档立卡(?!.*(?:家庭成员|危房|档案)))",
    "^(?:members|家庭成员|建档立卡.*家庭成员)",
};
static const char ext_pattern[] = "\\.(?:csv|tsv|txt)$";

static const char *const kind_name[INBOX_KINDS] = {"platform", "roster",
                                                   "members"};

/*
 * What does not tell one export from another: date or date-time stamps
 * standing alone (20210110, 2021-1-10, 2021年1月10日), copy marks that Windows
 * and WPS add, edition words with the number that may follow them (修改版,
 * 第二版, v2, copy 2, 最终版-2), separators. A bare number is not noise:
 * platform_1 and platform_2 may be two parts of one source.
 */
static const char noise_pattern[] =
    "(?<!\\d)(?:19|20)\\d{2}[-_.]?\\d{2}[-_.]?\\d{2}(?:[-_T ]?\\d{4,6})?"
    "(?!\\d)"
    "|(?<!\\d)(?:19|20)\\d{2}[-_.]\\d{1,2}[-_.]\\d{1,2}(?!\\d)"
    "|(?<!\\d)(?:19|20)\\d{2}年\\d{1,2}月(?:\\d{1,2}[日号])?"
    "|[\\s\\-_.]*(?:\\(\\d+\\)|（\\d+）"
    "|(?:副本|copy|final|最终版|终版|最新版?|更新版?|修订版?|修改后|修改版?|"
    "版本"
    "|第[一二三四五六七八九十\\d]+版|(?<![a-z])v(?=\\d))"
    "(?:[\\s\\-_.()（）]*\\d{1,3}(?!\\d)[)）]?)?)"
    "|[\\s\\-_.()（）]+";

static pcre2_code *
compiled(pcre2_code **slot, const char *pattern)
{
	int err;
	PCRE2_SIZE off;

	/* Compiled once; reachable for the life of the process. A name in
	 * GBK bytes still matches by its ASCII or UTF-8 parts. */
	if (*slot == NULL)
		*slot = pcre2_compile(
		    (PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
		    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS, &err,
		    &off, NULL);
	return *slot;
}

const char *
inbox_kind_name(enum inbox_kind k)
{
	return k >= 0 && k < INBOX_KINDS ? kind_name[k] : "none";
}

/* Strip the noise from S[0..LEN) into SERIES, lower-casing ASCII. */
static void
series_key(const char *s, size_t len, char *series, size_t serieslen)
{
	static pcre2_code *noise;
	PCRE2_SIZE outlen = serieslen;
	int rc = -1;

	if (serieslen == 0)
		return;
	if (compiled(&noise, noise_pattern) != NULL)
		rc = pcre2_substitute(
		    noise, (PCRE2_SPTR)s, len, 0, PCRE2_SUBSTITUTE_GLOBAL, NULL,
		    NULL, (PCRE2_SPTR) "", 0, (PCRE2_UCHAR *)series, &outlen);
	if (rc < 0) {
		/* Too long or odd: the raw rest of the name still groups. */
		snprintf(series, serieslen, "%.*s", (int)len, s);
		outlen = strlen(series);
	}
	series[outlen] = '\0';
	for (char *p = series; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

/*
 * Where in NAME the pattern matches: *START, *END. Returns false when it
 * does not.
 */
static bool
find(pcre2_code *code, const char *name, size_t *start, size_t *end)
{
	pcre2_match_data *md;
	bool found = false;

	if (code == NULL ||
	    (md = pcre2_match_data_create_from_pattern(code, NULL)) == NULL)
		return false;
	if (pcre2_match(code, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md,
	                NULL) > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

		*start = ov[0];
		*end = ov[1];
		found = true;
	}
	pcre2_match_data_free(md);
	return found;
}

enum inbox_kind
inbox_classify(const char *name, char *series, size_t serieslen)
{
	static pcre2_code *re[INBOX_KINDS], *ext;
	size_t s, prefix_end, ext_start, e;

	if (serieslen > 0)
		series[0] = '\0';
	/* Hidden files, and the lock files Excel and WPS leave open. */
	if (name[0] == '.' || strncmp(name, "~$", 2) == 0 ||
	    !find(compiled(&ext, ext_pattern), name, &ext_start, &e))
		return INBOX_NONE;
	for (int k = 0; k < INBOX_KINDS; k++)
		if (find(compiled(&re[k], kind_pattern[k]), name, &s,
		         &prefix_end) &&
		    prefix_end <= ext_start) {
			series_key(name + prefix_end, ext_start - prefix_end,
			           series, serieslen);
			return (enum inbox_kind)k;
		}
	return INBOX_NONE;
}

/* True when A is a newer version than B: later mtime, then later name. */
static bool
newer(const struct inbox_entry *a, const struct inbox_entry *b)
{
	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec > b->mtime.tv_sec;
	if (a->mtime.tv_nsec != b->mtime.tv_nsec)
		return a->mtime.tv_nsec > b->mtime.tv_nsec;
	return strcmp(a->name, b->name) > 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry of N that is its series' newest. */
static bool
is_newest(const struct inbox_entry *e, const int *kind, char (*series)[256],
          size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && kind[j] == kind[i] &&
		    strcmp(series[j], series[i]) == 0 && newer(&e[j], &e[i]))
			return false;
	return true;
}

int
inbox_select(const struct inbox_entry *entries, size_t n,
             struct run_list chosen[INBOX_KINDS], struct run_list *superseded,
             struct run_list *ignored)
{
	char(*series)[256] = NULL;
	int *kind = NULL, rc = -1;

	if (n == 0)
		return 0;
	series = calloc(n, sizeof(*series));
	kind = calloc(n, sizeof(*kind));
	if (series == NULL || kind == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		kind[i] = inbox_classify(entries[i].name, series[i],
		                         sizeof(series[i]));
		if (kind[i] == INBOX_NONE && entries[i].by_header > 0) {
			/* Recognised by content: its whole name is the
			 * series, so its later versions still replace it. */
			kind[i] = entries[i].by_header - 1;
			const char *ext = strrchr(entries[i].name, '.');

			series_key(entries[i].name,
			           ext != NULL ? (size_t)(ext - entries[i].name)
			                       : strlen(entries[i].name),
			           series[i], sizeof(series[i]));
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct run_list *to;

		if (kind[i] == INBOX_NONE)
			to = ignored;
		else if (is_newest(entries, kind, series, n, i))
			to = &chosen[kind[i]];
		else
			to = superseded;
		if (to != NULL && run_list_add(to, entries[i].name) != 0)
			goto out;
	}
	for (int k = 0; k < INBOX_KINDS; k++)
		if (chosen[k].n > 1)
			qsort(chosen[k].v, chosen[k].n, sizeof(char *),
			      by_name);
	rc = 0;
out:
	free(series);
	free(kind);
	return rc;
}

/* The kinds' scores of one header row, for inbox_sniff(). */
struct sniff {
	const struct header_table *t;
	int score[INBOX_KINDS];
	bool complete[INBOX_KINDS]; /* every required column there */
};

static const char *const sniff_kinds[INBOX_KINDS][3] = {
    {"platform", NULL, NULL},
    {"roster", "roster.person", NULL},
    {"members", NULL, NULL},
};

/* csvin's header finder: the best score of any kind. */
static int
sniff_score(char *const *cells, size_t n, int floor, void *ctx)
{
	const struct header_table *t = ctx;
	int best = 0;

	for (int k = 0; k < INBOX_KINDS; k++) {
		int s = headers_score(t, sniff_kinds[k], cells, n, floor);

		best = s > best ? s : best;
	}
	return best;
}

/* Score the header row CELLS for every kind into *S. */
static void
sniff_row(struct sniff *s, char *const *cells, size_t n)
{
	int col[HEADERS_MAX_FIELDS];
	char err[256];

	for (int k = 0; k < INBOX_KINDS; k++) {
		s->score[k] = headers_score(s->t, sniff_kinds[k], cells, n, -1);
		s->complete[k] = false;
		for (int j = 0; sniff_kinds[k][j] != NULL; j++) {
			const struct header_kind *hk =
			    headers_kind(s->t, sniff_kinds[k][j]);

			if (hk != NULL && headers_map(hk, cells, n, col, err,
			                              sizeof(err)) == 0)
				s->complete[k] = true;
		}
	}
}

/* True when the header CELLS is one of anju's own county-pack tables
 * (问题清单, 变化): a county that sends its list back is not sending an
 * export, though the list has 户编号 and 户主 columns. */
static bool
anju_pack_header(char *const *cells, size_t n)
{
	static const char *const ours[] = {"问题编码", "问题详情", "已持续天数",
	                                   "整改期限"};

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++)
			if (strcmp(cells[i], ours[k]) == 0)
				return true;
	return false;
}

enum inbox_kind
inbox_sniff(const char *path)
{
	static struct header_table table;
	static int loaded; /* 0 not yet, 1 loaded, -1 failed */
	struct sniff s = {.t = &table};
	struct csvin *csv = NULL;
	enum inbox_kind best = INBOX_NONE;
	char file[4096], err[256];

	if (loaded == 0) {
		snprintf(file, sizeof(file), "%s/schemas/headers.tsv",
		         anju_datadir());
		loaded =
		    headers_load(file, &table, err, sizeof(err)) == 0 ? 1 : -1;
	}
	if (loaded < 0 ||
	    csvin_open(path, sniff_score, &table, &csv, err, sizeof(err)) != 0)
		return INBOX_NONE;
	if (anju_pack_header(csvin_header(csv)->fields,
	                     csvin_header(csv)->nfields)) {
		csvin_close(csv);
		return INBOX_NONE;
	}
	sniff_row(&s, csvin_header(csv)->fields, csvin_header(csv)->nfields);
	csvin_close(csv);
	/* Ties go to the narrower source: a members export also reads as a
	 * person-level roster without place columns. */
	for (int k = INBOX_KINDS - 1; k >= 0; k--)
		if (s.complete[k] &&
		    (best == INBOX_NONE || s.score[k] > s.score[best]))
			best = (enum inbox_kind)k;
	return best;
}

/* Add NAME (copied), its MTIME and what its header says to *ENTRIES.
 * Returns 0 or -1. */
static int
add_entry(struct inbox_entry **entries, size_t *n, size_t *cap,
          const char *name, struct timespec mtime, int by_header)
{
	char *copy;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct inbox_entry *v = realloc(*entries, ncap * sizeof(*v));

		if (v == NULL)
			return -1;
		*entries = v;
		*cap = ncap;
	}
	if ((copy = strdup(name)) == NULL)
		return -1;
	(*entries)[*n].name = copy;
	(*entries)[*n].mtime = mtime;
	(*entries)[*n].by_header = by_header;
	(*n)++;
	return 0;
}

/*
 * For a file whose name does not say its source but looks like an export
 * (.csv, .tsv, .txt, not hidden or a lock file): its kind by header, + 1;
 * minus errno when it cannot be opened (it may be an export: the night
 * must not go on without it); INBOX_GONE when it is no longer there;
 * else 0. Named files are not opened: the name decides.
 */
/* header_kind_of(): a file listed and gone before it was opened. */
#define INBOX_GONE INT_MIN

static int
header_kind_of(const char *path, const char *name)
{
	char series[8];
	size_t n = strlen(name);
	enum inbox_kind k;
	int fd;

	if (inbox_classify(name, series, sizeof(series)) != INBOX_NONE ||
	    name[0] == '.' || strncmp(name, "~$", 2) == 0 || n < 5 ||
	    (strcasecmp(name + n - 4, ".csv") != 0 &&
	     strcasecmp(name + n - 4, ".tsv") != 0 &&
	     strcasecmp(name + n - 4, ".txt") != 0))
		return 0;
	/* Gone since the folder was listed (renamed into place, say): not
	 * a file of this night. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno == ENOENT ? INBOX_GONE
		       : errno != 0    ? -errno
		                       : -EIO;
	close(fd);
	k = inbox_sniff(path);
	return k == INBOX_NONE ? 0 : (int)k + 1;
}

/*
 * Read DIR's regular files (symlinks to them too) into *ENTRIES, names
 * malloc'd. Returns 0, or -1 with errno set; *ENTRIES is then still the
 * caller's to free.
 */
static int
read_inbox(const char *dir, struct inbox_entry **entries, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[4096];
	size_t cap = 0;
	int rc = 0, kind;

	*entries = NULL;
	*n = 0;
	if (d == NULL)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		        (int)sizeof(path) ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		kind = header_kind_of(path, e->d_name);
		if (kind != INBOX_GONE)
			rc = add_entry(entries, n, &cap, e->d_name, st.st_mtim,
			               kind);
	}
	closedir(d);
	return rc;
}

int
inbox_scan(const char *dir, struct run_list chosen[INBOX_KINDS],
           struct run_list *superseded, struct run_list *ignored)
{
	struct inbox_entry *entries;
	struct run_list names[INBOX_KINDS] = {{0}};
	size_t n;
	int rc = ANJU_EXIT_SOFTWARE;
	char path[4096];

	if (read_inbox(dir, &entries, &n) != 0) {
		anju_msg(dir, 0, "cannot read the inbox: %s", strerror(errno));
		rc = ANJU_EXIT_NOINPUT;
		goto out;
	}
	/* An export that cannot be read fails the night, as one named so
	 * does when anju-ingest opens it: never a night without a county's
	 * file that nobody hears of. */
	for (size_t i = 0; i < n; i++)
		if (entries[i].by_header < 0) {
			anju_msg(dir, 0,
			         "%s: cannot read: %s; it may be an export "
			         "(fix its permissions, or move it out of the "
			         "inbox)",
			         entries[i].name,
			         strerror(-entries[i].by_header));
			rc = ANJU_EXIT_NOINPUT;
			goto out;
		}
	if (inbox_select(entries, n, names, superseded, ignored) != 0)
		goto out;
	for (int k = 0; k < INBOX_KINDS; k++)
		for (size_t i = 0; i < names[k].n; i++) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			         names[k].v[i]);
			if (run_list_add(&chosen[k], path) != 0)
				goto out;
		}
	rc = 0;
out:
	for (int k = 0; k < INBOX_KINDS; k++)
		run_list_free(&names[k]);
	for (size_t i = 0; i < n; i++)
		free((char *)entries[i].name);
	free(entries);
	return rc;
}
