/* rules.c: the detection rules data file (docs/rules.md): loading it and matching names. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "risk.h"	/* RISK_*_AT: the verdict's scale */
#include "err.h"
#include "record.h"
#include "rules.h"
#include "strings.h"

const char *const context_names[CTX_COUNT] = { "install", "import", "function", "command" };

#define MAX_SCORE 1000

/* Loading state: the document, and the first error (later ones are noise). */
struct loader {
	const char *path;
	struct ruleset *rs;
	bool loading_flows;
	yaml_document_t doc;
	char *err;
	size_t errlen;
	bool failed;
};

static bool fail_at(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail_at(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	if (ld->failed)
		return false;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (node)
		snprintf(ld->err, ld->errlen, "%s:%zu:%zu: %s", ld->path, node->start_mark.line + 1,
			 node->start_mark.column + 1, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, msg);
	ld->failed = true;
	return false;
}

static yaml_node_t *node_at(struct loader *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool want_string(struct loader *ld, const yaml_node_t *n, const char *what, char **out)
{
	const char *s = scalar(n);
	if (!s || !s[0])
		return fail_at(ld, n, "%s: expected a non-empty string", what);
	free(*out);
	*out = xstrdup(s);
	return true;
}

static bool want_int_upto(struct loader *ld, const yaml_node_t *n, const char *what, int *out,
			  long max)
{
	const char *s = scalar(n);
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !s[0] || *end || errno || v < 0 || v > max)
		return fail_at(ld, n, "%s: expected an integer from 0 to %ld", what, max);
	*out = (int)v;
	return true;
}

/* A YAML 1.1 boolean (true/false, yes/no, on/off in any case, as PyYAML reads them): anything
 * else is an error, so a typo never silently means false. */
static bool want_bool(struct loader *ld, const yaml_node_t *n, const char *what, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = scalar(n);
	for (size_t i = 0; s && i < sizeof yes / sizeof yes[0]; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return true;
		}
	}
	return fail_at(ld, n, "%s: expected true or false", what);
}

static bool want_int(struct loader *ld, const yaml_node_t *n, const char *what, int *out)
{
	return want_int_upto(ld, n, what, out, MAX_SCORE);
}

/* A string or a list of strings, appended to (*v, *n). */
static bool want_strings(struct loader *ld, const yaml_node_t *n, const char *what, char ***v,
			 size_t *count)
{
	if (n->type == YAML_SCALAR_NODE) {
		*v = xrealloc(*v, (*count + 1) * sizeof **v);
		(*v)[*count] = NULL;
		if (!want_string(ld, n, what, &(*v)[*count]))
			return false;
		(*count)++;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "%s: expected a string or a list of strings", what);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if (!want_strings(ld, node_at(ld, *it), what, v, count))
			return false;
	return true;
}

/* A name pattern: dotted identifiers, optionally ending in '*'. */
static bool check_pattern(struct loader *ld, const yaml_node_t *n, const char *p)
{
	size_t len = strlen(p);
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		bool ok = c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (c == '*' && i == len - 1);
		if (!ok)
			return fail_at(ld, n, "name '%s': only dotted names, with an optional "
					      "trailing '*'", p);
	}
	return true;
}

/*
 * score: 40, or score: {install: 80, import: 40, function: 15, command: 2, default: 5}.
 * Without its own score (or a default), `command` weighs like context `like`.
 */
static bool load_scores(struct loader *ld, const yaml_node_t *n, int *score, bool *applies,
			enum context like)
{
	if (n->type == YAML_SCALAR_NODE) {
		int v;
		if (!want_int(ld, n, "score", &v))
			return false;
		for (int c = 0; c < CTX_COUNT; c++)
			score[c] = v, applies[c] = true;
		return true;
	}
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "score: expected an integer or a mapping of contexts");
	int dflt = -1;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
		const char *key = scalar(k);
		int c, value;
		for (c = 0; c < CTX_COUNT; c++)
			if (key && strcmp(key, context_names[c]) == 0)
				break;
		if (c == CTX_COUNT && !(key && strcmp(key, "default") == 0))
			return fail_at(ld, k, "score: unknown context '%s' (install, import, "
					      "function, command or default)", key ? key : "?");
		if (!want_int(ld, v, key, &value))
			return false;
		if (c == CTX_COUNT)
			dflt = value;
		else
			score[c] = value, applies[c] = true;
	}
	for (int c = 0; c < CTX_COUNT; c++)
		if (!applies[c] && dflt >= 0)
			score[c] = dflt, applies[c] = true;
	if (!applies[CTX_COMMAND] && applies[like])
		score[CTX_COMMAND] = score[like], applies[CTX_COMMAND] = true;
	return true;
}

/*
 * The user's command runs the package's code on purpose: what a CLI does with processes,
 * eval or the network (API use, a call rule's score) and a data flow to a destination
 * the user gives weigh like code in a function.  What says where data goes or where code
 * comes from does not change with who started the program: a signature (strings) and a
 * hard-coded destination (fixed_host) weigh in a command as at import time.
 */
