/* proxy.h: the scanning index proxy: upstream pages with links rewritten, files scanned before they are served. */
#ifndef AURA_SERVE_PROXY_H
#define AURA_SERVE_PROXY_H

#include <stdbool.h>
#include <stddef.h>

struct proxy_config {
	const char *upstream;	/* simple-API URL of the upstream index, ending in '/' */
	const char *cache_dir;	/* downloaded files, by sha256 */
	const char *aura;	/* the `aura` driver that scans a file */
	const char *db;		/* optional results database passed to the scan */
	const char *fail_level;	/* lowest risk that refuses a file */
	size_t max_file;	/* biggest upstream file accepted, bytes */
	long timeout_s;		/* upstream transfer time-out */
};

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

#endif
