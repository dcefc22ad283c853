/*
 * journal_write_fails.so - an LD_PRELOAD shim for the end-to-end tests:
 * the Nth write (ANJU_FAIL_WRITE=N) to a file whose name ends in
 * "-journal" fails once with EIO, as a failing disk would; every other
 * write goes through. SQLite then gives up the transaction it was in,
 * which a stage must notice instead of going on in autocommit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static atomic_long writes;

/* True once, on the write that is to fail. */
static int
fail_now(int fd)
{
	char link[64], path[4096];
	const char *at = getenv("ANJU_FAIL_WRITE");
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (at == NULL || n < 8)
		return 0;
	path[n] = '\0';
	if (strcmp(path + n - 8, "-journal") != 0)
		return 0;
	return atomic_fetch_add(&writes, 1) + 1 == atol(at);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite64");
	if (fail_now(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite64(fd, buf, n, off);
}
