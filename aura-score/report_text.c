/* report_text.c: verdicts for people — one block per package, most severe hit first. */
#include <stdio.h>
#include <string.h>

#include "record.h"
#include "score.h"

/* Longest text quoted from a package on one line; evidence can be a whole minified file. */
#define SHOW_MAX	300

static const char *const level_colors[5] = {
	"\033[2m",	/* info: dim */
	"\033[36m",	/* low: cyan */
	"\033[33m",	/* medium: yellow */
	"\033[31m",	/* high: red */
	"\033[1;31m",	/* critical: bold red */
};
#define BOLD	"\033[1m"
#define RESET	"\033[0m"

static void color_on(const struct report *rep, const char *name)
{
	int rank = level_rank(name);
	if (rep->color && rank >= 0)
		fputs(level_colors[rank], stdout);
}

static void color_off(const struct report *rep)
{
	if (rep->color)
		fputs(RESET, stdout);
}

/* "name-version", else the name, else the path's last component, else the id. */
static void print_package(const json_t *art)
{
	const char *name = record_str(art, "name"), *version = record_str(art, "version");
	const char *path = record_str(art, "path");
	if (name) {
		text_escape(stdout, name, SHOW_MAX);
		if (version) {
			fputc('-', stdout);
			text_escape(stdout, version, SHOW_MAX);
		}
	} else if (path) {
		const char *slash = strrchr(path, '/');
		text_escape(stdout, slash && slash[1] ? slash + 1 : path, SHOW_MAX);
	} else {
		text_escape(stdout, record_str(art, "id") ? record_str(art, "id") : "?", 12);
	}
	if (path) {
		fputs(" (", stdout);
		text_escape(stdout, path, SHOW_MAX);
		fputc(')', stdout);
	}
}

static void print_header(const json_t *v, const struct report *rep)
{
	const char *risk = record_str(v, "risk");
	char upper[16] = "";
	for (size_t i = 0; risk && risk[i] && i < sizeof upper - 1; i++)
		upper[i] = (char)(risk[i] >= 'a' && risk[i] <= 'z' ? risk[i] - 32 : risk[i]);

	if (rep->color)
		fputs(BOLD, stdout);
	print_package(json_object_get(v, "artifact"));
	color_off(rep);
	fputs("  risk ", stdout);
	color_on(rep, risk);
	fputs(upper, stdout);
	color_off(rep);
	printf("  score %lld", (long long)record_int(v, "score", 0));
	if (json_is_false(json_object_get(v, "complete")))
		fputs("  INCOMPLETE", stdout);
	fputc('\n', stdout);
}

/* An indented line quoting the package: "      PREFIX text". */
static void print_quote(const char *prefix, const char *text)
{
	fputs("      ", stdout);
	fputs(prefix, stdout);
	text_escape(stdout, text, SHOW_MAX);
	fputc('\n', stdout);
}

/* The text without leading and trailing blanks, to compare a source line with the evidence. */
static bool same_trimmed(const char *line, const char *evidence)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return strlen(evidence) == n && strncmp(line, evidence, n) == 0;
}

static void print_quotes(const json_t *hit);

/* A hit's first line up to its place: "  [high] ShellCommand  setup.py:3:0". */
static void print_hit_head(const json_t *hit, const struct report *rep)
{
	const char *sev = record_str(hit, "severity"), *det = record_str(hit, "detection");
	const char *path = record_str(hit, "path");
	long long line = record_int(hit, "line", 0);

	fputs("  ", stdout);
	color_on(rep, sev);
	fputc('[', stdout);
	text_escape(stdout, sev ? sev : "?", 16);
	fputc(']', stdout);
	color_off(rep);
	fputc(' ', stdout);
	text_escape(stdout, det ? det : "?", SHOW_MAX);
	fputs("  ", stdout);
	text_escape(stdout, path ? path : "(artifact)", SHOW_MAX);
	if (line > 0)
		printf(":%lld:%lld", line, (long long)record_int(hit, "col", 0));
}

void report_text_hit(const json_t *hit, const struct report *rep)
{
	const char *msg = record_str(hit, "message");
	long long count = record_int(hit, "count", 1);

	print_hit_head(hit, rep);
	fputs("  ", stdout);
	text_escape(stdout, msg ? msg : "", SHOW_MAX);
	if (count > 1)
		printf("  (x%lld)", count);
	fputc('\n', stdout);
	print_quotes(hit);
}