static enum context command_like(bool is_strings)
{
	return is_strings ? CTX_IMPORT : CTX_FUNCTION;
}

static bool load_score(struct loader *ld, const yaml_node_t *n, struct rule *r, enum context like)
{
	return load_scores(ld, n, r->score, r->applies, like);
}

static void rule_free(struct rule *r)
{
	free(r->detection);
	free(r->category);
	free(r->severity);
	free(r->message);
	for (size_t i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	for (size_t i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	free(r->pattern);
	strings_free_rule(r);
}

/* entropy: {min_length: 200, min_bits: 5.2} */
static bool load_entropy(struct loader *ld, const yaml_node_t *n, struct rule *r)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "entropy: expected {min_length: N, min_bits: X}");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *key = scalar(node_at(ld, p->key)), *v = scalar(node_at(ld, p->value));
		char *end = NULL;
		double d = v ? strtod(v, &end) : -1;
		if (!key || !v || !*v || *end || d < 0 || d > 100000)
			return fail_at(ld, node_at(ld, p->value), "entropy: expected a number");
		if (!strcmp(key, "min_length"))
			r->min_length = (size_t)d;
		else if (!strcmp(key, "min_bits") && d <= 8)
			r->min_bits = d;
		else
			return fail_at(ld, node_at(ld, p->key), "entropy: unknown key '%s' (min_length, "
						"min_bits up to 8)", key);
	}
	if (!r->min_length || r->min_bits <= 0)
		return fail_at(ld, n, "entropy: both min_length and min_bits are needed");
	return true;
}

static int label_index(const struct taint_labels *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->label[i], name))
			return (int)i;
	return -1;
}

/* from: [secret, sysinfo]  to: network  opt_in_from: [sysinfo] — labels declared under
 * taint.sources / taint.sinks. */
static bool load_flow_ends(struct loader *ld, const yaml_node_t *k, const yaml_node_t *v,
			   struct rule *r)
{
	const char *key = scalar(k);
	char **names = NULL;
	size_t n = 0;
	bool ok = want_strings(ld, v, key, &names, &n);
	for (size_t i = 0; ok && i < n; i++) {
		bool source = strcmp(key, "to") != 0;
		const struct taint_labels *l = source ? &ld->rs->sources : &ld->rs->sinks;
		int at = label_index(l, names[i]);
		if (at < 0)
			ok = fail_at(ld, v, "%s: no taint %s labelled '%s'", key,
				     source ? "source" : "sink", names[i]);
		else if (!strcmp(key, "from"))
			r->from_mask |= 1u << at;
		else if (!strcmp(key, "opt_in_from"))
			r->opt_in_mask |= 1u << at;
		else
			r->to = at;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

static bool load_rule(struct loader *ld, const yaml_node_t *n, struct rule *r, bool is_strings)
{
	bool is_flow = ld->loading_flows;
	*r = (struct rule){ .line = n->start_mark.line + 1, .to = -1, .path_argument = -1 };
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "a rule must be a mapping (detection:, names:, ...)");
	bool has_score = false;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
		const char *key = scalar(k);
		bool ok;
		if (!key)
			ok = fail_at(ld, k, "rule keys must be strings");
		else if (!strcmp(key, "detection"))
			ok = want_string(ld, v, key, &r->detection);
		else if (!strcmp(key, "category"))
			ok = want_string(ld, v, key, &r->category);
		else if (!strcmp(key, "severity")) {
			ok = want_string(ld, v, key, &r->severity);
			if (ok && severity_rank(r->severity) < 0)
				ok = fail_at(ld, v, "severity '%s': expected info, low, medium, high "
						    "or critical", r->severity);
		} else if (!strcmp(key, "message"))
			ok = want_string(ld, v, key, &r->message);
		else if (!strcmp(key, "names") || !strcmp(key, "name")) {
			size_t before = r->nnames;
			ok = want_strings(ld, v, key, &r->names, &r->nnames);
			for (size_t i = before; ok && i < r->nnames; i++)
				ok = check_pattern(ld, v, r->names[i]);
		} else if (!strcmp(key, "tags"))
			ok = want_strings(ld, v, key, &r->tags, &r->ntags);
		else if (!strcmp(key, "score"))
			ok = has_score = load_score(ld, v, r, command_like(is_strings));
		else if (is_strings && !strcmp(key, "pattern")) {
			ok = want_string(ld, v, key, &r->pattern);
			char why[256];
			if (ok && !strings_compile(r, why, sizeof why))
				ok = fail_at(ld, v, "pattern: %s", why);
		} else if (is_strings && !strcmp(key, "secret"))
			ok = want_bool(ld, v, key, &r->secret);
		else if (is_strings && !strcmp(key, "in_commands"))
			ok = want_bool(ld, v, key, &r->in_commands);
		else if (is_strings && !strcmp(key, "entropy"))
			ok = load_entropy(ld, v, r);
		else if (is_flow && (!strcmp(key, "from") || !strcmp(key, "to") ||
				     !strcmp(key, "opt_in_from")))
			ok = load_flow_ends(ld, k, v, r);
		else if (!is_strings && !strcmp(key, "fixed_host"))
			ok = load_scores(ld, v, r->fixed_host, r->has_fixed_host, CTX_IMPORT);
		else if (!is_strings && !is_flow && !strcmp(key, "build_tool"))
			ok = load_scores(ld, v, r->build_tool, r->has_build_tool, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "package_file"))
			ok = load_scores(ld, v, r->package_file, r->has_package_file, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "path_argument"))
			ok = want_int_upto(ld, v, key, &r->path_argument, 16);
		else if (!is_strings && !is_flow && !strcmp(key, "system_library"))
			ok = load_scores(ld, v, r->system_library, r->has_system_library, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "lookup"))
			ok = load_scores(ld, v, r->lookup, r->has_lookup, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "known_code"))
			ok = load_scores(ld, v, r->known_code, r->has_known_code, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "template"))
			ok = load_scores(ld, v, r->template_sample, r->has_template_sample, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "constant_name"))
			ok = load_scores(ld, v, r->constant_name, r->has_constant_name, CTX_FUNCTION);
		else if ((is_flow || is_strings) && !strcmp(key, "unshipped"))
			ok = load_scores(ld, v, r->unshipped, r->has_unshipped, CTX_FUNCTION);
		else if (is_flow && !strcmp(key, "own_service"))
			ok = load_scores(ld, v, r->own_service, r->has_own_service, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "verified"))
			ok = load_scores(ld, v, r->verified, r->has_verified, CTX_FUNCTION);
		else if (!is_strings && !strcmp(key, "opt_in"))
			ok = load_scores(ld, v, r->opt_in, r->has_opt_in, CTX_FUNCTION);
		else if (!is_strings && !is_flow && !strcmp(key, "extracted"))
			ok = load_scores(ld, v, r->extracted, r->has_extracted, CTX_FUNCTION);
		else
			ok = fail_at(ld, k, "unknown rule key '%s' (detection, names, category, "
					    "severity, score, message, tags%s)", key,
				     is_strings ? ", pattern, entropy, secret, in_commands, unshipped"
				     : is_flow ? ", from, to, fixed_host, unshipped, own_service, opt_in, opt_in_from"
				     : ", fixed_host, build_tool, package_file, path_argument, system_library, verified, opt_in, extracted, lookup, known_code, template, constant_name");
		if (!ok)
			return false;
	}
	if (is_strings && !r->pattern == !r->min_length)
		return fail_at(ld, n, "a strings rule has either 'pattern' or 'entropy'");
	if (is_flow && (!r->from_mask || r->to < 0))
		return fail_at(ld, n, "a flow needs 'from' and 'to'");
	const char *missing = !r->detection ? "detection" : !r->nnames && !is_strings && !is_flow ? "names" :
			      !r->category ? "category" : !r->severity ? "severity" :
			      !has_score ? "score" : !r->message ? "message" : NULL;
	if (missing)
		return fail_at(ld, n, "rule without '%s'", missing);
	return true;
}

