/* sheet.c - a pack table as CSV and, optionally, as an .xlsx worksheet. */
#include "sheet.h"

#include "anju.h"
#include "csvout.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ANJU_HAVE_XLSXWRITER
#include <unzip.h>
#include <xlsxwriter.h>
#endif

struct book {
#ifdef ANJU_HAVE_XLSXWRITER
	lxw_workbook *wb;
	lxw_format *text;  /* number format "@": the column stays text */
	lxw_format *count; /* number format "0": whole numbers */
	lxw_format *rate;  /* number format "0.00%" */
#endif
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

struct sheet {
	struct csvout *csv;
#ifdef ANJU_HAVE_XLSXWRITER
	lxw_worksheet *ws;
	lxw_format *text, *count, *rate;
#endif
	unsigned row;
};

bool
book_supported(void)
{
#ifdef ANJU_HAVE_XLSXWRITER
	return true;
#else
	return false;
#endif
}

int
book_open(const char *dir, const char *name, struct book **out)
{
	*out = NULL;
#ifdef ANJU_HAVE_XLSXWRITER
	lxw_workbook_options options = {.constant_memory = LXW_FALSE};
	struct book *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		anju_msg(NULL, 0, "out of memory");
		return ANJU_EXIT_CANTCREAT;
	}
	snprintf(b->path, sizeof(b->path), "%s/%s", dir, name);
	snprintf(b->tmp, sizeof(b->tmp), "%s/.%s.tmp.%ld", dir, name,
	         (long)getpid());
	/* Its scratch files beside the pack, not in a small /tmp. */
	options.tmpdir = (char *)dir;
	if ((b->wb = workbook_new_opt(b->tmp, &options)) == NULL) {
		anju_msg(b->path, 0, "cannot create workbook");
		free(b);
		return ANJU_EXIT_CANTCREAT;
	}
	b->text = workbook_add_format(b->wb);
	format_set_num_format(b->text, "@");
	b->count = workbook_add_format(b->wb);
	format_set_num_format(b->count, "0");
	b->rate = workbook_add_format(b->wb);
	format_set_num_format(b->rate, "0.00%");
	*out = b;
#else
	(void)dir;
	(void)name;
#endif
	return 0;
}

#ifdef ANJU_HAVE_XLSXWRITER
/* The XML part now open in Z read to its end: 0 when it ends with the
 * closing tag of the element it starts with, -1 when it is cut short (or
 * its CRC is wrong, or it cannot be read). */
static int
part_complete(unzFile z)
{
	char head[256], tail[128], buf[16384], root[64], *p;
	size_t nhead = 0, ntail = 0, n, k;
	int got, rc;

	if (unzOpenCurrentFile(z) != UNZ_OK)
		return -1;
	while ((got = unzReadCurrentFile(z, buf, sizeof(buf))) > 0) {
		n = (size_t)got;
		k = n < sizeof(head) - 1 - nhead ? n : sizeof(head) - 1 - nhead;
		memcpy(head + nhead, buf, k);
		nhead += k;
		if (n >= sizeof(tail)) {
			memcpy(tail, buf + n - sizeof(tail), sizeof(tail));
			ntail = sizeof(tail);
		} else {
			k = ntail + n > sizeof(tail) ? ntail + n - sizeof(tail)
			                             : 0;
			memmove(tail, tail + k, ntail - k);
			memcpy(tail + ntail - k, buf, n);
			ntail = ntail - k + n;
		}
	}
	rc = unzCloseCurrentFile(z); /* UNZ_CRCERROR when the CRC is off */
	if (got < 0 || rc != UNZ_OK)
		return -1;
	head[nhead] = '\0';
	/* The root: the first element after the XML declaration. */
	p = strstr(head, "?>");
	p = strchr(p != NULL ? p : head, '<');
	if (p == NULL || sscanf(p, "<%63[^ >/\r\n]", root) != 1)
		return -1;
	while (ntail > 0 && strchr(" \r\n\t", tail[ntail - 1]) != NULL)
		ntail--;
	n = strlen(root);
	return ntail >= n + 3 && tail[ntail - n - 3] == '<' &&
	               tail[ntail - n - 2] == '/' &&
	               memcmp(tail + ntail - n - 1, root, n) == 0 &&
	               tail[ntail - 1] == '>'
	           ? 0
	           : -1;
}

