/*
 * csvin.c - one input export, read as a stream of rows.
 *
 * Layers, bottom up:
 *   raw bytes   read(2) in blocks, every byte hashed once (nettle sha256);
 *   decoded     UTF-8 text: copied as is, or converted with iconv from
 *               GB18030/UTF-16; bytes iconv refuses pass through so the
 *               row holding them is rejected, not the file;
 *   lines       physical lines split with memchr on '\n' (CR of CRLF
 *               dropped), each at most CSVIN_MAX_ROW bytes;
 *   rows        libcsv fed one physical line at a time, so the line where
 *               each row starts is always known; a row still open after
 *               its line is a quoted field spanning lines.
 * Lines that must be read again (the look-ahead used to find the header,
 * the lines swallowed by a quote that never closes) sit in a replay queue
 * that is drained before the file is read further.
 */
#include "csvin.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "anju.h"
#include "text.h"

#define CSVIN_BLOCK         (64 * 1024)   /* read(2) size */
#define CSVIN_SNIFF         (256 * 1024)  /* bytes sampled for the encoding */
#define CSVIN_BINARY_SAMPLE 4096          /* bytes checked for binary data */
#define CSVIN_HEADER_LINES  64            /* non-blank lines searched */
#define CSVIN_HEADER_BYTES  (1024 * 1024) /* bytes searched for the header */
#define CSVIN_MAX_FIELD     65536
#define CSVIN_MAX_ROW       (8 * 1024 * 1024) /* raw bytes of one row or line */
/* A quoted field may span lines, but not this many: past it the quote is
 * taken as never closed. Also bounds the cost of re-reading lines. */
#define CSVIN_MAX_ROW_LINES 256

enum encoding { ENC_UTF8, ENC_UTF8_BOM, ENC_GB18030, ENC_UTF16LE, ENC_UTF16BE };

static const char *const encoding_names[] = {"UTF-8", "UTF-8-BOM", "GB18030",
                                             "UTF-16LE", "UTF-16BE"};

/* A list of lines in one text buffer: used for the replay queue and for
 * the lines of the current row. Each line is stored followed by '\n'. */
struct line {
	size_t off;
	size_t len;
	size_t lineno;
	bool too_long;
};

struct lines {
	char *text;
	size_t len, cap;
	struct line *v;
	size_t n, head, vcap;
};

/* Fields of one row, NUL-terminated, packed in one buffer. */
struct fields {
	char *text;
	size_t len, cap;
	size_t *off;
	size_t *flen;
	char **ptrs;
	size_t n, vcap;
};

struct csvin {
	int fd;
	enum encoding enc;
	iconv_t cd;
	bool eof;      /* read(2) returned 0 */
	bool failed;   /* a read error or ENOMEM happened */
	int fail_code; /* anju_exit code for csvin_open() */
	char err[256];
	char reason[64]; /* reject reason of the current row */

	struct sha256_ctx sha;
	char sha_hex[2 * SHA256_DIGEST_SIZE + 1];

	char *raw; /* undecoded bytes [rpos, rlen) */
	size_t rpos, rlen, rcap;

	char *dec; /* decoded bytes [dpos, dend) */
	size_t dpos, dend, dcap, dscan;
	bool skipping;       /* dropping the rest of an over-long line */
	bool passed_invalid; /* iconv refused a byte somewhere so far */
	bool cr_lines;       /* lines end with CR alone (old Mac Excel):
	                        every decoded CR becomes LF */
	size_t lineno;       /* number of the last physical line taken */

	struct lines replay;
	struct lines rowlines;
	struct fields fields;

	struct csv_parser parser;
	bool parser_ready;
	bool row_done;
	bool discard; /* libcsv callbacks ignore what they get */
	char delim;

	struct fields header_fields;
	size_t header_width; /* the header's cells, unnamed last ones too */
	char *header_raw;
	struct csvin_row header;
};

/* ---- small buffers ---------------------------------------------------- */

/* Makes room for NEED more bytes in *BUF (LEN used, *CAP allocated). */
static int
reserve(char **buf, size_t *cap, size_t len, size_t need)
{
	size_t ncap;
	char *p;

	if (*cap - len >= need)
		return 0;
	ncap = *cap ? *cap : 4096;
	while (ncap - len < need)
		ncap *= 2;
	if ((p = realloc(*buf, ncap)) == NULL)
		return -1;
	*buf = p;
	*cap = ncap;
	return 0;
}

