/* list.c: aura-fetch --list: an index or a mirror's projects as targets, one per line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"

/*
 * The simple API's root page names every project: PEP 691 JSON ({"projects": [{"name"}]})
 * or PEP 503 HTML (one <a> per project, its text the name).  A registry scan is then
 * `aura-fetch --list | aura scan -` in effect: each line is a target aura-fetch reads.
 */

/* One project: its target line, or with --latest its newest release pinned. */
static int list_one(const char *name, bool latest)
{
	char norm[256], version[256], why[1024];
	pep503_normalize(name, norm, sizeof norm);
	if (!*norm || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
	    strlen(name)) {
		record_error(NULL, fetch_cfg.index_url, "the index lists '%s', which is not a project name",
			     name);
		return -1;
	}
	if (!latest) {
		printf("pypi:%s\n", name);
		return 0;
	}
	if (pypi_latest(name, version, sizeof version, why, sizeof why) < 0) {
		/* e.g. a project with only yanked or no releases: said on stderr, not a target */
		aura_warn("%s: %s", name, why);
		return 0;
	}
	printf("pypi:%s==%s\n", name, version);
	return 0;
}

static int list_html(const char *html, bool latest)
{
	int failed = 0;
	for (const char *a = html; (a = strcasestr(a, "<a")) != NULL;) {
		const char *gt = strchr(a, '>'), *close = gt ? strcasestr(gt, "</a>") : NULL;
		if (!close)
			break;
		char *text = strndup(gt + 1, (size_t)(close - gt - 1));
		if (!text)
			aura_oom();
		char *s = text;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = '\0';
		if (*s)
			failed += list_one(s, latest) < 0;
		free(text);
		a = close + 4;
	}
	return failed;
}

int list_index(bool latest)
{
	char why[1024];
	struct http_body b;
	int rc = http_get(fetch_cfg.index_url, "application/vnd.pypi.simple.v1+json, text/html;q=0.1",
			  &b, why, sizeof why);
	if (rc == 0 && b.status != 200) {
		snprintf(why, sizeof why, "%s: HTTP %ld", fetch_cfg.index_url, b.status);
		rc = -1;
	}
	if (rc < 0) {
		record_error(NULL, fetch_cfg.index_url, "cannot list the index: %s", why);
		http_body_free(&b);
		return -1;
	}
	const char *body = b.data ? (const char *)b.data : "";
	size_t skip = 0;
	while (skip < b.len && isspace((unsigned char)body[skip]))
		skip++;
	int failed = 0;
	if (skip < b.len && body[skip] == '{') {
		json_error_t err;
		json_t *doc = json_loadb(body, b.len, JSON_REJECT_DUPLICATES, &err);
		json_t *projects = json_object_get(doc, "projects");
		if (!json_is_array(projects)) {
			record_error(NULL, fetch_cfg.index_url, "malformed PEP 691 project list: %s",
				     doc ? "no \"projects\" array" : err.text);
			failed++;
		}
		size_t i;
		json_t *p;
		json_array_foreach(projects, i, p) {
			const char *name = json_string_value(json_object_get(p, "name"));
			if (!name) {
				record_error(NULL, fetch_cfg.index_url, "project %zu has no name", i);
				failed++;
			} else {
				failed += list_one(name, latest) < 0;
			}
		}
		json_decref(doc);
	} else {
		char *html = strndup(body, b.len);	/* NUL-terminated for the scan */
		if (!html)
			aura_oom();
		failed += list_html(html, latest);
		free(html);
	}
	http_body_free(&b);
	fflush(stdout);
	return failed ? -1 : 0;
}
