/* report_sarif.c: verdicts as one SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "opts.h"
#include "record.h"
#include "score.h"

/*
 * One log, one run, every artifact's hits as that run's results (GitHub caps the runs it
 * takes per upload; one run per package would hit it on a requirements file).  SARIF is a
 * single JSON document, so it is written at end of input, not per verdict.
 */
struct sarif {
	json_t *rules;		/* reportingDescriptor per detection, in order of first use */
	json_t *rule_index;	/* detection -> index in rules */
	json_t *rule_rank;	/* detection -> highest severity rank seen */
	json_t *results;
	json_t *base_ids;	/* originalUriBaseIds: SRCROOT, once a uri is relative to it */
	json_t *artifacts;	/* run.artifacts: each package, and the archive members with results */
	json_t *member_index;	/* "package index U+001F member" -> index in artifacts */
	json_t *notifications;	/* incomplete artifacts, as toolExecutionNotifications */
	char *srcroot;		/* absolute, normalised, no trailing slash ("" for /) */
	char *cwd;		/* what relative artifact paths are relative to */
};

static json_t *obj(void)
{
	json_t *o = json_object();
	if (!o)
		aura_oom();
	return o;
}

/* {"text": s} — SARIF's message object; never empty (the schema wants a text). */
static json_t *message(const char *s)
{
	json_t *m = obj();
	json_object_set_new(m, "text", json_string(s && *s ? s : "(no message)"));
	return m;
}

/*
 * `path` made absolute (relative to `cwd`) and normalised lexically: no "." or empty
 * segments, ".." applied, no trailing slash; "" stands for the root.  Malloc'd.
 */
static char *absolute_path(const char *cwd, const char *path)
{
	size_t n = strlen(cwd) + strlen(path) + 2;
	char *joined = xmalloc(n), *out = xmalloc(n);
	snprintf(joined, n, "%s/%s", path[0] == '/' ? "" : cwd, path);
	size_t len = 0;
	for (char *seg = joined, *next; seg; seg = next) {
		next = strchr(seg, '/');
		if (next)
			*next++ = '\0';
		if (!*seg || !strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;	/* the slash before the segment dropped */
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, seg, strlen(seg));
		len += strlen(seg);
	}
	out[len] = '\0';
	free(joined);
	return out;
}

struct sarif *sarif_new(const char *srcroot)
{
	struct sarif *s = xmalloc(sizeof *s);
	*s = (struct sarif){ .rules = json_array(), .rule_index = obj(), .rule_rank = obj(),
			     .results = json_array(), .base_ids = obj(), .artifacts = json_array(),
			     .member_index = obj(), .notifications = json_array() };
	if (!s->rules || !s->results || !s->notifications || !s->artifacts)
		aura_oom();
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		aura_die("cannot tell the current directory: %m");
	s->cwd = absolute_path(cwd, ".");
	free(cwd);
	/* The root as given, through symlinks: uris are compared with paths as given too. */
	struct stat st;
	if (srcroot && (stat(srcroot, &st) != 0 || !S_ISDIR(st.st_mode)))
		aura_usage_error("--srcroot: '%s' is not a directory", srcroot);
	s->srcroot = absolute_path(s->cwd, srcroot ? srcroot : ".");
	return s;
}

/* critical, high -> error; medium -> warning; low, info -> note. */
static const char *sarif_level(int rank)
{
	return rank >= 3 ? "error" : rank == 2 ? "warning" : "note";
}

/* GitHub sorts alerts by this: above 9 is critical, 7 to 8.9 high, 4 to 6.9 medium. */
static const char *security_severity(int rank)
{
	static const char *const v[] = { "1.0", "3.0", "5.5", "8.0", "9.5" };
	return rank >= 0 && rank <= 4 ? v[rank] : "1.0";
}

/*
 * A percent-encoded relative URI reference for a path: unreserved characters and the
 * sub-delimiters that are harmless in a path stay, everything else (spaces, '%', '#', '?',
 * ':' which would read as a scheme, bytes beyond ASCII) is encoded.
 */