/*
 * libxlsxwriter writes each part of a workbook to a scratch file first
 * and does not check those writes: on a full disk a sheet can be cut
 * short and still be zipped, and workbook_close() reports success. Read
 * every XML part of the finished file at PATH back. Returns 0, or -1
 * when a part is cut short or the file is not a readable zip.
 */
static int
book_verify(const char *path)
{
	unzFile z = unzOpen64(path);
	unz_file_info64 info;
	char name[256];
	size_t n;
	int rc = -1, step;

	if (z == NULL)
		return -1;
	for (step = unzGoToFirstFile(z); step == UNZ_OK;
	     step = unzGoToNextFile(z)) {
		if (unzGetCurrentFileInfo64(z, &info, name, sizeof(name), NULL,
		                            0, NULL, 0) != UNZ_OK)
			goto out;
		n = strlen(name);
		if (((n > 4 && strcmp(name + n - 4, ".xml") == 0) ||
		     (n > 5 && strcmp(name + n - 5, ".rels") == 0)) &&
		    part_complete(z) != 0)
			goto out;
	}
	rc = step == UNZ_END_OF_LIST_OF_FILE ? 0 : -1;
out:
	unzClose(z);
	return rc;
}
#endif

#ifdef ANJU_HAVE_XLSXWRITER
/* A cell holds at most 32,767 characters in Excel (and libxlsxwriter
 * refuses more): the malloc'd first 32,766 and "…" when V is longer (the
 * CSV keeps it whole), else NULL. */
static char *
cut_for_excel(const char *v)
{
	enum { MAX_CHARS = 32767 };
	size_t chars = 0, i, j;
	char *out;

	for (i = 0; v[i] != '\0'; i++)
		if (((unsigned char)v[i] & 0xC0) != 0x80 &&
		    ++chars == MAX_CHARS)
			break;
	if (v[i] == '\0')
		return NULL;
	for (j = i + 1; ((unsigned char)v[j] & 0xC0) == 0x80; j++)
		;
	if (v[j] == '\0') /* exactly the most a cell holds */
		return NULL;
	/* V[I] starts character 32,767: keep what is before it. */
	if ((out = malloc(i + sizeof("…"))) == NULL)
		return NULL;
	memcpy(out, v, i);
	memcpy(out + i, "…", sizeof("…"));
	return out;
}
#endif

int
book_close(struct book *b, bool ok)
{
	int rc = 0;

	if (b == NULL)
		return 0;
#ifdef ANJU_HAVE_XLSXWRITER
	lxw_error e = workbook_close(b->wb);

	if (ok && e != LXW_NO_ERROR) {
		anju_msg(b->path, 0, "cannot write workbook: %s",
		         lxw_strerror(e));
		rc = ANJU_EXIT_CANTCREAT;
	} else if (ok && book_verify(b->tmp) != 0) {
		anju_msg(b->path, 0,
		         "cannot write workbook: a sheet came out cut short "
		         "(is the disk full?)");
		rc = ANJU_EXIT_CANTCREAT;
	} else if (ok && rename(b->tmp, b->path) != 0) {
		anju_msg(b->path, 0, "cannot rename workbook into place: %s",
		         strerror(errno));
		rc = ANJU_EXIT_CANTCREAT;
	}
	if (!ok || rc != 0)
		unlink(b->tmp);
#else
	(void)ok;
#endif
	free(b);
	return rc;
}

/* The workbook being written by book_close_later(), if any. Only the
 * report's main thread calls book_close_later() and book_wait(). */
static struct {
	bool running;
	pthread_t thread;
	struct book *book;
	int rc;
} closing;

static void *
close_in_background(void *arg)
{
	(void)arg;
	closing.rc = book_close(closing.book, true);
	return NULL;
}

int
book_wait(void)
{
	if (!closing.running)
		return 0;
	pthread_join(closing.thread, NULL);
	closing.running = false;
	return closing.rc;
}

int
book_close_later(struct book *b)
{
	int rc = book_wait();

	if (b == NULL)
		return rc;
	closing.book = b;
	closing.rc = 0;
	if (pthread_create(&closing.thread, NULL, close_in_background, NULL) !=
	    0) {
		int now = book_close(b, true);

		return rc != 0 ? rc : now;
	}
	closing.running = true;
	return rc;
}

