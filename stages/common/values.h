/*
 * values.h - the non-text values of an export: money, areas, counts, and
 * the enumerated fields whose variants live as data in
 * schemas/values.tsv (adding a variant is a data change, not a code change).
 */
#ifndef ANJU_VALUES_H
#define ANJU_VALUES_H

#include <stdbool.h>
#include <stddef.h>

enum value_result { VALUE_EMPTY, VALUE_OK, VALUE_BAD };

/*
 * Money in yuan: 12000, 12,000, ¥12000, ￥12,000.50, 12000元, 1.2万,
 * 1.2万元, -0 never negative. Commas must group by threes (1,2万 is BAD);
 * the result is rounded to whole fen; raw input is fine (cleaned here).
 * Returns VALUE_OK and *YUAN, VALUE_EMPTY for "", VALUE_BAD otherwise
 * (including negative amounts).
 */
enum value_result value_money(const char *s, double *yuan);

/* A non-negative decimal number with optional unit suffix (㎡, m2, 平方米,
 * 平米, 人, 口, 口人, 人户): areas and household sizes. */
enum value_result value_number(const char *s, double *out);

/* A plan year: 2020, 2020年, 2020年度 -> 2020 (1949..2100). */
enum value_result value_year(const char *s, int *year);

/* A photo node: a count (3, 3张, 3张照片, 3幅) or 有, 是 (=1) / 无, 否, 没有, 0
 * (=0). Fractions and negative counts are VALUE_BAD. */
enum value_result value_count(const char *s, int *count);

/*
 * The enumerated-value table. FIELD is the SPEC field name
 * ("safety_grade", "household_type", "renovation_type", "build_mode",
 * "acceptance_result", "safety_means", "verified", "toilet",
 * "poverty_attr", "poverty_status", "relation").
 */
struct value_map;

/*
 * Load the enumerated-value table from PATH (TSV: field, variant,
 * canonical; '#' comments; variants compared through text_key()).
 * Returns a map owned by the caller (free with value_map_free) or NULL
 * with a message in ERR (ERRLEN bytes).
 */
struct value_map *value_map_load(const char *path, char *err, size_t errlen);
void value_map_free(struct value_map *m);

/*
 * Canonical value of RAW for FIELD, or NULL when RAW is not recognised
 * (D08). *EMPTY is set true when RAW is empty (no D08 then). The returned
 * string belongs to the map. A canonical value always maps to itself.
 * For "safety_grade" only, a key that is not in the table is tried again
 * without a trailing 级危房, 危房 or 级 (A级, D级危房, c 级 -> A, D, C).
 */
const char *value_lookup(const struct value_map *m, const char *field,
                         const char *raw, bool *empty);

/*
 * Safety category of a canonical safety_means value: "鉴定安全",
 * "改造安全" or "保障安全", or NULL when unknown. Sub-types (易地扶贫搬迁 ->
 * 改造安全, 集体公租房 -> 保障安全) come from the same table, field
 * "safety_category".
 */
const char *value_safety_category(const struct value_map *m, const char *means);

#endif
