/* capability.c: what a package can do (network, processes, …), from its hits and data/capabilities.yaml. */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "err.h"
#include "record.h"
#include "score.h"

/*
 * A reviewer (and `aura diff`) asks first what a package can do, then how bad each finding
 * is.  Which detection means which capability is data: data/capabilities.yaml, documented
 * there and in docs/scoring.md; the rules file stays about detecting.
 */

enum matcher { M_DETECTIONS, M_NAMES, M_CONTEXTS, M_FLOW_PATHS, M_COUNT };
static const char *const matcher_keys[M_COUNT] = { "detections", "names", "contexts", "flow_paths" };

struct capability {
	char *id, *title;
	char **values[M_COUNT];	/* NULL-terminated lists */
};

static struct capability *caps;
static size_t ncaps;

/* ---- loading ---- */

struct loader {
	yaml_document_t doc;
	const char *path;
	char *err;
	size_t errlen;
};

static bool fail_at(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail_at(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s:%lu: %s", ld->path,
		 n ? (unsigned long)n->start_mark.line + 1 : 0UL, msg);
	return false;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A flow or block sequence of strings (a single string counts as a list of one). */
static bool load_strings(struct loader *ld, const yaml_node_t *n, const char *key, char ***out)
{
	size_t count = 0;
	if (scalar(n)) {
		*out = xmalloc(2 * sizeof **out);
		(*out)[0] = xstrdup(scalar(n));
		(*out)[1] = NULL;
		return true;
	}
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, n, "'%s' must be a list of strings", key);
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = xmalloc((len + 1) * sizeof **out);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const char *s = scalar(yaml_document_get_node(&ld->doc, *it));
		if (!s) {
			(*out)[count] = NULL;
			return fail_at(ld, n, "'%s' must be a list of strings", key);
		}
		(*out)[count++] = xstrdup(s);
	}
	(*out)[count] = NULL;
	return true;
}

static bool load_capability(struct loader *ld, const yaml_node_t *n, struct capability *c)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return fail_at(ld, n, "a capability must be a mapping");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *key = scalar(yaml_document_get_node(&ld->doc, p->key));
		yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
		int m = -1;
		for (int i = 0; key && i < M_COUNT; i++)
			if (!strcmp(key, matcher_keys[i]))
				m = i;
		if (m >= 0) {
			if (c->values[m])
				return fail_at(ld, v, "'%s' given twice", key);
			if (!load_strings(ld, v, key, &c->values[m]))
				return false;
		} else if (key && (!strcmp(key, "id") || !strcmp(key, "title"))) {
			char **field = !strcmp(key, "id") ? &c->id : &c->title;
			if (!scalar(v) || !*scalar(v) || *field)
				return fail_at(ld, v, "'%s' must be given once, as a non-empty string", key);
			*field = xstrdup(scalar(v));
		} else {
			return fail_at(ld, v, "unknown key '%s' in a capability", key ? key : "?");
		}
	}
	if (!c->id || !c->title)
		return fail_at(ld, n, "a capability needs an id and a title");
	for (int m = 0; m < M_COUNT; m++)
		if (c->values[m] && c->values[m][0])
			return true;
	return fail_at(ld, n, "capability '%s' has no matcher (%s, %s, %s or %s)", c->id,
		       matcher_keys[0], matcher_keys[1], matcher_keys[2], matcher_keys[3]);
}

static bool load_root(struct loader *ld)
{
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	yaml_node_t *list = NULL, *version = NULL;
	if (!root || root->type != YAML_MAPPING_NODE)
		return fail_at(ld, root, "expected a mapping with 'version' and 'capabilities'");
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		const char *key = scalar(yaml_document_get_node(&ld->doc, p->key));
		yaml_node_t *v = yaml_document_get_node(&ld->doc, p->value);
		if (key && !strcmp(key, "version"))
			version = v;
		else if (key && !strcmp(key, "capabilities"))
			list = v;
		else
			return fail_at(ld, v, "unknown key '%s'", key ? key : "?");
	}
	if (!scalar(version) || strcmp(scalar(version), "1") != 0)
		return fail_at(ld, version ? version : root, "'version' must be 1");
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return fail_at(ld, list ? list : root, "'capabilities' must be a list");
	size_t len = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	caps = xmalloc((len + 1) * sizeof *caps);
	memset(caps, 0, (len + 1) * sizeof *caps);
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		struct capability *c = &caps[ncaps++];
		if (!load_capability(ld, yaml_document_get_node(&ld->doc, *it), c))
			return false;
		for (struct capability *o = caps; o < c; o++)
			if (!strcmp(o->id, c->id))
				return fail_at(ld, yaml_document_get_node(&ld->doc, *it),
					       "capability '%s' defined twice", c->id);
	}
	return true;
}

