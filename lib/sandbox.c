/* sandbox.c: entering a stage's sandbox (rlimits, no_new_privs, Landlock, seccomp). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
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
	switch (r->action) {
	case SC_ALLOW:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SC_ERRNO:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(r->errno_value), nr, 0);
	case SC_ALLOW_IF_MASKED_ZERO:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP((unsigned)r->arg, SCMP_CMP_MASKED_EQ, r->mask, 0));
	case SC_ALLOW_IF_MASKED_SET:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP((unsigned)r->arg, SCMP_CMP_MASKED_EQ, r->mask, r->mask));
	case SC_ALLOW_IF_ARG_SELF_PID:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP((unsigned)r->arg, SCMP_CMP_EQ,
						 (scmp_datum_t)getpid()));
	case SC_ALLOW_IF_ARG_EQ:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_CMP((unsigned)r->arg, SCMP_CMP_EQ, r->mask));
	}
	return -EINVAL;
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

/* Run the hidden --sandbox-selftest action, then exit: 0 when it succeeded, 3 when refused. */
static void selftest(enum sandbox_role role, const char *action)
{
	bool worker_test = strncmp(action, "worker:", 7) == 0;
	if (worker_test != (role == SANDBOX_UNPACK_WORKER || role == SANDBOX_UNPACK_TREE_WORKER))
		return;
	if (worker_test)
		action += 7;
	int rc = -1;
	aura_warn("selftest: trying '%s'", action);
	if (strcmp(action, "socket") == 0) {
		rc = socket(AF_INET, SOCK_STREAM, 0);
	} else if (strcmp(action, "exec") == 0) {
		char *argv[] = { "true", NULL }, *envp[] = { NULL };
		rc = execve("/bin/true", argv, envp);
	} else if (strncmp(action, "connect:", 8) == 0) {	/* connect:PORT on 127.0.0.1 */
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(action + 8)),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		rc = socket(AF_INET, SOCK_STREAM, 0);
		if (rc >= 0 && connect(rc, (struct sockaddr *)&to, sizeof to) < 0)
			rc = -1;
	} else if (strncmp(action, "open:", 5) == 0) {
		rc = open(action + 5, O_RDONLY);
	} else if (strncmp(action, "write:", 6) == 0) {
		rc = open(action + 6, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	} else {
		aura_die("selftest: unknown action '%s'", action);
	}
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
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);	/* hostile input must not leave core files */
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

void sandbox_print(enum sandbox_role role, FILE *out)
{
	const struct sandbox_policy *p = &sandbox_policies[role];
	fprintf(out, "role: %s\nlandlock: %s\nkernel landlock abi: %d\n"
		"seccomp (default: trap, report, die of SIGSYS):\n",
		p->role_name, p->landlock_note, landlock_abi_version());
	for (const struct sc_rule *const *t = p->tables; *t; t++)
		for (const struct sc_rule *r = *t; r->name; r++) {
			switch (r->action) {
			case SC_ALLOW: fprintf(out, "  allow %s\n", r->name); break;
			case SC_ERRNO:
				fprintf(out, "  fail  %s with %s\n", r->name, strerror(r->errno_value));
				break;
			case SC_ALLOW_IF_MASKED_ZERO:
				fprintf(out, "  allow %s if (arg%d & 0x%llx) == 0\n", r->name, r->arg,
					r->mask);
				break;
			case SC_ALLOW_IF_MASKED_SET:
				fprintf(out, "  allow %s if (arg%d & 0x%llx) == 0x%llx\n", r->name, r->arg,
					r->mask, r->mask);
				break;
			case SC_ALLOW_IF_ARG_SELF_PID:
				fprintf(out, "  allow %s if arg%d is our own pid\n", r->name, r->arg);
				break;
			case SC_ALLOW_IF_ARG_EQ:
				fprintf(out, "  allow %s if arg%d == %llu\n", r->name, r->arg, r->mask);
				break;
			}
		}
}
