/* npm.c: the npm side of the proxy: registry documents with every dist.tarball signed back to it. */
/*
 * npm asks for GET /npm/NAME (a scoped name as @scope%2fname or @scope/name).  The proxy
 * fetches the full document (the abbreviated one has no upload times) from --npm-upstream
 * and rewrites each version's dist.tarball to /files/TOKEN/FILE on itself.  TOKEN signs
 * "NAME@VERSION URL#sha512=HEX" (from dist.integrity) or "#sha1=HEX" (dist.shasum, for
 * old packages that publish nothing else): the tarball is checked against that digest and
 * scanned before it is served (proxy.c).  With --min-age, versions uploaded more recently
 * (or at no stated time) are removed, and dist-tags pointing at them are dropped, so npm
 * picks the newest version left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <nettle/base64.h>

#include "proxy.h"

/* An npm package name, optionally scoped: [@scope/]name, URL-safe characters only. */
static bool npm_name_ok(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 214)
		return false;
	const char *sep = name[0] == '@' ? strchr(name, '/') : NULL;	/* @scope/name */
	if (name[0] == '@' && (!sep || sep == name + 1))
		return false;
	const char *base = sep ? sep + 1 : name;
	if (*base == '\0' || *base == '.' || *base == '_')
		return false;
	for (const char *c = name + (name[0] == '@'); *c; c++) {
		bool ok = c == sep || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_' || *c == '~';
		if (!ok)
			return false;
	}
	return true;
}

/* The sha512 in an integrity string ("sha512-BASE64", maybe among others) as hex, or false. */
static bool integrity_sha512(const char *integrity, char hex[129])
{
	const char *p = integrity ? strstr(integrity, "sha512-") : NULL;
	if (!p)
		return false;
	p += 7;
	size_t b64len = strcspn(p, " \t?");
	uint8_t raw[BASE64_DECODE_LENGTH(100)];
	size_t rawlen = sizeof raw;
	struct base64_decode_ctx ctx;
	base64_decode_init(&ctx);
	if (b64len > 100 || !base64_decode_update(&ctx, &rawlen, raw, b64len, p) ||
	    !base64_decode_final(&ctx) || rawlen != 64)
		return false;
	hex_encode(raw, 64, hex);
	return true;
}

