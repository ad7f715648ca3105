/* diff.c: what changed between two versions of a package — files, new findings, a verdict on the change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"

/*
 * A hijacked release looks like its predecessor plus a few lines; what matters is what
 * those lines do.  So the change is judged by the findings NEW has and OLD had not,
 * matched by detection, path and name (not line: an edit above a finding moves it), and
 * scored with the same model as a package.
 */

json_t *diff_side(const json_t *verdict, const struct artifact *a)
{
	json_t *files = a ? json_deep_copy(a->file_list) : json_array();
	json_t *side = json_pack("{s:O, s:o}", "verdict", verdict, "files", files);
	if (!side)
		aura_oom();
	return side;
}

/* path -> file object, first occurrence of each path. */
static json_t *files_by_path(const json_t *files)
{
	json_t *map = json_object();
	size_t i;
	json_t *f;
	if (!map)
		aura_oom();
	json_array_foreach(files, i, f) {
		const char *path = record_str(f, "path");
		if (path && !json_object_get(map, path))
			json_object_set(map, path, f);
	}
	return map;
}

static json_t *compare_files(const json_t *old_files, const json_t *new_files)
{
	json_t *old_map = files_by_path(old_files), *new_map = files_by_path(new_files);
	json_t *added = json_array(), *removed = json_array(), *modified = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(new_files, i, f) {
		const char *path = record_str(f, "path");
		json_t *was = path ? json_object_get(old_map, path) : NULL;
		if (!path || json_object_get(new_map, path) != f)
			continue;	/* a second member with the same name: compared once */
		if (!was) {
			json_array_append(added, f);
			continue;
		}
		const char *a = record_str(was, "sha256"), *b = record_str(f, "sha256");
		if (!a || !b || strcmp(a, b) != 0)
			json_array_append_new(modified, json_pack("{s:s, s:s?, s:s?}", "path", path,
								  "old_sha256", a, "new_sha256", b));
	}
	json_array_foreach(old_files, i, f) {
		const char *path = record_str(f, "path");
		if (path && json_object_get(old_map, path) == f && !json_object_get(new_map, path))
			json_array_append(removed, f);
	}
	json_decref(old_map);
	json_decref(new_map);
	json_t *out = json_pack("{s:o, s:o, s:o}", "added", added, "removed", removed, "modified", modified);
	if (!out)
		aura_oom();
	return out;
}

/* The hits of `a` whose finding does not appear among the hits of `b`. */
static json_t *hits_not_in(const json_t *a, const json_t *b)
{
	json_t *keys = json_object(), *out = json_array();
	size_t i;
	json_t *hit;
	if (!keys || !out)
		aura_oom();
	json_array_foreach(b, i, hit) {
		char *k = hit_dedup_key(hit);
		json_object_set_new(keys, k, json_true());
		free(k);
	}
	json_array_foreach(a, i, hit) {
		char *k = hit_dedup_key(hit);
		if (!json_object_get(keys, k))
			json_array_append(out, hit);
		free(k);
	}
	json_decref(keys);
	json_t *sorted = hits_sorted(out);
	json_decref(out);
	return sorted;
}

/* What a person calls this version: "1.1", else "name-1.1"'s name, else the path's last part. */
static const char *version_label(const json_t *art)
{
	const char *s = record_str(art, "version");
	if (!s)
		s = record_str(art, "name");
	if (!s) {
		s = record_str(art, "path");
		const char *slash = s ? strrchr(s, '/') : NULL;
		if (slash && slash[1])
			s = slash + 1;
	}
	return s ? s : "NEW";
}

/*
 * "new in 1.1: <message> in <path>; …", from the most severe new findings, then the
 * capabilities the new version adds and the count of gone findings.  Each message is cut
 * at a word boundary, like a verdict's reason.
 */
