/* sandbox_policy.c: every stage's seccomp allowlist and Landlock grants, on one screen. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/prctl.h>

#include "sandbox.h"

/*
 * Reading the tables: a syscall not listed is trapped, reported on stderr with its name
 * and the process dies with SIGSYS.  SC_ERRNO makes a call fail instead, for calls that
 * libraries make opportunistically and survive (ioctl TCGETS from isatty, say).
 * Filters stack: a worker's table only narrows its parent's.
 */
#define ALLOW(nr)		{ #nr, SC_ALLOW, 0, 0, { { 0 } }, NULL }
#define DENY(nr, err)		{ #nr, SC_ERRNO, err, 0, { { 0 } }, NULL }
/* Conditional rows: the call is allowed only when every test on its arguments holds. */
#define ALLOW_IF(nr, why, t)	{ #nr, SC_ALLOW, 0, 1, { t }, why }
#define ALLOW_IF2(nr, why, t, u) { #nr, SC_ALLOW, 0, 2, { t, u }, why }
#define END			{ NULL, 0, 0, 0, { { 0 } }, NULL }
/* Argument tests. */
#define ARG_EQ(a, v)		{ a, ~0ULL, (unsigned long long)(v), false }
#define ARG_BITS_CLEAR(a, m)	{ a, m, 0, false }
#define ARG_BITS_SET(a, m)	{ a, m, m, false }
#define ARG_SELF_PID(a)		{ a, ~0ULL, 0, true }

/* Open flags that would let a read-only stage create or change a file. */
#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY))

/* What any sealed process needs: I/O on descriptors it holds, memory, time, exiting. */
static const struct sc_rule base[] = {
	ALLOW(read), ALLOW(readv), ALLOW(pread64), ALLOW(write), ALLOW(writev),
	ALLOW(close), ALLOW(fstat), ALLOW(lseek),
	/*
	 * fcntl: only the commands in use (strace of every stage on the test suites: stdio,
	 * fdopendir, the unpack parent clearing O_NONBLOCK).  F_SETOWN, F_SETSIG and O_ASYNC
	 * would let a sealed stage have the kernel signal any process of the same user.
	 */
	ALLOW_IF(fcntl, "F_GETFD", ARG_EQ(1, F_GETFD)),
	ALLOW_IF(fcntl, "F_SETFD", ARG_EQ(1, F_SETFD)),
	ALLOW_IF(fcntl, "F_GETFL", ARG_EQ(1, F_GETFL)),
	ALLOW_IF2(fcntl, "F_SETFL without O_ASYNC", ARG_EQ(1, F_SETFL), ARG_BITS_CLEAR(2, O_ASYNC)),
	ALLOW(brk), ALLOW(munmap), ALLOW(mremap), ALLOW(madvise),
	/* No executable memory once sealed: PCRE2 JIT compiles before sealing. */
	ALLOW_IF(mmap, "without PROT_EXEC", ARG_BITS_CLEAR(2, PROT_EXEC)),
	ALLOW_IF(mprotect, "without PROT_EXEC", ARG_BITS_CLEAR(2, PROT_EXEC)),
	ALLOW(futex), ALLOW(clock_gettime), ALLOW(gettimeofday), ALLOW(getrandom),
	ALLOW(sysinfo),		/* qsort asks for physical memory size */
	ALLOW(rt_sigreturn), ALLOW(rt_sigprocmask), ALLOW(restart_syscall),
	ALLOW(sigaltstack),	/* sanitizer runtimes set up their signal stacks lazily */
	ALLOW(exit), ALLOW(exit_group),
	/* raise() from abort() or our SIGSYS reporter: only to ourselves. */
	ALLOW(getpid), ALLOW(gettid), ALLOW_IF(tgkill, "to our own process", ARG_SELF_PID(0)),
	DENY(ioctl, ENOTTY),	/* isatty() on stdio streams */
	END
};

/*
 * A process that must not touch the filesystem: opening anything fails.  glibc's fstat()
 * is newfstatat(fd, "", AT_EMPTY_PATH): allowed only with that flag.
 */