static bool load_list(struct loader *ld, const yaml_node_t *n, const char *what,
		      struct rule_list *list)
{
	if (n->type == YAML_SCALAR_NODE && !n->data.scalar.length)
		return true;	/* `imports:` with nothing under it */
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "%s: expected a list of rules", what);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		list->v = xrealloc(list->v, (list->n + 1) * sizeof *list->v);
		struct rule *r = &list->v[list->n++];
		if (!load_rule(ld, node_at(ld, *it), r, list == &ld->rs->strings))
			return false;
	}
	return true;
}

/* sources: / sinks: — a list of {label: L, names: [...]} */
static bool load_labels(struct loader *ld, const yaml_node_t *n, const char *what,
			struct taint_labels *l)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "%s: expected a list of {label, names}", what);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = node_at(ld, *it);
		if (e->type != YAML_MAPPING_NODE)
			return fail_at(ld, e, "%s: expected {label, names}", what);
		if (l->n == TAINT_MAX_LABELS)
			return fail_at(ld, e, "%s: at most %d labels", what, TAINT_MAX_LABELS);
		size_t i = l->n++;
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
			const char *key = scalar(node_at(ld, p->key));
			yaml_node_t *v = node_at(ld, p->value);
			bool ok;
			if (key && !strcmp(key, "label"))
				ok = want_string(ld, v, key, &l->label[i]);
			else if (key && !strcmp(key, "names")) {
				size_t before = l->nnames[i];
				ok = want_strings(ld, v, key, &l->names[i], &l->nnames[i]);
				for (size_t j = before; ok && j < l->nnames[i]; j++)
					ok = check_pattern(ld, v, l->names[i][j]);
			} else
				ok = fail_at(ld, node_at(ld, p->key), "%s: unknown key '%s' (label, names)",
					     what, key ? key : "?");
			if (!ok)
				return false;
		}
		if (!l->label[i] || !l->nnames[i])
			return fail_at(ld, e, "%s: an entry needs 'label' and 'names'", what);
	}
	return true;
}