bool capabilities_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open capabilities file %s: %m", path);
		return false;
	}
	yaml_parser_t parser;
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	bool ok = false;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "not YAML");
	} else {
		ok = load_root(&ld);
		yaml_document_delete(&ld.doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return ok;
}

/* ---- matching ---- */

static bool any_match(char **patterns, const char *s, bool glob)
{
	for (size_t i = 0; s && patterns && patterns[i]; i++)
		if (glob ? fnmatch(patterns[i], s, 0) == 0 : strcmp(patterns[i], s) == 0)
			return true;
	return false;
}

static bool hit_has(const struct capability *c, const json_t *hit)
{
	const json_t *flow = json_object_get(hit, "flow");
	return any_match(c->values[M_DETECTIONS], record_str(hit, "detection"), false) ||
	       any_match(c->values[M_NAMES], record_str(hit, "name"), true) ||
	       any_match(c->values[M_CONTEXTS], record_str(hit, "context"), false) ||
	       any_match(c->values[M_FLOW_PATHS], json_is_object(flow) ? record_str(flow, "path") : NULL,
			 true);
}

/* {"path", "line", "detection"} of a hit: where the capability is used. */
static json_t *place(const json_t *hit)
{
	json_t *p = json_object();
	if (!p)
		aura_oom();
	json_object_set(p, "path", json_is_string(json_object_get(hit, "path"))
			? json_object_get(hit, "path") : json_null());
	json_object_set_new(p, "line", json_integer(record_int(hit, "line", 0)));
	json_object_set(p, "detection", json_is_string(json_object_get(hit, "detection"))
			? json_object_get(hit, "detection") : json_null());
	return p;
}

static bool same_place(const json_t *a, const json_t *b)
{
	return json_equal(json_object_get(a, "path"), json_object_get(b, "path")) &&
	       json_equal(json_object_get(a, "line"), json_object_get(b, "line"));
}

json_t *capabilities_of(const json_t *sorted_hits)
{
	json_t *out = json_array();
	if (!out)
		aura_oom();
	for (size_t c = 0; c < ncaps; c++) {
		json_t *where = json_array();
		long long count = 0;
		size_t i;
		json_t *hit;
		json_array_foreach(sorted_hits, i, hit) {
			if (!hit_has(&caps[c], hit))
				continue;
			count++;
			json_t *p = place(hit);
			bool seen = false;
			for (size_t k = 0; k < json_array_size(where); k++)
				seen = seen || same_place(json_array_get(where, k), p);
			if (!seen && json_array_size(where) < CAPABILITY_PLACES)
				json_array_append(where, p);
			json_decref(p);
		}
		if (!count) {
			json_decref(where);
			continue;
		}
		json_t *cap = json_pack("{s:s, s:s, s:I, s:o}", "id", caps[c].id, "title", caps[c].title,
					"hits", (json_int_t)count, "where", where);
		if (!cap)
			aura_oom();
		json_array_append_new(out, cap);
	}
	return out;
}

json_t *capabilities_added(const json_t *old_caps, const json_t *new_caps)
{
	json_t *added = json_array();
	size_t i, k;
	json_t *cap, *had;
	if (!added)
		aura_oom();
	json_array_foreach(new_caps, i, cap) {
		bool seen = false;
		json_array_foreach(old_caps, k, had)
			seen = seen || json_equal(json_object_get(had, "id"), json_object_get(cap, "id"));
		if (!seen)
			json_array_append(added, cap);
	}
	return added;
}

/* A verdict's capabilities read back by --merge: the known fields, checked and bounded. */
json_t *capabilities_checked(const json_t *v, char *why, size_t whylen)
{
	json_t *out = json_array();
	size_t i, k;
	json_t *cap, *p;
	if (!out)
		aura_oom();
	if (!v)
		return out;	/* a verdict written before capabilities existed */
	if (!json_is_array(v))
		goto bad;
	json_array_foreach(v, i, cap) {
		const json_t *id = json_object_get(cap, "id"), *title = json_object_get(cap, "title");
		const json_t *hits = json_object_get(cap, "hits"), *where = json_object_get(cap, "where");
		if (!json_is_string(id) || !json_is_string(title) || !json_is_integer(hits) ||
		    json_integer_value(hits) < 0 || !json_is_array(where))
			goto bad;
		json_t *places = json_array(), *c = json_object();
		if (!places || !c)
			aura_oom();
		json_array_foreach(where, k, p) {
			const json_t *path = json_object_get(p, "path"), *det = json_object_get(p, "detection");
			if (k == CAPABILITY_PLACES)
				break;
			if (!(json_is_string(path) || json_is_null(path)) || !json_is_integer(json_object_get(p, "line")) ||
			    !(json_is_string(det) || json_is_null(det))) {
				json_decref(places);
				json_decref(c);
				goto bad;
			}
			json_t *q = json_object();
			if (!q)
				aura_oom();
			json_object_set_new(q, "path", json_is_string(path) ? string_bounded(path) : json_null());
			json_object_set(q, "line", json_object_get(p, "line"));
			json_object_set_new(q, "detection", json_is_string(det) ? string_bounded(det) : json_null());
			json_array_append_new(places, q);
		}
		json_object_set_new(c, "id", string_bounded(id));
		json_object_set_new(c, "title", string_bounded(title));
		json_object_set(c, "hits", (json_t *)hits);
		json_object_set_new(c, "where", places);
		json_array_append_new(out, c);
	}
	return out;
bad:
	snprintf(why, whylen, "verdict field 'capabilities' is not a list of {id, title, hits, where}");
	json_decref(out);
	return NULL;
}

/* ---- text ---- */

void capabilities_text(FILE *out, const json_t *list, const char *label)
{
	size_t i, k;
	json_t *cap, *p;
	json_array_foreach(list, i, cap) {
		fprintf(out, "  %s ", label);
		text_escape(out, record_str(cap, "id") ? record_str(cap, "id") : "?", 64);
		fputs(" (", out);
		text_escape(out, record_str(cap, "title") ? record_str(cap, "title") : "", 200);
		fputs("): ", out);
		json_array_foreach(json_object_get(cap, "where"), k, p) {
			fputs(k ? ", " : "", out);
			text_escape(out, record_str(p, "path") ? record_str(p, "path") : "(artifact)", 300);
			if (record_int(p, "line", 0) > 0)
				fprintf(out, ":%lld", (long long)record_int(p, "line", 0));
		}
		long long hits = record_int(cap, "hits", 0);
		if (hits > (long long)json_array_size(json_object_get(cap, "where")))
			fprintf(out, " (%lld hits)", hits);
		fputc('\n', out);
	}
}