static const struct sc_rule no_files[] = {
	DENY(openat, EACCES), DENY(open, EACCES), DENY(statx, EACCES),
	ALLOW_IF(newfstatat, "with AT_EMPTY_PATH (fstat)", ARG_BITS_SET(3, AT_EMPTY_PATH)),
	DENY(readlink, EACCES), DENY(access, EACCES), DENY(faccessat, EACCES),
	END
};

/* Read-only filesystem access; Landlock decides where. */
static const struct sc_rule read_files[] = {
	ALLOW_IF(openat, "read-only (no write, create, truncate or append flag)",
		 ARG_BITS_CLEAR(2, WRITE_FLAGS)),
	ALLOW(newfstatat), ALLOW(statx),
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
	ALLOW_IF(socket, "AF_INET", ARG_EQ(0, AF_INET)),
	ALLOW_IF(socket, "AF_INET6", ARG_EQ(0, AF_INET6)),
	/* libcurl's multi handle wakes itself through an unnamed AF_UNIX pair. */
	ALLOW_IF(socketpair, "AF_UNIX", ARG_EQ(0, AF_UNIX)),
	ALLOW(connect), ALLOW(getsockopt), ALLOW(setsockopt), ALLOW(getsockname),
	ALLOW(getpeername), ALLOW(sendto), ALLOW(recvfrom), ALLOW(sendmsg), ALLOW(recvmsg),
	ALLOW(poll), ALLOW(ppoll), ALLOW(shutdown),
	ALLOW(clock_nanosleep), ALLOW(nanosleep),	/* back-off between retries */
	ALLOW(openat), ALLOW(rename), ALLOW(renameat), ALLOW(unlink), ALLOW(unlinkat),
	ALLOW(ftruncate),	/* a download restarted by a retry */
	END
};

/* What glibc's fork() passes to clone (and nothing else: no namespaces, no shared memory). */
#define FORK_FLAGS (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)

/*
 * The unpack parent: forks one worker per artifact and collects its records.  Once sealed
 * it holds every artifact path of the scan, so every right here is argument-checked where
 * the kernel lets a filter see the argument.
 */
static const struct sc_rule supervise[] = {
	ALLOW_IF(clone, "with fork()'s flags only", ARG_EQ(0, FORK_FLAGS)),
	/* glibc's pthread_create and posix_spawn try clone3 first and fall back to clone on
	 * ENOSYS (a filter cannot see clone3's flags, which are in memory). */
	DENY(clone3, ENOSYS),
	ALLOW(set_robust_list), ALLOW(wait4), ALLOW(pipe2), ALLOW(poll), ALLOW(ppoll),
	ALLOW_IF(kill, "SIGKILL (a worker past its time limit)", ARG_EQ(1, SIGKILL)),
	/*
	 * The worker seals itself further (sandbox_enter); these can only take rights away.
	 * prctl: no_new_privs (ours and libseccomp's) and dumpable off, nothing else.
	 * prlimit64: pid 0, which is what glibc's setrlimit and getrlimit pass: our own limits.
	 */
	ALLOW_IF2(prctl, "PR_SET_NO_NEW_PRIVS 1", ARG_EQ(0, PR_SET_NO_NEW_PRIVS), ARG_EQ(1, 1)),
	ALLOW_IF2(prctl, "PR_SET_DUMPABLE 0", ARG_EQ(0, PR_SET_DUMPABLE), ARG_EQ(1, 0)),
	ALLOW_IF(prlimit64, "on ourselves (pid 0)", ARG_EQ(0, 0)),
	ALLOW(seccomp), ALLOW(landlock_create_ruleset), ALLOW(landlock_add_rule),
	ALLOW(landlock_restrict_self), ALLOW(rt_sigaction),
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
	/* POSIX record locks, the locks writers queue on (SQLite's unix VFS never blocks in
	 * F_SETLKW: its busy handler retries).  mmap MAP_SHARED of the -shm file (the WAL
	 * index) is in the base table already. */
	ALLOW_IF(fcntl, "F_GETLK", ARG_EQ(1, F_GETLK)),
	ALLOW_IF(fcntl, "F_SETLK", ARG_EQ(1, F_SETLK)),
	ALLOW(newfstatat),	/* SQLite checks by name that the database was not moved */
	/* The busy handler: a writer waiting for another one's commit sleeps and retries. */
	ALLOW(clock_nanosleep), ALLOW(nanosleep),
	/* The one open after sealing is the directory, to fsync it after the -wal file was
	 * created (before sealing): SQLite does without when that fails.  No file is ever
	 * created or removed once sealed; Landlock would refuse it too. */
	DENY(openat, EACCES), DENY(open, EACCES),
	END
};

