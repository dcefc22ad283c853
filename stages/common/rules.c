/* rules.c - the deadlines and limits of schemas/rules.conf. */
#include "rules.h"

#include "anju.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
rules_default(struct anju_rules *r)
{
	r->start_days = 90;
	r->completion_days = 30;
	r->repair_min = 1000;
	r->repair_max = 20000;
	r->rebuild_min = 10000;
	r->rebuild_max = 50000;
	r->small_people = 2;
	r->small_area = 60;
	r->area_per_person = 18;
	r->rectify_days = 15;
}

/* Trim spaces at both ends of S in place; returns the start. */
static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Parse a non-negative finite number (whole when WHOLE). */
static int
parse_value(const char *s, int whole, double *out)
{
	char *end;
	double v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0 ||
	    (whole && v != floor(v)) || v > 1e12)
		return -1;
	*out = v;
	return 0;
}

/* Store KEY = VALUE into R. Returns 0, -1 unknown key, -2 bad value. */
static int
set_rule(struct anju_rules *r, const char *key, const char *value)
{
	static const struct {
		const char *key;
		int whole;
	} keys[] = {
	    {"start_days", 1},
	    {"completion_days", 1},
	    {"repair_subsidy_min", 0},
	    {"repair_subsidy_max", 0},
	    {"rebuild_subsidy_min", 0},
	    {"rebuild_subsidy_max", 0},
	    {"small_household_people", 1},
	    {"small_household_area_m2", 0},
	    {"area_per_person_m2", 0},
	    {"rectify_days", 1},
	};
	double v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(key, keys[i].key) == 0)
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return -1;
	if (parse_value(value, keys[i].whole, &v) != 0)
		return -2;
	switch (i) {
	case 0:
		r->start_days = (long)v;
		break;
	case 1:
		r->completion_days = (long)v;
		break;
	case 2:
		r->repair_min = v;
		break;
	case 3:
		r->repair_max = v;
		break;
	case 4:
		r->rebuild_min = v;
		break;
	case 5:
		r->rebuild_max = v;
		break;
	case 6:
		r->small_people = (long)v;
		break;
	case 7:
		r->small_area = v;
		break;
	case 8:
		r->area_per_person = v;
		break;
	default:
		r->rectify_days = (long)v;
		break;
	}
	return 0;
}

static int
rules_line(const char *path, size_t lineno, char *line, struct anju_rules *r)
{
	char *hash = strchr(line, '#'), *eq, *key, *value;
	int rc;

	if (hash != NULL)
		*hash = '\0';
	line = trim(line);
	if (*line == '\0')
		return 0;
	if ((eq = strchr(line, '=')) == NULL) {
		anju_msg(path, lineno, "expected 'key = value', found \"%s\"",
		         line);
		return ANJU_EXIT_DATAERR;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	rc = set_rule(r, key, value);
	if (rc == -1) {
		anju_msg(path, lineno, "unknown setting \"%s\"", key);
		return ANJU_EXIT_DATAERR;
	}
	if (rc == -2) {
		anju_msg(path, lineno,
		         "%s: \"%s\" is not a non-negative number%s", key,
		         value,
		         strstr(key, "days") || strstr(key, "people")
		             ? " of whole units"
		             : "");
		return ANJU_EXIT_DATAERR;
	}
	return 0;
}

int
rules_load(const char *path, struct anju_rules *r)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int rc = 0;

	if (f == NULL) {
		anju_msg(path, 0, "cannot read rules: %s", strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	while (rc == 0 && getline(&line, &cap, f) != -1)
		rc = rules_line(path, ++lineno, line, r);
	if (rc == 0 && ferror(f)) {
		anju_msg(path, 0, "cannot read rules: %s", strerror(errno));
		rc = ANJU_EXIT_NOINPUT;
	}
	if (rc == 0 && (r->repair_min > r->repair_max ||
	                r->rebuild_min > r->rebuild_max)) {
		anju_msg(path, 0, "a subsidy minimum is above its maximum");
		rc = ANJU_EXIT_DATAERR;
	}
	free(line);
	fclose(f);
	return rc;
}
