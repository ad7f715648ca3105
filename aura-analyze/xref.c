/* xref.c: cross-file reachability — a package's own function that install or import code calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "detect.h"
#include "err.h"
#include "installed.h"
#include "ndjson.h"
#include "record.h"
#include "source.h"
#include "xref.h"

#define TOP_DEF "<module>"	/* the pseudo-def holding a file's top-level hits */
#define VIA_MAX 300		/* bytes of the chain named in a message */

struct kept {
	char *def;		/* module.def */
	json_t *hit;
	const struct rule *r;
	bool fixed;
};

struct edge {
	char *from;		/* module.def, or NULL: top-level code of file `where` */
	char *to;		/* qualified callee */
	char *where;		/* the calling file's path (root edges) */
	enum context c;
};

/* A file that top-level code runs as code (exec of its text). */
struct run {
	char *path;		/* the member path it names */
	char *module;		/* or: the module an import names (path NULL) */
	char *from;		/* the running file's path */
	enum context c;
	json_t *fallback;	/* emitted when no member has that path */
};

struct xref {
	char *artifact;
	char *module;		/* dotted name of the current file */
	char *path;
	bool is_init;
	json_t *aliases;	/* local name -> qualified name, current file */
	json_t *paths;		/* every file seen: path -> its module name */
	struct kept *hits;
	size_t nhits, caphits;
	struct edge *edges;
	size_t nedges, capedges;
	struct run *runs;
	size_t nruns;
	struct installed *installed;	/* what the setup installs (installed.c) */
};

struct xref *xref_new(const char *artifact)
{
	struct xref *x = xmalloc(sizeof *x);
	*x = (struct xref){ .artifact = xstrdup(artifact ? artifact : ""), .aliases = json_object(),
			    .paths = json_object(), .installed = installed_new() };
	if (!x->aliases || !x->paths)
		aura_oom();
	return x;
}

void xref_free(struct xref *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nhits; i++) {
		free(x->hits[i].def);
		json_decref(x->hits[i].hit);
	}
	for (size_t i = 0; i < x->nedges; i++) {
		free(x->edges[i].from);
		free(x->edges[i].to);
		free(x->edges[i].where);
	}
	for (size_t i = 0; i < x->nruns; i++) {
		free(x->runs[i].path);
		free(x->runs[i].module);
		free(x->runs[i].from);
		json_decref(x->runs[i].fallback);
	}
	free(x->runs);
	installed_free(x->installed);
	free(x->hits);
	free(x->edges);
	json_decref(x->aliases);
	json_decref(x->paths);
	free(x->module);
	free(x->path);
	free(x->artifact);
	free(x);
}

const char *xref_artifact(const struct xref *x)
{
	return x->artifact;
}

struct installed *xref_installed(struct xref *x)
{
	return x->installed;
}

static char *join(const char *a, const char *b)
{
	char *out = xmalloc(strlen(a) + strlen(b) + 2);
	sprintf(out, "%s%s%s", a, a[0] && b[0] ? "." : "", b);
	return out;
}

/* "pkg-1.0/src/pkg/mod.py" -> "pkg-1.0.src.pkg.mod"; "pkg/__init__.py" -> "pkg". */
static char *module_of(const char *path, bool *is_init)
{
	char *m = xstrdup(path);
	size_t n = strlen(m);
	if (n > 3 && !strcmp(m + n - 3, ".py"))
		m[n -= 3] = '\0';
	*is_init = n >= 9 && !strcmp(m + n - 8, "__init__") && (n == 8 || m[n - 9] == '/');
	if (*is_init)
		m[n >= 9 ? n - 9 : 0] = '\0';
	for (char *p = m; *p; p++)
		if (*p == '/' || *p == '!')
			*p = '.';
	return m;
}

static void parent(char *m)
{
	char *dot = strrchr(m, '.');
	if (dot)
		*dot = '\0';
	else
		m[0] = '\0';
}

