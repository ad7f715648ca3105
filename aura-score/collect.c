/* collect.c: per-artifact accumulation of the record stream, one verdict per artifact_end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"
#include "strbuf.h"

/*
 * Few artifacts are open at once (stages preserve order, so usually one), hence a list:
 * lookups walk a handful of entries, and the list order is the order verdicts are
 * flushed in at end of input.
 */
static struct artifact *artifact_find(struct score_ctx *ctx, const char *id)
{
	for (struct artifact *a = ctx->open; a; a = a->next)
		if (strcmp(a->id, id) == 0)
			return a;
	return NULL;
}

static struct artifact *artifact_get(struct score_ctx *ctx, const char *id)
{
	struct artifact *a = artifact_find(ctx, id);
	if (a)
		return a;
	a = xmalloc(sizeof *a);
	*a = (struct artifact){
		.id = xstrdup(id),
		.hits = json_array(),
		.hit_index = json_object(),
		.errors = json_array(),
		.file_list = json_array(),
	};
	if (!a->hits || !a->hit_index || !a->errors || !a->file_list)
		aura_oom();
	struct artifact **tail = &ctx->open;
	while (*tail)
		tail = &(*tail)->next;
	*tail = a;
	return a;
}

static void artifact_free(struct artifact *a)
{
	free(a->id);
	json_decref(a->info);
	json_decref(a->hits);
	json_decref(a->hit_index);
	json_decref(a->errors);
	json_decref(a->end);
	json_decref(a->file_list);
	free(a->last_file_id);
	file_text_free(&a->last_file_text);
	free(a);
}

static void artifact_unlink(struct score_ctx *ctx, struct artifact *a)
{
	for (struct artifact **p = &ctx->open; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			return;
		}
}

static void artifact_finish(struct score_ctx *ctx, struct artifact *a)
{
	json_t *verdict = verdict_build(a, ctx->min_rank);
	ctx->emit(verdict, a, ctx);
	json_decref(verdict);
	artifact_unlink(ctx, a);
	artifact_free(a);
}

/* What diff and the database need of a member: where it is and what it holds. */
static void add_file(struct artifact *a, const json_t *rec)
{
	static const char *const keys[] = { "index", "path", "sha256", "size", "kind" };
	json_t *f = json_object();
	if (!f)
		aura_oom();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(rec, keys[i]);
		json_object_set(f, keys[i], v && !json_is_object(v) && !json_is_array(v) ? v : json_null());
	}
	json_array_append_new(a->file_list, f);
	a->files++;

	/*
	 * Keep this file's text until the next file arrives: analyze writes a file's hits right
	 * after its ast, so the hits that quote a source line follow their file record.
	 */
	free(a->last_file_id);
	a->last_file_id = record_str(rec, "id") ? xstrdup(record_str(rec, "id")) : NULL;
	file_text_keep(&a->last_file_text, rec);
}

/*
 * Line `lineno` (1-based) of `text`, without its line ending; NULL when there is none.  A
 * line longer than SOURCE_LINE_MAX is quoted as a window around byte `col` (report.c).
 */
