/*
 * codes.h - the finding codes of SPEC 5 as one table: code, default
 * severity and the short Chinese name a county clerk reads in the packs.
 * Reports, diffs and spreadsheets rely on the codes, so they live here
 * once.
 */
#ifndef ANJU_CODES_H
#define ANJU_CODES_H

#define FINDING_NCODES 28

struct finding_code {
	const char *code;     /* "D01" ... "V09" */
	const char *severity; /* "high", "medium" or "low"; M03 is high
	                         when two records received a subsidy */
	const char *name;     /* e.g. 身份证号校验位错误 */
};

/* Every code, in SPEC 5's order (the order of summary.csv's columns). */
extern const struct finding_code finding_codes[FINDING_NCODES];

/* The entry of CODE, or NULL for a code SPEC 5 does not have. */
const struct finding_code *finding_code(const char *code);

#endif
