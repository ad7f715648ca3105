/* watch.c: aura-fetch --feed: one poll of a registry's feed of new uploads (PyPI changelog or RSS, npm _changes). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"

/*
 * `aura watch` (bin/aura) polls through here.  One poll prints each new release as a target
 * line (oldest first) and ends with a `watch_state` record: the position the driver stores
 * (atomic rename) once the releases are scanned, so that a restart neither misses nor
 * repeats one, and the source it came from.
 *
 * PyPI: the XML-RPC changelog (`changelog_since_serial`, POST /pypi) first.  It has a serial,
 * so the position is exact.  An index without XML-RPC (404, 405, 501) is followed through its
 * RSS feeds, and so is this one poll when XML-RPC answers something unusable (an error record
 * says what; the serial stays).  The RSS feeds hold only the latest events and no serial:
 * their position is the set of items last seen, and when none of them is still in a feed,
 * releases in between may have been missed, which is said.  npm's _changes feed has a
 * sequence number.
 */

#define WATCH_MAX_SEEN 2000
#define WATCH_MAX_CHANGES 200000	/* PyPI answers at most 50,000 */

/*
 * {"feed", "serial" (PyPI changelog), "etag", "last_modified", "seen" (updates.xml),
 *  "new_projects": {"etag", "last_modified", "seen"} (packages.xml), "seq" (npm)}
 */
static json_t *state;
static const char *source = "";	/* the watch_state record's "source" */

/* A position field, when present, must be a whole number >= 0; "seen" a list of strings. */
static bool state_valid(json_t *st, const char **bad)
{
	static const char *const counters[] = { "serial", "seq" };
	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(st, counters[i]);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0)) {
			*bad = counters[i];
			return false;
		}
	}
	json_t *np = json_object_get(st, "new_projects");
	if (np && !json_is_object(np)) {
		*bad = "new_projects";
		return false;
	}
	json_t *lists[] = { json_object_get(st, "seen"), json_object_get(np, "seen") };
	for (size_t i = 0; i < 2; i++) {
		size_t j;
		json_t *v;
		if (lists[i] && !json_is_array(lists[i])) {
			*bad = "seen";
			return false;
		}
		json_array_foreach(lists[i], j, v)
			if (!json_is_string(v)) {
				*bad = "seen";
				return false;
			}
	}
	return true;
}

int watch_load_state(const char *state_path, const char *feed)
{
	json_error_t err;
	xmlInitParser();	/* before sealing: whatever libxml2 sets up, it does now */
	FILE *f = fopen(state_path, "re");
	if (!f) {
		state = json_object();	/* the first poll */
		json_object_set_new(state, "feed", json_string(feed));
		return 0;
	}
	state = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	const char *was = json_string_value(json_object_get(state, "feed")), *bad = NULL;
	if (!json_is_object(state) || !was || strcmp(was, feed) != 0) {
		aura_warn("%s: %s", state_path, !state ? err.text : "not the state of a --feed %s watch");
		return -1;
	}
	if (!state_valid(state, &bad)) {
		aura_warn("%s: \"%s\" is not %s", state_path, bad, strcmp(bad, "seen") == 0 ?
			  "a list of strings" : strcmp(bad, "new_projects") == 0 ? "an object" :
			  "a whole number, 0 or more");
		return -1;
	}
	return 0;
}

static const char *sget(json_t *where, const char *key)
{
	const char *v = json_string_value(json_object_get(where, key));
	return v ? v : "";
}

static void print_state(bool gap)
{
	json_t *rec = record_new("watch_state");
	json_object_set(rec, "state", state);
	json_object_set_new(rec, "gap", json_boolean(gap));
	json_object_set_new(rec, "source", json_string(source));
	out_record(rec);
	json_decref(rec);
}

/*
 * GET a feed with the validators kept in `where`: 0, 1 when not modified (304), 2 when
 * absent (404) and `may_be_absent`, -1 after an error record.
 */
