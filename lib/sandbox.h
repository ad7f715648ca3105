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
	SANDBOX_ROLE_COUNT
};

/* Filesystem access a stage keeps under Landlock. */
enum sandbox_access {
	SANDBOX_READ = 1,	/* read files and list directories beneath */
	SANDBOX_WRITE = 2,	/* also create, write, truncate, remove beneath */
};

struct sandbox_grant {
	const char *path;	/* a path, or NULL to use `fd` */
	int fd;			/* an open directory/file descriptor when path is NULL */
	int access;		/* SANDBOX_READ | SANDBOX_WRITE */
};

/*
 * Enter the sandbox for `role`: rlimits, no_new_privs, Landlock (only the grants),
 * then the role's seccomp table.  Call after opening inputs and initialising libraries.
 * Honours --no-sandbox (says so on stderr) and runs the hidden --sandbox-selftest.
 * Sandbox setup failure is fatal.
 */
void sandbox_enter(enum sandbox_role role, const struct sandbox_grant *grants, int ngrants);

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
	SC_ALLOW_IF_MASKED_ZERO,	/* (arg & mask) == 0 */
	SC_ALLOW_IF_MASKED_SET,	/* (arg & mask) == mask */
	SC_ALLOW_IF_ARG_SELF_PID,
	SC_ALLOW_IF_ARG_EQ,	/* arg == mask (a value: socket's address family) */
};

struct sc_rule {
	const char *name;	/* syscall name, resolved by libseccomp for this arch */
	enum sc_action action;
	int errno_value;	/* SC_ERRNO */
	int arg;		/* SC_ALLOW_IF_*: which argument */
	unsigned long long mask;	/* SC_ALLOW_IF_MASKED_*: the bits tested */
};

struct sandbox_policy {
	const char *role_name;
	const struct sc_rule *const *tables;	/* NULL-terminated list of rule tables */
	bool landlock_none;	/* document: no filesystem rights at all */
	const char *landlock_note;	/* what the Landlock grants are, for --print-sandbox */
};

extern const struct sandbox_policy sandbox_policies[SANDBOX_ROLE_COUNT];

/* Landlock: 0 on success, 1 when the kernel lacks it (already reported), -1 on error. */
int landlock_restrict(const struct sandbox_grant *grants, int ngrants);
int landlock_abi_version(void);

#endif
