/* http.c: HTTP(S) with libcurl, only to hosts resolved before sealing; time-outs, retries, caps. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "fetch.h"
#include "strbuf.h"

/*
 * Every host a transfer may reach is named before sealing (the index, the registry, URL
 * targets, --allow-host) and resolved there: once sealed the process can neither read
 * /etc/resolv.conf nor send a DNS query, and curl is handed the addresses (CURLOPT_RESOLVE)
 * so it never asks.  A URL naming another host, also in a redirect, is refused here;
 * Landlock refuses a connect to any other port.
 */
#define MAX_HOSTS 32
struct allowed_host {
	char host[256];
	unsigned short port;
};
static struct allowed_host hosts[MAX_HOSTS];
static int nhosts;
/* Hosts that were named but could not be resolved, and why (for a precise error later). */
static struct {
	char host[256];
	char why[256];
} unresolved[MAX_HOSTS];
static int nunresolved;
static struct curl_slist *pinned;	/* "host:port:addr,addr" for CURLOPT_RESOLVE */
static CURL *curl;

/* Host and port of a http(s) URL; false when it is not one. */
static bool url_host_port(const char *url, char *host, size_t cap, unsigned short *port)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *p = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) &&
		  curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
		  strlen(h) < cap;
	if (ok) {
		snprintf(host, cap, "%s", h);
		*port = (unsigned short)atoi(p);
	}
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

static bool host_allowed(const char *host, unsigned short port)
{
	for (int i = 0; i < nhosts; i++)
		if (hosts[i].port == port && strcasecmp(hosts[i].host, host) == 0)
			return true;
	return false;
}

int http_allow_url(const char *url, char *why, size_t cap)
{
	char host[256];
	unsigned short port;
	if (!url_host_port(url, host, sizeof host, &port)) {
		snprintf(why, cap, "not an http or https URL: %s", url);
		return -1;
	}
	if (host_allowed(host, port))
		return 0;
	if (nhosts == MAX_HOSTS) {
		snprintf(why, cap, "more than %d hosts", MAX_HOSTS);
		return -1;
	}
	/* IP literals need no resolution ([::1] comes back from curl without brackets). */
	unsigned char addr[16];
	bool literal = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	if (!literal && !fetch_cfg.offline) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
		int rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0) {
			/* Not fatal: the target naming it gets the error when it is fetched. */
			snprintf(why, cap, "cannot resolve %s: %s", host, gai_strerror(rc));
			if (nunresolved < MAX_HOSTS) {
				snprintf(unresolved[nunresolved].host, 256, "%s", host);
				snprintf(unresolved[nunresolved++].why, 256, "%s", why);
			}
			return -1;
		}
		char entry[2048];
		int n = snprintf(entry, sizeof entry, "%s:%u:", host, port);
		bool first = true;
		for (struct addrinfo *a = res; a && n < (int)sizeof entry - 64; a = a->ai_next) {
			char text[INET6_ADDRSTRLEN];
			const void *src = a->ai_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
			if (!inet_ntop(a->ai_family, src, text, sizeof text) || strstr(entry, text))
				continue;
			n += snprintf(entry + n, sizeof entry - (size_t)n, a->ai_family == AF_INET6 ?
				      "%s[%s]" : "%s%s", first ? "" : ",", text);
			first = false;
		}
		freeaddrinfo(res);
		pinned = curl_slist_append(pinned, entry);
	}
	snprintf(hosts[nhosts].host, sizeof hosts[nhosts].host, "%s", host);
	hosts[nhosts++].port = port;
	return 0;
}

int http_allowed_ports(unsigned short *ports, int cap)
{
	int n = 0;
	for (int i = 0; i < nhosts && n < cap; i++) {
		bool seen = false;
		for (int j = 0; j < n; j++)
			seen |= ports[j] == hosts[i].port;
		if (!seen)
			ports[n++] = hosts[i].port;
	}
	return n;
}

