/*
 * test_csvin.c - the input reader: encodings, delimiters, header search,
 * row rejects, whole-file refusals and the file hash.
 *
 * Every input is written by the test into a mkdtemp() directory, so the
 * bytes each case feeds are visible next to its assertions.
 */
#include <errno.h>
#include <iconv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "anju.h"
#include "csvin.h"

static char tmpdir[] = "/tmp/anju-csvin-XXXXXX";
static char *made[64]; /* paths to remove at the end */
static size_t nmade;

static int
setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
remove_dir(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nmade; i++) {
		if (remove(made[i]) < 0 && errno != ENOENT)
			fprintf(stderr, "cannot remove %s\n", made[i]);
		free(made[i]);
	}
	return rmdir(tmpdir);
}

/* Path NAME inside the temp dir, remembered for removal. */
static const char *
tmp_path(const char *name)
{
	char *p;

	assert_true(nmade < sizeof(made) / sizeof(made[0]));
	assert_true(asprintf(&p, "%s/%s", tmpdir, name) > 0);
	made[nmade++] = p;
	return p;
}

static const char *
write_bytes(const char *name, const void *s, size_t n)
{
	const char *path = tmp_path(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *
write_text(const char *name, const char *s)
{
	return write_bytes(name, s, strlen(s));
}

/* S (UTF-8) converted to TO with iconv; *N gets the length. */
static char *
recode(const char *s, const char *to, size_t *n)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	size_t inleft = strlen(s), outleft = 4 * inleft + 16;
	char *out = malloc(outleft), *ip = (char *)s, *op = out;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(out);
	assert_true(iconv(cd, &ip, &inleft, &op, &outleft) != (size_t)-1);
	iconv_close(cd);
	*n = (size_t)(op - out);
	return out;
}

/* Header recogniser used by the tests: cells naming a known column. */
static int
known_columns(char *const *fields, size_t n, int floor, void *ctx)
{
	static const char *const known[] = {"name",     "id",         "county",
	                                    "户主姓名", "身份证号码", "县区",
	                                    "乡镇",     "村"};
	size_t i, k;
	int score = 0;

	(void)ctx;
	(void)floor;
	for (i = 0; i < n; i++)
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strcmp(fields[i], known[k]) == 0)
				score++;
	return score;
}

static struct csvin *
open_ok(const char *path)
{
	struct csvin *in = NULL;
	char err[256] = "";
	int rc = csvin_open(path, known_columns, NULL, &in, err, sizeof(err));

	if (rc != 0)
		fail_msg("csvin_open(%s) = %d: %s", path, rc, err);
	assert_non_null(in);
	return in;
}

