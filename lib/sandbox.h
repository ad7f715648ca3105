/* sandbox.h: confinement of each stage (no_new_privs, seccomp allowlist, Landlock). */
#ifndef AURA_SANDBOX_H
#define AURA_SANDBOX_H

#include <stdbool.h>
#include <stdio.h>

/* One seccomp table per role; the tables live side by side in sandbox_policy.c. */
enum sandbox_role {
	SANDBOX_FETCH,		/* local targets only: read-only, no network */
	SANDBOX_FETCH_NET,	/* registry targets: TCP to its hosts, writes in its cache */
	SANDBOX_UNPACK,		/* parent: opens artifact paths read-only, forks workers */
	SANDBOX_UNPACK_WORKER,	/* per-artifact child reading an archive: no files at all */
	SANDBOX_UNPACK_TREE_WORKER,	/* per-artifact child walking a directory, read-only */
	SANDBOX_PARSE,
	SANDBOX_REWRITE,
	SANDBOX_ANALYZE,
	SANDBOX_SCORE,
	SANDBOX_SCORE_DB,	/* score --db: reads and writes the database's files only */
	SANDBOX_SERVE,		/* aura-serve's network front end: HTTP, upstream, its cache; no exec */
	SANDBOX_SERVE_SUPERVISOR,	/* aura-serve's scan supervisor: executes the stages only */
	SANDBOX_ROLE_COUNT
};

/* Filesystem access a stage keeps under Landlock. */
enum sandbox_access {
	SANDBOX_READ = 1,	/* read files and list directories beneath */
	SANDBOX_WRITE = 2,	/* also create, write, truncate, remove beneath */
	SANDBOX_EXEC = 4,	/* also execute (a program file, or files beneath a directory) */
	SANDBOX_MAKE_DIR = 8,	/* with SANDBOX_WRITE: also create directories beneath */
};

struct sandbox_grant {
	const char *path;	/* a path, or NULL to use `fd` */
	int fd;			/* an open directory/file descriptor when path is NULL */
	int access;		/* SANDBOX_READ | SANDBOX_WRITE */
};

/*
 * Enter the sandbox for `role`: rlimits, not dumpable, no_new_privs, Landlock (only the
 * grants), then the role's seccomp table.  Call after opening inputs and initialising libraries.
 * Honours --no-sandbox (says so on stderr) and runs the hidden --sandbox-selftest.
 * Sandbox setup failure is fatal.
 */
void sandbox_enter(enum sandbox_role role, const struct sandbox_grant *grants, int ngrants);

/*
 * A role that walks directories (unpack's tree worker) holds one descriptor per level:
 * the program tells the sandbox its depth limit before sealing, so RLIMIT_NOFILE fits it.
 */
void sandbox_walk_depth(unsigned depth);

/*
 * The TCP ports the stage may connect to (aura-fetch: its configured hosts' ports).  Call
 * before sandbox_enter; without it every connect is refused (Landlock ABI >= 4).
 */
void sandbox_allow_connect(const unsigned short *ports, int n);

/* Print a role's policy (seccomp table, Landlock grants) for --print-sandbox. */
void sandbox_print(enum sandbox_role role, FILE *out);

/* ---- internal interface between sandbox.c, landlock.c and sandbox_policy.c ---- */

enum sc_action {
	SC_ALLOW,
	SC_ERRNO,
};

/* One argument test: (arg & mask) == value; with self_pid, value is our pid when sealing. */
struct sc_test {
	int arg;
	unsigned long long mask, value;
	bool self_pid;
};

#define SC_MAX_TESTS 2

/*
 * One row of a table.  With tests, the action applies only when all of them hold; a call
 * that no row of its syscall matches falls to the default action (trap).
 */
struct sc_rule {
	const char *name;	/* syscall name, resolved by libseccomp for this arch */
	enum sc_action action;
	int errno_value;	/* SC_ERRNO */
	int ntests;
	struct sc_test tests[SC_MAX_TESTS];
	const char *why;	/* for --print-sandbox: what a conditional row admits */
};

/* Resource limits a role sets on itself before sealing (soft and hard). */
struct sandbox_limits {
	unsigned nofile;	/* RLIMIT_NOFILE: the highest descriptor number + 1 */
	bool walks_tree;	/* nofile grows by the directory depth (sandbox_walk_depth) */
	bool no_fork;		/* RLIMIT_NPROC 0: the role never creates a process */
};

struct sandbox_policy {
	const char *role_name;
	const struct sc_rule *const *tables;	/* NULL-terminated list of rule tables */
	bool landlock_none;	/* document: no filesystem rights at all */
	const char *landlock_note;	/* what the Landlock grants are, for --print-sandbox */
	struct sandbox_limits limits;
};

extern const struct sandbox_policy sandbox_policies[SANDBOX_ROLE_COUNT];

/* Landlock: 0 on success, 1 when the kernel lacks it (already reported), -1 on error. */
int landlock_restrict(const struct sandbox_grant *grants, int ngrants);
int landlock_abi_version(void);

#endif