static int
lines_push(struct lines *l, const char *s, size_t len, size_t lineno,
           bool too_long)
{
	struct line *v;
	size_t ncap;

	if (reserve(&l->text, &l->cap, l->len, len + 1) < 0)
		return -1;
	if (l->n == l->vcap) {
		ncap = l->vcap ? 2 * l->vcap : 64;
		if ((v = realloc(l->v, ncap * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->vcap = ncap;
	}
	memcpy(l->text + l->len, s, len);
	l->text[l->len + len] = '\n';
	l->v[l->n++] = (struct line){l->len, len, lineno, too_long};
	l->len += len + 1;
	return 0;
}

static void
lines_clear(struct lines *l)
{
	l->len = l->n = l->head = 0;
}

static void
lines_free(struct lines *l)
{
	free(l->text);
	free(l->v);
}

/*
 * Puts lines FROM..n of SRC in front of the lines still queued in Q, so
 * they are read again, in file order, before anything else.
 */
static int
lines_prepend(struct lines *q, const struct lines *src, size_t from)
{
	struct lines nq = {0};
	const struct line *x;
	size_t i;

	for (i = from; i < src->n; i++) {
		x = &src->v[i];
		if (lines_push(&nq, src->text + x->off, x->len, x->lineno,
		               x->too_long) < 0)
			goto fail;
	}
	for (i = q->head; i < q->n; i++) {
		x = &q->v[i];
		if (lines_push(&nq, q->text + x->off, x->len, x->lineno,
		               x->too_long) < 0)
			goto fail;
	}
	lines_free(q);
	*q = nq;
	return 0;
fail:
	lines_free(&nq);
	return -1;
}

static void
fields_clear(struct fields *f)
{
	f->len = f->n = 0;
}

static void
fields_free(struct fields *f)
{
	free(f->text);
	free(f->off);
	free(f->flen);
	free(f->ptrs);
}

static int
fields_add(struct fields *f, const char *s, size_t len)
{
	size_t ncap;
	void *p;

	if (reserve(&f->text, &f->cap, f->len, len + 1) < 0)
		return -1;
	if (f->n == f->vcap) {
		ncap = f->vcap ? 2 * f->vcap : 32;
		if ((p = realloc(f->off, ncap * sizeof(size_t))) == NULL)
			return -1;
		f->off = p;
		if ((p = realloc(f->flen, ncap * sizeof(size_t))) == NULL)
			return -1;
		f->flen = p;
		if ((p = realloc(f->ptrs, ncap * sizeof(char *))) == NULL)
			return -1;
		f->ptrs = p;
		f->vcap = ncap;
	}
	if (len > 0)
		memcpy(f->text + f->len, s, len);
	f->text[f->len + len] = '\0';
	f->off[f->n] = f->len;
	f->flen[f->n++] = len;
	f->len += len + 1;
	return 0;
}

/* Pointers into f->text are only stable once the row is complete. */
static char **
fields_ptrs(struct fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		f->ptrs[i] = f->text + f->off[i];
	return f->ptrs;
}

/* ---- raw bytes -------------------------------------------------------- */

/* Records why reading stopped. Returns -1 so callers can return it. */
static int
fail(struct csvin *in, int code, const char *what)
{
	if (!in->failed) {
		snprintf(in->err, sizeof(in->err), "%s", what);
		in->fail_code = code;
		in->failed = true;
	}
	return -1;
}

/*
 * Reads up to N bytes into BUF, hashing them. Returns the count, 0 at end
 * of file, -1 on error (message in in->err).
 */
static ssize_t
read_hashed(struct csvin *in, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(in->fd, buf, n);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		char what[128];

		snprintf(what, sizeof(what), "read error: %s", strerror(errno));
		return fail(in, ANJU_EXIT_NOINPUT, what);
	}
	if (r == 0) {
		in->eof = true;
		return 0;
	}
	sha256_update(&in->sha, (size_t)r, buf);
	return r;
}

/* Appends up to N more raw bytes to in->raw. Returns as read_hashed(). */
static ssize_t
raw_fill(struct csvin *in, size_t n)
{
	ssize_t r;

	if (in->rpos > 0) {
		memmove(in->raw, in->raw + in->rpos, in->rlen - in->rpos);
		in->rlen -= in->rpos;
		in->rpos = 0;
	}
	if (reserve(&in->raw, &in->rcap, in->rlen, n) < 0)
		return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	r = read_hashed(in, in->raw + in->rlen, n);
	if (r > 0)
		in->rlen += (size_t)r;
	return r;
}

/* ---- decoding --------------------------------------------------------- */

/* Appends one byte iconv refused, as a byte that is never valid UTF-8. */
static void
pass_invalid(struct csvin *in, size_t width)
{
	unsigned char c = (unsigned char)in->raw[in->rpos];

	in->passed_invalid = true;
	/* A GB18030 byte that fails is >= 0x80, so it stays invalid UTF-8
	 * on its own; a UTF-16 code unit may be ASCII-looking, so it is
	 * replaced by 0xFF, which UTF-8 never uses. */
	in->dec[in->dend++] =
	    (char)(in->enc == ENC_GB18030 && c >= 0x80 ? c : 0xFF);
	in->rpos += width;
	if (in->rpos > in->rlen)
		in->rpos = in->rlen;
}

/*
 * Converts the raw bytes held into in->dec. An incomplete sequence at the
 * end of the buffer waits for more bytes unless the file has ended.
 */
static int
decode_block(struct csvin *in)
{
	size_t unit = in->enc == ENC_GB18030 ? 1 : 2;
	size_t inleft, outleft;
	char *ip, *op;

	while (in->rpos < in->rlen) {
		inleft = in->rlen - in->rpos;
		if (reserve(&in->dec, &in->dcap, in->dend, 2 * inleft + 16) < 0)
			return -1;
		if (in->enc == ENC_UTF8 || in->enc == ENC_UTF8_BOM) {
			memcpy(in->dec + in->dend, in->raw + in->rpos, inleft);
			in->dend += inleft;
			in->rpos = in->rlen;
			break;
		}
		ip = in->raw + in->rpos;
		op = in->dec + in->dend;
		outleft = in->dcap - in->dend;
		if (iconv(in->cd, &ip, &inleft, &op, &outleft) != (size_t)-1) {
			in->rpos = in->rlen;
			in->dend = (size_t)(op - in->dec);
			break;
		}
		in->rpos = (size_t)(ip - in->raw);
		in->dend = (size_t)(op - in->dec);
		if (errno == E2BIG) {
			if (reserve(&in->dec, &in->dcap, in->dend,
			            in->dcap - in->dend + 4096) < 0)
				return -1;
			continue;
		}
		if (errno == EINVAL && !in->eof)
			break;
		pass_invalid(in, errno == EILSEQ ? unit : 1);
	}
	return 0;
}

/* decode_block(), then in a file whose lines end with CR alone every new
 * CR becomes the LF the line splitter looks for. */
static int
decode_raw(struct csvin *in)
{
	size_t from = in->dend;
	int rc = decode_block(in);
	char *p = in->dec + from;

	while (in->cr_lines && in->dend > (size_t)(p - in->dec) &&
	       (p = memchr(p, '\r', in->dend - (size_t)(p - in->dec))) != NULL)
		*p++ = '\n';
	return rc;
}

/* Reads one more block and decodes it. Returns 0, or -1 on error. */
static int
decode_more(struct csvin *in)
{
	if (raw_fill(in, CSVIN_BLOCK) < 0)
		return -1;
	if (decode_raw(in) < 0)
		return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	return 0;
}

/* ---- physical lines --------------------------------------------------- */

/* Moves the undelivered decoded bytes to the front of in->dec. */
static void
dec_compact(struct csvin *in)
{
	size_t keep = in->dend - in->dpos;

	if (in->dpos == 0)
		return;
	memmove(in->dec, in->dec + in->dpos, keep);
	in->dscan -= in->dpos;
	in->dpos = 0;
	in->dend = keep;
}

/* Drops decoded bytes up to and including the next newline. Returns true
 * once the newline was found. */
static bool
skip_rest_of_line(struct csvin *in)
{
	char *nl = in->dend > in->dpos
	               ? memchr(in->dec + in->dpos, '\n', in->dend - in->dpos)
	               : NULL;

	if (nl == NULL) {
		in->dpos = in->dscan = in->dend;
		return false;
	}
	in->dpos = in->dscan = (size_t)(nl - in->dec) + 1;
	in->skipping = false;
	return true;
}

/*
 * Next physical line of the file, without its LF or CRLF, into *S and *LEN
 * (valid until the next call). A line longer than CSVIN_MAX_ROW is cut
 * there and *TOO_LONG set; the rest of it is skipped.
 * Returns 1, 0 at end of file, -1 on a read error.
 */
static int
file_line(struct csvin *in, const char **s, size_t *len, bool *too_long)
{
	size_t start = in->dpos, n, next;
	char *nl;

	*too_long = false;
	for (;;) {
		if (in->skipping)
			skip_rest_of_line(in);
		start = in->dpos;
		if (!in->skipping) {
			nl = in->dend > in->dscan
			         ? memchr(in->dec + in->dscan, '\n',
			                  in->dend - in->dscan)
			         : NULL;
			if (nl != NULL) {
				n = (size_t)(nl - in->dec) - start;
				next = start + n + 1;
				break;
			}
			in->dscan = in->dend;
			if (in->dend - start > CSVIN_MAX_ROW) {
				n = CSVIN_MAX_ROW;
				next = in->dend;
				*too_long = in->skipping = true;
				break;
			}
		}
		if (in->eof) {
			/* decode_raw() has flushed every raw byte by now */
			if (in->skipping || in->dend == start)
				return 0;
			n = in->dend - start;
			next = in->dend;
			break;
		}
		dec_compact(in);
		if (decode_more(in) < 0)
			return -1;
	}
	*s = in->dec + start;
	in->dpos = in->dscan = next;
	/* CRLF, and CR CR LF (a CRLF file written again in text mode) */
	while (n > 0 && (*s)[n - 1] == '\r')
		n--;
	*len = n;
	in->lineno++;
	return 1;
}

/* Next line: from the replay queue first, then from the file. */
static int
next_line(struct csvin *in, struct line *ln, const char **s)
{
	struct lines *q = &in->replay;
	int r;

	if (q->head < q->n) {
		*ln = q->v[q->head++];
		*s = q->text + ln->off;
		return 1;
	}
	if (q->n > 0)
		lines_clear(q);
	r = file_line(in, s, &ln->len, &ln->too_long);
	ln->lineno = in->lineno;
	return r;
}

static bool
is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* ---- libcsv ----------------------------------------------------------- */

static void
on_field(void *s, size_t len, void *data)
{
	struct csvin *in = data;

	if (in->discard || in->failed)
		return;
	if (fields_add(&in->fields, s, len) < 0)
		fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
}

static void
on_row(int c, void *data)
{
	struct csvin *in = data;

	(void)c;
	if (!in->discard)
		in->row_done = true;
}

/* Lines are split before libcsv sees them, so only LF ends a row; a CR
 * inside a line is data. Installed only for lines holding a CR: libcsv's
 * built-in test is much faster than a call per byte. */
static int
is_row_end(unsigned char c)
{
	return c == '\n';
}

static int
parser_init(struct csvin *in, char delim)
{
	if (csv_init(&in->parser, CSV_APPEND_NULL) != 0)
		return -1;
	/* libcsv's own padding test (space and tab, never the delimiter)
	 * trims unquoted fields: text_clean() would drop that padding
	 * anyway. */
	csv_set_delim(&in->parser, (unsigned char)delim);
	in->parser_ready = true;
	in->delim = delim;
	return 0;
}

/* Feeds one physical line and its newline. Returns -1 when libcsv failed
 * (out of memory: the parser is not strict). */
static int
feed_line(struct csvin *in, const char *s, size_t len)
{
	bool cr = len > 0 && memchr(s, '\r', len) != NULL;
	bool ok;

	if (cr)
		csv_set_term_func(&in->parser, is_row_end);
	ok = csv_parse(&in->parser, s, len, on_field, on_row, in) == len &&
	     csv_parse(&in->parser, "\n", 1, on_field, on_row, in) == 1;
	if (cr)
		csv_set_term_func(&in->parser, NULL);
	if (!ok)
		return fail(in, ANJU_EXIT_SOFTWARE,
		            csv_strerror(csv_error(&in->parser)));
	return in->failed ? -1 : 0;
}

/* Forgets a row left open by an unterminated quote. */
static void
parser_reset(struct csvin *in)
{
	in->discard = true;
	csv_fini(&in->parser, on_field, on_row, in);
	in->discard = false;
	in->row_done = false;
}

/* ---- sniffing --------------------------------------------------------- */

struct magic {
	const char *bytes;
	size_t len;
	const char *what;
};

static const struct magic magics[] = {
    {"PK\x03\x04", 4, "a ZIP archive or an XLSX workbook"},
    {"PK\x05\x06", 4, "a ZIP archive or an XLSX workbook"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "an Excel 97-2003 .xls file"},
    {"%PDF-", 5, "a PDF document"},
    {"\x89PNG\r\n\x1A\n", 8, "a PNG image"},
    {"\xFF\xD8\xFF", 3, "a JPEG image"},
    {"GIF87a", 6, "a GIF image"},
    {"GIF89a", 6, "a GIF image"},
    {"\x1F\x8B", 2, "a gzip archive"},
    {"Rar!\x1A\x07", 6, "a RAR archive"},
    {"7z\xBC\xAF\x27\x1C", 6, "a 7-Zip archive"},
};

static const char *
magic_kind(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len &&
		    memcmp(s, magics[i].bytes, magics[i].len) == 0)
			return magics[i].what;
	return NULL;
}

/* Binary data shows as NUL and control bytes that no export contains;
 * a few (one NUL in a field) are row problems, not a binary file. */
static const char *
binary_kind(const unsigned char *s, size_t n)
{
	size_t i, bad = 0, odd_nul = 0;

	if (n > CSVIN_BINARY_SAMPLE)
		n = CSVIN_BINARY_SAMPLE;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			bad++;
		if (s[i] == 0 && i % 2 == 1)
			odd_nul++;
	}
	if (bad * 10 <= n)
		return NULL;
	if (n >= 8 && odd_nul * 10 >= (n / 2) * 9 && odd_nul * 2 >= bad)
		return "UTF-16 text without a byte-order mark";
	return "binary data";
}

