/* policy.c: the auditor's policy file (docs/policy.md): thresholds, approvals by hash, suppressions, allowed capabilities. */
/*
 * The policy comes only from the file named by --policy, which the auditor owns; nothing in
 * a scanned package can add to it (no comment or file inside a package is ever read as a
 * suppression).  A file that others than its owner may write is refused: whoever can write
 * it can approve anything.
 *
 * Applied to each verdict before it is reported:
 *   suppressions  a detection for a package (name, optionally ==version) is not counted,
 *                 until the entry's expiry date; an expired entry is ignored and said so;
 *   capabilities  hits tagged with a capability the package is allowed (network, process…)
 *                 are not counted, unless they run at install time;
 *   approvals     an artifact whose sha256 an approval names passes the gates (its risk is
 *                 still reported): the same version with a different archive is not approved;
 *   thresholds    fail_level / fail_score tighten the command line's gates, never loosen them.
 * Suppressed and allowed hits are listed in the verdict's "policy" object, never dropped
 * silently.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "err.h"
#include "policy.h"
#include "record.h"

static json_t *policy;		/* the file as JSON (scalars are strings); NULL: no policy */
static const char *policy_path;

/* The YAML node as JSON: mappings become objects (a repeated key is an error), scalars strings. */
static json_t *node_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	if (!n || depth > 16)
		aura_die("policy %s: nested too deep or malformed", policy_path);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
	case YAML_SEQUENCE_NODE: {
		json_t *a = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
			json_array_append_new(a, node_json(doc, yaml_document_get_node(doc, *it), depth + 1));
		return a;
	}
	case YAML_MAPPING_NODE: {
		json_t *o = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			if (!k || k->type != YAML_SCALAR_NODE)
				aura_die("policy %s: line %lu: a key must be a plain word", policy_path,
					 (unsigned long)(k ? k->start_mark.line + 1 : 0));
			const char *key = (const char *)k->data.scalar.value;
			if (json_object_get(o, key))
				aura_die("policy %s: line %lu: '%s' given twice", policy_path,
					 (unsigned long)k->start_mark.line + 1, key);
			json_object_set_new(o, key, node_json(doc, yaml_document_get_node(doc, p->value), depth + 1));
		}
		return o;
	}
	default:
		aura_die("policy %s: an empty or unknown YAML node", policy_path);
	}
}

/* A date (2027-01-31) or a time (2027-01-31T12:00:00Z) as seconds, or -1. */
static time_t parse_when(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	if (end && *end == 'T')
		end = strptime(end, "T%H:%M:%S", &tm);
	if (!end || (*end && strcmp(end, "Z") != 0))
		return -1;
	return timegm(&tm);
}

/* The entries of a list the policy may hold; each must be a mapping with `fields` strings. */
static json_t *entries(const char *key, const char *const *required)
{
	json_t *list = json_object_get(policy, key);
	if (!list)
		return NULL;
	if (!json_is_array(list))
		aura_die("policy %s: '%s' must be a list", policy_path, key);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		if (!json_is_object(e))
			aura_die("policy %s: %s[%zu] must be a mapping", policy_path, key, i);
		for (const char *const *f = required; *f; f++)
			if (!json_is_string(json_object_get(e, *f)) || !*json_string_value(json_object_get(e, *f)))
				aura_die("policy %s: %s[%zu] needs '%s'", policy_path, key, i, *f);
	}
	return list;
}

/* Refuse a policy others may change: group- or world-writable, or someone else's. */
static void check_owner(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		aura_die("policy %s: not a regular file", policy_path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		aura_die("policy %s is writable by others (mode %04o): refused; whoever can write it "
			 "can approve anything (chmod go-w, and see docs/policy.md)", policy_path,
			 (unsigned)(st.st_mode & 07777));
	if (st.st_uid != 0 && st.st_uid != geteuid())
		aura_die("policy %s belongs to uid %u, neither root nor you: refused", policy_path,
			 (unsigned)st.st_uid);
}

void policy_load(const char *path)
{
	policy_path = path;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		aura_die("policy %s: %s", path, strerror(errno));
	check_owner(fd);
	FILE *f = fdopen(fd, "r");
	if (!f)
		aura_oom();
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc))
		aura_die("policy %s: line %lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "not YAML");
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	policy = root ? node_json(&doc, root, 0) : json_object();
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	if (!json_is_object(policy))
		aura_die("policy %s: expected a mapping at the top", path);
	static const char *const known[] = { "fail_level", "fail_score", "min_age", "approvals",
					     "suppressions", "capabilities", "allow_unanalysed", NULL };
	const char *key;
	json_t *v;
	json_object_foreach(policy, key, v) {
		const char *const *k = known;
		while (*k && strcmp(*k, key) != 0)
			k++;
		if (!*k)	/* a misspelt key would silently do nothing */
			aura_die("policy %s: unknown key '%s'", path, key);
	}
	static const char *const approval[] = { "package", "sha256", "by", "at", "note", NULL };
	static const char *const suppression[] = { "package", "detection", "expires", "reason", NULL };
	static const char *const capability[] = { "package", NULL };
	entries("approvals", approval);
	json_t *sup = entries("suppressions", suppression);
	size_t i;
	json_array_foreach(sup, i, v)
		if (parse_when(json_string_value(json_object_get(v, "expires"))) < 0)
			aura_die("policy %s: suppressions[%zu]: expires: not a date (YYYY-MM-DD)", path, i);
	json_t *caps = entries("capabilities", capability);
	json_array_foreach(caps, i, v)
		if (!json_is_array(json_object_get(v, "allow")))
			aura_die("policy %s: capabilities[%zu] needs 'allow', a list", path, i);
	json_t *un = json_object_get(policy, "allow_unanalysed");
	if (un && !json_is_array(un))
		aura_die("policy %s: 'allow_unanalysed' must be a list of package names", path);
}

