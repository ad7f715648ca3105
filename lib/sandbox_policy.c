/* sandbox_policy.c: every stage's seccomp allowlist and Landlock grants, on one screen. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "sandbox.h"

/*
 * Reading the tables: a syscall not listed is trapped, reported on stderr with its name
 * and the process dies with SIGSYS.  SC_ERRNO makes a call fail instead, for calls that
 * libraries make opportunistically and survive (ioctl TCGETS from isatty, say).
 * Filters stack: a worker's table only narrows its parent's.
 */
#define ALLOW(nr)		{ #nr, SC_ALLOW, 0, 0, 0 }
#define DENY(nr, err)		{ #nr, SC_ERRNO, err, 0, 0 }
#define ALLOW_MASKED_ZERO(nr, a, m) { #nr, SC_ALLOW_IF_MASKED_ZERO, 0, a, m }
#define ALLOW_MASKED_SET(nr, a, m) { #nr, SC_ALLOW_IF_MASKED_SET, 0, a, m }
#define ALLOW_SELF(nr, a)	{ #nr, SC_ALLOW_IF_ARG_SELF_PID, 0, a, 0 }
#define END			{ NULL, 0, 0, 0, 0 }

/* Open flags that would let a read-only stage create or change a file. */
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

/* What any sealed process needs: I/O on descriptors it holds, memory, time, exiting. */
static const struct sc_rule base[] = {
	ALLOW(read), ALLOW(readv), ALLOW(pread64), ALLOW(write), ALLOW(writev),
	ALLOW(close), ALLOW(fstat), ALLOW(lseek), ALLOW(fcntl),
	ALLOW(brk), ALLOW(munmap), ALLOW(mremap), ALLOW(madvise),
	/* No executable memory once sealed: PCRE2 JIT compiles before sealing. */
	ALLOW_MASKED_ZERO(mmap, 2, PROT_EXEC), ALLOW_MASKED_ZERO(mprotect, 2, PROT_EXEC),
	ALLOW(futex), ALLOW(clock_gettime), ALLOW(gettimeofday), ALLOW(getrandom),
	ALLOW(sysinfo),		/* qsort asks for physical memory size */
	ALLOW(rt_sigreturn), ALLOW(rt_sigprocmask), ALLOW(restart_syscall),
	ALLOW(sigaltstack),	/* sanitizer runtimes set up their signal stacks lazily */
	ALLOW(exit), ALLOW(exit_group),
	/* raise() from abort() or our SIGSYS reporter: only to ourselves. */
	ALLOW(getpid), ALLOW(gettid), ALLOW_SELF(tgkill, 0),
	DENY(ioctl, ENOTTY),	/* isatty() on stdio streams */
	END
};

/*
 * A process that must not touch the filesystem: opening anything fails.  glibc's fstat()
 * is newfstatat(fd, "", AT_EMPTY_PATH): allowed only with that flag.
 */
static const struct sc_rule no_files[] = {
	DENY(openat, EACCES), DENY(open, EACCES), DENY(statx, EACCES),
	ALLOW_MASKED_SET(newfstatat, 3, AT_EMPTY_PATH),
	DENY(readlink, EACCES), DENY(access, EACCES), DENY(faccessat, EACCES),
	END
};

/* Read-only filesystem access; Landlock decides where. */
static const struct sc_rule read_files[] = {
	ALLOW_MASKED_ZERO(openat, 2, WRITE_FLAGS), ALLOW(newfstatat), ALLOW(statx),
	ALLOW(getdents64), ALLOW(readlink), ALLOW(readlinkat),
	END
};

/*
 * aura-fetch's downloads: TCP sockets to the configured hosts (Landlock allows only their
 * ports; DNS was resolved before sealing, so no UDP), and files written in its cache
 * (Landlock allows writes only beneath it).  Measured with strace on http and https
 * transfers through libcurl.
 */