static void uri_append(char **buf, size_t *len, const char *path)
{
	static const char keep[] = "-._~/!$&'()*+,;=@";
	size_t n = strlen(path);
	*buf = xrealloc(*buf, *len + 3 * n + 1);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr(keep, *p))
			(*buf)[(*len)++] = (char)*p;
		else
			*len += (size_t)sprintf(*buf + *len, "%%%02X", *p);
	}
	(*buf)[*len] = '\0';
}

/*
 * An artifactLocation for a path on disk: under --srcroot (default: the current
 * directory) a relative uri with uriBaseId SRCROOT, which run.originalUriBaseIds defines as
 * the root's file: URI, so a checkout scanned from its root gives repository-relative
 * uris; elsewhere an absolute file: URI.  `fragment` (an archive member) is appended as
 * "#/member".
 */
static json_t *disk_location(struct sarif *s, const char *path, const char *fragment)
{
	char *abs = absolute_path(s->cwd, path), *uri = xstrdup("");
	size_t len = 0, root = strlen(s->srcroot);
	json_t *loc = obj();
	if (!strncmp(abs, s->srcroot, root) && (abs[root] == '/' || abs[root] == '\0')) {
		uri_append(&uri, &len, abs[root] ? abs + root + 1 : "");
		json_object_set_new(loc, "uriBaseId", json_string("SRCROOT"));
		if (!json_object_get(s->base_ids, "SRCROOT")) {
			char *base = xstrdup("file://");
			size_t blen = 7;
			uri_append(&base, &blen, s->srcroot);
			uri_append(&base, &blen, "/");
			json_t *b = obj();
			json_object_set_new(b, "uri", json_string(base));
			json_object_set_new(b, "description", message("the directory relative uris start from (--srcroot)"));
			json_object_set_new(s->base_ids, "SRCROOT", b);
			free(base);
		}
	} else {
		uri = xrealloc(uri, 8);
		memcpy(uri, "file://", 8);
		len = 7;
		uri_append(&uri, &len, abs[0] ? abs : "/");
	}
	if (fragment) {
		uri = xrealloc(uri, len + 3);
		memcpy(uri + len, "#/", 3);
		len += 2;
		uri_append(&uri, &len, fragment);
	}
	json_object_set_new(loc, "uri", json_string(uri));
	free(uri);
	free(abs);
	return loc;
}

/* The package as a run.artifacts entry (an analysis target); returns its index. */
static size_t package_artifact(struct sarif *s, const json_t *v)
{
	const json_t *art = json_object_get(v, "artifact");
	const char *path = record_str(art, "path");
	json_t *a = obj(), *props = obj(), *roles = json_array();
	if (path)
		json_object_set_new(a, "location", disk_location(s, path, NULL));
	else
		json_object_set_new(a, "description", message(record_str(art, "id")));
	json_array_append_new(roles, json_string("analysisTarget"));
	json_object_set_new(a, "roles", roles);
	json_object_set(props, "package", json_object_get(art, "name"));
	json_object_set(props, "version", json_object_get(art, "version"));
	json_object_set(props, "artifact", json_object_get(art, "id"));
	json_object_set(props, "risk", json_object_get(v, "risk"));
	json_object_set(props, "score", json_object_get(v, "score"));
	json_object_set(props, "capabilities", json_object_get(v, "capabilities"));
	json_object_set_new(a, "properties", props);
	json_array_append_new(s->artifacts, a);
	return json_array_size(s->artifacts) - 1;
}

/*
 * A result's artifactLocation.  A member of a directory artifact: the directory's path
 * joined with the member's.  A member of an archive: the archive's location with the
 * member as fragment ("pkgs/x.tar.gz#/x-1.0/setup.py"), and a nested run.artifacts entry
 * (parentIndex: the archive) it points to by index.  A single-file artifact, or a hit about
 * the whole artifact (no path): the artifact's own path.
 */