/* `from .mod import f as g` anywhere in the file: g means pkg.mod.f. */
static void collect_aliases(struct xref *x, const json_t *node, struct tree_guard *guard,
			    int depth)
{
	if (!tree_guard_ok(guard, depth))
		return;
	if (ast_is(node, AST_ImportFrom)) {
		json_int_t level = json_integer_value(json_object_get(node, "level"));
		const char *mod = json_string_value(json_object_get(node, "module"));
		char *base;
		if (level > 0) {
			base = xstrdup(x->module);
			if (!x->is_init)
				parent(base);
			for (json_int_t l = 1; l < level && l < 64; l++)
				parent(base);
			char *b = join(base, mod ? mod : "");
			free(base);
			base = b;
		} else {
			base = xstrdup(mod ? mod : "");
		}
		size_t i;
		json_t *alias;
		json_array_foreach(json_object_get(node, "names"), i, alias) {
			const char *name = json_string_value(json_object_get(alias, "name"));
			const char *as = json_string_value(json_object_get(alias, "asname"));
			if (!name || !strcmp(name, "*"))
				continue;
			char *q = join(base, name);
			json_object_set_new(x->aliases, as ? as : name, json_string(q));
			free(q);
		}
		free(base);
		return;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		collect_aliases(x, child, guard, depth + 1);
}

void xref_begin_file(struct xref *x, const char *path, const json_t *tree, struct tree_guard *guard)
{
	free(x->module);
	free(x->path);
	x->path = xstrdup(path ? path : "");
	x->module = module_of(x->path, &x->is_init);
	json_object_set_new(x->paths, x->path, json_string(x->module));
	json_object_clear(x->aliases);
	collect_aliases(x, tree, guard, 0);
}

/* The callee as a dotted name in the package: local aliases and same-file defs expanded. */
static char *qualify(const struct xref *x, const char *callee, bool resolved)
{
	if (resolved)	/* aura-rewrite's canonical name: already absolute */
		return xstrdup(callee);
	const char *dot = strchr(callee, '.');
	size_t head = dot ? (size_t)(dot - callee) : strlen(callee);
	char *first = xmalloc(head + 1);
	memcpy(first, callee, head);
	first[head] = '\0';
	const char *alias = json_string_value(json_object_get(x->aliases, first));
	free(first);
	if (alias)
		return join(alias, dot ? dot + 1 : "");
	return dot ? xstrdup(callee) : join(x->module, callee);
}

static void add_edge(struct xref *x, char *from, char *to, const char *where, enum context c)
{
	if (x->nedges == x->capedges) {
		x->capedges = x->capedges ? 2 * x->capedges : 256;
		x->edges = xrealloc(x->edges, x->capedges * sizeof *x->edges);
	}
	x->edges[x->nedges++] = (struct edge){ .from = from, .to = to, .c = c,
					       .where = from ? NULL : xstrdup(where) };
}

void xref_note_call(struct xref *x, const char *callee, bool resolved, const char *def,
		    enum context c)
{
	if (!callee || !x->module || !strncmp(callee, "builtins.", 9))
		return;
	add_edge(x, def ? join(x->module, def) : NULL, qualify(x, callee, resolved), x->path, c);
}

void xref_note_entry(struct xref *x, const char *target, enum context c)
{
	xref_note_root(x, target, "a console script", c);
}



void xref_note_root(struct xref *x, const char *target, const char *where, enum context c)
{
	char *buf = xmalloc(strlen(target) + 1);
	size_t n = 0;
	for (const char *p = target; *p; p++)
		if (*p != ' ' && *p != '\t')	/* "pkg.mod : func [extra]": spaces are layout */
			buf[n++] = *p == ':' ? '.' : *p;
	buf[n] = '\0';
	char *bracket = strchr(buf, '[');
	if (bracket)
		*bracket = '\0';
	if (buf[0] && strchr(buf, '.'))
		add_edge(x, NULL, xstrdup(buf), where, c);
	free(buf);
}

void xref_keep_hit(struct xref *x, const char *def, const struct rule *r, bool fixed,
		   const json_t *hit)
{
	if (!def || !x->module)
		return;
	json_t *copy = json_deep_copy(hit);
	if (!copy)
		aura_oom();
	if (x->nhits == x->caphits) {
		x->caphits = x->caphits ? 2 * x->caphits : 256;
		x->hits = xrealloc(x->hits, x->caphits * sizeof *x->hits);
	}
	x->hits[x->nhits++] = (struct kept){ .def = join(x->module, def), .hit = copy, .r = r,
					     .fixed = fixed };
}

void xref_keep_top_hit(struct xref *x, const struct rule *r, bool fixed, const json_t *hit)
{
	/* Keyed by path, not module name: a run file is named by its path. */
	if (!x->path)
		return;
	char *key = xmalloc(strlen(x->path) + sizeof TOP_DEF + 1);
	sprintf(key, "%s/%s", x->path, TOP_DEF);
	char *module = x->module;
	x->module = (char *)"";
	xref_keep_hit(x, key, r, fixed, hit);
	x->module = module;
	free(key);
}

/* dir/./a/../b.py -> dir/b.py; NULL when ".." climbs out of the artifact. */
static char *normalise_path(const char *dir, const char *rel)
{
	char *joined = xmalloc(strlen(dir) + strlen(rel) + 2);
	sprintf(joined, "%s%s%s", dir, dir[0] ? "/" : "", rel);
	char *out = xmalloc(strlen(joined) + 1);
	size_t n = 0;
	for (char *part = joined, *next; part; part = next) {
		next = strchr(part, '/');
		if (next)
			*next++ = '\0';
		if (!part[0] || !strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			if (!n) {
				free(joined);
				free(out);
				return NULL;
			}
			while (n && out[n - 1] != '/')
				n--;
			if (n)
				n--;
			continue;
		}
		n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", part);
	}
	out[n] = '\0';
	free(joined);
	return out;
}

void xref_note_run_file(struct xref *x, const char *relpath, enum context c, const json_t *fallback)
{
	if (!x->path)
		return;
	char *dir = xstrdup(x->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	char *path = relpath[0] == '/' ? NULL : normalise_path(dir, relpath);
	free(dir);
	x->runs = xrealloc(x->runs, (x->nruns + 1) * sizeof *x->runs);
	x->runs[x->nruns++] = (struct run){ .path = path, .from = xstrdup(x->path), .c = c,
					    .fallback = fallback ? json_deep_copy(fallback) : NULL };
}

void xref_note_backend(struct xref *x, const char *path, const char *dir, const char *module)
{
	/* pyproject.toml's directory + the backend-path entry + the module as a path */
	char *base = xstrdup(path);
	char *slash = strrchr(base, '/');
	if (slash)
		*slash = '\0';
	else
		base[0] = '\0';
	char *rel = xmalloc(strlen(dir) + strlen(module) + sizeof "/__init__.py" + 1);
	sprintf(rel, "%s/%s", dir, module);
	for (char *p = rel + strlen(dir) + 1; *p; p++)
		if (*p == '.')
			*p = '/';
	size_t n = strlen(rel);
	static const char *const tails[] = { ".py", "/__init__.py" };
	for (size_t t = 0; t < 2; t++) {	/* a module, or a package */
		strcpy(rel + n, tails[t]);
		char *file = normalise_path(base, rel);
		x->runs = xrealloc(x->runs, (x->nruns + 1) * sizeof *x->runs);
		x->runs[x->nruns++] = (struct run){ .path = file, .from = xstrdup(path), .c = CTX_INSTALL };
	}
	free(rel);
	free(base);
}

void xref_note_import(struct xref *x, const char *module, enum context c)
{
	/* What an import can raise: anything imported at install time; a package's
	 * __main__.py (command code) imported at import time. */
	const char *last = module ? strrchr(module, '.') : NULL;
	bool main_module = module && !strcmp(last ? last + 1 : module, "__main__");
	if (!x->path || !module || !(c == CTX_INSTALL || (c == CTX_IMPORT && main_module)))
		return;
	x->runs = xrealloc(x->runs, (x->nruns + 1) * sizeof *x->runs);
	x->runs[x->nruns++] = (struct run){ .module = xstrdup(module), .from = xstrdup(x->path), .c = c };
}

/* `a` names `b` when they are equal or one ends with "." + the other (an sdist's root
 * directory or src/ is not part of the import name). */
static bool names_match(const char *key, const char *q)
{
	size_t kl = strlen(key), ql = strlen(q);
	if (kl == ql)
		return !strcmp(key, q);
	const char *longer = kl > ql ? key : q, *shorter = kl > ql ? q : key;
	size_t ll = kl > ql ? kl : ql, sl = kl > ql ? ql : kl;
	return strchr(shorter, '.') && longer[ll - sl - 1] == '.' && !strcmp(longer + ll - sl, shorter);
}

static const char *when_text(enum context c)
{
	return c == CTX_INSTALL ? "at install time" : c == CTX_IMPORT ? "at import time"
	       : c == CTX_FUNCTION ? "inside a function" : "when the user runs the package's command";
}

static bool has_tag(const json_t *hit, const char *tag)
{
	size_t i;
	json_t *t;
	json_array_foreach(json_object_get(hit, "tags"), i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), tag))
			return true;
	return false;
}

