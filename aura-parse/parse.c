/* parse.c: one `file` record in, the same record and its `ast` record (or an error) out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "parse.h"
#include "pyc.h"
#include "pyparse/pyparse.h"
#include "record.h"
#include "stagehits.h"
#include "strbuf.h"

void parse_ctx_init(struct parse_ctx *pc)
{
	pc->pp = pyparse_new();	/* the grammar and codecs, before sealing */
	jw_init(&pc->out);
}

void parse_ctx_free(struct parse_ctx *pc)
{
	pyparse_free(pc->pp);
	jw_free(&pc->out);
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

/*
 * Parse `src` and write the `ast` record, then the hits the conversion calls for.  `pyc`:
 * the source was recovered from that version's bytecode (pyc.c); the record says so and
 * carries the text, which is what the tree's positions refer to.
 */
static void parse_source(struct parse_ctx *pc, const json_t *rec, const char *src, size_t len,
			 const char *pyc)
{
	const char *artifact = record_str(rec, "artifact");
	const char *file = record_str(rec, "id");
	const char *path = record_str(rec, "path");

	struct pyparse_report res;
	struct pyparse_limits lim = { .max_depth = pc->max_depth, .timeout_ms = pc->timeout_ms };
	struct jsonw *w = &pc->out;
	jw_reset(w);
	jw_object_begin(w);
	jw_kv_cstring(w, "type", "ast");
	jw_kv_int(w, "v", 1);
	kv_or_null(w, "artifact", artifact);
	kv_or_null(w, "file", file);
	kv_or_null(w, "path", path);
	if (pyc) {
		jw_kv_cstring(w, "recovered_from", "pyc");
		jw_kv_cstring(w, "pyc_python", pyc);
		jw_key(w, "recovered_source");
		jw_string(w, src, len);
	}
	jw_key(w, "tree");
	pyparse_to_json(pc->pp, src, len, &lim, w, &res);
	jw_object_end(w);
	out_raw(w->buf, w->len);

	char msg[512];
	if (res.syntax_error) {
		snprintf(msg, sizeof msg, "syntax error at line %u%s; the tree holds what parsed",
			 res.error_line, json_is_true(json_object_get(rec, "truncated")) ?
			 " (the content was truncated)" : "");
		emit_hit(artifact, file, path, HIT_PARSE(SyntaxError), res.error_line, res.error_col, msg);
	}
	if (res.unsupported_encoding) {
		/* CPython decodes and runs this file; what we parsed is not what it runs */
		snprintf(msg, sizeof msg, "source encoding '%s' declared: CPython decodes the file "
			 "with it and runs it, but Aura cannot decode it exactly (read as UTF-8): "
			 "the code that runs was not analysed", res.encoding);
		/* low here: aura-analyze weighs it by context (rule UnanalysedSourceEncoding) */
		emit_hit(artifact, file, path, HIT_PARSE(UndecodableSource), 1, 0, msg);
	}
	if (res.decode_error || res.unknown_encoding || res.refused_encoding) {
		if (res.unknown_encoding)
			snprintf(msg, sizeof msg, "unknown source encoding '%s' declared: CPython refuses "
				 "the file; read as UTF-8%s",
				 res.encoding, res.decode_error ? ", with undecodable bytes" : "");
		else if (res.refused_encoding)
			snprintf(msg, sizeof msg, "source encoding '%s' declared, which CPython refuses "
				 "for this file (after a UTF-8 BOM, or UTF-16/32); read as UTF-8",
				 res.encoding);
		else
			snprintf(msg, sizeof msg, "bytes invalid in the source encoding (%s) at line %u: "
				 "CPython refuses the file; each was read as U+FFFD", res.encoding, res.decode_line);
		emit_hit(artifact, file, path, HIT_PARSE(UndecodableSource),
			 res.decode_error ? res.decode_line : 1, 0, msg);
	}
	if (res.nul_bytes) {
		snprintf(msg, sizeof msg, "NUL bytes in the source (first at line %u): CPython refuses "
			 "the file; they were read as spaces", res.nul_line);
		emit_hit(artifact, file, path, HIT_PARSE(NulBytes), res.nul_line, 0, msg);
	}
	if (res.truncated) {
		snprintf(msg, sizeof msg, "code nested too deeply at line %u was cut from the tree "
			 "(%u levels kept, --max-depth %u)", res.trunc_line, res.trunc_depth, pc->max_depth);
		emit_hit(artifact, file, path, HIT_PARSE(DeepNesting), res.trunc_line, res.trunc_col, msg);
	}
	if (res.oversize) {
		snprintf(msg, sizeof msg, "a top-level statement of %zu bytes at line %u is too big "
			 "for one parse on this stack and was left out of the tree (a Truncated "
			 "statement); the rest of the file was parsed", res.oversize_bytes, res.oversize_line);
		emit_hit(artifact, file, path, HIT_PARSE(DeepNesting), res.oversize_line, 0, msg);
	}
	if (res.overload) {
		snprintf(msg, sizeof msg, "a top-level statement at line %u nests, chains or repeats "
			 "too much for the parser (about %lu parse-stack entries; tree-sitter holds "
			 "65,535 children per node), or is indented beyond 255 columns, and was left "
			 "out of the tree (a Truncated statement); the rest of the file was parsed",
			 res.overload_line, res.overload_load);
		emit_hit(artifact, file, path, HIT_PARSE(DeepNesting), res.overload_line, 0, msg);
	}
	if (res.timed_out) {
		snprintf(msg, sizeof msg, "parsing stopped at --timeout-ms %lu: the code from line %u "
			 "on was not parsed or converted (Truncated in the tree)", pc->timeout_ms,
			 res.timeout_line);
		emit_hit(artifact, file, path, HIT_PARSE(ParseTimeout), res.timeout_line, 0, msg);
	}
}

/*
 * A .pyc: Python imports it without any source beside it, so what its code objects hold
 * (names, constants, calls, nested defs) is recovered as text and parsed like a module.
 * Malformed bytecode is a hit (CPython refuses it too, but it was shipped for a reason).
 */
static void parse_pyc(struct parse_ctx *pc, const json_t *rec, const unsigned char *p, size_t n)
{
	const char *artifact = record_str(rec, "artifact");
	const char *file = record_str(rec, "id");
	const char *path = record_str(rec, "path");
	struct pyc_report rep;
	char *text = pyc_recover(p, n, pc->max_source, &rep);
	if (text)
		parse_source(pc, rec, text, strlen(text), rep.version);
	if (!text || rep.malformed || rep.cut) {
		char *msg = xasprintf("%s%s bytecode %s: %s", rep.version[0] ? "CPython " : "",
				      rep.version[0] ? rep.version : "Python",
				      text ? "only partly recovered" : "not recovered", rep.error);
		if (rep.malformed || !text)
			emit_hit(artifact, file, path, HIT_PARSE(UnreadableBytecode), 0, 0, msg);
		else
			emit_hit(artifact, file, path, HIT_PARSE(BytecodeCut), 0, 0, msg);
		free(msg);
	}
	free(text);
}

void parse_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	struct parse_ctx *pc = ctx;
	size_t line_len;
	const char *line = ndjson_line(r, &line_len);
	out_raw(line, line_len);	/* pass-through, byte for byte */

	const char *kind = record_str(rec, "kind");
	if (!record_is(rec, "file") || !kind)
		return;
	if (!strcmp(kind, "pyc")) {
		size_t n = 0;
		unsigned char *bytes = record_get_bytes(rec, "content", &n);
		if (bytes)
			parse_pyc(pc, rec, bytes, n);
		free(bytes);
		return;
	}
	if (strcmp(kind, "python") != 0)
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
	parse_source(pc, rec, (const char *)content, len, NULL);
	free(content);
}
