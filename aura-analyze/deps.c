/* deps.c: dependencies fetched straight from URLs, in the files pip reads them from. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "deps.h"
#include "detect.h"
#include "err.h"
#include "ndjson.h"
#include "record.h"
#include "strbuf.h"

#define TEXT_MAX 300	/* bytes of a requirement a hit names */

static const char *basename_of(const char *path)
{
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '!')
			base = p + 1;
	return base;
}

/* ASCII case-insensitive prefix (<strings.h> is shadowed here by aura-analyze/strings.h). */
static bool prefix_ci(const char *s, const char *prefix, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
			return false;
	return true;
}

static bool url_scheme(const char *s, size_t n, size_t *len)
{
	static const char *const schemes[] = { "https://", "http://", "ftp://", "file://", NULL };
	static const char *const vcs[] = { "git+", "hg+", "svn+", "bzr+", NULL };
	size_t at = 0;
	for (const char *const *v = vcs; *v; v++)
		if (n > strlen(*v) && !strncmp(s, *v, strlen(*v))) {
			at = strlen(*v);
			break;
		}
	for (const char *const *x = schemes; *x; x++) {
		size_t k = strlen(*x);
		if (n - at > k && prefix_ci(s + at, *x, k) && !isspace((unsigned char)s[at + k])) {
			*len = at + k;
			return true;
		}
	}
	/* git+ssh://, git+git:// */
	if (at && n - at > 6 && !strncmp(s + at, "ssh://", 6)) {
		*len = at + 6;
		return true;
	}
	return false;
}

/*
 * A PEP 508 direct reference at s[0, n): `name [extras] @ URL`.  Its length up to the end
 * of the URL (a marker after `;` or a space is left out), or 0.
 */
static size_t url_requirement(const char *s, size_t n)
{
	size_t i = 0;
	if (!n || !isalnum((unsigned char)s[0]))
		return 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
		i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '[') {
		while (i < n && s[i] != ']')
			i++;
		if (i++ == n)
			return 0;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	if (i >= n || s[i] != '@')
		return 0;
	i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t k;
	if (!url_scheme(s + i, n - i, &k))
		return 0;
	i += k;
	while (i < n && !isspace((unsigned char)s[i]) && s[i] != ';' && s[i] != '"' && s[i] != '\'')
		i++;
	return i;
}

struct site {
	const struct ruleset *rules;
	const json_t *file;
	const char *path;
	enum context ctx;
};

static void emit(const struct site *st, const char *fact, const char *text, size_t n, long line)
{
	const struct rule *r = rules_match(&st->rules->files, fact, false);
	if (!r || !r->applies[st->ctx])
		return;
	if (n > TEXT_MAX)
		n = TEXT_MAX;
	char *name = xmalloc(n + 1);
	memcpy(name, text, n);
	name[n] = '\0';
	static const char *const when[CTX_COUNT] = { "at install time", "at import time",
						     "in test or example code", "when the user runs the package's command" };
	struct { const char *key, *value; } subs[] = { { "{name}", name }, { "{when}", when[st->ctx] } };
	char *msg = xstrdup(r->message);
	for (size_t k = 0; k < 2; k++) {
		char *at = strstr(msg, subs[k].key);
		if (at) {
			*at = '\0';
			char *next = xasprintf("%s%s%s", msg, subs[k].value, at + strlen(subs[k].key));
			free(msg);
			msg = next;
		}
	}
	json_t *hit = rule_hit_new(r, st->ctx, r->score[st->ctx], record_str(st->file, "artifact"),
				   st->path, line, 0, record_str(st->file, "id"), name, msg);
	json_object_set_new(hit, "evidence", json_string_lossy(name, strlen(name)));
	json_array_append_new(json_object_get(hit, "tags"), json_string("dependency"));
	out_record(hit);
	json_decref(hit);
	free(name);
	free(msg);
}