/* glibc's pthread_create: clone with exactly these flags (after clone3 fails with ENOSYS). */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/*
 * aura-serve's network front end (libmicrohttpd, one thread per connection; libcurl with
 * its threaded resolver): accept connections on the socket bound before sealing, send
 * cached files, write the cache (Landlock: beneath it only), resolve and connect upstream
 * (Landlock: the upstreams' ports only).  Never execve: scans go to the supervisor.
 * Measured with strace -f on tests/70-serve.bats and tests/71-npm.bats.
 */
static const struct sc_rule serve_front[] = {
	ALLOW_IF(clone, "with pthread_create's flags only (threads, no processes)", ARG_EQ(0, THREAD_FLAGS)),
	DENY(clone3, ENOSYS),
	ALLOW(set_robust_list), ALLOW(rseq), ALLOW(sched_yield), ALLOW(sched_getaffinity),
	ALLOW(accept4), ALLOW(accept), ALLOW(listen), ALLOW(select), ALLOW(pselect6),
	ALLOW(epoll_create1), ALLOW(epoll_ctl), ALLOW(epoll_wait), ALLOW(epoll_pwait),
	ALLOW(eventfd2), ALLOW(pipe2), ALLOW(sendfile), ALLOW(mkdir), ALLOW(mkdirat),
	ALLOW(rt_sigaction), ALLOW(rt_sigtimedwait), ALLOW(uname), ALLOW(getuid), ALLOW(geteuid),
	ALLOW(getgid), ALLOW(getegid), ALLOW(access), ALLOW(faccessat), ALLOW(faccessat2),
	ALLOW(statfs), ALLOW(fstatfs), ALLOW(fchmod), ALLOW(getcwd),
	/* the socket to the supervisor, a pair made before sealing */
	ALLOW_IF(socket, "AF_NETLINK (glibc's getaddrinfo asks the kernel for addresses)", ARG_EQ(0, AF_NETLINK)),
	ALLOW_IF(socket, "AF_UNIX (nscd, tried by getaddrinfo)", ARG_EQ(0, AF_UNIX)),
	ALLOW(bind),	/* netlink only: Landlock refuses every TCP bind */
	ALLOW(sendmmsg),	/* the resolver's A and AAAA queries */
	ALLOW_IF(prctl, "PR_SET_NAME (libmicrohttpd names its threads)", ARG_EQ(0, PR_SET_NAME)),
	END
};

/*
 * aura-serve's scan supervisor: forks and executes the six stage programs, whose own
 * start-up (the dynamic loader, library set-up, their sandbox_enter) runs under this filter
 * too, so it admits what they do before they seal.  What it may execute is Landlock's
 * part: only the stages and their ELF interpreter.
 */
static const struct sc_rule serve_supervisor[] = {
	ALLOW(execve), ALLOW(mmap), ALLOW(mprotect),	/* the loader maps code */
	ALLOW(arch_prctl), ALLOW(set_tid_address), ALLOW(rseq), ALLOW(access), ALLOW(faccessat),
	ALLOW(faccessat2), ALLOW(getuid), ALLOW(geteuid), ALLOW(getgid), ALLOW(getegid),
	ALLOW(getppid), ALLOW(uname), ALLOW(statfs), ALLOW(fstatfs), ALLOW(sched_getaffinity),
	ALLOW(dup2), ALLOW(dup3), ALLOW(dup), ALLOW(getcwd), ALLOW(socketpair),
	ALLOW(clock_nanosleep), ALLOW(nanosleep), ALLOW(sched_yield),
	/* aura-score --db: SQLite (its role's table, measured there) */
	ALLOW(pwrite64), ALLOW(fdatasync), ALLOW(fsync), ALLOW(ftruncate),
	ALLOW_IF(fcntl, "F_GETLK", ARG_EQ(1, F_GETLK)), ALLOW_IF(fcntl, "F_SETLK", ARG_EQ(1, F_SETLK)),
	ALLOW_IF(fcntl, "F_DUPFD_CLOEXEC", ARG_EQ(1, F_DUPFD_CLOEXEC)),
	/* a stage asks for a bigger stdout pipe before it seals itself (lib/ndjson.c out_init) */
	ALLOW_IF(fcntl, "F_SETPIPE_SZ", ARG_EQ(1, F_SETPIPE_SZ)),
	ALLOW(openat), ALLOW(unlink), ALLOW(unlinkat), ALLOW(rename), ALLOW(mkdir),
	ALLOW(ioctl),
	/* What openat does, by its old name: a stage's start-up may use it before the stage seals
	 * itself (sanitizer runtimes read /proc/self/maps so); Landlock decides what it opens. */
	ALLOW(open),
	END
};