/*
 * UTF-8 or GB18030 for a file without BOM, counting lines: a GB18030 line
 * of Chinese text is invalid as UTF-8, while a UTF-8 file with a bad row
 * or two (a row pasted from a GBK file) still has at least as many good
 * lines as bad ones (its header among them), however small the file. A line
 * counts when it holds a byte above 0x7F; the last one only when WHOLE_FILE
 * (else it may be cut).
 */
static enum encoding
guess_encoding(const unsigned char *s, size_t n, bool whole_file)
{
	size_t valid = 0, invalid = 0, i = 0;
	bool multibyte = false, bad = false;
	utf8proc_int32_t cp;
	utf8proc_ssize_t k;

	while (i < n) {
		if (s[i] < 0x80) {
			/* a line ends at LF, or at a CR alone (old Mac) */
			if (s[i] == '\n' ||
			    (s[i] == '\r' &&
			     (i + 1 == n || s[i + 1] != '\n'))) {
				valid += multibyte && !bad;
				invalid += bad;
				multibyte = bad = false;
			}
			i++;
			continue;
		}
		multibyte = true;
		/* CJK text is three-byte sequences that are always valid
		 * (lead E1-EC, EE-EF): checked without utf8proc. */
		if (n - i >= 3 && s[i] >= 0xE1 && s[i] != 0xED &&
		    s[i] <= 0xEF && (s[i + 1] & 0xC0) == 0x80 &&
		    (s[i + 2] & 0xC0) == 0x80) {
			i += 3;
			continue;
		}
		k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
		if (k > 0) {
			i += (size_t)k;
			continue;
		}
		bad = true;
		i++;
	}
	if (whole_file) {
		valid += multibyte && !bad;
		invalid += bad;
	}
	/* a tie is UTF-8: its header, at least, was good */
	return valid >= invalid ? ENC_UTF8 : ENC_GB18030;
}

