/* supervisor.c: the scan supervisor, a process apart from the network front end that only runs the stage pipeline. */
/*
 * aura-serve forks this process before it seals itself.  The front end (HTTP, upstream
 * transfers, the cache) may never execute anything; when a file is to be scanned it sends
 * the cached file's path over a socket, and the supervisor runs
 *   aura-fetch -- PATH | aura-unpack | aura-parse | aura-rewrite | aura-analyze | aura-score
 * by executing the stage programs directly (no shell), and answers with the driver's exit
 * status (0 clean, 1 gate reached, 2 incomplete) and aura-score's JSON verdicts.  Sealed,
 * the supervisor may execute only those six programs (Landlock execute rights on them and
 * on the ELF interpreter that loads them) and write nothing but the results database.
 * Each stage then seals itself as usual; the supervisor's filters stay on them too.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "opts.h"
#include "proxy.h"
#include "sandbox.h"
#include "supervisor.h"

static const char *const stage_names[] = { "aura-fetch", "aura-unpack", "aura-parse", "aura-rewrite",
					   "aura-analyze", "aura-score" };
#define NSTAGES (sizeof stage_names / sizeof stage_names[0])

static char *stage_paths[NSTAGES];
static const char *policy_file;	/* --policy, or the per-user default when it exists */
static int supervisor_fd = -1;	/* the front end's end of the socket */
static pid_t supervisor_pid;

