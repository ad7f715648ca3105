/* proxy.c: the scanning index proxy: upstream pages with links rewritten, files scanned before they are served. */
/*
 * pip (or any PEP 503 client) asks the proxy for /simple/NAME/.  The proxy fetches the
 * upstream page and rewrites every link to point back at itself as
 * /files/TOKEN/FILENAME, where TOKEN is the upstream URL (with its #sha256= fragment)
 * signed with a key made at start-up: the proxy fetches only URLs an upstream page named,
 * so it is not an open proxy, and nothing on a page reaches the client unscanned.
 *
 * A file is downloaded once into the cache, checked against the sha256 its page published
 * (a mismatch is how a tampered mirror shows), scanned by the `aura` driver, and then
 * served as it was, or refused with 403 and a body naming the package, the risk and why.
 * An incomplete scan refuses too: the proxy fails closed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <nettle/hmac.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "proxy.h"
#include "supervisor.h"

struct proxy_config cfg;
static uint8_t sign_key[32];
static pthread_mutex_t scan_lock = PTHREAD_MUTEX_INITIALIZER;	/* one download+scan at a time */

bool proxy_init(const struct proxy_config *config)
{
	cfg = *config;
	if (getrandom(sign_key, sizeof sign_key, 0) != (ssize_t)sizeof sign_key) {
		fprintf(stderr, "aura-serve: cannot get a random signing key: %s\n", strerror(errno));
		return false;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "aura-serve: libcurl failed to initialise\n");
		return false;
	}
	return true;
}

/* ---- small helpers ---- */

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->max && b->len + n > b->max) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	buf_add(b, s, (size_t)n);
	free(s);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void reply_text(struct proxy_reply *r, unsigned status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->body = n < 0 ? NULL : s;
	r->body_len = n < 0 ? 0 : (size_t)n;
}

static const char hexdigits[] = "0123456789abcdef";

void hex_encode(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* ---- signed tokens: hex(href) "-" hex(HMAC-SHA256(key, href)[0..16]) ---- */

#define MAC_BYTES 16

static void mac_of(const char *s, size_t n, uint8_t mac[MAC_BYTES])
{
	struct hmac_sha256_ctx ctx;
	hmac_sha256_set_key(&ctx, sizeof sign_key, sign_key);
	hmac_sha256_update(&ctx, n, (const uint8_t *)s);
	hmac_sha256_digest(&ctx, MAC_BYTES, mac);
}

char *token_make(char kind, const char *href)
{
	/* The kind is signed with the URL: a PyPI link cannot be replayed as an npm one. */
	char *signed_text = NULL;
	if (asprintf(&signed_text, "%c%s", kind, href) < 0)
		return NULL;
	size_t n = strlen(signed_text);
	char *t = malloc(2 * n + 1 + 2 * MAC_BYTES + 1);
	if (!t) {
		free(signed_text);
		return NULL;
	}
	uint8_t mac[MAC_BYTES];
	mac_of(signed_text, n, mac);
	hex_encode((const uint8_t *)signed_text, n, t);
	t[2 * n] = '-';
	hex_encode(mac, MAC_BYTES, t + 2 * n + 1);
	free(signed_text);
	return t;
}

/* The kind and href a token carries (kind first), or NULL when it is malformed or not ours. */
static char *token_open(const char *t, size_t len)
{
	const char *dash = memchr(t, '-', len);
	if (!dash || (dash - t) % 2 != 0 || len - (size_t)(dash - t) - 1 != 2 * MAC_BYTES)
		return NULL;
	size_t n = (size_t)(dash - t) / 2;
	char *href = malloc(n + 1);
	if (!href)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(t[2 * i]), lo = hex_value(t[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			free(href);
			return NULL;
		}
		href[i] = (char)(hi << 4 | lo);
	}
	href[n] = '\0';
	uint8_t mac[MAC_BYTES];
	char want[2 * MAC_BYTES + 1];
	mac_of(href, n, mac);
	hex_encode(mac, MAC_BYTES, want);
	/* Constant-time compare: the key must not leak through timing. */
	unsigned diff = 0;
	for (size_t i = 0; i < 2 * MAC_BYTES; i++)
		diff |= (unsigned)(want[i] ^ dash[1 + i]);
	if (diff) {
		free(href);
		return NULL;
	}
	return href;
}

/* ---- upstream HTTP ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	buf_add(b, p, size * n);
	return b->failed ? 0 : size * n;	/* 0 aborts the transfer: over the cap */
}