/* Number of bytes C in S[0..N). */
static size_t
count_byte(const char *s, size_t n, char c)
{
	size_t k = 0;
	const char *end = s + n;

	for (; s < end && (s = memchr(s, c, (size_t)(end - s))) != NULL; s++)
		k++;
	return k;
}

/* Number of line ends in S[0..N) made of CRs alone: runs of CR that no
 * LF follows (a run ending in LF, CRLF or CR CR LF, is an LF line end).
 * A run at the end of S counts only when S is the WHOLE_FILE: the LF may
 * be the next byte. */
static size_t
bare_crs(const char *s, size_t n, bool whole_file)
{
	size_t k = 0, i = 0;

	while (i < n) {
		if (s[i++] != '\r')
			continue;
		while (i < n && s[i] == '\r')
			i++;
		if (i < n ? s[i] != '\n' : whole_file)
			k++;
	}
	return k;
}

/*
 * Reads the first bytes, refuses what is not a text export and sets the
 * encoding. Returns 0 or an anju_exit code with ERR set.
 */
static int
sniff(struct csvin *in, char *err, size_t errlen)
{
	const unsigned char *s;
	const char *kind;
	const char *from = NULL;
	size_t n;

	while (in->rlen < CSVIN_SNIFF &&
	       raw_fill(in, CSVIN_SNIFF - in->rlen) > 0)
		;
	if (in->failed) {
		snprintf(err, errlen, "%s", in->err);
		return in->fail_code;
	}
	s = (const unsigned char *)in->raw;
	n = in->rlen;
	if ((kind = magic_kind(s, n)) != NULL)
		goto not_text;
	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		in->enc = ENC_UTF8_BOM;
		in->rpos = 3;
	} else if (n >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
		in->enc = ENC_UTF16LE;
		from = "UTF-16LE";
		in->rpos = 2;
	} else if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		in->enc = ENC_UTF16BE;
		from = "UTF-16BE";
		in->rpos = 2;
	}
	if (from == NULL &&
	    (kind = binary_kind(s + in->rpos, n - in->rpos)) != NULL)
		goto not_text;
	if (in->rpos == 0) {
		in->enc = guess_encoding(s, n, in->eof);
		if (in->enc == ENC_GB18030)
			from = "GB18030";
	}
	if (from != NULL &&
	    (in->cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		snprintf(err, errlen, "cannot decode %s: %s", from,
		         strerror(errno));
		return ANJU_EXIT_SOFTWARE;
	}
	if (decode_raw(in) < 0) {
		snprintf(err, errlen, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	/* Lines that end with CR alone (Excel for Mac's "CSV (Macintosh)"):
	 * more CRs without an LF after them than LFs in the first block (an
	 * LF may still stand inside a quoted cell, Excel's Alt+Enter). */
	if (bare_crs(in->dec, in->dend, in->eof) >
	    count_byte(in->dec, in->dend, '\n')) {
		in->cr_lines = true;
		for (char *p = in->dec;
		     (p = memchr(p, '\r', in->dend - (size_t)(p - in->dec))) !=
		     NULL;
		     p++)
			*p = '\n';
	}
	return 0;
not_text:
	snprintf(err, errlen, "not a text export (looks like %s)", kind);
	return ANJU_EXIT_DATAERR;
}

/* ---- header ----------------------------------------------------------- */

/* Parses one line alone with DELIM into in->fields. */
static int
parse_alone(struct csvin *in, char delim, const char *s, size_t len)
{
	fields_clear(&in->fields);
	csv_set_delim(&in->parser, (unsigned char)delim);
	if (feed_line(in, s, len) < 0)
		return -1;
	/* a quote left open in a candidate line: take what was parsed */
	if (!in->row_done)
		csv_fini(&in->parser, on_field, on_row, in);
	in->row_done = false;
	return in->failed ? -1 : 0;
}

/* Without a scorer, a line scores its non-empty cells. */
static int
count_nonempty(char *const *fields, size_t n)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++)
		k += fields[i][0] != '\0';
	return k;
}

