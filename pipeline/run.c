/*
 * run.c - run the stages one after another in a temporary folder and
 * publish the folder only when every stage succeeded.
 *
 * The stages are separate executables beside anju-run. Each runs as a
 * child whose stderr is ours, so its messages reach the log unchanged; a
 * child dies with anju-run (PR_SET_PDEATHSIG), so a killed run leaves no
 * stage writing into a folder the next run will remove.
 */
#include "run.h"

#include "anju.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STAGES 8

/* Set by the handler; the child is told to stop from inside it. */
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t child_pid;

/* One run in progress. */
struct run {
	const struct run_options *opt;
	char bindir[PATH_MAX];
	char as_of[11];
	char *tmp; /* temporary run folder, NULL once published */
	int tmpfd; /* its flock, so clean-ups leave it alone */
	char db[PATH_MAX];
	const char *previous;
	struct run_stage stages[MAX_STAGES];
	size_t nstages;
	bool tty;
};

static const char *const stage_names[] = {"ingest", "match", "verify", "diff",
                                          "report"};

static void
on_signal(int sig)
{
	got_signal = sig;
	if (child_pid > 0)
		kill((pid_t)child_pid, SIGTERM);
}

/* SIGTERM, SIGINT, SIGHUP: stop the stage, then clean up and exit. */
static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: waitpid() returns EINTR and we look at the flag. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The folder holding anju-run, where the stage executables live too. */
static int
find_bindir(struct run *r)
{
	ssize_t n =
	    readlink("/proc/self/exe", r->bindir, sizeof(r->bindir) - 1);
	char *slash;

	if (n <= 0) {
		anju_msg("/proc/self/exe", 0, "cannot read: %s",
		         strerror(errno));
		return ANJU_EXIT_SOFTWARE;
	}
	r->bindir[n] = '\0';
	if ((slash = strrchr(r->bindir, '/')) != NULL)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(stage_names) / sizeof(*stage_names);
	     i++) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/anju-%s", r->bindir,
		         stage_names[i]);
		if (access(path, X_OK) != 0) {
			anju_msg(path, 0, "stage executable missing: %s",
			         strerror(errno));
			return ANJU_EXIT_SOFTWARE;
		}
	}
	return 0;
}

/* In the child: output to the log, die with the parent, default
 * signals, then exec. */
static void
exec_stage(const char *path, char **argv, pid_t parent)
{
	sigset_t none;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The log is stderr: a stage's report lines belong there too. */
	dup2(STDERR_FILENO, STDOUT_FILENO);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may have died before prctl() took effect. */
	if (getppid() != parent)
		_exit(ANJU_EXIT_SOFTWARE);
	execv(path, argv);
	anju_msg(path, 0, "cannot run: %s", strerror(errno));
	_exit(ANJU_EXIT_SOFTWARE);
}

/*
 * The code anju-run passes on for a stage that exited with CODE: the
 * stage's own when it is one of anju's, 70 otherwise. A stage's 64 means
 * anju-run called it wrongly, which is anju-run's fault, not the
 * operator's command line.
 */
static int
stage_code(int code, const char *name)
{
	switch (code) {
	case ANJU_EXIT_OK:
	case ANJU_EXIT_DATAERR:
	case ANJU_EXIT_NOINPUT:
	case ANJU_EXIT_SOFTWARE:
	case ANJU_EXIT_CANTCREAT:
	case ANJU_EXIT_TEMPFAIL:
		return code;
	default:
		anju_msg(NULL, 0,
		         "%s: exit %d is not one of anju's (internal "
		         "error)",
		         name, code);
		return ANJU_EXIT_SOFTWARE;
	}
}

/* Wait for PID; returns the stage's exit code or ANJU_EXIT_SOFTWARE. */
static int
wait_stage(pid_t pid, const char *name)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			anju_msg(NULL, 0, "%s: waitpid: %s", name,
			         strerror(errno));
			return ANJU_EXIT_SOFTWARE;
		}
	if (WIFEXITED(status))
		return stage_code(WEXITSTATUS(status), name);
	anju_msg(NULL, 0, "%s: killed by signal %d", name,
	         WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return ANJU_EXIT_SOFTWARE;
}