static int get_feed(const char *url, const char *accept, json_t *where, bool may_be_absent,
		    struct http_body *b)
{
	char why[1024];
	http_set_conditional(sget(where, "etag"), sget(where, "last_modified"));
	int rc = http_transfer(url, accept, fetch_cfg.max_download, NULL, NULL, NULL, b, why, sizeof why);
	http_set_conditional(NULL, NULL);
	if (rc == 0 && b->status == 304)
		return 1;
	if (rc == 0 && b->status == 404 && may_be_absent)
		return 2;
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
	json_object_set_new(where, "etag", json_string(etag));
	json_object_set_new(where, "last_modified", json_string(modified));
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

/* ---- PyPI's XML-RPC changelog ---- */

struct changelog {
	json_int_t since, last;	/* the stored serial; the newest one read */
	size_t changes;
	json_t *keys;		/* "name version" -> true: each release once */
	json_t *targets;	/* in serial order */
};

/* "new release", or a file added to one: "add source file F", "add py3 file F", "add 3.8 file F"... */
static bool release_action(const char *action)
{
	if (strcmp(action, "new release") == 0)
		return true;
	if (strncmp(action, "add ", 4) != 0)
		return false;
	size_t n = strcspn(action + 4, " ");
	return n > 0 && strncmp(action + 4 + n, " file ", 6) == 0 && action[4 + n + 6] != '\0';
}

static bool project_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n < 200 &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* One change, [name, version, timestamp, action, serial]. */
static int changelog_entry(json_t *e, size_t i, void *ctx, char *why, size_t cap)
{
	struct changelog *c = ctx;
	json_t *name = json_array_get(e, 0), *version = json_array_get(e, 1), *action = json_array_get(e, 3),
	       *serial = json_array_get(e, 4);
	if (json_array_size(e) != 5 || !json_is_string(name) ||
	    !(json_is_string(version) || json_is_null(version)) || !json_is_integer(json_array_get(e, 2)) ||
	    !json_is_string(action) || !json_is_integer(serial)) {
		snprintf(why, cap, "change %zu is not [name, version, timestamp, action, serial] "
			 "(a string, a string or nil, an int, a string, an int)", i);
		return -1;
	}
	if (++c->changes > WATCH_MAX_CHANGES) {
		snprintf(why, cap, "more than %d changes in one answer", WATCH_MAX_CHANGES);
		return -1;
	}
	json_int_t s = json_integer_value(serial);
	if (s <= c->since) {
		snprintf(why, cap, "change %zu has serial %lld, not above the stored serial %lld: the "
			 "changelog went backwards (another index, or one restored from a backup?)", i,
			 (long long)s, (long long)c->since);
		return -1;
	}
	if (s < c->last) {
		snprintf(why, cap, "change %zu has serial %lld, below the %lld before it: not in serial order",
			 i, (long long)s, (long long)c->last);
		return -1;
	}
	c->last = s;
	if (!release_action(json_string_value(action)))
		return 0;	/* owners, yanks, removals, documentation: nothing to scan */
	const char *n = json_string_value(name), *v = json_string_value(version);
	struct pep440 parsed;
	if (!project_name_ok(n) || !v || !pep440_parse(v, &parsed)) {
		snprintf(why, cap, "change %zu ('%.40s') names no release: project '%.200s', version '%.100s'",
			 i, json_string_value(action), n, v ? v : "(nil)");
		return -1;
	}
	char norm[256], key[400];
	pep503_normalize(n, norm, sizeof norm);
	snprintf(key, sizeof key, "%s==%s", norm, v);
	if (!json_object_get(c->keys, key)) {
		json_object_set_new(c->keys, key, json_true());
		json_array_append_new(c->targets, json_string(key));
	}
	return 0;
}

/*
 * XML-RPC at url: from the stored serial (the first poll only learns where the changelog is:
 * what is uploaded from then on is scanned).  XMLRPC_OK with the state printed,
 * XMLRPC_ABSENT with why, XMLRPC_ERROR after an error record.
 */
static int poll_changelog(const char *url, char *why, size_t cap)
{
	json_t *serial = json_object_get(state, "serial");
	if (!serial) {
		json_t *last = NULL;
		int rc = xmlrpc_call(url, "changelog_last_serial", -1, NULL, NULL, &last, why, cap);
		if (rc == XMLRPC_OK && (!json_is_integer(last) || json_integer_value(last) < 0)) {
			snprintf(why, cap, "the answer is not a serial (an int, 0 or more)");
			rc = XMLRPC_ERROR;
		}
		if (rc == XMLRPC_ERROR)
			record_error(NULL, url, "PyPI's XML-RPC changelog_last_serial(): %s", why);
		if (rc == XMLRPC_OK) {
			aura_warn("%s: following the changelog from serial %lld: releases uploaded from now "
				  "on are scanned", url, (long long)json_integer_value(last));
			json_object_set(state, "serial", last);
			source = "xmlrpc";
			print_state(false);
		}
		json_decref(last);
		return rc;
	}
	struct changelog c = { .since = json_integer_value(serial), .keys = json_object(),
			       .targets = json_array() };
	c.last = c.since;
	json_t *none = NULL;
	int rc = xmlrpc_call(url, "changelog_since_serial", c.since, changelog_entry, &c, &none, why, cap);
	if (rc == XMLRPC_ERROR)
		record_error(NULL, url, "PyPI's XML-RPC changelog_since_serial(%lld): %s", (long long)c.since, why);
	if (rc == XMLRPC_OK) {
		size_t i;
		json_t *t;
		json_array_foreach(c.targets, i, t)
			printf("pypi:%s\n", json_string_value(t));
		fflush(stdout);
		json_object_set_new(state, "serial", json_integer(c.last));
		source = "xmlrpc";
		print_state(false);
	}
	json_decref(c.keys);
	json_decref(c.targets);
	return rc;
}

/* ---- PyPI's RSS feeds ---- */

/* libxml2's encoding layer writes some errors to stderr whatever the options. */
static void xml_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* The text of the first child element `name` of an RSS <item>, or NULL. */
static char *child_text(xmlNode *item, const char *name)
{
	for (xmlNode *c = item->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return (char *)xmlNodeGetContent(c);
	return NULL;
}

/*
 * ".../project/NAME/VERSION/" (an updates.xml item) into "norm version"; with no version
 * wanted, ".../project/NAME/" (a packages.xml item) into "norm".
 */
static bool key_from_link(const char *link, bool with_version, char *key, size_t cap)
{
	const char *p = link ? strstr(link, "/project/") : NULL;
	if (!p)
		return false;
	p += 9;
	size_t nl = strcspn(p, "/");
	char name[256], norm[256];
	if (nl == 0 || nl >= sizeof name || p[nl] != '/')
		return false;
	snprintf(name, sizeof name, "%.*s", (int)nl, p);
	if (!project_name_ok(name))
		return false;
	pep503_normalize(name, norm, sizeof norm);
	const char *v = p + nl + 1;
	size_t vl = strcspn(v, "/");
	if (!with_version) {
		snprintf(key, cap, "%s", norm);
		return vl == 0;
	}
	char version[256];
	struct pep440 parsed;
	if (vl == 0 || vl >= sizeof version)
		return false;
	snprintf(version, sizeof version, "%.*s", (int)vl, v);
	snprintf(key, cap, "%s %s", norm, version);
	return pep440_parse(version, &parsed);
}

/*
 * One RSS feed, ROOT/rss/FILE, its validators and items seen in `where`: the new items'
 * keys appended to `fresh`, oldest first.  0 (gap set), 1 not modified, 2 absent (404,
 * packages.xml only), -1 after an error record.
 */
static int read_rss(const char *root, const char *file, json_t *where, bool releases, json_t *fresh,
		    bool *gap)
{
	char *url;
	if (asprintf(&url, "%srss/%s", root, file) < 0)
		aura_oom();
	struct http_body b;
	int rc = get_feed(url, "application/rss+xml, application/xml;q=0.9", where, !releases, &b);
	if (rc != 0) {
		http_body_free(&b);
		free(url);
		return rc;
	}
	/*
	 * No network and no entity expansion: the feed is data, never a fetch.  UTF-8 whatever
	 * it declares (PyPI's is): another encoding would load an iconv module, which the
	 * sealed stage may not map (xmlrpc.c).
	 */
	xmlSetGenericErrorFunc(NULL, xml_quiet);
	xmlDoc *doc = xmlReadMemory((const char *)(b.data ? b.data : (unsigned char *)""), (int)b.len,
				    url, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_IGNORE_ENC);
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
	json_t *old = json_object_get(where, "seen"), *now = json_array(), *mine = json_array();
	bool overlap = false, failed = false;
	for (xmlNode *item = channel->children; item; item = item->next) {
		if (item->type != XML_ELEMENT_NODE || strcmp((const char *)item->name, "item") != 0)
			continue;
		char *link = child_text(item, "link"), key[520];
		if (!key_from_link(link, releases, key, sizeof key)) {
			record_error(NULL, url, "feed item with a link that names no %s: '%.200s'",
				     releases ? "release" : "project", link ? link : "(none)");
			failed = true;
		} else {
			if (seen_before(old, key))
				overlap = true;
			else if (!seen_before(mine, key))
				json_array_append_new(mine, json_string(key));
			if (json_array_size(now) < WATCH_MAX_SEEN)
				json_array_append_new(now, json_string(key));
		}
		xmlFree(link);
	}
	xmlFreeDoc(doc);
	/* The feed lists the newest first. */
	for (size_t i = json_array_size(mine); i-- > 0;)
		json_array_append(fresh, json_array_get(mine, i));
	json_decref(mine);
	*gap = json_array_size(old) > 0 && !overlap;
	if (*gap)
		aura_warn("%s: none of the items seen last time is still in the feed, which holds only "
			  "the latest events: releases in between may have been missed (poll more often)", url);
	json_object_set_new(where, "seen", now);
	free(url);
	return failed ? -1 : 0;
}

/* updates.xml (releases), then packages.xml (new projects) for what updates.xml did not name. */
static int poll_rss(const char *root)
{
	json_t *releases = json_array(), *projects = json_array();
	json_t *np = json_object_get(state, "new_projects");
	if (!np) {
		np = json_object();
		json_object_set_new(state, "new_projects", np);
	}
	bool gap_r = false, gap_p = false;
	int rr = read_rss(root, "updates.xml", state, true, releases, &gap_r);
	int rp = rr < 0 ? 0 : read_rss(root, "packages.xml", np, false, projects, &gap_p);
	if (rp == 2)
		aura_warn("%srss/packages.xml: absent (404): following updates.xml alone", root);
	if (rr >= 0) {
		size_t i, j;
		json_t *k, *p;
		json_array_foreach(releases, i, k) {
			const char *key = json_string_value(k), *sp = strchr(key, ' ');
			printf("pypi:%.*s==%s\n", (int)(sp - key), key, sp + 1);
		}
		json_array_foreach(projects, i, p) {
			/* A new project's first release is usually in updates.xml too: once is enough. */
			bool named = false;
			size_t l = strlen(json_string_value(p));
			json_array_foreach(releases, j, k)
				named |= strncmp(json_string_value(k), json_string_value(p), l) == 0 &&
					 json_string_value(k)[l] == ' ';
			if (!named)
				printf("pypi:%s\n", json_string_value(p));
		}
		fflush(stdout);
		source = "rss";
		print_state(gap_r || gap_p);
	}
	json_decref(releases);
	json_decref(projects);
	return rr < 0 || rp < 0 ? -1 : 0;
}

static int poll_pypi(void)
{
	char *root = pypi_json_root(fetch_cfg.index_url);
	size_t rl = strlen(root);
	if (rl >= 5 && strcmp(root + rl - 5, "pypi/") == 0)
		root[rl - 5] = '\0';
	int failed = 0;
	if (strncasecmp(root, "file://", 7) != 0) {	/* a mirror on disk has no XML-RPC */
		char *url, why[1024];
		if (asprintf(&url, "%spypi", root) < 0)
			aura_oom();
		int rc = poll_changelog(url, why, sizeof why);
		if (rc == XMLRPC_ABSENT)
			aura_warn("%s: no XML-RPC here (%s): following the RSS feeds, which hold only the "
				  "latest events", url, why);
		else if (rc == XMLRPC_ERROR)
			aura_warn("%s: the XML-RPC changelog failed (the error above): this poll follows the "
				  "RSS feeds instead; the serial stays", url);
		free(url);
		if (rc == XMLRPC_OK) {
			free(root);
			return 0;
		}
		failed = rc == XMLRPC_ERROR;
	}
	int rc = poll_rss(root);
	free(root);
	return failed ? -1 : rc;
}

static int poll_npm(void)
{
	json_int_t since = json_integer_value(json_object_get(state, "seq"));
	char *url;
	if (asprintf(&url, "%s_changes?since=%lld", fetch_cfg.registry_url, (long long)since) < 0)
		aura_oom();
	struct http_body b;
	int rc = get_feed(url, "application/json", state, false, &b);
	if (rc != 0) {
		http_body_free(&b);
		free(url);
		if (rc == 1) {
			source = "changes";
			print_state(false);
		}
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
	source = "changes";
	print_state(false);
	free(url);
	return failed ? -1 : 0;
}

int watch_poll(const char *feed)
{
	return strcmp(feed, "npm") == 0 ? poll_npm() : poll_pypi();
}
