/* idcard.c - resident ID numbers (GB 11643-1999) as Excel leaves them. */
#include "idcard.h"
#include "dates.h"
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The oldest birth year taken as real; earlier years are typing errors. */
#define BIRTH_YEAR_MIN 1890

char
id_check_char(const char *body17)
{
	static const int weight[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
	                               3, 7, 9,  10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	int i, sum = 0;

	for (i = 0; i < 17; i++)
		sum += (body17[i] - '0') * weight[i];
	return check[sum % 11];
}

/* True when S[0..N) are all ASCII digits. */
static bool
digits_only(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool
id_check_ok(const char *id18)
{
	if (strlen(id18) != 18 || !digits_only(id18, 17))
		return false;
	return id_check_char(id18) == id18[17];
}

bool
id_from15(const char *id15, char out[19])
{
	if (strlen(id15) != 15 || !digits_only(id15, 15))
		return false;
	memcpy(out, id15, 6);
	memcpy(out + 6, "19", 2);
	memcpy(out + 8, id15 + 6, 9);
	out[17] = id_check_char(out);
	out[18] = '\0';
	return true;
}

bool
id_province_known(const char *two_digits)
{
	/* GB/T 2260 provinces; 71 Taiwan, 81 Hong Kong, 82 Macao. One flag
	 * per code 10..89 (a table, not 34 strncmp() per ID read). */
	static const char *const known = "0111110000" /* 1x: 11-15 */
	                                 "0111000000" /* 2x: 21-23 */
	                                 "0111111100" /* 3x: 31-37 */
	                                 "0111111000" /* 4x: 41-46 */
	                                 "1111100000" /* 5x: 50-54 */
	                                 "0111110000" /* 6x: 61-65 */
	                                 "0100000000" /* 7x: 71 */
	                                 "0110000000" /* 8x: 81, 82 */;
	int tens, units;

	if (two_digits == NULL || two_digits[0] < '1' || two_digits[0] > '8' ||
	    two_digits[1] < '0' || two_digits[1] > '9')
		return false;
	tens = two_digits[0] - '1';
	units = two_digits[1] - '0';
	return known[tens * 10 + units] == '1';
}

const char *
id_state_name(enum id_state s)
{
	switch (s) {
	case ID_EMPTY:
		return "empty";
	case ID_VALID:
		return "valid";
	case ID_CONVERTED15:
		return "converted15";
	case ID_BAD_CHECK:
		return "bad_check";
	case ID_EXCEL_000:
		return "excel_000";
	case ID_EXCEL_SCI:
		return "excel_sci";
	case ID_MALFORMED:
		return "malformed";
	}
	return "malformed";
}

char *
id_mask(const char *id, char *out)
{
	size_t n = strlen(id);

	id_mask_n(id, n, out);
	out[n] = '\0';
	return out;
}

char *
id_mask_n(const char *id, size_t n, char *out)
{
	size_t i;

	/* Non-ASCII bytes are always masked so that a kept prefix or suffix
	 * never cuts a UTF-8 sequence of a malformed ID in half. */
	for (i = 0; i < n; i++) {
		bool keep = n >= 10 && (i < 6 || i >= n - 4);
		out[i] = keep && (unsigned char)id[i] < 0x80 ? id[i] : '*';
	}
	return out;
}

/* Mark OUT malformed with reason WHY; id[] keeps what the caller put. */
static void
set_malformed(struct id_norm *out, const char *why)
{
	out->state = ID_MALFORMED;
	out->known = 0;
	snprintf(out->why, sizeof out->why, "%s", why);
}

/* Copy S into OUT->id, truncated at a UTF-8 character boundary. */
static void
set_id_text(struct id_norm *out, const char *s)
{
	size_t n = strlen(s);

	if (n >= sizeof out->id) {
		n = sizeof out->id - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out->id, s, n);
	out->id[n] = '\0';
}

/*
 * Cleaned ID text: text_clean(), Excel's text markers (apostrophe,
 * backtick, quotes) and every space removed, x upper-cased. Returns
 * malloc'd string, NULL on invalid UTF-8 or ENOMEM.
 */
/* Remove from C (in place) every byte CH. */
static void
drop_char(char *c, char ch)
{
	char *w;

	if ((c = strchr(c, ch)) == NULL)
		return; /* the usual ID: nothing to move */
	for (w = c; *c != '\0'; c++)
		if (*c != ch)
			*w++ = *c;
	*w = '\0';
}

/*
 * What people and systems wrap around the number in an ID cell, taken off
 * C (cleaned text, spaces gone, in place):
 *   a label before it: 身份证：2109…, ID:2109… (NFKC made ： into :);
 *   Excel's text-forcing formula ="2109…" and quotes at either end,
 *   ASCII or “ ” ‘ ’;
 *   a note in brackets after it: 2109…(户主);
 *   separators between groups of digits: 210921-19650812-0013, and dots
 *   when there are two or more (210921.19650812.0013; one dot is a
 *   number's, 2109….0 or 2.10921E+17).
 */
static void
tidy_id(char *c)
{
	char *colon = strrchr(c, ':'), *digit = strpbrk(c, "0123456789");
	char *open;
	size_t n, q;

	if (colon != NULL && digit != NULL && digit > colon)
		memmove(c, colon + 1, strlen(colon + 1) + 1);
	if (c[0] == '=' && text_quote_len(c + 1) > 0)
		memmove(c, c + 1, strlen(c));
	while ((q = text_quote_len(c)) > 0)
		memmove(c, c + q, strlen(c + q) + 1);
	while ((n = strlen(c)) > 0 && (q = text_quote_len_end(c, n)) > 0)
		c[n - q] = '\0';
	n = strlen(c);
	if (n > 0 && c[n - 1] == ')' && (open = strrchr(c, '(')) != NULL &&
	    open > c)
		*open = '\0';
	drop_char(c, '-');
	if (strchr(c, '.') != strrchr(c, '.') && strpbrk(c, "Ee") == NULL)
		drop_char(c, '.');
}

static char *
clean_id_text(const char *raw)
{
	char *c, *r, *w;

	if ((c = text_clean(raw)) == NULL)
		return NULL;
	for (r = w = c; *r != '\0'; r++) {
		if (*r == ' ')
			continue;
		*w++ = *r == 'x' ? 'X' : *r;
	}
	*w = '\0';
	tidy_id(c);
	return c;
}

/*
 * clean_id_text() without text_clean() for the usual cell: printable
 * ASCII only, which text_clean() would only trim and collapse, and every
 * space goes anyway. Writes into BUF (CAP bytes); returns false when RAW
 * needs the full treatment or does not fit.
 */
static bool
clean_id_ascii(const char *raw, char *buf, size_t cap)
{
	const unsigned char *r = (const unsigned char *)raw;
	size_t n = 0;

	for (; *r != '\0'; r++) {
		if (*r < 0x20 || *r > 0x7E || n + 1 >= cap)
			return false;
		if (*r != ' ')
			buf[n++] = *r == 'x' ? 'X' : (char)*r;
	}
	buf[n] = '\0';
	tidy_id(buf);
	return true;
}

/*
 * Province and birth date of the 18-digit ID in OUT->id; marks OUT
 * malformed and returns false when either is impossible or the birth date
 * is after AS_OF.
 */
static bool
plausible(struct id_norm *out, const char *as_of)
{
	const char *b = out->id + 6;
	char why[64], birth[11];
	int y, m, d;

	if (!id_province_known(out->id)) {
		snprintf(why, sizeof why, "省份代码%.2s不存在", out->id);
		set_malformed(out, why);
		return false;
	}
	/* The caller checked the 17 digits: read them directly. */
	y = (b[0] - '0') * 1000 + (b[1] - '0') * 100 + (b[2] - '0') * 10 +
	    (b[3] - '0');
	m = (b[4] - '0') * 10 + (b[5] - '0');
	d = (b[6] - '0') * 10 + (b[7] - '0');
	if (y < BIRTH_YEAR_MIN || !date_valid(y, m, d)) {
		snprintf(why, sizeof why, "出生日期%.8s不存在", out->id + 6);
		set_malformed(out, why);
		return false;
	}
	/* "YYYY-MM-DD" from the digits as they stand */
	memcpy(birth, b, 4);
	birth[4] = '-';
	memcpy(birth + 5, b + 4, 2);
	birth[7] = '-';
	memcpy(birth + 8, b + 6, 2);
	birth[10] = '\0';
	if (strcmp(birth, as_of) > 0) {
		snprintf(why, sizeof why, "出生日期%s晚于核验日%s", birth,
		         as_of);
		set_malformed(out, why);
		return false;
	}
	return true;
}

/* Classify an 18-character ID already copied into OUT->id. */
static void
classify18(struct id_norm *out, const char *as_of)
{
	const char *id = out->id;

	if (!digits_only(id, 17) ||
	    !(isdigit((unsigned char)id[17]) || id[17] == 'X')) {
		set_malformed(out, "含有身份证号不用的字符");
		return;
	}
	if (!plausible(out, as_of))
		return;
	if (id_check_ok(id)) {
		out->state = ID_VALID;
		out->known = 18;
	} else if (strcmp(id + 15, "000") == 0) {
		out->state = ID_EXCEL_000;
		out->known = 15;
	} else {
		out->state = ID_BAD_CHECK;
		out->known = 18;
	}
}

/* Convert the 15-digit ID in OUT->id and check what it says. */
static void
classify15(struct id_norm *out, const char *as_of)
{
	char id18[19];

	if (!id_from15(out->id, id18)) {
		set_malformed(out, "含有身份证号不用的字符");
		return;
	}
	memcpy(out->id, id18, sizeof id18);
	if (!plausible(out, as_of))
		return;
	out->state = ID_CONVERTED15;
	out->known = 18;
}

/*
 * Excel's scientific notation, D[.DDD]E[+]NN, case-insensitive. On a match
 * writes the mantissa digits (the dot removed) into DIGITS (at least 40
 * bytes) and the exponent into *EXP.
 */
static bool
parse_sci(const char *s, char *digits, int *exp)
{
	size_t n = 0;

	if (!isdigit((unsigned char)*s) || *s == '0')
		return false;
	digits[n++] = *s++;
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s) && n < 39; s++)
			digits[n++] = *s;
	digits[n] = '\0';
	if (*s != 'E' && *s != 'e')
		return false;
	s++;
	if (*s == '+')
		s++;
	if (!isdigit((unsigned char)*s) || strlen(s) > 2 ||
	    !digits_only(s, strlen(s)))
		return false;
	*exp = atoi(s);
	return true;
}