static const struct sc_rule fetch_net[] = {
	{ "socket", SC_ALLOW_IF_ARG_EQ, 0, 0, AF_INET },
	{ "socket", SC_ALLOW_IF_ARG_EQ, 0, 0, AF_INET6 },
	/* libcurl's multi handle wakes itself through an unnamed AF_UNIX pair. */
	{ "socketpair", SC_ALLOW_IF_ARG_EQ, 0, 0, AF_UNIX },
	ALLOW(connect), ALLOW(getsockopt), ALLOW(setsockopt), ALLOW(getsockname),
	ALLOW(getpeername), ALLOW(sendto), ALLOW(recvfrom), ALLOW(sendmsg), ALLOW(recvmsg),
	ALLOW(poll), ALLOW(ppoll), ALLOW(shutdown),
	ALLOW(clock_nanosleep), ALLOW(nanosleep),	/* back-off between retries */
	ALLOW(openat), ALLOW(rename), ALLOW(renameat), ALLOW(unlink), ALLOW(unlinkat),
	ALLOW(ftruncate),	/* a download restarted by a retry */
	END
};

/* The unpack parent: forks one worker per artifact and collects its records. */
static const struct sc_rule supervise[] = {
	ALLOW(clone), ALLOW(set_robust_list), ALLOW(wait4), ALLOW(pipe2), ALLOW(poll),
	ALLOW(ppoll), ALLOW(kill),	/* kill: a worker past its time limit */
	/* The worker seals itself further; these can only take rights away. */
	ALLOW(prctl), ALLOW(seccomp), ALLOW(landlock_create_ruleset), ALLOW(landlock_add_rule),
	ALLOW(landlock_restrict_self), ALLOW(setrlimit), ALLOW(prlimit64), ALLOW(rt_sigaction),
	END
};

/*
 * aura-score --db: SQLite on the database, -wal and -shm files it opened before sealing
 * (WAL mode, persistent WAL: see aura-score/db.c).  Measured with strace on --no-sandbox
 * runs, fresh and existing databases, one and two concurrent writers.
 */
static const struct sc_rule database[] = {
	ALLOW(pwrite64),	/* pages into the WAL, checkpoints into the database */
	ALLOW(fdatasync), ALLOW(fsync),	/* commit and checkpoint durability */
	ALLOW(ftruncate),	/* WAL reset, database growth at checkpoint */
	/* fcntl F_SETLK/F_GETLK (the locks writers queue on) and mmap MAP_SHARED of the
	 * -shm file (the WAL index) are in the base table already. */
	ALLOW(newfstatat),	/* SQLite checks by name that the database was not moved */
	/* The busy handler: a writer waiting for another one's commit sleeps and retries. */
	ALLOW(clock_nanosleep), ALLOW(nanosleep),
	/* The one open after sealing is the directory, to fsync it after the -wal file was
	 * created (before sealing): SQLite does without when that fails.  No file is ever
	 * created or removed once sealed; Landlock would refuse it too. */
	DENY(openat, EACCES), DENY(open, EACCES),
	END
};

#define TABLES(...) (const struct sc_rule *const[]){ __VA_ARGS__, NULL }

const struct sandbox_policy sandbox_policies[SANDBOX_ROLE_COUNT] = {
	[SANDBOX_FETCH] = { "fetch", TABLES(base, read_files), false,
		"read-only: / (targets arrive on stdin after sealing); no writes, no network" },
	[SANDBOX_FETCH_NET] = { "fetch-net", TABLES(base, read_files, fetch_net), false,
		"read-only: / (targets arrive on stdin after sealing); read-write: its download "
		"cache only; TCP connect: only the ports of the configured hosts (ABI >= 4)" },
	[SANDBOX_UNPACK] = { "unpack", TABLES(base, read_files, supervise), false,
		"read-only: / (artifact paths arrive on stdin after sealing); no writes" },
	[SANDBOX_UNPACK_WORKER] = { "unpack-worker", TABLES(base, no_files), true,
		"none (it reads the archive through the descriptor it was given)" },
	[SANDBOX_UNPACK_TREE_WORKER] = { "unpack-tree-worker", TABLES(base, read_files), false,
		"read-only beneath the directory artifact's descriptor" },
	[SANDBOX_PARSE] = { "parse", TABLES(base, no_files), true, "none" },
	[SANDBOX_REWRITE] = { "rewrite", TABLES(base, no_files), true, "none" },
	[SANDBOX_ANALYZE] = { "analyze", TABLES(base, no_files), true, "none" },
	[SANDBOX_SCORE] = { "score", TABLES(base, no_files), true, "none" },
	[SANDBOX_SCORE_DB] = { "score-db", TABLES(base, database), false,
		"read-write: the database file and its -wal and -shm files (opened before sealing)" },
};