/* The kept hit, now in context c: its rule's score for c, the tags, and `via`: the chain
 * that reaches it, or (installed_by: not `reached`) what installs the file it is in. */
static void emit_in(const struct kept *k, enum context c, const char *via, bool reached)
{
	if (!k->r->applies[c])
		return;
	json_t *hit = json_deep_copy(k->hit);
	if (!hit)
		aura_oom();
	/* A constant build-tool command or a system library stays one wherever it runs. */
	bool tool = has_tag(k->hit, "build-tool") && k->r->has_build_tool[c];
	bool syslib = has_tag(k->hit, "system-library") && k->r->has_system_library[c];
	/* So does a credential sent to its own service, a verified or opted-in download. */
	bool own = has_tag(k->hit, "own-service") && k->r->has_own_service[c];
	bool verified = has_tag(k->hit, "verified") && k->r->has_verified[c];
	bool opt_in = has_tag(k->hit, "opt-in") && k->r->has_opt_in[c];
	bool unpacked = has_tag(k->hit, "extracted") && k->r->has_extracted[c];
	/* Code run that is known (a lookup, a template sample): its own hits are kept too. */
	bool lookup = has_tag(k->hit, "lookup") && k->r->has_lookup[c];
	bool templ = has_tag(k->hit, "template") && k->r->has_template_sample[c];
	int score = lookup ? k->r->lookup[c] : templ ? k->r->template_sample[c]
		    : own ? k->r->own_service[c] : verified ? k->r->verified[c]
		    : opt_in ? k->r->opt_in[c] : unpacked ? k->r->extracted[c]
		    : k->fixed && k->r->has_fixed_host[c] ? k->r->fixed_host[c]
		    : tool ? k->r->build_tool[c] : syslib ? k->r->system_library[c] : k->r->score[c];
	json_object_set_new(hit, "score", json_integer(score));
	json_object_set_new(hit, "severity", json_string(context_severity(k->r->severity, score)));
	json_object_set_new(hit, "context", json_string(context_names[c]));
	const char *msg = json_string_value(json_object_get(hit, "message"));
	/* The kept hit says where it was found; the copy says where it runs. */
	static const char *const was[] = { "inside a function", "at import time",
					   "in code the package does not install",
					   "when the user runs the package's command" };
	const char *in = NULL, *said = NULL;
	for (size_t i = 0; msg && !in && i < sizeof was / sizeof *was; i++)
		in = strstr(msg, said = was[i]);
	size_t cap = (msg ? strlen(msg) : 0) + strlen(via) + 64;
	char *m = xmalloc(cap);
	const char *how = reached ? "reached through" : "installed by";
	if (in)
		snprintf(m, cap, "%.*s%s%s (%s %s)", (int)(in - msg), msg, when_text(c),
			 in + strlen(said), how, via);
	else
		snprintf(m, cap, "%s (%s %s)", msg ? msg : "", how, via);
	json_object_set_new(hit, "message", json_string(m));
	free(m);
	json_t *tags = json_object_get(hit, "tags");
	if (reached) {
		char tag[32];
		snprintf(tag, sizeof tag, "%s-time", context_names[c]);
		json_array_append_new(tags, json_string(tag));
		json_array_append_new(tags, json_string("reachable"));
		json_array_append_new(tags, json_string("cross-file"));
	} else {	/* not-installed was the guess from the directory's name */
		for (size_t i = json_array_size(tags); i-- > 0;) {
			const char *t = json_string_value(json_array_get(tags, i));
			if (t && !strcmp(t, "not-installed"))
				json_array_remove(tags, i);
		}
		json_array_append_new(tags, json_string("installed"));
		if (c == CTX_IMPORT)
			json_array_append_new(tags, json_string("import-time"));
	}
	out_record(hit);
	json_decref(hit);
}

