/*
 * mkdivisions - build the division database shipped with anju.
 *
 *   mkdivisions SRC DB [ALIASES]
 *
 * SRC is a CSV (or a directory of CSVs) with code and name columns; DB is
 * the SQLite file to write. ALIASES is the hand-listed county short-form
 * file; without it, schemas/division_aliases.tsv under the current
 * directory is used when it exists (the build runs at the top of the
 * tree), else the one under anju_datadir().
 */
#include "anju.h"
#include "divisions.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TREE_ALIASES "schemas/division_aliases.tsv"

int
main(int argc, char **argv)
{
	char err[1024];
	int rc;

	anju_set_progname("mkdivisions");
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("mkdivisions (anju) %s\n", ANJU_VERSION);
		return ANJU_EXIT_OK;
	}
	if (argc < 3 || argc > 4 || argv[1][0] == '-') {
		fprintf(stderr, "usage: mkdivisions SRC DB [ALIASES]\n");
		return ANJU_EXIT_USAGE;
	}
	if (argc == 4)
		rc = divisions_build_aliases(argv[1], argv[2], argv[3], err,
		                             sizeof(err));
	else if (access(TREE_ALIASES, R_OK) == 0)
		rc = divisions_build_aliases(argv[1], argv[2], TREE_ALIASES,
		                             err, sizeof(err));
	else
		rc = divisions_build(argv[1], argv[2], err, sizeof(err));
	if (rc != ANJU_EXIT_OK)
		anju_msg(NULL, 0, "%s", err);
	return rc;
}
