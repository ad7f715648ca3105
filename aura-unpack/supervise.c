/* supervise.c: the parent's side of one artifact: open it, fork a worker, relay, account. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "unpack.h"

/* What artifact_end reports: the records that were emitted for one artifact. */
struct tally {
	uint64_t files, hits, errors;
};

/* The worker's output, split into lines as it arrives. */
struct relay {
	const char *id, *path;
	struct tally *t;
	char *buf;
	size_t len, cap, max_line;
	size_t scanned;		/* bytes at the start of buf known to hold no newline */
	bool overlong;		/* a line longer than max_line: the worker was stopped */
};

static void parent_error(struct tally *t, const char *id, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void parent_error(struct tally *t, const char *id, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record_verror(id, path, "", fmt, ap);
	va_end(ap);
	t->errors++;
}

/*
 * Pass one worker line on and count it.  The worker writes only file, hit and error
 * records; anything else means it is not behaving, and is not passed on (a compromised
 * worker must not be able to forge artifact or artifact_end records).  The line is parsed,
 * not matched by its first bytes: {"type":"file","type":"artifact_end"} is refused for
 * its repeated key, so what is counted here is what every later stage reads.
 */
static void relay_line(struct relay *r, const char *line, size_t len)
{
	static const char *const worker_types[] = { "file", "hit", "error", NULL };
	char why[256];
	const char *type = ndjson_line_type(line, len, worker_types, why, sizeof why);
	if (!type) {
		parent_error(r->t, r->id, r->path, "worker sent a line that is not a file, hit or "
			     "error record (%s); dropped", why);
		return;
	}
	if (type == worker_types[0])
		r->t->files++;
	else if (type == worker_types[1])
		r->t->hits++;
	else
		r->t->errors++;
	out_raw(line, len);
}

/*
 * Relay every complete line in the buffer and keep the unfinished tail.  A big record
 * arrives in many reads: the part already searched is not searched again, and the tail
 * moves to the front only when a line was taken from before it (else every read of a
 * 10 MB record would search and move all of it again: quadratic).
 */
static void relay_lines(struct relay *r)
{
	size_t start = 0;
	char *nl;
	while ((nl = memchr(r->buf + r->scanned, '\n', r->len - r->scanned))) {
		size_t len = (size_t)(nl - (r->buf + start));
		relay_line(r, r->buf + start, len);
		start += len + 1;
		r->scanned = start;
	}
	r->scanned = r->len;
	if (start > 0) {
		memmove(r->buf, r->buf + start, r->len - start);
		r->len -= start;
		r->scanned -= start;
	}
}

/* Read what is available; returns bytes read, 0 at end, -1 on error. */
static ssize_t relay_read(struct relay *r, int fd)
{
	if (r->cap - r->len < 65536) {
		r->cap = r->cap * 2 > r->len + 65536 ? r->cap * 2 : r->len + 65536;
		r->buf = xrealloc(r->buf, r->cap);
	}
	ssize_t n;
	do
		n = read(fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		r->len += (size_t)n;
		relay_lines(r);
		if (r->len > r->max_line)
			r->overlong = true;
	}
	return n;
}

/*
 * The worker's scheduler state from /proc/PID/stat ("pid (comm) S ..."; comm may hold
 * spaces and parentheses, so the state follows the last ')'): 'R' running or waiting for
 * a CPU, 'D' waiting on its artifact's disk, 'S' asleep, 'T' stopped.  '?' if unknown.
 */
static char worker_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] ? paren[2] : '?';
}

/*
 * Relay the worker's records until it closes the pipe; false when it had to be stopped
 * for sleeping.  There is no wall-clock deadline: the worker's limit is its own CPU time
 * (RLIMIT_CPU, set in worker_run), so time spent blocked on a slow consumer downstream
 * (while this parent is blocked writing, nothing here counts) or waiting for a busy CPU
 * never costs an artifact.  An honest worker only computes, reads its artifact, or
 * writes to this pipe; one that sleeps (a compromised worker waiting on a futex forever)
 * while the pipe is empty is neither working nor waiting for us.  Each second of silence
 * in which it is found asleep or stopped counts; --timeout of them and it is killed.
 */
static bool relay_until_done(struct relay *r, int fd, pid_t pid)
{
	unsigned asleep = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, 1000);
		if (rc < 0 && errno != EINTR) {
			parent_error(r->t, r->id, r->path, "poll on the worker: %s", strerror(errno));
			return true;
		}
		if (rc == 0) {
			char state = worker_state(pid);
			if ((state == 'S' || state == 'T' || state == 't') &&
			    ++asleep >= unpack_opts.timeout)
				return false;
		}
		if (rc <= 0)
			continue;
		ssize_t n = relay_read(r, fd);
		if (n == 0)
			return true;
		if (n < 0) {
			parent_error(r->t, r->id, r->path, "reading the worker: %s", strerror(errno));
			return true;
		}
		if (r->overlong)
			return true;
	}
}

static void report_exit(struct tally *t, const char *id, const char *path, int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);
		/* SIGXCPU at the soft RLIMIT_CPU; SIGKILL at the hard one only if that failed. */
		if (sig == SIGXCPU)
			parent_error(t, id, path, "worker exceeded the CPU time limit of %u s "
				     "(--timeout); killed", unpack_opts.timeout);
		else
			parent_error(t, id, path, "worker killed by signal %d (SIG%s)%s", sig,
				     abbrev ? abbrev : "?", sig == SIGSYS ? ": a sandbox violation "
				     "(see the message above)" : "");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		parent_error(t, id, path, "worker exited with status %d", WEXITSTATUS(status));
	}
}

