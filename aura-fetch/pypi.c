/* pypi.c: pypi:NAME[==VERSION] through an index's JSON API, or its PEP 691/503 simple API. */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"
#include "record.h"

/* One file of one release, as the index lists it. */
struct dist_file {
	char *filename, *url, *packagetype, *upload_time, *yanked_reason;
	struct digest sha256;
	bool yanked;
};

struct release {
	char *version;
	struct pep440 parsed;
	bool parsed_ok;
	struct dist_file *files;
	size_t nfiles;
};

struct project {
	char norm[256];
	const char *api;	/* "json", "simple-json", "simple-html" */
	struct release *releases;
	size_t n;
	json_t *info;		/* the JSON API's "info" for the chosen release, or NULL */
};

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static struct release *release_get(struct project *p, const char *version)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->releases[i].version, version) == 0)
			return &p->releases[i];
	p->releases = xrealloc(p->releases, (p->n + 1) * sizeof *p->releases);
	struct release *r = &p->releases[p->n++];
	*r = (struct release){ .version = xstrdup(version) };
	r->parsed_ok = pep440_parse(version, &r->parsed);
	return r;
}

static void release_add_file(struct release *r, struct dist_file f)
{
	r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof *r->files);
	r->files[r->nfiles++] = f;
}

static void project_free(struct project *p)
{
	for (size_t i = 0; i < p->n; i++) {
		for (size_t j = 0; j < p->releases[i].nfiles; j++) {
			struct dist_file *f = &p->releases[i].files[j];
			free(f->filename);
			free(f->url);
			free(f->packagetype);
			free(f->upload_time);
			free(f->yanked_reason);
		}
		free(p->releases[i].files);
		free(p->releases[i].version);
	}
	free(p->releases);
	json_decref(p->info);
}

char *pypi_json_root(const char *index_url)
{
	/* A bandersnatch mirror: web/simple/ beside web/pypi/NAME/json. */
	size_t n = strlen(index_url);
	if (strncasecmp(index_url, "file://", 7) == 0 && n >= 8 && strcmp(index_url + n - 8, "/simple/") == 0) {
		char *root;
		if (asprintf(&root, "%.*spypi/", (int)(n - 7), index_url) < 0)
			aura_oom();
		return root;
	}
	/* scheme://host[:port] of the simple-API URL, then /pypi/ (as pypi.org lays it out). */
	const char *host = strstr(index_url, "://");
	size_t end = host ? (size_t)(host + 3 - index_url) + strcspn(host + 3, "/") : strlen(index_url);
	char *root;
	if (asprintf(&root, "%.*s/pypi/", (int)end, index_url) < 0)
		aura_oom();
	return root;
}

/* A file from the JSON API (`urls` or a `releases` entry). */
static struct dist_file file_from_json(const json_t *f)
{
	struct dist_file d = { 0 };
	const char *v;
	d.filename = xstrdup((v = jstr(f, "filename")) ? v : "");
	d.url = xstrdup((v = jstr(f, "url")) ? v : "");
	char *local = http_mirror_url(d.url);	/* a mirror holds the file itself */
	if (local) {
		free(d.url);
		d.url = local;
	}
	d.packagetype = xstrdup((v = jstr(f, "packagetype")) ? v : "");
	d.upload_time = (v = jstr(f, "upload_time_iso_8601")) || (v = jstr(f, "upload_time")) ?
		xstrdup(v) : NULL;
	d.yanked = json_is_true(json_object_get(f, "yanked"));
	d.yanked_reason = (v = jstr(f, "yanked_reason")) ? xstrdup(v) : NULL;
	const char *sha = jstr(json_object_get(f, "digests"), "sha256");
	if (sha && !digest_from_hex(DIGEST_SHA256, sha, &d.sha256))
		d.sha256.kind = DIGEST_NONE;
	return d;
}