/*
 * GET url into `out` (at most max bytes).  Returns the HTTP status, or 0 with `why` set
 * when the transfer failed (time-out, refused, too big, TLS).  Redirects are followed
 * (at most 5, http/https only); `final_url` (malloc'd) is where the body came from.
 */
long http_get(const char *url, const char *accept, size_t max, struct buf *out,
		     char **final_url, char *why, size_t whylen)
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(why, whylen, "libcurl could not start a transfer");
		return 0;
	}
	struct curl_slist *headers = NULL;
	if (accept) {
		char h[256];
		snprintf(h, sizeof h, "Accept: %s", accept);
		headers = curl_slist_append(headers, h);
	}
	out->max = max;
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg.timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "aura-serve");
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		char *eff = NULL;
		curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
		if (final_url)
			*final_url = strdup(eff ? eff : url);
	} else if (out->failed) {
		snprintf(why, whylen, "upstream body over %zu bytes (or out of memory)", max);
	} else {
		snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	return status;
}

/* ---- project pages ---- */

/* PEP 503 normalised project name, or NULL when NAME holds anything a name cannot. */
static char *normalise_name(const char *name, size_t len)
{
	if (len == 0 || len > 200)
		return NULL;
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (o == out || o[-1] != '-')
				*o++ = '-';
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			*o++ = c;
		} else if (c >= 'A' && c <= 'Z') {
			*o++ = (char)(c - 'A' + 'a');
		} else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

/* The absolute URL of `href` on the page at `base`; NULL when it is not http(s). */
static char *resolve_url(const char *base, const char *href)
{
	CURLU *u = curl_url();
	char *abs = NULL, *scheme = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, href, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0))
		curl_url_get(u, CURLUPART_URL, &abs, 0);
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!abs)
		return NULL;
	char *copy = strdup(abs);
	curl_free(abs);
	return copy;
}

/* The last path segment of a URL (before ? and #), as a pointer range into it. */
const char *url_basename(const char *url, size_t *len)
{
	size_t end = strcspn(url, "?#");
	const char *start = url;
	for (size_t i = 0; i < end; i++)
		if (url[i] == '/')
			start = url + i + 1;
	*len = (size_t)(url + end - start);
	return start;
}

/* HTML attribute text with the entities a PEP 503 page uses in URLs decoded (&amp; etc.). */
static char *html_unescape(const char *s, size_t n)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k;
		for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
			size_t el = strlen(ents[k].ent);
			if (i + el <= n && memcmp(s + i, ents[k].ent, el) == 0) {
				*o++ = ents[k].c;
				i += el;
				break;
			}
		}
		if (k == sizeof ents / sizeof ents[0])
			*o++ = s[i++];
	}
	*o = '\0';
	return out;
}

/*
 * Copy the page, replacing the value of every href attribute by a link to this proxy.
 * A link that is not http(s) is dropped (href="#"): nothing on the page may send the
 * client around the proxy.
 */