/* Under a hit: its source line, evidence, decoded payload and what score cut from it. */
static void print_quotes(const json_t *hit)
{
	const char *evidence = record_str(hit, "evidence"), *source = record_str(hit, "source");
	const char *payload = record_str(hit, "payload");
	long long line = record_int(hit, "line", 0), col = record_int(hit, "col", 0);
	/* The line as written, then what it does once de-obfuscated, then what it decoded. */
	if (source && *source) {
		/* The column in the quote: a window (collect.c) starts past a cut mark. */
		long long from = record_int(json_object_get(hit, "source_window"), "from", 0);
		long long at = from > 0 ? col - from + CUT_MARK_LEN : col;
		printf("      %lld | ", line);
		text_escape_window(stdout, source, at > 0 ? (size_t)at : 0, SHOW_MAX);
		fputc('\n', stdout);
	}
	if (evidence && *evidence && !(source && same_trimmed(source, evidence)))
		print_quote("> ", evidence);
	if (payload && *payload)
		print_quote("decoded: ", payload);	/* bounded and escaped like every quote */
	/* What score left out of the hit's fields (bound.c), so a reader knows it is not all. */
	size_t i;
	json_t *note;
	json_array_foreach(json_object_get(hit, "cut"), i, note)
		if (json_is_string(note))
			print_quote("cut: ", json_string_value(note));
}

/* ---- --explain: how the score adds up, and each hit with its context and chain ---- */

/* "Dropper 250 from 2 hits, capped at 300; Eval 5" for saturating groups. */
static void print_group(const json_t *g, bool first)
{
	long long sum = record_int(g, "sum", 0), cap = record_int(g, "cap", 0);
	long long hits = record_int(g, "hits", 0);
	fputs(first ? "" : "; ", stdout);
	text_escape(stdout, record_str(g, "detection") ? record_str(g, "detection") : "?", 100);
	printf(" %lld", sum);
	if (hits > 1)
		printf(" from %lld hits", hits);
	if (sum > cap)
		printf(", capped at %lld", cap);
}

/* The terms of the total (model.c's score_model), one line each, with their value. */
static void print_score_terms(const json_t *why)
{
	const json_t *install = json_object_get(why, "install"), *spread = json_object_get(why, "spread");
	const json_t *files = json_object_get(why, "files");
	long long n = record_int(install, "hits", 0);
	size_t i, k;
	json_t *t, *g;
	printf("  how the score adds up: %lld\n", (long long)record_int(why, "total", 0));
	if (n)
		printf("    %+5lld  install time: %lld %s, each in full\n",
		       (long long)record_int(install, "value", 0), n, n == 1 ? "hit" : "hits");
	json_array_foreach(json_object_get(why, "strong"), i, t) {
		printf("    %+5lld  a flow or signature (at most %d x the biggest of its detection): ",
		       (long long)record_int(t, "value", 0), SATURATION_FACTOR);
		print_group(t, true);
		fputc('\n', stdout);
	}
	json_array_foreach(files, i, t) {
		if (!json_is_true(json_object_get(t, "in_full")))
			continue;
		printf("    %+5lld  the most suspicious file, ", (long long)record_int(t, "value", 0));
		text_escape(stdout, record_str(t, "path") ? record_str(t, "path") : "?", SHOW_MAX);
		fputs(": ", stdout);
		json_array_foreach(json_object_get(t, "detections"), k, g)
			print_group(g, k == 0);
		fputc('\n', stdout);
	}
	if (record_int(spread, "sum", 0))
		printf("    %+5lld  %zu other %s together (at most %lld): %lld\n",
		       (long long)record_int(spread, "value", 0), json_array_size(files) - 1,
		       json_array_size(files) == 2 ? "file" : "files",
		       (long long)record_int(spread, "cap", 0), (long long)record_int(spread, "sum", 0));
	n = record_int(why, "repeats", 0);
	if (n)
		printf("    (%lld repeated %s of the same findings counted once)\n", n,
		       n == 1 ? "sighting" : "sightings");
}

/* How a hit takes part in the total, after its score. */
static const char *term_text(const json_t *hit)
{
	const char *term = hit_term(hit);
	return !strcmp(term, "install") ? "install time, counted in full"
	       : !strcmp(term, "strong") ? "a flow or signature, counted with its detection"
	       : "counted with its file";
}

