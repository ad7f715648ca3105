/* installed.c: the directories a package's setup installs, repository-looking ones (utils/, tools/) included. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "detect.h"
#include "err.h"
#include "installed.h"
#include "source.h"
#include "toml.h"

/* One declaration: a listed package, or what find_packages() finds under a root. */
struct decl {
	char *root;		/* member directory the names are under ("" for the top) */
	char *name;		/* a listed package ("utils.sub"); NULL for a find */
	bool namespace;		/* find_namespace_packages(): no __init__.py needed */
	char **exclude, **include;
	size_t nexclude, ninclude;
	const char *why;	/* for the message */
};

/* Declarations followed per artifact.  Each member of a repo_paths directory is compared
 * with each of them, so a setup.py listing a million names would cost millions of
 * comparisons per hit; past the cap every directory counts as installed (its hits are
 * weighed in full), so a flood of names can only raise the score. */
#define INSTALLED_MAX_DECLS 4096

struct installed {
	struct decl *decls;
	size_t ndecls;
	bool overflow;		/* more declarations than INSTALLED_MAX_DECLS */
	json_t *inits;		/* directories holding an __init__.py: dir -> true */
	bool wheel;
};

struct installed *installed_new(void)
{
	struct installed *in = xmalloc(sizeof *in);
	*in = (struct installed){ .inits = json_object() };
	if (!in->inits)
		aura_oom();
	return in;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void installed_free(struct installed *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->ndecls; i++) {
		free(in->decls[i].root);
		free(in->decls[i].name);
		free_list(in->decls[i].exclude, in->decls[i].nexclude);
		free_list(in->decls[i].include, in->decls[i].ninclude);
	}
	free(in->decls);
	json_decref(in->inits);
	free(in);
}

void installed_note_file(struct installed *in, const char *path)
{
	if (!path)
		return;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path) : 0;
	if (!strcmp(base, "__init__.py")) {
		char *dir = xmalloc(dirlen + 1);
		memcpy(dir, path, dirlen);
		dir[dirlen] = '\0';
		json_object_set_new(in->inits, dir, json_true());
		free(dir);
	}
	/* NAME-VERSION.dist-info/WHEEL at the top: the artifact is a wheel. */
	const char *first = strchr(path, '/');
	if (first && first == slash && !strcmp(base, "WHEEL") && dirlen > 10 &&
	    !strncmp(path + dirlen - 10, ".dist-info", 10))
		in->wheel = true;
}

/* setup.py's directory joined with `sub` ("", ".", "src", "./src/"), without a trailing '/'. */
static char *root_of(const char *setup_path, const char *sub)
{
	const char *slash = strrchr(setup_path, '/');
	size_t dirlen = slash ? (size_t)(slash - setup_path) : 0;
	while (sub[0] == '.' && (sub[1] == '/' || sub[1] == '\0'))
		sub += sub[1] ? 2 : 1;
	size_t sublen = strlen(sub);
	while (sublen && sub[sublen - 1] == '/')
		sublen--;
	char *out = xmalloc(dirlen + sublen + 2);
	memcpy(out, setup_path, dirlen);
	size_t n = dirlen;
	if (sublen) {
		if (n)
			out[n++] = '/';
		memcpy(out + n, sub, sublen);
		n += sublen;
	}
	out[n] = '\0';
	return out;
}

static struct decl *add_decl(struct installed *in, char *root, const char *why)
{
	in->decls = xrealloc(in->decls, (in->ndecls + 1) * sizeof *in->decls);
	struct decl *d = &in->decls[in->ndecls++];
	*d = (struct decl){ .root = root, .why = why };
	return d;
}

void installed_note_package(struct installed *in, const char *setup_path, const char *dir,
			    const char *name)
{
	if (!setup_path || !name || !name[0])
		return;
	if (in->ndecls >= INSTALLED_MAX_DECLS) {
		in->overflow = true;
		return;
	}
	const char *base = source_base_name(setup_path);
	struct decl *d = add_decl(in, root_of(setup_path, dir ? dir : ""),
				  !strcmp(base, "setup.cfg") ? "setup.cfg's packages"
				  : !strcmp(base, "pyproject.toml") ? "pyproject.toml's [tool.setuptools] packages"
				  : "setup.py's packages=[...]");
	d->name = xstrdup(name);
}