/*
 * Run stage STAGE (as NAME in the log) with ARGS (argv[1..], NULL
 * terminated in a run_list). Returns its exit code.
 */
static int
run_stage(struct run *r, const char *stage, const char *name,
          struct run_list *args)
{
	char path[PATH_MAX + 16];
	char **argv = NULL;
	double t0;
	pid_t pid, self;
	int rc;

	if (got_signal)
		return ANJU_EXIT_SOFTWARE;
	snprintf(path, sizeof(path), "%s/anju-%s", r->bindir, stage);
	if ((argv = calloc(args->n + 2, sizeof(*argv))) == NULL)
		return ANJU_EXIT_SOFTWARE;
	argv[0] = path;
	memcpy(argv + 1, args->v, args->n * sizeof(*argv));
	if (r->tty)
		anju_msg(NULL, 0, "%s ...", name);
	t0 = now_seconds();
	fflush(NULL);
	self = getpid();
	if ((pid = fork()) < 0) {
		anju_msg(NULL, 0, "%s: fork: %s", name, strerror(errno));
		free(argv);
		return ANJU_EXIT_SOFTWARE;
	}
	if (pid == 0)
		exec_stage(path, argv, self);
	child_pid = pid;
	/* A signal that came before child_pid was set is passed on here. */
	if (got_signal)
		kill(pid, SIGTERM);
	rc = wait_stage(pid, name);
	child_pid = 0;
	free(argv);
	if (r->nstages < MAX_STAGES) {
		struct run_stage *s = &r->stages[r->nstages++];

		snprintf(s->name, sizeof(s->name), "%s", name);
		s->seconds = now_seconds() - t0;
		s->exit = rc;
	}
	anju_msg(NULL, 0, "%s: %.2f s, exit %d", name, now_seconds() - t0, rc);
	return rc;
}

/* ARGS gets "--db WS" and, when WITH_AS_OF, "--as-of DATE". */
static int
common_args(struct run *r, struct run_list *args, bool with_as_of)
{
	if (run_list_add(args, "--db") || run_list_add(args, r->db))
		return -1;
	if (with_as_of &&
	    (run_list_add(args, "--as-of") || run_list_add(args, r->as_of)))
		return -1;
	return 0;
}

/* FILES[k] of every kind in one anju-ingest, kind after kind: the files
 * of one kind are read while those of the last are stored. */
static int
ingest(struct run *r, const struct run_list files[INBOX_KINDS])
{
	struct run_list args = {0};
	char *dotted = NULL;
	int rc = ANJU_EXIT_SOFTWARE;

	if (common_args(r, &args, true))
		goto out;
	if (r->opt->divisions != NULL &&
	    (run_list_add(&args, "--divisions") ||
	     run_list_add(&args, r->opt->divisions)))
		goto out;
	for (int k = 0; k < INBOX_KINDS; k++) {
		if (files[k].n == 0)
			continue;
		if (run_list_add(&args, "--kind") ||
		    run_list_add(&args, inbox_kind_name((enum inbox_kind)k)))
			goto out;
		for (size_t i = 0; i < files[k].n; i++) {
			const char *f = files[k].v[i];

			/* "./-x.csv": a file, not an option ("--" would end
			 * the --kind options too). */
			if (f[0] == '-') {
				if (asprintf(&dotted, "./%s", f) < 0) {
					dotted = NULL;
					goto out;
				}
				f = dotted;
			}
			if (run_list_add(&args, f))
				goto out;
			free(dotted);
			dotted = NULL;
		}
	}
	rc = run_stage(r, "ingest", "ingest", &args);
out:
	free(dotted);
	run_list_free(&args);
	return rc;
}

/* anju-STAGE --db WS [--as-of D] [--previous P] [--out TMP]. */
static int
later_stage(struct run *r, const char *stage, bool with_as_of,
            const char *previous, bool with_out)
{
	struct run_list args = {0};
	int rc = ANJU_EXIT_SOFTWARE;

	if (common_args(r, &args, with_as_of))
		goto out;
	if (previous != NULL && (run_list_add(&args, "--previous") ||
	                         run_list_add(&args, previous)))
		goto out;
	if (with_out &&
	    (run_list_add(&args, "--out") || run_list_add(&args, r->tmp)))
		goto out;
	rc = run_stage(r, stage, stage, &args);
out:
	run_list_free(&args);
	return rc;
}