static bool rewrite_page(const char *page, size_t len, const char *page_url, const char *base_url,
			 struct buf *out)
{
	const char *p = page, *end = page + len;
	while (p < end) {
		const char *h = memmem(p, (size_t)(end - p), "href=", 5);
		if (!h || h + 6 > end) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		char quote = h[5];
		if (quote != '"' && quote != '\'') {
			buf_add(out, p, (size_t)(h + 5 - p));
			p = h + 5;
			continue;
		}
		const char *v = h + 6;
		const char *close = memchr(v, quote, (size_t)(end - v));
		if (!close)
			return false;	/* an unterminated attribute: refuse the page */
		buf_add(out, p, (size_t)(v - p));
		char *href = html_unescape(v, (size_t)(close - v));
		char *abs = href ? resolve_url(page_url, href) : NULL;
		char *token = abs ? token_make(LINK_PYPI, abs) : NULL;
		if (token) {
			size_t blen;
			const char *bname = url_basename(abs, &blen);
			const char *frag = strchr(abs, '#');
			buf_addf(out, "%s/files/%s/%.*s%s", base_url, token, (int)blen, bname, frag ? frag : "");
		} else {
			buf_add(out, "#", 1);
		}
		free(token);
		free(abs);
		free(href);
		p = close;
	}
	return !out->failed;
}

/* Refuse with 403: the same line on stderr (the driver collects these) and in the body. */
static void refuse(struct proxy_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct proxy_reply *r, const char *fmt, ...)
{
	struct buf why = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&why, fmt, ap);
	va_end(ap);
	if (why.failed) {
		reply_text(r, 403, "aura-serve: refused (out of memory describing why)\n");
	} else {
		fprintf(stderr, "aura-serve: %s\n", why.data);
		reply_text(r, 403, "aura-serve: %s\n", why.data);
	}
	free(why.data);
}

time_t parse_iso_time(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return -1;
	if (*end == '.')	/* fractions of a second */
		for (end++; isdigit((unsigned char)*end); end++)
			;
	if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
		return -1;
	return timegm(&tm);
}

bool too_young(time_t uploaded)
{
	if (cfg.min_age_s <= 0)
		return false;
	/* An unknown upload time cannot prove the release is old enough: fail closed. */
	return uploaded < 0 || time(NULL) - uploaded < cfg.min_age_s;
}

bool unanalysed_allowed(const char *name)
{
	if (cfg.allow_unanalysed)
		return true;
	for (const char *const *n = cfg.allow_unanalysed_names; n && *n; n++)
		if (name && strcmp(*n, name) == 0)
			return true;
	return false;
}

/* Text with the characters HTML gives meaning to escaped (for attribute values). */
static void buf_add_html(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_add(b, "&amp;", 5); break;
		case '<': buf_add(b, "&lt;", 4); break;
		case '>': buf_add(b, "&gt;", 4); break;
		case '"': buf_add(b, "&quot;", 6); break;
		default: buf_add(b, s, 1);
		}
	}
}

/*
 * A PEP 691 JSON project page as a PEP 503 HTML one with every link signed back to this
 * proxy; files younger than --min-age (or without an upload time, when it is set) are left
 * out and named on stderr.  False when the page is not the JSON it claims to be.
 */
