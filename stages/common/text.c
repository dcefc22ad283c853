/* text.c - Unicode normalisation of export fields (utf8proc). */
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>
#include <xxhash.h>

/* True when the eight bytes at P are all ASCII. */
static bool
ascii8(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof w);
	return (w & 0x8080808080808080ULL) == 0;
}

/*
 * True for a three-byte sequence with lead E1-EC or EE-EF and two
 * continuation bytes: always well-formed (E0 can be overlong, ED can be
 * a surrogate; those go to utf8proc). Covers every CJK ideograph.
 */
static bool
plain_three_byte(const unsigned char *p)
{
	return p[0] >= 0xE1 && p[0] <= 0xEF && p[0] != 0xED &&
	       (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80;
}

bool
text_utf8_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;

	while (len > 0) {
		/* Most of an export is ASCII: skip it eight bytes at a time. */
		if (len >= 8 && ascii8(p)) {
			p += 8;
			len -= 8;
			continue;
		}
		if (*p < 0x80) {
			p++;
			len--;
			continue;
		}
		if (len >= 3 && plain_three_byte(p)) {
			p += 3;
			len -= 3;
			continue;
		}
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		if (n < 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Zs (all Unicode spaces), line/paragraph separators and any control
 * character that survived STRIPCC all read as one plain space. */
static bool
is_space_cp(utf8proc_int32_t cp)
{
	utf8proc_category_t cat;

	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
		return true;
	/* no other ASCII character or CJK ideograph is a space: skip the
	 * table look-up for them */
	if (cp < 0x80 || (cp >= 0x4E00 && cp <= 0x9FFF))
		return false;
	cat = utf8proc_category(cp);
	return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	       cat == UTF8PROC_CATEGORY_ZP;
}

/* Zero-width characters that utf8proc does not list as default-ignorable
 * in every version; dropped explicitly so the result never depends on the
 * library's Unicode tables. */
static bool
is_dropped_cp(utf8proc_int32_t cp)
{
	if (cp >= 0x200B && cp <= 0x200F)
		return true;
	if (cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD)
		return true;
	/* the ASCII controls (Cc) and no CJK ideograph: no look-up */
	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7F;
	if (cp >= 0x4E00 && cp <= 0x9FFF)
		return false;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_CC;
}

/*
 * Copy the NFKC form in SRC to a fresh buffer, mapping spaces to ' ',
 * dropping zero-width and control characters, trimming and collapsing
 * space runs. The output is never longer than SRC.
 */
static char *
squeeze_spaces(const utf8proc_uint8_t *src)
{
	size_t len = strlen((const char *)src);
	char *out, *o;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	bool pending = false;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	o = out;
	while (*src != '\0') {
		n = utf8proc_iterate(src, -1, &cp);
		if (n <= 0)
			break; /* cannot happen: utf8proc produced SRC */
		src += n;
		if (is_space_cp(cp)) {
			pending = o != out;
			continue;
		}
		if (is_dropped_cp(cp))
			continue;
		if (pending)
			*o++ = ' ';
		pending = false;
		o += utf8proc_encode_char(cp, (utf8proc_uint8_t *)o);
	}
	*o = '\0';
	return out;
}

char *
text_escape_bytes(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	char *out = malloc(4 * len + 1), *o = out;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;

	if (out == NULL)
		return NULL;
	while (len > 0) {
		n = utf8proc_iterate(p, (utf8proc_ssize_t)len, &cp);
		if (n <= 0 || cp == 0) {
			o += sprintf(o, "\\x%02X", *p);
			n = 1;
		} else {
			memcpy(o, p, (size_t)n);
			o += n;
		}
		p += n;
		len -= (size_t)n;
	}
	*o = '\0';
	return out;
}

/*
 * True when S is already what text_clean() would make of it: printable
 * ASCII with single inner spaces and CJK Unified Ideographs U+4E00-U+9FFF,
 * which NFKC leaves alone. Most export cells are like that, and skipping
 * utf8proc for them makes ingest several times faster.
 */
static bool
already_clean(const unsigned char *p, size_t *len)
{
	const unsigned char *start = p;
	unsigned char prev = ' ';

	if (*p == ' ')
		return false;
	for (; *p; p++) {
		if (*p >= 0x21 && *p <= 0x7E) {
			prev = *p;
			continue;
		}
		if (*p == ' ') {
			if (prev == ' ')
				return false;
			prev = ' ';
			continue;
		}
		/* U+4E00 (E4 B8 80) .. U+9FFF (E9 BF BF) */
		if (*p < 0xE4 || *p > 0xE9 || (*p == 0xE4 && p[1] < 0xB8) ||
		    (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return false;
		p += 2;
		prev = 'x';
	}
	*len = (size_t)(p - start);
	return prev != ' ';
}

bool
text_is_clean(const char *s, size_t *len)
{
	*len = 0;
	return *s == '\0' || already_clean((const unsigned char *)s, len);
}

char *
text_clean(const char *s)
{
	utf8proc_uint8_t *nfkc = NULL;
	utf8proc_ssize_t n;
	size_t len = 0;
	char *out;

	if (s == NULL)
		s = "";
	if (*s == '\0' || already_clean((const unsigned char *)s, &len)) {
		/* the length is known: no second strlen() in strdup() */
		if ((out = malloc(len + 1)) != NULL)
			memcpy(out, s, len + 1);
		return out;
	}
	if (!text_utf8_valid(s, strlen(s))) {
		errno = EILSEQ;
		return NULL;
	}
	/* STRIPCC turns tabs and line breaks into spaces and drops other
	 * controls; IGNORE drops default-ignorables (zero-width spaces,
	 * joiners, BOM). */
	n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &nfkc,
	                 UTF8PROC_NULLTERM | UTF8PROC_STABLE |
	                     UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	                     UTF8PROC_IGNORE | UTF8PROC_STRIPCC);
	if (n < 0) {
		errno = n == UTF8PROC_ERROR_NOMEM ? ENOMEM : EILSEQ;
		return NULL;
	}
	out = squeeze_spaces(nfkc);
	free(nfkc);
	return out;
}

/* True for the code points used as the middle dot of minority names. */
static bool
is_name_dot(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x00B7: /* · middle dot */
	case 0x0387: /* Greek ano teleia */
	case 0x2022: /* • bullet */
	case 0x2027: /* ‧ hyphenation point */
	case 0x2219: /* ∙ bullet operator */
	case 0x22C5: /* ⋅ dot operator */
	case 0x30FB: /* ・ katakana middle dot */
	case 0xFF65: /* ･ half-width katakana middle dot */
		return true;
	default:
		return false;
	}
}

/*
 * Decodes the character at P, valid UTF-8 made by text_clean(), into *CP;
 * returns its length. ASCII and three-byte characters (every CJK one) are
 * decoded here, the rest by utf8proc.
 */
static utf8proc_ssize_t
next_cp(const utf8proc_uint8_t *p, utf8proc_int32_t *cp)
{
	if (*p < 0x80) {
		*cp = *p;
		return 1;
	}
	if (plain_three_byte(p)) {
		*cp = (utf8proc_int32_t)((p[0] & 0x0F) << 12 |
		                         (p[1] & 0x3F) << 6 | (p[2] & 0x3F));
		return 3;
	}
	return utf8proc_iterate(p, -1, cp);
}

char *
text_name(const char *s)
{
	char *clean, *out = NULL, *o;
	const utf8proc_uint8_t *p;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	bool dot = false;

	if ((clean = text_clean(s)) == NULL)
		return NULL;
	/* A dot becomes U+00B7 (2 bytes): a full stop (1 byte) grows by
	 * one, so the output is at most twice the cleaned text. */
	if ((out = malloc(2 * strlen(clean) + 1)) == NULL)
		goto done;
	o = out;
	for (p = (const utf8proc_uint8_t *)clean; *p != '\0'; p += n) {
		n = next_cp(p, &cp);
		if (n <= 0)
			break;
		if (cp == ' ')
			continue;
		/* A note in brackets is not part of a name: 赵大山(已故),
		 * 孙玉芝(户主). NFKC made （） into (). */
		if (cp == '(' && strchr((const char *)p, ')') != NULL) {
			n = (utf8proc_ssize_t)(strchr((const char *)p, ')') -
			                       (const char *)p) +
			    1;
			continue;
		}
		/* A full stop (． typed in GBK, . after NFKC) right after a
		 * CJK character is a name dot too: 哈斯．其其格. */
		if (is_name_dot(cp) ||
		    (cp == '.' && o != out && (unsigned char)o[-1] >= 0x80)) {
			dot = o != out; /* a leading dot is dropped */
			continue;
		}
		if (dot)
			o +=
			    utf8proc_encode_char(0x00B7, (utf8proc_uint8_t *)o);
		dot = false;
		/* the character as it was: same bytes as re-encoding it */
		memcpy(o, p, (size_t)n);
		o += n;
	}
	*o = '\0';
done:
	free(clean);
	return out;
}

char *
text_key(const char *s)
{
	char *clean, *r, *w;

	if ((clean = text_clean(s)) == NULL)
		return NULL;
	/* NFKC already made （） into (); only spaces and case remain. */
	for (r = w = clean; *r != '\0'; r++) {
		if (*r == ' ')
			continue;
		*w++ = (char)toupper((unsigned char)*r);
	}
	*w = '\0';
	return clean;
}

/* The labels of a total line. */
static const char *const total_labels[] = {"合计", "总计", "小计"};

/* A place's subtotal label: 东梁镇小计, 佛寺村合计, 阜蒙县总计 (spaces
 * aside): a short cell that ends with a label right after a place
 * name's last character. */
static bool
place_total(const char *s)
{
	static const char *const places[] = {"镇", "乡", "村", "县",
	                                     "区", "道", "市"};
	char buf[64];
	size_t i, k, n = 0;

	for (; *s != '\0'; s++)
		if (*s != ' ') {
			if (n + 1 >= sizeof(buf))
				return false; /* too long for a label */
			buf[n++] = *s;
		}
	buf[n] = '\0';
	for (i = 0; i < sizeof total_labels / sizeof total_labels[0]; i++) {
		size_t l = strlen(total_labels[i]);

		if (n < l + 6 || strcmp(buf + n - l, total_labels[i]) != 0)
			continue;
		for (k = 0; k < sizeof places / sizeof places[0]; k++)
			if (strncmp(buf + n - l - 3, places[k], 3) == 0)
				return true;
	}
	return false;
}

bool
text_is_total_label(const char *s)
{
	const char *s0 = s;
	char head[8];
	size_t i, n = 0;

	if (s == NULL)
		return false;
	/* Spreadsheets often space out the label ("合  计"): compare the
	 * first six non-space bytes, the length of one two-character label. */
	for (; *s != '\0' && n < 6; s++)
		if (*s != ' ')
			head[n++] = *s;
	head[n] = '\0';
	for (i = 0; i < sizeof total_labels / sizeof total_labels[0]; i++)
		if (strcmp(head, total_labels[i]) == 0)
			return true;
	/* every row's first cells pass here: most do not end with 计 */
	n = strlen(s0);
	if (n < 12 || strcmp(s0 + n - 3, "计") != 0)
		return false;
	return place_total(s0);
}

bool
text_is_placeholder(const char *s)
{
	static const char *const words[] = {"无",  "空", "暂无", "没有",
	                                    "N/A", "NA", "NULL", "NONE"};
	static const char *const marks[] = {"/", "\\",     "-",      "_",
	                                    " ", "\u2014", "\u2013", "\u2015"};
	const char *p = s;
	size_t i;

	if (s == NULL || *s == '\0')
		return false;
	/* Called on nearly every cell: most are longer than any word (6
	 * bytes) and start with no mark (whose first bytes are ASCII or
	 * 0xE2), which settles them without a comparison. */
	if (strchr("/\\-_ \xE2", *s) == NULL) {
		if (strnlen(s, 7) > 6)
			return false;
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if ((*s | 0x20) == (*words[i] | 0x20) &&
			    strcasecmp(s, words[i]) == 0)
				return true;
		return false;
	}
	while (*p != '\0') {
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (strncmp(p, marks[i], strlen(marks[i])) == 0)
				break;
		if (i == sizeof(marks) / sizeof(marks[0]))
			return false;
		p += strlen(marks[i]);
	}
	return true;
}

size_t
text_quote_len(const char *s)
{
	static const char *const marks[] = {"\u201c", "\u201d", "\u2018",
	                                    "\u2019"};

	if (*s == '\'' || *s == '"' || *s == '`')
		return 1;
	if ((unsigned char)*s != 0xE2) /* each mark's first byte */
		return 0;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strncmp(s, marks[i], strlen(marks[i])) == 0)
			return strlen(marks[i]);
	return 0;
}

size_t
text_quote_len_end(const char *s, size_t n)
{
	if (n >= 1 && text_quote_len(s + n - 1) == 1)
		return 1;
	if (n >= 3 && text_quote_len(s + n - 3) == 3)
		return 3;
	return 0;
}

uint64_t
text_hash_n(const void *p, size_t len)
{
	return XXH3_64bits(p, len);
}

uint64_t
text_hash(const char *s)
{
	return XXH3_64bits(s, strlen(s));
}