static void *
writeback_main(void *arg)
{
	char *path = arg;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		close(fd);
	}
	free(path);
	return NULL;
}

/*
 * Start writing the workspace's dirty pages to the disk, without waiting
 * for them. The next stage then runs while the disk writes, and the sync
 * before publishing (flush_run) waits only for what changed since: on
 * the Fuxin sample that wait drops from about 40 ms to a few. The call
 * itself blocks once the disk's queue is full (0.5 s after a national
 * ingest), so a thread of its own makes it, with every signal blocked:
 * they must reach the thread that waits for the stage. Only a hint: a
 * failure costs nothing but that time, so it is ignored.
 */
static void
start_writeback(const struct run *r)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	char *path = strdup(r->db);

	if (path == NULL || pthread_attr_init(&attr) != 0) {
		free(path);
		return;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, &attr, writeback_main, path) != 0)
		free(path);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
}

/* Every stage in order; stops at the first that fails. */
static int
run_all_stages(struct run *r, const struct run_list files[INBOX_KINDS])
{
	int rc = 0;

	snprintf(r->db, sizeof(r->db), "%s/anju.db", r->tmp);
	rc = ingest(r, files);
	if (rc == 0) {
		start_writeback(r);
		rc = later_stage(r, "match", true, NULL, false);
	}
	if (rc == 0)
		rc = later_stage(r, "verify", true, NULL, true);
	if (rc == 0)
		start_writeback(r);
	/* Also on the first run: everything is new then, and diff.csv and
	 * the first_seen dates exist from night one. */
	if (rc == 0)
		rc = later_stage(r, "diff", true, r->previous, true);
	if (rc == 0)
		rc = later_stage(r, "report", false, NULL, true);
	if (rc == 0 && got_signal)
		rc = ANJU_EXIT_SOFTWARE;
	if (got_signal)
		anju_msg(NULL, 0, "stopped by signal %d; nothing published",
		         (int)got_signal);
	else if (rc != 0)
		anju_msg(NULL, 0, "a stage failed (exit %d); nothing published",
		         rc);
	return rc;
}

/*
 * Get the run's files onto the disk before the rename publishes them, so
 * a power cut never leaves a published run with half-written files.
 */
static void
flush_run(const struct run *r)
{
	if (r->tmpfd >= 0)
		syncfs(r->tmpfd);
}

/* Remove the temporary folder of a run that will not be published. */
static void
discard(struct run *r)
{
	if (r->tmp != NULL && run_remove_tree(r->tmp) != 0 && errno != ENOENT)
		anju_msg(r->tmp, 0, "cannot remove: %s", strerror(errno));
	free(r->tmp);
	r->tmp = NULL;
	if (r->tmpfd >= 0)
		close(r->tmpfd);
	r->tmpfd = -1;
}

/* First line of a run in the log: when, which process, which date. */
static void
log_start(const struct run *r)
{
	char when[40] = "";
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
	anju_msg(NULL, 0, "%s: pid %ld, as of %s", when, (long)getpid(),
	         r->as_of);
}

/* Start a run: as-of date, signal handling, where the stages are. */
static int
begin(struct run *r, const struct run_options *opt)
{
	memset(r, 0, sizeof(*r));
	r->opt = opt;
	r->tmpfd = -1;
	r->tty = isatty(STDERR_FILENO);
	if (opt->as_of != NULL) {
		snprintf(r->as_of, sizeof(r->as_of), "%s", opt->as_of);
	} else {
		/* Decided once and passed to every stage, so a run that
		 * crosses midnight uses one date throughout. */
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(r->as_of, sizeof(r->as_of), "%Y-%m-%d", &tm);
	}
	catch_signals();
	log_start(r);
	return find_bindir(r);
}