/* taint: {sources: [...], sinks: [...], flows: [...]}; flows name labels, so they load last. */
static bool load_taint(struct loader *ld, const yaml_node_t *n, struct ruleset *rs)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "taint: expected sources:, sinks: and flows:");
	static const char *const order[] = { "sources", "sinks", "parameters", "flows" };
	for (size_t o = 0; o < 4; o++)
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			const char *key = scalar(node_at(ld, p->key));
			yaml_node_t *v = node_at(ld, p->value);
			if (!key || (strcmp(key, "sources") && strcmp(key, "sinks") &&
				     strcmp(key, "parameters") && strcmp(key, "flows")))
				return fail_at(ld, node_at(ld, p->key), "taint: unknown key '%s' (sources, "
						"sinks, parameters, flows)", key ? key : "?");
			if (strcmp(key, order[o]))
				continue;
			bool ok;
			if (o == 3) {
				ld->loading_flows = true;
				ok = load_list(ld, v, key, &rs->flows);
				ld->loading_flows = false;
			} else if (o == 2) {
				ok = load_labels(ld, v, key, &rs->parameters);
				for (size_t i = 0; ok && i < rs->parameters.n; i++)
					if (label_index(&rs->sources, rs->parameters.label[i]) < 0)
						ok = fail_at(ld, v, "parameters: '%s' is not a source label",
							     rs->parameters.label[i]);
			} else {
				ok = load_labels(ld, v, key, o == 0 ? &rs->sources : &rs->sinks);
			}
			if (!ok)
				return false;
		}
	return true;
}

/* typosquat: a list of {distance: 1, max_rank: 1000, score: 70, severity: high} */
static bool load_squat(struct loader *ld, const yaml_node_t *n, struct ruleset *rs)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "typosquat: expected a list of {distance, max_rank, score, severity}");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *row = node_at(ld, *it);
		if (row->type != YAML_MAPPING_NODE)
			return fail_at(ld, row, "typosquat: each row is a mapping");
		rs->squat = xrealloc(rs->squat, (rs->nsquat + 1) * sizeof *rs->squat);
		struct squat_score *q = &rs->squat[rs->nsquat++];
		*q = (struct squat_score){ .distance = -1, .max_rank = -1, .score = -1 };
		for (yaml_node_pair_t *p = row->data.mapping.pairs.start; p < row->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
			const char *key = scalar(k);
			bool ok;
			if (key && !strcmp(key, "distance"))
				ok = want_int(ld, v, key, &q->distance) &&
				     (q->distance == 1 || q->distance == 2 ||
				      fail_at(ld, v, "distance: 1 or 2 (farther names are not compared)"));
			else if (key && !strcmp(key, "max_rank"))
				ok = want_int_upto(ld, v, key, &q->max_rank, 1000000);
			else if (key && !strcmp(key, "score"))
				ok = want_int(ld, v, key, &q->score);
			else if (key && !strcmp(key, "severity")) {
				ok = want_string(ld, v, key, &q->severity);
				if (ok && severity_rank(q->severity) < 0)
					ok = fail_at(ld, v, "severity '%s': expected info, low, medium, high "
							    "or critical", q->severity);
			} else
				ok = fail_at(ld, k, "unknown typosquat key '%s' (distance, max_rank, score, "
						    "severity)", key ? key : "?");
			if (!ok)
				return false;
		}
		if (q->distance < 0 || q->max_rank < 0 || q->score < 0 || !q->severity)
			return fail_at(ld, row, "a typosquat row needs distance, max_rank, score and severity");
	}
	return true;
}

/* network: {credential_services: [{env: [...], hosts: [...]}], destination_env: [...],
 * credential_env: [...], ambient_env: [...]} */
static bool load_network(struct loader *ld, const yaml_node_t *n, struct network_data *nd)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "network: expected a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
		const char *key = scalar(k);
		bool ok = true;
		if (key && !strcmp(key, "destination_env"))
			ok = want_strings(ld, v, key, &nd->destination_env, &nd->ndestination_env);
		else if (key && !strcmp(key, "credential_env"))
			ok = want_strings(ld, v, key, &nd->credential_env, &nd->ncredential_env);
		else if (key && !strcmp(key, "ambient_env"))
			ok = want_strings(ld, v, key, &nd->ambient_env, &nd->nambient_env);
		else if (key && !strcmp(key, "credential_services")) {
			if (v->type != YAML_SEQUENCE_NODE)
				return fail_at(ld, v, "credential_services: expected a list");
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			     ok && it < v->data.sequence.items.top; it++) {
				yaml_node_t *row = node_at(ld, *it);
				if (row->type != YAML_MAPPING_NODE)
					return fail_at(ld, row, "credential_services: expected {env:, hosts:}");
				nd->services = xrealloc(nd->services, (nd->nservices + 1) * sizeof *nd->services);
				struct credential_service *cs = &nd->services[nd->nservices++];
				*cs = (struct credential_service){ 0 };
				for (yaml_node_pair_t *q = row->data.mapping.pairs.start;
				     ok && q < row->data.mapping.pairs.top; q++) {
					const char *rk = scalar(node_at(ld, q->key));
					yaml_node_t *rv = node_at(ld, q->value);
					if (rk && !strcmp(rk, "env"))
						ok = want_strings(ld, rv, rk, &cs->env, &cs->nenv);
					else if (rk && !strcmp(rk, "hosts"))
						ok = want_strings(ld, rv, rk, &cs->hosts, &cs->nhosts);
					else
						ok = fail_at(ld, node_at(ld, q->key), "credential_services: unknown "
							     "key '%s' (env, hosts)", rk ? rk : "?");
				}
				if (ok && (!cs->nenv || !cs->nhosts))
					return fail_at(ld, row, "credential_services: a row needs env and hosts");
			}
		} else
			ok = fail_at(ld, k, "network: unknown key '%s' (credential_services, "
				     "destination_env, credential_env, ambient_env)", key ? key : "?");
		if (!ok)
			return false;
	}
	return true;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void network_free(struct network_data *nd)
{
	for (size_t i = 0; i < nd->nservices; i++) {
		strings_free(nd->services[i].env, nd->services[i].nenv);
		strings_free(nd->services[i].hosts, nd->services[i].nhosts);
	}
	free(nd->services);
	strings_free(nd->destination_env, nd->ndestination_env);
	strings_free(nd->credential_env, nd->ncredential_env);
	strings_free(nd->ambient_env, nd->nambient_env);
}

