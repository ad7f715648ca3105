/* env.c: a site-packages or virtualenv as one target per installed distribution (*.dist-info, *.egg-info). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"
#include "stagehits.h"

/*
 * A distribution's files are spread over site-packages (its package, its .dist-info,
 * scripts).  Fetch gathers the ones its RECORD (or installed-files.txt, or top_level.txt)
 * names into a tar in the download cache, content-addressed like any download, so that
 * unpack and the verdict see exactly that distribution.
 */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && strcmp(s + n - m, suffix) == 0;
}

/*
 * An installed distribution's metadata folder: NAME-VERSION.dist-info, or
 * NAME-VERSION[-pyX.Y].egg-info.  A source tree's own NAME.egg-info (from `setup.py
 * egg_info`) has no version and does not make its folder a site-packages.
 */
static bool is_installed_info(const char *name)
{
	if (!ends_with(name, ".dist-info") && !ends_with(name, ".egg-info"))
		return false;
	const char *dash = strchr(name, '-');
	return dash && dash > name && dash[1] >= '0' && dash[1] <= '9';
}

bool env_is_site_packages(int fd)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* its own offset */
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return false;
	}
	bool found = false, package = false;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		found |= is_installed_info(e->d_name);
		/* An sdist holds its own .egg-info beside setup.py: that is one package. */
		package |= strcmp(e->d_name, "setup.py") == 0 || strcmp(e->d_name, "pyproject.toml") == 0 ||
			   strcmp(e->d_name, "setup.cfg") == 0 || strcmp(e->d_name, "PKG-INFO") == 0 ||
			   strcmp(e->d_name, "__init__.py") == 0;
	}
	closedir(d);
	return found && !package;
}

/* A "Key: value" header of METADATA/PKG-INFO, malloc'd, or NULL. */
static char *metadata_field(int dirfd, const char *file, const char *key)
{
	int fd = openat(dirfd, file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	size_t klen = strlen(key);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (*line == '\n')
			break;	/* the headers end at the first empty line */
		if (strncasecmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;
			while (*v == ' ')
				v++;
			return strndup(v, strcspn(v, "\r\n"));
		}
	}
	return NULL;
}

struct env_file {
	char *rel;		/* relative to site-packages */
	char *hash;		/* RECORD's "sha256=..." or NULL */
};

struct dist {
	char *info_dir;		/* foo-1.0.dist-info */
	struct env_file *files;
	size_t n;
	json_t *hits;
};

static void dist_add(struct dist *d, const char *rel, const char *hash)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->files[i].rel, rel) == 0)
			return;
	d->files = xrealloc(d->files, (d->n + 1) * sizeof *d->files);
	d->files[d->n++] = (struct env_file){ xstrdup(rel), hash && *hash ? xstrdup(hash) : NULL };
}

/* Join an info-dir-relative path and normalise "a/../b"; NULL when it leaves site-packages. */
static char *beneath(const char *base, const char *rel)
{
	char *joined, *out;
	if (rel[0] == '/' || asprintf(&joined, "%s%s", base, rel) < 0)
		return NULL;
	out = xmalloc(strlen(joined) + 1);
	size_t o = 0;
	for (char *save = NULL, *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if (o == 0) {
				free(joined);
				free(out);
				return NULL;
			}
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		o += (size_t)sprintf(out + o, "%s%s", o ? "/" : "", seg);
	}
	out[o] = '\0';
	free(joined);
	return out;
}

/* Read a small text file beneath dirfd line by line into `fn`. */
static int each_line(int dirfd, const char *file, void (*fn)(char *line, void *ctx), void *ctx)
{
	int fd = openat(dirfd, file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0)
			fn(line, ctx);
	}
	free(line);
	fclose(f);
	return 0;
}

struct line_ctx {
	struct dist *d;
	const char *base;	/* prefix for relative names ("foo.egg-info/") */
};

/* RECORD: path,sha256=urlsafe-b64,size (the path may be quoted when it holds a comma). */
static void record_line(char *line, void *ctx)
{
	struct line_ctx *c = ctx;
	char *path = line, *hash;
	if (*line == '"') {
		path = line + 1;
		char *q = strchr(path, '"');
		if (!q)
			return;
		*q = '\0';
		hash = q + 1 + (q[1] == ',');
	} else {
		char *comma = strchr(line, ',');
		if (!comma)
			return;
		*comma = '\0';
		hash = comma + 1;
	}
	hash[strcspn(hash, ",")] = '\0';
	char *rel = beneath("", path);
	if (rel)
		dist_add(c->d, rel, hash);
	else {
		json_t *hit = hit_new(NULL, HIT_FETCH(RecordOutsideEnvironment), path, 0, 0,
				      "RECORD names a file outside site-packages (a script or data "
				      "file): not part of this distribution's scan");
		json_array_append_new(c->d->hits, hit);
	}
	free(rel);
}