static void emit_upgraded(const struct kept *k, enum context c, const char *via)
{
	emit_in(k, c, via, true);
}

/*
 * Hits of a repo_paths directory (utils/, tools/: weighed as code the package does not
 * install) in a directory the setup does install (installed.c): again, weighed as the
 * package's code — inside a function, or at import time for a module's top level.
 */
static void emit_installed(struct xref *x)
{
	for (size_t i = 0; i < x->nhits; i++) {
		const struct kept *k = &x->hits[i];
		if (!has_tag(k->hit, "not-installed"))
			continue;
		const char *by = installed_by(x->installed, json_string_value(json_object_get(k->hit, "path")));
		if (!by)
			continue;
		size_t n = strlen(k->def);
		bool top = n >= sizeof TOP_DEF && !strcmp(k->def + n - (sizeof TOP_DEF - 1), TOP_DEF) &&
			   k->def[n - sizeof TOP_DEF] == '/';
		emit_in(k, top ? CTX_IMPORT : CTX_FUNCTION, by, false);
	}
}

/* The defs (module.def) the package has something about: kept hits or outgoing calls. */
struct node {
	const char *key;
	bool visited;
	char *via;
};

static size_t node_index(json_t *index, struct node **nodes, size_t *n, const char *key)
{
	json_t *v = json_object_get(index, key);
	if (v)
		return (size_t)json_integer_value(v);
	*nodes = xrealloc(*nodes, (*n + 1) * sizeof **nodes);
	(*nodes)[*n] = (struct node){ .key = key };
	json_object_set_new(index, key, json_integer((json_int_t)*n));
	return (*n)++;
}