static bool load_root(struct loader *ld, struct ruleset *rs)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	if (!root)
		return fail_at(ld, NULL, "empty rules file");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(ld, root, "expected a mapping with version:, calls: and imports:");
	bool has_version = false;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key), *v = node_at(ld, p->value);
		const char *key = scalar(k);
		bool ok;
		if (key && !strcmp(key, "version")) {
			const char *ver = scalar(v);
			ok = has_version = ver && !strcmp(ver, "1");
			if (!ok)
				fail_at(ld, v, "version: this program reads version 1");
		} else if (key && !strcmp(key, "calls"))
			ok = load_list(ld, v, key, &rs->calls);
		else if (key && !strcmp(key, "imports"))
			ok = load_list(ld, v, key, &rs->imports);
		else if (key && !strcmp(key, "strings"))
			ok = load_list(ld, v, key, &rs->strings);
		else if (key && !strcmp(key, "typosquat"))
			ok = load_squat(ld, v, rs);
		else if (key && !strcmp(key, "files"))
			ok = load_list(ld, v, key, &rs->files);
		else if (key && !strcmp(key, "taint"))
			ok = load_taint(ld, v, rs);
		else if (key && !strcmp(key, "install_hooks"))
			ok = want_strings(ld, v, key, &rs->install_hooks, &rs->ninstall_hooks);
		else if (key && !strcmp(key, "install_commands"))
			ok = want_strings(ld, v, key, &rs->install_commands, &rs->ninstall_commands);
		else if (key && !strcmp(key, "test_paths"))
			ok = want_strings(ld, v, key, &rs->test_paths, &rs->ntest_paths);
		else if (key && !strcmp(key, "build_tools"))
			ok = want_strings(ld, v, key, &rs->build_tools, &rs->nbuild_tools);
		else if (key && !strcmp(key, "build_tool_env"))
			ok = want_strings(ld, v, key, &rs->build_tool_env, &rs->nbuild_tool_env);
		else if (key && !strcmp(key, "system_bin_dirs"))
			ok = want_strings(ld, v, key, &rs->system_bin_dirs, &rs->nsystem_bin_dirs);
		else if (key && !strcmp(key, "reporting_tools"))
			ok = want_strings(ld, v, key, &rs->reporting_tools, &rs->nreporting_tools);
		else if (key && !strcmp(key, "reporting_env"))
			ok = want_strings(ld, v, key, &rs->reporting_env, &rs->nreporting_env);
		else if (key && !strcmp(key, "reporting_setters"))
			ok = want_strings(ld, v, key, &rs->reporting_setters, &rs->nreporting_setters);
		else if (key && !strcmp(key, "repo_paths"))
			ok = want_strings(ld, v, key, &rs->repo_paths, &rs->nrepo_paths);
		else if (key && !strcmp(key, "network"))
			ok = load_network(ld, v, &rs->network);
		else
			ok = fail_at(ld, k, "unknown key '%s' (version, calls, imports, strings, files, "
					    "taint, typosquat, install_hooks, install_commands, test_paths, build_tools, "
					    "build_tool_env, system_bin_dirs, reporting_tools, reporting_env, "
					    "reporting_setters, repo_paths, network)",
				     key ? key : "?");
		if (!ok)
			return false;
	}
	if (!has_version)
		return fail_at(ld, root, "no 'version: 1'");
	return true;
}

/* May `pattern` match a name whose first byte is b?  (specificity's first test) */
static bool pattern_may_match(const char *pattern, unsigned char b)
{
	return !pattern[0] || (unsigned char)pattern[0] == b || (pattern[0] == '*' && !pattern[1]);
}

