/* report_sarif.c: verdicts as one SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
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
	json_t *base_ids;	/* originalUriBaseIds: PKGn -> the archive a result is inside */
	json_t *notifications;	/* incomplete artifacts, as toolExecutionNotifications */
	long artifacts;
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

struct sarif *sarif_new(void)
{
	struct sarif *s = xmalloc(sizeof *s);
	*s = (struct sarif){ .rules = json_array(), .rule_index = obj(), .rule_rank = obj(),
			     .results = json_array(), .base_ids = obj(),
			     .notifications = json_array() };
	if (!s->rules || !s->results || !s->notifications)
		aura_oom();
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
 * Where a path on disk goes in a uri: relative paths stay relative (a scan of "." in a
 * checkout gives repository-relative uris, which is what code scanning expects), with
 * "./" and trailing slashes dropped; absolute paths become file: URIs.
 */
static void disk_uri_append(char **buf, size_t *len, const char *path)
{
	if (path[0] == '/') {
		*buf = xrealloc(*buf, *len + 8);
		memcpy(*buf + *len, "file://", 8);
		*len += 7;
	}
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		path = "";
	char *trimmed = xstrdup(path);
	size_t n = strlen(trimmed);
	while (n > 1 && trimmed[n - 1] == '/')
		trimmed[--n] = '\0';
	uri_append(buf, len, trimmed);
	free(trimmed);
}

/*
 * A result's artifactLocation.  A member of a directory artifact: the directory's path
 * joined with the member's.  A single-file artifact: its own path.  A member of an archive:
 * the path inside the archive, relative to the uriBaseId PKGn that names the archive.
 * A hit about the whole artifact (no path): the artifact's own path.
 */
static json_t *artifact_location(struct sarif *s, const json_t *art, const char *member, long n)
{
	const char *kind = record_str(art, "kind"), *path = record_str(art, "path");
	char *uri = xstrdup("");
	size_t len = 0;
	json_t *loc = obj();
	bool archive = kind && strcmp(kind, "archive") == 0;

	if (member && archive) {
		char base[32];
		snprintf(base, sizeof base, "PKG%ld", n);
		uri_append(&uri, &len, member);
		json_object_set_new(loc, "uriBaseId", json_string(base));
		if (!json_object_get(s->base_ids, base)) {
			/* SARIF wants an absolute URI for a base; the archive's own is not one. */
			json_t *b = obj();
			json_object_set_new(b, "description", message(path ? path : record_str(art, "id")));
			json_object_set_new(s->base_ids, base, b);
		}
	} else if (member && kind && strcmp(kind, "directory") == 0 && path) {
		disk_uri_append(&uri, &len, path);
		if (len && uri[len - 1] != '/')
			uri_append(&uri, &len, "/");
		uri_append(&uri, &len, member);
	} else if (path) {
		disk_uri_append(&uri, &len, path);
	} else {
		uri_append(&uri, &len, member ? member : "");
	}
	json_object_set_new(loc, "uri", json_string(uri));
	free(uri);
	return loc;
}

/* SARIF columns are 1-based characters; ours are 0-based bytes.  Count characters when the line is known. */
static long long sarif_column(const char *source, long long col)
{
	if (!source || col < 0 || (size_t)col > strlen(source))
		return col + 1;
	long long chars = 0;
	for (long long i = 0; i < col; i++)
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
	json_object_set_new(r, "startColumn", json_integer(sarif_column(source, col)));
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
					      "evidence", "payload", "tags", "stage", "cut" };
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
	return p;
}

static void add_result(struct sarif *s, const json_t *v, const json_t *hit, long n)
{
	const json_t *art = json_object_get(v, "artifact");
	const char *det = record_str(hit, "detection");
	int rank = level_rank(record_str(hit, "severity"));
	if (!det)
		det = "Unknown";
	size_t ri = rule_for(s, det, hit, rank);

	json_t *phys = obj(), *loc = obj(), *locs = json_array(), *r = obj();
	json_object_set_new(phys, "artifactLocation", artifact_location(s, art, record_str(hit, "path"), n));
	json_t *reg = region(hit);
	if (reg)
		json_object_set_new(phys, "region", reg);
	json_object_set_new(loc, "physicalLocation", phys);
	json_array_append_new(locs, loc);

	json_object_set_new(r, "ruleId", json_string(det));
	json_object_set_new(r, "ruleIndex", json_integer((json_int_t)ri));
	json_object_set_new(r, "level", json_string(sarif_level(rank)));
	json_object_set_new(r, "message", message(record_str(hit, "message")));
	json_object_set_new(r, "locations", locs);
	json_object_set_new(r, "partialFingerprints", fingerprint(art, hit));
	json_object_set_new(r, "properties", result_properties(v, hit));
	json_array_append_new(s->results, r);
}

void sarif_add_verdict(struct sarif *s, const json_t *v)
{
	long n = s->artifacts++;
	size_t i;
	json_t *hit;
	json_array_foreach(json_object_get(v, "hits"), i, hit)
		add_result(s, v, hit, n);
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
	json_decref(s->notifications);
	free(s);
}
