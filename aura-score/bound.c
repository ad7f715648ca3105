/* bound.c: what a hit or a merged verdict may carry into the reports, cut in depth and bytes, and the cut said. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"

/*
 * A hit's own fields (detection, score, severity, place, message, tags) are checked against
 * their ranges before anything is kept (lib/record.c).  The rest is free-form: evidence,
 * payload, a taint flow, whatever a later stage adds.  Every report copies the kept hit,
 * and SARIF pretty-prints it: a 122 KB record nested 20,000 deep became 1.5 GB of
 * indentation.  So the kept hit holds at most HIT_FIELD_DEPTH_MAX levels per field,
 * HIT_STRING_MAX bytes per string and HIT_EXTRA_BYTES_MAX bytes of free-form fields, and
 * its "cut" field says, per field, what was left out.
 */

/* The fields every hit has or may have, copied whole (they were range-checked). */
static const char *const pinned_fields[] = { "type", "v", "artifact", "stage", "detection",
					     "score", "severity", "path", "line", "col", "message",
					     "name", "file", "context", "tags", "count" };

struct bound {
	size_t budget;		/* bytes left for free-form fields (about their JSON size) */
	/* what was cut from the field being copied */
	bool deeper;		/* containers nested deeper than HIT_FIELD_DEPTH_MAX */
	size_t strings_cut;	/* strings cut at HIT_STRING_MAX */
	size_t longest;		/* the longest such string, in bytes */
	size_t left_out;	/* members and elements left out for the byte budget */
};

static bool is_pinned(const char *key)
{
	for (size_t i = 0; i < sizeof pinned_fields / sizeof pinned_fields[0]; i++)
		if (strcmp(key, pinned_fields[i]) == 0)
			return true;
	return false;
}

/* Take n bytes of the budget; false (and nothing taken) when they are not there. */
static bool charge(struct bound *b, size_t n)
{
	if (n > b->budget)
		return false;
	b->budget -= n;
	return true;
}

/* The string, or its first HIT_STRING_MAX bytes cut on a character boundary. */
static json_t *cut_string(const json_t *v, struct bound *b)
{
	size_t n = json_string_length(v);
	if (n <= HIT_STRING_MAX)
		return json_incref((json_t *)v);
	const char *s = json_string_value(v);
	size_t take = HIT_STRING_MAX;
	while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
		take--;
	b->strings_cut++;
	if (n > b->longest)
		b->longest = n;
	json_t *out = json_stringn(s, take);
	if (!out)
		aura_oom();
	return out;
}

json_t *string_bounded(const json_t *s)
{
	struct bound b = { 0 };
	return cut_string(s, &b);
}

/* A copy of v at nesting `depth` (1 for a field's own value) within the bounds; NULL: left out. */
static json_t *copy_bounded(const json_t *v, int depth, struct bound *b)
{
	const char *key;
	json_t *x, *out;
	size_t i;
	if (json_is_string(v)) {
		size_t n = json_string_length(v);
		if (!charge(b, (n < HIT_STRING_MAX ? n : HIT_STRING_MAX) + 2)) {
			b->left_out++;
			return NULL;
		}
		return cut_string(v, b);
	}
	if (!json_is_object(v) && !json_is_array(v)) {
		if (!charge(b, 24)) {	/* a number's longest text */
			b->left_out++;
			return NULL;
		}
		return json_incref((json_t *)v);
	}
	if (depth > HIT_FIELD_DEPTH_MAX) {
		b->deeper = true;
		return NULL;
	}
	if (!charge(b, 2)) {
		b->left_out++;
		return NULL;
	}
	/* Every member is visited (the input line bounds the work); those past the budget are counted. */
	if (json_is_array(v)) {
		out = json_array();
		if (!out)
			aura_oom();
		json_array_foreach(v, i, x) {
			json_t *c = copy_bounded(x, depth + 1, b);
			if (c)
				json_array_append_new(out, c);
		}
		return out;
	}
	out = json_object();
	if (!out)
		aura_oom();
	json_object_foreach((json_t *)v, key, x) {
		json_t *c = NULL;
		if (charge(b, strlen(key) + 3))
			c = copy_bounded(x, depth + 1, b);
		else
			b->left_out++;
		if (c)
			json_object_set_new(out, key, c);
	}
	return out;
}

