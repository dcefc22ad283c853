/* csvout.c - atomic CSV writer on top of libcsv's csv_fwrite(). */
#include "csvout.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct csvout {
	FILE *f;
	int flags;
	char *path;
	char *tmp;
	int failed;
};

struct csvout *
csvout_open(const char *path, int flags, char *err, size_t errlen)
{
	struct csvout *w = calloc(1, sizeof(*w));
	size_t n = strlen(path) + 32;

	if (w == NULL || (w->path = strdup(path)) == NULL ||
	    (w->tmp = malloc(n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	w->flags = flags;
	w->f = fopen(w->tmp, "wb");
	if (w->f == NULL) {
		snprintf(err, errlen, "cannot create %s: %s", path,
		         strerror(errno));
		goto fail;
	}
	if ((flags & CSVOUT_BOM) && fputs("\xEF\xBB\xBF", w->f) == EOF)
		w->failed = 1;
	return w;
fail:
	if (w != NULL) {
		free(w->path);
		free(w->tmp);
		free(w);
	}
	return NULL;
}

char *
csvout_neutralise(const char *cell)
{
	char *out;
	size_t n;

	if (cell == NULL || strchr("=+-@\t\r", cell[0]) == NULL ||
	    cell[0] == '\0')
		return NULL;
	n = strlen(cell);
	out = malloc(n + 2);
	if (out == NULL)
		return NULL;
	out[0] = '\'';
	memcpy(out + 1, cell, n + 1);
	return out;
}

int
csvout_row(struct csvout *w, const char *const *cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *c = cells[i] ? cells[i] : "";
		char *safe =
		    (w->flags & CSVOUT_SAFE) ? csvout_neutralise(c) : NULL;

		/* The writer's FILE is its own: no stdio lock per call. */
		if (i > 0 && fputc_unlocked(',', w->f) == EOF)
			w->failed = 1;
		if (safe != NULL)
			c = safe;
		/* Quote only when needed so plain files stay readable. */
		if (strpbrk(c, ",\"\r\n") != NULL) {
			if (csv_fwrite(w->f, c, strlen(c)) != 0)
				w->failed = 1;
		} else if (fputs_unlocked(c, w->f) == EOF && *c != '\0') {
			w->failed = 1;
		}
		free(safe);
	}
	if (fputs_unlocked((w->flags & CSVOUT_CRLF) ? "\r\n" : "\n", w->f) ==
	    EOF)
		w->failed = 1;
	return w->failed ? -1 : 0;
}

static void
csvout_free(struct csvout *w)
{
	free(w->path);
	free(w->tmp);
	free(w);
}

int
csvout_close(struct csvout *w, char *err, size_t errlen)
{
	int rc = 0;

	/* Not fsync'ed: the rename below never shows a reader half a file,
	 * and anju-run syncs a whole run once before publishing it (as for
	 * the workspace, see db_open()). */
	if (fflush(w->f) != 0 || ferror(w->f) || w->failed) {
		snprintf(err, errlen, "cannot write %s: %s", w->path,
		         strerror(errno ? errno : EIO));
		rc = -1;
	}
	if (fclose(w->f) != 0 && rc == 0) {
		snprintf(err, errlen, "cannot write %s: %s", w->path,
		         strerror(errno));
		rc = -1;
	}
	if (rc == 0 && rename(w->tmp, w->path) != 0) {
		snprintf(err, errlen, "cannot rename into %s: %s", w->path,
		         strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		unlink(w->tmp);
	csvout_free(w);
	return rc;
}

void
csvout_abort(struct csvout *w)
{
	if (w == NULL)
		return;
	fclose(w->f);
	unlink(w->tmp);
	csvout_free(w);
}
