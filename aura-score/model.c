/* model.c: the scoring model — an artifact's hits to a total, a risk level, a reason (docs/scoring.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
#include "record.h"
#include "score.h"
#include "strbuf.h"

const char *risk_for_score(long long score)
{
	if (score >= RISK_CRITICAL_AT)
		return "critical";
	if (score >= RISK_HIGH_AT)
		return "high";
	if (score >= RISK_MEDIUM_AT)
		return "medium";
	if (score >= RISK_LOW_AT)
		return "low";
	return "info";
}

int level_rank(const char *name)
{
	return severity_rank(name);
}

bool hit_is_install(const json_t *hit)
{
	const char *context = record_str(hit, "context");
	if (context && strcmp(context, "install") == 0)
		return true;
	size_t i;
	json_t *tag;
	json_array_foreach(json_object_get(hit, "tags"), i, tag) {
		const char *t = json_string_value(tag);
		if (t && (strcmp(t, "install") == 0 || strcmp(t, "install-time") == 0))
			return true;
	}
	return false;
}

long long hit_score(const json_t *hit)
{
	json_int_t s = record_int(hit, "score", 0);
	return s >= 0 && s <= HIT_SCORE_MAX ? s : 0;
}

bool hit_has_tag(const json_t *hit, const char *want)
{
	size_t i;
	json_t *tag;
	json_array_foreach(json_object_get(hit, "tags"), i, tag) {
		const char *t = json_string_value(tag);
		if (t && !strcmp(t, want))
			return true;
	}
	return false;
}

/*
 * A hit that says by itself what the package does: a signature, metadata, a data flow.
 * A flow inside a function nothing calls, to a destination its caller chooses, is what
 * libraries do (a client sends a password to the server it is given): it counts with
 * its file like the other API use; so does one in the package's command (context
 * `command`), which runs only when the user runs it.
 */
static bool hit_is_strong(const json_t *hit)
{
	if (hit_has_tag(hit, "indicator") || hit_has_tag(hit, "metadata"))
		return true;
	if (!hit_has_tag(hit, "flow"))
		return false;
	const char *context = record_str(hit, "context");
	bool called = context && (!strcmp(context, "function") || !strcmp(context, "command"));
	return !called || hit_has_tag(hit, "fixed-host");
}

/*
 * Findings grouped by a key and a detection, each group saturating at its biggest.  The
 * groups are found through a hash (`index`, "key U+001F detection" -> position): a stream
 * of 50,000 distinct findings took a minute with a linear search.
 */
struct group { const char *key, *det; long long sum, max, hits; };
struct groups { struct group *g; size_t n; json_t *index; };

static void groups_init(struct groups *gs, size_t cap)
{
	gs->g = xmalloc(cap * sizeof *gs->g);
	gs->n = 0;
	gs->index = json_object();
	if (!gs->index)
		aura_oom();
}

static void groups_free(struct groups *gs)
{
	free(gs->g);
	json_decref(gs->index);
}

static void group_add(struct groups *gs, const char *key, const char *det, long long s)
{
	size_t klen = strlen(key), dlen = strlen(det);
	char *name = xmalloc(klen + dlen + 2);
	memcpy(name, key, klen);
	name[klen] = '\x1f';
	memcpy(name + klen + 1, det, dlen + 1);
	json_t *at = json_object_getn(gs->index, name, klen + dlen + 1);
	size_t i;
	if (at) {
		i = (size_t)json_integer_value(at);
	} else {
		i = gs->n++;
		gs->g[i] = (struct group){ key, det, 0, 0, 0 };
		json_object_setn_new_nocheck(gs->index, name, klen + dlen + 1, json_integer((json_int_t)i));
	}
	free(name);
	gs->g[i].sum += s;
	gs->g[i].hits++;
	if (s > gs->g[i].max)
		gs->g[i].max = s;
}

static long long group_value(const struct group *g)
{
	long long cap = g->max * SATURATION_FACTOR;
	return g->sum < cap ? g->sum : cap;
}

/* {detection, hits, sum, cap, value} of a saturating group, for --explain. */
static json_t *group_json(const struct group *g)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "detection", g->det, "hits", (json_int_t)g->hits,
			      "sum", (json_int_t)g->sum, "cap", (json_int_t)(g->max * SATURATION_FACTOR),
			      "value", (json_int_t)group_value(g));
	if (!o)
		aura_oom();
	return o;
}

