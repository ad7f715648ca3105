/* marks.c: what a call or def does besides its own name, written as `_marks` and `_command`. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "err.h"
#include "marks.h"
#include "record.h"

/* A command line longer than this is cut (the strings rules scan at most 64 KiB anyway). */
#define COMMAND_MAX (64 * 1024)

static const char *str_field(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(n, key));
}

void marks_add(json_t *node, const char *name)
{
	json_t *marks = json_object_get(node, "_marks");
	if (!json_is_array(marks)) {
		marks = json_array();
		json_object_set_new(node, "_marks", marks);
	}
	size_t i;
	json_t *m;
	json_array_foreach(marks, i, m)
		if (!strcmp(json_string_value(m) ? json_string_value(m) : "", name))
			return;
	json_array_append_new(marks, json_string(name));
}

void marks_clear(json_t *node)
{
	json_object_del(node, "_marks");
	json_object_del(node, "_command");
	json_object_del(node, "_called_at_definition");
}

/* ---- process command lines ---- */

struct line {
	char *buf;
	size_t len, cap;
};

static void line_add(struct line *l, const char *p, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		l->cap = (l->len + n + 1) * 2;
		l->buf = xrealloc(l->buf, l->cap);
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/*
 * Callees whose first argument is a command line: a list of words, joined with spaces it
 * reads like the command a shell string would spell out.  Prefixes of canonical names.
 */
static bool starts_process(const char *callee)
{
	static const char *const prefixes[] = { "subprocess.", "os.exec", "os.spawn", "os.posix_spawn",
						"os.system", "os.popen", "pty.spawn",
						"asyncio.create_subprocess_" };
	for (size_t i = 0; callee && i < sizeof prefixes / sizeof *prefixes; i++)
		if (!strncmp(callee, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The text of a str Constant, or of a node rewrite computed a str `_value` for. */
static const char *node_text(const json_t *e, size_t *len)
{
	const json_t *v = ast_is(e, AST_Constant) ? json_object_get(e, "value")
						  : json_object_get(e, "_value");
	*len = json_string_length(v);
	return json_string_value(v);
}

/*
 * PowerShell's -EncodedCommand (and its prefixes -e, -en, -enc, ...; also with '/'):
 * the next word is base64 of UTF-16LE text.
 */
static bool is_encoded_flag(const char *w, size_t n)
{
	static const char full[] = "encodedcommand";
	if (n < 2 || (w[0] != '-' && w[0] != '/'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (i - 1 >= sizeof full - 1 || tolower((unsigned char)w[i]) != full[i - 1])
			return n == 3 && tolower((unsigned char)w[1]) == 'e' && tolower((unsigned char)w[2]) == 'c';
	return true;	/* -e, -en, -enc, ..., -encodedcommand (and -ec) */
}

/*
 * The text a PowerShell -EncodedCommand argument stands for: base64 of UTF-16LE, decoded
 * (non-ASCII code units become '?': the rules look for ASCII commands and hosts).  NULL
 * when the word is no such encoding.
 */
static char *powershell_decoded(const char *w, size_t n, size_t *out_len)
{
	size_t raw_len = 0;
	unsigned char *raw = n >= 8 && n % 4 == 0 ? base64_decode(w, n, &raw_len) : NULL;
	if (!raw || raw_len < 4 || raw_len % 2) {
		free(raw);
		return NULL;
	}
	char *out = xmalloc(raw_len / 2 + 1);
	size_t k = 0, zeros = 0;
	for (size_t i = 0; i + 1 < raw_len; i += 2) {
		unsigned unit = raw[i] | (unsigned)raw[i + 1] << 8;
		zeros += raw[i + 1] == 0;
		out[k++] = unit >= 0x20 && unit < 0x7f ? (char)unit : unit == '\n' || unit == '\t' ? (char)unit : '?';
	}
	out[k] = '\0';
	free(raw);
	if (zeros * 10 < k * 9) {	/* not UTF-16LE text: almost every high byte of ASCII is 0 */
		free(out);
		return NULL;
	}
	*out_len = k;
	return out;
}

json_t *marks_command_words(json_t *call, const char *callee)
{
	if (!starts_process(callee))
		return NULL;
	json_t *first = json_array_get(json_object_get(call, "args"), 0);
	if (!first) {	/* subprocess.run(args=[...]) */
		size_t i;
		json_t *kw;
		json_array_foreach(json_object_get(call, "keywords"), i, kw)
			if (!strcmp(str_field(kw, "arg") ? str_field(kw, "arg") : "", "args"))
				first = json_object_get(kw, "value");
	}
	return ast_is(first, AST_List) || ast_is(first, AST_Tuple) ? json_object_get(first, "elts") : NULL;
}

/*
 * A process call's command as one line: the words of a list argument joined with spaces,
 * each word not known as "{}" (as f-strings are matched).  An -EncodedCommand word is
 * followed by what it decodes to, after a newline.  Set as `_command` for aura-analyze's
 * string rules: ['powershell', '-w', 'hidden', ...] says nothing word by word.
 */
static void command_line(json_t *call, const char *callee)
{
	json_t *words = marks_command_words(call, callee);
	if (json_array_size(words) < 2)
		return;
	struct line line = { 0 }, decoded = { 0 };
	size_t i, known = 0;
	json_t *e;
	bool encoded_next = false;
	json_array_foreach(words, i, e) {
		size_t n = 0;
		const char *w = node_text(e, &n);
		if (i)
			line_add(&line, " ", 1);
		if (w) {
			line_add(&line, w, n);
			known++;
		} else {
			line_add(&line, "{}", 2);
		}
		size_t dn = 0;
		char *d = encoded_next && w ? powershell_decoded(w, n, &dn) : NULL;
		if (d) {
			line_add(&decoded, "\n", 1);
			line_add(&decoded, d, dn);
			free(d);
		}
		encoded_next = w && is_encoded_flag(w, n);
		if (line.len > COMMAND_MAX)
			break;
	}
	if (known >= 2) {
		if (decoded.len)
			line_add(&line, decoded.buf, decoded.len);
		size_t n = line.len < COMMAND_MAX ? line.len : COMMAND_MAX;
		while (n > 0 && n < line.len && ((unsigned char)line.buf[n] & 0xC0) == 0x80)
			n--;	/* never cut inside a UTF-8 sequence */
		json_t *text = json_stringn(line.buf, n);
		if (text)
			json_object_set_new(call, "_command", text);
	}
	free(line.buf);
	free(decoded.buf);
}

/* ---- callables handed to something that calls them ---- */

/* The keyword `name`'s value node, else positional `index` (or NULL). */
static json_t *arg_node(json_t *call, size_t index, const char *name)
{
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw)
		if (name && !strcmp(str_field(kw, "arg") ? str_field(kw, "arg") : "", name))
			return json_object_get(kw, "value");
	return index == (size_t)-1 ? NULL : json_array_get(json_object_get(call, "args"), index);
}

/*
 * Threads, timers, processes, executors and event loops call the function they are handed:
 * threading.Thread(target=os.system, args=[cmd]) runs os.system(cmd).  Which argument is
 * the function, by the last part of the callee's name.
 */
static json_t *handed_callable(json_t *call, const char *callee)
{
	const char *last = strrchr(callee, '.');
	last = last ? last + 1 : callee;
	if (!strcmp(last, "Thread") || !strcmp(last, "Process"))
		return arg_node(call, 1, "target");	/* Thread(group, target, ...) */
	if (!strcmp(last, "Timer"))
		return arg_node(call, 1, "function");
	if (!strcmp(last, "start_new_thread") || !strcmp(last, "submit") || !strcmp(last, "call_soon") ||
	    !strcmp(last, "apply_async") || !strcmp(last, "register"))
		return arg_node(call, 0, NULL);
	if (!strcmp(last, "run_in_executor") || !strcmp(last, "call_later"))
		return arg_node(call, 1, NULL);
	return NULL;
}

static void callback_marks(json_t *call, const char *callee)
{
	json_t *fn = handed_callable(call, callee);
	const char *name = str_field(fn, "_resolved");
	/* A library function (os.system, builtins.exec), not one of the file's own defs, which
	 * aura-analyze's reachability follows itself. */
	if (!name || !strchr(name, '.'))
		return;
	marks_add(call, name);
}

/* ---- writing into builtins ---- */

/*
 * setattr(builtins, NAME, value) with a NAME that is no constant: an obfuscator installing
 * its own aliases among the builtins, so that later bare names run exec or eval.  A fixed
 * name (`setattr(builtins, 'unicode', str)`) is a compatibility shim, and not marked.
 */
static void builtins_write_mark(json_t *call, const char *callee)
{
	if (strcmp(callee, "builtins.setattr"))
		return;
	json_t *target = arg_node(call, 0, NULL), *name = arg_node(call, 1, NULL);
	const char *t = str_field(target, "_resolved");
	if (!t || strcmp(t, "builtins") || !name)
		return;
	size_t n;
	if (!node_text(name, &n))
		marks_add(call, MARK_BUILTINS_WRITE);
}

/* ---- decoded values that reach exec through a def ---- */

/* A decoder by its last name part: base64.b64decode, zlib.decompress, bytes.fromhex, ... */
static bool is_decoder_call(const json_t *e)
{
	static const char *const names[] = { "b64decode", "b32decode", "b16decode", "b85decode",
					     "a85decode", "urlsafe_b64decode", "decodebytes",
					     "decodestring", "unhexlify", "a2b_base64", "a2b_hex",
					     "decompress", "fromhex" };
	const json_t *f = json_object_get(e, "func");
	const char *last = ast_is(f, AST_Attribute) ? str_field(f, "attr") : str_field(f, "id");
	for (size_t i = 0; last && i < sizeof names / sizeof *names; i++)
		if (!strcmp(last, names[i]))
			return true;
	return false;
}

/* Some call in expression `e` (bounded walk, not into lambdas) is a decoder. */
static bool has_decoder(const json_t *e, int depth)
{
	if (depth > 64 || !e)
		return false;
	if (json_is_array(e)) {
		size_t i;
		json_t *x;
		json_array_foreach(e, i, x)
			if (has_decoder(x, depth + 1))
				return true;
		return false;
	}
	if (!json_is_object(e) || ast_is(e, AST_Lambda))
		return false;
	if (ast_is(e, AST_Call) && is_decoder_call(e))
		return true;
	const char *key;
	json_t *child;
	json_object_foreach((json_t *)e, key, child)
		if (key[0] != '_' && (json_is_object(child) || json_is_array(child)) && has_decoder(child, depth + 1))
			return true;
	return false;
}

/* A def of the file whose `return` statements (its own, not nested defs') return decoded data. */
static bool returns_decoded(const json_t *def)
{
	size_t i;
	json_t *stmt;
	json_array_foreach(json_object_get(def, "body"), i, stmt)
		if (ast_is(stmt, AST_Return) && has_decoder(json_object_get(stmt, "value"), 0))
			return true;
	return false;
}

/*
 * exec(self.decode(blob)), exec(unpack(x).decode()): code run is what a def of this file
 * returns after decoding it.  The evaluator could not compute the value (a loop, a key),
 * but where it comes from is plain: marked MARK_DECODED_EXEC.
 */
static void decoded_exec_mark(json_t *call, const char *callee, const json_t *defs)
{
	if (strcmp(callee, "builtins.exec") && strcmp(callee, "builtins.eval") &&
	    strcmp(callee, "builtins.compile"))
		return;
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	/* .decode() / .encode() of it, or compile(...) of it */
	for (int hop = 0; hop < 4 && ast_is(arg, AST_Call); hop++) {
		const json_t *f = json_object_get(arg, "func");
		const char *name = ast_is(f, AST_Attribute) ? str_field(f, "attr") : str_field(f, "id");
		const json_t *def = name ? json_object_get(defs, name) : NULL;
		if (def && returns_decoded(def)) {
			marks_add(call, MARK_DECODED_EXEC);
			return;
		}
		arg = ast_is(f, AST_Attribute) ? json_object_get(f, "value") : json_array_get(json_object_get(arg, "args"), 0);
	}
}

void marks_call(json_t *call, const char *callee, const json_t *defs)
{
	if (!callee)
		return;
	command_line(call, callee);
	callback_marks(call, callee);
	builtins_write_mark(call, callee);
	decoded_exec_mark(call, callee, defs);
}

/* A class of the file that stands in for a module: it derives from types.ModuleType. */
static bool is_module_type(const json_t *classdef)
{
	size_t i;
	json_t *base;
	json_array_foreach(json_object_get(classdef, "bases"), i, base) {
		const char *r = str_field(base, "_resolved");
		const char *attr = str_field(base, "attr"), *id = str_field(base, "id");
		if ((r && strstr(r, "ModuleType")) || (attr && !strcmp(attr, "ModuleType")) ||
		    (id && !strcmp(id, "ModuleType")))
			return true;
	}
	return false;
}

/*
 * sys.modules['requests'] = Proxy('requests'): an installed module replaced, for every
 * later importer, by an instance of a class this file defines that is no module (a stand-in
 * deriving from types.ModuleType, as pygobject's for its old static bindings, is one).  A
 * key computed at run time (`sys.modules[__name__] = LazyModule(...)`) is not marked.
 */
void marks_assign(json_t *assign, const json_t *classes)
{
	const json_t *targets = json_object_get(assign, "targets");
	const json_t *t = json_array_get(targets, 0);
	if (json_array_size(targets) != 1 || !ast_is(t, AST_Subscript) ||
	    !ast_is(json_object_get(assign, "value"), AST_Call))
		return;
	const char *base = str_field(json_object_get(t, "value"), "_resolved");
	const json_t *key = json_object_get(t, "slice");
	const json_t *func = json_object_get(json_object_get(assign, "value"), "func");
	const json_t *cls = ast_is(func, AST_Name) && str_field(func, "id")
				    ? json_object_get(classes, str_field(func, "id")) : NULL;
	if (base && !strcmp(base, "sys.modules") && ast_is(key, AST_Constant) &&
	    json_is_string(json_object_get(key, "value")) && cls && !is_module_type(cls))
		marks_add(assign, MARK_MODULE_REPLACED);
}

/* ---- decorators that call what they decorate ---- */

/* `body` (a statement list, or one expression) calls the parameter `param` directly. */
static bool calls_param(const json_t *body, const char *param)
{
	if (!param)
		return false;
	if (json_is_array(body)) {
		size_t i;
		json_t *stmt;
		json_array_foreach(body, i, stmt) {
			/* f() or x = f() or return f(), in the decorator's own body. */
			const json_t *v = json_object_get(stmt, "value");
			if ((ast_is(stmt, AST_Expr) || ast_is(stmt, AST_Assign) || ast_is(stmt, AST_Return)) &&
			    calls_param(v, param))
				return true;
		}
		return false;
	}
	if (!ast_is(body, AST_Call))
		return false;
	const json_t *f = json_object_get(body, "func");
	/* f() itself, or something called on what f() returns: f().run() */
	while (ast_is(f, AST_Attribute))
		f = json_object_get(f, "value");
	if (ast_is(f, AST_Call))
		return calls_param(f, param);
	return ast_is(f, AST_Name) && !strcmp(str_field(f, "id") ? str_field(f, "id") : "", param);
}

static const char *first_param(const json_t *fn)
{
	const json_t *args = json_object_get(fn, "args");
	const json_t *a = json_array_get(json_object_get(args, "posonlyargs"), 0);
	if (!a)
		a = json_array_get(json_object_get(args, "args"), 0);
	return str_field(a, "arg");
}

bool marks_decorator_calls(const json_t *decorator, const json_t *module_defs)
{
	if (ast_is(decorator, AST_Lambda))	/* @(lambda f: f()) */
		return calls_param(json_object_get(decorator, "body"), first_param(decorator));
	if (!ast_is(decorator, AST_Name) || !json_is_object(module_defs))
		return false;
	/* @run where `def run(f): f(); return f` is a def of the module */
	const json_t *def = json_object_get(module_defs, str_field(decorator, "id") ? str_field(decorator, "id") : "");
	return def && calls_param(json_object_get(def, "body"), first_param(def));
}