/* Opening PATH must fail with CODE and a message containing WANT. */
static void
open_fails(const char *path, int code, const char *want)
{
	struct csvin *in = NULL;
	char err[256] = "";
	int rc = csvin_open(path, known_columns, NULL, &in, err, sizeof(err));

	assert_int_equal(rc, code);
	assert_null(in);
	if (strstr(err, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

/* Next row must be a usable row at LINE with the given N cells. */
static void
expect_row(struct csvin *in, size_t line, size_t n, ...)
{
	struct csvin_row row;
	va_list ap;
	size_t i;

	assert_int_equal(csvin_next(in, &row), 1);
	if (row.reject != NULL)
		fail_msg("line %zu rejected: %s", row.line, row.reject);
	assert_int_equal(row.line, line);
	assert_int_equal(row.nfields, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_string_equal(row.fields[i], va_arg(ap, const char *));
	va_end(ap);
}

/* Next row must be rejected at LINE with REASON and raw text RAW. */
static void
expect_reject(struct csvin *in, size_t line, const char *reason,
              const char *raw)
{
	struct csvin_row row;

	assert_int_equal(csvin_next(in, &row), 1);
	assert_int_equal(row.line, line);
	assert_non_null(row.reject);
	assert_string_equal(row.reject, reason);
	if (raw != NULL) {
		assert_int_equal(row.raw_len, strlen(raw));
		assert_memory_equal(row.raw, raw, row.raw_len);
	}
}

static void
expect_end(struct csvin *in)
{
	struct csvin_row row;

	assert_int_equal(csvin_next(in, &row), 0);
	assert_int_equal(csvin_next(in, &row), 0);
}

static void
expect_header(struct csvin *in, size_t line, const char *a, const char *b,
              const char *c)
{
	const struct csvin_row *h = csvin_header(in);

	assert_int_equal(h->line, line);
	assert_int_equal(h->nfields, 3);
	assert_string_equal(h->fields[0], a);
	assert_string_equal(h->fields[1], b);
	assert_string_equal(h->fields[2], c);
	assert_null(h->reject);
}

static const char plain[] = "name,id,county\n"
                            "张三,210921195001010012,阜新\n"
                            "李四,210921195001010013,彰武\n";

static void
check_plain(struct csvin *in)
{
	expect_header(in, 1, "name", "id", "county");
	expect_row(in, 2, 3, "张三", "210921195001010012", "阜新");
	expect_row(in, 3, 3, "李四", "210921195001010013", "彰武");
	expect_end(in);
}

static void
test_utf8_plain(void **state)
{
	struct csvin *in = open_ok(write_text("plain.csv", plain));

	(void)state;
	assert_string_equal(csvin_encoding(in), "UTF-8");
	assert_int_equal(csvin_delimiter(in), ',');
	check_plain(in);
	csvin_close(in);
}

static void
test_utf8_bom(void **state)
{
	char buf[256];
	struct csvin *in;

	(void)state;
	snprintf(buf, sizeof(buf), "\xEF\xBB\xBF%s", plain);
	in = open_ok(write_text("bom.csv", buf));
	assert_string_equal(csvin_encoding(in), "UTF-8-BOM");
	check_plain(in);
	csvin_close(in);
}

static void
test_gb18030(void **state)
{
	size_t n;
	char *gb = recode(plain, "GB18030", &n);
	struct csvin *in = open_ok(write_bytes("gb.csv", gb, n));

	(void)state;
	assert_string_equal(csvin_encoding(in), "GB18030");
	check_plain(in);
	csvin_close(in);
	free(gb);
}

/* Excel's "Unicode text": UTF-16LE with BOM, tab-delimited, CRLF. */
static void
test_utf16le_crlf(void **state)
{
	static const char text[] = "户主姓名\t身份证号码\t县区\r\n"
	                           "王 小明\t21092119500101001X\t阜蒙县\r\n";
	size_t n;
	char *u16 = recode(text, "UTF-16LE", &n);
	char *buf = malloc(n + 2);
	struct csvin *in;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "\xFF\xFE", 2);
	memcpy(buf + 2, u16, n);
	in = open_ok(write_bytes("u16.txt", buf, n + 2));
	assert_string_equal(csvin_encoding(in), "UTF-16LE");
	assert_int_equal(csvin_delimiter(in), '\t');
	expect_header(in, 1, "户主姓名", "身份证号码", "县区");
	expect_row(in, 2, 3, "王 小明", "21092119500101001X", "阜蒙县");
	expect_end(in);
	csvin_close(in);
	free(u16);
	free(buf);
}

static void
test_utf16be(void **state)
{
	static const char text[] = "name,id,county\nA,1,X\n";
	size_t n;
	char *u16 = recode(text, "UTF-16BE", &n);
	char *buf = malloc(n + 2);
	struct csvin *in;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "\xFE\xFF", 2);
	memcpy(buf + 2, u16, n);
	in = open_ok(write_bytes("u16be.csv", buf, n + 2));
	assert_string_equal(csvin_encoding(in), "UTF-16BE");
	expect_row(in, 2, 3, "A", "1", "X");
	expect_end(in);
	csvin_close(in);
	free(u16);
	free(buf);
}

/* A lone surrogate rejects its row only. */
static void
test_utf16_bad_unit(void **state)
{
	static const unsigned char le[] = {
	    0xFF, 0xFE, 'n',  0, 'a',  0, 'm', 0, 'e',  0,    ',',  0,
	    'i',  0,    'd',  0, '\n', 0, 'A', 0, 0x00, 0xDC, ',',  0,
	    '1',  0,    '\n', 0, 'B',  0, ',', 0, '2',  0,    '\n', 0};
	struct csvin *in = open_ok(write_bytes("u16bad.csv", le, sizeof(le)));

	(void)state;
	expect_reject(in, 2, "invalid UTF-16 byte sequence", NULL);
	expect_row(in, 3, 2, "B", "2");
	expect_end(in);
	csvin_close(in);
}

static void
test_tab_delimited(void **state)
{
	struct csvin *in = open_ok(
	    write_text("tab.txt", "name\tid\tcounty\n\tA,B\t\n x \t1\t彰武\n"));

	(void)state;
	assert_int_equal(csvin_delimiter(in), '\t');
	expect_header(in, 1, "name", "id", "county");
	/* a comma is data here; empty first and last cells are kept */
	expect_row(in, 2, 3, "", "A,B", "");
	expect_row(in, 3, 3, "x", "1", "彰武");
	expect_end(in);
	csvin_close(in);
}

/* A title line, blank lines and an Excel-padded row above the header. */
static void
test_title_and_blank_lines(void **state)
{
	struct csvin *in = open_ok(
	    write_text("title.csv", "阜新市住房安全核验表（name id 一览）\r\n"
	                            "\r\n"
	                            ",,\r\n"
	                            "name,id,county\r\n"
	                            "\r\n"
	                            "A,1,X\r\n"
	                            "   \r\n"
	                            "B,2,Y"));

	(void)state;
	expect_header(in, 4, "name", "id", "county");
	expect_row(in, 6, 3, "A", "1", "X");
	expect_row(in, 8, 3, "B", "2", "Y"); /* no newline at the end */
	expect_end(in);
	csvin_close(in);
}

/* The best-scoring line wins, not the first that scores 2. */
static void
test_best_header_wins(void **state)
{
	struct csvin *in = open_ok(
	    write_text("best.csv", "name,id,remark\nname,id,county\nA,1,X\n"));

	(void)state;
	expect_header(in, 2, "name", "id", "county");
	expect_row(in, 3, 3, "A", "1", "X");
	expect_end(in);
	csvin_close(in);
}

/* A header over two rows (merged cells): the lower row's cells, each
 * empty one taken from the row above, whichever of the two scores best
 * alone. The data starts below both. */
static void
test_two_row_header(void **state)
{
	struct csvin *in = open_ok(write_text(
	    "two.csv",
	    "Title\n序号,县区,乡镇,村,户主信息,\n"
	    ",,,,户主姓名,身份证号码\n1,彰武县,彰武镇,西郊村,刘,210922\n"));

	(void)state;
	assert_int_equal(csvin_header(in)->nfields, 6);
	assert_string_equal(csvin_header(in)->fields[1], "县区");
	assert_string_equal(csvin_header(in)->fields[4], "户主姓名");
	assert_string_equal(csvin_header(in)->fields[5], "身份证号码");
	assert_int_equal(csvin_header(in)->line, 3);
	expect_row(in, 4, 6, "1", "彰武县", "彰武镇", "西郊村", "刘", "210922");
	expect_end(in);
	csvin_close(in);
	/* the other way up: the best line is the lower one */
	in =
	    open_ok(write_text("two2.csv", "户主信息,,县区,乡镇,村\n"
	                                   "户主姓名,身份证号码,,,\n"
	                                   "刘,210922,彰武县,彰武镇,西郊村\n"));
	assert_string_equal(csvin_header(in)->fields[0], "户主姓名");
	assert_string_equal(csvin_header(in)->fields[2], "县区");
	expect_row(in, 3, 5, "刘", "210922", "彰武县", "彰武镇", "西郊村");
	expect_end(in);
	csvin_close(in);
}

/* Without a scorer, the line with most non-empty cells (first of equals). */
static void
test_no_scorer(void **state)
{
	const char *path = write_text("noscore.csv", "Title\na,b,c\n1,2,3\n");
	struct csvin *in = NULL;
	char err[128];

	(void)state;
	assert_int_equal(csvin_open(path, NULL, NULL, &in, err, sizeof(err)),
	                 0);
	expect_header(in, 2, "a", "b", "c");
	expect_row(in, 3, 3, "1", "2", "3");
	expect_end(in);
	csvin_close(in);
}

static void
test_quoted_newline(void **state)
{
	struct csvin *in = open_ok(
	    write_text("quoted.csv", "name,id,county\r\n"
	                             "A,\"1\r\n2\n\n3\",\"say \"\"hi\"\"\"\r\n"
	                             "B,2,Y\r\n"));

	(void)state;
	expect_row(in, 2, 3, "A", "1\n2\n\n3", "say \"hi\"");
	expect_row(in, 6, 3, "B", "2", "Y");
	expect_end(in);
	csvin_close(in);
}

/* Only LF ends a line; a CR inside a line is data, a CR before LF is not. */
static void
test_cr_inside_line(void **state)
{
	struct csvin *in = open_ok(
	    write_text("cr.csv", "name,id,county\r\nA,x\ry,Z\r\r\nB,2,Y\r\n"));

	(void)state;
	/* a CR inside a line is data; CRs at its end belong to the line
	 * end (CR CR LF: a CRLF file saved again in text mode) */
	expect_row(in, 2, 3, "A", "x\ry", "Z");
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_end(in);
	csvin_close(in);
}

static void
test_ragged_rows(void **state)
{
	struct csvin *in = open_ok(write_text("ragged.csv", "name,id,county,,\n"
	                                                    "A,1\n"
	                                                    "B,2,Y,,\n"
	                                                    "C,3,Z,extra\n"
	                                                    "D,4,W\n"
	                                                    "E,5,V,,,more\n"));

	(void)state;
	/* the header's padding cells do not count */
	assert_int_equal(csvin_header(in)->nfields, 3);
	expect_reject(in, 2, "expected 3 fields, found 2", "A,1");
	expect_row(in, 3, 3, "B", "2", "Y");
	/* a cell under the header's unnamed columns: an untitled column's
	 * (a 备注 nobody named), the row is kept */
	expect_row(in, 4, 3, "C", "3", "Z");
	expect_row(in, 5, 3, "D", "4", "W");
	/* past the header's width: ragged */
	expect_reject(in, 6, "expected 3 fields, found 6", "E,5,V,,,more");
	expect_end(in);
	csvin_close(in);
}

/* One bad row in a UTF-8 file is a reject, not a GB18030 file. */
static void
test_invalid_utf8_row(void **state)
{
	struct csvin *in =
	    open_ok(write_text("badutf8.csv", "name,id,county\n"
	                                      "张三,1,阜新蒙古族自治县\n"
	                                      "\xCD\xF5\xD0\xA1\xC3\xF7,2,X\n"
	                                      "李四,3,彰武县\n"));

	(void)state;
	assert_string_equal(csvin_encoding(in), "UTF-8");
	expect_row(in, 2, 3, "张三", "1", "阜新蒙古族自治县");
	expect_reject(in, 3, "invalid UTF-8 byte sequence", NULL);
	expect_row(in, 4, 3, "李四", "3", "彰武县");
	expect_end(in);
	csvin_close(in);
}

/* A byte GB18030 does not know rejects its row; the rest decodes. */
static void
test_invalid_gb18030_row(void **state)
{
	static const char text[] = "name,id,county\n"
	                           "张三,1,阜新\n"
	                           "BAD,2,X\n"
	                           "李四,3,彰武\n";
	size_t n, i;
	char *gb = recode(text, "GB18030", &n);
	struct csvin *in;

	(void)state;
	for (i = 0; i + 3 <= n; i++)
		if (memcmp(gb + i, "BAD", 3) == 0)
			gb[i + 1] = (char)0xFF;
	in = open_ok(write_bytes("badgb.csv", gb, n));
	assert_string_equal(csvin_encoding(in), "GB18030");
	expect_row(in, 2, 3, "张三", "1", "阜新");
	expect_reject(in, 3, "invalid GB18030 byte sequence", NULL);
	expect_row(in, 4, 3, "李四", "3", "彰武");
	expect_end(in);
	csvin_close(in);
	free(gb);
}

static void
test_nul_in_field(void **state)
{
	static const char text[] = "name,id,county\nA,1\0002,X\nB,2,Y\n";
	struct csvin *in =
	    open_ok(write_bytes("nul.csv", text, sizeof(text) - 1));

	(void)state;
	expect_reject(in, 2, "NUL byte in field", NULL);
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_end(in);
	csvin_close(in);
}

static void
test_huge_field(void **state)
{
	size_t big = 1024 * 1024, head = strlen("name,id,county\nA,\"");
	char *buf = malloc(head + big + 64);
	struct csvin *in;
	size_t n;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "name,id,county\nA,\"", head);
	memset(buf + head, 'x', big);
	memcpy(buf + head + big, "\",X\nB,2,Y\n", 10);
	n = head + big + 10;
	in = open_ok(write_bytes("huge.csv", buf, n));
	expect_reject(in, 2, "field longer than 65536 bytes", NULL);
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_end(in);
	csvin_close(in);
	free(buf);
}

/* A line past the 8 MB cap is cut, rejected and the next line kept. */
static void
test_overlong_line(void **state)
{
	size_t big = 9 * 1024 * 1024, head = strlen("name,id,county\n");
	char *buf = malloc(head + big + 16);
	struct csvin *in;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, "name,id,county\n", head);
	memset(buf + head, 'y', big);
	memcpy(buf + head + big, "\nB,2,Y\n", 7);
	in = open_ok(write_bytes("long.csv", buf, head + big + 7));
	expect_reject(in, 2, "row longer than 8388608 bytes", NULL);
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_end(in);
	csvin_close(in);
	free(buf);
}