void http_init(void)
{
	/* TLS libraries initialise (and read their configuration) now, before sealing. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(curl = curl_easy_init()))
		aura_die("cannot initialise libcurl");
}

/* Where a response body goes: memory (metadata) or a file (downloads), never past the cap. */
struct sink {
	struct strbuf mem;	/* the body, when there is no write_fn */
	size_t len;		/* bytes received */
	size_t limit;
	bool over_limit;
	http_write_fn write_fn;	/* downloads: a consumer instead of memory */
	void *ctx;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	if (n > s->limit - s->len) {
		s->over_limit = true;
		return 0;	/* curl aborts the transfer */
	}
	if (s->write_fn) {
		if (s->write_fn(p, n, s->ctx) < 0)
			return 0;
		s->len += n;
		return n;
	}
	strbuf_add(&s->mem, p, n);
	s->len += n;
	return n;
}

static void back_off(int attempt)
{
	struct timespec ts = { .tv_sec = 1L << (attempt < 4 ? attempt : 4) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- conditional requests (watch.c): validators sent and received ---- */

static char cond_etag[256], cond_modified[128];	/* sent: If-None-Match, If-Modified-Since */
static char got_etag[256], got_modified[128];	/* received: ETag, Last-Modified */

void http_set_conditional(const char *etag, const char *last_modified)
{
	snprintf(cond_etag, sizeof cond_etag, "%s", etag ? etag : "");
	snprintf(cond_modified, sizeof cond_modified, "%s", last_modified ? last_modified : "");
}

void http_validators(char *etag, size_t ecap, char *last_modified, size_t lcap)
{
	snprintf(etag, ecap, "%s", got_etag);
	snprintf(last_modified, lcap, "%s", got_modified);
}

/* ---- a POST body (xmlrpc.c): the next transfers send it instead of a GET ---- */

static const char *post_type;	/* Content-Type, NULL: GET */
static const char *post_data;
static size_t post_len;

void http_set_post(const char *content_type, const char *data, size_t len)
{
	post_type = content_type;
	post_data = data;
	post_len = len;
}

/* A response header: keep the validators (printable ASCII only). */
static size_t on_header(char *p, size_t size, size_t nmemb, void *userdata)
{
	(void)userdata;
	size_t n = size * nmemb;
	static const struct { const char *name; char *out; size_t cap; } keep[] = {
		{ "etag:", got_etag, sizeof got_etag },
		{ "last-modified:", got_modified, sizeof got_modified },
	};
	for (size_t k = 0; k < 2; k++) {
		size_t l = strlen(keep[k].name);
		if (n <= l || strncasecmp(p, keep[k].name, l) != 0)
			continue;
		size_t start = l, end = n;
		while (start < end && (p[start] == ' ' || p[start] == '\t'))
			start++;
		while (end > start && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' '))
			end--;
		bool printable = end - start < keep[k].cap;
		for (size_t i = start; i < end && printable; i++)
			printable = p[i] >= 0x20 && p[i] < 0x7f;
		if (printable)
			snprintf(keep[k].out, keep[k].cap, "%.*s", (int)(end - start), p + start);
	}
	return n;
}

/* One GET, following at most --max-redirects redirects to allowed hosts. */
static int get_once(const char *start_url, const char *accept, struct sink *s, long *status,
		    char *why, size_t cap, bool *retryable)
{
	char *url = xstrdup(start_url);
	int rc = -1;
	*retryable = false;
	for (long hop = 0;; hop++) {
		char host[256];
		unsigned short port;
		if (!url_host_port(url, host, sizeof host, &port)) {
			snprintf(why, cap, "not an http or https URL: %s", url);
			break;
		}
		if (!host_allowed(host, port)) {
			for (int i = 0; i < nunresolved; i++)
				if (strcasecmp(unresolved[i].host, host) == 0) {
					snprintf(why, cap, "%s (before sealing)", unresolved[i].why);
					goto done;
				}
			snprintf(why, cap, "%s:%u is not a configured host (--index-url, --registry, "
				 "--allow-host)%s", host, port, hop ? " (redirected there)" : "");
			break;
		}
		struct curl_slist *headers = NULL;
		char accept_header[512];
		if (accept) {
			snprintf(accept_header, sizeof accept_header, "Accept: %s", accept);
			headers = curl_slist_append(headers, accept_header);
		}
		char cond_header[400];
		if (*cond_etag) {
			snprintf(cond_header, sizeof cond_header, "If-None-Match: %s", cond_etag);
			headers = curl_slist_append(headers, cond_header);
		}
		char since_header[200];
		if (*cond_modified) {
			snprintf(since_header, sizeof since_header, "If-Modified-Since: %s", cond_modified);
			headers = curl_slist_append(headers, since_header);
		}
		char type_header[200];
		if (post_type) {
			snprintf(type_header, sizeof type_header, "Content-Type: %s", post_type);
			headers = curl_slist_append(headers, type_header);
		}
		got_etag[0] = got_modified[0] = '\0';
		curl_easy_reset(curl);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);	/* we follow, checking hosts */
		curl_easy_setopt(curl, CURLOPT_RESOLVE, pinned);
		curl_easy_setopt(curl, CURLOPT_PROXY, "");	/* no proxy from the environment */
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_USERAGENT, "aura/" AURA_VERSION);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		if (post_type) {	/* the same body again after a redirect or a retry */
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)post_len);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_data);
		}
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, fetch_cfg.timeout);
		/* A stalled transfer (under 1 byte/s for --timeout seconds) is abandoned. */
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, fetch_cfg.timeout);
		if (!s->write_fn)	/* a trickling metadata response is bounded as a whole */
			curl_easy_setopt(curl, CURLOPT_TIMEOUT, fetch_cfg.timeout * 6);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
		if (fetch_cfg.cacert)
			curl_easy_setopt(curl, CURLOPT_CAINFO, fetch_cfg.cacert);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");	/* gzip is counted decoded */
		char errbuf[CURL_ERROR_SIZE] = "";
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		CURLcode res = curl_easy_perform(curl);
		curl_slist_free_all(headers);
		*status = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
		if (s->over_limit) {
			snprintf(why, cap, "response larger than the size cap of %zu bytes (--max-download)",
				 s->limit);
			break;
		}
		if (res != CURLE_OK) {
			snprintf(why, cap, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(res));
			*retryable = res != CURLE_SSL_CACERT && res != CURLE_PEER_FAILED_VERIFICATION &&
				     res != CURLE_WRITE_ERROR;
			break;
		}
		if (*status >= 300 && *status < 400 && *status != 304) {	/* 304: not modified */
			char *next = NULL;
			curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &next);
			if (!next) {
				snprintf(why, cap, "%s: HTTP %ld without a Location", url, *status);
				break;
			}
			if (hop >= fetch_cfg.max_redirects) {
				snprintf(why, cap, "%s: more than %ld redirects", start_url,
					 fetch_cfg.max_redirects);
				break;
			}
			free(url);
			url = xstrdup(next);
			s->len = 0;
			continue;
		}
		rc = 0;
		if ((*status >= 500 && *status != 501) || *status == 429) {	/* 501: final, as 404 */
			snprintf(why, cap, "%s: HTTP %ld", url, *status);
			*retryable = true;
			rc = -1;
		}
		break;
	}
