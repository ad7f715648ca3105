/* sandbox.c: entering a stage's sandbox (rlimits, no_new_privs, Landlock, seccomp). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "opts.h"
#include "sandbox.h"

/*
 * A violation traps (SIGSYS) instead of killing silently: the handler names the stage and
 * the system call on stderr, then dies of SIGSYS so the parent still sees the signal.
 * Names are resolved before sealing, because the handler may not allocate.
 */
#define MAX_SYSCALL 512
static char *syscall_names[MAX_SYSCALL];

static size_t append(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static void on_sigsys(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	char msg[256], num[16];
	int nr = info->si_syscall, i = sizeof num - 1;
	unsigned v = nr < 0 ? 0 : (unsigned)nr;
	num[i] = '\0';
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	size_t n = append(msg, 0, sizeof msg, aura_progname);
	n = append(msg, n, sizeof msg, ": sandbox violation: system call ");
	n = append(msg, n, sizeof msg, num + i);
	n = append(msg, n, sizeof msg, " (");
	n = append(msg, n, sizeof msg,
		   nr >= 0 && nr < MAX_SYSCALL && syscall_names[nr] ? syscall_names[nr] : "?");
	n = append(msg, n, sizeof msg, ") is not allowed in this stage; terminating\n");
	(void)!write(STDERR_FILENO, msg, n);
	raise(SIGSYS);	/* SA_RESETHAND: the default action, death by SIGSYS */
	_exit(128 + SIGSYS);
}

static void resolve_syscall_names(void)
{
	for (int nr = 0; nr < MAX_SYSCALL; nr++)
		if (!syscall_names[nr])
			syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

static void install_sigsys_reporter(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER };
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		aura_die("sandbox: sigaction(SIGSYS): %s", strerror(errno));
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *r)
{
	int nr = seccomp_syscall_resolve_name(r->name);
	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a syscall on this architecture */
	uint32_t action = r->action == SC_ERRNO ? SCMP_ACT_ERRNO((uint32_t)r->errno_value)
						: SCMP_ACT_ALLOW;
	struct scmp_arg_cmp cmp[SC_MAX_TESTS];
	for (int i = 0; i < r->ntests; i++) {
		const struct sc_test *t = &r->tests[i];
		scmp_datum_t value = t->self_pid ? (scmp_datum_t)getpid() : t->value;
		bool whole = t->mask == ~0ULL;	/* a plain comparison, not a masked one */
		cmp[i] = (struct scmp_arg_cmp){
			.arg = (unsigned)t->arg,
			.op = whole ? SCMP_CMP_EQ : SCMP_CMP_MASKED_EQ,
			.datum_a = whole ? value : t->mask,
			.datum_b = whole ? 0 : value,
		};
	}
	return seccomp_rule_add_array(ctx, action, nr, (unsigned)r->ntests, cmp);
}

static void load_seccomp(const struct sandbox_policy *p)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		aura_die("sandbox: seccomp_init failed");
	for (const struct sc_rule *const *t = p->tables; *t; t++)
		for (const struct sc_rule *r = *t; r->name; r++) {
			int rc = add_rule(ctx, r);
			if (rc < 0)
				aura_die("sandbox: seccomp rule for %s: %s", r->name, strerror(-rc));
		}
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		aura_die("sandbox: seccomp_load: %s", strerror(-rc));
}

static unsigned walk_depth;

void sandbox_walk_depth(unsigned depth)
{
	walk_depth = depth;
}

/* Lower a limit (soft and hard) to `value`, never raising it above the current hard one. */
static void limit(int resource, const char *name, rlim_t value)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) < 0)
		aura_die("sandbox: getrlimit(%s): %s", name, strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value)
		value = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) < 0)
		aura_die("sandbox: setrlimit(%s): %s", name, strerror(errno));
}

/*
 * Resource limits, set before sealing as OpenSSH does for its child: no core files of
 * hostile input, no more descriptors than the role holds, no processes where the role
 * never forks.  The hard limits drop too, so a compromised stage cannot raise them again.
 */
static void set_limits(const struct sandbox_limits *l)
{
	limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	unsigned nofile = l->nofile + (l->walks_tree ? walk_depth : 0);
	limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", nofile);
	if (l->no_fork)
		limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
}

/*
 * The hidden --sandbox-selftest actions: each tries one thing a sealed stage must not do
 * and returns the call's result (negative with errno set when refused).  The tests in
 * tests/90-sandbox.bats run each sealed and with --no-sandbox.
 */
static int try_socket(const char *arg) { return socket(AF_INET, SOCK_STREAM, 0); }
static int try_open(const char *path) { return open(path, O_RDONLY); }
static int try_write(const char *path) { return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); }