static json_t *artifact_location(struct sarif *s, const json_t *art, const char *member, size_t pkg)
{
	const char *kind = record_str(art, "kind"), *path = record_str(art, "path");
	if (member && kind && !strcmp(kind, "archive") && path) {
		json_t *loc = disk_location(s, path, member);
		char *key = xmalloc(strlen(member) + 32);
		sprintf(key, "%zu\x1f%s", pkg, member);
		json_t *idx = json_object_get(s->member_index, key);
		if (!idx) {
			json_t *a = obj(), *roles = json_array();
			json_object_set_new(a, "location", json_deep_copy(loc));
			json_object_set_new(a, "parentIndex", json_integer((json_int_t)pkg));
			json_array_append_new(roles, json_string("analysisTarget"));
			json_object_set_new(a, "roles", roles);
			idx = json_integer((json_int_t)json_array_size(s->artifacts));
			json_array_append_new(s->artifacts, a);
			json_object_set_new(s->member_index, key, idx);
		}
		free(key);
		json_object_set(loc, "index", idx);
		return loc;
	}
	if (member && kind && !strcmp(kind, "directory") && path) {
		char *joined = xmalloc(strlen(path) + strlen(member) + 2);
		sprintf(joined, "%s/%s", path, member);
		json_t *loc = disk_location(s, joined, NULL);
		free(joined);
		return loc;
	}
	if (path)
		return disk_location(s, path, NULL);
	/* No path on disk at all (a stream without one): the member as given, relative. */
	char *uri = xstrdup("");
	size_t len = 0;
	uri_append(&uri, &len, member ? member : "");
	json_t *loc = obj();
	json_object_set_new(loc, "uri", json_string(uri));
	free(uri);
	return loc;
}

/*
 * SARIF columns are 1-based characters; ours are 0-based bytes.  Count characters when the
 * line is known: in the quoted source, plus the characters a window left out on its left
 * (source_window, collect.c).
 */
static long long sarif_column(const json_t *hit, const char *source, long long col)
{
	const json_t *win = json_object_get(hit, "source_window");
	long long from = record_int(win, "from", 0), from_chars = record_int(win, "from_chars", 0);
	long long at = from > 0 ? col - from + CUT_MARK_LEN : col;
	if (!source || from < 0 || from_chars < 0 || at < (from > 0 ? CUT_MARK_LEN : 0) ||
	    (size_t)at > strlen(source))
		return col + 1;
	long long chars = from > 0 ? from_chars : 0;
	for (long long i = from > 0 ? CUT_MARK_LEN : 0; i < at; i++)
		if (((unsigned char)source[i] & 0xC0) != 0x80)
			chars++;
	return chars + 1;
}

static json_t *region(const json_t *hit)
{
	long long line = record_int(hit, "line", 0), col = record_int(hit, "col", 0);
	const char *source = record_str(hit, "source");
	if (line <= 0)
		return NULL;
	json_t *r = obj();
	json_object_set_new(r, "startLine", json_integer(line));
	json_object_set_new(r, "startColumn", json_integer(sarif_column(hit, source, col)));
	if (source)
		json_object_set_new(r, "snippet", message(source));
	return r;
}

static json_t *rule_new(const char *detection, const json_t *hit)
{
	const char *msg = record_str(hit, "message");
	char help[1024];
	snprintf(help, sizeof help,
		 "Aura detection %s, for example: %.300s.\n"
		 "Aura found this by reading the package's code without running it. Review the "
		 "quoted code and evidence: does the package need to do this, and when does it run "
		 "(install time, import time, in a function)? Install-time findings weigh most. "
		 "The detections and their rules are described in the Aura sources, docs/rules.md "
		 "and docs/scoring.md.", detection, msg ? msg : detection);
	json_t *r = obj(), *props = obj(), *tags = json_array();
	json_object_set_new(r, "id", json_string(detection));
	json_object_set_new(r, "name", json_string(detection));
	json_object_set_new(r, "shortDescription", message(detection));
	json_object_set_new(r, "fullDescription", message(msg ? msg : detection));
	json_object_set_new(r, "help", message(help));
	json_array_append_new(tags, json_string("security"));
	json_object_set_new(props, "tags", tags);
	json_object_set_new(r, "properties", props);
	return r;
}

