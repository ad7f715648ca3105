/* parse.c: one `file` record in, the same record and its `ast` record (or an error) out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "err.h"
#include "parse.h"
#include "record.h"

const TSLanguage *tree_sitter_python(void);

void parse_ctx_init(struct parse_ctx *pc)
{
	const TSLanguage *lang = tree_sitter_python();
	pc->parser = ts_parser_new();
	/* A grammar built for another tree-sitter ABI is refused here, not at the first file. */
	if (!pc->parser || !ts_parser_set_language(pc->parser, lang))
		aura_die("cannot load the Python grammar (tree-sitter ABI %u, library accepts %u..%u)",
			 ts_language_version(lang), TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
			 TREE_SITTER_LANGUAGE_VERSION);
	ts_parser_set_timeout_micros(pc->parser, (uint64_t)pc->timeout_ms * 1000);
	convert_init(lang);
	jw_init(&pc->out);
}

void parse_ctx_free(struct parse_ctx *pc)
{
	ts_parser_delete(pc->parser);
	jw_free(&pc->out);
	convert_done();
}

static void kv_or_null(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	s ? jw_cstring(w, s) : jw_null(w);
}

static void emit_hit(const char *artifact, const char *file, const char *path, const char *detection,
		     int score, const char *severity, unsigned line, unsigned col, const char *msg)
{
	json_t *hit = hit_new(artifact, detection, score, severity, path, line, col, msg);
	if (file)
		json_object_set_new(hit, "file", json_string(file));
	out_record(hit);
	json_decref(hit);
}

/* Parse `src` and write the `ast` record, then the hits the conversion calls for. */
static void parse_source(struct parse_ctx *pc, const json_t *rec, const char *src, size_t len)
{
	const char *artifact = record_str(rec, "artifact");
	const char *file = record_str(rec, "id");
	const char *path = record_str(rec, "path");

	TSTree *tree = ts_parser_parse_string(pc->parser, NULL, src, (uint32_t)len);
	if (!tree) {
		/* Timed out (or cancelled): the parser keeps its state until reset. */
		ts_parser_reset(pc->parser);
		record_error(artifact, path, "parse timed out after %lu ms", pc->timeout_ms);
		return;
	}

	struct convert_result res;
	struct jsonw *w = &pc->out;
	jw_reset(w);
	jw_object_begin(w);
	jw_kv_cstring(w, "type", "ast");
	jw_kv_int(w, "v", 1);
	kv_or_null(w, "artifact", artifact);
	kv_or_null(w, "file", file);
	kv_or_null(w, "path", path);
	jw_key(w, "tree");
	convert_module(tree, src, len, pc->max_depth, w, &res);
	jw_object_end(w);
	ts_tree_delete(tree);
	out_raw(w->buf, w->len);

	char msg[256];
	if (res.syntax_error) {
		snprintf(msg, sizeof msg, "syntax error at line %u%s; the tree holds what parsed",
			 res.error_line, json_is_true(json_object_get(rec, "truncated")) ?
			 " (the content was truncated)" : "");
		emit_hit(artifact, file, path, "SyntaxError", 0, "info", res.error_line, res.error_col, msg);
	}
	if (res.truncated) {
		snprintf(msg, sizeof msg, "code nested deeper than %u levels at line %u was cut from the tree",
			 pc->max_depth, res.trunc_line);
		emit_hit(artifact, file, path, "DeepNesting", 20, "medium", res.trunc_line, res.trunc_col, msg);
	}
}

void parse_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	struct parse_ctx *pc = ctx;
	size_t line_len;
	const char *line = ndjson_line(r, &line_len);
	out_raw(line, line_len);	/* pass-through, byte for byte */

	const char *kind = record_str(rec, "kind");
	if (!record_is(rec, "file") || !kind || strcmp(kind, "python") != 0)
		return;

	const char *artifact = record_str(rec, "artifact");
	const char *path = record_str(rec, "path");
	size_t len = 0;
	unsigned char *content = record_get_bytes(rec, "content", &len);
	if (!content) {
		const char *enc = record_str(rec, "content_encoding");
		const json_t *c = json_object_get(rec, "content");
		/* base64 of nothing is nothing, whatever the decoder makes of it */
		if (json_is_string(c) && json_string_length(c) == 0) {
			content = xmalloc(1);
			len = 0;
		} else {
			record_error(artifact, path, "file record has %s content", c ? "undecodable" : "no");
			(void)enc;
			return;
		}
	}
	if (len > pc->max_source || len > UINT32_MAX) {
		record_error(artifact, path, "source is %zu bytes, above --max-source %zu: not parsed",
			     len, pc->max_source);
		free(content);
		return;
	}
	/* CPython's tokenizer drops a UTF-8 BOM; columns on line 1 do not count it. */
	const char *src = (const char *)content;
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		src += 3, len -= 3;
	parse_source(pc, rec, src, len);
	free(content);
}