static char **copy_list(char *const *v, size_t n)
{
	char **out = xmalloc((n ? n : 1) * sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

void installed_note_find(struct installed *in, const char *setup_path, const char *where,
			 bool namespace, char *const *exclude, size_t nexclude,
			 char *const *include, size_t ninclude)
{
	if (!setup_path)
		return;
	if (in->ndecls >= INSTALLED_MAX_DECLS) {
		in->overflow = true;
		return;
	}
	const char *base = source_base_name(setup_path);
	struct decl *d = add_decl(in, root_of(setup_path, where ? where : ""),
				  !strcmp(base, "setup.cfg") ? (namespace ? "setup.cfg's packages = find_namespace:"
								 : "setup.cfg's packages = find:")
				  : !strcmp(base, "pyproject.toml") ? "pyproject.toml's [tool.setuptools.packages.find]"
				  : namespace ? "setup.py's find_namespace_packages()"
					      : "setup.py's find_packages()");
	d->namespace = namespace;
	d->exclude = copy_list(exclude, nexclude);
	d->nexclude = nexclude;
	d->include = copy_list(include, ninclude);
	d->ninclude = ninclude;
}

static bool any_match(char *const *pats, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!fnmatch(pats[i], name, 0))
			return true;
	return false;
}

/* Does find (d) take the package in member directory `dir` (root/a/b)?  Every directory
 * from the root down is a package (find_packages() descends into packages only). */
static bool find_takes(const struct installed *in, const struct decl *d, const char *dir)
{
	size_t rootlen = strlen(d->root);
	const char *rel = dir;
	if (rootlen) {
		if (strncmp(dir, d->root, rootlen) || dir[rootlen] != '/')
			return false;
		rel = dir + rootlen + 1;
	}
	if (!rel[0])
		return false;	/* a module beside setup.py: py_modules, not a package */
	char *dotted = xstrdup(rel);
	bool ok = true;
	for (char *p = dotted;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		/* The directory dir up to here (root + rel prefix) must be a package. */
		size_t upto = (size_t)(rel - dir) + (size_t)(p - dotted);
		char *sub = xmalloc(upto + 1);
		memcpy(sub, dir, upto);
		sub[upto] = '\0';
		if (!d->namespace && !json_object_get(in->inits, sub))
			ok = false;
		free(sub);
		if (*p == '\0')
			break;
		*p = '.';
	}
	ok = ok && !strchr(rel, '.') && !any_match(d->exclude, d->nexclude, dotted) &&
	     (!d->ninclude || any_match(d->include, d->ninclude, dotted));
	free(dotted);
	return ok;
}

/* Does the listed package of d live in member directory `dir`? */
static bool list_takes(const struct decl *d, const char *dir)
{
	size_t rootlen = strlen(d->root), n = strlen(d->name);
	char *want = xmalloc(rootlen + n + 2);
	snprintf(want, rootlen + n + 2, "%s%s%s", d->root, rootlen ? "/" : "", d->name);
	for (char *p = want + rootlen; *p; p++)
		if (*p == '.')
			*p = '/';
	bool same = !strcmp(want, dir);
	free(want);
	return same;
}

const char *installed_by(const struct installed *in, const char *path)
{
	if (!in || !path)
		return NULL;
	const char *slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	if (in->wheel) {
		const char *first = strchr(path, '/');
		size_t k = (size_t)(first - path);
		bool meta = (k > 10 && !strncmp(first - 10, ".dist-info", 10)) ||
			    (k > 5 && !strncmp(first - 5, ".data", 5));
		if (!meta)
			return "the wheel, which installs every member as it lies";
	}
	if (in->overflow)
		return "more package declarations than Aura follows (every directory counts as installed)";
	char *dir = xmalloc((size_t)(slash - path) + 1);
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	const char *why = NULL;
	for (size_t i = 0; i < in->ndecls && !why; i++) {
		const struct decl *d = &in->decls[i];
		if (d->name ? list_takes(d, dir) : find_takes(in, d, dir))
			why = d->why;
	}
	free(dir);
	return why;
}

/* ---- setup.cfg ---- */

/* "key = value" (or "key =" with the value on indented lines below): the key, trimmed. */
static bool cfg_key(const char *s, char *key, size_t cap, const char **value)
{
	const char *eq = strpbrk(s, "=:");
	if (!eq)
		return false;
	size_t n = (size_t)(eq - s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || n >= cap)
		return false;
	memcpy(key, s, n);
	key[n] = '\0';
	*value = eq + 1;
	return true;
}

/* Append the words of `v` (split at commas, spaces and line ends) to a list. */
static void add_words(char ***list, size_t *n, const char *v)
{
	while (*v) {
		while (*v == ',' || *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
			v++;
		size_t k = strcspn(v, ", \t\r\n");
		if (!k)
			break;
		*list = xrealloc(*list, (*n + 1) * sizeof **list);
		char *w = xmalloc(k + 1);
		memcpy(w, v, k);
		w[k] = '\0';
		(*list)[(*n)++] = w;
		v += k;
	}
}

void installed_scan_setup_cfg(struct installed *in, const char *path, const char *text, size_t len)
{
	if (!path || strcmp(source_base_name(path), "setup.cfg"))
		return;
	/* Values of the keys read, continuation lines joined by '\n'. */
	enum { PACKAGES, PACKAGE_DIR, WHERE, EXCLUDE, INCLUDE, NKEYS };
	char *vals[NKEYS] = { NULL };
	char section[64] = "";
	int current = -1;	/* the key whose indented continuation lines follow */
	const char *p = text;
	char *line;
	while ((line = source_next_line(&p, text + len))) {
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		bool indented = s != line;
		size_t slen = strlen(s);
		while (slen && (s[slen - 1] == '\r' || s[slen - 1] == ' '))
			slen--;
		if (!*s || *s == '#' || *s == ';') {
			/* blank or comment */
		} else if (*s == '[' && !indented) {
			const char *close = strchr(s, ']');
			size_t k = close ? (size_t)(close - s - 1) : 0;
			if (k >= sizeof section)
				k = 0;
			memcpy(section, s + 1, k);
			section[k] = '\0';
			current = -1;
		} else if (indented && current >= 0) {
			size_t old = strlen(vals[current]);
			vals[current] = xrealloc(vals[current], old + slen + 2);
			snprintf(vals[current] + old, slen + 2, "\n%.*s", (int)slen, s);
		} else {
			char key[32];
			const char *v;
			current = -1;
			if (!indented && cfg_key(s, key, sizeof key, &v)) {
				bool opts = !strcmp(section, "options"), find = !strcmp(section, "options.packages.find");
				current = opts && !strcmp(key, "packages") ? PACKAGES
					  : opts && !strcmp(key, "package_dir") ? PACKAGE_DIR
					  : find && !strcmp(key, "where") ? WHERE
					  : find && !strcmp(key, "exclude") ? EXCLUDE
					  : find && !strcmp(key, "include") ? INCLUDE : -1;
				if (current >= 0) {
					while (*v == ' ' || *v == '\t')
						v++;
					free(vals[current]);
					size_t vlen = slen - (size_t)(v - s);
					vals[current] = xmalloc(vlen + 1);
					memcpy(vals[current], v, vlen);
					vals[current][vlen] = '\0';
				}
			}
		}
		free(line);
	}
	/* package_dir: "=src" (or " = src") maps the root package to src/. */
	char *pkgdir = NULL;
	for (const char *d = vals[PACKAGE_DIR]; d && *d; d += strcspn(d, "\n"), d += *d == '\n') {
		while (*d == ' ' || *d == '\t' || *d == '\n')
			d++;
		if (*d != '=')
			continue;
		d++;
		while (*d == ' ' || *d == '\t')
			d++;
		size_t k = strcspn(d, " \t\r\n");
		pkgdir = xmalloc(k + 1);
		memcpy(pkgdir, d, k);
		pkgdir[k] = '\0';
		break;
	}
	const char *pk = vals[PACKAGES];
	while (pk && (*pk == ' ' || *pk == '\n'))
		pk++;
	if (pk && (!strncmp(pk, "find:", 5) || !strncmp(pk, "find_namespace:", 15))) {
		char **ex = NULL, **inc = NULL, **where = NULL;
		size_t nex = 0, ninc = 0, nwhere = 0;
		if (vals[EXCLUDE])
			add_words(&ex, &nex, vals[EXCLUDE]);
		if (vals[INCLUDE])
			add_words(&inc, &ninc, vals[INCLUDE]);
		if (vals[WHERE])
			add_words(&where, &nwhere, vals[WHERE]);
		installed_note_find(in, path, nwhere ? where[0] : pkgdir ? pkgdir : "", pk[4] != ':',
				    ex, nex, inc, ninc);
		free_list(ex, nex);
		free_list(inc, ninc);
		free_list(where, nwhere);
	} else if (pk) {
		char **names = NULL;
		size_t n = 0;
		add_words(&names, &n, pk);
		for (size_t i = 0; i < n; i++)
			installed_note_package(in, path, pkgdir ? pkgdir : "", names[i]);
		free_list(names, n);
	}
	free(pkgdir);
	for (int k = 0; k < NKEYS; k++)
		free(vals[k]);
}

/* ---- setup.py ---- */

#define NAME_HOPS 8	/* packages=PKGS, PKGS = OTHER + [...]: names followed, at most */

/* The text of a string constant node, or NULL. */
static const char *const_text(const json_t *n)
{
	return ast_is(n, AST_Constant) ? json_string_value(json_object_get(n, "value")) : NULL;
}

/* The string constants of a list or tuple node (others skipped); n counts them. */
static char **const_list(const json_t *n, size_t *count)
{
	char **out = NULL;
	*count = 0;
	if (!ast_is(n, AST_List) && !ast_is(n, AST_Tuple))
		return NULL;
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(n, "elts"), i, e) {
		const char *t = const_text(e);
		if (!t)
			continue;
		out = xrealloc(out, (*count + 1) * sizeof *out);
		out[(*count)++] = xstrdup(t);
	}
	return out;
}

/* Argument `pos` of a call, or its keyword `kw`. */
static const json_t *call_arg(const json_t *call, size_t pos, const char *kw)
{
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(call, "keywords"), i, k) {
		const char *arg = json_string_value(json_object_get(k, "arg"));
		if (arg && !strcmp(arg, kw))
			return json_object_get(k, "value");
	}
	const json_t *a = json_array_get(json_object_get(call, "args"), pos);
	return ast_is(a, AST_Starred) ? NULL : a;
}