/* "payload: 120000-byte string cut at 4096 bytes; nested deeper than 8 levels" */
static void note_cut(json_t *cut, const char *field, const struct bound *b)
{
	char note[256];
	size_t len = (size_t)snprintf(note, sizeof note, "%.64s:", field);
	if (b->strings_cut)
		len += (size_t)snprintf(note + len, sizeof note - len, " %zu string%s cut at %d bytes "
					"(the longest had %zu);", b->strings_cut,
					b->strings_cut == 1 ? "" : "s", HIT_STRING_MAX, b->longest);
	if (b->deeper && len < sizeof note)
		len += (size_t)snprintf(note + len, sizeof note - len, " nested deeper than %d levels;",
					HIT_FIELD_DEPTH_MAX);
	if (b->left_out && len < sizeof note)
		len += (size_t)snprintf(note + len, sizeof note - len, " %zu value%s left out (the "
					"hit's %d-byte limit);", b->left_out, b->left_out == 1 ? "" : "s",
					HIT_EXTRA_BYTES_MAX);
	if (len < sizeof note && note[len - 1] == ';')
		note[len - 1] = '\0';
	json_array_append_new(cut, json_string_lossy(note, strlen(note)));
}

json_t *hit_bounded(const json_t *hit)
{
	json_t *out = json_object(), *cut = json_array(), *v;
	const char *key;
	struct bound b = { .budget = HIT_EXTRA_BYTES_MAX };
	size_t fields_left_out = 0;
	if (!out || !cut)
		aura_oom();
	json_object_foreach((json_t *)hit, key, v) {
		b.deeper = false;
		b.strings_cut = b.longest = b.left_out = 0;
		json_t *c;
		if (is_pinned(key)) {
			c = json_is_string(v) ? cut_string(v, &b) : json_incref(v);
		} else if (!charge(&b, strlen(key) + 3) || !(c = copy_bounded(v, 1, &b))) {
			fields_left_out++;	/* the budget is spent */
			continue;
		}
		json_object_set_new(out, key, c);
		if (b.deeper || b.strings_cut || b.left_out)
			note_cut(cut, key, &b);
	}
	if (fields_left_out) {
		char note[128];
		snprintf(note, sizeof note, "%zu field%s left out (the hit's %d-byte limit)",
			 fields_left_out, fields_left_out == 1 ? "" : "s", HIT_EXTRA_BYTES_MAX);
		json_array_append_new(cut, json_string(note));
	}
	if (json_array_size(cut))
		json_object_set_new(out, "cut", cut);
	else
		json_decref(cut);
	return out;
}

/* ---- verdicts read back by --merge ---- */

/* A string field as it may be kept: cut, or null when absent; false when it is another type. */
static bool keep_string(json_t *to, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);
	struct bound b = { 0 };
	if (v && !json_is_string(v) && !json_is_null(v))
		return false;
	json_object_set_new(to, key, json_is_string(v) ? cut_string(v, &b) : json_null());
	return true;
}

static bool merged_artifact(json_t *out, const json_t *art, char *why, size_t whylen)
{
	static const char *const keys[] = { "id", "name", "version", "path", "sha256", "kind",
					    "format", "ecosystem" };
	json_t *a = json_object();
	if (!a)
		aura_oom();
	json_object_set_new(out, "artifact", a);
	if (!json_is_string(json_object_get(art, "id"))) {
		snprintf(why, whylen, "verdict without an artifact id");
		return false;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!keep_string(a, art, keys[i])) {
			snprintf(why, whylen, "verdict field 'artifact.%s' is not a string or null", keys[i]);
			return false;
		}
	return true;
}

static bool merged_hits(json_t *out, const json_t *hits, char *why, size_t whylen)
{
	json_t *kept = json_array(), *hit;
	size_t i;
	if (!kept)
		aura_oom();
	json_object_set_new(out, "hits", kept);
	if (!json_is_array(hits)) {
		snprintf(why, whylen, "verdict field 'hits' is not an array");
		return false;
	}
	json_array_foreach(hits, i, hit) {
		char hit_why[400];
		if (!record_is(hit, "hit") || !record_fields_valid(hit, hit_why, sizeof hit_why)) {
			snprintf(why, whylen, "verdict hit %zu: %s", i,
				 record_is(hit, "hit") ? hit_why : "not a hit record");
			return false;
		}
		json_array_append_new(kept, hit_bounded(hit));
	}
	return true;
}

