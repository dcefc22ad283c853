/*
 * text.h - Unicode text normalisation (utf8proc underneath).
 *
 * Every value read from an export passes through text_clean() before any
 * other normaliser looks at it, so full-width digits, odd spaces and
 * zero-width characters never reach the rules.
 */
#ifndef ANJU_TEXT_H
#define ANJU_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when S[0..LEN) is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const char *s, size_t len);

/*
 * The LEN bytes at S (NULs and invalid UTF-8 included) as text a reader
 * can open: each byte that is not part of a valid UTF-8 character, and
 * each NUL, is written \xNN (hex, upper case). Returns a malloc'd string
 * the caller frees, or NULL when out of memory.
 */
char *text_escape_bytes(const char *s, size_t len);

/*
 * General clean-up of one field: NFKC (full-width digits/letters become
 * ASCII, U+3000 becomes a space), non-breaking and other Unicode spaces and
 * tabs become ' ', zero-width characters (U+200B-U+200D, U+2060, U+FEFF)
 * are dropped, control characters dropped, leading/trailing spaces
 * trimmed and inner runs of spaces collapsed to one.
 * Returns a malloc'd NUL-terminated string owned by the caller ("" for an
 * empty or all-space input, or a NULL S), or NULL (errno EILSEQ) when S is
 * not valid UTF-8, or NULL (errno ENOMEM). NFKC is intended to change some
 * visible text: ㎡ becomes "m2", （） become (), ｘ becomes x.
 */
char *text_clean(const char *s);

/*
 * True when S is already what text_clean() makes of it (the common case:
 * ASCII and CJK ideographs with single inner spaces), with its length in
 * *LEN; then a copy of S is its cleaned form and utf8proc is not needed.
 */
bool text_is_clean(const char *s, size_t *len);

/*
 * A person's name as compared by SPEC 3: text_clean(), then every space
 * removed and every middle-dot variant (U+00B7 ·, U+2022 •, U+30FB ・,
 * U+2027 ‧, U+FF65 ･, U+2219 ∙, U+22C5 ⋅, U+0387) replaced by U+00B7,
 * runs of dots collapsed to one, and dots at either end removed
 * ("阿卜杜拉 • 买买提" -> "阿卜杜拉·买买提", "王 小明" -> "王小明"), and
 * notes in brackets dropped ("赵大山（已故）" -> "赵大山"). Returns
 * malloc'd string owned by the caller, NULL on invalid UTF-8 or ENOMEM.
 */
char *text_name(const char *s);

/*
 * Key used to compare enumerated values and header names: text_clean(),
 * all spaces removed, ASCII letters upper-cased, full-width and ASCII
 * parentheses unified to ASCII '(' ')'. Returns malloc'd string owned by
 * the caller, NULL on invalid UTF-8 or ENOMEM.
 */
char *text_key(const char *s);

/*
 * True when the cleaned field S (output of text_clean) starts with 合计,
 * 总计 or 小计, marking a spreadsheet total line rather than a household.
 * Spaces inside the label are ignored ("合  计"); NULL is false.
 */
bool text_is_total_label(const char *s);

/*
 * True when the cleaned cell S only says "nothing here", as ledgers fill
 * a cell they have no value for: marks alone (/, -, —, _, \ and runs of
 * them) or one of 无, 空, 暂无, 没有, N/A, NA, NULL, NONE (ASCII in any
 * case). Dates, amounts and enumerations read such a cell as empty. NULL
 * is false.
 */
bool text_is_placeholder(const char *s);

/* Length in bytes of the quote mark S starts with (' " ` or “ ” ‘ ’), or
 * 0. */
size_t text_quote_len(const char *s);

/* Length in bytes of the quote mark S[0..N) ends with, or 0. */
size_t text_quote_len_end(const char *s, size_t n);

/*
 * 64-bit hash (XXH3, libxxhash) of the NUL-terminated S, for the
 * in-memory hash tables of the stages and for grouping equal values (no
 * adversary: a collision costs a comparison, never a wrong answer where
 * callers compare the values too).
 */
uint64_t text_hash(const char *s);

/* The same hash of the LEN bytes at P. */
uint64_t text_hash_n(const void *p, size_t len);

#endif