static json_t *change_reason(const json_t *new_hits, const json_t *gone, const json_t *added,
			     const json_t *new_art)
{
	char *buf = xstrdup(""), head[256];
	size_t len = 0, i;
	json_t *hit, *cap;
	const char *label = version_label(new_art);
	snprintf(head, sizeof head, json_array_size(new_hits) ? "new in %.200s: " : "no new findings in %.200s",
		 label);
	text_append_cut(&buf, &len, head, sizeof head);
	json_array_foreach(new_hits, i, hit) {
		if (i == REASON_HITS) {
			snprintf(head, sizeof head, "; and %zu more", json_array_size(new_hits) - i);
			text_append_cut(&buf, &len, head, sizeof head);
			break;
		}
		reason_append_hit(&buf, &len, hit, i, "?");
	}
	json_array_foreach(added, i, cap) {
		text_append_cut(&buf, &len, i ? ", " : "; adds capabilities: ", 32);
		text_append_cut(&buf, &len, record_str(cap, "id") ? record_str(cap, "id") : "?", 64);
	}
	if (json_array_size(gone)) {
		snprintf(head, sizeof head, "; %zu finding%s gone", json_array_size(gone),
			 json_array_size(gone) == 1 ? "" : "s");
		text_append_cut(&buf, &len, head, sizeof head);
	}
	/* Cut on character boundaries from valid strings; lossy only as a safeguard. */
	json_t *out = json_string_lossy(buf, len);
	free(buf);
	return out;
}

static json_t *side_summary(const json_t *v)
{
	json_t *s = json_pack("{s:O, s:O, s:O, s:O}", "artifact", json_object_get(v, "artifact"),
			      "score", json_object_get(v, "score"), "risk", json_object_get(v, "risk"),
			      "complete", json_object_get(v, "complete"));
	if (!s)
		aura_oom();
	return s;
}

json_t *diff_build(const json_t *old, const json_t *new_)
{
	const json_t *ov = json_object_get(old, "verdict"), *nv = json_object_get(new_, "verdict");
	const json_t *oh = json_object_get(ov, "hits"), *nh = json_object_get(nv, "hits");
	json_t *fresh = hits_not_in(nh, oh), *gone = hits_not_in(oh, nh);
	long long score = hits_total_score(fresh);
	/* From every hit of each side (a stored verdict may predate capabilities). */
	json_t *old_caps = capabilities_of(oh), *new_caps = capabilities_of(nh);
	json_t *caps = json_pack("{s:o, s:o}", "added", capabilities_added(old_caps, new_caps),
				 "removed", capabilities_added(new_caps, old_caps));
	if (!caps)
		aura_oom();
	json_decref(old_caps);
	json_decref(new_caps);

	json_t *d = record_new("diff");
	json_object_set_new(d, "old", side_summary(ov));
	json_object_set_new(d, "new", side_summary(nv));
	json_object_set_new(d, "score", json_integer(score));
	json_object_set_new(d, "risk", json_string(risk_for_score(score)));
	json_object_set_new(d, "reason", change_reason(fresh, gone, json_object_get(caps, "added"),
						       json_object_get(nv, "artifact")));
	json_object_set_new(d, "complete", json_boolean(json_is_true(json_object_get(ov, "complete")) &&
							json_is_true(json_object_get(nv, "complete"))));
	json_object_set_new(d, "capabilities", caps);
	json_object_set_new(d, "files", compare_files(json_object_get(old, "files"),
						      json_object_get(new_, "files")));
	json_t *hits = json_pack("{s:o, s:o}", "new", fresh, "gone", gone);
	if (!hits)
		aura_oom();
	json_object_set_new(d, "hits", hits);
	return d;
}

/* ---- text ---- */

static void print_side(const char *what, const json_t *side)
{
	const json_t *art = json_object_get(side, "artifact");
	const char *name = record_str(art, "name"), *version = record_str(art, "version");
	const char *path = record_str(art, "path");
	printf("  %s: ", what);
	text_escape(stdout, name ? name : "?", 200);
	if (version) {
		fputc(' ', stdout);
		text_escape(stdout, version, 100);
	}
	if (path) {
		fputs(" (", stdout);
		text_escape(stdout, path, 300);
		fputc(')', stdout);
	}
	printf("  risk %s  score %lld%s\n", record_str(side, "risk") ? record_str(side, "risk") : "?",
	       (long long)record_int(side, "score", 0),
	       json_is_true(json_object_get(side, "complete")) ? "" : "  INCOMPLETE");
}