/*
 * Sum of the deduplicated hits (docs/scoring.md).  Install-time hits count in full: code
 * that runs on `pip install` is what does the damage.  Strong hits (flows, signatures,
 * metadata) saturate per detection.  The rest (API use at import time or in functions)
 * counts by file: the most suspicious file in full, all the others together at most
 * SPREAD_CAP, so a large library does not reach "high" by breadth alone while one module
 * doing several suspicious things still does.  With `why`, the terms are written into it
 * (--explain): the same code computes the score and its explanation.
 */
static long long score_model(const json_t *hits, json_t *why)
{
	size_t n = json_array_size(hits) + 1, i;
	struct groups strong, weak, files;
	long long total = 0, install_hits = 0, repeats = 0;
	json_t *hit;

	groups_init(&strong, n);
	groups_init(&weak, n);
	json_array_foreach(hits, i, hit) {
		long long s = hit_score(hit);
		const char *det = record_str(hit, "detection");
		const char *path = record_str(hit, "path");
		if (record_int(hit, "count", 1) > 1)
			repeats += record_int(hit, "count", 1) - 1;
		if (hit_is_install(hit)) {
			total += s;
			install_hits++;
		} else if (hit_is_strong(hit)) {
			group_add(&strong, "", det ? det : "", s);
		} else {
			group_add(&weak, path ? path : "", det ? det : "", s);
		}
	}
	long long install = total;
	json_t *strong_json = json_array(), *files_json = json_array();
	if (!strong_json || !files_json)
		aura_oom();
	for (size_t g = 0; g < strong.n; g++) {
		total += group_value(&strong.g[g]);
		json_array_append_new(strong_json, group_json(&strong.g[g]));
	}
	/* Per file: the sum of its detections' saturated values. */
	groups_init(&files, n);
	for (size_t g = 0; g < weak.n; g++)
		group_add(&files, weak.g[g].key, "", group_value(&weak.g[g]));
	long long best = 0, rest = 0;
	size_t best_at = 0;
	for (size_t f = 0; f < files.n; f++) {
		if (files.g[f].sum > best) {
			rest += best;
			best = files.g[f].sum;
			best_at = f;
		} else {
			rest += files.g[f].sum;
		}
	}
	total += best + (rest < SPREAD_CAP ? rest : SPREAD_CAP);
	for (size_t f = 0; why && f < files.n; f++) {
		json_t *dets = json_array();
		for (size_t g = 0; g < weak.n; g++)
			if (!strcmp(weak.g[g].key, files.g[f].key))
				json_array_append_new(dets, group_json(&weak.g[g]));
		json_array_append_new(files_json, json_pack("{s:s, s:I, s:b, s:o}", "path", files.g[f].key,
							    "value", (json_int_t)files.g[f].sum,
							    "in_full", f == best_at && best > 0,
							    "detections", dets));
	}
	if (why) {
		json_object_set_new(why, "total", json_integer(total));
		json_object_set_new(why, "install", json_pack("{s:I, s:I}", "hits", (json_int_t)install_hits,
							      "value", (json_int_t)install));
		json_object_set_new(why, "strong", strong_json);
		json_object_set_new(why, "files", files_json);
		json_object_set_new(why, "spread", json_pack("{s:I, s:I, s:I}", "sum", (json_int_t)rest,
							     "cap", (json_int_t)SPREAD_CAP, "value",
							     (json_int_t)(rest < SPREAD_CAP ? rest : SPREAD_CAP)));
		json_object_set_new(why, "repeats", json_integer(repeats));
	} else {
		json_decref(strong_json);
		json_decref(files_json);
	}
	groups_free(&files);
	groups_free(&strong);
	groups_free(&weak);
	return total;
}

long long hits_total_score(const json_t *hits)
{
	return score_model(hits, NULL);
}

json_t *score_explain(const json_t *hits)
{
	json_t *why = json_object();
	if (!why)
		aura_oom();
	score_model(hits, why);
	return why;
}

const char *hit_term(const json_t *hit)
{
	return hit_is_install(hit) ? "install" : hit_is_strong(hit) ? "strong" : "file";
}

static const char *str_or_empty(const json_t *rec, const char *key)
{
	const char *s = record_str(rec, key);
	return s ? s : "";
}

/*
 * The same finding reported at several places (eval() on ten lines of one file) is one
 * finding seen ten times: key it by detection, path and the matched name (else message).
 * Fields are joined with U+001F, which cannot be confused with text in a JSON string key.
 * Not the line: diff matches findings across versions, where lines move.
 */