/* Fork a worker for the open artifact and relay its records; fills the tally. */
static void run_worker(const struct job *job, struct tally *t)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		parent_error(t, job->id, job->path, "pipe: %s", strerror(errno));
		return;
	}
	/* Nothing buffered may be written twice: the worker inherits our stdio. */
	if (fflush(stdout) != 0)
		aura_die("error writing output: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		parent_error(t, job->id, job->path, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return;
	}
	if (pid == 0) {
		close(pipefd[0]);
		worker_run(job, pipefd[1]);
	}
	close(pipefd[1]);
	/*
	 * The hidden worker self-test runs in the first worker only: the tests show that
	 * one confined worker dying costs only its artifact and the next is read as usual.
	 */
	aura_opts.selftest = NULL;

	/* A record carries at most max_content bytes; JSON escaping can make that 6x. */
	struct relay r = { .id = job->id, .path = job->path, .t = t,
			   .max_line = unpack_opts.max_content * 6 + (1u << 20) };
	bool awake = relay_until_done(&r, pipefd[0], pid);
	if (!awake || r.overlong)
		kill(pid, SIGKILL);
	close(pipefd[0]);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			parent_error(t, job->id, job->path, "waitpid: %s", strerror(errno));
			break;
		}
	}
	if (!awake)
		parent_error(t, job->id, job->path, "worker slept for %u s with nothing to write "
			     "(neither working nor waiting for the next stage); killed",
			     unpack_opts.timeout);
	else if (r.overlong)
		parent_error(t, job->id, job->path, "worker sent a record longer than %zu bytes; "
			     "killed", r.max_line);
	else
		report_exit(t, job->id, job->path, status);
	if (r.len > 0)
		parent_error(t, job->id, job->path, "dropped an unfinished record (%zu bytes) "
			     "from the worker", r.len);
	free(r.buf);
}

/*
 * Open the artifact for the worker.  Opened non-blocking so that a FIFO cannot hang us,
 * then checked to be what the record says it is.  The path itself may be a symlink (the
 * user named it); nothing inside an artifact is ever followed.
 */
static int open_artifact(struct job *job, const char *open_path, const char *kind,
			 struct tally *t)
{
	int fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		parent_error(t, job->id, job->path, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		parent_error(t, job->id, job->path, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	bool is_dir = S_ISDIR(st.st_mode);
	if (!is_dir && !S_ISREG(st.st_mode)) {
		parent_error(t, job->id, job->path, "not a regular file or a directory");
		goto fail;
	}
	if (!kind)
		job->kind = is_dir ? KIND_DIRECTORY : KIND_ARCHIVE;
	else if (strcmp(kind, "archive") == 0)
		job->kind = KIND_ARCHIVE;
	else if (strcmp(kind, "file") == 0)
		job->kind = KIND_FILE;
	else if (strcmp(kind, "directory") == 0)
		job->kind = KIND_DIRECTORY;
	else {
		parent_error(t, job->id, job->path, "unknown artifact kind '%s'", kind);
		goto fail;
	}
	if (is_dir != (job->kind == KIND_DIRECTORY)) {
		parent_error(t, job->id, job->path, "artifact kind is '%s' but the path is %s",
			     kind, is_dir ? "a directory" : "a regular file");
		goto fail;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		parent_error(t, job->id, job->path, "fcntl: %s", strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void artifact_end(const char *id, const struct tally *t)
{
	json_t *rec = record_new("artifact_end");
	json_object_set_new(rec, "artifact", id ? json_string(id) : json_null());
	json_object_set_new(rec, "files", json_integer((json_int_t)t->files));
	json_object_set_new(rec, "hits", json_integer((json_int_t)t->hits));
	json_object_set_new(rec, "errors", json_integer((json_int_t)t->errors));
	/* Crossing a limit is a hit, not an error: the artifact counts as read. */
	json_object_set_new(rec, "complete", json_boolean(t->errors == 0));
	out_record(rec);
	json_decref(rec);
}

void supervise_artifact(const json_t *artifact)
{
	struct tally t = { 0 };
	struct job job = { .id = record_str(artifact, "id"), .path = record_str(artifact, "path"),
			   .fd = -1 };
	/* A path that is not UTF-8 travels exactly in path_raw (base64); `path` is for display. */
	const char *raw = record_str(artifact, "path_raw");
	size_t raw_len = 0;
	char *open_path = raw ? (char *)base64_decode(raw, strlen(raw), &raw_len) : NULL;
	if (open_path)
		open_path[raw_len] = '\0';	/* the decoder leaves room for it */
	if (!job.id || !job.path)
		parent_error(&t, job.id, job.path, "artifact record without a string %s",
			     job.id ? "path" : "id");
	else if (raw && (!open_path || memchr(open_path, '\0', raw_len)))
		parent_error(&t, job.id, job.path, "artifact path_raw is not base64 of a path");
	else if ((job.fd = open_artifact(&job, open_path ? open_path : job.path,
					 record_str(artifact, "kind"), &t)) >= 0) {
		run_worker(&job, &t);
		close(job.fd);
	}
	free(open_path);
	artifact_end(job.id, &t);
}