static int
write_manifest(struct run *r, const char *mode, const char *run_name,
               time_t started, const struct run_list *superseded,
               const struct run_list *ignored)
{
	struct run_facts f = {
	    .mode = mode,
	    .as_of = r->as_of,
	    .run_name = run_name,
	    .previous = r->previous,
	    .started = started,
	    .finished = time(NULL),
	    .stages = r->stages,
	    .nstages = r->nstages,
	    .superseded = superseded,
	    .ignored = ignored,
	    .exit_status = 0,
	};

	return manifest_write(r->tmp, r->db, &f);
}

enum want { WANT_FILE, WANT_DIR, WANT_ANY };

/* 66 unless PATH exists and is a file or folder as WANT says. */
static int
check_input(const char *path, enum want want)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		anju_msg(path, 0, "%s", strerror(errno));
		return ANJU_EXIT_NOINPUT;
	}
	if (want != WANT_ANY && (want == WANT_DIR) != !!S_ISDIR(st.st_mode)) {
		bool want_dir = want == WANT_DIR;

		anju_msg(path, 0, want_dir ? "not a folder" : "is a folder");
		return ANJU_EXIT_NOINPUT;
	}
	return 0;
}

/* mkdir -p PATH. Returns 0 or -1 with errno set. */
static int
make_dirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* True when PATH is a folder holding nothing. */
static bool
empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (d == NULL)
		return false;
	while (empty && (e = readdir(d)) != NULL)
		empty =
		    strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/*
 * OUT may not exist or may be an empty folder (rename(2) replaces an
 * empty folder); anything else is 73: a run is never overwritten.
 */