/* Each quoted string of a line (TOML, cfg), or the bare line when it has none. */
static void scan_requirements(const struct site *st, const char *s, size_t n, long line)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"' && s[i] != '\'')
			continue;
		const char *end = memchr(s + i + 1, s[i], n - i - 1);
		if (!end)
			break;
		quoted = true;
		size_t len = url_requirement(s + i + 1, (size_t)(end - s - i - 1));
		if (len)
			emit(st, "requires.url", s + i + 1, len, line);
		i = (size_t)(end - s);
	}
	if (!quoted) {
		size_t len = url_requirement(s, n);
		if (len)
			emit(st, "requires.url", s, len, line);
	}
}

/* poetry: `name = { git = "URL", ... }` or `{ url = "URL" }` under a dependencies table. */
static void scan_poetry(const struct site *st, const char *s, size_t n, long line)
{
	const char *brace = memchr(s, '{', n);
	if (!brace)
		return;
	static const char *const keys[] = { "git", "url", NULL };
	for (const char *const *k = keys; *k; k++) {
		const char *p = brace;
		size_t kl = strlen(*k);
		while ((p = memchr(p, (*k)[0], (size_t)(s + n - p))) && p + kl < s + n) {
			const char *q = p + kl;
			bool word = p > s && (p[-1] == '{' || p[-1] == ' ' || p[-1] == ',');
			while (q < s + n && *q == ' ')
				q++;
			if (word && !strncmp(p, *k, kl) && q < s + n && *q == '=') {
				const char *v = q + 1;
				while (v < s + n && *v == ' ')
					v++;
				size_t k2;
				if (v < s + n && (*v == '"' || *v == '\'') &&
				    url_scheme(v + 1, (size_t)(s + n - v - 1), &k2)) {
					const char *end = memchr(v + 1, *v, (size_t)(s + n - v - 1));
					size_t keylen = 0;
					while (keylen < n && s[keylen] != ' ' && s[keylen] != '=')
						keylen++;
					char *text = xasprintf("%.*s @ %.*s", (int)keylen, s, (int)((end ? end : s + n) - v - 1), v + 1);
					emit(st, "requires.url", text, strlen(text), line);
					free(text);
					return;
				}
			}
			p++;
		}
	}
}

/*
 * The tables whose requirements an install reads: pyproject's [build-system], [project]
 * (dependencies), [project.optional-dependencies] and [tool.poetry.dependencies];
 * setup.cfg's [options] and [options.extras_require].  Not PEP 735 [dependency-groups],
 * poetry's dev groups or tox's deps: developers install those, not the package's users.
 */
static bool section_read(const char *s, size_t n, bool toml)
{
	static const char *const tables[] = { "[build-system]", "[project]",
		"[project.optional-dependencies]", "[tool.poetry.dependencies]", NULL };
	static const char *const sections[] = { "[options]", "[options.extras_require]", NULL };
	for (const char *const *t = toml ? tables : sections; *t; t++)
		if (n >= strlen(*t) && !strncmp(s, *t, strlen(*t)))
			return true;
	return false;
}