static void
test_unterminated_quote(void **state)
{
	struct csvin *in = open_ok(write_text("unterm.csv", "name,id,county\r\n"
	                                                    "A,\"oops,X\r\n"
	                                                    "B,2,Y\r\n"
	                                                    "\r\n"
	                                                    "C,3,Z\r\n"));

	(void)state;
	expect_reject(in, 2, "unterminated quoted field", "A,\"oops,X");
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_row(in, 5, 3, "C", "3", "Z");
	expect_end(in);
	csvin_close(in);
}

/*
 * A stray quote that a later row's quote closes: the rows between are not
 * one quoted cell (libcsv in strict mode finds text after a closing
 * quote), so only its own line is lost. A real quoted cell with a line
 * break is still one cell.
 */
static void
test_stray_quote(void **state)
{
	struct csvin *in =
	    open_ok(write_text("stray.csv", "name,id,county\r\n"
	                                    "A,\"8000,X\r\n"
	                                    "B,2,Y\r\n"
	                                    "C,\"9,000\",Z\r\n"
	                                    "D,\"two\r\nlines\",W\r\n"
	                                    "\"E\"(note),5,V\r\n"
	                                    "F,6,U\r\n"));

	(void)state;
	expect_reject(in, 2,
	              "stray quote: a quote in this row does not enclose a "
	              "field and would swallow the rows after it",
	              "A,\"8000,X");
	expect_row(in, 3, 3, "B", "2", "Y");
	expect_row(in, 4, 3, "C", "9,000", "Z");
	expect_row(in, 5, 3, "D", "two\nlines", "W");
	/* libcsv reads on in the quote after "E": no later quote closes
	 * it */
	expect_reject(in, 7, "unterminated quoted field", "\"E\"(note),5,V");
	expect_row(in, 8, 3, "F", "6", "U");
	expect_end(in);
	csvin_close(in);
	/* Quotes inside unquoted cells (Excel's ="..." marks, 李"四) in a
	 * row whose quoted cell has a line break, and "" across lines: all
	 * well-formed, nothing lost. */
	in = open_ok(write_text("marks.csv",
	                        "name,id,note\r\n"
	                        "A,=\"0012\",\"two\r\nlines\"\r\n"
	                        "李\"四,2,\"say \"\"hi\r\n\"\"\"\r\n"
	                        "C,3,\"x\" ,\r\n"));
	expect_row(in, 2, 3, "A", "=\"0012\"", "two\nlines");
	expect_row(in, 4, 3, "李\"四", "2", "say \"hi\n\"");
	expect_row(in, 6, 3, "C", "3", "x");
	expect_end(in);
	csvin_close(in);
	/* A CR inside a line is data: after a closing quote it is text
	 * after the quote, which libcsv would read on in. */
	in = open_ok(write_text("cr.csv",
	                        "name,id,county\n1,\"x\ny\"\r,z\n2,\"w\",v\n"
	                        "3,q,r\n"));
	expect_reject(in, 2,
	              "stray quote: a quote in this row does not enclose a "
	              "field and would swallow the rows after it",
	              "1,\"x");
	expect_reject(in, 3, "expected 3 fields, found 2", "y\"\r,z");
	expect_row(in, 4, 3, "2", "w", "v");
	expect_row(in, 5, 3, "3", "q", "r");
	expect_end(in);
	csvin_close(in);
}

