/* payload.c: code handed to exec/eval/compile as a known constant: parsed and attached. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonr.h"
#include "jsonw.h"
#include "payload.h"
#include "pyparse/pyparse.h"
#include "record.h"

/* The parser aura-parse uses (lib/pyparse/pyparse.h), created before the sandbox is entered. */
static struct pyparse *parser;

bool payload_init(void)
{
	parser = pyparse_new();
	return parser != NULL;
}

void payload_free(void)
{
	pyparse_free(parser);
	parser = NULL;
}

/* The text of the payload: str as is, bytes as UTF-8 (invalid bytes become U+FFFD). */
static json_t *source_text(const struct val *code, size_t cap)
{
	size_t n = code->s.n;
	if (n > cap) {	/* cut at a character boundary, and say so */
		n = cap;
		while (n > 0 && ((unsigned char)code->s.p[n] & 0xC0) == 0x80)
			n--;
		char *buf = xmalloc(n + sizeof "…");
		memcpy(buf, code->s.p, n);
		memcpy(buf + n, "…", sizeof "…");
		json_t *s = json_string_lossy(buf, n + sizeof "…" - 1);
		free(buf);
		return s;
	}
	return json_string_lossy(code->s.p, n);
}

void payload_detach(json_t *call)
{
	json_t *old = json_object_get(call, "_payload");
	/* Kept alive (the arena frees it with the record): releasing it would recurse. */
	json_incref(old);
	json_object_del(call, "_payload");
}

json_t *payload_parse(const char *src, size_t n)
{
	return payload_parse_checked(src, n, NULL);
}

json_t *payload_parse_checked(const char *src, size_t n, bool *clean)
{
	struct jsonw w;
	jw_init(&w);
	json_t *tree = NULL;
	if (clean)
		*clean = false;
	/* A payload is small code: a short time limit keeps a crafted one from stalling us. */
	struct pyparse_limits lim = { .max_depth = PYPARSE_DEFAULT_DEPTH, .timeout_ms = 2000 };
	struct pyparse_report rep;
	if (parser && pyparse_to_json(parser, src, n, &lim, &w, &rep) == 0) {
		/* lib/jsonr, not json_loadb: a payload may nest deeper than jansson's 2048 levels. */
		struct jsonr_error err;
		tree = jsonr_parse(w.buf, w.len, &err);
		if (clean)	/* every byte read as Python, nothing cut */
			*clean = !rep.syntax_error && !rep.truncated && !rep.timed_out && !rep.oversize &&
				 !rep.overload && !rep.nul_bytes && !rep.decode_error;
	}
	jw_free(&w);
	return tree;
}

json_t *payload_attach(json_t *call, const struct val *code, unsigned depth)
{
	(void)depth;
	json_object_set_new(call, "_payload_source", source_text(code, PAYLOAD_SOURCE_CAP));
	json_t *tree = payload_parse(code->s.p, code->s.n);
	if (json_is_object(tree)) {
		payload_detach(call);	/* an earlier run's */
		json_object_set_new(call, "_payload", tree);
		return tree;
	}
	/* Any other tree is left to the arena, like every value of the record. */
	payload_detach(call);
	return NULL;
}