char *hit_dedup_key(const json_t *hit)
{
	const char *what = record_str(hit, "name");
	if (!what)
		what = str_or_empty(hit, "message");
	const char *det = str_or_empty(hit, "detection"), *path = str_or_empty(hit, "path");
	size_t n = strlen(det) + strlen(path) + strlen(what) + 3;
	char *key = xmalloc(n);
	snprintf(key, n, "%s\x1f%s\x1f%s", det, path, what);
	return key;
}

size_t hits_filter(json_t *hits, int min_rank)
{
	size_t gone = 0;
	for (size_t i = 0; i < json_array_size(hits);) {
		if (min_rank > 0 && severity_rank(record_str(json_array_get(hits, i), "severity")) < min_rank) {
			json_array_remove(hits, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

static int cmp_str_nullfirst(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_ll(long long a, long long b)
{
	return (a > b) - (a < b);
}

/* Most severe first, then highest score, then by place; the rest only makes it total. */
static int hit_order(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c;
	if ((c = severity_rank(record_str(b, "severity")) - severity_rank(record_str(a, "severity"))))
		return c;
	if ((c = cmp_ll(hit_score(b), hit_score(a))))
		return c;
	if ((c = cmp_str_nullfirst(record_str(a, "path"), record_str(b, "path"))))
		return c;
	if ((c = cmp_ll(record_int(a, "line", 0), record_int(b, "line", 0))))
		return c;
	if ((c = cmp_ll(record_int(a, "col", 0), record_int(b, "col", 0))))
		return c;
	if ((c = cmp_str_nullfirst(record_str(a, "detection"), record_str(b, "detection"))))
		return c;
	return cmp_str_nullfirst(record_str(a, "message"), record_str(b, "message"));
}

json_t *hits_sorted(const json_t *hits)
{
	size_t n = json_array_size(hits);
	json_t **v = xmalloc((n + 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(hits, i);
	qsort(v, n, sizeof *v, hit_order);
	json_t *out = json_array();
	if (!out)
		aura_oom();
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

void text_append_cut(char **buf, size_t *len, const char *s, size_t max)
{
	size_t n = strlen(s), take = n;
	if (n > max) {
		take = max;
		while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
			take--;
		/* Back to the last space, when that keeps at least half: "from the hard-co…"
		 * reads as a typo, "from the…" as a cut. */
		size_t space = take;
		while (space > max / 2 && s[space] != ' ')
			space--;
		if (s[space] == ' ') {
			while (space > 0 && s[space - 1] == ' ')
				space--;
			take = space;
		}
	}
	*buf = xrealloc(*buf, *len + take + CUT_MARK_LEN + 1);
	memcpy(*buf + *len, s, take);
	*len += take;
	if (take < n) {
		memcpy(*buf + *len, CUT_MARK, CUT_MARK_LEN);
		*len += CUT_MARK_LEN;
	}
	(*buf)[*len] = '\0';
}

void reason_append_hit(char **buf, size_t *len, const json_t *hit, size_t i, const char *none)
{
	const char *msg = record_str(hit, "message"), *path = record_str(hit, "path");
	if (!msg)
		msg = record_str(hit, "detection");
	if (i)
		text_append_cut(buf, len, "; ", 2);
	text_append_cut(buf, len, msg ? msg : none, REASON_MESSAGE_MAX);
	if (path) {
		text_append_cut(buf, len, " in ", 4);
		text_append_cut(buf, len, path, REASON_MESSAGE_MAX);
	}
}

/* "os.system() at install time in setup.py; eval() in pkg/__init__.py" from the top hits. */
static json_t *reason_text(const json_t *sorted, const json_t *why_incomplete)
{
	char *buf = xstrdup("");
	size_t len = 0, i;
	json_t *hit, *note;
	json_array_foreach(sorted, i, hit) {
		if (i == REASON_HITS)
			break;
		reason_append_hit(&buf, &len, hit, i, "(no message)");
	}
	if (json_array_size(sorted) > REASON_HITS) {
		char more[64];
		snprintf(more, sizeof more, "; and %zu more", json_array_size(sorted) - REASON_HITS);
		text_append_cut(&buf, &len, more, sizeof more);
	}
	if (!len)
		text_append_cut(&buf, &len, "no findings", 16);
	json_array_foreach(why_incomplete, i, note) {
		text_append_cut(&buf, &len, i ? "; " : "; incomplete: ", 16);
		text_append_cut(&buf, &len, json_string_value(note), REASON_MESSAGE_MAX);
	}
	/* Everything in buf came from valid JSON strings, cut on character boundaries. */
	json_t *out = json_string(buf);
	free(buf);
	return out ? out : json_string("(reason unavailable)");
}

static void note(json_t *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(json_t *notes, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	json_array_append_new(notes, json_string_lossy(msg, strlen(msg)));
	free(msg);
}

/* Whether any member of `a` is Python Aura analyses (source, .pth or bytecode). */
static bool has_python(const struct artifact *a)
{
	size_t i;
	json_t *f;
	json_array_foreach(a->file_list, i, f) {
		const char *kind = record_str(f, "kind");
		if (kind && (!strcmp(kind, "python") || !strcmp(kind, "pth") || !strcmp(kind, "pyc")))
			return true;
	}
	return false;
}

/* Why the scan of `a` cannot be trusted to be whole; an empty list when it can. */
static json_t *incomplete_reasons(const struct artifact *a)
{
	json_t *notes = json_array();
	if (!notes)
		aura_oom();
	if (!a->end)
		note(notes, "interrupted: no artifact_end");
	if (!a->info)
		note(notes, "no artifact record");
	if (a->bad_lines == 1)
		note(notes, "a bad input line while it was open (%s)", a->first_bad_line);
	else if (a->bad_lines > 1)
		note(notes, "%ld bad input lines while it was open (the first at %s)", a->bad_lines,
		     a->first_bad_line);
	if (json_array_size(a->errors))
		note(notes, "%zu error%s", json_array_size(a->errors),
		     json_array_size(a->errors) == 1 ? "" : "s");
	if (a->info && record_str(a->info, "ecosystem") &&
	    strcmp(record_str(a->info, "ecosystem"), "npm") == 0 && !has_python(a))
		note(notes, "not analysed: no Python source (JavaScript is not analysed yet; "
			    "install scripts are checked)");
	if (a->end) {
		if (json_is_false(json_object_get(a->end, "complete")))
			note(notes, "unpack could not read the whole artifact");
		json_int_t want = record_int(a->end, "files", -1);
		if (want >= 0 && want != a->files)
			note(notes, "artifact_end counts %ld files but %ld arrived", (long)want, a->files);
	}
	return notes;
}

/* The artifact's identity as the verdict carries it: known fields, null for the rest. */
static json_t *artifact_summary(const struct artifact *a)
{
	static const char *const keys[] = { "name", "version", "path", "sha256", "kind", "format",
					    "ecosystem" };
	json_t *o = json_object();
	if (!o)
		aura_oom();
	/* Cut like a hit's strings: SARIF repeats the package's name and id in every result. */
	json_t *id = json_string(a->id);
	if (!id)
		aura_oom();
	json_object_set_new(o, "id", string_bounded(id));
	json_decref(id);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = a->info ? json_object_get(a->info, keys[i]) : NULL;
		json_object_set_new(o, keys[i], json_is_string(v) ? string_bounded(v) : json_null());
	}
	/* The requirement line that named it (aura-fetch), for reports that point there. */
	json_t *origin = a->info ? json_object_get(a->info, "origin") : NULL;
	if (json_is_string(origin))
		json_object_set_new(o, "origin", string_bounded(origin));
	return o;
}

json_t *verdict_build(const struct artifact *a, int min_rank)
{
	long long score = hits_total_score(a->hits);
	json_t *sorted = hits_sorted(a->hits);
	json_t *notes = incomplete_reasons(a);
	json_t *shown = json_array();
	size_t i, hidden = 0;
	json_t *hit;

	if (!shown)
		aura_oom();
	json_array_foreach(sorted, i, hit) {
		if (severity_rank(record_str(hit, "severity")) >= min_rank || min_rank <= 0)
			json_array_append(shown, hit);
		else
			hidden++;
	}

	json_t *v = record_new("verdict");
	json_object_set_new(v, "artifact", artifact_summary(a));
	json_object_set_new(v, "score", json_integer(score));
	json_object_set_new(v, "risk", json_string(risk_for_score(score)));
	json_object_set_new(v, "reason", reason_text(sorted, notes));
	json_object_set_new(v, "complete", json_boolean(json_array_size(notes) == 0));
	json_object_set_new(v, "incomplete_reasons", notes);
	json_object_set(v, "errors", a->errors);
	json_object_set_new(v, "files", json_integer(a->files));
	json_object_set_new(v, "capabilities", capabilities_of(sorted));
	json_object_set_new(v, "hits", shown);
	json_object_set_new(v, "hits_hidden", json_integer((json_int_t)hidden));
	json_decref(sorted);
	return v;
}
