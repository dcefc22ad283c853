/*
 * rundir.c - run folders: their names, pruning, temporary folders, the
 * nightly lock and the latest link.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "run.h"

#include "anju.h"
#include "dates.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int
run_list_add(struct run_list *l, const char *s)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((copy = strdup(s)) == NULL)
		return -1;
	l->v[l->n++] = copy;
	return 0;
}

void
run_list_free(struct run_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/*
 * Dated run names: the date, then an optional -N. Compiled once; the
 * code stays reachable for the life of the process.
 */
static pcre2_code *
dated_pattern(void)
{
	static pcre2_code *re;
	int err;
	PCRE2_SIZE off;

	if (re == NULL)
		re = pcre2_compile((PCRE2_SPTR) "^(\\d{4}-\\d{2}-\\d{2})(?:-(["
		                                "1-9]\\d{0,5}))?$",
		                   PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
	return re;
}

bool
run_dir_is_dated(const char *name, unsigned *seq)
{
	pcre2_code *re = dated_pattern();
	pcre2_match_data *md;
	char date[11];
	bool ok = false;

	if (re == NULL ||
	    (md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL)
		return false;
	if (pcre2_match(re, (PCRE2_SPTR)name, PCRE2_ZERO_TERMINATED, 0, 0, md,
	                NULL) < 0)
		goto out;
	memcpy(date, name, 10);
	date[10] = '\0';
	if (!date_is_iso(date))
		goto out;
	if (name[10] == '\0') {
		ok = true;
		if (seq != NULL)
			*seq = 1;
	} else {
		unsigned long n = strtoul(name + 11, NULL, 10);

		/* "-1" is never written: the first run has no suffix. */
		ok = n >= 2;
		if (ok && seq != NULL)
			*seq = (unsigned)n;
	}
out:
	pcre2_match_data_free(md);
	return ok;
}

int
run_dir_name(const char *date, char *const *names, size_t n, char *out,
             size_t outlen)
{
	unsigned highest = 0, seq;
	int len;

	for (size_t i = 0; i < n; i++)
		if (strncmp(names[i], date, 10) == 0 &&
		    run_dir_is_dated(names[i], &seq) && seq > highest)
			highest = seq;
	if (highest == 0)
		len = snprintf(out, outlen, "%s", date);
	else
		len = snprintf(out, outlen, "%s-%u", date, highest + 1);
	return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

struct dated {
	size_t index;
	const char *name;
	unsigned seq;
};

/* Newest first: later date, then higher suffix. */
static int
newest_first(const void *a, const void *b)
{
	const struct dated *x = a, *y = b;
	int c = strncmp(y->name, x->name, 10);

	if (c != 0)
		return c;
	return (y->seq > x->seq) - (y->seq < x->seq);
}

long
run_newest(char *const *names, size_t n, const char *before)
{
	struct dated best = {0, NULL, 0}, d;
	long index = -1;

	for (size_t i = 0; i < n; i++) {
		d = (struct dated){i, names[i], 0};
		if (!run_dir_is_dated(names[i], &d.seq) ||
		    (before != NULL && strncmp(names[i], before, 10) >= 0))
			continue;
		if (index < 0 || newest_first(&d, &best) < 0) {
			best = d;
			index = (long)i;
		}
	}
	return index;
}

size_t
run_prune_choose(char *const *names, size_t n, size_t keep, const char *protect,
                 size_t *victims)
{
	struct dated *d;
	size_t nd = 0, nv = 0;
	unsigned seq;

	if (n == 0 || (d = calloc(n, sizeof(*d))) == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (run_dir_is_dated(names[i], &seq))
			d[nd++] = (struct dated){i, names[i], seq};
	qsort(d, nd, sizeof(*d), newest_first);
	for (size_t i = keep; i < nd; i++)
		if (protect == NULL || strcmp(d[i].name, protect) != 0)
			victims[nv++] = d[i].index;
	free(d);
	return nv;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
run_remove_tree(const char *path)
{
	/* Depth first so folders are empty when removed; never follow a
	 * symlink out of the tree. */
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Remove PATH unless a live run holds its flock. Returns 1 if removed, 0
 * if a run holds it (or it is gone), -1 with errno set when it could not
 * be removed (another user's leftover, say).
 */
static int
remove_if_unheld(const char *path)
{
	struct stat st;
	int fd, rc = 0;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) == 0 ? 1 : -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		rc = run_remove_tree(path) == 0 ? 1 : -1;
	close(fd);
	return rc;
}

int
run_remove_leftovers(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t plen = strlen(prefix);
	char path[4096];
	int removed = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, plen) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		switch (remove_if_unheld(path)) {
		case 1:
			anju_msg(path, 0, "removed what a killed run left");
			removed++;
			break;
		case -1:
			/* Said every night until someone removes it: it may
			 * be a whole run's worth of disk. */
			anju_msg(path, 0,
			         "cannot remove what an earlier run left: %s",
			         strerror(errno));
			break;
		}
	}
	closedir(d);
	return removed;
}

char *
run_make_temp(const char *dir, const char *prefix, int *fd)
{
	char *path = NULL;
	mode_t mode;
	int saved;

	*fd = -1;
	if (asprintf(&path, "%s/%sXXXXXX", dir, prefix) < 0)
		return NULL;
	if (mkdtemp(path) == NULL)
		goto fail;
	/* mkdtemp() makes it 0700; a published run is as readable as any
	 * folder the operator makes. */
	mode = umask(0);
	umask(mode);
	chmod(path, 0777 & ~mode);
	/* Held until we exit, so a concurrent clean-up leaves it alone. */
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 || flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		saved = errno;
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		rmdir(path);
		errno = saved;
		goto fail;
	}
	return path;
fail:
	saved = errno;
	free(path);
	errno = saved;
	return NULL;
}

/*
 * The pid the lock holder wrote, or 0 when it cannot be read. The holder
 * writes its pid just after it got the lock, so for a moment the file is
 * empty or still names the previous, finished run: wait up to a second for
 * a live pid.
 */
static long
lock_holder(int fd)
{
	char buf[32];
	ssize_t n;
	long pid;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
			if (pid > 0 &&
			    (kill((pid_t)pid, 0) == 0 || errno == EPERM))
				return pid;
		}
		usleep(10000);
	}
	return 0;
}

int
run_lock(const char *runs, int *fd)
{
	char path[4096];
	long holder;

	snprintf(path, sizeof(path), "%s/.lock", runs);
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (*fd < 0) {
		anju_msg(path, 0, "cannot create the lock file: %s",
		         strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		holder = lock_holder(*fd);
		if (holder > 0)
			anju_msg(path, 0,
			         "another run (pid %ld) holds the lock; "
			         "nothing done",
			         holder);
		else
			anju_msg(path, 0,
			         "another run holds the lock; nothing done");
		close(*fd);
		*fd = -1;
		return ANJU_EXIT_TEMPFAIL;
	}
	/* The file stays; only the flock says whether a run is live. */
	if (ftruncate(*fd, 0) != 0 ||
	    dprintf(*fd, "%ld\n", (long)getpid()) < 0) {
		anju_msg(path, 0, "cannot write the lock file: %s",
		         strerror(errno));
		close(*fd);
		*fd = -1;
		return ANJU_EXIT_CANTCREAT;
	}
	return 0;
}

void
run_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int
run_point_latest(const char *dir, const char *name)
{
	char tmp[4096], latest[4096];
	int saved;

	snprintf(tmp, sizeof(tmp), "%s/.latest.tmp-%ld", dir, (long)getpid());
	snprintf(latest, sizeof(latest), "%s/latest", dir);
	unlink(tmp);
	/* Relative, so the runs folder can be moved or mounted elsewhere. */
	if (symlink(name, tmp) != 0)
		return -1;
	if (rename(tmp, latest) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	run_sync_dir(dir);
	return 0;
}