static void installed_files_line(char *line, void *ctx)
{
	struct line_ctx *c = ctx;
	char *rel = beneath(c->base, line);
	if (rel)
		dist_add(c->d, rel, NULL);
	free(rel);
}

/* top_level.txt: module names, a package folder or a module file beside the info dir. */
static void top_level_line(char *line, void *ctx)
{
	struct line_ctx *c = ctx;
	char name[512];
	snprintf(name, sizeof name, "%s.py", line);
	dist_add(c->d, name, NULL);
	dist_add(c->d, line, NULL);
}

/* The sha256 of what is left to read of `fd`, in hex (a read error ends the input). */
static void sha256_of_fd(int fd, char hex[65])
{
	struct sha256_state st;
	unsigned char buf[1 << 16];
	ssize_t n;
	sha256_begin(&st);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sha256_add(&st, buf, (size_t)n);
	sha256_end(&st, hex);
}

/* RECORD's urlsafe base64 sha256 against the bytes on disk. */
static bool record_hash_matches(const char *record_hash, int fd)
{
	char hex[65];
	sha256_of_fd(fd, hex);
	/* Some installers (Debian's for flit packages) write hex instead of PEP 627's base64. */
	if (strlen(record_hash + 7) == 64)
		return strcasecmp(record_hash + 7, hex) == 0;
	char b64[64];
	snprintf(b64, sizeof b64, "%s", record_hash + 7);
	for (char *p = b64; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	size_t len = strlen(b64);
	while (len % 4)
		b64[len++] = '=';
	b64[len] = '\0';
	size_t out_len;
	unsigned char *raw = base64_decode(b64, len, &out_len);
	struct digest want = { DIGEST_SHA256, { 0 }, 32 };
	char want_hex[65] = "";
	if (raw && out_len == 32) {
		memcpy(want.bytes, raw, 32);
		digest_hex(&want, want_hex, sizeof want_hex);
	}
	free(raw);
	return strcmp(want_hex, hex) == 0;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const struct env_file *)a)->rel, ((const struct env_file *)b)->rel);
}

/* Add one file (or, for top_level names, a whole folder) to the tar. */
static int tar_add(struct archive *a, int root, const char *rel, struct dist *d, int depth)
{
	int fd = openat(root, rel, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = depth < 32 ? fdopendir(fd) : NULL;
		if (!dir) {
			close(fd);
			return 0;
		}
		struct dirent *e;
		int rc = 0;
		while (rc == 0 && (e = readdir(dir)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
			    strcmp(e->d_name, "__pycache__") == 0)
				continue;
			char *child;
			if (asprintf(&child, "%s/%s", rel, e->d_name) < 0)
				aura_oom();
			/* A file the listing names on its own is added there, not twice. */
			struct env_file key = { .rel = child };
			if (!bsearch(&key, d->files, d->n, sizeof *d->files, by_rel))
				rc = tar_add(a, root, child, d, depth + 1);
			free(child);
		}
		closedir(dir);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return 0;	/* links and special files are not installed content */
	}
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, rel);
	archive_entry_set_size(e, st.st_size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, st.st_mode & 0777);
	int rc = archive_write_header(a, e) == ARCHIVE_OK ? 0 : -1;
	archive_entry_free(e);
	unsigned char buf[1 << 16];
	ssize_t n;
	off_t left = st.st_size;
	while (rc == 0 && left > 0 && (n = read(fd, buf, sizeof buf)) > 0) {
		if (n > left)
			n = (ssize_t)left;
		rc = archive_write_data(a, buf, (size_t)n) == n ? 0 : -1;
		left -= n;
	}
	close(fd);
	return rc;
}

/* Check RECORD hashes; hits for files that changed or vanished since installation. */
static void check_record(int root, struct dist *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct env_file *f = &d->files[i];
		if (!f->hash)
			continue;
		int fd = openat(root, f->rel, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		bool regular = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
		if (!regular) {
			json_array_append_new(d->hits, hit_new(NULL, HIT_FETCH(RecordFileMissing),
				f->rel, 0, 0, "a file the distribution's RECORD lists is missing"));
		} else if (strncmp(f->hash, "sha256=", 7) != 0 || !record_hash_matches(f->hash, fd)) {
			/* Distributions strip shared libraries after installing them (Debian's
			 * dh_strip): a changed native module weighs less than changed source. */
			bool native = ends_with(f->rel, ".so") || strstr(f->rel, ".so.") ||
				      ends_with(f->rel, ".pyd") || ends_with(f->rel, ".dylib");
			json_array_append_new(d->hits, native ?
				hit_new(NULL, HIT_FETCH(RecordMismatchNative), f->rel, 0, 0,
					"an installed native module differs from the hash in its RECORD "
					"(stripped by the distribution, or replaced)") :
				hit_new(NULL, HIT_FETCH(RecordMismatch), f->rel, 0, 0,
					"an installed file differs from the hash in its RECORD: it was "
					"changed after installation"));
		}
		if (fd >= 0)
			close(fd);
	}
}

