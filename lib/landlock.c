/* landlock.c: filesystem confinement with Landlock, through raw syscalls (no glibc wrappers). */
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "sandbox.h"

/*
 * Debian 12's headers stop at Landlock ABI 2, so the constants are spelled out here from
 * the kernel's uapi <linux/landlock.h>; rights a kernel does not know are masked off by
 * the ABI version it reports.
 */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2	/* ABI 4 */

#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_REMOVE_DIR	(1ULL << 4)
#define LL_FS_REMOVE_FILE	(1ULL << 5)
#define LL_FS_MAKE_CHAR		(1ULL << 6)
#define LL_FS_MAKE_DIR		(1ULL << 7)
#define LL_FS_MAKE_REG		(1ULL << 8)
#define LL_FS_MAKE_SOCK		(1ULL << 9)
#define LL_FS_MAKE_FIFO		(1ULL << 10)
#define LL_FS_MAKE_BLOCK	(1ULL << 11)
#define LL_FS_MAKE_SYM		(1ULL << 12)
#define LL_FS_REFER		(1ULL << 13)	/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)	/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)	/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)	/* ABI 6 */

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Ports sandbox_allow_connect() opened (aura-fetch's hosts); none for other stages. */
static unsigned short connect_ports[64];
static int nconnect_ports;

void sandbox_allow_connect(const unsigned short *ports, int n)
{
	nconnect_ports = 0;
	for (int i = 0; i < n && i < 64; i++)
		connect_ports[nconnect_ports++] = ports[i];
}

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int landlock_abi_version(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	return abi < 0 ? 0 : (int)abi;
}

static uint64_t fs_rights_for_abi(int abi)
{
	uint64_t all = (LL_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */
	if (abi >= 2) all |= LL_FS_REFER;
	if (abi >= 3) all |= LL_FS_TRUNCATE;
	if (abi >= 5) all |= LL_FS_IOCTL_DEV;
	return all;
}

static uint64_t rights_for_grant(int access, uint64_t handled, bool is_dir)
{
	uint64_t r = LL_FS_READ_FILE | (is_dir ? LL_FS_READ_DIR : 0);
	if ((access & SANDBOX_MAKE_DIR) && is_dir)
		r |= LL_FS_MAKE_DIR;
	if (access & SANDBOX_EXEC)	/* only where a role names it: no other program runs */
		r |= LL_FS_EXECUTE;
	if (access & SANDBOX_WRITE)	/* REFER: rename from one folder to another beneath */
		r |= LL_FS_WRITE_FILE | LL_FS_TRUNCATE |
		     (is_dir ? LL_FS_REMOVE_FILE | LL_FS_MAKE_REG | LL_FS_REFER : 0);
	return r & handled;
}

static int add_grant(int ruleset, const struct sandbox_grant *g, uint64_t handled)
{
	int fd = g->fd, opened = -1;
	if (g->path) {
		opened = fd = open(g->path, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			aura_warn("landlock: %s: %s", g->path, strerror(errno));
			return -1;
		}
	}
	struct stat st;
	bool is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
	struct ll_path_beneath_attr attr = {
		.allowed_access = rights_for_grant(g->access, handled, is_dir),
		.parent_fd = fd,
	};
	long rc = syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &attr, 0);
	int saved = errno;
	if (opened >= 0)
		close(opened);
	if (rc < 0) {
		aura_warn("landlock: add rule for %s: %s", g->path ? g->path : "descriptor",
			  strerror(saved));
		return -1;
	}
	return 0;
}

int landlock_restrict(const struct sandbox_grant *grants, int ngrants)
{
	int abi = landlock_abi_version();
	if (abi <= 0) {
		aura_warn("warning: this kernel has no Landlock; filesystem confinement "
			  "relies on seccomp alone");
		return 1;
	}
	struct ll_ruleset_attr attr = { .handled_access_fs = fs_rights_for_abi(abi) };
	size_t size = sizeof attr.handled_access_fs;
	if (abi >= 4) {
		/* Bind is never allowed; connect only to the ports sandbox_allow_connect() named. */
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size += sizeof attr.handled_access_net;
	} else if (nconnect_ports > 0) {
		aura_warn("warning: Landlock ABI %d has no network rules: connections are limited "
			  "to the configured hosts by aura-fetch itself only", abi);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size += sizeof attr.scoped;
	}
	int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0) {
		aura_warn("landlock: create ruleset: %s", strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < ngrants && rc == 0; i++)
		rc = add_grant(ruleset, &grants[i], attr.handled_access_fs);
	for (int i = 0; abi >= 4 && i < nconnect_ports && rc == 0; i++) {
		struct ll_net_port_attr port = { LL_NET_CONNECT_TCP, connect_ports[i] };
		if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &port, 0) < 0) {
			aura_warn("landlock: allow connect to port %u: %s", connect_ports[i],
				  strerror(errno));
			rc = -1;
		}
	}
	if (rc == 0 && syscall(__NR_landlock_restrict_self, ruleset, 0) < 0) {
		aura_warn("landlock: restrict self: %s", strerror(errno));
		rc = -1;
	}
	close(ruleset);
	return rc;
}
