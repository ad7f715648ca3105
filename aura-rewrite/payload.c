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

/* The text of a str Constant word of a command list, or NULL. */
static const char *word_text(const json_t *e)
{
	return ast_is(e, AST_Constant) ? json_string_value(json_object_get(e, "value")) : NULL;
}

/* A word naming a Python interpreter: "python", "python3", "/usr/bin/python3.12". */
static bool names_interpreter(const char *w)
{
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

/*
 * The index of the word holding CODE in an interpreter's command `words` (n of them,
 * words[0] the interpreter; NULL for a word whose text is not known), or 0 when the
 * command is not `-c CODE` after options this knows: a computed option, a script, "-"
 * (stdin), "-m", a long option, "-cCODE" all run something else or something unread.
 */
static size_t code_word_index(const char *const *words, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++) {
		const char *w = words[i];
		if (!w || w[0] != '-' || !w[1])
			return 0;
		for (const char *f = w + 1; *f; f++) {
			if (*f == 'c')	/* "-c CODE" or "-Sc CODE" */
				return f[1] ? 0 : i + 1;
			if (strchr(PYTHON_VALUE_OPTIONS, *f)) {
				i += !f[1];	/* the value is the next word */
				break;
			}
			if (!strchr(PYTHON_FLAGS, *f))
				return 0;
		}
	}
	return 0;
}

/* Most words of a command line looked at; a longer one is no probe of the interpreter. */
#define COMMAND_WORDS_MAX 32

/* A `shell=` keyword that is not the constant False, an `executable=`, or `**kwargs`. */
static bool has_shell_or_program(const json_t *call)
{
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		const json_t *value = json_object_get(kw, "value");
		bool no_shell = ast_is(value, AST_Constant) && json_is_false(json_object_get(value, "value"));
		if (!arg || !strcmp(arg, "executable") || (!strcmp(arg, "shell") && !no_shell))
			return true;
	}
	return false;
}

json_t *payload_interpreter_code(json_t *call, const char *callee)
{
	json_t *words = marks_command_words(call, callee);
	size_t n = json_array_size(words);
	json_t *exe = json_array_get(words, 0);
	const char *resolved = json_string_value(json_object_get(exe, "_resolved"));
	bool interpreter = (resolved && !strcmp(resolved, "sys.executable")) || names_interpreter(word_text(exe));
	/* A shell, or another program than the first word, runs something else. */
	if (n < 3 || n > COMMAND_WORDS_MAX || !interpreter || has_shell_or_program(call))
		return NULL;
	const char *text[COMMAND_WORDS_MAX];
	for (size_t i = 0; i < n; i++)
		text[i] = word_text(json_array_get(words, i));
	size_t code = code_word_index(text, n);
	return code ? json_array_get(words, code) : NULL;
}

/*
 * The words of shell text that is one simple command, quotes removed: no expansion,
 * substitution, pipe, list, redirection, glob, comment or second line, so the words are
 * what the program gets.  Returns their number, or 0.  The words point into `buf` (n + 1
 * bytes: each word, with its NUL, is no longer than the text it was read from).
 */
static size_t shell_words(const char *s, size_t n, char **words, size_t max, char *buf)
{
	size_t nw = 0, i = 0, k = 0;
	if (memchr(s, '\0', n))	/* a shell's words end at a NUL byte */
		return 0;
	while (i < n) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (nw == max)
			return 0;
		words[nw++] = buf + k;
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			char ch = s[i];
			if (ch == '\'') {	/* everything up to the next quote, as it is */
				const char *end = memchr(s + i + 1, '\'', n - i - 1);
				if (!end)
					return 0;
				memcpy(buf + k, s + i + 1, (size_t)(end - s) - i - 1);
				k += (size_t)(end - s) - i - 1;
				i = (size_t)(end - s) + 1;
			} else if (ch == '"') {	/* a backslash quotes only $ ` " \ there */
				for (i++; i < n && s[i] != '"'; i++) {
					if (s[i] == '$' || s[i] == '`')
						return 0;
					if (s[i] == '\\' && i + 1 < n && strchr("$`\"\\", s[i + 1]))
						i++;
					buf[k++] = s[i];
				}
				if (i++ == n)
					return 0;
			} else if (ch == '\\' && i + 1 < n && s[i + 1] != '\n') {
				buf[k++] = s[i + 1];
				i += 2;
			} else if (strchr("\\|&;<>()$`*?[]#~{}!\n\r", ch)) {
				return 0;
			} else {
				buf[k++] = s[i++];
			}
		}
		buf[k++] = '\0';
	}
	return nw;
}

/* Callees that hand their first argument to a shell (subprocess's with shell=True). */
static bool runs_shell_text(const json_t *call, const char *callee)
{
	static const char *const shells[] = { "os.system", "os.popen", "subprocess.getoutput",
					      "subprocess.getstatusoutput", "commands.getoutput",
					      "commands.getstatusoutput" };
	for (size_t i = 0; callee && i < sizeof shells / sizeof *shells; i++)
		if (!strcmp(callee, shells[i]))
			return true;
	if (!callee || strncmp(callee, "subprocess.", 11))
		return false;
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const json_t *value = json_object_get(kw, "value");
		if (!strcmp(json_string_value(json_object_get(kw, "arg")) ?: "", "shell") &&
		    ast_is(value, AST_Constant) && json_is_true(json_object_get(value, "value")))
			return true;
	}
	return false;
}

struct val *payload_shell_code(const json_t *call, const char *callee, const struct val *cmd)
{
	if (!cmd || cmd->kind != V_STR || !runs_shell_text(call, callee))
		return NULL;
	char *words[COMMAND_WORDS_MAX];
	char *buf = xmalloc(cmd->s.n + 1);
	size_t n = shell_words(cmd->s.p, cmd->s.n, words, COMMAND_WORDS_MAX, buf);
	size_t code = n >= 3 && names_interpreter(words[0]) ?
		      code_word_index((const char *const *)words, n) : 0;
	struct val *v = NULL;
	if (code) {
		v = val_copy(V_STR, words[code], strlen(words[code]));
		val_merge_rules(v, cmd);	/* how the command line was built */
	}
	free(buf);
	return v;
}