static bool rewrite_json_page(const char *page, size_t len, const char *page_url, const char *base_url,
			      const char *project, struct buf *out)
{
	json_t *doc = json_loadb(page, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *files = json_object_get(doc, "files");
	if (!json_is_array(files)) {
		json_decref(doc);
		return false;
	}
	buf_addf(out, "<!DOCTYPE html>\n<html><body><h1>Links for %s</h1>\n", project);
	size_t i, young = 0;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *url = json_string_value(json_object_get(f, "url"));
		const char *sha = json_string_value(json_object_get(json_object_get(f, "hashes"), "sha256"));
		const char *fn = json_string_value(json_object_get(f, "filename"));
		if (!url || !fn)
			continue;
		if (too_young(parse_iso_time(json_string_value(json_object_get(f, "upload-time"))))) {
			fprintf(stderr, "aura-serve: withheld %s: uploaded %s, younger than --min-age\n", fn,
				json_string_value(json_object_get(f, "upload-time")) ?
				json_string_value(json_object_get(f, "upload-time")) : "at an unknown time");
			young++;
			continue;
		}
		char *href = NULL, *abs = NULL, *token = NULL;
		if (asprintf(&href, "%s%s%s", url, sha ? "#sha256=" : "", sha ? sha : "") >= 0)
			abs = resolve_url(page_url, href);
		token = abs ? token_make(LINK_PYPI, abs) : NULL;
		if (token) {
			size_t blen;
			const char *bname = url_basename(abs, &blen);
			const char *frag = strchr(abs, '#');
			buf_addf(out, "<a href=\"%s/files/%s/%.*s%s\"", base_url, token, (int)blen, bname,
				 frag ? frag : "");
			const char *rp = json_string_value(json_object_get(f, "requires-python"));
			if (rp) {
				buf_add(out, " data-requires-python=\"", 23);
				buf_add_html(out, rp);
				buf_add(out, "\"", 1);
			}
			json_t *y = json_object_get(f, "yanked");
			if (json_is_true(y) || json_is_string(y)) {
				buf_add(out, " data-yanked=\"", 14);
				buf_add_html(out, json_is_string(y) ? json_string_value(y) : "");
				buf_add(out, "\"", 1);
			}
			buf_add(out, ">", 1);
			buf_add_html(out, fn);
			buf_add(out, "</a><br/>\n", 10);
		}
		free(token);
		free(abs);
		free(href);
	}
	if (young)
		buf_addf(out, "<!-- aura-serve: %zu file(s) younger than --min-age withheld -->\n", young);
	buf_add(out, "</body></html>\n", 15);
	json_decref(doc);
	return !out->failed;
}

static void serve_project(const char *name, size_t len, const char *base_url, struct proxy_reply *r)
{
	char *norm = normalise_name(name, len);
	if (!norm) {
		reply_text(r, 400, "aura-serve: not a project name\n");
		return;
	}
	char *url = NULL;
	if (asprintf(&url, "%s%s/", cfg.upstream, norm) < 0) {
		free(norm);
		reply_text(r, 500, "aura-serve: out of memory\n");
		return;
	}
	struct buf page = { 0 }, out = { 0 };
	char *final_url = NULL, why[CURL_ERROR_SIZE + 64];
	/* Upload times are only in the JSON form of the page (PEP 691): --min-age needs it. */
	const char *accept = cfg.min_age_s > 0 ? "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
					       : "text/html, application/vnd.pypi.simple.v1+json;q=0.5";
	long status = http_get(url, accept, 32u << 20, &page, &final_url, why, sizeof why);
	const char *body = page.data ? page.data : "";
	bool is_json = status == 200 && body[strspn(body, " \t\r\n")] == '{';
	if (status == 0)
		reply_text(r, 502, "aura-serve: upstream %s: %s\n", url, why);
	else if (status != 200)
		reply_text(r, status == 404 ? 404 : 502, "aura-serve: upstream %s answered %ld\n", url, status);
	else if (!is_json && cfg.min_age_s > 0)
		refuse(r, "refused the page for %s: --min-age needs upload times, and the upstream page is "
		       "HTML without them (an index with the PEP 691 JSON API gives them)", norm);
	else if (is_json ? !rewrite_json_page(body, page.len, final_url, base_url, norm, &out)
			 : !rewrite_page(body, page.len, final_url, base_url, &out))
		reply_text(r, 502, "aura-serve: upstream page %s could not be rewritten (malformed)\n", url);
	else {
		r->status = 200;
		r->content_type = "text/html; charset=utf-8";
		r->body = out.data;
		r->body_len = out.len;
		out.data = NULL;
	}
	free(out.data);
	free(page.data);
	free(final_url);
	free(url);
	free(norm);
}

/* ---- files: download once, check the digest, scan, then serve or refuse ---- */

/* Only characters safe in a file name; anything else becomes '_' ('/' and NUL included). */
static void safe_name(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '-' || c == '_' || c == '+';
		out[o++] = ok ? c : '_';
	}
	out[o] = '\0';
	if (o == 0 || out[0] == '.')
		out[0] = '_';
	if (o == 0)
		out[1] = '\0';
}