static char *chain(const char *via, const char *key)
{
	const char *shortname = key;	/* the last two parts: mod.func */
	const char *last = strrchr(key, '.');
	if (last) {
		for (const char *p = last - 1; p > key; p--)
			if (*p == '.') {
				shortname = p + 1;
				break;
			}
	}
	size_t n = strlen(via) + strlen(shortname) + 16;
	char *out = xmalloc(n);
	if (strlen(via) > VIA_MAX)
		snprintf(out, n, "%s", via);
	else
		snprintf(out, n, "%s → %s()", via, shortname);
	return out;
}

/* The last dotted part of a name: what an index of candidates is keyed by. */
static const char *last_part(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? dot + 1 : name;
}

static void index_push(json_t *index, const char *key, size_t i)
{
	json_t *list = json_object_get(index, key);
	if (!list) {
		list = json_array();
		json_object_set_new(index, key, list);
	}
	json_array_append_new(list, json_integer((json_int_t)i));
}

struct walkq {
	struct node *nodes;
	json_t *by_last;	/* a def's name -> [node index...] */
	size_t *work;
	enum context *wctx;
	size_t nwork;
};

/* Every def that callee `to` may name, reached in context c through `via`. */
static void reach_target(struct walkq *q, const char *to, const char *via, enum context c)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(q->by_last, last_part(to)), i, v) {
		struct node *n = &q->nodes[json_integer_value(v)];
		if (n->visited || !names_match(n->key, to))
			continue;
		n->visited = true;
		n->via = chain(via, n->key);
		q->work[q->nwork] = (size_t)json_integer_value(v);	/* each node is pushed once */
		q->wctx[q->nwork++] = c;
	}
}