/* Read or write exactly n bytes (a short count is an error: the peer went away). */
static bool full_io(int fd, void *p, size_t n, bool writing)
{
	char *c = p;
	while (n > 0) {
		ssize_t got = writing ? write(fd, c, n) : read(fd, c, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		c += got;
		n -= (size_t)got;
	}
	return true;
}

/* The ELF interpreter of this program (and of the stages, built alike), from PT_INTERP. */
static int find_interp(struct dl_phdr_info *info, size_t size, void *out)
{
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_INTERP) {
			*(const char **)out = (const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
			return 1;
		}
	return 1;	/* only the first object (the program itself) matters */
}

/*
 * Run the pipeline on `path`: the verdict records into *out (malloc'd, *len bytes), the
 * status as the driver would give it.
 */
static int run_pipeline(const char *path, char **out, size_t *len)
{
	const char *argv[NSTAGES][14];
	for (size_t s = 0; s < NSTAGES; s++) {
		int n = 0;
		argv[s][n++] = stage_names[s];
		if (aura_opts.no_sandbox)
			argv[s][n++] = "--no-sandbox";
		if (s == 0) {
			argv[s][n++] = "--";
			argv[s][n++] = path;
		}
		if (s == NSTAGES - 1) {
			argv[s][n++] = "--format";
			argv[s][n++] = "json";
			argv[s][n++] = "--fail-level";
			argv[s][n++] = cfg.fail_level;
			if (cfg.db) {
				argv[s][n++] = "--db";
				argv[s][n++] = cfg.db;
			}
			if (policy_file) {
				argv[s][n++] = "--policy";
				argv[s][n++] = policy_file;
			}
		}
		argv[s][n] = NULL;
	}
	pid_t pids[NSTAGES];
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC), result[2] = { -1, -1 };
	size_t started = 0;
	for (; started < NSTAGES; started++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			break;
		pid_t pid = fork();
		if (pid < 0) {
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			if (in >= 0)
				dup2(in, STDIN_FILENO);
			dup2(p[1], STDOUT_FILENO);
			signal(SIGPIPE, SIG_DFL);	/* the supervisor ignores it; a stage must not */
			execv(stage_paths[started], (char *const *)argv[started]);
			fprintf(stderr, "aura-serve: supervisor: cannot run %s: %s\n", stage_paths[started],
				strerror(errno));
			_exit(127);
		}
		pids[started] = pid;
		close(p[1]);
		if (in >= 0)
			close(in);
		in = p[0];
	}
	result[0] = in;
	struct buf b = { .max = 256u << 20 };
	char chunk[65536];
	ssize_t got;
	while (result[0] >= 0 && (got = read(result[0], chunk, sizeof chunk)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_add(&b, chunk, (size_t)got);
	}
	if (result[0] >= 0)
		close(result[0]);
	/* The driver's rule: a stage that failed or was killed makes the scan incomplete (2). */
	int status = started == NSTAGES ? 0 : 2;
	for (size_t s = 0; s < started; s++) {
		int ws;
		while (waitpid(pids[s], &ws, 0) < 0 && errno == EINTR)
			;
		int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
		if (s + 1 < NSTAGES && code != 0) {
			fprintf(stderr, "aura-serve: %s %s (%d); the scan is incomplete\n", stage_names[s],
				code > 128 ? "was killed by signal" : "failed with exit", code > 128 ? code - 128 : code);
			status = 2;
		} else if (s + 1 == NSTAGES && status == 0) {
			status = code > 2 ? 2 : code;
		}
	}
	if (b.failed)
		status = 2;
	*out = b.data;
	*len = b.len;
	return status;
}

/* The supervisor's loop: one request (a path) at a time, until the front end goes away. */
static _Noreturn void serve_requests(int fd)
{
	for (;;) {
		uint32_t n;
		if (!full_io(fd, &n, sizeof n, false) || n == 0 || n > 8192)
			_exit(0);
		char path[8193];
		if (!full_io(fd, path, n, false))
			_exit(0);
		path[n] = '\0';
		char *out = NULL;
		size_t len = 0;
		int32_t status = run_pipeline(path, &out, &len);
		uint32_t olen = (uint32_t)len;
		bool ok = full_io(fd, &status, sizeof status, true) && full_io(fd, &olen, sizeof olen, true) &&
			  full_io(fd, out ? out : "", len, true);
		free(out);
		if (!ok)
			_exit(0);
	}
}

bool supervisor_start(const char *stage_dir)
{
	for (size_t s = 0; s < NSTAGES; s++)
		if (asprintf(&stage_paths[s], "%s/%s", stage_dir, stage_names[s]) < 0)
			aura_oom();
	policy_file = cfg.policy;
	if (!policy_file) {	/* aura scan's default: the per-user file, when there is one */
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		char *def = NULL;
		if ((xdg && *xdg ? asprintf(&def, "%s/aura/policy.yaml", xdg)
				 : asprintf(&def, "%s/.config/aura/policy.yaml", home ? home : "/nonexistent")) < 0)
			aura_oom();
		if (access(def, F_OK) == 0)
			policy_file = def;
		else
			free(def);
	}
	const char *interp = NULL;
	dl_iterate_phdr(find_interp, &interp);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		aura_warn("cannot make the supervisor's socket: %s", strerror(errno));
		return false;
	}
	supervisor_pid = fork();
	if (supervisor_pid < 0) {
		aura_warn("cannot start the supervisor: %s", strerror(errno));
		return false;
	}
	if (supervisor_pid == 0) {
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		/* Landlock: read everywhere (the cached files, rules, policy, libraries), execute
		 * only the stages and their loader, write only the results database's directory. */
		struct sandbox_grant grants[NSTAGES + 3];
		int ng = 0;
		grants[ng++] = (struct sandbox_grant){ .path = "/", .fd = -1, .access = SANDBOX_READ };
		for (size_t s = 0; s < NSTAGES; s++)
			grants[ng++] = (struct sandbox_grant){ .path = stage_paths[s], .fd = -1,
							       .access = SANDBOX_READ | SANDBOX_EXEC };
		if (interp)
			grants[ng++] = (struct sandbox_grant){ .path = interp, .fd = -1,
							       .access = SANDBOX_READ | SANDBOX_EXEC };
		char *db_dir = NULL;
		if (cfg.db) {
			db_dir = strdup(cfg.db);
			char *slash = db_dir ? strrchr(db_dir, '/') : NULL;
			if (slash)
				*slash = '\0';
			grants[ng++] = (struct sandbox_grant){ .path = slash ? db_dir : ".", .fd = -1,
							       .access = SANDBOX_READ | SANDBOX_WRITE };
		}
		sandbox_enter(SANDBOX_SERVE_SUPERVISOR, grants, ng);
		serve_requests(sv[1]);
	}
	close(sv[1]);
	supervisor_fd = sv[0];
	return true;
}

int supervisor_wait(void)
{
	int ws;
	while (waitpid(supervisor_pid, &ws, 0) < 0)
		if (errno != EINTR)
			return AURA_EXIT_FATAL;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int supervisor_scan(const char *path, struct buf *out)
{
	uint32_t n = (uint32_t)strlen(path);
	int32_t status;
	uint32_t len;
	if (!full_io(supervisor_fd, &n, sizeof n, true) || !full_io(supervisor_fd, (void *)path, n, true) ||
	    !full_io(supervisor_fd, &status, sizeof status, false) ||
	    !full_io(supervisor_fd, &len, sizeof len, false)) {
		aura_warn("the scan supervisor is gone");
		return -1;
	}
	char *data = malloc((size_t)len + 1);
	if (!data || !full_io(supervisor_fd, data, len, false)) {
		free(data);
		return -1;
	}
	buf_add(out, data, len);
	free(data);
	return status;
}