/*
 * The digest a link promises, from its signed fragment: PyPI pages give #sha256=HEX; npm
 * documents give sha512 (dist.integrity) or, for old packages, sha1 (dist.shasum), which
 * npm.c puts in the fragment as #sha512=HEX or #sha1=HEX.  NULL algo when there is none.
 */
struct digest_want {
	const char *algo;	/* "sha256", "sha512", "sha1" */
	const char *hex;	/* into the href */
	size_t hexlen;
};

static struct digest_want expected_digest(char kind, const char *href)
{
	static const struct { const char *frag, *algo; size_t hexlen; char kind; } known[] = {
		{ "#sha256=", "sha256", 64, LINK_PYPI },
		{ "#sha512=", "sha512", 128, LINK_NPM },
		{ "#sha1=", "sha1", 40, LINK_NPM },
	};
	struct digest_want d = { NULL, NULL, 0 };
	const char *f = strchr(href, '#');
	for (size_t k = 0; f && k < sizeof known / sizeof known[0]; k++) {
		size_t fl = strlen(known[k].frag);
		if (known[k].kind != kind || strncmp(f, known[k].frag, fl) != 0 ||
		    strlen(f + fl) != known[k].hexlen)
			continue;
		for (size_t i = 0; i < known[k].hexlen; i++)
			if (hex_value((char)tolower((unsigned char)f[fl + i])) < 0)
				return d;
		d.algo = known[k].algo;
		d.hex = f + fl;
		d.hexlen = known[k].hexlen;
	}
	return d;
}

/* The hex digest of `data` with the algorithm `algo` names, into out (129 bytes). */
static void digest_hex(const char *algo, const char *data, size_t len, char *out)
{
	uint8_t d[SHA512_DIGEST_SIZE];
	if (strcmp(algo, "sha512") == 0) {
		struct sha512_ctx c;
		sha512_init(&c);
		sha512_update(&c, len, (const uint8_t *)data);
		sha512_digest(&c, SHA512_DIGEST_SIZE, d);
		hex_encode(d, SHA512_DIGEST_SIZE, out);
	} else if (strcmp(algo, "sha1") == 0) {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, len, (const uint8_t *)data);
		sha1_digest(&c, SHA1_DIGEST_SIZE, d);
		hex_encode(d, SHA1_DIGEST_SIZE, out);
	} else {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, len, (const uint8_t *)data);
		sha256_digest(&c, SHA256_DIGEST_SIZE, d);
		hex_encode(d, SHA256_DIGEST_SIZE, out);
	}
}

/* Write the whole buffer to path (created 0644), false on any error. */
static bool write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return false;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return false;
		}
		done += (size_t)n;
	}
	return close(fd) == 0;
}

/* One line on what the scan decided, from the verdict record(s) in `out`. */
static void describe_verdict(const struct buf *out, const char *file, struct buf *line,
			     bool *policy_allows_unanalysed)
{
	*policy_allows_unanalysed = false;
	const char *p = out->data ? out->data : "";
	bool any = false;
	while (*p) {
		size_t n = strcspn(p, "\n");
		json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
		const char *type = json_string_value(json_object_get(v, "type"));
		if (type && strcmp(type, "verdict") == 0) {
			json_t *a = json_object_get(v, "artifact");
			const char *name = json_string_value(json_object_get(a, "name"));
			const char *version = json_string_value(json_object_get(a, "version"));
			const char *risk = json_string_value(json_object_get(v, "risk"));
			const char *reason = json_string_value(json_object_get(v, "reason"));
			json_t *complete = json_object_get(v, "complete");
			/* The auditor's policy (aura-score --policy) approved this archive by its
			 * sha256, or lets this unanalysed package through by name. */
			json_t *pol = json_object_get(v, "policy");
			if (json_object_get(pol, "approved") || json_is_true(json_object_get(pol, "allow_unanalysed")))
				*policy_allows_unanalysed = true;
			buf_addf(line, "%s%s%s%s (%s): risk %s, score %lld%s: %s", any ? "; " : "",
				 name ? name : "?", version ? " " : "", version ? version : "", file,
				 risk ? risk : "?", (long long)json_integer_value(json_object_get(v, "score")),
				 json_is_false(complete) ? ", scan incomplete" : "", reason ? reason : "");
			any = true;
		}
		json_decref(v);
		p += n;
		if (*p == '\n')
			p++;
	}
	if (!any)
		buf_addf(line, "%s: the scan gave no verdict", file);
}