struct sheet *
sheet_open(const char *dir, const char *csv_name, struct book *book,
           const char *sheet_name)
{
	char path[PATH_MAX], err[PATH_MAX + 128];
	struct sheet *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, csv_name);
	/* No CSVOUT_SAFE: the caller makes every cell safe itself, since
	 * ID cells carry a TAB that CSVOUT_SAFE would turn into a '. */
	if ((s->csv = csvout_open(path, CSVOUT_BOM, err, sizeof(err))) ==
	    NULL) {
		anju_msg(path, 0, "%s", err);
		free(s);
		return NULL;
	}
#ifdef ANJU_HAVE_XLSXWRITER
	if (book != NULL) {
		s->ws = workbook_add_worksheet(book->wb, sheet_name);
		s->text = book->text;
		s->count = book->count;
		s->rate = book->rate;
		if (s->ws == NULL) {
			anju_msg(path, 0, "cannot add worksheet %s",
			         sheet_name);
			csvout_abort(s->csv);
			free(s);
			return NULL;
		}
		worksheet_set_column(s->ws, 0, 20, 14, s->text);
		/* The header stays in view while a clerk scrolls. */
		worksheet_freeze_panes(s->ws, 1, 0);
	}
#else
	(void)book;
	(void)sheet_name;
#endif
	return s;
}

/* True when S is a percentage as report_rate() writes it (84.85%): its
 * value (0.8485) in *V. */
static bool
percentage(const char *s, double *v)
{
	unsigned long whole, hundredths;
	int used = 0;

	/* in hundredths, divided once: 0.9487, not 0.9487000000000001 */
	if (sscanf(s, "%lu.%2lu%%%n", &whole, &hundredths, &used) != 2 ||
	    used == 0 || s[used] != '\0')
		return false;
	*v = (double)(whole * 100 + hundredths) / 10000;
	return true;
}

/* True when S is a whole number a count can be: 1 to 9 digits. */
static bool
whole_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 9 && s[n] == '\0';
}

int
sheet_row(struct sheet *s, const char *const *csv_cells,
          const char *const *plain_cells, const bool *counts, size_t n)
{
	int rc = csvout_row(s->csv, csv_cells, n);

#ifdef ANJU_HAVE_XLSXWRITER
	size_t i;
	double x;
	lxw_error e;

	/* worksheet_write_string never makes a formula: "=..." stays text. */
	for (i = 0; s->ws != NULL && i < n; i++) {
		const char *v = plain_cells[i];

		if (v == NULL || *v == '\0')
			continue;
		if (counts != NULL && counts[i] && whole_number(v))
			e = worksheet_write_number(s->ws, s->row, (lxw_col_t)i,
			                           strtod(v, NULL), s->count);
		else if (counts != NULL && counts[i] && percentage(v, &x))
			e = worksheet_write_number(s->ws, s->row, (lxw_col_t)i,
			                           x, s->rate);
		else {
			char *cut = cut_for_excel(v);

			e = worksheet_write_string(s->ws, s->row, (lxw_col_t)i,
			                           cut != NULL ? cut : v,
			                           s->text);
			free(cut);
		}
		if (e != LXW_NO_ERROR)
			rc = -1;
	}
#else
	(void)plain_cells;
	(void)counts;
#endif
	s->row++;
	return rc;
}

void
sheet_freeze_here(struct sheet *s)
{
#ifdef ANJU_HAVE_XLSXWRITER
	if (s->ws != NULL)
		worksheet_freeze_panes(s->ws, s->row, 0);
#else
	(void)s;
#endif
}

void
sheet_widen(struct sheet *s, int col, double width)
{
#ifdef ANJU_HAVE_XLSXWRITER
	if (s->ws != NULL)
		worksheet_set_column(s->ws, (lxw_col_t)col, (lxw_col_t)col,
		                     width, s->text);
#else
	(void)s;
	(void)col;
	(void)width;
#endif
}

int
sheet_close(struct sheet *s, bool ok)
{
	char err[PATH_MAX + 128];
	int rc = 0;

	if (s == NULL)
		return ANJU_EXIT_CANTCREAT;
	if (!ok) {
		csvout_abort(s->csv);
		anju_msg(NULL, 0, "cannot write a county pack file");
		rc = ANJU_EXIT_CANTCREAT;
	} else if (csvout_close(s->csv, err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "%s", err);
		rc = ANJU_EXIT_CANTCREAT;
	}
	free(s);
	return rc;
}