static void print_files(const char *label, const char *mark, const json_t *files)
{
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		printf("    %s %-9s ", mark, label);
		text_escape(stdout, record_str(f, "path") ? record_str(f, "path") : "?", 300);
		fputc('\n', stdout);
	}
}

void diff_text(const json_t *d, const struct report *rep)
{
	const json_t *files = json_object_get(d, "files"), *hits = json_object_get(d, "hits");
	const char *risk = record_str(d, "risk");
	char upper[16] = "";
	for (size_t i = 0; risk && risk[i] && i < sizeof upper - 1; i++)
		upper[i] = (char)(risk[i] >= 'a' && risk[i] <= 'z' ? risk[i] - 32 : risk[i]);

	printf("change  risk %s  score %lld%s\n  ", upper, (long long)record_int(d, "score", 0),
	       json_is_true(json_object_get(d, "complete")) ? "" : "  INCOMPLETE");
	text_escape(stdout, record_str(d, "reason") ? record_str(d, "reason") : "", 1200);
	fputc('\n', stdout);
	print_side("old", json_object_get(d, "old"));
	print_side("new", json_object_get(d, "new"));
	printf("  files: %zu added, %zu removed, %zu modified\n",
	       json_array_size(json_object_get(files, "added")),
	       json_array_size(json_object_get(files, "removed")),
	       json_array_size(json_object_get(files, "modified")));
	print_files("added", "+", json_object_get(files, "added"));
	print_files("removed", "-", json_object_get(files, "removed"));
	print_files("modified", "~", json_object_get(files, "modified"));
	/* What the new version can do that the old could not: a hijacked release's signal. */
	const json_t *caps = json_object_get(d, "capabilities");
	printf("  capabilities: %zu added, %zu removed\n", json_array_size(json_object_get(caps, "added")),
	       json_array_size(json_object_get(caps, "removed")));
	capabilities_text(stdout, json_object_get(caps, "added"), "  + can:");
	capabilities_text(stdout, json_object_get(caps, "removed"), "  - can:");

	size_t i;
	json_t *hit;
	printf("  new findings: %zu\n", json_array_size(json_object_get(hits, "new")));
	json_array_foreach(json_object_get(hits, "new"), i, hit)
		report_text_hit(hit, rep);
	printf("  gone findings: %zu\n", json_array_size(json_object_get(hits, "gone")));
	json_array_foreach(json_object_get(hits, "gone"), i, hit)
		report_text_hit(hit, rep);
}

/* ---- the --diff flow ---- */

void diff_collect(json_t *verdict, const struct artifact *a, struct score_ctx *ctx)
{
	struct report *rep = ctx->report;
	/* Compare every finding, whatever --min-level hides from the printout. */
	json_t *whole = a && ctx->min_rank > 0 ? verdict_build(a, 0) : json_incref(verdict);
	if (rep->db && db_store(rep->db, whole, a) != 0)
		rep->db_failed = true;
	json_array_append_new(rep->diff_sides, diff_side(whole, a));
	json_decref(whole);
}

void diff_report(const json_t *old, const json_t *new_, struct report *rep, int min_rank)
{
	json_t *d = diff_build(old, new_);
	json_t *hits = json_object_get(d, "hits");
	hits_filter(json_object_get(hits, "new"), min_rank);
	hits_filter(json_object_get(hits, "gone"), min_rank);

	rep->packages++;
	if (!json_is_true(json_object_get(d, "complete")))
		rep->incomplete++;
	if (report_gate(rep, record_int(d, "score", 0), level_rank(record_str(d, "risk"))))
		rep->gate_reached = true;
	if (rep->format == FORMAT_JSON)
		out_record(d);
	else
		diff_text(d, rep);
	json_decref(d);
}
