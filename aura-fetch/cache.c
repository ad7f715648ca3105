/* cache.c: the content-addressed download cache ($XDG_CACHE_HOME/aura) and published-digest checks. */
#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"
#include "record.h"

/*
 * Layout: sha256/<hex> holds the bytes (the name is their sha256, checked again on every
 * use); url/<sha256 of the URL> names the sha256 a URL gave last time (for registries that
 * publish another digest); http/<sha256 of URL and Accept> keeps metadata responses for
 * --offline; tmp/ holds downloads in progress.
 */

const char *digest_name(enum digest_kind kind)
{
	static const char *const names[] = { "none", "sha256", "sha512", "sha1" };
	return names[kind];
}

static size_t digest_size(enum digest_kind kind)
{
	return kind == DIGEST_SHA256 ? 32 : kind == DIGEST_SHA512 ? 64 : kind == DIGEST_SHA1 ? 20 : 0;
}

bool digest_from_hex(enum digest_kind kind, const char *hex, struct digest *d)
{
	size_t n = digest_size(kind);
	if (strlen(hex) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return false;
		d->bytes[i] = (unsigned char)v;
	}
	d->kind = kind;
	d->len = n;
	return true;
}

bool digest_from_sri(const char *integrity, struct digest *d)
{
	/* Subresource Integrity: "sha512-BASE64" (npm); the strongest sha512 entry wins. */
	const char *p = strstr(integrity, "sha512-");
	if (!p)
		return false;
	p += 7;
	size_t len = strcspn(p, " ");
	size_t out_len;
	unsigned char *bytes = base64_decode(p, len, &out_len);
	bool ok = bytes && out_len == 64;
	if (ok) {
		memcpy(d->bytes, bytes, 64);
		d->kind = DIGEST_SHA512;
		d->len = 64;
	}
	free(bytes);
	return ok;
}

void digest_hex(const struct digest *d, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < d->len && o + 3 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%02x", d->bytes[i]);
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
}

/* The three digests registries publish, computed in one pass. */
struct hashes {
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512;
	int fd;			/* where a download is written, or -1 */
	size_t written;
};

static void hashes_reset(void *ctx)
{
	struct hashes *h = ctx;
	sha1_init(&h->sha1);
	sha256_init(&h->sha256);
	sha512_init(&h->sha512);
	h->written = 0;
	if (h->fd >= 0 && (ftruncate(h->fd, 0) < 0 || lseek(h->fd, 0, SEEK_SET) < 0))
		aura_warn("cache: cannot restart a download: %s", strerror(errno));
}

static int hashes_add(const void *p, size_t n, void *ctx)
{
	struct hashes *h = ctx;
	sha1_update(&h->sha1, n, p);
	sha256_update(&h->sha256, n, p);
	sha512_update(&h->sha512, n, p);
	for (size_t done = 0; h->fd >= 0 && done < n;) {
		ssize_t w = write(h->fd, (const char *)p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		done += (size_t)w;
	}
	h->written += n;
	return 0;
}

/* The digests of what was hashed: sha256 as hex, the one `want` names in `got`. */
static void hashes_end(struct hashes *h, char sha256_hex[65], enum digest_kind kind,
		       struct digest *got)
{
	struct digest d256 = { DIGEST_SHA256, { 0 }, 32 };
	sha256_digest(&h->sha256, 32, d256.bytes);
	digest_hex(&d256, sha256_hex, 65);
	got->kind = kind;
	got->len = digest_size(kind);
	if (kind == DIGEST_SHA256)
		*got = d256;
	else if (kind == DIGEST_SHA512)
		sha512_digest(&h->sha512, 64, got->bytes);
	else if (kind == DIGEST_SHA1)
		sha1_digest(&h->sha1, 20, got->bytes);
}

static int hash_file(const char *path, struct hashes *h)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	h->fd = -1;
	hashes_reset(h);
	unsigned char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		hashes_add(buf, (size_t)n, h);
	close(fd);
	return n < 0 ? -1 : 0;
}

static void cache_path(char *out, size_t cap, const char *dir, const char *key_hex)
{
	snprintf(out, cap, "%s/%s/%s", fetch_cfg.cache_dir, dir, key_hex);
}

static bool digest_equal(const struct digest *a, const struct digest *b)
{
	return a->kind == b->kind && a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}