done:
	free(url);
	return rc;
}

/* ---- a mirror on disk (bandersnatch's web/ folder) behind a file:// index ---- */

static char *mirror_root;	/* realpath of the mirror's web/ folder, or NULL */

static bool is_file_url(const char *url)
{
	return strncasecmp(url, "file://", 7) == 0;
}

int http_set_mirror(const char *index_url, char *why, size_t cap)
{
	/* file:///M/web/simple/ -> /M/web (or the folder itself when it is not .../simple/) */
	CURLU *u = curl_url();
	char *path = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, index_url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
		size_t n = strlen(path);
		if (n >= 8 && strcmp(path + n - 8, "/simple/") == 0)
			path[n - 7] = '\0';
		mirror_root = realpath(path, NULL);
		if (!mirror_root)
			snprintf(why, cap, "--index-url %s: %s: %s", index_url, path, strerror(errno));
		else
			rc = 0;
	} else {
		snprintf(why, cap, "--index-url %s: not a file:// URL Aura can read", index_url);
	}
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

const char *http_mirror_root(void)
{
	return mirror_root;
}

char *http_mirror_url(const char *url)
{
	/* The JSON API names files.pythonhosted.org; bandersnatch keeps the same paths under packages/. */
	if (!mirror_root || is_file_url(url))
		return NULL;
	const char *path = strstr(url, "://");
	path = path ? strchr(path + 3, '/') : NULL;
	if (!path || strncmp(path, "/packages/", 10) != 0)
		return NULL;
	char *out;
	if (asprintf(&out, "file://%s%.*s", mirror_root, (int)strcspn(path, "?"), path) < 0)
		aura_oom();
	return out;
}