struct candidate {
	int score;
	size_t nfields;
	char delim;
};

/*
 * Scores one candidate line under each delimiter into *BEST. A line only
 * matters when it beats FLOOR, the best score so far, and a score never
 * exceeds the number of cells (csvin_header_score's contract): under a
 * delimiter that gives at most FLOOR cells the scorer is not called. That
 * skips the data lines of the look-ahead once a full header was seen.
 */
static int
score_line(struct csvin *in, const char *s, size_t len, csvin_header_score sc,
           void *ctx, int floor, struct candidate *best)
{
	static const char delims[] = {',', '\t'};
	struct candidate c;
	size_t i;

	*best = (struct candidate){-1, 0, ','};
	for (i = 0; i < sizeof(delims); i++) {
		if (parse_alone(in, delims[i], s, len) < 0)
			return -1;
		c.delim = delims[i];
		c.nfields = in->fields.n;
		if (floor >= 0 && c.nfields <= (size_t)floor)
			c.score = 0; /* cannot beat FLOOR: value unused */
		else if (sc != NULL)
			c.score =
			    sc(fields_ptrs(&in->fields), c.nfields, floor, ctx);
		else
			c.score =
			    count_nonempty(fields_ptrs(&in->fields), c.nfields);
		if (c.score > best->score ||
		    (c.score == best->score && c.nfields > best->nfields))
			*best = c;
	}
	return 0;
}

/* Keeps the cells F as the header (trailing empty cells dropped: Excel
 * pads the header as it pads rows), with its text RAW (LEN bytes) and its
 * last line LINENO. */
static int
keep_header_cells(struct csvin *in, const struct fields *f, const char *raw,
                  size_t len, size_t lineno)
{
	struct fields *h = &in->header_fields;
	size_t i, n;

	in->header_width = f->n;
	for (n = f->n; n > 0 && f->flen[n - 1] == 0; n--)
		;
	for (i = 0; i < n; i++)
		if (fields_add(h, f->text + f->off[i], f->flen[i]) < 0)
			return -1;
	if ((in->header_raw = malloc(len + 1)) == NULL)
		return -1;
	memcpy(in->header_raw, raw, len);
	in->header_raw[len] = '\0';
	in->header = (struct csvin_row){lineno,         h->n, fields_ptrs(h),
	                                in->header_raw, len,  NULL};
	return 0;
}

/* Keeps the line LN (text S) as the header. */
static int
keep_header(struct csvin *in, const struct line *ln, const char *s)
{
	if (parse_alone(in, in->delim, s, ln->len) < 0)
		return -1;
	return keep_header_cells(in, &in->fields, s, ln->len, ln->lineno);
}

/*
 * A header over two rows, as merged cells leave it (县区, 乡镇, 村 titled
 * once, above, while 户主信息 above splits into 姓名, 身份证号 below): the
 * cells of the lower row LOW, each empty one taken from the row above, UP,
 * into M. Returns 0 or -1 (no memory).
 */
static int
merge_header_rows(struct csvin *in, const struct line *up, const char *ups,
                  const struct line *low, const char *lows, struct fields *m)
{
	struct fields above = {0};
	size_t i, n;
	int rc = -1;

	if (parse_alone(in, in->delim, ups, up->len) < 0)
		goto out;
	for (i = 0; i < in->fields.n; i++)
		if (fields_add(&above, in->fields.text + in->fields.off[i],
		               in->fields.flen[i]) < 0)
			goto out;
	if (parse_alone(in, in->delim, lows, low->len) < 0)
		goto out;
	n = in->fields.n > above.n ? in->fields.n : above.n;
	for (i = 0; i < n; i++) {
		const struct fields *from =
		    i < in->fields.n && in->fields.flen[i] > 0 ? &in->fields
		                                               : &above;

		if (fields_add(m, i < from->n ? from->text + from->off[i] : "",
		               i < from->n ? from->flen[i] : 0) < 0)
			goto out;
	}
	rc = 0;
out:
	fields_free(&above);
	return rc;
}

/* Whether lines A and B (indexes into Q) can be one header: single lines,
 * one right after the other, neither blank. */
static bool
header_pair(const struct lines *q, size_t a, size_t b)
{
	const struct line *x = &q->v[a], *y = &q->v[b];

	return !x->too_long && !y->too_long && x->lineno + 1 == y->lineno &&
	       !is_blank(q->text + x->off, x->len) &&
	       !is_blank(q->text + y->off, y->len);
}

