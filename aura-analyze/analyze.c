/* analyze.c: one record stream through the detections: hits after each ast, cross-file hits before each artifact_end. */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "arena.h"
#include "bundled.h"
#include "bytecode.h"
#include "deps.h"
#include "detect.h"
#include "err.h"
#include "jsonscan.h"
#include "files.h"
#include "installed.h"
#include "metadata.h"
#include "ndjson.h"
#include "npm.h"
#include "opts.h"
#include "pyproject.h"
#include "record.h"
#include "source.h"
#include "xref.h"

bool analyze_drop_ast;
bool analyze_drop_base64_content;

/* What a budget hit in code nothing runs weighs (reweigh_unshipped). */
#define UNSHIPPED_BUDGET_SCORE 2

struct analyze {
	const struct ruleset *rules;
	const struct popular *popular;
	struct source src;
	struct xref *xref;	/* the open artifact's cross-file state (xref.c) */
	struct bytecode *pyc;	/* the open artifact's .py and .pyc members (bytecode.c) */
	char *format;		/* the open artifact's format: sdist, wheel, deb (files.c) */
};

/* The artifact's cross-file hits go out before its artifact_end (score closes it there). */
static void close_artifact(struct analyze *an)
{
	bytecode_finish(an->pyc, an->rules);
	bundled_finish();	/* the ./configure runs, judged now that every member was seen */
	if (!an->xref)
		return;
	xref_finish(an->xref);
	xref_free(an->xref);
	an->xref = NULL;
}

static struct xref *xref_for(struct analyze *an, const json_t *rec)
{
	const char *id = record_str(rec, "artifact");
	return an->xref && id && !strcmp(id, xref_artifact(an->xref)) ? an->xref : NULL;
}

/*
 * A declared console script runs when the user runs the installed command: the function
 * it names (and what it calls, in any file) weighs as import-time code.
 */
static void scan_entry_points(struct analyze *an, const json_t *rec)
{
	struct xref *x = xref_for(an, rec);
	const char *path = record_str(rec, "path");
	const char *enc = record_str(rec, "content_encoding");
	const json_t *content = json_object_get(rec, "content");
	if (x && path && enc && !strcmp(enc, "utf-8") && json_is_string(content)) {
		xref_scan_entry_points(x, path, json_string_value(content),
				       json_string_length(content), CTX_COMMAND);
		installed_scan_setup_cfg(xref_installed(x), path, json_string_value(content),
					 json_string_length(content));
		installed_scan_pyproject(xref_installed(x), path, json_string_value(content),
					 json_string_length(content));
		pyproject_scan_backend(x, path, json_string_value(content), json_string_length(content));
	}
}

/*
 * The evaluator's budget hits (aura-rewrite's EvaluationBudget, DeepNesting: a range()
 * or a nest too big to follow) in test code or a repository script nothing runs weigh
 * like the rest of that code: a test building 10 MB of data is what tests do.  Elsewhere,
 * and every other stage's hit (a path traversal under tests/ is one), as they came.
 */
static bool reweigh_unshipped(const struct analyze *an, json_t *rec)
{
	const char *stage = record_str(rec, "stage"), *det = record_str(rec, "detection");
	const char *path = record_str(rec, "path");
	if (!record_is(rec, "hit") || !stage || strcmp(stage, "aura-rewrite") || !det || !path ||
	    (strcmp(det, "EvaluationBudget") && strcmp(det, "DeepNesting")) ||
	    record_int(rec, "score", 0) <= UNSHIPPED_BUDGET_SCORE)
		return false;
	bool test = rules_is_test_path(an->rules, path), repo = !test && rules_is_repo_path(an->rules, path);
	json_t *tags = json_object_get(rec, "tags");
	if ((!test && !repo) || !json_is_array(tags))
		return false;
	json_object_set_new(rec, "score", json_integer(UNSHIPPED_BUDGET_SCORE));
	json_object_set_new(rec, "severity", json_string("info"));
	json_object_set_new(rec, "context", json_string("function"));
	json_array_append_new(tags, json_string(test ? "test-code" : "not-installed"));
	return true;
}

/*
 * --drop base64-content: the line of a `file` record without its top-level "content"
 * member, written in place of the line; false when it is to be copied unchanged.  Only
 * bytes are cut, so every other member stays as it was.  The member is found by jsonscan
 * (the key decoded, top level only); it is cut only when written plainly as "content"
 * after a ',' or a '{' — a key spelled with escapes keeps its line whole (nothing is
 * lost, only not saved).
 */
