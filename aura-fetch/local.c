/* local.c: local targets (a file, an archive, a directory, a folder of archives) become artifact records. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"

#define HEAD_BYTES 512

/* sha256 and size of an open regular file, keeping its first bytes for format detection. */
static int hash_fd(int fd, char hex[65], unsigned long long *size, unsigned char *head,
		   size_t *head_len)
{
	unsigned char buf[1 << 16];
	struct sha256_state st;
	sha256_begin(&st);
	*size = 0;
	*head_len = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (head && *head_len < HEAD_BYTES) {
			size_t take = (size_t)n < HEAD_BYTES - *head_len ? (size_t)n : HEAD_BYTES - *head_len;
			memcpy(head + *head_len, buf, take);
			*head_len += take;
		}
		sha256_add(&st, buf, (size_t)n);
		*size += (unsigned long long)n;
	}
	sha256_end(&st, hex);
	return 0;
}

/*
 * Open a regular file without ever blocking: O_NONBLOCK so that a FIFO cannot hang the
 * scan, then fstat on the descriptor.  -2 (errno kept) when it is not a regular file.
 */
static int open_regular(int dirfd, const char *name, bool follow)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
				     (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -2;
	}
	return fd;
}

/* One regular file of a directory listing. */
struct listed {
	char *relpath;
	char sha[65];
};

struct listing {
	struct listed *files;
	size_t n, cap, max;
	unsigned long long bytes;
	const char *failed;	/* why the walk stopped, or NULL */
	char failed_path[4096];
};

static void listing_fail(struct listing *l, const char *why, const char *relpath)
{
	if (l->failed)
		return;
	l->failed = why;
	snprintf(l->failed_path, sizeof l->failed_path, "%s", relpath);
}

/* Walk a directory without following symlinks: only regular files are listed. */
static void walk(int fd, const char *prefix, struct listing *l, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return listing_fail(l, strerror(errno), prefix);
	}
	struct dirent *e;
	while (!l->failed && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char rel[4096];
		if (snprintf(rel, sizeof rel, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name) >=
		    (int)sizeof rel) {
			listing_fail(l, "path too long", prefix);
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			listing_fail(l, strerror(errno), rel);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth >= 64) {
				listing_fail(l, "directories nested deeper than 64", rel);
				break;
			}
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				listing_fail(l, strerror(errno), rel);
				break;
			}
			walk(sub, rel, l, depth + 1);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;	/* symlinks and special files: unpack reports them */
		if (l->n >= l->max) {
			listing_fail(l, "too many files (see --max-files)", rel);
			break;
		}
		/*
		 * The entry may have been swapped for a FIFO or a device since fstatat: open it
		 * without blocking and decide on the descriptor, never on the name.
		 */
		int file = open_regular(dirfd(d), e->d_name, false);
		if (file == -2) {
			listing_fail(l, "changed while being listed: no longer a regular file", rel);
			break;
		}
		unsigned long long size;
		size_t head_len;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->files = xrealloc(l->files, l->cap * sizeof *l->files);
		}
		struct listed *f = &l->files[l->n];
		if (file < 0 || hash_fd(file, f->sha, &size, NULL, &head_len) < 0) {
			listing_fail(l, strerror(errno), rel);
			if (file >= 0)
				close(file);
			break;
		}
		close(file);
		f->relpath = xstrdup(rel);
		l->bytes += size;
		l->n++;
	}
	closedir(d);
}

static int by_relpath(const void *a, const void *b)
{
	return strcmp(((const struct listed *)a)->relpath, ((const struct listed *)b)->relpath);
}