static int fetch_distribution(int root, const char *path, const char *info)
{
	struct dist d = { .info_dir = xstrdup(info), .hits = json_array() };
	bool dist_info = ends_with(info, ".dist-info");
	char meta[1024], base[1024];
	snprintf(base, sizeof base, "%s/", info);
	struct stat st;
	bool info_is_dir = fstatat(root, info, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
	snprintf(meta, sizeof meta, info_is_dir ? "%s/%s" : "%s", info,
		 dist_info ? "METADATA" : "PKG-INFO");
	char *name = metadata_field(root, meta, "Name"), *version = metadata_field(root, meta, "Version");
	struct line_ctx c = { &d, base };
	char list[1024];
	bool has_record = false;
	if (dist_info) {
		snprintf(list, sizeof list, "%s/RECORD", info);
		has_record = each_line(root, list, record_line, &c) == 0;
	} else if (info_is_dir) {
		snprintf(list, sizeof list, "%s/installed-files.txt", info);
		if (each_line(root, list, installed_files_line, &c) < 0) {
			snprintf(list, sizeof list, "%s/top_level.txt", info);
			each_line(root, list, top_level_line, &c);
		}
	}
	dist_add(&d, info, NULL);	/* the metadata itself, whatever the listing says */
	if (has_record)
		check_record(root, &d);
	qsort(d.files, d.n, sizeof *d.files, by_rel);	/* a stable order, and bsearch in tar_add */

	/* The distribution's files as a tar in the cache (tmp, then its sha256 name). */
	char tmp[4096], where[4096], sha[65];
	int rc = -1;
	snprintf(tmp, sizeof tmp, "%s/tmp/env-XXXXXX", fetch_cfg.cache_dir ? fetch_cfg.cache_dir : "");
	int fd = fetch_cfg.cache_dir ? mkostemp(tmp, O_CLOEXEC) : -1;
	struct archive *a = archive_write_new();
	if (fd >= 0 && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
	    archive_write_open_fd(a, fd) == ARCHIVE_OK) {
		rc = 0;
		for (size_t i = 0; i < d.n && rc == 0; i++)
			rc = tar_add(a, root, d.files[i].rel, &d, 0);
		if (archive_write_close(a) != ARCHIVE_OK)
			rc = -1;
	}
	archive_write_free(a);
	snprintf(where, sizeof where, "%s/%s", path, info);
	if (rc < 0)
		record_error(NULL, where, "cannot gather the distribution's files into the cache%s",
			     fetch_cfg.cache_dir ? "" : " (no cache directory)");
	if (rc == 0 && lseek(fd, 0, SEEK_SET) == 0) {
		sha256_of_fd(fd, sha);
		char final[4096];
		snprintf(final, sizeof final, "%s/sha256/%s", fetch_cfg.cache_dir, sha);
		if (rename(tmp, final) == 0) {
			/* Hits first: they must reach score before unpack closes the artifact. */
			size_t i;
			json_t *hit;
			json_array_foreach(d.hits, i, hit) {
				json_object_set_new(hit, "artifact", json_string(sha));
				json_object_set_new(hit, "stage", json_string("aura-fetch"));
				out_record(hit);
			}
			json_t *extra = json_object(), *inst = json_object();
			json_object_set_new(inst, "location", json_string_lossy(where, strlen(where)));
			json_object_set_new(inst, "listing", json_string(has_record ? "RECORD" :
				dist_info ? "none" : "installed-files.txt or top_level.txt"));
			json_object_set_new(inst, "record_checked", json_boolean(has_record));
			json_object_set_new(extra, "installed", inst);
			char display[4096];
			snprintf(display, sizeof display, "%s", info);
			rc = emit_download(where, final, sha, display, name, version, "installed", extra);
		} else {
			record_error(NULL, where, "cache: %s", strerror(errno));
			rc = -1;
		}
	}
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	for (size_t i = 0; i < d.n; i++) {
		free(d.files[i].rel);
		free(d.files[i].hash);
	}
	free(d.files);
	free(d.info_dir);
	json_decref(d.hits);
	free(name);
	free(version);
	return rc;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int env_fetch(int fd, const char *path)
{
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* its own offset */
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		record_error(NULL, path, "cannot list: %s", strerror(errno));
		return -1;
	}
	char **infos = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (is_installed_info(e->d_name)) {
			infos = xrealloc(infos, (n + 1) * sizeof *infos);
			infos[n++] = xstrdup(e->d_name);
		}
	closedir(d);
	if (n > 1)	/* qsort's array may not be NULL, even for no elements */
		qsort(infos, n, sizeof *infos, by_string);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		failed += fetch_distribution(fd, path, infos[i]) < 0;
		free(infos[i]);
	}
	free(infos);
	return failed ? -1 : 0;
}