/* PEP 658 metadata next to a file: plain text, no code; passed through unscanned. */
static void serve_metadata(const char *href, struct proxy_reply *r)
{
	char *url = NULL;
	struct buf body = { 0 };
	char why[CURL_ERROR_SIZE + 64];
	if (asprintf(&url, "%.*s.metadata", (int)strcspn(href, "#"), href) >= 0 &&
	    http_get(url, NULL, 1u << 20, &body, NULL, why, sizeof why) == 200) {
		r->status = 200;
		r->content_type = "text/plain";
		r->body = body.data;
		r->body_len = body.len;
		body.data = NULL;
	} else {
		reply_text(r, 404, "aura-serve: no metadata upstream\n");
	}
	free(body.data);
	free(url);
}

static void serve_file(const char *token, size_t tlen, const char *rest, struct proxy_reply *r)
{
	char *signed_text = token_open(token, tlen);
	if (!signed_text) {
		reply_text(r, 403, "aura-serve: this link was not made by this proxy\n");
		return;
	}
	char kind = signed_text[0];
	const char *href = signed_text + 1, *npm_name = NULL;
	char name_buf[512] = "";
	if (kind == LINK_NPM) {
		/* npm links carry "NAME@VERSION URL#digest": the package is judged by its name. */
		size_t sp = strcspn(href, " ");
		if (href[sp] != ' ' || sp >= sizeof name_buf) {
			reply_text(r, 403, "aura-serve: malformed npm link\n");
			free(signed_text);
			return;
		}
		memcpy(name_buf, href, sp);
		name_buf[sp] = '\0';
		href += sp + 1;
		npm_name = name_buf;
	}
	size_t rlen = strlen(rest);
	if (kind == LINK_PYPI && rlen > 9 && strcmp(rest + rlen - 9, ".metadata") == 0) {
		serve_metadata(href, r);
		free(signed_text);
		return;
	}
	struct digest_want want = expected_digest(kind, href);
	size_t blen;
	const char *bname = url_basename(href, &blen);
	char fname[256];
	safe_name(bname, blen, fname, sizeof fname);
	if (!want.algo) {
		/* pip and npm check digests only when the index gives them: without one, nothing
		 * ties the scanned bytes to what the index published.  Fail closed. */
		refuse(r, "refused %s: the index published no %s for it", fname,
		       kind == LINK_NPM ? "integrity (sha512) or shasum" : "sha256");
		free(signed_text);
		return;
	}

	pthread_mutex_lock(&scan_lock);
	char dir[4096], path[4096];
	struct buf scan = { 0 }, line = { 0 }, body = { 0 };
	int fd = -1;
	struct stat st;
	int status = -1;
	/*
	 * Every request is downloaded and scanned again: a decision kept on disk would sit in
	 * a directory that code pip later runs as the same user can write, so a package could
	 * pre-approve a future file's hash there.
	 */
	char why[CURL_ERROR_SIZE + 64];
	char *url = strndup(href, strcspn(href, "#"));
	long http = url ? http_get(url, NULL, cfg.max_file, &body, NULL, why, sizeof why) : 0;
	free(url);
	if (http != 200) {
		if (http)
			snprintf(why, sizeof why, "upstream answered %ld", http);
		reply_text(r, 502, "aura-serve: cannot download %s: %s\n", fname, why);
		goto done;
	}
	char got_hex[2 * 64 + 1], sha256_hex[2 * 32 + 1];
	digest_hex(want.algo, body.data ? body.data : "", body.len, got_hex);
	if (strncasecmp(got_hex, want.hex, want.hexlen) != 0) {
		refuse(r, "refused %s: its %s %s differs from the %.*s its index published (tampered upstream or mirror)",
		       fname, want.algo, got_hex, (int)want.hexlen, want.hex);
		goto done;
	}
	/* The cache is by sha256 whatever the index's algorithm. */
	digest_hex("sha256", body.data ? body.data : "", body.len, sha256_hex);
	/* CACHE/SHA256/FILE: the file keeps its name, which the scan reads the version from. */
	if ((size_t)snprintf(dir, sizeof dir, "%s/%s", cfg.cache_dir, sha256_hex) >= sizeof dir - 300 ||
	    (size_t)snprintf(path, sizeof path, "%s/%s", dir, fname) >= sizeof path) {
		reply_text(r, 500, "aura-serve: the cache directory's path is too long\n");
		goto done;
	}
	if ((mkdir(dir, 0755) < 0 && errno != EEXIST) || !write_file(path, body.data, body.len)) {
		reply_text(r, 500, "aura-serve: cannot write %s to the cache: %s\n", fname, strerror(errno));
		goto done;
	}
	status = supervisor_scan(path, &scan);
	bool policy_allows = false;
	describe_verdict(&scan, fname, &line, &policy_allows);
	const char *said = line.data ? line.data : fname;
	if (status == 1) {
		refuse(r, "refused %s", said);
		goto done;
	}
	if (status != 0) {
		refuse(r, "refused (the scan could not finish; failing closed) %s", said);
		goto done;
	}
	/* JavaScript is not analysed yet: a clean verdict on an npm package only covers its
	 * install scripts and whatever Python it holds, so it passes only when let through. */
	bool unanalysed = kind == LINK_NPM;
	if (unanalysed && !unanalysed_allowed(npm_name) && !policy_allows) {
		refuse(r, "refused %s (%s): not analysed: Aura cannot analyse JavaScript yet, so it cannot "
		       "vouch for this package (failing closed); --allow-unanalysed or a policy "
		       "allow_unanalysed entry lets it through, its install scripts still checked",
		       npm_name, fname);
		goto done;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		reply_text(r, 500, "aura-serve: cached %s is unreadable\n", fname);
		if (fd >= 0)
			close(fd);
		goto done;
	}
	if (unanalysed)
		fprintf(stderr, "aura-serve: passed unanalysed %s (%s): JavaScript not analysed, let through "
			"by policy; install scripts checked: %s\n", npm_name, fname, said);
	else
		fprintf(stderr, "aura-serve: passed %s\n", said);
	r->status = 200;
	r->content_type = "application/octet-stream";
	r->fd = fd;
	r->fd_len = (size_t)st.st_size;
done:
	pthread_mutex_unlock(&scan_lock);
	free(body.data);
	free(scan.data);
	free(line.data);
	free(signed_text);
}

void proxy_get(const char *path, const char *base_url, struct proxy_reply *r)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	if (strncmp(path, "/simple/", 8) == 0 && cfg.upstream) {
		const char *name = path + 8;
		size_t len = strcspn(name, "/");
		if (len == 0 || (name[len] == '/' && name[len + 1] != '\0')) {
			reply_text(r, 404, "aura-serve: serves /simple/NAME/ project pages and the files they link\n");
			return;
		}
		serve_project(name, len, base_url, r);
		return;
	}
	/* npm's --replace-registry-host=always (which aura npm install sets, so lock-file URLs
	 * cannot name another host) puts the registry's path before a tarball link's. */
	if (strncmp(path, "/npm/files/", 11) == 0)
		path += 4;
	if (strncmp(path, "/files/", 7) == 0) {
		const char *token = path + 7;
		size_t tlen = strcspn(token, "/");
		if (token[tlen] == '/') {
			serve_file(token, tlen, token + tlen + 1, r);
			return;
		}
	}
	if (strncmp(path, "/npm/", 5) == 0 && cfg.npm_upstream) {
		serve_npm_document(path + 5, base_url, r);
		return;
	}
	reply_text(r, 404, "aura-serve: not found\n");
}