/* GET a file:// URL: only under the mirror, a folder is its index.html, absent is a 404. */
static int file_transfer(const char *url, size_t limit, http_write_fn fn, void *ctx,
			 struct http_body *body, char *why, size_t cap)
{
	CURLU *u = curl_url();
	char *path = NULL, *real = NULL;
	int rc = -1;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK) {
		snprintf(why, cap, "%s: not a file URL Aura can read", url);
		goto done;
	}
	/*
	 * Only under the mirror, by name: no ".." component (realpath needs system calls the
	 * sealed stage does not have).  When only the mirror is readable, Landlock holds this
	 * for symlinks too (docs/targets.md).
	 */
	size_t rootlen = mirror_root ? strlen(mirror_root) : 0;
	if (!mirror_root || strncmp(path, mirror_root, rootlen) != 0 ||
	    (path[rootlen] != '/' && path[rootlen] != '\0') || strstr(path, "/../") ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)) {
		snprintf(why, cap, "%s: outside the mirror given as --index-url: refused", url);
		goto done;
	}
	real = xstrdup(path);
	char *file = real;
	struct stat st;
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode) && asprintf(&file, "%s/index.html", real) < 0)
		aura_oom();
	FILE *f = fopen(file, "re");
	if (!f) {
		if (errno == ENOENT)
			body->status = 404, rc = 0;
		else
			snprintf(why, cap, "%s: %s", url, strerror(errno));
	} else {
		unsigned char buf[65536];
		size_t n, total = 0;
		rc = 0;
		while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
			total += n;
			if (total > limit) {
				snprintf(why, cap, "response larger than the size cap of %zu bytes "
					 "(--max-download)", limit);
				rc = -1;
			} else if (fn ? fn(buf, n, ctx) < 0 : 0) {
				snprintf(why, cap, "%s: write error", url);
				rc = -1;
			} else if (!fn) {
				body->data = xrealloc(body->data, total + 1);
				memcpy(body->data + total - n, buf, n);
				body->data[total] = '\0';	/* as the network path: readers treat it as text */
				body->len = total;
			}
		}
		if (ferror(f)) {
			snprintf(why, cap, "%s: read error", url);
			rc = -1;
		}
		fclose(f);
		body->status = rc == 0 ? 200 : 0;
	}
	if (file != real)
		free(file);
done:
	free(real);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

int http_transfer(const char *url, const char *accept, size_t limit, http_write_fn fn,
		  http_reset_fn reset, void *ctx, struct http_body *body, char *why, size_t cap)
{
	memset(body, 0, sizeof *body);
	if (is_file_url(url)) {
		if (reset)
			reset(ctx);
		return file_transfer(url, limit, fn, ctx, body, why, cap);
	}
	if (fetch_cfg.offline) {
		snprintf(why, cap, "%s: not in the cache (--offline)", url);
		return -1;
	}
	for (int attempt = 0;; attempt++) {
		struct sink s = { .limit = limit, .write_fn = fn, .ctx = ctx };
		bool retryable;
		if (reset)
			reset(ctx);
		int rc = get_once(url, accept, &s, &body->status, why, cap, &retryable);
		if (rc == 0 || !retryable || attempt >= fetch_cfg.retries) {
			body->data = (unsigned char *)s.mem.s;
			body->len = s.len;
			return rc;
		}
		free(s.mem.s);
		aura_warn("%s; retrying (%d of %ld)", why, attempt + 1, fetch_cfg.retries);
		back_off(attempt);
	}
}

int http_get(const char *url, const char *accept, struct http_body *body, char *why, size_t cap)
{
	char *key;
	if (asprintf(&key, "%s\n%s", url, accept ? accept : "") < 0)
		aura_oom();
	memset(body, 0, sizeof *body);
	if (is_file_url(url)) {	/* the mirror is on disk: nothing to cache */
		free(key);
		return http_transfer(url, accept, fetch_cfg.max_download, NULL, NULL, NULL, body, why, cap);
	}
	if (fetch_cfg.offline) {
		body->data = cache_get_response(key, &body->len);
		free(key);
		if (!body->data) {
			snprintf(why, cap, "%s: not in the cache (--offline)", url);
			return -1;
		}
		body->status = 200;
		return 0;
	}
	int rc = http_transfer(url, accept, fetch_cfg.max_download, NULL, NULL, NULL, body, why, cap);
	if (rc == 0 && body->status == 200)
		cache_put_response(key, body->data ? body->data : (unsigned char *)"", body->len);
	free(key);
	return rc;
}

void http_body_free(struct http_body *body)
{
	free(body->data);
	body->data = NULL;
}