/* The cells of lines UP over LOW merged into M, scored (no better than
 * FLOOR when they are not). Returns the score, or -2 (no memory). */
static int
score_pair(struct csvin *in, const struct lines *q, size_t up, size_t low,
           int floor, csvin_header_score sc, void *ctx, struct fields *m)
{
	fields_clear(m);
	if (merge_header_rows(in, &q->v[up], q->text + q->v[up].off, &q->v[low],
	                      q->text + q->v[low].off, m) < 0)
		return -2;
	return sc(fields_ptrs(m), m->n, floor, ctx);
}

/*
 * Keeps the header found at line index AT of the queue Q (one line, SCORE
 * its score), merged with the line above or below it when that names
 * columns it leaves empty (the score rises): a header over two rows.
 * *LAST is set to the index of the header's last line. Returns 0 or -1.
 */
static int
keep_best_header(struct csvin *in, struct lines *q, size_t at, int score,
                 csvin_header_score sc, void *ctx, size_t *last)
{
	struct fields m = {0}, kept = {0}, swap;
	size_t up = at, k;
	int best = score, got;
	char *raw = NULL;
	int rc = -1;

	*last = at;
	for (k = 0; sc != NULL && k < 2; k++) {
		/* k 0: the line above and this one; k 1: this one and below */
		size_t u = k == 0 ? at - 1 : at, l = u + 1;

		if ((k == 0 && at == 0) || (k == 1 && at + 1 >= q->n) ||
		    !header_pair(q, u, l))
			continue;
		if ((got = score_pair(in, q, u, l, best + 1, sc, ctx, &m)) ==
		    -2)
			goto out;
		/* two more columns at least: one stray cell over an unnamed
		 * column (a 县 label, a 户主 title) is not half a header */
		if (got >= best + 2) {
			best = got;
			up = u;
			*last = l;
			swap = kept; /* keep the winner's cells */
			kept = m;
			m = swap;
		}
	}
	if (*last == up) {
		rc = keep_header(in, &q->v[at], q->text + q->v[at].off);
		goto out;
	}
	/* both lines, as they were */
	if ((raw = malloc(q->v[up].len + 1 + q->v[*last].len)) == NULL)
		goto out;
	memcpy(raw, q->text + q->v[up].off, q->v[up].len);
	raw[q->v[up].len] = '\n';
	memcpy(raw + q->v[up].len + 1, q->text + q->v[*last].off,
	       q->v[*last].len);
	rc = keep_header_cells(in, &kept, raw,
	                       q->v[up].len + 1 + q->v[*last].len,
	                       q->v[*last].lineno);
out:
	free(raw);
	fields_free(&m);
	fields_free(&kept);
	return rc;
}

/* Reads the first lines into the replay queue. */
static int
read_ahead(struct csvin *in)
{
	struct line ln;
	const char *s;
	size_t nonblank = 0, bytes = 0;
	int r;

	while (nonblank < CSVIN_HEADER_LINES && bytes < CSVIN_HEADER_BYTES) {
		if ((r = file_line(in, &s, &ln.len, &ln.too_long)) <= 0)
			return r;
		if (lines_push(&in->replay, s, ln.len, in->lineno,
		               ln.too_long) < 0)
			return -1;
		nonblank += !is_blank(s, ln.len);
		bytes += ln.len + 1;
	}
	return 0;
}

/* Number of quote characters in the LEN bytes at S. */
static size_t
count_quotes(const char *s, size_t len)
{
	const char *end = s + len, *p;
	size_t n = 0;

	for (p = s; p < end && (p = memchr(p, '"', (size_t)(end - p))) != NULL;
	     p++)
		n++;
	return n;
}

/*
 * The look-ahead lines from I that make one record: a header cell with a
 * line break in it (Excel's Alt+Enter, "身份证\n号码") leaves its quote
 * open at the end of the line. Returns the index of the record's last
 * line: I itself when the quotes balance, or when they do not within
 * eight lines (a stray quote, not a quoted field).
 */
static size_t
record_end(const struct lines *q, size_t i)
{
	size_t j = i, quotes = count_quotes(q->text + q->v[i].off, q->v[i].len);

	while (quotes % 2 == 1 && j + 1 < q->n && j - i < 8) {
		j++;
		quotes += count_quotes(q->text + q->v[j].off, q->v[j].len);
	}
	return quotes % 2 == 0 ? j : i;
}

/* True when the look-ahead lines Q hold semicolons and no comma or
 * tab: a file saved with ';' as its separator. */
static bool
semicolons(const struct lines *q)
{
	size_t i, semi = 0, other = 0;

	for (i = 0; i < q->n; i++) {
		const char *t = q->text + q->v[i].off;
		size_t k;

		for (k = 0; k < q->v[i].len; k++) {
			semi += t[k] == ';';
			other += t[k] == ',' || t[k] == '\t';
		}
	}
	return semi > 0 && other == 0;
}

/*
 * Finds the header among the look-ahead lines; the lines after it stay
 * queued as data. A candidate is a line, or the lines of one record when
 * a quoted cell spans them (the queue keeps lines one after another,
 * joined by LF, so the record is one stretch of its text). Returns 0 or
 * an anju_exit code with ERR set.
 */