/* The rule's index for this detection, made on first use; its level follows the worst hit. */
static size_t rule_for(struct sarif *s, const char *detection, const json_t *hit, int rank)
{
	json_t *idx = json_object_get(s->rule_index, detection);
	if (!idx) {
		idx = json_integer((json_int_t)json_array_size(s->rules));
		json_object_set_new(s->rule_index, detection, idx);
		json_array_append_new(s->rules, rule_new(detection, hit));
	}
	json_t *seen = json_object_get(s->rule_rank, detection);
	if (!seen || json_integer_value(seen) < rank)
		json_object_set_new(s->rule_rank, detection, json_integer(rank));
	return (size_t)json_integer_value(idx);
}

/* Stable across runs and line moves, so a code-scanning alert follows its finding. */
static json_t *fingerprint(const json_t *art, const json_t *hit)
{
	char *key = hit_dedup_key(hit), hex[65];
	const char *name = record_str(art, "name");
	size_t n = strlen(key) + (name ? strlen(name) : 0) + 2;
	char *data = xmalloc(n);
	snprintf(data, n, "%s\x1f%s", name ? name : "", key);
	sha256_hex(data, strlen(data), hex);
	free(data);
	free(key);
	json_t *fp = obj();
	json_object_set_new(fp, "auraFinding/v1", json_stringn(hex, 32));
	return fp;
}

static json_t *result_properties(const json_t *v, const json_t *hit)
{
	static const char *const copied[] = { "score", "severity", "count", "name", "context",
					      "evidence", "payload", "flow", "tags", "stage", "cut" };
	const json_t *art = json_object_get(v, "artifact");
	json_t *p = obj();
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
		json_t *x = json_object_get(hit, copied[i]);
		if (x)
			json_object_set(p, copied[i], x);
	}
	json_object_set(p, "package", json_object_get(art, "name"));
	json_object_set(p, "version", json_object_get(art, "version"));
	json_object_set(p, "artifact", json_object_get(art, "id"));
	json_object_set(p, "packageRisk", json_object_get(v, "risk"));
	json_object_set(p, "packageScore", json_object_get(v, "score"));
	/* What the package can do, by id (run.artifacts holds where: the package's entry). */
	json_t *ids = json_array(), *cap;
	size_t i;
	json_array_foreach(json_object_get(v, "capabilities"), i, cap)
		json_array_append(ids, json_object_get(cap, "id"));
	json_object_set_new(p, "packageCapabilities", ids);
	return p;
}

/*
 * The hit's message; with the code a stage decoded for it (payload) on a second line,
 * escaped and cut like the text report: viewers show a message as it is.
 */
static json_t *result_message(const json_t *hit)
{
	const char *msg = record_str(hit, "message"), *payload = record_str(hit, "payload");
	if (!payload || !*payload)
		return message(msg);
	char *shown = text_escaped(payload, DECODED_SHOW_MAX);
	size_t n = (msg ? strlen(msg) : 0) + strlen(shown) + 32;
	char *text = xmalloc(n);
	snprintf(text, n, "%s\ndecoded: %s", msg && *msg ? msg : "(no message)", shown);
	json_t *m = message(text);
	free(text);
	free(shown);
	return m;
}