/* A list's patterns, seen the same way for rules and labels: entry i's j-th pattern. */
struct pattern_set {
	size_t n;					/* entries */
	size_t (*count)(const void *set, size_t i);	/* patterns of entry i */
	const char *(*pattern)(const void *set, size_t i, size_t j);
	const void *set;
};

/* Every byte's refs in the entries' order; one that may match any name ("*", "") is under every byte. */
static struct pattern_index *index_build(const struct pattern_set *ps)
{
	struct pattern_index *idx = xmalloc(sizeof *idx);
	size_t total = 0, cap = 0;
	idx->refs = NULL;
	for (unsigned b = 0; b < 256; b++) {
		idx->start[b] = (uint32_t)total;
		for (size_t i = 0; i < ps->n; i++)
			for (size_t j = 0; j < ps->count(ps->set, i); j++) {
				if (!pattern_may_match(ps->pattern(ps->set, i, j), (unsigned char)b))
					continue;
				if (total == cap) {
					cap = cap ? 2 * cap : 256;
					idx->refs = xrealloc(idx->refs, cap * sizeof *idx->refs);
				}
				idx->refs[total++] = (struct pattern_ref){ (uint32_t)i, (uint32_t)j };
			}
	}
	idx->start[256] = (uint32_t)total;
	return idx;
}

static size_t rule_count(const void *set, size_t i)
{
	return ((const struct rule_list *)set)->v[i].nnames;
}

static const char *rule_pattern(const void *set, size_t i, size_t j)
{
	return ((const struct rule_list *)set)->v[i].names[j];
}

static size_t label_count(const void *set, size_t i)
{
	return ((const struct taint_labels *)set)->nnames[i];
}

static const char *label_pattern(const void *set, size_t i, size_t j)
{
	return ((const struct taint_labels *)set)->names[i][j];
}

static void list_index(struct rule_list *list)
{
	list->index = index_build(&(struct pattern_set){ list->n, rule_count, rule_pattern, list });
}

static void labels_index(struct taint_labels *l)
{
	l->index = index_build(&(struct pattern_set){ l->n, label_count, label_pattern, l });
}

static void index_free(struct pattern_index *idx)
{
	if (idx)
		free(idx->refs);
	free(idx);
}

struct ruleset *rules_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open rules file: %s", path, strerror(errno));
		return NULL;
	}
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		aura_oom();
	yaml_parser_set_input_file(&parser, f);
	int loaded = yaml_parser_load(&parser, &ld.doc);
	if (!loaded) {
		/* libyaml reports where it noticed (often the end) and what it was inside. */
		const yaml_mark_t *m = &parser.problem_mark;
		char inside[256] = "";
		if (parser.context)
			snprintf(inside, sizeof inside, " %s that started at line %zu", parser.context,
				 parser.context_mark.line + 1);
		snprintf(err, errlen, "%s:%zu:%zu: %s%s", path, m->line + 1, m->column + 1,
			 parser.problem ? parser.problem : "malformed YAML", inside);
	}
	yaml_parser_delete(&parser);
	bool read_error = ferror(f);
	fclose(f);
	if (!loaded)
		return NULL;
	struct ruleset *rs = xmalloc(sizeof *rs);
	*rs = (struct ruleset){ .path = xstrdup(path) };
	ld.rs = rs;
	bool ok = !read_error ? load_root(&ld, rs) : fail_at(&ld, NULL, "read error");
	yaml_document_delete(&ld.doc);
	if (!ok) {
		rules_free(rs);
		return NULL;
	}
	/* The lists are whole: index them for rules_match and taint_labels_match. */
	struct rule_list *lists[] = { &rs->calls, &rs->imports, &rs->strings, &rs->files, &rs->flows };
	for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
		list_index(lists[k]);
	labels_index(&rs->sources);
	labels_index(&rs->sinks);
	labels_index(&rs->parameters);
	return rs;
}

static void list_free(struct rule_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		rule_free(&list->v[i]);
	free(list->v);
	index_free(list->index);
}

