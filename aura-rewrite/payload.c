/* payload.c: code handed to exec/eval/compile, or to python -c, as a known constant: parsed and attached. */
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"

#include "err.h"
#include "jsonr.h"
#include "jsonw.h"
#include "marks.h"
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
	struct jsonw w;
	jw_init(&w);
	json_t *tree = NULL;
	/* A payload is small code: a short time limit keeps a crafted one from stalling us. */
	struct pyparse_limits lim = { .max_depth = PYPARSE_DEFAULT_DEPTH, .timeout_ms = 2000 };
	struct pyparse_report rep;
	if (parser && pyparse_to_json(parser, src, n, &lim, &w, &rep) == 0) {
		/* lib/jsonr, not json_loadb: a payload may nest deeper than jansson's 2048 levels. */
		struct jsonr_error err;
		tree = jsonr_parse(w.buf, w.len, &err);
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

/* The text of a str Constant word of a command list, or NULL. */
static const char *word_text(const json_t *e)
{
	return ast_is(e, AST_Constant) ? json_string_value(json_object_get(e, "value")) : NULL;
}

/* A Python interpreter: sys.executable, or a word naming one ("python3", "/usr/bin/python3.12"). */
static bool is_interpreter(const json_t *e)
{
	const char *resolved = json_string_value(json_object_get(e, "_resolved"));
	if (resolved && !strcmp(resolved, "sys.executable"))
		return true;
	const char *w = word_text(e);
	const char *base = w ? strrchr(w, '/') : NULL;
	base = base ? base + 1 : w;
	if (!base || strncmp(base, "python", 6))
		return false;
	return strspn(base + 6, "0123456789.") == strlen(base + 6);
}

/*
 * The interpreter's options before `-c` that take no value (-s, -S, -I, -E, -B, -u, ...,
 * clustered as in "-sS"); -X and -W take the next word unless it is attached ("-Xutf8").
 */
#define PYTHON_FLAGS "bBdEhiIOPqRsSuvVx3"
#define PYTHON_VALUE_OPTIONS "WX"

json_t *payload_interpreter_code(json_t *call, const char *callee)
{
	json_t *words = marks_command_words(call, callee);
	if (json_array_size(words) < 3 || !is_interpreter(json_array_get(words, 0)))
		return NULL;
	/* A shell, or another program than the first word, runs something else. */
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		const json_t *value = json_object_get(kw, "value");
		bool no_shell = ast_is(value, AST_Constant) && json_is_false(json_object_get(value, "value"));
		if (!arg || !strcmp(arg, "executable") || (!strcmp(arg, "shell") && !no_shell))
			return NULL;
	}
	for (i = 1; i + 1 < json_array_size(words); i++) {
		const char *w = word_text(json_array_get(words, i));
		/* A computed option, a script, "-" (stdin), "-m", a long option: not -c CODE. */
		if (!w || w[0] != '-' || !w[1])
			return NULL;
		for (const char *f = w + 1; *f; f++) {
			if (*f == 'c')	/* "-c CODE" or "-Sc CODE"; "-cCODE" is left alone */
				return f[1] ? NULL : json_array_get(words, i + 1);
			if (strchr(PYTHON_VALUE_OPTIONS, *f)) {
				i += !f[1];	/* the value is the next word */
				break;
			}
			if (!strchr(PYTHON_FLAGS, *f))
				return NULL;
		}
	}
	return NULL;
}