/* The directory's id: sha256 of its sorted `sha256sum`-style listing (docs/protocol.md). */
static int describe_directory(int fd, const char *target, json_t *artifact,
			      size_t max_files)
{
	struct listing l = { .max = max_files };
	walk(fd, "", &l, 0);
	int rc = 0;
	if (l.failed) {
		record_error(NULL, target, "cannot list %s: %s", *l.failed_path ? l.failed_path : ".",
			     l.failed);
		rc = -1;
	} else if (l.n == 0) {
		record_error(NULL, target, "empty directory: no files to scan");
		rc = -1;
	} else {
		qsort(l.files, l.n, sizeof *l.files, by_relpath);
		struct sha256_state st;
		char hex[65];
		sha256_begin(&st);
		for (size_t i = 0; i < l.n; i++) {
			sha256_add(&st, l.files[i].sha, 64);
			sha256_add(&st, "  ", 2);
			sha256_add(&st, l.files[i].relpath, strlen(l.files[i].relpath));
			sha256_add(&st, "\n", 1);
		}
		sha256_end(&st, hex);
		json_object_set_new(artifact, "id", json_string(hex));
		json_object_set_new(artifact, "kind", json_string("directory"));
		json_object_set_new(artifact, "format", json_null());
		json_object_set_new(artifact, "sha256", json_string(hex));
		json_object_set_new(artifact, "size", json_integer((json_int_t)l.bytes));
		json_object_set_new(artifact, "files", json_integer((json_int_t)l.n));
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.files[i].relpath);
	free(l.files);
	return rc;
}

int describe_file(int fd, const char *target, json_t *artifact)
{
	unsigned char head[HEAD_BYTES];
	size_t head_len;
	unsigned long long size;
	char hex[65];
	if (hash_fd(fd, hex, &size, head, &head_len) < 0) {
		record_error(NULL, target, "read error: %s", strerror(errno));
		return -1;
	}
	char *copy = xstrdup(target);
	const char *base = basename(copy);
	const char *format = content_archive_format(head, head_len, base);
	json_object_set_new(artifact, "id", json_string(hex));
	json_object_set_new(artifact, "kind", json_string(format ? "archive" : "file"));
	json_object_set_new(artifact, "format", format ? json_string(format) : json_null());
	json_object_set_new(artifact, "sha256", json_string(hex));
	json_object_set_new(artifact, "size", json_integer((json_int_t)size));
	if (format)
		package_name_version(base, artifact);
	free(copy);
	return 0;
}

json_t *artifact_new(const char *path, const char *ecosystem)
{
	json_t *artifact = record_new("artifact");
	json_object_set_new(artifact, "id", json_null());	/* keep "id" second */
	size_t len = strlen(path);
	json_object_set_new(artifact, "path", json_string_lossy(path, len));
	if (!utf8_valid(path, len)) {
		/* The name is bytes, not text: unpack opens path_raw (docs/protocol.md). */
		char *b64 = base64_encode(path, len);
		json_object_set_new(artifact, "path_raw", json_string(b64));
		free(b64);
	}
	char *copy = xstrdup(path);
	const char *base = basename(copy);
	json_object_set_new(artifact, "name", json_string_lossy(base, strlen(base)));
	free(copy);
	json_object_set_new(artifact, "version", json_null());
	json_object_set_new(artifact, "ecosystem", json_string(ecosystem));
	return artifact;
}

