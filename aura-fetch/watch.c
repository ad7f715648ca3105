/* watch.c: aura-fetch --feed: one poll of a registry's feed of new uploads (PyPI RSS, npm _changes). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"

/*
 * `aura watch` (bin/aura) polls through here.  One poll reads the feed with the validators
 * of the last one (a 304 costs the registry nothing), prints each new release as a target
 * line (oldest first) and ends with a `watch_state` record: the position the driver stores
 * (atomic rename) once the releases are scanned, so that a restart neither misses nor
 * repeats one.  PyPI's RSS feeds hold only the latest events and no serial: the position
 * is the set of items last seen, and when none of them is still in the feed, releases in
 * between may have been missed, which is said.  npm's _changes feed has a sequence number.
 */

#define WATCH_MAX_SEEN 2000

static json_t *state;	/* {"feed", "etag", "last_modified", "seen": [...], "seq"} */

int watch_load_state(const char *state_path, const char *feed)
{
	json_error_t err;
	xmlInitParser();	/* before sealing: whatever libxml2 sets up, it does now */
	FILE *f = fopen(state_path, "re");
	if (!f) {
		state = json_object();	/* the first poll: everything in the feed is new */
		json_object_set_new(state, "feed", json_string(feed));
		return 0;
	}
	state = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	const char *was = json_string_value(json_object_get(state, "feed"));
	if (!json_is_object(state) || !was || strcmp(was, feed) != 0) {
		aura_warn("%s: %s", state_path, !state ? err.text : "not the state of a --feed %s watch");
		return -1;
	}
	return 0;
}

static const char *sget(const char *key)
{
	const char *v = json_string_value(json_object_get(state, key));
	return v ? v : "";
}

static void print_state(bool gap)
{
	json_t *rec = record_new("watch_state");
	json_object_set(rec, "state", state);
	json_object_set_new(rec, "gap", json_boolean(gap));
	out_record(rec);
	json_decref(rec);
}

/* GET the feed with the last validators; 1 when not modified (304). */
static int get_feed(const char *url, const char *accept, struct http_body *b)
{
	char why[1024];
	http_set_conditional(sget("etag"), sget("last_modified"));
	int rc = http_transfer(url, accept, fetch_cfg.max_download, NULL, NULL, NULL, b, why, sizeof why);
	http_set_conditional(NULL, NULL);
	if (rc == 0 && b->status == 304)
		return 1;
	if (rc == 0 && b->status != 200) {
		snprintf(why, sizeof why, "%s: HTTP %ld", url, b->status);
		rc = -1;
	}
	if (rc < 0) {
		record_error(NULL, url, "cannot read the feed: %s", why);
		return -1;
	}
	char etag[256], modified[128];
	http_validators(etag, sizeof etag, modified, sizeof modified);
	json_object_set_new(state, "etag", json_string(etag));
	json_object_set_new(state, "last_modified", json_string(modified));
	return 0;
}

static bool seen_before(json_t *seen, const char *key)
{
	size_t i;
	json_t *v;
	json_array_foreach(seen, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), key) == 0)
			return true;
	return false;
}