/* The last part of a call's callee: find_packages of setuptools.find_packages. */
static const char *callee_last(const json_t *call)
{
	const json_t *f = json_object_get(call, "func");
	return ast_is(f, AST_Name) ? json_string_value(json_object_get(f, "id"))
	       : ast_is(f, AST_Attribute) ? json_string_value(json_object_get(f, "attr")) : NULL;
}

/* The value of packages=: a list of names, find_packages(...), a sum of them, a name bound
 * to one (every binding of it counts: any may be the one setup() gets). */
static void packages_value(struct installed *in, const char *path, const char *dir,
			   const json_t *v, const json_t *bindings, int hops)
{
	if (hops > NAME_HOPS)
		return;
	if (ast_is(v, AST_List) || ast_is(v, AST_Tuple)) {
		size_t n;
		char **names = const_list(v, &n);
		for (size_t i = 0; i < n; i++)
			installed_note_package(in, path, dir, names[i]);
		free_list(names, n);
	} else if (ast_is(v, AST_BinOp)) {
		packages_value(in, path, dir, json_object_get(v, "left"), bindings, hops + 1);
		packages_value(in, path, dir, json_object_get(v, "right"), bindings, hops + 1);
	} else if (ast_is(v, AST_Name)) {
		size_t i;
		json_t *b;
		json_array_foreach(json_object_get(bindings, json_string_value(json_object_get(v, "id"))), i, b)
			packages_value(in, path, dir, b, bindings, hops + 1);
	} else if (ast_is(v, AST_Call)) {
		const char *last = callee_last(v);
		bool ns = last && !strcmp(last, "find_namespace_packages");
		if (!last || (!ns && strcmp(last, "find_packages")))
			return;
		const char *where = const_text(call_arg(v, 0, "where"));
		size_t nex, ninc;
		char **ex = const_list(call_arg(v, 1, "exclude"), &nex);
		char **inc = const_list(call_arg(v, 2, "include"), &ninc);
		installed_note_find(in, path, where ? where : dir, ns, ex, nex, inc, ninc);
		free_list(ex, nex);
		free_list(inc, ninc);
	}
}