/* A file in a folder's top level, for deciding whether the folder is a list of archives. */
struct entry {
	char *name;
	bool is_dir, is_archive;
	const char *not_scanned;	/* links and special files: why it has no target */
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Files whose presence makes a folder a package (one target), not a list of archives. */
static const char *const package_markers[] = {
	"setup.py", "setup.cfg", "pyproject.toml", "PKG-INFO", "__init__.py", "package.json", NULL
};

/*
 * The top level of a folder: its directories and regular files, and which files are
 * archives (by content).  Returns the count, or -1 when the folder is a package.
 */
static long folder_entries(int fd, struct entry **out)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* its own offset */
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	struct entry *list = NULL;
	size_t n = 0, cap = 0;
	bool package = false;
	struct dirent *e;
	while (!package && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (const char *const *m = package_markers; *m; m++)
			package |= strcmp(e->d_name, *m) == 0;
		struct stat st;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		bool is_dir = S_ISDIR(st.st_mode), is_archive = false;
		if (!is_dir && S_ISREG(st.st_mode)) {
			int f = open_regular(fd, e->d_name, false);
			unsigned char head[HEAD_BYTES];
			ssize_t got = f >= 0 ? pread(f, head, sizeof head, 0) : -1;
			if (f >= 0)
				close(f);
			is_archive = got > 0 && content_archive_format(head, (size_t)got, e->d_name) != NULL;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			list = xrealloc(list, cap * sizeof *list);
		}
		list[n++] = (struct entry){ xstrdup(e->d_name), is_dir, is_archive,
					    S_ISLNK(st.st_mode) ? "a symbolic link" :
					    !is_dir && !S_ISREG(st.st_mode) ? "a special file" : NULL };
	}
	closedir(d);
	size_t archives = 0;
	for (size_t i = 0; i < n; i++)
		archives += list[i].is_archive;
	if (package || archives == 0) {
		for (size_t i = 0; i < n; i++)
			free(list[i].name);
		free(list);
		return -1;
	}
	qsort(list, n, sizeof *list, by_name);
	*out = list;
	return (long)n;
}

/*
 * A folder holding archives and no package of its own (downloads/, a wheelhouse) is a
 * list of targets: each archive, each subfolder and each loose file gets its own verdict.
 * Returns -2 when the folder is a single package instead.
 */
static int fetch_folder_of_archives(int fd, const char *path, int depth)
{
	struct entry *list;
	long n = folder_entries(fd, &list);
	if (n < 0)
		return -2;
	int rc = 0;
	for (long i = 0; i < n; i++) {
		char *child;
		if (asprintf(&child, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
			     list[i].name) < 0)
			aura_oom();
		if (list[i].not_scanned) {
			/* The folder is not scanned as a whole: say what is left out. */
			record_error(NULL, child, "%s in a folder of archives: not scanned",
				     list[i].not_scanned);
			rc = -1;
		} else if (depth < 8 || !list[i].is_dir)
			rc |= fetch_local(child);
		else
			record_error(NULL, child, "folder nested deeper than 8 levels in a folder of archives");
		free(child);
		free(list[i].name);
	}
	free(list);
	return rc ? -1 : 0;
}

static int folder_depth;	/* recursion through folders of archives */

int fetch_local(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		record_error(NULL, path, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		record_error(NULL, path, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		/* A FIFO would block the scan forever; devices and sockets are not packages. */
		record_error(NULL, path, "not a regular file or directory (%s): refused",
			     S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISSOCK(st.st_mode) ? "a socket" :
			     "a device");
		close(fd);
		return -1;
	}
	int rc;
	if (S_ISDIR(st.st_mode)) {
		if (env_is_site_packages(fd)) {
			rc = env_fetch(fd, path);
			close(fd);
			return rc;
		}
		folder_depth++;
		rc = fetch_folder_of_archives(fd, path, folder_depth);
		folder_depth--;
		if (rc != -2) {
			close(fd);
			return rc;
		}
	} else {
		unsigned char head[HEAD_BYTES];
		ssize_t got = pread(fd, head, sizeof head, 0);
		enum lock_kind lock = got > 0 ? lockfile_recognised(path, head, (size_t)got) : LOCK_NONE;
		if (lock != LOCK_NONE) {
			close(fd);
			return lockfile_fetch(path, lock);
		}
		if (got > 0 && requirements_recognised(path, head, (size_t)got)) {
			close(fd);
			return requirements_fetch(path);
		}
	}
	json_t *artifact = artifact_new(path, "local");
	if (S_ISDIR(st.st_mode)) {
		rc = describe_directory(fd, path, artifact, fetch_cfg.max_files);	/* closes fd */
	} else {
		rc = describe_file(fd, path, artifact);
		close(fd);
	}
	if (rc == 0 && !reuse_emit(artifact))
		out_record(artifact);
	json_decref(artifact);
	return rc;
}