static bool write_without_content(const char *line, size_t len)
{
	static struct jsonscan *scan;
	static char *buf;
	static size_t cap;
	if (!scan)
		scan = jsonscan_new();
	size_t framed = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
	struct jsonscan_field content = { .key = "content" };
	struct jsonscan_type type;
	if (jsonscan_line_fields(scan, line, framed, NULL, &type, &content, 1) != JSONSCAN_RECORD ||
	    !content.value)
		return false;
	const char *v = content.value, *vend = v + content.len, *p = v;
	while (p > line && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
		p--;
	if (p == line || p[-1] != ':')
		return false;
	p--;
	while (p > line && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
		p--;
	if (p - line < 9 || memcmp(p - 9, "\"content\"", 9) != 0)
		return false;
	const char *key = p - 9, *q = key, *cut_from, *cut_to;
	while (q > line && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r'))
		q--;
	if (q > line && q[-1] == ',') {		/* ..., "content": "…" */
		cut_from = q - 1;
		cut_to = vend;
	} else if (q > line && q[-1] == '{') {	/* { "content": "…", ... */
		const char *r = vend, *end = line + framed;
		while (r < end && (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r'))
			r++;
		if (r >= end || *r != ',')
			return false;
		cut_from = key;
		cut_to = r + 1;
	} else {
		return false;
	}
	size_t head = (size_t)(cut_from - line), tail = len - (size_t)(cut_to - line);
	if (head + tail > cap) {
		cap = head + tail;
		free(buf);
		buf = xmalloc(cap);
	}
	memcpy(buf, line, head);
	memcpy(buf + head, cut_to, tail);
	out_raw(buf, head + tail);
	return true;
}

/* A `file` record --drop base64-content applies to: its content_encoding is exactly base64. */
static bool is_base64_file(const json_t *rec)
{
	const json_t *enc = json_object_get(rec, "content_encoding");
	return record_is(rec, "file") && json_is_string(enc) && json_string_length(enc) == 6 &&
	       memcmp(json_string_value(enc), "base64", 6) == 0;
}

/* The type exactly "ast": not "ast\u0000…", which strcmp would take for it. */
static bool is_ast_record(const json_t *rec)
{
	const json_t *type = json_object_get(rec, "type");
	return json_is_string(type) && json_string_length(type) == 3 &&
	       memcmp(json_string_value(type), "ast", 3) == 0;
}

/* Copy the record just read to the output, unless a --drop option leaves it or its content out. */
static void copy_on(struct ndjson_reader *r, const json_t *rec)
{
	size_t len;
	const char *line = ndjson_line(r, &len);
	if (analyze_drop_ast && is_ast_record(rec))
		return;
	if (analyze_drop_base64_content && is_base64_file(rec) && write_without_content(line, len))
		return;
	out_raw(line, len);
}

static void on_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	struct analyze *an = ctx;
	if (record_is(rec, "artifact_end") && xref_for(an, rec))
		close_artifact(an);
	if (reweigh_unshipped(an, rec))
		out_record(rec);
	else
		copy_on(r, rec);	/* hits come after the record they are about */
	if (record_is(rec, "artifact")) {
		close_artifact(an);	/* one without its artifact_end: what it had goes now */
		an->xref = xref_new(record_str(rec, "id"));
		bundled_begin(record_str(rec, "id"));
		free(an->format);
		an->format = record_str(rec, "format") ? xstrdup(record_str(rec, "format")) : NULL;
		metadata_check_artifact(an->popular, an->rules, rec);
		npm_check_artifact(an->rules, rec);	/* npm.c: install scripts */
	} else if (record_is(rec, "file")) {
		source_keep(&an->src, rec);
		if (xref_for(an, rec))
			bytecode_note(an->pyc, rec);
		if (xref_for(an, rec))
			installed_note_file(xref_installed(an->xref), record_str(rec, "path"));
		scan_entry_points(an, rec);
		files_check(an->rules, rec, xref_for(an, rec) ? an->format : NULL);
		deps_check_file(an->rules, rec, xref_for(an, rec) ? an->format : NULL);
		bundled_note_file(an->rules, rec);
		npm_check_file(an->rules, rec);
	} else if (record_is(rec, "ast")) {
		const json_t *text = json_object_get(rec, "recovered_source");
		if (json_is_string(text))	/* a .pyc's: quote what was recovered, not its bytes */
			source_keep_text(&an->src, record_str(rec, "file"), json_string_value(text),
					 json_string_length(text));
		detect_ast(an->rules, rec, &an->src, xref_for(an, rec));
		deps_check_ast(an->rules, rec);
	}
}

/*
 * records_run, with each record's tree built in the arena and dropped with it (arena.c):
 * never json_decref'd, whose release recurses once per level of a deep tree.
 */
static void read_records(struct ndjson_reader *in, struct analyze *an)
{
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	arena_install(ARENA_WHILE_READING);
	for (;;) {
		arena_begin();
		st = ndjson_next(in, &rec, why, sizeof why);
		arena_end();
		if (st == NDJSON_EOF)
			break;
		if (st == NDJSON_BAD)
			record_error(NULL, NULL, "%s:%lu: %s", ndjson_name(in), ndjson_lineno(in), why);
		else
			on_record(rec, in, an);
		arena_reset();
	}
	arena_reset();
}

void analyze_stream(int fd, const char *name, const struct ruleset *rules, const struct popular *popular)
{
	struct analyze an = { .rules = rules, .popular = popular, .pyc = bytecode_new() };
	struct ndjson_reader *in = ndjson_open(fd, name, aura_opts.max_line);
	read_records(in, &an);
	close_artifact(&an);
	bytecode_free(an.pyc);
	free(an.format);
	ndjson_close(in);
	source_clear(&an.src);
}