static int
find_header(struct csvin *in, csvin_header_score sc, void *ctx, char *err,
            size_t errlen)
{
	struct lines *q = &in->replay;
	struct candidate c, best = {1, 0, ','};
	struct line rec, hdr = {0};
	size_t i, end, at_end = 0, hdr_at = 0;
	bool found = false;

	if (read_ahead(in) < 0 || parser_init(in, ',') < 0)
		goto fail;
	for (i = 0; i < q->n; i++) {
		if (is_blank(q->text + q->v[i].off, q->v[i].len) ||
		    q->v[i].too_long)
			continue;
		end = record_end(q, i);
		rec = q->v[i];
		rec.len = q->v[end].off + q->v[end].len - rec.off;
		if (score_line(in, q->text + rec.off, rec.len, sc, ctx,
		               best.score, &c) < 0)
			goto fail;
		if (c.score > best.score) {
			best = c;
			hdr = rec;
			hdr_at = i;
			at_end = end;
			found = true;
		}
	}
	if (!found) {
		snprintf(err, errlen, "no header row found%s",
		         in->lineno == 0 ? " (the file has no text)"
		         : semicolons(q) ? " (its cells seem separated by ';': "
		                           "anju reads comma- or tab-separated "
		                           "files; save it again as CSV)"
		                         : "");
		return ANJU_EXIT_DATAERR;
	}
	in->delim = best.delim;
	/* A header of one line may have its other half above or below. */
	if ((at_end == hdr_at
	         ? keep_best_header(in, q, hdr_at, best.score, sc, ctx, &at_end)
	         : keep_header(in, &hdr, q->text + hdr.off)) < 0)
		goto fail;
	q->head = at_end + 1;
	return 0;
fail:
	fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	snprintf(err, errlen, "%s", in->err);
	return in->fail_code;
}

/* ---- opening ---------------------------------------------------------- */

static const char *
file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/*
 * Opens PATH as a regular file without ever blocking on it: stat first so
 * a FIFO is never opened, then O_NONBLOCK and fstat in case the path was
 * replaced in between.
 */
static int
open_regular(struct csvin *in, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory, not a file");
		return ANJU_EXIT_NOINPUT;
	}
	if (!S_ISREG(st.st_mode))
		goto not_regular;
	in->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (in->fd < 0) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (fstat(in->fd, &st) < 0) {
		snprintf(err, errlen, "cannot stat: %s", strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "is a directory, not a file");
		return ANJU_EXIT_NOINPUT;
	}
	if (!S_ISREG(st.st_mode))
		goto not_regular;
	return 0;
not_regular:
	snprintf(err, errlen, "refused: %s, not a regular file",
	         file_kind(st.st_mode));
	return ANJU_EXIT_DATAERR;
}

int
csvin_open(const char *path, csvin_header_score score, void *ctx,
           struct csvin **out, char *err, size_t errlen)
{
	struct csvin *in;
	int rc;