/* A quote open for hundreds of lines is given up on; the lines are kept. */
static void
test_quote_line_cap(void **state)
{
	size_t i, rows = 400;
	char *buf = malloc(32 + rows * 16), *p = buf;
	struct csvin *in;

	(void)state;
	assert_non_null(buf);
	p += sprintf(p, "name,id,county\nA,\"open,X\n");
	for (i = 0; i < rows; i++)
		p += sprintf(p, "r%zu,%zu,Z\n", i, i);
	in = open_ok(write_bytes("cap.csv", buf, (size_t)(p - buf)));
	expect_reject(in, 2, "unterminated quoted field", "A,\"open,X");
	for (i = 0; i < rows; i++) {
		struct csvin_row row;

		assert_int_equal(csvin_next(in, &row), 1);
		assert_null(row.reject);
		assert_int_equal(row.line, i + 3);
	}
	expect_end(in);
	csvin_close(in);
	free(buf);
}

/* Enough rows to cross the sniff window and many read blocks, in GB18030
 * so multi-byte characters are cut at block boundaries. */
static void
test_many_rows_gb18030(void **state)
{
	size_t i, rows = 12000, n, cap = 64 + rows * 64;
	char *text = malloc(cap), *p = text, *gb;
	struct csvin_row row;
	struct csvin *in;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "户主姓名,身份证号码,县区\n");
	for (i = 0; i < rows; i++)
		p += sprintf(p, "王小明%zu,%zu,阜新蒙古族自治县\n", i, i);
	gb = recode(text, "GB18030", &n);
	in = open_ok(write_bytes("many.csv", gb, n));
	assert_string_equal(csvin_encoding(in), "GB18030");
	for (i = 0; i < rows; i++) {
		char want[64];

		assert_int_equal(csvin_next(in, &row), 1);
		assert_null(row.reject);
		assert_int_equal(row.line, i + 2);
		snprintf(want, sizeof(want), "王小明%zu", i);
		assert_string_equal(row.fields[0], want);
		assert_string_equal(row.fields[2], "阜新蒙古族自治县");
	}
	expect_end(in);
	assert_int_equal(strlen(csvin_sha256(in)), 64);
	csvin_close(in);
	free(text);
	free(gb);
}