/* errors: [{stage, path, message}], incomplete_reasons: [string], each string cut. */
static bool merged_notes(json_t *out, const json_t *v, char *why, size_t whylen)
{
	json_t *errors = json_array(), *reasons = json_array(), *x;
	size_t i;
	struct bound b = { 0 };
	if (!errors || !reasons)
		aura_oom();
	json_object_set_new(out, "incomplete_reasons", reasons);
	json_object_set_new(out, "errors", errors);
	json_t *in_errors = json_object_get(v, "errors"), *in_reasons = json_object_get(v, "incomplete_reasons");
	if ((in_errors && !json_is_array(in_errors)) || (in_reasons && !json_is_array(in_reasons))) {
		snprintf(why, whylen, "verdict fields 'errors' and 'incomplete_reasons' must be arrays");
		return false;
	}
	json_array_foreach(in_errors, i, x) {
		json_t *e = json_object();
		if (!e)
			aura_oom();
		json_array_append_new(errors, e);
		if (!json_is_object(x) || !keep_string(e, x, "stage") || !keep_string(e, x, "path") ||
		    !keep_string(e, x, "message")) {
			snprintf(why, whylen, "verdict error %zu: not {stage, path, message} strings", i);
			return false;
		}
	}
	json_array_foreach(in_reasons, i, x) {
		if (!json_is_string(x)) {
			snprintf(why, whylen, "verdict incomplete_reasons %zu: not a string", i);
			return false;
		}
		json_array_append_new(reasons, cut_string(x, &b));
	}
	return true;
}

/* custom_stages: [{action, stage, command}] (docs/extending.md), kept when a run had them. */
static bool merged_custom_stages(json_t *out, const json_t *v, char *why, size_t whylen)
{
	json_t *in = json_object_get(v, "custom_stages"), *x;
	size_t i;
	if (!in)
		return true;
	json_t *kept = json_array();
	if (!kept)
		aura_oom();
	json_object_set_new(out, "custom_stages", kept);
	if (!json_is_array(in)) {
		snprintf(why, whylen, "verdict field 'custom_stages' is not an array");
		return false;
	}
	json_array_foreach(in, i, x) {
		json_t *e = json_object();
		if (!e)
			aura_oom();
		json_array_append_new(kept, e);
		if (!json_is_object(x) || !keep_string(e, x, "action") || !keep_string(e, x, "stage") ||
		    !keep_string(e, x, "command")) {
			snprintf(why, whylen, "verdict custom_stages %zu: not {action, stage, command} strings", i);
			return false;
		}
	}
	return true;
}

json_t *verdict_bounded(const json_t *v, char *why, size_t whylen)
{
	if (!record_fields_valid(v, why, whylen))
		return NULL;
	/* Rebuilt field by field, in verdict_build's order; fields it does not write are not kept. */
	json_t *out = record_new("verdict");
	bool ok = merged_artifact(out, json_object_get(v, "artifact"), why, whylen);
	json_object_set(out, "score", json_object_get(v, "score"));
	json_object_set(out, "risk", json_object_get(v, "risk"));
	if (ok && !keep_string(out, v, "reason")) {
		snprintf(why, whylen, "verdict field 'reason' is not a string");
		ok = false;
	}
	json_object_set(out, "complete", json_object_get(v, "complete"));
	ok = ok && merged_notes(out, v, why, whylen);
	json_object_set_new(out, "files", json_integer(record_int(v, "files", 0)));
	json_t *caps = ok ? capabilities_checked(json_object_get(v, "capabilities"), why, whylen) : NULL;
	if (caps)
		json_object_set_new(out, "capabilities", caps);
	else
		ok = false;
	ok = ok && merged_hits(out, json_object_get(v, "hits"), why, whylen);
	json_object_set_new(out, "hits_hidden", json_integer(record_int(v, "hits_hidden", 0)));
	ok = ok && merged_custom_stages(out, v, why, whylen);
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	return out;
}