/* A cached copy of the file `want` (or `url`) names, re-hashed now; 0 when usable. */
static int cache_lookup(const char *url, const struct digest *want, char *path, size_t path_cap,
			char sha256[65])
{
	char key[65], url_key[65] = "";
	if (want->kind == DIGEST_SHA256) {
		digest_hex(want, key, sizeof key);
	} else {
		char link[4096];
		sha256_hex(url, strlen(url), url_key);
		cache_path(link, sizeof link, "url", url_key);
		FILE *f = fopen(link, "re");
		if (!f)
			return -1;
		bool ok = fscanf(f, "%64s", key) == 1;
		fclose(f);
		if (!ok)
			return -1;
	}
	cache_path(path, path_cap, "sha256", key);
	struct hashes h;
	if (hash_file(path, &h) < 0)
		return -1;
	struct digest got;
	hashes_end(&h, sha256, want->kind == DIGEST_NONE ? DIGEST_SHA256 : want->kind, &got);
	if (strcmp(sha256, key) != 0 || (want->kind != DIGEST_NONE && !digest_equal(&got, want))) {
		/* Damaged or planted: never used, and gone so that it is fetched again. */
		aura_warn("cache: %s does not match its digest; discarded", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int cache_download(const char *url, const struct digest *want, char *path, size_t path_cap,
		   char sha256[65], char *why, size_t cap)
{
	if (!fetch_cfg.cache_dir) {
		snprintf(why, cap, "no download cache ($XDG_CACHE_HOME or $HOME unset)");
		return -1;
	}
	if (cache_lookup(url, want, path, path_cap, sha256) == 0)
		return 0;
	if (fetch_cfg.offline) {
		snprintf(why, cap, "%s: not in the cache (--offline)", url);
		return -1;
	}
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/tmp/download-XXXXXX", fetch_cfg.cache_dir);
	struct hashes h = { .fd = mkostemp(tmp, O_CLOEXEC) };
	if (h.fd < 0) {
		snprintf(why, cap, "cache: cannot create a file in %s/tmp: %s", fetch_cfg.cache_dir,
			 strerror(errno));
		return -1;
	}
	struct http_body body;
	int rc = http_transfer(url, NULL, fetch_cfg.max_download, hashes_add, hashes_reset, &h,
			       &body, why, cap);
	if (rc == 0 && body.status != 200) {
		snprintf(why, cap, "%s: HTTP %ld", url, body.status);
		rc = -1;
	}
	if (close(h.fd) < 0 && rc == 0) {
		snprintf(why, cap, "cache: write error: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		struct digest got;
		hashes_end(&h, sha256, want->kind == DIGEST_NONE ? DIGEST_SHA256 : want->kind, &got);
		if (want->kind != DIGEST_NONE && !digest_equal(&got, want)) {
			char a[129], b[129];
			digest_hex(want, a, sizeof a);
			digest_hex(&got, b, sizeof b);
			snprintf(why, cap, "published %s %s, downloaded %s", digest_name(want->kind),
				 a, b);
			rc = -2;
		}
	}
	if (rc == 0) {
		cache_path(path, path_cap, "sha256", sha256);
		if (rename(tmp, path) < 0) {
			snprintf(why, cap, "cache: cannot store %s: %s", path, strerror(errno));
			rc = -1;
		}
	}
	if (rc != 0)
		unlink(tmp);
	if (rc == 0 && want->kind != DIGEST_SHA256) {
		char url_key[65], link[4096];
		sha256_hex(url, strlen(url), url_key);
		cache_path(link, sizeof link, "url", url_key);
		cache_put_file(link, sha256, 64);
	}
	return rc;
}

/* Write a small file atomically (temporary name, then rename). */
int cache_put_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/tmp/put-XXXXXX", fetch_cfg.cache_dir);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	bool ok = write(fd, data, len) == (ssize_t)len;
	ok &= close(fd) == 0;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int cache_put_response(const char *key, const void *data, size_t len)
{
	if (!fetch_cfg.cache_dir)
		return -1;
	char hex[65], path[4096];
	sha256_hex(key, strlen(key), hex);
	cache_path(path, sizeof path, "http", hex);
	return cache_put_file(path, data, len);
}

unsigned char *cache_get_response(const char *key, size_t *len)
{
	if (!fetch_cfg.cache_dir)
		return NULL;
	char hex[65], path[4096];
	sha256_hex(key, strlen(key), hex);
	cache_path(path, sizeof path, "http", hex);
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > fetch_cfg.max_download) {
		close(fd);
		return NULL;
	}
	unsigned char *data = xmalloc((size_t)st.st_size + 1);
	ssize_t n = read(fd, data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len = (size_t)n;
	return data;
}

/* Create the cache's folders (before sealing: Landlock then grants writes beneath). */
int cache_prepare(void)
{
	static const char *const dirs[] = { "", "/sha256", "/url", "/http", "/tmp", NULL };
	for (const char *const *d = dirs; *d; d++) {
		char path[4096];
		snprintf(path, sizeof path, "%s%s", fetch_cfg.cache_dir, *d);
		/* The parents ($XDG_CACHE_HOME itself) may be missing on a fresh account. */
		for (char *slash = strchr(path + 1, '/'); slash && !**d; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			mkdir(path, 0700);
			*slash = '/';
		}
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}