/* connect:PORT on 127.0.0.1 */
static int try_connect(const char *port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
		return -1;
	return fd;
}

static int try_exec(const char *arg)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	return execve("/bin/true", argv, envp);
}

/* After a clone or fork: the child leaves at once, the parent waits for it. */
static int reap(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

/* A new process by a raw clone call with `flags`. */
static int try_clone_flags(unsigned long flags)
{
	return reap(syscall(SYS_clone, flags, NULL, NULL, NULL, NULL));
}

/* Namespaces: a way out of Landlock's and the filter's view of the world. */
static int try_clone_ns(const char *arg)
{
	return try_clone_flags(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | SIGCHLD);
}

/* A child sharing our descriptor table: anything but fork()'s flags is refused. */
static int try_clone_files(const char *arg) { return try_clone_flags(CLONE_FILES | SIGCHLD); }

/* What glibc's fork() does: the unpack parent must still be able to. */
static int try_fork(const char *arg) { return reap(fork()); }

/* clone3 carries its flags in memory a filter cannot read: it must fail with ENOSYS. */
static int try_clone3(const char *arg)
{
	struct {	/* struct clone_args, CLONE_ARGS_SIZE_VER0 */
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = { .exit_signal = SIGCHLD };
	return reap(syscall(SYS_clone3, &args, sizeof args));
}

/* Another process's limits: read process PID's open-files limit and set it back unchanged. */
static int try_prlimit(const char *pid_text)
{
	pid_t pid = (pid_t)strtol(pid_text, NULL, 10);
	struct rlimit rl;
	if (prlimit(pid, RLIMIT_NOFILE, NULL, &rl) < 0)
		return -1;
	return prlimit(pid, RLIMIT_NOFILE, &rl, NULL);
}

/* Dumpable again: other processes of our user could ptrace us. */
static int try_prctl_dumpable(const char *arg) { return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); }

/*
 * The three ways to have the kernel signal a process of our choice on I/O, tried on stderr
 * (open in every role; the unpack worker has no stdin).  When allowed, each is undone at
 * once: the open file description may be shared with the caller.
 */
static int try_fcntl_setown(const char *arg)
{
	int rc = fcntl(STDERR_FILENO, F_SETOWN, getpid());
	return rc < 0 ? rc : fcntl(STDERR_FILENO, F_SETOWN, 0);
}

static int try_fcntl_setsig(const char *arg)
{
	int rc = fcntl(STDERR_FILENO, F_SETSIG, SIGUSR1);
	return rc < 0 ? rc : fcntl(STDERR_FILENO, F_SETSIG, 0);
}

static int try_fcntl_async(const char *arg)
{
	int flags = fcntl(STDERR_FILENO, F_GETFL);
	if (flags < 0 || fcntl(STDERR_FILENO, F_SETFL, flags | O_ASYNC) < 0)
		return -1;
	return fcntl(STDERR_FILENO, F_SETFL, flags);
}

/* F_SETFL without O_ASYNC stays allowed (the unpack parent clears O_NONBLOCK with it). */
/*
 * Forge a record as a compromised stage could: write the line to every open descriptor
 * above stderr that takes it (in the unpack worker, only the pipe to its parent does; the
 * others are read-only or closed).
 */
static int try_emit(const char *line)
{
	size_t n = strlen(line);
	int rc = -1;
	for (int fd = 3; fd < 64; fd++)
		if (write(fd, line, n) == (ssize_t)n && write(fd, "\n", 1) == 1)
			rc = 0;
	if (rc < 0)
		errno = EBADF;
	return rc;
}

static int try_fcntl_setfl(const char *arg)
{
	int flags = fcntl(STDERR_FILENO, F_GETFL);
	return flags < 0 ? -1 : fcntl(STDERR_FILENO, F_SETFL, flags);
}

static const struct selftest_action {
	const char *name;	/* "name" alone, or "name:" taking the rest as an argument */
	int (*try)(const char *arg);
} selftest_actions[] = {
	{ "socket", try_socket }, { "exec", try_exec }, { "connect:", try_connect },
	{ "open:", try_open }, { "write:", try_write },
	{ "clone-ns", try_clone_ns }, { "clone-files", try_clone_files },
	{ "clone3", try_clone3 }, { "fork", try_fork },
	{ "prlimit:", try_prlimit }, { "prctl-dumpable", try_prctl_dumpable },
	{ "fcntl-setown", try_fcntl_setown }, { "fcntl-setsig", try_fcntl_setsig },
	{ "fcntl-async", try_fcntl_async }, { "fcntl-setfl", try_fcntl_setfl },
	{ "emit:", try_emit },
};

/* Run the hidden --sandbox-selftest action, then exit: 0 when it succeeded, 3 when refused. */
static void selftest(enum sandbox_role role, const char *action)
{
	/* A child process's role takes the actions meant for it: "worker:…", "supervisor:…". */
	const char *prefix = role == SANDBOX_UNPACK_WORKER || role == SANDBOX_UNPACK_TREE_WORKER ? "worker:"
			   : role == SANDBOX_SERVE_SUPERVISOR ? "supervisor:" : NULL;
	bool prefixed = strncmp(action, "worker:", 7) == 0 || strncmp(action, "supervisor:", 11) == 0;
	if (prefix ? strncmp(action, prefix, strlen(prefix)) != 0 : prefixed)
		return;
	if (prefix)
		action += strlen(prefix);
	const struct selftest_action *a = NULL;
	for (size_t i = 0; i < sizeof selftest_actions / sizeof *selftest_actions && !a; i++) {
		size_t n = strlen(selftest_actions[i].name);
		bool takes_arg = selftest_actions[i].name[n - 1] == ':';
		if (takes_arg ? strncmp(action, selftest_actions[i].name, n) == 0
			      : strcmp(action, selftest_actions[i].name) == 0)
			a = &selftest_actions[i];
	}
	if (!a)
		aura_die("selftest: unknown action '%s'", action);
	aura_warn("selftest: trying '%s'", action);
	int rc = a->try(action + strlen(a->name));
	if (rc < 0) {
		aura_warn("selftest: '%s' refused: %s", action, strerror(errno));
		_exit(3);
	}
	aura_warn("selftest: '%s' allowed", action);
	_exit(0);
}

void sandbox_enter(enum sandbox_role role, const struct sandbox_grant *grants, int ngrants)
{
	const struct sandbox_policy *p = &sandbox_policies[role];
	if (aura_opts.no_sandbox) {
		static bool warned;
		if (!warned)
			aura_warn("WARNING: sandbox disabled (--no-sandbox): running unconfined");
		warned = true;
		if (aura_opts.selftest)
			selftest(role, aura_opts.selftest);
		return;
	}
	set_limits(&p->limits);
	/* Not dumpable: no core file, and no other process of our user may ptrace us or read
	 * our memory through /proc (a compromised stage next door, say). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		aura_die("sandbox: PR_SET_DUMPABLE: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		aura_die("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	static bool landlock_missing;
	if (!landlock_missing) {
		int rc = landlock_restrict(p->landlock_none ? NULL : grants,
					   p->landlock_none ? 0 : ngrants);
		if (rc < 0)
			aura_die("sandbox: cannot enter Landlock");
		landlock_missing = rc == 1;
	}
	/* jansson seeds its hash function from /dev/urandom on first use: do it while we can. */
	json_object_seed(0);
	resolve_syscall_names();
	install_sigsys_reporter();
	load_seccomp(p);
	if (aura_opts.selftest)
		selftest(role, aura_opts.selftest);
}

/* One argument test as C would say it, e.g. "arg1 == 0x4" or "(arg2 & 0x2000) == 0". */
static void print_test(FILE *out, const struct sc_test *t)
{
	if (t->self_pid)
		fprintf(out, "arg%d == our pid", t->arg);
	else if (t->mask == ~0ULL)
		fprintf(out, "arg%d == 0x%llx", t->arg, t->value);
	else
		fprintf(out, "(arg%d & 0x%llx) == 0x%llx", t->arg, t->mask, t->value);
}

void sandbox_print(enum sandbox_role role, FILE *out)
{
	const struct sandbox_policy *p = &sandbox_policies[role];
	const struct sandbox_limits *l = &p->limits;
	fprintf(out, "role: %s\nlandlock: %s\nkernel landlock abi: %d\n"
		"limits: RLIMIT_CORE 0, RLIMIT_NOFILE %u%s%s; not dumpable; no_new_privs\n"
		"seccomp (default: trap, report, die of SIGSYS):\n",
		p->role_name, p->landlock_note, landlock_abi_version(), l->nofile,
		l->walks_tree ? " + directory depth" : "", l->no_fork ? ", RLIMIT_NPROC 0" : "");
	for (const struct sc_rule *const *t = p->tables; *t; t++)
		for (const struct sc_rule *r = *t; r->name; r++) {
			if (r->action == SC_ERRNO)
				fprintf(out, "  fail  %s with %s", r->name, strerror(r->errno_value));
			else
				fprintf(out, "  allow %s", r->name);
			for (int i = 0; i < r->ntests; i++) {
				fputs(i == 0 ? " if " : " and ", out);
				print_test(out, &r->tests[i]);
			}
			if (r->why)
				fprintf(out, "  (%s)", r->why);
			fputc('\n', out);
		}
}