/* dist.shasum: 40 hex digits, lower-cased into hex; false otherwise. */
static bool shasum_hex(const char *shasum, char hex[41])
{
	if (!shasum || strlen(shasum) != 40)
		return false;
	for (int i = 0; i < 40; i++) {
		char c = shasum[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		hex[i] = c;
	}
	hex[40] = '\0';
	return true;
}

/* Point one version's dist.tarball at the proxy; false when it cannot be (no tarball URL). */
static bool rewrite_dist(const char *name, const char *version, json_t *dist, const char *base_url)
{
	const char *tarball = json_string_value(json_object_get(dist, "tarball"));
	if (!tarball || (strncmp(tarball, "http://", 7) && strncmp(tarball, "https://", 8)))
		return false;
	char hex[129];
	const char *algo = NULL;
	if (integrity_sha512(json_string_value(json_object_get(dist, "integrity")), hex))
		algo = "sha512";
	else if (shasum_hex(json_string_value(json_object_get(dist, "shasum")), hex))
		algo = "sha1";
	/* Without a digest the link has no fragment, and the proxy refuses the file. */
	char *href = NULL;
	size_t ulen = strcspn(tarball, "#");
	if (asprintf(&href, "%s@%s %.*s%s%s%s", name, version, (int)ulen, tarball, algo ? "#" : "",
		     algo ? algo : "", algo ? "=" : "") < 0)
		return false;
	if (algo) {
		char *with = NULL;
		if (asprintf(&with, "%s%s", href, hex) < 0) {
			free(href);
			return false;
		}
		free(href);
		href = with;
	}
	char *token = token_make(LINK_NPM, href);
	free(href);
	if (!token)
		return false;
	size_t blen;
	const char *bname = url_basename(tarball, &blen);
	char *link = NULL;
	bool ok = asprintf(&link, "%s/files/%s/%.*s", base_url, token, (int)blen, bname) >= 0;
	free(token);
	if (ok)
		json_object_set_new(dist, "tarball", json_string(link));
	free(link);
	return ok;
}

void serve_npm_document(const char *name_in, const char *base_url, struct proxy_reply *r)
{
	/* @scope%2fname arrives decoded by the HTTP library or not, depending on the client. */
	char name[256];
	size_t o = 0;
	for (const char *p = name_in; *p && o + 1 < sizeof name; p++) {
		if (p[0] == '%' && p[1] == '2' && (p[2] == 'f' || p[2] == 'F')) {
			name[o++] = '/';
			p += 2;
		} else {
			name[o++] = *p;
		}
	}
	name[o] = '\0';
	if (!npm_name_ok(name)) {
		reply_text(r, 404, "aura-serve: not an npm package name\n");
		return;
	}
	char *url = NULL;
	const char *slash = strchr(name, '/');
	if (asprintf(&url, "%s%.*s%s%s", cfg.npm_upstream, slash ? (int)(slash - name) : (int)strlen(name),
		     name, slash ? "%2f" : "", slash ? slash + 1 : "") < 0) {
		reply_text(r, 500, "aura-serve: out of memory\n");
		return;
	}
	struct buf page = { 0 };
	char why[CURL_ERROR_SIZE + 64];
	/* The full document (application/json): the abbreviated one carries no upload times. */
	long status = http_get(url, "application/json", 64u << 20, &page, NULL, why, sizeof why);
	json_t *doc = NULL;
	if (status == 0) {
		reply_text(r, 502, "aura-serve: upstream %s: %s\n", url, why);
		goto done;
	}
	if (status != 200) {
		reply_text(r, status == 404 ? 404 : 502, "aura-serve: upstream %s answered %ld\n", url, status);
		goto done;
	}
	doc = json_loadb(page.data ? page.data : "", page.len, JSON_REJECT_DUPLICATES, NULL);
	json_t *versions = json_object_get(doc, "versions"), *times = json_object_get(doc, "time");
	if (!json_is_object(versions)) {
		reply_text(r, 502, "aura-serve: upstream document for %s is not a registry document\n", name);
		goto done;
	}
	const char *version;
	json_t *v, *tmp;
	size_t withheld = 0;
	json_object_foreach_safe(versions, tmp, version, v) {
		time_t uploaded = parse_iso_time(json_string_value(json_object_get(times, version)));
		json_t *dist = json_object_get(v, "dist");
		if (too_young(uploaded)) {
			fprintf(stderr, "aura-serve: withheld %s@%s: uploaded %s, younger than --min-age\n", name,
				version, json_string_value(json_object_get(times, version)) ?
				json_string_value(json_object_get(times, version)) : "at an unknown time");
			json_object_del(versions, version);
			withheld++;
		} else if (!json_is_object(dist) || !rewrite_dist(name, version, dist, base_url)) {
			/* A version whose tarball cannot be pointed here must not be offered at all. */
			json_object_del(versions, version);
		}
	}
	/* Tags naming a removed version go: npm then picks the newest version left. */
	json_t *tags = json_object_get(doc, "dist-tags");
	const char *tag;
	json_object_foreach_safe(tags, tmp, tag, v) {
		if (!json_is_string(v) || !json_object_get(versions, json_string_value(v)))
			json_object_del(tags, tag);
	}
	if (withheld)
		json_object_set_new(doc, "_aura_withheld", json_integer((json_int_t)withheld));
	char *out = json_dumps(doc, JSON_COMPACT);
	if (!out) {
		reply_text(r, 500, "aura-serve: out of memory\n");
		goto done;
	}
	r->status = 200;
	r->content_type = "application/json";
	r->body = out;
	r->body_len = strlen(out);
done:
	json_decref(doc);
	free(page.data);
	free(url);
}