/* package_dir={"": "src"}: the directory the root package's names are under. */
static const char *root_package_dir(const json_t *call)
{
	const json_t *d = call_arg(call, (size_t)-1, "package_dir");
	if (!ast_is(d, AST_Dict))
		return "";
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(d, "keys"), i, k) {
		const char *key = const_text(k);
		const char *val = const_text(json_array_get(json_object_get(d, "values"), i));
		if (key && !key[0] && val)
			return val;
	}
	return "";
}

void installed_scan_setup_py(struct installed *in, const char *path, const json_t *node,
			     const json_t *bindings, struct tree_guard *guard, int depth)
{
	if (!in || !path || !tree_guard_ok(guard, depth))
		return;
	if (ast_is(node, AST_Call)) {
		const json_t *pk = call_arg(node, (size_t)-1, "packages");
		if (pk)
			packages_value(in, path, root_package_dir(node), pk, bindings, 0);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		installed_scan_setup_py(in, path, child, bindings, guard, depth + 1);
}

/* ---- pyproject.toml ---- */

/* The strings of a JSON array (others skipped), malloc'd copies; n counts them. */
static char **json_strings(const json_t *a, size_t *count)
{
	char **out = NULL;
	*count = 0;
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			continue;
		out = xrealloc(out, (*count + 1) * sizeof *out);
		out[(*count)++] = xstrdup(json_string_value(v));
	}
	return out;
}

