/*
 * sheet.h - one table of a county pack, written as a CSV file and, when
 * anju is built with libxlsxwriter (ANJU_HAVE_XLSXWRITER), also as a
 * worksheet of the county's workbook, where every cell is a string in a
 * text-formatted column: no spreadsheet can then read an ID number as a
 * number or any cell as a formula, whatever its import settings. Counts
 * (households, findings, days) alone are numbers, so that SUM adds them;
 * the header row stays frozen in view.
 */
#ifndef ANJU_REPORT_SHEET_H
#define ANJU_REPORT_SHEET_H

#include <stdbool.h>
#include <stddef.h>

struct book;
struct sheet;

/* True when this build writes .xlsx workbooks. */
bool book_supported(void);

/*
 * Start the workbook DIR/NAME. It is written under a temporary name and
 * renamed into place by book_close(). Returns 0 with *OUT (NULL when
 * .xlsx is not built in, which is not an error), or ANJU_EXIT_CANTCREAT
 * (printed).
 */
int book_open(const char *dir, const char *name, struct book **out);

/*
 * Write the workbook and rename it into place when OK, else discard it;
 * frees B (NULL is fine). Returns 0 or ANJU_EXIT_CANTCREAT (printed).
 */
int book_close(struct book *b, bool ok);

/*
 * book_close(B, true) on a thread of its own, so that the next county's
 * pack is built while this one's workbook is compressed (the larger half
 * of anju-report's work). One workbook is written at a time: this first
 * waits for the previous one. Returns the previous one's result (0 or
 * ANJU_EXIT_CANTCREAT, printed); book_wait() gives the last one's.
 */
int book_close_later(struct book *b);

/* Wait for the workbook book_close_later() is writing, if any. Returns
 * its result, 0 when there was none. */
int book_wait(void);

/*
 * Open the CSV file DIR/CSV_NAME (UTF-8 with BOM) and, when BOOK is not
 * NULL, a worksheet SHEET_NAME in it. Returns the sheet (owned by the
 * caller until sheet_close) or NULL (printed).
 */
struct sheet *sheet_open(const char *dir, const char *csv_name,
                         struct book *book, const char *sheet_name);

/*
 * Write one row: CSV_CELLS (already made safe for CSV) to the file and
 * PLAIN_CELLS (the same values, masked but without the CSV-only markers)
 * to the worksheet, N cells each. A cell whose COUNTS flag is set (COUNTS
 * may be NULL) and that holds a whole number goes into the worksheet as
 * a number; every other cell is a string. Returns 0 or -1.
 */
int sheet_row(struct sheet *s, const char *const *csv_cells,
              const char *const *plain_cells, const bool *counts, size_t n);

/*
 * Finish the CSV file (renamed into place when OK, else removed) and
 * free S. Returns 0 or ANJU_EXIT_CANTCREAT (printed).
 */
int sheet_close(struct sheet *s, bool ok);

/* Keep the rows written so far in view while a clerk scrolls the rest
 * (a table's header below a block of totals). No-op without a workbook. */
void sheet_freeze_here(struct sheet *s);

/* Make column COL (0-based) WIDTH characters wide in the workbook: a long
 * text such as 问题详情. No-op without a workbook. */
void sheet_widen(struct sheet *s, int col, double width);

#endif
