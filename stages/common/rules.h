/*
 * rules.h - the settings of schemas/rules.conf: the deadlines and limits
 * of the V-findings (anju-verify) and the rectification deadline
 * (anju-report). One parser, so both stages agree on what is valid.
 */
#ifndef ANJU_RULES_H
#define ANJU_RULES_H

/* Deadlines and limits; defaults in schemas/rules.conf (SPEC 5). */
struct anju_rules {
	long start_days;      /* V02: started, not completed after N days */
	long completion_days; /* V03: completed, not accepted after N */
	double repair_min;    /* V09: 修缮加固 subsidy range, yuan */
	double repair_max;
	double rebuild_min; /* V09: rebuilds, new builds, 置换 */
	double rebuild_max;
	long small_people;      /* V09: households of up to N people ... */
	double small_area;      /* ... may build up to this many m² ... */
	double area_per_person; /* ... larger ones this many m² a person */
	long rectify_days;      /* anju-report: 变化 counts findings open
	                           longer than this as past the deadline */
};

/* Fill R with the SPEC's defaults (the values shipped in rules.conf). */
void rules_default(struct anju_rules *r);

/*
 * Read the `key = value` settings of PATH over R ('#' starts a comment,
 * blank lines ignored). Returns 0; ANJU_EXIT_NOINPUT when PATH cannot be
 * opened; ANJU_EXIT_DATAERR for an unknown key, a line without '=', or a
 * value that is not a non-negative number (a whole one for day and people
 * counts). Messages are printed as "PATH:LINE: what is wrong".
 */
int rules_load(const char *path, struct anju_rules *r);

#endif