void deps_check_file(const struct ruleset *rules, const json_t *file, const char *format)
{
	const char *path = record_str(file, "path");
	const char *enc = record_str(file, "content_encoding");
	const json_t *content = json_object_get(file, "content");
	if (!path || !enc || strcmp(enc, "utf-8") || !json_is_string(content))
		return;
	const char *base = basename_of(path);
	bool cfg = !strcmp(base, "setup.cfg"), toml = !strcmp(base, "pyproject.toml");
	bool meta = !strcmp(base, "PKG-INFO") || !strcmp(base, "METADATA");
	bool requires = !strcmp(base, "requires.txt") && strstr(path, ".egg-info/");
	if (!cfg && !toml && !meta && !requires)
		return;
	/*
	 * pip reads these when it installs the package; a nested project's when it installs
	 * that.  The package's own are at its root: an archive's top directory (pkg-1.0/).
	 */
	size_t depth = 0, root = format && (!strncmp(format, "tar", 3) || !strcmp(format, "zip"));
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	struct site st = { rules, file, path, CTX_INSTALL };
	if (rules_is_test_path(rules, path) || (!requires && !meta && depth > root))
		st.ctx = CTX_FUNCTION;
	const char *text = json_string_value(content);
	size_t len = json_string_length(content);
	bool links = false, deps_table = false;
	bool read = !toml && !cfg;	/* in a table pip reads requirements from */
	long line = 0;
	for (size_t at = 0; at < len; line++) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - text - at) : len - at;
		const char *s = text + at;
		at += n + 1;
		bool indented = n && (s[0] == ' ' || s[0] == '\t');
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
			n--;
		if (!n || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			read = section_read(s, n, toml);
			deps_table = toml && read && memmem(s, n, "poetry", 6) != NULL;
			links = false;
			continue;
		}
		if (!read)
			continue;
		if (meta) {
			if (n > 14 && prefix_ci(s, "Requires-Dist:", 14))
				scan_requirements(&st, s + 14 + strspn(s + 14, " \t"), n - 14 - strspn(s + 14, " \t"), line + 1);
			continue;
		}
		if (cfg && !indented) {
			links = n > 16 && !strncmp(s, "dependency_links", 16) &&
				strspn(s + 16, " \t") + 16 < n && s[16 + strspn(s + 16, " \t")] == '=';
			if (links) {	/* `dependency_links = URL` on its own line */
				size_t eq = 16 + strspn(s + 16, " \t") + 1;
				s += eq, n -= eq;
				while (n && (*s == ' ' || *s == '\t'))
					s++, n--;
			}
		}
		size_t k;
		if (cfg && links && n && url_scheme(s, n, &k)) {
			size_t u = 0;
			while (u < n && !isspace((unsigned char)s[u]))
				u++;
			emit(&st, "dependency_links.url", s, u, line + 1);
			continue;
		}
		scan_requirements(&st, s, n, line + 1);
		if (deps_table)
			scan_poetry(&st, s, n, line + 1);
	}
}

/* The constant text of a node (a Constant, or what rewrite folded into `_value`). */
static const char *const_text(const json_t *node)
{
	const char *v = json_string_value(json_object_get(node, "_value"));
	return v ? v : json_string_value(json_object_get(node, "value"));
}

static void walk_links(const struct site *st, json_t *node, int depth, struct tree_guard *tg)
{
	if (!tree_guard_ok(tg, depth))
		return;
	if (ast_is(node, AST_keyword) && json_is_string(json_object_get(node, "arg")) &&
	    !strcmp(json_string_value(json_object_get(node, "arg")), "dependency_links")) {
		const json_t *value = json_object_get(node, "value");
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(value, "elts"), i, e) {
			const char *s = const_text(e);
			size_t k;
			if (s && url_scheme(s, strlen(s), &k))
				emit(st, "dependency_links.url", s, strlen(s),
				     (long)json_integer_value(json_object_get(e, "lineno")));
		}
		return;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
		walk_links(st, child, depth + 1, tg);
}

void deps_check_ast(const struct ruleset *rules, const json_t *ast)
{
	const char *path = record_str(ast, "path");
	if (!path || strcmp(basename_of(path), "setup.py"))
		return;
	struct site st = { rules, ast, path, rules_is_test_path(rules, path) ? CTX_FUNCTION : CTX_INSTALL };
	/*
	 * detect's guard, from this frame: this walk's frames are smaller than detect's, so a
	 * tree cut here was cut there first, and detect_ast's error record already says so.
	 */
	struct tree_guard guard = { .cut = 0 };
	ast_guard_start(&guard.guard, detect_stack_budget(), DETECT_MAX_DEPTH);
	walk_links(&st, json_object_get(ast, "tree"), 0, &guard);
}