static int
check_out(const char *out)
{
	struct stat st;

	if (lstat(out, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		anju_msg(out, 0, "%s", strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	if (S_ISDIR(st.st_mode) && empty_dir(out))
		return 0;
	anju_msg(out, 0,
	         "already exists and is not an empty folder; anju-run never "
	         "overwrites a run (remove it or choose another --out)");
	return ANJU_EXIT_CANTCREAT;
}

/* Split OUT into its parent folder and base name (PARENT, BASE). */
static void
split_path(const char *out, char *parent, size_t plen, char *base, size_t blen)
{
	char buf[PATH_MAX];
	size_t n;
	char *slash;

	snprintf(buf, sizeof(buf), "%s", out);
	/* "runs/x/" names runs/x */
	while ((n = strlen(buf)) > 1 && buf[n - 1] == '/')
		buf[n - 1] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL) {
		snprintf(parent, plen, ".");
		snprintf(base, blen, "%s", buf);
	} else if (slash == buf) {
		snprintf(parent, plen, "/");
		snprintf(base, blen, "%s", slash + 1);
	} else {
		*slash = '\0';
		snprintf(parent, plen, "%s", buf);
		snprintf(base, blen, "%s", slash + 1);
	}
}

/* Explicit inputs all exist; --previous is a folder. */
static int
check_explicit_inputs(const struct run_options *opt)
{
	const struct run_list *lists[] = {&opt->platform, &opt->roster,
	                                  &opt->members};
	int rc;

	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			if ((rc = check_input(lists[l]->v[i], WANT_FILE)) != 0)
				return rc;
	if (opt->divisions != NULL &&
	    (rc = check_input(opt->divisions, WANT_FILE)) != 0)
		return rc;
	if (opt->previous != NULL &&
	    (rc = check_input(opt->previous, WANT_ANY)) != 0)
		return rc;
	return 0;
}

/* Make the temporary folder PARENT/PREFIXxxxxxx for the run. */
static int
make_temp(struct run *r, const char *parent, const char *prefix)
{
	r->tmp = run_make_temp(parent, prefix, &r->tmpfd);
	if (r->tmp == NULL) {
		anju_msg(parent, 0, "cannot create a run folder: %s",
		         strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	return 0;
}

int
run_explicit(const struct run_options *opt)
{
	struct run r;
	const struct run_list files[INBOX_KINDS] = {opt->platform, opt->roster,
	                                            opt->members};
	char parent[PATH_MAX], base[PATH_MAX], prefix[PATH_MAX + 16];
	time_t started = time(NULL);
	int rc;

	if ((rc = begin(&r, opt)) != 0 ||
	    (rc = check_explicit_inputs(opt)) != 0 ||
	    (rc = check_out(opt->out)) != 0)
		return rc;
	r.previous = opt->previous;
	split_path(opt->out, parent, sizeof(parent), base, sizeof(base));
	if (make_dirs(parent) != 0) {
		anju_msg(parent, 0, "cannot create: %s", strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	snprintf(prefix, sizeof(prefix), ".%s.tmp-", base);
	run_remove_leftovers(parent, prefix);
	if ((rc = make_temp(&r, parent, prefix)) != 0)
		return rc;
	if ((rc = run_all_stages(&r, files)) != 0 ||
	    (rc = write_manifest(&r, "explicit", NULL, started, NULL, NULL)) !=
	        0)
		goto out;
	flush_run(&r);
	if (rename(r.tmp, opt->out) != 0) {
		anju_msg(opt->out, 0, "cannot publish the run: %s",
		         strerror(errno));
		rc = ANJU_EXIT_CANTCREAT;
		goto out;
	}
	run_sync_dir(parent);
	free(r.tmp);
	r.tmp = NULL;
	anju_msg(NULL, 0, "published %s", opt->out);
out:
	discard(&r);
	return rc;
}

/* Names in DIR (every entry but . and ..). */
static int
list_dir(const char *dir, struct run_list *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (d == NULL)
		return -1;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = run_list_add(names, e->d_name);
	closedir(d);
	return rc;
}

/* Whether NAME in RUNS is a folder (a file named like a date is no run;
 * the log says so). */
static bool
run_folder(const char *runs, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", runs, name);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	anju_msg(path, 0, "not a run folder: ignored");
	return false;
}

/*
 * The newest run in NAMES (of RUNS) dated before BEFORE (NULL: any) that
 * still has its workspace, or -1; *PASSED counts the runs passed over. A
 * run whose anju.db someone deleted to save space is passed over, with a
 * warning, for the one before it: anju-diff needs the findings, and
 * failing every night until someone notices would stop the county packs.
 * With REDO (the runs of the night being redone, the earlier ones gone),
 * only a run compared with a night before carries the first_seen dates:
 * the newest with its workspace decides (-1 when it carries none), and
 * only those that carried them count as passed over. NAMES entries
 * passed over are emptied.
 */
static long
newest_with_workspace(const char *runs, struct run_list *names,
                      const char *before, bool redo, size_t *passed)
{
	char path[PATH_MAX], db[PATH_MAX + 16];
	bool history;
	long i;

	while ((i = run_newest(names->v, names->n, before)) >= 0) {
		if (!run_folder(runs, names->v[i])) {
			names->v[i][0] = '\0';
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", runs, names->v[i]);
		snprintf(db, sizeof(db), "%s/anju.db", path);
		history = !redo || manifest_had_previous(path);
		if (access(db, F_OK) == 0 || errno != ENOENT)
			return history ? i : -1;
		if (history) {
			anju_msg(
			    db, 0,
			    "missing (deleted by hand?): passed over for an "
			    "older run");
			(*passed)++;
		}
		names->v[i][0] = '\0'; /* no longer a dated run */
	}
	return -1;
}

/*
 * The run this night compares with: the newest run dated before AS_OF (a
 * second run for the same date redoes that night, so it compares with
 * the night before, not with the run it replaces), else, when pruning
 * left none, the newest run of AS_OF itself. Sets *PREVIOUS (malloc'd,
 * NULL when none). A run dated after AS_OF refuses the night: latest and
 * the diffs go forward in time only; so does a runs/latest that is not a
 * link. Returns 0 or an ANJU_EXIT_* code (printed).
 */
static int
previous_run(const char *runs, const char *as_of, char **previous)
{
	struct run_list names = {0};
	char path[PATH_MAX];
	struct stat st;
	long newest, before;
	size_t passed = 0;
	int rc = 0;

	*previous = NULL;
	/* latest must be the link anju moves: a real folder there (a copy
	 * that followed the link) would stop the publishing at the end. */
	snprintf(path, sizeof(path), "%s/latest", runs);
	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode)) {
		anju_msg(path, 0,
		         "not a symbolic link: anju cannot move it to the new "
		         "run; move it away (nothing done)");
		return ANJU_EXIT_CANTCREAT;
	}
	if (list_dir(runs, &names) != 0) {
		anju_msg(runs, 0, "cannot list: %s", strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	newest = run_newest(names.v, names.n, NULL);
	if (newest >= 0 && strncmp(names.v[newest], as_of, 10) > 0) {
		anju_msg(runs, 0,
		         "as of %s is before the newest run, %s: nightly runs "
		         "only go forward in time; redo an earlier night with "
		         "--out DIR --previous RUN instead",
		         as_of, names.v[newest]);
		rc = ANJU_EXIT_USAGE;
	} else if ((before = newest_with_workspace(runs, &names, as_of, false,
	                                           &passed)) >= 0 ||
	           /* a redo whose night before is gone (--keep pruned it):
	            * the run it redoes carries the first_seen dates */
	           (before = newest_with_workspace(runs, &names, NULL, true,
	                                           &passed)) >= 0) {
		snprintf(path, sizeof(path), "%s/%s", runs, names.v[before]);
		if ((*previous = strdup(path)) == NULL)
			rc = ANJU_EXIT_SOFTWARE;
	} else if (passed > 0) {
		/* Going on as a first night would wipe every finding's
		 * first_seen without a word. */
		anju_msg(runs, 0,
		         "no earlier run has its anju.db any more: put one "
		         "back, or move the old runs away to start the history "
		         "afresh (nothing done)");
		rc = ANJU_EXIT_NOINPUT;
	}
	run_list_free(&names);
	return rc;
}

/* Delete the dated runs beyond KEEP, never NEWEST. */
static void
prune(const char *runs, long keep, const char *newest)
{
	struct run_list names = {0};
	size_t *victims = NULL, nv;
	char path[PATH_MAX];

	if (list_dir(runs, &names) != 0 ||
	    (victims = calloc(names.n + 1, sizeof(*victims))) == NULL)
		goto out;
	nv = run_prune_choose(names.v, names.n, (size_t)keep, newest, victims);
	for (size_t i = 0; i < nv; i++) {
		char gone[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", runs,
		         names.v[victims[i]]);
		/* Out of the dated runs in one step first: a run killed while
		 * deleting leaves a .tmp- folder the next run removes, never
		 * half a dated run. */
		snprintf(gone, sizeof(gone), "%s/.tmp-pruned-%s", runs,
		         names.v[victims[i]]);
		if (rename(path, gone) != 0 || run_remove_tree(gone) != 0)
			anju_msg(path, 0, "cannot prune: %s", strerror(errno));
		else
			anju_msg(path, 0, "pruned (--keep %ld)", keep);
	}
out:
	free(victims);
	run_list_free(&names);
}

/* Lock the runs folder, creating it first if needed. */
static int
prepare_runs(const char *runs, int *lockfd)
{
	struct stat st;

	if (make_dirs(runs) != 0 || stat(runs, &st) != 0) {
		anju_msg(runs, 0, "cannot create the runs folder: %s",
		         strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	if (!S_ISDIR(st.st_mode)) {
		anju_msg(runs, 0, "not a folder; cannot hold runs");
		return ANJU_EXIT_CANTCREAT;
	}
	return run_lock(runs, lockfd);
}

/*
 * Warn about inbox FILES (paths) changed in the last two minutes: one may still
 * be being copied in, and is then read as far as it got (README: upload
 * under another name and rename when done). A warning, not a refusal: a
 * night must not be lost to a clock that is off.
 */
static void
warn_if_fresh(const struct run_list files[INBOX_KINDS])
{
	time_t now = time(NULL);
	struct stat st;

	for (int k = 0; k < INBOX_KINDS; k++)
		for (size_t i = 0; i < files[k].n; i++) {
			const char *path = files[k].v[i];

			if (stat(path, &st) == 0 && now - st.st_mtime < 120 &&
			    now >= st.st_mtime)
				anju_msg(path, 0,
				         "changed %ld s ago: if it was still "
				         "being copied in, only part of it is "
				         "read",
				         (long)(now - st.st_mtime));
		}
}

/* The inbox must give a platform and a roster export. */
static int
pick_inputs(const struct run_options *opt, struct run_list files[],
            struct run_list *superseded, struct run_list *ignored)
{
	static const char *const prefixes[] = {
	    "platform, 危房, 农户档案 or 住房安全",
	    "roster, 花名册 or 建档立卡"};
	int rc = inbox_scan(opt->inbox, files, superseded, ignored);

	if (rc != 0)
		return rc;
	for (int k = INBOX_PLATFORM; k <= INBOX_ROSTER; k++)
		if (files[k].n == 0) {
			anju_msg(
			    opt->inbox, 0,
			    "no %s export (a .csv, .tsv or .txt file whose "
			    "name starts with %s, or whose header row is one)",
			    inbox_kind_name((enum inbox_kind)k), prefixes[k]);
			return ANJU_EXIT_NOINPUT;
		}
	warn_if_fresh(files);
	/* In the log too: an operator reading it learns which files the
	 * night left out, not only the manifest. */
	for (size_t i = 0; i < superseded->n; i++)
		anju_msg(opt->inbox, 0, "%s: older version, not used",
		         superseded->v[i]);
	for (size_t i = 0; i < ignored->n; i++)
		anju_msg(opt->inbox, 0, "%s: not an export, not used",
		         ignored->v[i]);
	return 0;
}

/* Move the finished TMP to RUNS/NAME and point latest at it. */
static int
publish(struct run *r, const char *runs, const char *name)
{
	char dest[PATH_MAX];

	snprintf(dest, sizeof(dest), "%s/%s", runs, name);
	flush_run(r);
	if (renameat2(AT_FDCWD, r->tmp, AT_FDCWD, dest, RENAME_NOREPLACE) !=
	    0) {
		anju_msg(dest, 0, "cannot publish the run: %s",
		         strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	free(r->tmp);
	r->tmp = NULL;
	run_sync_dir(runs);
	if (run_point_latest(runs, name) != 0) {
		anju_msg(runs, 0, "published %s but cannot move latest: %s",
		         name, strerror(errno));
		return ANJU_EXIT_CANTCREAT;
	}
	anju_msg(dest, 0, "published; latest points to it");
	return 0;
}

int
run_nightly(const struct run_options *opt)
{
	struct run r;
	struct run_list files[INBOX_KINDS] = {{0}}, superseded = {0},
	                ignored = {0}, names = {0};
	char name[32];
	time_t started = time(NULL);
	int lockfd = -1, rc;
	char *previous = NULL;

	if ((rc = begin(&r, opt)) != 0 ||
	    (rc = check_input(opt->inbox, WANT_DIR)) != 0 ||
	    (rc = prepare_runs(opt->runs, &lockfd)) != 0)
		goto out;
	run_remove_leftovers(opt->runs, ".tmp-");
	run_remove_leftovers(opt->runs, ".latest.tmp-");
	if ((rc = pick_inputs(opt, files, &superseded, &ignored)) != 0)
		goto out;
	if ((rc = previous_run(opt->runs, r.as_of, &previous)) != 0)
		goto out;
	r.previous = previous;
	if ((rc = make_temp(&r, opt->runs, ".tmp-")) != 0 ||
	    (rc = run_all_stages(&r, files)) != 0)
		goto out;
	/* We hold the lock, so the name stays free until we rename. */
	if (list_dir(opt->runs, &names) != 0 ||
	    run_dir_name(r.as_of, names.v, names.n, name, sizeof(name)) != 0) {
		anju_msg(opt->runs, 0, "cannot list: %s", strerror(errno));
		rc = ANJU_EXIT_CANTCREAT;
		goto out;
	}
	if ((rc = write_manifest(&r, "nightly", name, started, &superseded,
	                         &ignored)) != 0 ||
	    (rc = publish(&r, opt->runs, name)) != 0)
		goto out;
	prune(opt->runs, opt->keep, name);
out:
	discard(&r);
	for (int k = 0; k < INBOX_KINDS; k++)
		run_list_free(&files[k]);
	run_list_free(&superseded);
	run_list_free(&ignored);
	run_list_free(&names);
	free(previous);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