static void add_result(struct sarif *s, const json_t *v, const json_t *hit, size_t pkg)
{
	const json_t *art = json_object_get(v, "artifact");
	const char *det = record_str(hit, "detection");
	int rank = level_rank(record_str(hit, "severity"));
	if (!det)
		det = "Unknown";
	size_t ri = rule_for(s, det, hit, rank);

	json_t *phys = obj(), *loc = obj(), *locs = json_array(), *r = obj();
	json_object_set_new(phys, "artifactLocation", artifact_location(s, art, record_str(hit, "path"), pkg));
	json_t *reg = region(hit);
	if (reg)
		json_object_set_new(phys, "region", reg);
	json_object_set_new(loc, "physicalLocation", phys);
	json_array_append_new(locs, loc);

	json_object_set_new(r, "ruleId", json_string(det));
	json_object_set_new(r, "ruleIndex", json_integer((json_int_t)ri));
	json_object_set_new(r, "level", json_string(sarif_level(rank)));
	json_object_set_new(r, "message", result_message(hit));
	json_object_set_new(r, "locations", locs);
	json_object_set_new(r, "partialFingerprints", fingerprint(art, hit));
	json_object_set_new(r, "properties", result_properties(v, hit));
	json_array_append_new(s->results, r);
}

void sarif_add_verdict(struct sarif *s, const json_t *v)
{
	size_t pkg = package_artifact(s, v), i;
	json_t *hit;
	json_array_foreach(json_object_get(v, "hits"), i, hit)
		add_result(s, v, hit, pkg);
	if (!json_is_true(json_object_get(v, "complete"))) {
		const json_t *art = json_object_get(v, "artifact");
		const char *path = record_str(art, "path"), *reason = record_str(v, "reason");
		char text[1024];
		snprintf(text, sizeof text, "%s was not scanned completely: %s",
			 path ? path : record_str(art, "id") ? record_str(art, "id") : "?",
			 reason ? reason : "");
		json_t *note = obj();
		json_object_set_new(note, "level", json_string("error"));
		json_object_set_new(note, "message", message(text));
		json_array_append_new(s->notifications, note);
	}
}

static json_t *driver(struct sarif *s)
{
	size_t i;
	json_t *rule;
	json_array_foreach(s->rules, i, rule) {
		const char *id = record_str(rule, "id");
		int rank = (int)json_integer_value(json_object_get(s->rule_rank, id));
		json_t *conf = obj();
		json_object_set_new(conf, "level", json_string(sarif_level(rank)));
		json_object_set_new(rule, "defaultConfiguration", conf);
		json_object_set_new(json_object_get(rule, "properties"), "security-severity",
				    json_string(security_severity(rank)));
	}
	json_t *d = obj();
	json_object_set_new(d, "name", json_string("aura"));
	json_object_set_new(d, "version", json_string(AURA_VERSION));
	json_object_set_new(d, "semanticVersion", json_string(AURA_VERSION));
	json_object_set(d, "rules", s->rules);
	return d;
}

void sarif_finish(struct sarif *s)
{
	json_t *tool = obj(), *run = obj(), *inv = obj(), *invs = json_array(), *runs = json_array();
	json_t *log = obj();
	json_object_set_new(tool, "driver", driver(s));
	json_object_set_new(run, "tool", tool);
	if (json_object_size(s->base_ids))
		json_object_set(run, "originalUriBaseIds", s->base_ids);
	json_object_set(run, "artifacts", s->artifacts);
	json_object_set_new(run, "columnKind", json_string("unicodeCodePoints"));
	json_object_set(run, "results", s->results);
	json_object_set_new(inv, "executionSuccessful", json_boolean(json_array_size(s->notifications) == 0));
	if (json_array_size(s->notifications))
		json_object_set(inv, "toolExecutionNotifications", s->notifications);
	json_array_append_new(invs, inv);
	json_object_set_new(run, "invocations", invs);
	json_array_append_new(runs, run);
	json_object_set_new(log, "$schema", json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(log, "version", json_string("2.1.0"));
	json_object_set_new(log, "runs", runs);

	json_dumpf(log, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(log);
	json_decref(s->rules);
	json_decref(s->rule_index);
	json_decref(s->rule_rank);
	json_decref(s->results);
	json_decref(s->base_ids);
	json_decref(s->artifacts);
	json_decref(s->member_index);
	json_decref(s->notifications);
	free(s->srcroot);
	free(s->cwd);
	free(s);
}
