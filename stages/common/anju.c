/* anju.c - diagnostics and locations shared by all stages. */
#include "anju.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *progname = "anju";

void
anju_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

const char *
anju_progname(void)
{
	return progname;
}

void
anju_vmsg(const char *file, size_t line, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	if (file != NULL && line > 0)
		fprintf(stderr, "%s:%zu: ", file, line);
	else if (file != NULL)
		fprintf(stderr, "%s: ", file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
anju_msg(const char *file, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	anju_vmsg(file, line, fmt, ap);
	va_end(ap);
}

int
anju_keep(char **buf, size_t *cap, const char *s, size_t len)
{
	char *p;

	if (len + 1 > *cap) {
		if ((p = realloc(*buf, len + 1)) == NULL)
			return -1;
		*buf = p;
		*cap = len + 1;
	}
	memcpy(*buf, s, len);
	(*buf)[len] = '\0';
	return 0;
}

const char *
anju_datadir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("ANJU_DATADIR");
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0') {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0) {
		snprintf(dir, sizeof(dir), "/usr/local/share/anju");
		return dir;
	}
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	/* <prefix>/bin/anju-x -> <prefix>/share/anju */
	if (strlen(dir) + sizeof("/../share/anju") < sizeof(dir))
		strcat(dir, "/../share/anju");
	return dir;
}