static void
test_header_only(void **state)
{
	struct csvin *in =
	    open_ok(write_text("head.csv", "name,id,county\r\n"));

	(void)state;
	expect_header(in, 1, "name", "id", "county");
	expect_end(in);
	csvin_close(in);
}

static void
test_sha256(void **state)
{
	struct csvin *in =
	    open_ok(write_text("sha.csv", "name,id,county\nA,1,X\n"));

	(void)state;
	expect_row(in, 2, 3, "A", "1", "X");
	expect_end(in);
	/* printf 'name,id,county\nA,1,X\n' | sha256sum */
	assert_string_equal(
	    csvin_sha256(in),
	    "7519a4e5edf24207b7034f8fd6b390eb8cc9319d306c8fd2cdafb51f617dfcba");
	csvin_close(in);
}

static void
test_no_header(void **state)
{
	(void)state;
	open_fails(write_text("empty.csv", ""), ANJU_EXIT_DATAERR,
	           "no header row found");
	open_fails(write_text("bomonly.csv", "\xEF\xBB\xBF"), ANJU_EXIT_DATAERR,
	           "no header row found");
	open_fails(write_text("blank.csv", "\n\r\n  \n\n"), ANJU_EXIT_DATAERR,
	           "no header row found");
	open_fails(write_text("titles.csv", "阜新市\nname only\nA,1,X\n"),
	           ANJU_EXIT_DATAERR, "no header row found");
}