static json_t *source_line(const char *text, size_t len, long long lineno, long long col,
			   json_t *hit)
{
	const char *p = text, *end = text + len;
	for (long long n = 1; n < lineno; n++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((eol ? eol : end) - p);
	if (n && p[n - 1] == '\r')
		n--;
	if (n > SOURCE_LINE_MAX)
		return source_window(p, n, col, hit);
	return json_stringn(p, n);
}

/* Quote the line a hit points at, when its file is the one whose text is kept. */
static void attach_source(struct artifact *a, json_t *hit)
{
	long long line = record_int(hit, "line", 0);
	const char *file = record_str(hit, "file");
	if (line <= 0 || json_object_get(hit, "source") ||
	    !file || !a->last_file_id || strcmp(file, a->last_file_id) != 0)
		return;
	const json_t *text = file_text_get(&a->last_file_text);
	if (!text)
		return;
	json_t *src = source_line(json_string_value(text), json_string_length(text), line,
				  record_int(hit, "col", 0), hit);
	if (src)
		json_object_set_new(hit, "source", src);
}

static void add_hit(struct artifact *a, const json_t *rec)
{
	/*
	 * The source line is added and secrets redacted on a shallow copy (both change only
	 * top-level strings), before anything is cut: a cut string could keep part of a secret
	 * that the redaction, seeing only the cut, would no longer find.  Then the bounded copy
	 * is what is kept (bound.c).
	 */
	json_t *whole = json_copy((json_t *)rec);
	if (!whole)
		aura_oom();
	attach_source(a, whole);
	hit_redact_secrets(whole);
	json_t *hit = hit_bounded(whole);
	json_decref(whole);

	char *key = hit_dedup_key(hit);
	json_t *idx = json_object_get(a->hit_index, key);
	if (idx) {
		/* Keep the strongest instance (earliest among equals) and count them all. */
		json_t *kept = json_array_get(a->hits, (size_t)json_integer_value(idx));
		json_int_t count = record_int(kept, "count", 1) + 1;
		if (hit_score(hit) > hit_score(kept)) {
			json_array_set(a->hits, (size_t)json_integer_value(idx), hit);
			kept = hit;
		}
		json_object_set_new(kept, "count", json_integer(count));
	} else {
		json_object_set_new(hit, "count", json_integer(1));
		json_object_set_new(a->hit_index, key, json_integer((json_int_t)json_array_size(a->hits)));
		json_array_append(a->hits, hit);
	}
	json_decref(hit);
	free(key);
}

static void add_error(struct artifact *a, const json_t *rec)
{
	json_t *e = json_object();
	if (!e)
		aura_oom();
	json_t *stage = json_object_get(rec, "stage"), *path = json_object_get(rec, "path");
	json_t *msg = json_object_get(rec, "message");
	json_object_set(e, "stage", json_is_string(stage) ? stage : json_null());
	json_object_set(e, "path", json_is_string(path) ? path : json_null());
	json_object_set_new(e, "message",
			    json_is_string(msg) ? json_incref(msg) : json_string("(no message)"));
	json_array_append_new(a->errors, e);
}

/*
 * A record with a field out of its range (lib/record.c): nothing of it is used, and the
 * artifact carries an error saying why, so its verdict is incomplete.  An artifact_end
 * still closes its artifact.
 */
static void add_malformed(struct artifact *a, struct ndjson_reader *r, const char *type,
			  const char *why)
{
	char *msg = xasprintf("%s:%lu: malformed %s record: %s", ndjson_name(r), ndjson_lineno(r),
			      type, why);
	aura_warn("%s", msg);
	json_t *e = json_object();
	if (!e)
		aura_oom();
	json_object_set_new(e, "stage", json_string(aura_progname));
	json_object_set_new(e, "path", json_null());
	json_object_set_new(e, "message", json_string_lossy(msg, strlen(msg)));
	json_array_append_new(a->errors, e);
	free(msg);
}

/*
 * A line that is not a record may have been any open artifact's record (a hit, its
 * artifact_end): none of them can be trusted to be whole.
 */
static void bad_line(struct score_ctx *ctx, struct ndjson_reader *r)
{
	for (struct artifact *a = ctx->open; a; a = a->next)
		if (a->bad_lines++ == 0)
			snprintf(a->first_bad_line, sizeof a->first_bad_line, "%s:%lu", ndjson_name(r),
				 ndjson_lineno(r));
	ctx->stream_errors++;
}

/* A record that names no artifact although its type needs one: the stream is damaged. */
static void unattributed(struct score_ctx *ctx, struct ndjson_reader *r, const char *type)
{
	aura_warn("%s:%lu: %s record without an artifact id", ndjson_name(r), ndjson_lineno(r), type);
	ctx->stream_errors++;
}

/*
 * A `reused` record: aura-fetch found this artifact's sha256 already scanned under the same
 * key; the stored verdict is reported (marked "reused"), not stored again.  One that cannot
 * be found is an error: the artifact was then not scanned at all.
 */
static void reuse_verdict(const json_t *rec, struct ndjson_reader *r, struct score_ctx *ctx)
{
	const char *sha = record_str(rec, "sha256");
	json_t *stored = ctx->reuse_db && sha ? db_reused(ctx->reuse_db, sha) : NULL;
	char why[400];
	json_t *v = stored ? verdict_bounded(stored, why, sizeof why) : NULL;
	if (v) {
		json_object_set(v, "reused", json_object_get(stored, "reused"));
		ctx->emit(v, NULL, ctx);
	} else {
		aura_warn("%s:%lu: reused artifact %s: %s", ndjson_name(r), ndjson_lineno(r),
			  sha ? sha : "(no sha256)", stored ? why : ctx->reuse_db ?
			  "no stored verdict under this key (rescan it with --rescan)" :
			  "no --db to read its verdict from");
		ctx->stream_errors++;
	}
	json_decref(v);
	json_decref(stored);
}

static void handle_record(json_t *rec, struct ndjson_reader *r, struct score_ctx *ctx)
{
	const char *type = record_str(rec, "type");
	bool is_artifact = strcmp(type, "artifact") == 0;
	if (strcmp(type, "reused") == 0) {	/* aura-fetch --db: scanned before, same key */
		reuse_verdict(rec, r, ctx);
		return;
	}
	if (!is_artifact && strcmp(type, "file") != 0 && strcmp(type, "hit") != 0 &&
	    strcmp(type, "error") != 0 && strcmp(type, "artifact_end") != 0)
		return;		/* a type with a NUL in it ("ast\u0000"): nothing to score */

	const char *id = record_str(rec, is_artifact ? "id" : "artifact");
	if (!id) {
		if (strcmp(type, "error") == 0)
			ctx->stream_errors++;	/* its producer already said it on stderr */
		else
			unattributed(ctx, r, type);
		return;
	}
	struct artifact *a = artifact_get(ctx, id);
	char why[400];
	if (!record_fields_valid(rec, why, sizeof why)) {
		add_malformed(a, r, type, why);
		if (strcmp(type, "artifact_end") == 0) {	/* it still closes the artifact */
			a->end = json_incref(rec);
			artifact_finish(ctx, a);
		}
		return;
	}
	if (is_artifact) {
		json_decref(a->info);
		a->info = json_incref(rec);
	} else if (strcmp(type, "file") == 0) {
		add_file(a, rec);
	} else if (strcmp(type, "hit") == 0) {
		add_hit(a, rec);
	} else if (strcmp(type, "error") == 0) {
		add_error(a, rec);
	} else {
		a->end = json_incref(rec);
		artifact_finish(ctx, a);
	}
}

void collect_run(struct ndjson_reader *r, struct score_ctx *ctx)
{
	/*
	 * Not records_run(): that writes an error record to stdout for a bad line, and this
	 * stage's stdout holds only verdicts (or text).  A bad line is said on stderr and
	 * counted, so it shows in the summary and the exit status.
	 */
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	while ((st = read_record(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		if (st == NDJSON_SKIPPED)
			continue;	/* ast, target, …: checked as a record, never built */
		if (st == NDJSON_BAD) {
			aura_warn("%s:%lu: %s", ndjson_name(r), ndjson_lineno(r), why);
			bad_line(ctx, r);
			continue;
		}
		handle_record(rec, r, ctx);
		json_decref(rec);
	}
}

void collect_flush(struct score_ctx *ctx)
{
	while (ctx->open)
		artifact_finish(ctx, ctx->open);
}