/*
 * An ID in scientific notation. Only exponent 17 (an 18-digit number) or
 * 14 (a 15-digit one) can be an ID; when the mantissa holds every digit
 * the number is whole again and is classified as plain digits. Returns
 * true when S was in scientific notation (OUT filled, or *WHOLE set).
 */
static bool
classify_sci(const char *s, struct id_norm *out, bool *whole)
{
	char digits[40], why[64];
	int exp;
	size_t n;

	*whole = false;
	if (!parse_sci(s, digits, &exp))
		return false;
	n = strlen(digits);
	if ((exp != 17 && exp != 14) || n > (size_t)exp + 1) {
		set_id_text(out, s);
		snprintf(why, sizeof why, "数值%.30s不是身份证号", s);
		set_malformed(out, why);
		return true;
	}
	set_id_text(out, digits);
	if (n == (size_t)exp + 1) {
		*whole = true;
		return true;
	}
	out->state = ID_EXCEL_SCI;
	out->known = (int)n;
	return true;
}

/* "210921196508120000.0" (a number cell exported with a decimal part of
 * zeros): cut the zeros off in place. */
static void
drop_zero_fraction(char *s)
{
	char *dot = strchr(s, '.');
	const char *p;

	if (dot == NULL || dot == s || !digits_only(s, (size_t)(dot - s)))
		return;
	for (p = dot + 1; *p == '0'; p++)
		;
	if (*p == '\0' && p > dot + 1)
		*dot = '\0';
}