bool policy_loaded(void)
{
	return policy != NULL;
}

void policy_thresholds(long long *fail_score, int *fail_rank)
{
	const char *level = json_string_value(json_object_get(policy, "fail_level"));
	const char *score = json_string_value(json_object_get(policy, "fail_score"));
	if (json_object_get(policy, "fail_level") && (!level || level_rank(level) < 0))
		aura_die("policy %s: fail_level: not a level (info, low, medium, high, critical)", policy_path);
	if (level && (*fail_rank < 0 || level_rank(level) < *fail_rank))
		*fail_rank = level_rank(level);
	if (json_object_get(policy, "fail_score")) {
		char *end;
		long long n = score ? strtoll(score, &end, 10) : -1;
		if (!score || *end || n < 0)
			aura_die("policy %s: fail_score: not a non-negative integer", policy_path);
		if (*fail_score < 0 || n < *fail_score)
			*fail_score = n;
	}
}

/* Lower case with '_' and '.' as '-': PEP 503's comparison, also fine for npm names. */
static void normalise(const char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		char c = in[i];
		out[o++] = c == '_' || c == '.' ? '-' : (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[o] = '\0';
}

/* Does a policy entry's "package" (pypi:NAME, npm:NAME, NAME, each with ==VERSION or not) name the artifact? */
static bool names_artifact(const char *spec, const json_t *artifact)
{
	const char *name = record_str(artifact, "name"), *version = record_str(artifact, "version");
	if (!spec || !name)
		return false;
	if (strncmp(spec, "pypi:", 5) == 0 || strncmp(spec, "npm:", 4) == 0)
		spec = strchr(spec, ':') + 1;
	const char *eq = strstr(spec, "==");
	if (!eq && spec[0] != '@')	/* npm:NAME@VERSION */
		eq = strchr(spec, '@');
	else if (!eq)
		eq = strchr(spec + 1, '@');
	char want[256], got[256];
	normalise(spec, eq ? (size_t)(eq - spec) : strlen(spec), want, sizeof want);
	normalise(name, strlen(name), got, sizeof got);
	if (strcmp(want, got) != 0)
		return false;
	const char *want_version = eq ? eq + (eq[0] == '=' ? 2 : 1) : NULL;
	return !want_version || (version && strcmp(want_version, version) == 0);
}

/* The suppression entry that covers this hit now, or NULL; expired ones are noted. */
static const json_t *suppressed_by(const json_t *artifact, const json_t *hit, json_t *notes)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(policy, "suppressions"), i, e) {
		if (!names_artifact(record_str(e, "package"), artifact) ||
		    strcmp(record_str(e, "detection"), record_str(hit, "detection") ? record_str(hit, "detection") : "") != 0)
			continue;
		time_t expires = parse_when(record_str(e, "expires"));
		if (time(NULL) < expires + 86400)	/* valid through the day it names */
			return e;
		char note[512];
		snprintf(note, sizeof note, "the suppression of %s for %s expired on %s: ignored",
			 record_str(e, "detection"), record_str(e, "package"), record_str(e, "expires"));
		bool seen = false;
		size_t k;
		json_t *n;
		json_array_foreach(notes, k, n)
			seen |= strcmp(json_string_value(n), note) == 0;
		if (!seen) {
			json_array_append_new(notes, json_string(note));
			aura_warn("policy: %s", note);
		}
	}
	return NULL;
}

/* The capability this package is allowed that the hit uses (not at install time), or NULL. */
static const char *allowed_capability(const json_t *artifact, const json_t *hit)
{
	if (hit_is_install(hit))
		return NULL;	/* install-time behaviour is never waved through */
	size_t i, k;
	json_t *e, *cap;
	json_array_foreach(json_object_get(policy, "capabilities"), i, e) {
		if (!names_artifact(record_str(e, "package"), artifact))
			continue;
		json_array_foreach(json_object_get(e, "allow"), k, cap)
			if (json_is_string(cap) && hit_has_tag(hit, json_string_value(cap)))
				return json_string_value(cap);
	}
	return NULL;
}

/* The approval naming this artifact's sha256, or NULL. */
static const json_t *approval_of(const json_t *artifact)
{
	const char *sha = record_str(artifact, "sha256");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(policy, "approvals"), i, e)
		if (sha && strcasecmp(record_str(e, "sha256"), sha) == 0)
			return e;
	return NULL;
}