void rules_free(struct ruleset *rs)
{
	if (!rs)
		return;
	list_free(&rs->calls);
	list_free(&rs->imports);
	list_free(&rs->strings);
	list_free(&rs->files);
	for (size_t i = 0; i < rs->nsquat; i++)
		free(rs->squat[i].severity);
	free(rs->squat);
	list_free(&rs->flows);
	struct taint_labels *ls[] = { &rs->sources, &rs->sinks, &rs->parameters };
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < ls[k]->n; i++) {
			free(ls[k]->label[i]);
			for (size_t j = 0; j < ls[k]->nnames[i]; j++)
				free(ls[k]->names[i][j]);
			free(ls[k]->names[i]);
		}
	for (size_t k = 0; k < 3; k++)
		index_free(ls[k]->index);
	for (size_t i = 0; i < rs->ninstall_hooks; i++)
		free(rs->install_hooks[i]);
	free(rs->install_hooks);
	for (size_t i = 0; i < rs->ninstall_commands; i++)
		free(rs->install_commands[i]);
	free(rs->install_commands);
	for (size_t i = 0; i < rs->ntest_paths; i++)
		free(rs->test_paths[i]);
	free(rs->test_paths);
	for (size_t i = 0; i < rs->nbuild_tools; i++)
		free(rs->build_tools[i]);
	free(rs->build_tools);
	for (size_t i = 0; i < rs->nbuild_tool_env; i++)
		free(rs->build_tool_env[i]);
	free(rs->build_tool_env);
	for (size_t i = 0; i < rs->nsystem_bin_dirs; i++)
		free(rs->system_bin_dirs[i]);
	free(rs->system_bin_dirs);
	for (size_t i = 0; i < rs->nreporting_tools; i++)
		free(rs->reporting_tools[i]);
	free(rs->reporting_tools);
	for (size_t i = 0; i < rs->nreporting_env; i++)
		free(rs->reporting_env[i]);
	free(rs->reporting_env);
	for (size_t i = 0; i < rs->nreporting_setters; i++)
		free(rs->reporting_setters[i]);
	free(rs->reporting_setters);
	for (size_t i = 0; i < rs->nrepo_paths; i++)
		free(rs->repo_paths[i]);
	free(rs->repo_paths);
	network_free(&rs->network);
	free(rs->path);
	free(rs);
}

/* How specifically `pattern` matches `name`: -1 no match, else higher is more specific. */
static long specificity(const char *pattern, const char *name, bool submodules)
{
	/* Every match but that of "*" alone and of "" compares the first bytes: most
	 * patterns are told apart there, before the strlen and the comparisons below
	 * (every name is matched against every rule's patterns). */
	if (pattern[0] && pattern[0] != name[0] && !(pattern[0] == '*' && !pattern[1]))
		return -1;
	size_t len = strlen(pattern);
	if (len && pattern[len - 1] == '*')
		return strncmp(pattern, name, len - 1) == 0 ? (long)len - 1 : -1;
	if (strcmp(pattern, name) == 0)
		return LONG_MAX;
	if (submodules && strncmp(pattern, name, len) == 0 && name[len] == '.')
		return (long)len;
	return -1;
}

const struct rule *rules_match(const struct rule_list *list, const char *name, bool submodules)
{
	const struct rule *best = NULL;
	long best_score = -1;
	if (list->index) {	/* the patterns that may match this first byte, in the list's order */
		const struct pattern_index *idx = list->index;
		unsigned char b = (unsigned char)name[0];
		for (uint32_t k = idx->start[b]; k < idx->start[b + 1]; k++) {
			const struct rule *r = &list->v[idx->refs[k].entry];
			long s = specificity(r->names[idx->refs[k].name], name, submodules);
			if (s > best_score)
				best = r, best_score = s;
		}
		return best;
	}
	for (size_t i = 0; i < list->n; i++)
		for (size_t j = 0; j < list->v[i].nnames; j++) {
			long s = specificity(list->v[i].names[j], name, submodules);
			if (s > best_score)
				best = &list->v[i], best_score = s;
		}
	return best;
}

unsigned taint_labels_match(const struct taint_labels *labels, const char *name)
{
	unsigned mask = 0;
	if (labels->index) {	/* as in rules_match */
		const struct pattern_index *idx = labels->index;
		unsigned char b = (unsigned char)name[0];
		for (uint32_t k = idx->start[b]; k < idx->start[b + 1]; k++) {
			const struct pattern_ref *ref = &idx->refs[k];
			if (specificity(labels->names[ref->entry][ref->name], name, false) >= 0)
				mask |= 1u << label_index(labels, labels->label[ref->entry]);
		}
		return mask;
	}
	for (size_t i = 0; i < labels->n; i++)
		for (size_t j = 0; j < labels->nnames[i]; j++)
			if (specificity(labels->names[i][j], name, false) >= 0)
				/* A label given again later (an appended `taint:` block) is the same
				 * label: flows name its first entry. */
				mask |= 1u << label_index(labels, labels->label[i]);
	return mask;
}

/*
 * "tests/" matches a directory of that name anywhere in the path; any other pattern is
 * an fnmatch(3) pattern for the file name.  Members of nested archives ("x.deb!./usr/...")
 * are judged by their own path.
 */
/* A member's own path: the part after the last '!' of a nested archive's member. */
static const char *member_path(const char *path)
{
	const char *bang = strrchr(path, '!');
	return bang ? bang + 1 : path;
}

bool rules_is_test_path(const struct ruleset *rs, const char *path)
{
	if (!path)
		return false;
	const char *member = member_path(path);
	const char *base = strrchr(member, '/');
	base = base ? base + 1 : member;
	for (size_t i = 0; i < rs->ntest_paths; i++) {
		const char *pat = rs->test_paths[i];
		size_t n = strlen(pat);
		if (n > 1 && pat[n - 1] == '/') {
			for (const char *p = member; (p = strstr(p, pat)); p++)
				if (p == member || p[-1] == '/')
					return true;
		} else if (fnmatch(pat, base, 0) == 0) {
			return true;
		}
	}
	return false;
}

