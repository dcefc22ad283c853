/*
 * report.h - anju-report: the city's summary.csv and rejects.csv, and one
 * pack per county under counties/<county_code>/ (SPEC 7): 问题清单.csv,
 * 汇总.csv and 变化.csv.
 *
 * Packs are for people with Excel, WPS or LibreOffice: UTF-8 with BOM,
 * Chinese headers, no cell a spreadsheet could read as a formula, and ID
 * numbers that never turn into 2.1E+17. A masked ID (210921********123X)
 * is text by itself; an unmasked one (--no-mask, the city's own copy) and
 * every other all-digit identifier (codes, 户编号) is written with a
 * leading TAB character, which no spreadsheet reads as part of a number,
 * so the cell stays text (checked with LibreOffice's default CSV import;
 * the same trick is the common practice for Excel and WPS), and never
 * starts a formula since only digits follow it.
 */
#ifndef ANJU_REPORT_H
#define ANJU_REPORT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/* The county's workbook beside the CSV files (all three tables as
 * sheets, every cell a string but the counts), when built with
 * libxlsxwriter. */
#define REPORT_WORKBOOK "核验结果.xlsx"

/* Default rectification deadline (days a finding may stay open). */
#define REPORT_DEFAULT_DEADLINE_DAYS 15

struct report_options {
	const char *db_path; /* the run's workspace; must exist */
	const char *out_dir; /* created if missing */
	bool no_mask;        /* full ID numbers in the packs */
	long deadline_days;  /* < 0: rules.conf rectify_days, else 15 */
	const char *rules;   /* rules file; NULL = datadir/schemas/rules.conf */
};

/* How a value is made safe for a pack cell. */
enum report_cell {
	REPORT_TEXT, /* free text: formula-neutralised */
	REPORT_CODE, /* identifier (code, 户编号, 档案编号): kept as text */
	REPORT_ID,     /* ID number: masked unless told not to, kept as text */
	REPORT_DETAIL, /* free text that may quote ID numbers: those masked */
	REPORT_COUNT,  /* a whole number (households, findings, days): a
	                  number in the workbook, so SUM works */
};

/*
 * The cell to write for VALUE (NULL = empty) of KIND; MASK says whether ID
 * numbers are masked. Returns a malloc'd string owned by the caller, or
 * NULL on ENOMEM.
 */
char *report_cell(enum report_cell kind, const char *value, bool mask);

/*
 * TEXT with every run of 15 to 20 characters that may be an ID number,
 * well formed or not (digits and X with a birth year where an ID has it,
 * or a 15-digit legacy ID with its yymmdd; not inside a longer number or
 * glued after a letter) masked as id_mask() does: a malformed ID still
 * tells a birth date, while a 户编号 stays readable. Returns a malloc'd string
 * (caller frees) or NULL on ENOMEM or a pattern failure.
 */
char *report_mask_ids(const char *text);

/* True when CODE is exactly six ASCII digits: the only names a county
 * pack folder may have. */
bool report_county_code_ok(const char *code);

/* Verified rate (鉴定安全+改造安全+保障安全)/households as "97.50%" into
 * BUF; "" when HOUSEHOLDS is 0. Returns BUF. */
char *report_rate(long verified, long households, char *buf, size_t buflen);

/*
 * Write summary.csv (one row a county) and rejects.csv into OUT_DIR.
 * Return 0 or an ANJU_EXIT_* code (message printed).
 */
int report_write_summary(sqlite3 *db, const char *out_dir);
int report_write_rejects(sqlite3 *db, const char *out_dir);

/*
 * Write the pack of COUNTY (six digits) into DIR (which exists):
 * 问题清单.csv, 汇总.csv and 变化.csv holding only that county's rows,
 * and the same tables as the sheets of REPORT_WORKBOOK when built with
 * libxlsxwriter (see sheet.h).
 * AS_OF is the run's date, DEADLINE_DAYS the rectification deadline.
 * The workbook may still be being written on return (book_close_later);
 * book_wait() waits for it and gives its result. Returns 0 or an
 * ANJU_EXIT_* code (message printed), which may be the previous pack's
 * workbook's.
 */
int report_write_pack(sqlite3 *db, const char *county, const char *dir,
                      bool mask, const char *as_of, long deadline_days);

/* The whole of anju-report for OPT. Returns an ANJU_EXIT_* code. */
int report_run(const struct report_options *opt);

#endif
