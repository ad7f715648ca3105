/* rules.c: the detection rules data file (docs/rules.md): loading it and matching names. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "record.h"
#include "rules.h"

const char *const context_names[CTX_COUNT] = { "install", "import", "function" };

#define MAX_SCORE 1000

/* Loading state: the document, and the first error (later ones are noise). */
struct loader {
	const char *path;
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

static bool want_int(struct loader *ld, const yaml_node_t *n, const char *what, int *out)
{
	const char *s = scalar(n);
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !s[0] || *end || errno || v < 0 || v > MAX_SCORE)
		return fail_at(ld, n, "%s: expected an integer from 0 to %d", what, MAX_SCORE);
	*out = (int)v;
	return true;
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

/* score: 40, or score: {install: 80, import: 40, function: 15, default: 5} */
static bool load_score(struct loader *ld, const yaml_node_t *n, struct rule *r)
{
	if (n->type == YAML_SCALAR_NODE) {
		int v;
		if (!want_int(ld, n, "score", &v))
			return false;
		for (int c = 0; c < CTX_COUNT; c++)
			r->score[c] = v, r->applies[c] = true;
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
					      "function or default)", key ? key : "?");
		if (!want_int(ld, v, key, &value))
			return false;
		if (c == CTX_COUNT)
			dflt = value;
		else
			r->score[c] = value, r->applies[c] = true;
	}
	for (int c = 0; c < CTX_COUNT; c++)
		if (!r->applies[c] && dflt >= 0)
			r->score[c] = dflt, r->applies[c] = true;
	return true;
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
}

static bool load_rule(struct loader *ld, const yaml_node_t *n, struct rule *r)
{
	*r = (struct rule){ .line = n->start_mark.line + 1 };
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
			ok = has_score = load_score(ld, v, r);
		else
			ok = fail_at(ld, k, "unknown rule key '%s' (detection, names, category, "
					    "severity, score, message, tags)", key);
		if (!ok)
			return false;
	}
	const char *missing = !r->detection ? "detection" : !r->nnames ? "names" :
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
		if (!load_rule(ld, node_at(ld, *it), r))
			return false;
	}
	return true;
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
		else if (key && !strcmp(key, "install_hooks"))
			ok = want_strings(ld, v, key, &rs->install_hooks, &rs->ninstall_hooks);
		else
			ok = fail_at(ld, k, "unknown key '%s' (version, calls, imports, install_hooks)",
				     key ? key : "?");
		if (!ok)
			return false;
	}
	if (!has_version)
		return fail_at(ld, root, "no 'version: 1'");
	return true;
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
	bool ok = !read_error ? load_root(&ld, rs) : fail_at(&ld, NULL, "read error");
	yaml_document_delete(&ld.doc);
	if (!ok) {
		rules_free(rs);
		return NULL;
	}
	return rs;
}

static void list_free(struct rule_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		rule_free(&list->v[i]);
	free(list->v);
}

void rules_free(struct ruleset *rs)
{
	if (!rs)
		return;
	list_free(&rs->calls);
	list_free(&rs->imports);
	for (size_t i = 0; i < rs->ninstall_hooks; i++)
		free(rs->install_hooks[i]);
	free(rs->install_hooks);
	free(rs->path);
	free(rs);
}

/* How specifically `pattern` matches `name`: -1 no match, else higher is more specific. */
static long specificity(const char *pattern, const char *name, bool submodules)
{
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
	for (size_t i = 0; i < list->n; i++)
		for (size_t j = 0; j < list->v[i].nnames; j++) {
			long s = specificity(list->v[i].names[j], name, submodules);
			if (s > best_score)
				best = &list->v[i], best_score = s;
		}
	return best;
}