static void
test_not_text(void **state)
{
	unsigned char junk[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 % 251);
	open_fails(write_bytes("junk.csv", junk, sizeof(junk)),
	           ANJU_EXIT_DATAERR, "not a text export (looks like binary");
	memset(junk, 0, sizeof(junk));
	open_fails(write_bytes("zeros.csv", junk, sizeof(junk)),
	           ANJU_EXIT_DATAERR, "not a text export");
	open_fails(write_bytes("book.csv", "PK\x03\x04\x14\x00\x06\x00", 8),
	           ANJU_EXIT_DATAERR, "ZIP");
	open_fails(
	    write_bytes("old.csv", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8),
	    ANJU_EXIT_DATAERR, ".xls");
	open_fails(write_text("doc.csv", "%PDF-1.4\nname,id,county\n"),
	           ANJU_EXIT_DATAERR, "PDF");
	open_fails(write_bytes("img.csv", "\x89PNG\r\n\x1A\n", 8),
	           ANJU_EXIT_DATAERR, "PNG");
	open_fails(write_bytes("nobom16.csv", "n\0a\0m\0e\0,\0i\0d\0\n\0", 16),
	           ANJU_EXIT_DATAERR, "UTF-16 text without a byte-order mark");
}

static void
test_missing_and_directory(void **state)
{
	(void)state;
	open_fails(tmp_path("no-such-file.csv"), ANJU_EXIT_NOINPUT,
	           "No such file");
	open_fails(tmpdir, ANJU_EXIT_NOINPUT, "directory");
}