	*out = NULL;
	if ((in = calloc(1, sizeof(*in))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return ANJU_EXIT_SOFTWARE;
	}
	in->fd = -1;
	in->cd = (iconv_t)-1;
	sha256_init(&in->sha);
	if ((rc = open_regular(in, path, err, errlen)) != 0 ||
	    (rc = sniff(in, err, errlen)) != 0 ||
	    (rc = find_header(in, score, ctx, err, errlen)) != 0) {
		csvin_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

/* ---- rows ------------------------------------------------------------- */

static const char *
invalid_reason(const struct csvin *in)
{
	switch (in->enc) {
	case ENC_GB18030:
		return "invalid GB18030 byte sequence";
	case ENC_UTF16LE:
	case ENC_UTF16BE:
		return "invalid UTF-16 byte sequence";
	default:
		return "invalid UTF-8 byte sequence";
	}
}

/* A row is returned with what was parsed; reject says why it is unusable. */
static void
fill_row(struct csvin *in, struct csvin_row *row, size_t raw_len,
         const char *reject)
{
	row->line = in->rowlines.v[0].lineno;
	row->nfields = in->fields.n;
	row->fields = fields_ptrs(&in->fields);
	row->raw = in->rowlines.text;
	row->raw_len = raw_len;
	row->reject = reject;
	/* raw is read as a string too: end it where it is cut */
	in->rowlines.text[raw_len] = '\0';
}

static bool
extras_empty(const struct fields *f, size_t from)
{
	size_t i;

	for (i = from; i < f->n; i++)
		if (f->flen[i] != 0)
			return false;
	return true;
}

/* Decides whether a complete row can be used. */
static void
check_row(struct csvin *in, struct csvin_row *row)
{
	size_t raw_len = in->rowlines.len - 1, want = in->header.nfields, i;
	const struct fields *f = &in->fields;

	fill_row(in, row, raw_len, NULL);
	/* iconv writes only valid UTF-8: check what it did not write */
	if ((in->cd == (iconv_t)-1 || in->passed_invalid) &&
	    !text_utf8_valid(row->raw, raw_len)) {
		row->reject = invalid_reason(in);
		return;
	}
	if (memchr(row->raw, '\0', raw_len) != NULL) {
		row->reject = "NUL byte in field";
		return;
	}
	for (i = 0; i < f->n; i++)
		if (f->flen[i] > CSVIN_MAX_FIELD) {
			row->reject = "field longer than 65536 bytes";
			return;
		}
	/* Cells under the header's unnamed last columns (a 备注 column
	 * nobody titled) belong to an extra column; past the header's
	 * width they must be empty padding. */
	if (f->n > want &&
	    extras_empty(f, want > in->header_width ? want : in->header_width))
		row->nfields = want;
	if (row->nfields != want) {
		snprintf(in->reason, sizeof(in->reason),
		         "expected %zu fields, found %zu", want, f->n);
		row->reject = in->reason;
	}
}

/*
 * The current row opened a quote that does not close (end of file, or
 * the row grew too big): reject it with its first line only and queue its
 * other lines to be read again as rows of their own.
 */
static int
reject_open_quote(struct csvin *in, struct csvin_row *row)
{
	parser_reset(in);
	if (lines_prepend(&in->replay, &in->rowlines, 1) < 0)
		return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	fill_row(in, row, in->rowlines.v[0].len, "unterminated quoted field");
	return 1;
}

/* Skip the padding libcsv allows around a quoted cell (spaces, and tabs
 * unless they are the delimiter) from P; returns where it ends. */
static const char *
skip_padding(const char *p, const char *end, char delim)
{
	while (p < end && (*p == ' ' || (*p == '\t' && delim != '\t')))
		p++;
	return p;
}

/*
 * True when the current row, which spans several lines, has a quote that
 * opened a cell and closed before something other than a delimiter or the
 * row's end: a stray quote (赵五,"8000,合格 with no closing quote on its
 * line, closed by a later row's "9,000"), not a quoted cell with line
 * breaks, and taking it as one would swallow the rows in between. A
 * quoted cell with line breaks always closes before a delimiter or a line
 * end. Quotes inside an unquoted cell (Excel's ="0012" text marks, 李"四)
 * are data, for libcsv as here. libcsv's strict mode would refuse those
 * too, so this is a scan of its own; it only decides, libcsv parses.
 */
static bool
stray_quote(const struct csvin *in)
{
	const char *p = in->rowlines.text, *end = p + in->rowlines.len;
	char delim = in->delim;

	while (p < end) {
		/* at the start of a cell */
		p = skip_padding(p, end, delim);
		if (p < end && *p == '"') {
			for (p++; p < end; p++)
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++; /* "" inside the cell */
					else
						break;
				}
			if (p >= end)
				return false; /* not closed: not this case */
			/* (a line's own CR is gone; one here is data, and
			 * libcsv reads on in the quote) */
			p = skip_padding(p + 1, end, delim);
			if (p < end && *p != delim && *p != '\n')
				return true;
		} else {
			while (p < end && *p != delim && *p != '\n')
				p++;
		}
		if (p < end)
			p++; /* the delimiter or the line end */
	}
	return false;
}

/*
 * The current row opened a quote that closes on a later line but is not a
 * quoted field (stray_quote()): reject its first line and read the others
 * again as rows of their own, as for a quote that never closes.
 */
static int
reject_stray_quote(struct csvin *in, struct csvin_row *row)
{
	parser_reset(in);
	if (lines_prepend(&in->replay, &in->rowlines, 1) < 0)
		return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	fill_row(in, row, in->rowlines.v[0].len,
	         "stray quote: a quote in this row does not enclose a field "
	         "and would swallow the rows after it");
	return 1;
}

static bool
row_too_big(const struct csvin *in, const struct line *ln)
{
	return in->rowlines.n >= CSVIN_MAX_ROW_LINES || ln->too_long ||
	       in->rowlines.len + ln->len > CSVIN_MAX_ROW;
}

/* Rejects a row whose only line was cut at CSVIN_MAX_ROW bytes. */
static int
reject_long_line(struct csvin *in, struct csvin_row *row, const struct line *ln,
                 const char *s)
{
	if (lines_push(&in->rowlines, s, ln->len, ln->lineno, true) < 0)
		return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
	fill_row(in, row, ln->len, "row longer than 8388608 bytes");
	return 1;
}

int
csvin_next(struct csvin *in, struct csvin_row *row)
{
	struct line ln;
	const char *s;
	int r;

	if (in->failed)
		return -1;
	lines_clear(&in->rowlines);
	fields_clear(&in->fields);
	for (;;) {
		if ((r = next_line(in, &ln, &s)) < 0)
			return -1;
		if (r == 0)
			return in->rowlines.n > 0 ? reject_open_quote(in, row)
			                          : 0;
		if (in->rowlines.n == 0 && ln.too_long)
			return reject_long_line(in, row, &ln, s);
		if (in->rowlines.n == 0 && is_blank(s, ln.len))
			continue;
		if (in->rowlines.n > 0 && row_too_big(in, &ln)) {
			if (lines_push(&in->rowlines, s, ln.len, ln.lineno,
			               ln.too_long) < 0)
				goto nomem;
			return reject_open_quote(in, row);
		}
		if (lines_push(&in->rowlines, s, ln.len, ln.lineno, false) < 0)
			goto nomem;
		if (feed_line(in, s, ln.len) < 0)
			return -1;
		if (!in->row_done)
			continue; /* inside a quoted field */
		in->row_done = false;
		/* a line of delimiters only is a blank line Excel padded */
		if (in->rowlines.n == 1 && extras_empty(&in->fields, 0)) {
			lines_clear(&in->rowlines);
			fields_clear(&in->fields);
			continue;
		}
		if (in->rowlines.n > 1 && stray_quote(in))
			return reject_stray_quote(in, row);
		check_row(in, row);
		return 1;
	}
nomem:
	return fail(in, ANJU_EXIT_SOFTWARE, "out of memory");
}

/* ---- accessors -------------------------------------------------------- */

const struct csvin_row *
csvin_header(const struct csvin *in)
{
	return &in->header;
}

const char *
csvin_error(const struct csvin *in)
{
	return in->err;
}

const char *
csvin_encoding(const struct csvin *in)
{
	return encoding_names[in->enc];
}

char
csvin_delimiter(const struct csvin *in)
{
	return in->delim;
}

const char *
csvin_sha256(struct csvin *in)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	if (in->sha_hex[0] != '\0' || !in->eof || in->failed)
		return in->sha_hex;
	sha256_digest(&in->sha, sizeof(d), d);
	for (i = 0; i < sizeof(d); i++) {
		in->sha_hex[2 * i] = hex[d[i] >> 4];
		in->sha_hex[2 * i + 1] = hex[d[i] & 0xF];
	}
	in->sha_hex[2 * sizeof(d)] = '\0';
	return in->sha_hex;
}

void
csvin_close(struct csvin *in)
{
	if (in == NULL)
		return;
	if (in->fd >= 0)
		close(in->fd);
	if (in->cd != (iconv_t)-1)
		iconv_close(in->cd);
	if (in->parser_ready)
		csv_free(&in->parser);
	free(in->raw);
	free(in->dec);
	lines_free(&in->replay);
	lines_free(&in->rowlines);
	fields_free(&in->fields);
	fields_free(&in->header_fields);
	free(in->header_raw);
	free(in);
}