/* One hit for --explain: place, score and term, message, context and the chain behind it. */
static void explain_hit(const json_t *hit, const struct report *rep)
{
	const char *context = record_str(hit, "context");
	const json_t *flow = json_object_get(hit, "flow");
	long long count = record_int(hit, "count", 1);
	size_t i;
	json_t *tag;

	print_hit_head(hit, rep);
	printf("  score %lld, %s", hit_score(hit), term_text(hit));
	if (count > 1)
		printf("  seen %lld times, counted once", count);
	fputc('\n', stdout);
	print_quote("", record_str(hit, "message") ? record_str(hit, "message") : "");
	fputs("      context: ", stdout);
	text_escape(stdout, context ? context : "?", 32);
	json_array_foreach(json_object_get(hit, "tags"), i, tag) {
		fputs(i ? ", " : "  tags: ", stdout);
		text_escape(stdout, json_is_string(tag) ? json_string_value(tag) : "?", 64);
	}
	fputc('\n', stdout);
	/* The chain aura-analyze recorded: where the data came from, what it went through. */
	if (json_is_object(flow)) {
		const char *from = record_str(flow, "source"), *via = record_str(flow, "path");
		const char *sink = record_str(flow, "sink"), *host = record_str(flow, "host");
		fputs("      chain: ", stdout);
		text_escape(stdout, from ? from : "?", SHOW_MAX);
		if (via && *via) {
			fputs(" \xe2\x86\x92 ", stdout);	/* → */
			text_escape(stdout, via, SHOW_MAX);
		}
		fputs(" \xe2\x86\x92 ", stdout);
		text_escape(stdout, sink ? sink : "?", SHOW_MAX);
		if (host) {
			fputs("  (host ", stdout);
			text_escape(stdout, host, SHOW_MAX);
			fputc(')', stdout);
		}
		fputc('\n', stdout);
	}
	print_quotes(hit);
}

void report_text_explain(const json_t *v, const json_t *why, const struct report *rep)
{
	size_t i;
	json_t *hit;
	print_header(v, rep);
	/* A partial scan explains a partial score: say so before anything else. */
	json_array_foreach(json_object_get(v, "incomplete_reasons"), i, hit)
		print_quote("incomplete: ", json_is_string(hit) ? json_string_value(hit) : "?");
	capabilities_text(stdout, json_object_get(v, "capabilities"), "can:");
	print_score_terms(why);
	json_array_foreach(json_object_get(v, "hits"), i, hit)
		explain_hit(hit, rep);
	long long hidden = record_int(v, "hits_hidden", 0);
	if (hidden > 0)
		printf("  (%lld lower-severity %s not shown; they count above)\n", hidden,
		       hidden == 1 ? "hit" : "hits");
	fputc('\n', stdout);
}

void report_text_verdict(const json_t *v, const struct report *rep)
{
	size_t i;
	json_t *e, *hit;

	print_header(v, rep);
	fputs("  ", stdout);
	text_escape(stdout, record_str(v, "reason") ? record_str(v, "reason") : "", 4 * SHOW_MAX);
	fputc('\n', stdout);
	capabilities_text(stdout, json_object_get(v, "capabilities"), "can:");
	json_array_foreach(json_object_get(v, "errors"), i, e) {
		const char *stage = record_str(e, "stage"), *path = record_str(e, "path");
		fputs("  error: ", stdout);
		text_escape(stdout, stage ? stage : "?", SHOW_MAX);
		fputs(": ", stdout);
		if (path) {
			text_escape(stdout, path, SHOW_MAX);
			fputs(": ", stdout);
		}
		text_escape(stdout, record_str(e, "message") ? record_str(e, "message") : "", SHOW_MAX);
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(v, "hits"), i, hit)
		report_text_hit(hit, rep);
	long long hidden = record_int(v, "hits_hidden", 0);
	if (hidden > 0)
		printf("  (%lld lower-severity %s not shown)\n", hidden, hidden == 1 ? "hit" : "hits");
	fputc('\n', stdout);
}

/* "3 packages scanned: 1 high, 2 info; 0 incomplete" — levels most severe first. */
void report_text_summary(const struct report *rep, long stream_errors)
{
	printf("%ld %s scanned", rep->packages, rep->packages == 1 ? "package" : "packages");
	const char *sep = ": ";
	for (int r = 4; r >= 0; r--) {
		if (!rep->by_risk[r])
			continue;
		printf("%s%ld %s", sep, rep->by_risk[r], severity_names[r]);
		sep = ", ";
	}
	printf("; %ld incomplete", rep->incomplete);
	if (stream_errors)
		printf("; %ld stream %s", stream_errors, stream_errors == 1 ? "error" : "errors");
	fputc('\n', stdout);
}