/* The top level of member `path`, run by `from` in context c: its kept hits again in c,
 * and the calls it makes followed as roots.  A file run as code (exec of its text in
 * setup.py, the interpreter running it) runs with __name__ == "__main__": its
 * `if __name__ == "__main__":` block too (detect.c keeps it as the def `__main__`); an
 * imported module's does not run. */
static void run_top_level(struct xref *x, struct walkq *q, json_t *hits_of, const char *path,
			  const char *from, enum context c, bool as_main)
{
	char *key = xmalloc(strlen(path) + sizeof TOP_DEF + 1);
	sprintf(key, "%s/%s", path, TOP_DEF);
	char *via = xmalloc(strlen(from) + strlen(path) + 16);
	sprintf(via, "%s → %s", from, path);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(hits_of, key), i, v) {
		const struct kept *k = &x->hits[json_integer_value(v)];
		const char *was = json_string_value(json_object_get(k->hit, "context"));
		if (!was || strcmp(was, context_names[c]))
			emit_upgraded(k, c, via);
	}
	for (size_t e = 0; e < x->nedges; e++)
		if (!x->edges[e].from && x->edges[e].where && !strcmp(x->edges[e].where, path))
			reach_target(q, x->edges[e].to, via, c);
	const char *module = json_string_value(json_object_get(x->paths, path));
	if (as_main && module) {
		char *main_def = join(module, XREF_MAIN_DEF);
		reach_target(q, main_def, via, c);
		free(main_def);
	}
	free(via);
	free(key);
}

void xref_finish(struct xref *x)
{
	json_t *index = json_object(), *by_last = json_object(), *hits_of = json_object(),
	       *edges_of = json_object();
	if (!index || !by_last || !hits_of || !edges_of)
		aura_oom();
	struct node *nodes = NULL;
	size_t nnodes = 0;
	for (size_t i = 0; i < x->nhits; i++)
		index_push(hits_of, x->hits[i].def, i);
	for (size_t i = 0; i < x->nedges; i++)
		if (x->edges[i].from)
			index_push(edges_of, x->edges[i].from, i);
	for (size_t i = 0; i < x->nhits; i++)
		node_index(index, &nodes, &nnodes, x->hits[i].def);
	for (size_t i = 0; i < x->nedges; i++)
		if (x->edges[i].from)
			node_index(index, &nodes, &nnodes, x->edges[i].from);
	for (size_t k = 0; k < nnodes; k++)
		index_push(by_last, last_part(nodes[k].key), k);
	struct walkq q = { .nodes = nodes, .by_last = by_last,
			   .work = xmalloc((nnodes + 1) * sizeof *q.work),
			   .wctx = xmalloc((nnodes + 1) * sizeof *q.wctx) };
	/* Install roots first: a def reached from both weighs as install time; then import
	 * roots; then what runs only when the user runs the package's command (console
	 * scripts, __main__.py, every module's `if __name__ == "__main__":` block). */
	static const enum context passes[] = { CTX_INSTALL, CTX_IMPORT, CTX_COMMAND };
	for (size_t pass = 0; pass < sizeof passes / sizeof *passes; pass++) {
		enum context want = passes[pass];
		for (size_t e = 0; e < x->nedges; e++)
			if (!x->edges[e].from && x->edges[e].c == want)
				reach_target(&q, x->edges[e].to, x->edges[e].where, want);
		const char *file;
		json_t *name;
		json_object_foreach(x->paths, file, name) {
			if (want != CTX_COMMAND)
				break;
			char *main_def = join(json_string_value(name), XREF_MAIN_DEF);
			reach_target(&q, main_def, file, want);
			free(main_def);
		}
		/* Files run as code: their top level, and what it calls, runs in the runner's
		 * context; a file the artifact does not have is unknown code (the fallback). */
		for (size_t r = 0; r < x->nruns; r++) {
			const struct run *run = &x->runs[r];
			if (run->c != want)
				continue;
			if (run->module) {	/* an import: every file the module name may be */
				const char *path;
				json_t *mod;
				json_object_foreach(x->paths, path, mod)
					if (strcmp(path, run->from) &&
					    names_match(json_string_value(mod), run->module))
						run_top_level(x, &q, hits_of, path, run->from, want, false);
				continue;
			}
			if (!run->path || !json_object_get(x->paths, run->path)) {
				if (run->fallback)
					out_record(run->fallback);
				continue;
			}
			run_top_level(x, &q, hits_of, run->path, run->from, want, true);
		}
		while (q.nwork) {
			q.nwork--;
			size_t k = q.work[q.nwork];
			enum context c = q.wctx[q.nwork];
			size_t i;
			json_t *v;
			json_array_foreach(json_object_get(hits_of, nodes[k].key), i, v) {
				const struct kept *kh = &x->hits[json_integer_value(v)];
				const char *was = json_string_value(json_object_get(kh->hit, "context"));
				if (!was || strcmp(was, context_names[c]))	/* already weighed there */
					emit_upgraded(kh, c, nodes[k].via);
			}
			json_array_foreach(json_object_get(edges_of, nodes[k].key), i, v)
				reach_target(&q, x->edges[json_integer_value(v)].to, nodes[k].via, c);
		}
	}
	emit_installed(x);
	for (size_t k = 0; k < nnodes; k++)
		free(nodes[k].via);
	free(nodes);
	free(q.work);
	free(q.wctx);
	json_decref(index);
	json_decref(by_last);
	json_decref(hits_of);
	json_decref(edges_of);
}