void
id_normalise(const char *raw, const char *as_of, struct id_norm *out)
{
	char today[11], why[64], ascii[128];
	char *c;
	bool whole;
	size_t n;

	memset(out, 0, sizeof *out);
	out->state = ID_EMPTY;
	if (as_of == NULL || as_of[0] == '\0') {
		date_today(today);
		as_of = today;
	}
	if (raw == NULL)
		return;
	if (clean_id_ascii(raw, ascii, sizeof ascii))
		c = ascii;
	else if ((c = clean_id_text(raw)) == NULL) {
		set_malformed(out, "不是有效的UTF-8文本");
		return;
	}
	if (c[0] == '\0')
		goto done;
	if (classify_sci(c, out, &whole) && !whole)
		goto done;
	if (!whole) {
		drop_zero_fraction(c);
		set_id_text(out, c);
	}
	n = whole ? strlen(out->id) : strlen(c);
	if (n == 18)
		classify18(out, as_of);
	else if (n == 15 && digits_only(out->id, 15))
		classify15(out, as_of);
	else if (digits_only(c, n) ||
	         (digits_only(c, n - 1) && c[n - 1] == 'X')) {
		snprintf(why, sizeof why, "长度%zu位", n);
		set_malformed(out, why);
	} else {
		set_malformed(out, "含有身份证号不用的字符");
	}
done:
	if (c != ascii)
		free(c);
}