const char *context_severity(const char *rule_severity, long score)
{
	int level = score >= RISK_CRITICAL_AT ? 4 : score >= RISK_HIGH_AT ? 3 :
		    score >= RISK_MEDIUM_AT ? 2 : score >= RISK_LOW_AT ? 1 : 0;
	int cap = severity_rank(rule_severity);
	return severity_names[cap >= 0 && cap < level ? cap : level];
}

json_t *rule_hit_new(const struct rule *r, enum context c, int score, const char *artifact,
		     const char *path, long line, long col, const char *file_id, const char *name,
		     const char *message)
{
	json_t *hit = hit_new(artifact, r->detection, score, context_severity(r->severity, score),
			      path, line, col, message);
	if (file_id)
		json_object_set_new(hit, "file", json_string(file_id));
	json_object_set_new(hit, "name", json_string_lossy(name, strlen(name)));
	json_object_set_new(hit, "context", json_string(context_names[c]));
	json_t *tags = json_object_get(hit, "tags");
	json_array_append_new(tags, json_string(r->category));
	if (c != CTX_FUNCTION) {
		char tag[32];
		snprintf(tag, sizeof tag, "%s-time", context_names[c]);
		json_array_append_new(tags, json_string(tag));
	}
	for (size_t i = 0; i < r->ntags; i++)
		json_array_append_new(tags, json_string(r->tags[i]));
	return hit;
}

bool rules_is_build_tool(const struct ruleset *rs, const char *word)
{
	for (size_t i = 0; i < rs->nbuild_tools; i++)
		if (!fnmatch(rs->build_tools[i], word, 0))
			return true;
	return false;
}

bool rules_is_build_tool_env(const struct ruleset *rs, const char *var)
{
	for (size_t i = 0; i < rs->nbuild_tool_env; i++)
		if (!fnmatch(rs->build_tool_env[i], var, 0))
			return true;
	return false;
}

bool rules_is_reporting_tool(const struct ruleset *rs, const char *word)
{
	for (size_t i = 0; i < rs->nreporting_tools; i++)
		if (!fnmatch(rs->reporting_tools[i], word, 0))
			return true;
	return false;
}

bool rules_is_reporting_setter(const struct ruleset *rs, const char *word)
{
	size_t n = strcspn(word, "=");
	for (size_t i = 0; i < rs->nreporting_setters; i++)
		if (strlen(rs->reporting_setters[i]) == n && !strncmp(rs->reporting_setters[i], word, n))
			return true;
	return false;
}

const char *rules_reporting_env(const struct ruleset *rs, size_t i)
{
	return i < rs->nreporting_env ? rs->reporting_env[i] : NULL;
}

bool rules_is_system_bin_dir(const struct ruleset *rs, const char *dir)
{
	for (size_t i = 0; i < rs->nsystem_bin_dirs; i++)
		if (!strcmp(rs->system_bin_dirs[i], dir))
			return true;
	return false;
}

bool rules_is_repo_path(const struct ruleset *rs, const char *path)
{
	if (!path)
		return false;
	const char *member = member_path(path);
	const char *first_end = strchr(member, '/');
	if (!first_end)
		return false;
	/* The second directory counts only below a NAME-VERSION/ root (an sdist's): elsewhere
	 * pkg/tools/ is a subpackage that is installed. */
	const char *second = first_end + 1;
	bool sdist_root = false;
	for (const char *p = member; p + 1 < first_end; p++)
		sdist_root |= *p == '-' && p[1] >= '0' && p[1] <= '9';
	for (size_t i = 0; i < rs->nrepo_paths; i++) {
		const char *pat = rs->repo_paths[i];	/* "scripts/" */
		size_t n = strlen(pat);
		if (!strncmp(member, pat, n) || (sdist_root && !strncmp(second, pat, n)))
			return true;
	}
	return false;
}

/* Does any fnmatch pattern of `pats` match `name` upper-cased (npm_config_registry)? */
static bool env_matches(char **pats, size_t n, const char *name)
{
	char up[128];
	size_t len = strlen(name);
	if (len >= sizeof up)	/* no variable a rule names is that long */
		return false;
	for (size_t i = 0; i <= len; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	for (size_t i = 0; i < n; i++)
		if (!fnmatch(pats[i], up, 0))
			return true;
	return false;
}

bool rules_env_is_destination(const struct ruleset *rs, const char *name)
{
	const struct network_data *nd = &rs->network;
	return env_matches(nd->destination_env, nd->ndestination_env, name) &&
	       !env_matches(nd->credential_env, nd->ncredential_env, name);
}

bool rules_env_is_ambient(const struct ruleset *rs, const char *name)
{
	return env_matches(rs->network.ambient_env, rs->network.nambient_env, name);
}

bool rules_credential_service(const struct ruleset *rs, const char *name, const char *host)
{
	for (size_t i = 0; i < rs->network.nservices; i++) {
		const struct credential_service *cs = &rs->network.services[i];
		if (!env_matches(cs->env, cs->nenv, name))
			continue;
		for (size_t k = 0; k < cs->nhosts; k++)
			if (!fnmatch(cs->hosts[k], host, 0))
				return true;
	}
	return false;
}
