/* worker.c: the per-artifact child: seal completely, read one artifact, send records up a pipe. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "jsonw.h"
#include "opts.h"
#include "sandbox.h"
#include "unpack.h"
#include "stagehits.h"
#include "strbuf.h"

/* Worker exit statuses the parent reports (3 is the sandbox self-test's "refused"). */
enum { WORKER_OK = 0, WORKER_PIPE_FAILED = 4, WORKER_OOM = 5, WORKER_NO_LIMIT = 6 };

static bool write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		size_t done = (size_t)w;
		while (n > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return true;
}

/*
 * A top-level real as json_dumps(JSON_REAL_PRECISION(4)) writes it: "%.4g", and ".0" when
 * that looks like an integer.  Reals here are entropies rounded to one decimal (0.0-8.0),
 * which four digits print exactly; false for any other shape (an exponent), which the
 * caller leaves to jansson.
 */
static bool format_real4(char buf[32], double v)
{
	int n = snprintf(buf, 32, "%.4g", v);
	if (n <= 0 || n >= 28 || strpbrk(buf, "eEni"))
		return false;
	if (!strchr(buf, '.'))
		memcpy(buf + n, ".0", 3);
	return true;
}

/*
 * The record's line: lib/jsonw (jw_json writes the bytes json_dumps(JSON_COMPACT) writes,
 * without jansson's growing buffer: its copies were an eighth of unpack's CPU time), the
 * top-level reals by format_real4.  NULL when a real has another shape: use jansson.
 */
static const struct jsonw *record_line(json_t *rec)
{
	static struct jsonw w;
	if (!w.buf)
		jw_init(&w);
	jw_reset(&w);
	jw_object_begin(&w);
	const char *key;
	json_t *value;
	json_object_foreach(rec, key, value) {
		jw_key_n(&w, key, strlen(key));
		char real[32];
		if (!json_is_real(value))
			jw_json(&w, value);
		else if (format_real4(real, json_real_value(value)))
			jw_raw_value(&w, real, strlen(real));
		else
			return NULL;
	}
	jw_object_end(&w);
	return &w;
}

void emit(struct unpacker *u, json_t *rec)
{
	const struct jsonw *w = record_line(rec);
	char *dumped = NULL;
	struct iovec iov[2] = { { NULL, 0 }, { "\n", 1 } };
	if (w) {
		iov[0] = (struct iovec){ w->buf, w->len };
	} else {
		dumped = json_dumps(rec, JSON_COMPACT | JSON_REAL_PRECISION(4));
		if (!dumped)
			_exit(WORKER_OOM);
		iov[0] = (struct iovec){ dumped, strlen(dumped) };
	}
	json_decref(rec);
	bool ok = write_all(u->out_fd, iov, 2);
	free(dumped);
	if (!ok)
		_exit(WORKER_PIPE_FAILED);	/* the parent is gone or killed us: stop */
}

/* Member names and libarchive messages may hold any bytes: never let them break a record. */
static json_t *safe_string(const char *s)
{
	return json_string_lossy(s, strlen(s));
}

static json_t *hit_vrecord(struct unpacker *u, const char *detection, int score,
			   const char *severity, const char *path, const char *file_id,
			   const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));
static json_t *hit_vrecord(struct unpacker *u, const char *detection, int score,
			   const char *severity, const char *path, const char *file_id,
			   const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	json_t *hit = hit_new(u->job->id, detection, score, severity, NULL, 0, 0, "");
	if (path)
		json_object_set_new(hit, "path", safe_string(path));
	json_object_set_new(hit, "message", safe_string(msg));
	json_array_append_new(json_object_get(hit, "tags"), json_string("archive"));
	if (file_id)
		json_object_set_new(hit, "file", json_string(file_id));
	free(msg);
	return hit;
}

json_t *hit_record(struct unpacker *u, const char *detection, int score, const char *severity,
		   const char *path, const char *file_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_t *hit = hit_vrecord(u, detection, score, severity, path, file_id, fmt, ap);
	va_end(ap);
	return hit;
}

void emit_hit(struct unpacker *u, const char *detection, int score, const char *severity,
	      const char *path, const char *file_id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(u, hit_vrecord(u, detection, score, severity, path, file_id, fmt, ap));
	va_end(ap);
}

void emit_error(struct unpacker *u, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	emit(u, error_record_new(u->job->id, path ? path : u->job->path, msg));
	aura_warn("%s: %s", path ? path : u->job->path, msg);
	free(msg);
}

void limit_crossed(struct unpacker *u, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	emit_hit(u, HIT_UNPACK(ArchiveBomb), path, NULL, "%s; the rest of the artifact was "
		 "not read", msg);
	free(msg);
	u->stop = true;
}

_Noreturn void worker_run(const struct job *job, int out_fd)
{
	/*
	 * The worker keeps only stderr, the pipe and its artifact: without stdin and stdout a
	 * compromised worker can neither read other artifacts' records nor write records
	 * around the parent's accounting.
	 */
	close(STDIN_FILENO);
	close(STDOUT_FILENO);

	/*
	 * The time limit is CPU time, counted by the kernel for this process alone: a worker
	 * blocked writing to a slow downstream stage, or waiting for a busy machine's CPU,
	 * uses none, so the verdict does not depend on the load.  At the soft limit SIGXCPU
	 * kills the worker; the hard limit (SIGKILL) is the backstop.  Set before sealing,
	 * with or without the sandbox: it is a limit on the work, not a confinement.
	 */
	struct rlimit cpu = { .rlim_cur = unpack_opts.timeout, .rlim_max = unpack_opts.timeout + 1 };
	if (setrlimit(RLIMIT_CPU, &cpu) < 0) {
		aura_warn("setrlimit(RLIMIT_CPU): %s", strerror(errno));
		_exit(WORKER_NO_LIMIT);
	}

	/* An archive or a file: no filesystem at all.  A directory: read-only beneath it. */
	struct sandbox_grant dir = { .path = NULL, .fd = job->fd, .access = SANDBOX_READ };
	bool is_dir = job->kind == KIND_DIRECTORY;
	if (is_dir)
		sandbox_enter(SANDBOX_UNPACK_TREE_WORKER, &dir, 1);
	else
		sandbox_enter(SANDBOX_UNPACK_WORKER, NULL, 0);

	struct unpacker u = { .job = job, .out_fd = out_fd };
	switch (job->kind) {
	case KIND_ARCHIVE: archive_unpack(&u); break;
	case KIND_DIRECTORY: tree_unpack(&u); break;
	case KIND_FILE: single_unpack(&u); break;
	}
	/* _exit: stdio buffers belong to the parent, and atexit handlers are its business. */
	if (close(out_fd) < 0)
		_exit(WORKER_PIPE_FAILED);
	_exit(WORKER_OK);
}