void policy_emit(json_t *verdict, const struct artifact *a, struct score_ctx *ctx)
{
	json_t *artifact = json_object_get(verdict, "artifact");
	json_t *applied = json_object(), *suppressed = json_array(), *allowed = json_array();
	json_t *notes = json_array();
	json_t *rebuilt = NULL;
	if (a) {
		/* Score again without what the policy waves through, on a copy of the hit list. */
		json_t *kept = json_array();
		size_t i;
		json_t *hit;
		json_array_foreach(a->hits, i, hit) {
			const json_t *s = suppressed_by(artifact, hit, notes);
			const char *cap = s ? NULL : allowed_capability(artifact, hit);
			if (s)
				json_array_append_new(suppressed, json_pack("{s:s?, s:s?, s:s?, s:s?}",
					"detection", record_str(hit, "detection"), "path", record_str(hit, "path"),
					"reason", record_str(s, "reason"), "expires", record_str(s, "expires")));
			else if (cap)
				json_array_append_new(allowed, json_pack("{s:s?, s:s?, s:s}",
					"detection", record_str(hit, "detection"), "path", record_str(hit, "path"),
					"capability", cap));
			else
				json_array_append(kept, hit);
		}
		if (json_array_size(suppressed) || json_array_size(allowed)) {
			struct artifact copy = *a;
			copy.hits = kept;
			rebuilt = verdict_build(&copy, ctx->min_rank);
			verdict = rebuilt;
			artifact = json_object_get(verdict, "artifact");
		}
		json_decref(kept);
	}
	const json_t *approved = approval_of(artifact);
	const char *name = record_str(artifact, "name"), *version = record_str(artifact, "version");
	if (approved)
		aura_warn("%s %s: approved by %s at %s (%s): passes the gates by its sha256", name ? name : "?",
			  version ? version : "", record_str(approved, "by"), record_str(approved, "at"),
			  record_str(approved, "note"));
	if (json_array_size(suppressed) + json_array_size(allowed))
		aura_warn("%s %s: %zu hit(s) suppressed and %zu allowed by the policy (listed in the verdict)",
			  name ? name : "?", version ? version : "", json_array_size(suppressed),
			  json_array_size(allowed));
	if (approved)
		json_object_set_new(applied, "approved", json_pack("{s:s?, s:s?, s:s?, s:s?}",
			"package", record_str(approved, "package"), "by", record_str(approved, "by"),
			"at", record_str(approved, "at"), "note", record_str(approved, "note")));
	size_t i;
	json_t *u;
	json_array_foreach(json_object_get(policy, "allow_unanalysed"), i, u)
		if (json_is_string(u) && names_artifact(json_string_value(u), artifact))
			json_object_set_new(applied, "allow_unanalysed", json_true());
	if (json_array_size(suppressed))
		json_object_set(applied, "suppressed", suppressed);
	if (json_array_size(allowed))
		json_object_set(applied, "allowed", allowed);
	if (json_array_size(notes))
		json_object_set(applied, "notes", notes);
	json_object_set_new(applied, "file", json_string(policy_path));
	json_object_set_new(verdict, "policy", applied);
	report_verdict(verdict, a, ctx);
	json_decref(suppressed);
	json_decref(allowed);
	json_decref(notes);
	json_decref(rebuilt);
}

void policy_list(void)
{
	static const struct { const char *key, *title; } lists[] = {
		{ "approvals", "approvals" }, { "suppressions", "suppressions" },
		{ "capabilities", "allowed capabilities" }, { "allow_unanalysed", "allowed unanalysed" },
	};
	printf("policy %s\n", policy_path);
	const char *level = record_str(policy, "fail_level"), *score = record_str(policy, "fail_score");
	if (level || score)
		printf("thresholds: %s%s%s%s\n", level ? "fail_level " : "", level ? level : "",
		       score ? (level ? ", fail_score " : "fail_score ") : "", score ? score : "");
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		json_t *list = json_object_get(policy, lists[l].key);
		printf("%s: %zu\n", lists[l].title, json_array_size(list));
		size_t i;
		json_t *e;
		json_array_foreach(list, i, e) {
			if (json_is_string(e)) {
				printf("  %s\n", json_string_value(e));
			} else if (l == 0) {
				printf("  %s  sha256 %s  by %s at %s: %s\n", record_str(e, "package"),
				       record_str(e, "sha256"), record_str(e, "by"), record_str(e, "at"),
				       record_str(e, "note"));
			} else if (l == 1) {
				time_t exp = parse_when(record_str(e, "expires"));
				printf("  %s  %s  until %s%s: %s\n", record_str(e, "package"), record_str(e, "detection"),
				       record_str(e, "expires"), time(NULL) >= exp + 86400 ? " (EXPIRED: ignored)" : "",
				       record_str(e, "reason"));
			} else {
				char *caps = json_dumps(json_object_get(e, "allow"), JSON_COMPACT);
				printf("  %s  %s\n", record_str(e, "package"), caps ? caps : "?");
				free(caps);
			}
		}
	}
}