static void
on_alarm(int sig)
{
	(void)sig;
	_exit(99); /* csvin_open blocked on the FIFO */
}

static void
test_fifo_refused(void **state)
{
	const char *path = tmp_path("pipe.csv");

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	open_fails(path, ANJU_EXIT_DATAERR, "FIFO");
	alarm(0);
}

static void
test_devices_refused(void **state)
{
	(void)state;
	open_fails("/dev/null", ANJU_EXIT_DATAERR, "device");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_plain),
	    cmocka_unit_test(test_utf8_bom),
	    cmocka_unit_test(test_gb18030),
	    cmocka_unit_test(test_utf16le_crlf),
	    cmocka_unit_test(test_utf16be),
	    cmocka_unit_test(test_utf16_bad_unit),
	    cmocka_unit_test(test_tab_delimited),
	    cmocka_unit_test(test_title_and_blank_lines),
	    cmocka_unit_test(test_best_header_wins),
	    cmocka_unit_test(test_two_row_header),
	    cmocka_unit_test(test_no_scorer),
	    cmocka_unit_test(test_quoted_newline),
	    cmocka_unit_test(test_cr_inside_line),
	    cmocka_unit_test(test_ragged_rows),
	    cmocka_unit_test(test_invalid_utf8_row),
	    cmocka_unit_test(test_invalid_gb18030_row),
	    cmocka_unit_test(test_nul_in_field),
	    cmocka_unit_test(test_huge_field),
	    cmocka_unit_test(test_overlong_line),
	    cmocka_unit_test(test_unterminated_quote),
	    cmocka_unit_test(test_stray_quote),
	    cmocka_unit_test(test_quote_line_cap),
	    cmocka_unit_test(test_many_rows_gb18030),
	    cmocka_unit_test(test_header_only),
	    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_no_header),
	    cmocka_unit_test(test_not_text),
	    cmocka_unit_test(test_missing_and_directory),
	    cmocka_unit_test(test_fifo_refused),
	    cmocka_unit_test(test_devices_refused),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
