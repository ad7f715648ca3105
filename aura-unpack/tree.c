/* tree.c: reading a directory artifact (sorted walk, no symlinks followed) or a single file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "unpack.h"
#include "stagehits.h"

#define BLOCK_SIZE 65536

/* One entry found by the walk: its path relative to the artifact, and lstat's mode. */
struct node {
	char *rel;
	mode_t mode;
};

struct walk {
	struct unpacker *u;
	struct node *nodes;
	size_t n, cap;
	bool full;		/* collected max_members + 1 entries: the limit will show */
};

static void walk_add(struct walk *w, char *rel, mode_t mode)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->nodes = xrealloc(w->nodes, w->cap * sizeof *w->nodes);
	}
	w->nodes[w->n++] = (struct node){ rel, mode };
	if (w->n > unpack_opts.max_members)
		w->full = true;
}

static char *join(const char *prefix, const char *name)
{
	size_t a = prefix ? strlen(prefix) : 0, b = strlen(name);
	char *s = xmalloc(a + b + 2);
	if (a) {
		memcpy(s, prefix, a);
		s[a] = '/';
		a++;
	}
	memcpy(s + a, name, b + 1);
	return s;
}

/*
 * Collect every entry beneath `fd` (which this function owns and closes).  Entries are
 * lstat'ed relative to their directory, and only real directories are descended into.
 */
static void collect(struct walk *w, int fd, const char *prefix, unsigned depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		emit_error(w->u, prefix, "cannot list directory: %s", strerror(errno));
		close(fd);
		return;
	}
	struct dirent *de = NULL;
	while (!w->full) {
		errno = 0;	/* readdir's only way to tell an error from the end */
		if (!(de = readdir(d)))
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *rel = join(prefix, de->d_name);
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			emit_error(w->u, rel, "cannot stat: %s", strerror(errno));
			free(rel);
			continue;
		}
		walk_add(w, rel, st.st_mode);
		if (!S_ISDIR(st.st_mode))
			continue;
		if (depth >= unpack_opts.max_depth) {
			emit_error(w->u, rel, "directory deeper than %u levels (--max-depth); "
				   "not descended", unpack_opts.max_depth);
			continue;
		}
		int sub = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			emit_error(w->u, rel, "cannot open directory: %s", strerror(errno));
			continue;
		}
		collect(w, sub, rel, depth + 1);
	}
	if (!de && errno)
		emit_error(w->u, prefix, "cannot list directory: %s", strerror(errno));
	if (closedir(d) < 0)
		aura_warn("closedir: %s", strerror(errno));
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->rel, ((const struct node *)b)->rel);
}

/* Stream an open regular file into a member record. */
static void read_fd(struct unpacker *u, int fd, const char *name, unsigned perm,
		    int64_t size_hint)
{
	static unsigned char buf[BLOCK_SIZE];
	struct member m;
	member_begin(&m, name, perm, size_hint);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			emit_error(u, m.name.text, "read error: %s", strerror(errno));
			member_free(&m);
			return;
		}
		if (!member_add(u, &m, buf, (size_t)n)) {
			member_free(&m);
			return;
		}
	}
	member_emit(u, &m);
	member_free(&m);
}

/*
 * Open a regular file found by the walk.  Landlock keeps every open beneath the artifact
 * even if a directory on the way was swapped for a symlink; O_NOFOLLOW refuses a swapped
 * last component, and fstat confirms it is still a regular file.
 */
static void read_node(struct unpacker *u, const struct node *nd, const struct member_name *name)
{
	int fd = openat(u->job->fd, nd->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
			O_NOCTTY);
	if (fd < 0) {
		emit_error(u, name->text, "cannot open: %s", strerror(errno));
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		emit_error(u, name->text, "changed while being read: no longer a regular file");
	else
		read_fd(u, fd, nd->rel, nd->mode & 07777, st.st_size);
	if (close(fd) < 0)
		aura_warn("close: %s", strerror(errno));
}

static const char *special_type(mode_t mode)
{
	if (S_ISCHR(mode)) return "character device";
	if (S_ISBLK(mode)) return "block device";
	if (S_ISFIFO(mode)) return "FIFO";
	if (S_ISSOCK(mode)) return "socket";
	return "special file";
}

static void handle_node(struct unpacker *u, const struct node *nd)
{
	struct member_name name;
	member_name_init(&name, nd->rel);
	if (!entry_check(u, &name, name.raw, nd->mode & 07777))
		goto done;
	if (S_ISREG(nd->mode)) {
		read_node(u, nd, &name);
	} else if (S_ISLNK(nd->mode)) {
		char to[4096];
		ssize_t n = readlinkat(u->job->fd, nd->rel, to, sizeof to - 1);
		to[n < 0 ? 0 : n] = '\0';
		struct member_name target;
		member_name_init(&target, n < 0 ? "?" : to);
		emit_hit(u, HIT_UNPACK(Symlink), name.text, NULL,
			 "member '%s' is a symbolic link to '%s'", name.text, target.text);
		member_name_free(&target);
	} else if (!S_ISDIR(nd->mode)) {
		emit_hit(u, HIT_UNPACK(SpecialFile), name.text, NULL, "member '%s' is a %s",
			 name.text, special_type(nd->mode));
	}
done:
	member_name_free(&name);
}

void tree_unpack(struct unpacker *u)
{
	/* A descriptor of our own for the listing: closedir closes it, the job's fd stays. */
	int fd = openat(u->job->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		emit_error(u, NULL, "cannot open directory: %s", strerror(errno));
		return;
	}
	struct walk w = { .u = u };
	collect(&w, fd, NULL, 1);
	/* The protocol's order: bytes of the relative path, as for the directory's id. */
	qsort(w.nodes, w.n, sizeof *w.nodes, by_path);
	for (size_t i = 0; i < w.n; i++) {
		if (!u->stop)
			handle_node(u, &w.nodes[i]);
		free(w.nodes[i].rel);
	}
	free(w.nodes);
}

void single_unpack(struct unpacker *u)
{
	const char *path = u->job->path, *slash = strrchr(path, '/');
	const char *base = slash && slash[1] ? slash + 1 : path;
	struct stat st;
	if (fstat(u->job->fd, &st) < 0) {
		emit_error(u, NULL, "cannot stat: %s", strerror(errno));
		return;
	}
	struct member_name name;
	member_name_init(&name, base);
	if (entry_check(u, &name, name.raw, st.st_mode & 07777))
		read_fd(u, u->job->fd, base, st.st_mode & 07777, st.st_size);
	member_name_free(&name);
}