/* The text of the first child element `name` of an RSS <item>, or NULL. */
static char *child_text(xmlNode *item, const char *name)
{
	for (xmlNode *c = item->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return (char *)xmlNodeGetContent(c);
	return NULL;
}

/* ".../project/NAME/VERSION/" (PyPI's item link) into name and version. */
static bool release_from_link(const char *link, char *name, size_t ncap, char *version, size_t vcap)
{
	const char *p = link ? strstr(link, "/project/") : NULL;
	if (!p)
		return false;
	p += 9;
	size_t nl = strcspn(p, "/");
	if (nl == 0 || nl >= ncap || p[nl] != '/')
		return false;
	const char *v = p + nl + 1;
	size_t vl = strcspn(v, "/");
	if (vl == 0 || vl >= vcap)
		return false;
	snprintf(name, ncap, "%.*s", (int)nl, p);
	snprintf(version, vcap, "%.*s", (int)vl, v);
	struct pep440 parsed;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == nl &&
	       pep440_parse(version, &parsed);
}

static int poll_pypi(void)
{
	char *root = pypi_json_root(fetch_cfg.index_url), *url;
	size_t rl = strlen(root);
	if (rl >= 5 && strcmp(root + rl - 5, "pypi/") == 0)
		root[rl - 5] = '\0';
	if (asprintf(&url, "%srss/updates.xml", root) < 0)
		aura_oom();
	free(root);
	struct http_body b;
	int rc = get_feed(url, "application/rss+xml, application/xml;q=0.9", &b);
	if (rc != 0) {
		http_body_free(&b);
		free(url);
		if (rc == 1)
			print_state(false);	/* not modified: nothing new, the position stays */
		return rc < 0 ? -1 : 0;
	}
	/* No network and no entity expansion: the feed is data, never a fetch. */
	xmlDoc *doc = xmlReadMemory((const char *)(b.data ? b.data : (unsigned char *)""), (int)b.len,
				    url, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	http_body_free(&b);
	xmlNode *rss = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *channel = NULL;
	for (xmlNode *c = rss ? rss->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "channel") == 0)
			channel = c;
	if (!rss || strcmp((const char *)rss->name, "rss") != 0 || !channel) {
		record_error(NULL, url, "the feed is not RSS (malformed XML, or no <rss><channel>)");
		xmlFreeDoc(doc);
		free(url);
		return -1;
	}
	json_t *old = json_object_get(state, "seen"), *now = json_array(), *fresh = json_array();
	bool overlap = false, failed = false;
	for (xmlNode *item = channel->children; item; item = item->next) {
		if (item->type != XML_ELEMENT_NODE || strcmp((const char *)item->name, "item") != 0)
			continue;
		char *link = child_text(item, "link"), name[256], version[256], key[520];
		if (!release_from_link(link, name, sizeof name, version, sizeof version)) {
			record_error(NULL, url, "feed item with a link that names no release: '%.200s'",
				     link ? link : "(none)");
			failed = true;
		} else {
			snprintf(key, sizeof key, "%s %s", name, version);
			if (seen_before(old, key))
				overlap = true;
			else if (!seen_before(fresh, key))
				json_array_append_new(fresh, json_string(key));
			if (json_array_size(now) < WATCH_MAX_SEEN)
				json_array_append_new(now, json_string(key));
		}
		xmlFree(link);
	}
	xmlFreeDoc(doc);
	/* The feed lists the newest first: scan in upload order. */
	for (size_t i = json_array_size(fresh); i-- > 0;) {
		const char *key = json_string_value(json_array_get(fresh, i));
		const char *sp = strchr(key, ' ');
		printf("pypi:%.*s==%s\n", (int)(sp - key), key, sp + 1);
	}
	fflush(stdout);
	bool gap = json_array_size(old) > 0 && !overlap;
	if (gap)
		aura_warn("%s: none of the releases seen last time is still in the feed, which holds "
			  "only the latest events: releases in between may have been missed (poll more "
			  "often)", url);
	json_object_set_new(state, "seen", now);
	json_decref(fresh);
	print_state(gap);
	free(url);
	return failed ? -1 : 0;
}

static int poll_npm(void)
{
	json_int_t since = json_integer_value(json_object_get(state, "seq"));
	char *url;
	if (asprintf(&url, "%s_changes?since=%lld", fetch_cfg.registry_url, (long long)since) < 0)
		aura_oom();
	struct http_body b;
	int rc = get_feed(url, "application/json", &b);
	if (rc != 0) {
		http_body_free(&b);
		free(url);
		if (rc == 1)
			print_state(false);
		return rc < 0 ? -1 : 0;
	}
	json_error_t err;
	json_t *doc = b.data ? json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &err) : NULL;
	http_body_free(&b);
	json_t *results = json_object_get(doc, "results");
	if (!json_is_array(results)) {
		record_error(NULL, url, "the changes feed is not {\"results\": [...]}: %s",
			     doc ? "no results array" : b.len ? err.text : "empty body");
		json_decref(doc);
		free(url);
		return -1;
	}
	json_t *done = json_array();
	json_int_t newest = since;
	size_t i;
	json_t *ch;
	int failed = 0;
	json_array_foreach(results, i, ch) {
		json_t *seq = json_object_get(ch, "seq");
		const char *id = json_string_value(json_object_get(ch, "id"));
		if (!json_is_integer(seq) || !id) {
			record_error(NULL, url, "change %zu without an integer seq and a string id", i);
			failed++;
			continue;
		}
		if (json_integer_value(seq) <= since)
			continue;	/* a server that ignores ?since= */
		if (json_integer_value(seq) > newest)
			newest = json_integer_value(seq);
		if (strncmp(id, "_design/", 8) == 0 || json_is_true(json_object_get(ch, "deleted")) ||
		    seen_before(done, id))
			continue;
		json_array_append_new(done, json_string(id));
		if (strspn(id, "@/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-~") != strlen(id)) {
			record_error(NULL, url, "change %zu names '%.200s', which is not a package name", i, id);
			failed++;
			continue;
		}
		printf("npm:%s\n", id);	/* the change is to its document: scan what "latest" is now */
	}
	fflush(stdout);
	json_decref(done);
	json_decref(doc);
	json_object_set_new(state, "seq", json_integer(newest));
	print_state(false);
	free(url);
	return failed ? -1 : 0;
}

int watch_poll(const char *feed)
{
	return strcmp(feed, "npm") == 0 ? poll_npm() : poll_pypi();
}
