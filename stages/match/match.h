/*
 * match.h - anju-match: which platform records belong to which roster
 * household (SPEC 4), and the M-findings that come with it (SPEC 5).
 *
 * The whole roster, the platform records and the members are loaded into
 * memory once (arrays, hash tables, arena strings), the four tiers run on
 * them, and the results replace the previous ones in one transaction:
 * the stage either fully replaces its matches, review candidates and
 * stage='match' findings, or leaves the old ones untouched.
 */
#ifndef ANJU_MATCH_H
#define ANJU_MATCH_H

#include <sqlite3.h>

/* What a run did; filled by match_run() for the caller's summary line. */
struct match_stats {
	long households; /* roster households considered */
	long records;    /* platform records considered */
	long members;    /* member IDs usable for tier 2 */
	long by_id;      /* records matched per tier */
	long by_member;
	long by_repair;
	long review;               /* households with an M09 */
	long unmatched_households; /* M01 */
	long findings;             /* stage='match' findings written */
};

/*
 * Match the workspace DB (opened with db_open). Ignores rows whose
 * duplicate_of is set. Replaces, in one transaction, the matches and
 * review_candidates tables, every finding with stage = 'match' and, when
 * AS_OF is not NULL, the run's as-of date. STATS may be NULL. Returns 0,
 * or after printing a message ANJU_EXIT_CANTCREAT (the workspace could
 * not be written: full disk, I/O error) or ANJU_EXIT_SOFTWARE (another
 * SQLite error, out of memory); then nothing was changed.
 */
int match_run(sqlite3 *db, const char *as_of, struct match_stats *stats);

/*
 * How a damaged ID could be the valid 18-digit VALID: the method name
 * stored in matches.method ("repair_000", "repair_sci", "repair_digit",
 * "repair_swap"), or NULL when it cannot. DAMAGED is a normalised ID in
 * STATE (the idcard.h state name) with KNOWN trusted characters. A valid
 * or converted ID is never "damaged": two valid IDs that differ are two
 * people. Exposed for the unit tests.
 */
const char *match_repair_method(const char *damaged, const char *state,
                                int known, const char *valid);

#endif
