/* fetch.c: local targets (a file, an archive, a directory) become artifact records. */
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
		int file = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
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
			      const struct fetch_limits *limits)
{
	struct listing l = { .max = limits->max_files };
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

static int describe_file(int fd, const char *target, json_t *artifact)
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
	const char *format = archive_format(head, head_len, base);
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

int fetch_target(const char *target, const struct fetch_limits *limits)
{
	int fd = open(target, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		record_error(NULL, target, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		record_error(NULL, target, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	json_t *artifact = record_new("artifact");
	json_object_set_new(artifact, "id", json_null());	/* keep "id" second */
	json_object_set_new(artifact, "path", json_string_lossy(target, strlen(target)));
	char *copy = xstrdup(target);
	json_object_set_new(artifact, "name", json_string_lossy(basename(copy), strlen(basename(copy))));
	free(copy);
	json_object_set_new(artifact, "version", json_null());
	json_object_set_new(artifact, "ecosystem", json_string("local"));
	int rc;
	if (S_ISDIR(st.st_mode)) {
		rc = describe_directory(fd, target, artifact, limits);	/* closes fd */
	} else if (S_ISREG(st.st_mode)) {
		rc = describe_file(fd, target, artifact);
		close(fd);
	} else {
		record_error(NULL, target, "not a regular file or directory");
		close(fd);
		rc = -1;
	}
	if (rc == 0)
		out_record(artifact);
	json_decref(artifact);
	return rc;
}
