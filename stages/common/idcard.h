/*
 * idcard.h - resident ID numbers (GB 11643-1999), as they arrive from
 * Excel: cleaned, classified and, where possible, repaired.
 */
#ifndef ANJU_IDCARD_H
#define ANJU_IDCARD_H

#include <stdbool.h>
#include <stddef.h>

/* What id_normalise() concluded about an ID. Stored in the workspace as
 * the text of id_state_name(). */
enum id_state {
	ID_EMPTY,       /* nothing there */
	ID_VALID,       /* 18 chars, check character right, real birth date,
	                   known province */
	ID_CONVERTED15, /* valid 15-digit legacy ID, converted to 18 (D04) */
	ID_BAD_CHECK,   /* 18 chars, well-formed, wrong check character (D01) */
	ID_EXCEL_000,   /* 18 chars ending 000 that fail the check: Excel kept
	                   15 significant digits (D03) */
	ID_EXCEL_SCI,   /* scientific notation such as 2.10921E+17 (D03) */
	ID_MALFORMED,   /* wrong length or characters, impossible or future
	                   birth date, unknown province (D02) */
};

struct id_norm {
	enum id_state state;
	/*
	 * The normalised ID: for VALID, BAD_CHECK and EXCEL_000 the 18 cleaned
	 * characters (upper-case X); for CONVERTED15 the 18-digit form; for
	 * EXCEL_SCI the significant digits that survived (e.g. "210921");
	 * for MALFORMED the cleaned text (truncated to fit); "" when EMPTY.
	 */
	char id[40];
	/* Number of leading characters of id[] that can be trusted for
	 * matching: 18 for VALID/CONVERTED15/BAD_CHECK (one of them is wrong
	 * for BAD_CHECK), 15 for EXCEL_000, the digit count for EXCEL_SCI,
	 * 0 otherwise. */
	int known;
	/* For MALFORMED: a short reason in Chinese, for the D02 detail a
	 * county clerk reads ("长度17位", "出生日期19651345不存在", "省份代码99
	 * 不存在", ...); else "". */
	char why[64];
};

/*
 * Clean and classify one raw ID field. RAW may contain spaces, full-width
 * characters, a leading apostrophe or tab, lower-case x, zero-width
 * characters or Excel's scientific notation. AS_OF is "YYYY-MM-DD" (NULL or
 * "" means today); a birth date after it, or before 1890, makes the ID
 * MALFORMED. Fills *OUT; never fails (a NULL RAW is EMPTY, an invalid-UTF-8
 * RAW is MALFORMED).
 *
 * Order of the checks for 18 characters: characters, province, birth date
 * (MALFORMED), then the check character (VALID, else EXCEL_000 when the ID
 * ends in 000, else BAD_CHECK). Scientific notation is an ID only with
 * exponent 17 (18 digits) or 14 (15 digits); EXCEL_SCI keeps the mantissa
 * digits as given (Excel rounds, so the last of them may be one too high).
 * A mantissa that holds every digit, or a number written with a zero
 * fraction ("...0000.0"), is classified as the plain digits.
 */
void id_normalise(const char *raw, const char *as_of, struct id_norm *out);

/* Check character ('0'-'9' or 'X') for the 17 digits at BODY. */
char id_check_char(const char *body17);

/* True when the 18 chars at ID have a correct check character (no date or
 * province check). */
bool id_check_ok(const char *id18);

/*
 * Convert a 15-digit legacy ID to 18 digits: insert "19" before the 2-digit
 * year and append the check character. OUT must hold 19 bytes. Returns
 * false when ID15 is not 15 digits.
 */
bool id_from15(const char *id15, char out[19]);

/* True when the two-digit prefix is a province code of GB/T 2260. */
bool id_province_known(const char *two_digits);

/* Lower-case English name of a state, as stored in the workspace:
 * "empty", "valid", "converted15", "bad_check", "excel_000", "excel_sci",
 * "malformed". */
const char *id_state_name(enum id_state s);

/*
 * Mask an ID for a county pack: first 6 and last 4 characters kept, the
 * rest '*' (210921********123X). IDs shorter than 10 characters are fully
 * masked. OUT must hold strlen(id)+1 bytes; returns OUT.
 */
char *id_mask(const char *id, char *out);

/* id_mask() of the N bytes at ID (no NUL needed there) into the N bytes
 * at OUT, with no NUL after them: a span masked inside a longer text.
 * Returns OUT. */
char *id_mask_n(const char *id, size_t n, char *out);

#endif