/* ---- console-script entry points: the functions the installed commands run ---- */

static bool is_script_section(const char *s)
{
	static const char *const sections[] = { "console_scripts", "gui_scripts", "project.scripts",
						"project.gui-scripts", "tool.poetry.scripts" };
	for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
		if (!strcmp(s, sections[i]))
			return true;
	return false;
}

/* One "name = target" line of a scripts section: the target, quotes and spaces dropped. */
static void entry_line(struct xref *x, const char *line, enum context c)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return;
	char *target = xmalloc(strlen(eq) + 1);
	size_t n = 0;
	for (const char *p = eq + 1; *p && *p != '#'; p++)
		if (*p != '"' && *p != '\'' && *p != ' ' && *p != '\t' && *p != '\r')
			target[n++] = *p;
	target[n] = '\0';
	if (strchr(target, ':'))
		xref_note_entry(x, target, c);
	free(target);
}

void xref_scan_entry_points(struct xref *x, const char *path, const char *text, size_t len,
			    enum context c)
{
	const char *base = source_base_name(path);
	if (strcmp(base, "entry_points.txt") && strcmp(base, "setup.cfg") &&
	    strcmp(base, "pyproject.toml"))
		return;
	/* A section name longer than this is none of the script sections: "" (another one). */
	char section[64] = "";
	bool in_options = false, in_scripts_key = false;
	const char *p = text;
	char *line;
	while ((line = source_next_line(&p, text + len))) {	/* whole: a long target is never cut */
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		bool indented = s != line;
		if (*s == '[') {	/* [console_scripts], [project.scripts], [options.entry_points] */
			const char *close = strchr(s, ']');
			size_t k = close ? (size_t)(close - s - 1) : 0;
			if (k >= sizeof section)
				k = 0;
			memcpy(section, s + 1, k);
			section[k] = '\0';
			in_options = !strcmp(section, "options.entry_points");
			in_scripts_key = false;
		} else if (!*s || *s == '#' || *s == ';') {
			/* blank or comment */
		} else if (is_script_section(section)) {
			entry_line(x, s, c);
		} else if (in_options && !indented) {	/* setup.cfg: console_scripts =\n    x = pkg.mod:f */
			in_scripts_key = !strncmp(s, "console_scripts", 15) || !strncmp(s, "gui_scripts", 11);
		} else if (in_options && in_scripts_key) {
			entry_line(x, s, c);
		}
		free(line);
	}
}
