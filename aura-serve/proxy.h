/* proxy.h: the scanning index proxy: upstream pages with links rewritten, files scanned before they are served. */
#ifndef AURA_SERVE_PROXY_H
#define AURA_SERVE_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct proxy_config {
	const char *upstream;	/* simple-API URL of the upstream index, ending in '/'; or NULL */
	const char *npm_upstream;	/* npm registry URL, ending in '/'; or NULL */
	const char *cache_dir;	/* downloaded files, by sha256 */
	const char *db;		/* optional results database passed to the scan */
	const char *policy;	/* optional policy file passed to the scan (docs/policy.md) */
	const char *fail_level;	/* lowest risk that refuses a file */
	size_t max_file;	/* biggest upstream file accepted, bytes */
	long timeout_s;		/* upstream transfer time-out */
	long min_age_s;		/* releases younger than this are not offered; 0: any age */
	bool allow_unanalysed;	/* serve npm packages whose JavaScript Aura cannot analyse */
	const char *const *allow_unanalysed_names;	/* ... or only these (NULL-terminated) */
};

extern struct proxy_config cfg;

/* What the HTTP front end sends back: status, content type, and a body (malloc'd) or a file. */
struct proxy_reply {
	unsigned status;
	const char *content_type;
	char *body;		/* malloc'd; NULL when fd is used */
	size_t body_len;
	int fd;			/* an open cached file to send, or -1 */
	size_t fd_len;
};

/* Set up the link-signing key and libcurl; false (with a message) on failure. */
bool proxy_init(const struct proxy_config *cfg);

/* Answer one GET for `path` (the URL path, already split from the query). */
void proxy_get(const char *path, const char *base_url, struct proxy_reply *reply);

/* ---- shared inside aura-serve (proxy.c), used by npm.c ---- */

/* A growable byte buffer; `failed` is set once an allocation fails or the cap is crossed. */
struct buf {
	char *data;
	size_t len, cap, max;
	bool failed;
};

void buf_add(struct buf *b, const void *p, size_t n);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_text(struct proxy_reply *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hex_encode(const uint8_t *p, size_t n, char *out);

/* Which kind of file a signed link names: it decides the digest and how the scan is judged. */
enum { LINK_PYPI = 'p', LINK_NPM = 'n' };

/* A signed token for `href` of `kind` (malloc'd), to be opened only by this process. */
char *token_make(char kind, const char *href);
long http_get(const char *url, const char *accept, size_t max, struct buf *out,
	      char **final_url, char *why, size_t whylen);
const char *url_basename(const char *url, size_t *len);

/* An ISO 8601 UTC time (2024-03-02T00:00:00Z, fractions allowed), or -1. */
time_t parse_iso_time(const char *s);

/* Is a release uploaded at `uploaded` (-1: unknown) too young for --min-age? */
bool too_young(time_t uploaded);

/* GET /npm/NAME: the registry document with every dist.tarball pointing back here (npm.c). */
void serve_npm_document(const char *name, const char *base_url, struct proxy_reply *r);

/* Is an unanalysed npm package NAME let through (--allow-unanalysed or the list)? */
bool unanalysed_allowed(const char *name);

#endif