void installed_scan_pyproject(struct installed *in, const char *path, const char *text, size_t len)
{
	if (!path || strcmp(source_base_name(path), "pyproject.toml"))
		return;
	char err[256];
	json_t *doc = toml_parse(text, len, path, err, sizeof err);
	if (!doc)	/* unreadable: what it declares is not known, the default guess stays */
		return;
	const json_t *st = json_object_get(json_object_get(doc, "tool"), "setuptools");
	const json_t *pk = json_object_get(st, "packages");
	const char *dir = json_string_value(json_object_get(json_object_get(st, "package-dir"), ""));
	if (json_is_array(pk)) {
		size_t n;
		char **names = json_strings(pk, &n);
		for (size_t i = 0; i < n; i++)
			installed_note_package(in, path, dir ? dir : "", names[i]);
		free_list(names, n);
	} else if (json_is_object(json_object_get(pk, "find"))) {
		const json_t *find = json_object_get(pk, "find");
		size_t nwhere, nex, ninc;
		char **where = json_strings(json_object_get(find, "where"), &nwhere);
		char **ex = json_strings(json_object_get(find, "exclude"), &nex);
		char **inc = json_strings(json_object_get(find, "include"), &ninc);
		/* pyproject's find takes namespace packages unless told not to. */
		bool ns = !json_is_false(json_object_get(find, "namespaces"));
		if (!nwhere)
			installed_note_find(in, path, dir ? dir : "", ns, ex, nex, inc, ninc);
		for (size_t i = 0; i < nwhere; i++)
			installed_note_find(in, path, where[i], ns, ex, nex, inc, ninc);
		free_list(where, nwhere);
		free_list(ex, nex);
		free_list(inc, ninc);
	}
	json_decref(doc);
}