#define TABLES(...) (const struct sc_rule *const[]){ __VA_ARGS__, NULL }

/*
 * Descriptor limits: what each role holds at most once sealed, with room to spare.  A stage
 * that opens nothing keeps stdin, stdout, stderr and whatever its caller left open.  fetch
 * walks at most 64 directory levels (one descriptor each, fetch.c); the tree worker walks
 * --max-depth levels (sandbox_walk_depth).  RLIMIT_NPROC 0 where the role never forks (the
 * kernel does not enforce it for root).  No role sets RLIMIT_FSIZE: every stage writes
 * stdout and stderr, which may be files, and a verdict cut short would be worse than the
 * file it would prevent (opening files for writing is denied anyway).
 */
#define NO_FILES_LIMITS		{ .nofile = 32, .no_fork = true }

const struct sandbox_policy sandbox_policies[SANDBOX_ROLE_COUNT] = {
	[SANDBOX_FETCH] = { "fetch", TABLES(base, read_files), false,
		"read-only: / (targets arrive on stdin after sealing); no writes, no network",
		{ .nofile = 128, .no_fork = true } },
	[SANDBOX_FETCH_NET] = { "fetch-net", TABLES(base, read_files, fetch_net), false,
		"read-only: / (targets arrive on stdin after sealing); read-write: its download "
		"cache only; TCP connect: only the ports of the configured hosts (ABI >= 4)",
		{ .nofile = 256, .no_fork = true } },
	[SANDBOX_UNPACK] = { "unpack", TABLES(base, read_files, supervise), false,
		"read-only: / (artifact paths arrive on stdin after sealing); no writes",
		{ .nofile = 64 } },
	[SANDBOX_UNPACK_WORKER] = { "unpack-worker", TABLES(base, no_files), true,
		"none (it reads the archive through the descriptor it was given)",
		NO_FILES_LIMITS },
	[SANDBOX_UNPACK_TREE_WORKER] = { "unpack-tree-worker", TABLES(base, read_files), false,
		"read-only beneath the directory artifact's descriptor",
		{ .nofile = 32, .walks_tree = true, .no_fork = true } },
	[SANDBOX_PARSE] = { "parse", TABLES(base, no_files), true, "none", NO_FILES_LIMITS },
	[SANDBOX_REWRITE] = { "rewrite", TABLES(base, no_files), true, "none", NO_FILES_LIMITS },
	[SANDBOX_ANALYZE] = { "analyze", TABLES(base, no_files), true, "none", NO_FILES_LIMITS },
	[SANDBOX_SCORE] = { "score", TABLES(base, no_files), true, "none", NO_FILES_LIMITS },
	[SANDBOX_SCORE_DB] = { "score-db", TABLES(base, database), false,
		"read-write: the database file and its -wal and -shm files (opened before sealing)",
		{ .nofile = 32, .no_fork = true } },
	[SANDBOX_SERVE] = { "serve", TABLES(base, read_files, fetch_net, serve_front), false,
		"read-only: /; read-write: its cache only; TCP connect: only the upstreams' ports, "
		"bind: none (the listening socket is bound before sealing); execute: nothing "
		"(ABI >= 4 for the network rules)",
		{ .nofile = 1024 } },
	[SANDBOX_SERVE_SUPERVISOR] = { "serve-supervisor", TABLES(base, read_files, supervise, serve_supervisor), false,
		"read-only: /; execute: only the six stage programs and their ELF interpreter; "
		"read-write: the results database's directory (--db) only",
		{ .nofile = 1024 } },
};