/* Parse a JSON document with duplicate keys refused (a forged field must not win). */
static json_t *parse_json(const struct http_body *b, const char *url, char *why, size_t cap)
{
	json_error_t err;
	json_t *doc = b->data ? json_loadb((const char *)b->data, b->len, JSON_REJECT_DUPLICATES, &err)
			      : NULL;
	if (!doc || !json_is_object(doc)) {
		snprintf(why, cap, "%s: malformed JSON from the index: %s", url,
			 doc ? "not an object" : b->data ? err.text : "empty body");
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The JSON API: 1 when the index has none for this project (404), 0 ok, -1 error. */
static int load_json_api(struct project *p, char *why, size_t cap)
{
	char *root = pypi_json_root(fetch_cfg.index_url), *url;
	if (asprintf(&url, "%s%s/json", root, p->norm) < 0)
		aura_oom();
	free(root);
	struct http_body b;
	int rc = http_get(url, "application/json", &b, why, cap);
	if (rc == 0 && b.status == 404)
		rc = 1;
	else if (rc == 0 && b.status != 200) {
		snprintf(why, cap, "%s: HTTP %ld", url, b.status);
		rc = -1;
	}
	json_t *doc = rc == 0 ? parse_json(&b, url, why, cap) : NULL;
	if (rc == 0 && !doc)
		rc = -1;
	json_t *releases = doc ? json_object_get(doc, "releases") : NULL;
	if (doc && !json_is_object(releases)) {
		snprintf(why, cap, "%s: no \"releases\" object in the index's answer", url);
		rc = -1;
	}
	const char *version;
	json_t *files;
	if (rc == 0)
		json_object_foreach(releases, version, files) {
			struct release *r = release_get(p, version);
			size_t i;
			json_t *f;
			json_array_foreach(files, i, f)
				if (json_is_object(f))
					release_add_file(r, file_from_json(f));
		}
	if (rc == 0)
		p->api = "json";
	/* A mirror keeps the project's document only: its info is the release's. */
	if (rc == 0 && http_mirror_root() && json_is_object(json_object_get(doc, "info")))
		p->info = json_incref(json_object_get(doc, "info"));
	json_decref(doc);
	http_body_free(&b);
	free(url);
	return rc;
}

/* Version of a distribution file name for project `norm`, or NULL. */
static char *version_from_filename(const char *filename, const char *norm, char **packagetype)
{
	static const char *const sdist_ext[] = { ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz",
						 ".tar", NULL };
	size_t len = strlen(filename);
	if (len > 4 && strcmp(filename + len - 4, ".whl") == 0) {	/* name-ver-tags.whl */
		const char *dash = strchr(filename, '-');
		const char *end = dash ? strchr(dash + 1, '-') : NULL;
		if (!end)
			return NULL;
		*packagetype = xstrdup("bdist_wheel");
		return strndup(dash + 1, (size_t)(end - dash - 1));
	}
	size_t stem = 0;
	const char *type = "sdist";
	for (const char *const *e = sdist_ext; *e; e++)
		if (len > strlen(*e) && strcasecmp(filename + len - strlen(*e), *e) == 0) {
			stem = len - strlen(*e);
			break;
		}
	if (!stem && len > 4 && strcmp(filename + len - 4, ".egg") == 0) {
		stem = len - 4;
		type = "bdist_egg";
	}
	if (!stem)
		return NULL;
	/* The name part may itself hold '-': the split is where the normalised name ends. */
	for (size_t i = 1; i < stem; i++) {
		if (filename[i] != '-')
			continue;
		char name[256], n2[256];
		if (i >= sizeof name)
			break;
		memcpy(name, filename, i);
		name[i] = '\0';
		pep503_normalize(name, n2, sizeof n2);
		if (strcmp(n2, norm) == 0) {
			*packagetype = xstrdup(type);
			size_t vend = stem;
			if (strcmp(type, "bdist_egg") == 0)	/* name-1.0-py3.8.egg */
				vend = i + 1 + strcspn(filename + i + 1, "-");
			if (vend > stem)
				vend = stem;
			return strndup(filename + i + 1, vend - i - 1);
		}
	}
	return NULL;
}

/* A file URL relative to the page that listed it. */
static char *resolve_url(const char *base, const char *href)
{
	CURLU *u = curl_url();
	char *out = NULL, *copy = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, href, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		copy = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return copy;
}

/* Add a simple-API file entry (either flavour) to its release. */
static void add_simple_file(struct project *p, const char *page, const char *filename,
			    const char *href, const char *sha256, bool yanked,
			    const char *yanked_reason, const char *upload_time)
{
	char *type = NULL, *version = version_from_filename(filename, p->norm, &type);
	if (!version) {
		free(type);
		return;		/* not a distribution of this project */
	}
	struct dist_file f = { .filename = xstrdup(filename), .packagetype = type,
			       .yanked = yanked };
	/* The digest travels in the URL's fragment in PEP 503 (#sha256=...). */
	char *url = resolve_url(page, href);
	f.url = url ? url : xstrdup(href);
	char *frag = strchr(f.url, '#');
	const char *hex = sha256 ? sha256 : frag && strncmp(frag, "#sha256=", 8) == 0 ? frag + 8 : NULL;
	if (!hex || !digest_from_hex(DIGEST_SHA256, hex, &f.sha256))
		f.sha256.kind = DIGEST_NONE;
	if (frag)
		*frag = '\0';
	f.yanked_reason = yanked_reason ? xstrdup(yanked_reason) : NULL;
	f.upload_time = upload_time ? xstrdup(upload_time) : NULL;
	release_add_file(release_get(p, version), f);
	free(version);
}

/* An HTML attribute's value inside one tag, decoded for the few entities PEP 503 uses. */
static char *html_attr(const char *tag, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	for (size_t i = 0; i + nlen + 1 < len; i++) {
		if (strncasecmp(tag + i, name, nlen) != 0 || !isspace((unsigned char)tag[i - (i > 0)]))
			continue;
		size_t j = i + nlen;
		if (tag[j] != '=') {
			if (!isalnum((unsigned char)tag[j]) && tag[j] != '-')
				return xstrdup("");	/* a bare attribute: data-yanked */
			continue;
		}
		j++;
		char quote = tag[j] == '"' || tag[j] == '\'' ? tag[j++] : 0;
		size_t start = j;
		while (j < len && (quote ? tag[j] != quote : !isspace((unsigned char)tag[j])))
			j++;
		char *v = xmalloc(j - start + 1), *o = v;
		for (size_t k = start; k < j; k++) {
			if (tag[k] == '&') {
				static const struct { const char *ent, *ch; } ents[] = {
					{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					{ "&quot;", "\"" }, { "&#39;", "'" } };
				bool done = false;
				for (size_t e = 0; e < 5 && !done; e++)
					if (strncmp(tag + k, ents[e].ent, strlen(ents[e].ent)) == 0) {
						*o++ = *ents[e].ch;
						k += strlen(ents[e].ent) - 1;
						done = true;
					}
				if (done)
					continue;
			}
			*o++ = tag[k];
		}
		*o = '\0';
		return v;
	}
	return NULL;
}

/* PEP 503 HTML: <a href="URL#sha256=..." data-yanked="why">filename</a>. */
static void parse_simple_html(struct project *p, const char *page, const char *html)
{
	for (const char *a = html; (a = strcasestr(a, "<a")) != NULL;) {
		const char *gt = strchr(a, '>');
		if (!gt)
			break;
		const char *close = strcasestr(gt, "</a>");
		if (!close)
			break;
		char *href = html_attr(a, (size_t)(gt - a), "href");
		char *yanked = html_attr(a, (size_t)(gt - a), "data-yanked");
		char *text = strndup(gt + 1, (size_t)(close - gt - 1));
		char *fn = text;
		while (isspace((unsigned char)*fn))
			fn++;
		fn[strcspn(fn, " \t\r\n<")] = '\0';
		if (href)
			add_simple_file(p, page, fn, href, NULL, yanked != NULL, yanked, NULL);
		free(href);
		free(yanked);
		free(text);
		a = close + 4;
	}
}

/* PEP 691 JSON: {"files":[{"filename","url","hashes":{"sha256"},"yanked",...}]} */
static int parse_simple_json(struct project *p, const char *page, const struct http_body *b,
			     char *why, size_t cap)
{
	json_t *doc = parse_json(b, page, why, cap);
	if (!doc)
		return -1;
	json_t *files = json_object_get(doc, "files");
	if (!json_is_array(files)) {
		snprintf(why, cap, "%s: no \"files\" array in the index's answer", page);
		json_decref(doc);
		return -1;
	}
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *fn = jstr(f, "filename"), *url = jstr(f, "url");
		if (!fn || !url)
			continue;
		json_t *y = json_object_get(f, "yanked");
		add_simple_file(p, page, fn, url, jstr(json_object_get(f, "hashes"), "sha256"),
				json_is_true(y) || json_is_string(y), json_is_string(y) ?
				json_string_value(y) : NULL, jstr(f, "upload-time"));
	}
	json_decref(doc);
	return 0;
}

static int load_simple_api(struct project *p, char *why, size_t cap)
{
	char *page;
	if (asprintf(&page, "%s%s/", fetch_cfg.index_url, p->norm) < 0)
		aura_oom();
	struct http_body b;
	int rc = http_get(page, "application/vnd.pypi.simple.v1+json, text/html;q=0.1", &b, why, cap);
	if (rc == 0 && b.status == 404) {
		snprintf(why, cap, "unknown project '%s' on %s (HTTP 404)", p->norm, fetch_cfg.index_url);
		rc = -1;
	} else if (rc == 0 && b.status != 200) {
		snprintf(why, cap, "%s: HTTP %ld", page, b.status);
		rc = -1;
	}
	if (rc == 0) {
		const char *body = b.data ? (const char *)b.data : "";
		while (isspace((unsigned char)*body))
			body++;
		if (*body == '{') {
			p->api = "simple-json";
			rc = parse_simple_json(p, page, &b, why, cap);
		} else {
			p->api = "simple-html";
			parse_simple_html(p, page, body);
		}
	}
	http_body_free(&b);
	free(page);
	return rc;
}

static bool release_all_yanked(const struct release *r)
{
	for (size_t i = 0; i < r->nfiles; i++)
		if (!r->files[i].yanked)
			return false;
	return true;
}

/* An exact pin (==V, no wildcard) names one release even when it is yanked (PEP 592). */
static bool is_exact_pin(const char *spec)
{
	while (isspace((unsigned char)*spec))
		spec++;
	return (strncmp(spec, "==", 2) == 0 && !strchr(spec, ',') && !strstr(spec, ".*")) ||
	       strncmp(spec, "===", 3) == 0;
}

/*
 * The newest release matching the spec: yanked releases only by an exact pin; a
 * pre-release only with --pre, a spec naming one, or when nothing else matches.
 */
static struct release *choose_release(struct project *p, const char *spec, char *why, size_t cap)
{
	struct release *best_final = NULL, *best_pre = NULL;
	bool exact = is_exact_pin(spec), mentions_pre = false, malformed = false;
	for (size_t i = 0; i < p->n; i++) {
		struct release *r = &p->releases[i];
		if (r->nfiles == 0 || (!exact && release_all_yanked(r)))
			continue;
		int m = pep440_specifier_matches(spec, r->version, &mentions_pre);
		if (m < 0)
			malformed = true;
		if (m != 1)
			continue;
		if (!r->parsed_ok) {	/* only === reaches here with an unreadable version */
			best_final = r;
			continue;
		}
		struct release **slot = pep440_is_prerelease(&r->parsed) ? &best_pre : &best_final;
		if (!*slot || !(*slot)->parsed_ok || pep440_compare(&r->parsed, &(*slot)->parsed) > 0)
			*slot = r;
	}
	if (malformed) {
		snprintf(why, cap, "malformed version specifier '%s'", spec);
		return NULL;
	}
	bool want_pre = fetch_cfg.pre || mentions_pre || !best_final;
	struct release *best = best_final;
	if (want_pre && best_pre && (!best || pep440_compare(&best_pre->parsed, &best->parsed) > 0))
		best = best_pre;
	if (!best)
		snprintf(why, cap, "no release of '%s' matches '%s' (unknown version, or all yanked)",
			 p->norm, *spec ? spec : "latest");
	return best;
}

static bool file_wanted(const struct dist_file *f, bool latest)
{
	if (latest && f->yanked)
		return false;
	if (fetch_cfg.only)
		return strcmp(f->packagetype, strcmp(fetch_cfg.only, "wheel") == 0 ? "bdist_wheel" :
			      "sdist") == 0;
	return fetch_cfg.all_files || strcmp(f->packagetype, "sdist") == 0 ||
	       strcmp(f->packagetype, "bdist_wheel") == 0;
}

static bool hash_allowed(const struct requirement *req, const struct dist_file *f)
{
	if (!req->hashes)
		return true;
	char hex[65];
	if (f->sha256.kind != DIGEST_SHA256)
		return false;
	digest_hex(&f->sha256, hex, sizeof hex);
	for (size_t i = 0; i < req->nhashes; i++)
		if (strcasecmp(req->hashes[i], hex) == 0)
			return true;
	return false;
}

/* The JSON API's "info" for one release: the metadata attached for analyze. */
static void load_release_info(struct project *p, const struct release *r)
{
	if (strcmp(p->api, "json") != 0 || p->info)
		return;
	char *root = pypi_json_root(fetch_cfg.index_url), *url, why[512];
	if (asprintf(&url, "%s%s/%s/json", root, p->norm, r->version) < 0)
		aura_oom();
	free(root);
	struct http_body b;
	if (http_get(url, "application/json", &b, why, sizeof why) == 0 && b.status == 200) {
		json_t *doc = parse_json(&b, url, why, sizeof why);
		if (doc && json_is_object(json_object_get(doc, "info")))
			p->info = json_incref(json_object_get(doc, "info"));
		json_decref(doc);
	}
	if (!p->info)
		aura_warn("%s: no release metadata (%s)", url, why);
	http_body_free(&b);
	free(url);
}

/* The facts analyze gets about a registry file (docs/protocol.md, `registry`). */
static json_t *registry_facts(const struct project *p, const struct release *r,
			      const struct dist_file *f, const char *display)
{
	json_t *reg = json_object();
	json_object_set_new(reg, "index", json_string(fetch_cfg.index_url));
	json_object_set_new(reg, "api", json_string(p->api));
	json_object_set_new(reg, "project", json_string_lossy(display, strlen(display)));
	json_object_set_new(reg, "normalized_name", json_string(p->norm));
	json_object_set_new(reg, "packagetype", json_string(f->packagetype));
	json_object_set_new(reg, "upload_time", f->upload_time ? json_string_lossy(f->upload_time,
					strlen(f->upload_time)) : json_null());
	json_object_set_new(reg, "yanked", json_boolean(f->yanked));
	json_object_set_new(reg, "yanked_reason", f->yanked_reason ?
			    json_string_lossy(f->yanked_reason, strlen(f->yanked_reason)) : json_null());
	json_object_set_new(reg, "digest_verified", json_boolean(f->sha256.kind == DIGEST_SHA256));
	/* Release age: the project's first upload and how many releases it has. */
	const char *first = NULL;
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = 0; j < p->releases[i].nfiles; j++) {
			const char *t = p->releases[i].files[j].upload_time;
			if (t && (!first || strcmp(t, first) < 0))
				first = t;
		}
	json_object_set_new(reg, "first_upload_time", first ? json_string_lossy(first, strlen(first)) :
			    json_null());
	json_object_set_new(reg, "releases", json_integer((json_int_t)p->n));
	static const char *const info_keys[] = {
		"summary", "author", "author_email", "maintainer", "maintainer_email", "home_page",
		"license", "project_urls", "requires_dist", "requires_python", NULL
	};
	for (const char *const *k = info_keys; *k; k++) {
		json_t *v = p->info ? json_object_get(p->info, *k) : NULL;
		json_object_set(reg, *k, v ? v : json_null());
	}
	(void)r;
	return reg;
}

int pypi_latest(const char *name, char *version, size_t vcap, char *why, size_t cap)
{
	struct project p = { .api = NULL };
	pep503_normalize(name, p.norm, sizeof p.norm);
	int rc = load_json_api(&p, why, cap);
	if (rc == 1)
		rc = load_simple_api(&p, why, cap);
	struct release *r = rc == 0 ? choose_release(&p, "", why, cap) : NULL;
	if (r)
		snprintf(version, vcap, "%s", r->version);
	project_free(&p);
	return r ? 0 : -1;
}

int pypi_fetch(const struct requirement *req, const char *target)
{
	struct project p = { .api = NULL };
	char why[1024];
	pep503_normalize(req->name, p.norm, sizeof p.norm);
	const char *where = req->origin ? req->origin : target;
	if (!*p.norm) {
		record_error(NULL, where, "malformed project name '%s'", req->name);
		return -1;
	}
	int rc = load_json_api(&p, why, sizeof why);
	if (rc == 1)	/* no JSON API for it here: the simple API decides */
		rc = load_simple_api(&p, why, sizeof why);
	struct release *r = rc == 0 ? choose_release(&p, req->spec, why, sizeof why) : NULL;
	if (!r) {
		record_error(NULL, where, "%s", why);
		project_free(&p);
		return -1;
	}
	load_release_info(&p, r);
	bool latest = !is_exact_pin(req->spec);
	int emitted = 0, failed = 0;
	for (size_t i = 0; i < r->nfiles; i++) {
		struct dist_file *f = &r->files[i];
		if (!file_wanted(f, latest) || !hash_allowed(req, f))
			continue;
		char path[4096], sha[65];
		if (f->sha256.kind != DIGEST_SHA256)
			aura_warn("%s: the index publishes no sha256 for %s: not verified", where,
				  f->filename);
		int d = cache_download(f->url, &f->sha256, path, sizeof path, sha, why, sizeof why);
		if (d == -2) {
			report_mismatch(where, f->url, why);
			failed++;
			continue;
		}
		if (d < 0) {
			record_error(NULL, where, "%s", why);
			failed++;
			continue;
		}
		json_t *extra = json_object();
		json_object_set_new(extra, "url", json_string_lossy(f->url, strlen(f->url)));
		json_object_set_new(extra, "registry", registry_facts(&p, r, f, req->name));
		if (req->origin)	/* the requirement line that named it */
			json_object_set_new(extra, "origin", json_string_lossy(req->origin,
								       strlen(req->origin)));
		if (emit_download(target, path, sha, f->filename, req->name, r->version, "pypi",
				  extra) < 0)
			failed++;
		else
			emitted++;
	}
	if (emitted + failed == 0 && req->hashes) {
		/* The lock or --hash and the index disagree: one of them was tampered with. */
		char msg[1024];
		snprintf(msg, sizeof msg, "release %s of '%s' has no %s matching the --hash values "
			 "(%zu hashes; the index publishes others)", r->version, p.norm,
			 fetch_cfg.only ? fetch_cfg.only : fetch_cfg.all_files ? "file" : "sdist or wheel",
			 req->nhashes);
		report_mismatch(where, fetch_cfg.index_url, msg);
		failed++;
	} else if (emitted + failed == 0) {
		record_error(NULL, where, "release %s of '%s' has no %s%s", r->version, p.norm,
			     fetch_cfg.only ? fetch_cfg.only : fetch_cfg.all_files ? "file" :
			     "sdist or wheel", req->hashes ? " matching the --hash values" : "");
		failed++;
	}
	project_free(&p);
	return failed ? -1 : 0;
}
