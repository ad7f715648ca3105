/* netguard.c: what makes a build's download benign: a pinned digest checked before use, an opt-in switch. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "astwalk.h"
#include "netguard.h"
#include "err.h"
#include "record.h"

#define NAME_HOPS 3	/* variables followed to their values (h = sha256(x).hexdigest()) */
#define CALLER_HOPS 4	/* defs followed up to the callers that guard them */

/*
 * Work allowed per question (nodes visited): the walks below look names and callers up
 * across the module, so one question on a large file could otherwise cost many passes
 * over it.  Out of budget, the answer is no: the call keeps its full score.
 */
#define NETGUARD_BUDGET 400000L

struct ng {
	const struct ruleset *rs;
	const json_t *module;
	struct tree_guard *guard;
	long budget;	/* nodes left to visit */
	json_t *values;	/* name -> [values assigned to it] */
	json_t *defs;	/* name -> the def */
	json_t *none;	/* an empty array */
};

/* The depth guard of every walk here, spending one unit of the question's budget. */
static bool visit(struct ng *g, int depth)
{
	return g->budget-- > 0 && tree_guard_ok(g->guard, depth);
}

static long line_of(const json_t *n)
{
	return (long)record_int(n, "lineno", 0);
}

/* What a call calls as aura-rewrite resolved it (os.environ.get), or NULL. */
static const char *resolved(const json_t *call)
{
	const char *r = json_string_value(json_object_get(call, "_resolved"));
	return r ? r : json_string_value(json_object_get(json_object_get(call, "func"), "_resolved"));
}

/* The last word of what a call calls: `hexdigest` of h.hexdigest(), `check` of check(). */
static const char *short_name(const json_t *call)
{
	const json_t *func = json_object_get(call, "func");
	if (ast_is(func, AST_Attribute))
		return json_string_value(json_object_get(func, "attr"));
	if (ast_is(func, AST_Name))
		return json_string_value(json_object_get(func, "id"));
	return NULL;
}

static bool is_def(const json_t *n)
{
	return ast_is(n, AST_FunctionDef) || ast_is(n, AST_AsyncFunctionDef);
}

/* The name a target or a reference is kept under: x of `x`, attr of `self.attr`. */
static const char *ref_name(const json_t *e)
{
	if (ast_is(e, AST_Name))
		return json_string_value(json_object_get(e, "id"));
	if (ast_is(e, AST_Attribute))
		return json_string_value(json_object_get(e, "attr"));
	return NULL;
}

/* Index the module once: every value assigned to a name (x = v, self.x = v) and every
 * def by name (the first of a name), so the lookups below cost no pass over the module. */
static void index_module(struct ng *g, const json_t *node, int depth)
{
	if (!visit(g, depth))
		return;
	const json_t *value = json_object_get(node, "value");
	json_t *tg;
	size_t i;
	const json_t *targets = ast_is(node, AST_Assign) ? json_object_get(node, "targets") : NULL;
	json_array_foreach(targets, i, tg) {
		const char *id = ref_name(tg);
		json_t *list = id ? json_object_get(g->values, id) : NULL;
		if (id && !list)
			json_object_set_new(g->values, id, list = json_array());
		if (list)
			json_array_append(list, (json_t *)value);
	}
	if (ast_is(node, AST_AnnAssign) && value && !json_is_null(value)) {
		const char *id = ref_name(json_object_get(node, "target"));
		json_t *list = id ? json_object_get(g->values, id) : NULL;
		if (id && !list)
			json_object_set_new(g->values, id, list = json_array());
		if (list)
			json_array_append(list, (json_t *)value);
	}
	const char *def = is_def(node) ? json_string_value(json_object_get(node, "name")) : NULL;
	if (def && !json_object_get(g->defs, def))
		json_object_set(g->defs, def, (json_t *)node);
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		index_module(g, child, depth + 1);
}

/* The values assigned to `name` in the module (an array, possibly empty). */
static const json_t *values_of(const struct ng *g, const char *name)
{
	const json_t *list = name ? json_object_get(g->values, name) : NULL;
	return list ? list : g->none;
}

/* ---- a pinned digest ---- */

/* 32 to 128 hex digits: md5 .. sha512 written out. */
static bool hex_digest_text(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n != 32 && n != 40 && n != 56 && n != 64 && n != 96 && n != 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* A constant digest: written out, or a name (a dict, list or tuple of them) holding only those. */
static bool pinned(struct ng *g, const json_t *e, int hops)
{
	if (ast_is(e, AST_Constant))
		return hex_digest_text(json_string_value(json_object_get(e, "value")));
	if (ast_is(e, AST_Subscript))	/* SHA256[platform] */
		return pinned(g, json_object_get(e, "value"), hops);
	if (ast_is(e, AST_Call) && short_name(e) && !strcmp(short_name(e), "get") &&
	    ast_is(json_object_get(e, "func"), AST_Attribute))	/* SHA256.get(platform) */
		return pinned(g, json_object_get(json_object_get(e, "func"), "value"), hops);
	const json_t *elts = ast_is(e, AST_Dict) ? json_object_get(e, "values") :
			     ast_is(e, AST_List) || ast_is(e, AST_Tuple) ? json_object_get(e, "elts") : NULL;
	if (elts) {
		size_t i;
		json_t *v;
		json_array_foreach(elts, i, v)
			if (!pinned(g, v, hops))
				return false;
		return json_array_size(elts) > 0;
	}
	const char *id = ref_name(e);
	if (!id || hops >= NAME_HOPS)
		return false;
	const json_t *values = values_of(g, id);
	bool all = json_array_size(values) > 0;
	size_t i;
	json_t *v;
	json_array_foreach(values, i, v)
		all = all && pinned(g, v, hops + 1);
	return all;
}

/* A digest computed at run time: hashlib.*, x.hexdigest(), x.digest(), or a name holding one. */
static bool computed_digest(struct ng *g, const json_t *e, int hops, int depth)
{
	if (!visit(g, depth))
		return false;
	if (ast_is(e, AST_Call)) {
		const char *r = resolved(e), *s = short_name(e);
		if ((r && !strncmp(r, "hashlib.", 8)) || (s && (!strcmp(s, "hexdigest") || !strcmp(s, "digest"))))
			return true;
	}
	if (ast_is(e, AST_Name) && hops < NAME_HOPS) {
		const json_t *values = values_of(g, json_string_value(json_object_get(e, "id")));
		bool any = false;
		size_t i;
		json_t *v;
		json_array_foreach(values, i, v)
			any = any || computed_digest(g, v, hops + 1, 0);
		return any;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)e); (child = ast_children_next(&it));)
		if (computed_digest(g, child, hops, depth + 1))
			return true;
	return false;
}

/* A comparison of a computed digest with a pinned one (==, !=, compare_digest). */
static bool digest_compare(struct ng *g, const json_t *e, bool need_pin, int depth)
{
	if (!visit(g, depth))
		return false;
	const json_t *a = NULL, *b = NULL;
	if (ast_is(e, AST_Compare) && json_array_size(json_object_get(e, "comparators")) == 1) {
		const json_t *op = json_array_get(json_object_get(e, "ops"), 0);
		if (ast_is(op, AST_Eq) || ast_is(op, AST_NotEq)) {
			a = json_object_get(e, "left");
			b = json_array_get(json_object_get(e, "comparators"), 0);
		}
	} else if (ast_is(e, AST_Call) && short_name(e) && !strcmp(short_name(e), "compare_digest")) {
		a = json_array_get(json_object_get(e, "args"), 0);
		b = json_array_get(json_object_get(e, "args"), 1);
	}
	if (a && b && ((computed_digest(g, a, 0, 0) && (!need_pin || pinned(g, b, 0))) ||
		       (computed_digest(g, b, 0, 0) && (!need_pin || pinned(g, a, 0)))))
		return true;
	if (ast_is(e, AST_BoolOp) || ast_is(e, AST_UnaryOp)) {	/* not x == PIN, a and b */
		struct ast_children it;
		json_t *child;
		for (ast_children_init(&it, (json_t *)e); (child = ast_children_next(&it));)
			if (digest_compare(g, child, need_pin, depth + 1))
				return true;
	}
	if (json_is_array(e)) {
		size_t i;
		json_t *v;
		json_array_foreach(e, i, v)
			if (digest_compare(g, v, need_pin, depth + 1))
				return true;
	}
	return false;
}

/* Does `node` contain a digest comparison (with a parameter, not a pin: a helper)? */
static bool contains_compare(struct ng *g, const json_t *node, int depth)
{
	if (!visit(g, depth))
		return false;
	if (digest_compare(g, node, false, depth))
		return true;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (contains_compare(g, child, depth + 1))
			return true;
	return false;
}

/* check(path, PIN): a def of the module that compares digests, given a pinned one. */
static bool helper_check(struct ng *g, const json_t *e, int depth)
{
	if (!visit(g, depth))
		return false;
	if (ast_is(e, AST_Call)) {
		bool pin = false;
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(e, "args"), i, a)
			pin = pin || pinned(g, a, 0);
		json_array_foreach(json_object_get(e, "keywords"), i, a)
			pin = pin || pinned(g, json_object_get(a, "value"), 0);
		const char *name = short_name(e);
		const json_t *def = pin && name ? json_object_get(g->defs, name) : NULL;
		if (def && contains_compare(g, json_object_get(def, "body"), 0))
			return true;
	}
	if (ast_is(e, AST_UnaryOp) || ast_is(e, AST_BoolOp) || json_is_array(e)) {
		struct ast_children it;
		json_t *child;
		for (ast_children_init(&it, (json_t *)e); (child = ast_children_next(&it));)
			if (helper_check(g, child, depth + 1))
				return true;
	}
	return false;
}

/* Does a statement list stop the code: raise, return, sys.exit()? */
static bool stops(struct ng *g, const json_t *stmts, int depth)
{
	if (!visit(g, depth))
		return false;
	size_t i;
	json_t *st;
	json_array_foreach(stmts, i, st) {
		if (ast_is(st, AST_Raise) || ast_is(st, AST_Return))
			return true;
		const json_t *v = json_object_get(st, "value");
		const char *r = ast_is(st, AST_Expr) && ast_is(v, AST_Call) ? resolved(v) : NULL;
		const char *s = ast_is(st, AST_Expr) && ast_is(v, AST_Call) ? short_name(v) : NULL;
		if ((r && (!strcmp(r, "sys.exit") || !strcmp(r, "os._exit") || !strcmp(r, "builtins.exit"))) ||
		    (s && (!strcmp(s, "exit") || !strcmp(s, "abort") || !strcmp(s, "fail"))))
			return true;
		if (ast_is(st, AST_If) && (stops(g, json_object_get(st, "body"), depth + 1) ||
					   stops(g, json_object_get(st, "orelse"), depth + 1)))
			return true;
	}
	return false;
}

struct verify_scan {
	struct ng *g;
	long after;	/* the line of the download */
	long check;	/* the first check at or after it (0: none) */
	long use;	/* the first code or process sink after it (0: none) */
	bool extract;	/* the check looked for is an extraction (tarfile, zipfile) */
};

/* Unpacking an archive: tarfile.open(...), ZipFile(...), x.extractall(...), unpack_archive. */
static bool extraction(const json_t *call)
{
	static const char *const names[] = { "tarfile.open", "tarfile.TarFile", "zipfile.ZipFile",
					     "shutil.unpack_archive" };
	static const char *const methods[] = { "extractall", "extract", "unpack_archive" };
	const char *r = resolved(call), *s = short_name(call);
	for (size_t i = 0; r && i < sizeof names / sizeof *names; i++)
		if (!strcmp(r, names[i]))
			return true;
	for (size_t i = 0; s && i < sizeof methods / sizeof *methods; i++)
		if (!strcmp(s, methods[i]))
			return true;
	return false;
}

/* Running what was unpacked as Python: importing it, runpy, putting it on sys.path. */
static bool imports_code(const char *r)
{
	static const char *const prefixes[] = { "runpy.", "importlib.", "builtins.__import__",
						"sys.path.insert", "sys.path.append", "site.addsitedir",
						"imp.load_" };
	for (size_t i = 0; r && i < sizeof prefixes / sizeof *prefixes; i++)
		if (!strncmp(r, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static void keep_first(long *at, long line)
{
	if (!*at || line < *at)
		*at = line;
}

/* The checks and the uses of a body, not entering the defs and classes inside it. */
static void scan_body(struct verify_scan *v, const json_t *node, bool root, int depth)
{
	if (!visit(v->g, depth))
		return;
	if (!root && (is_def(node) || ast_is(node, AST_ClassDef)))
		return;
	long line = line_of(node);
	if (line >= v->after) {
		const json_t *test = json_object_get(node, "test");
		bool fails_closed = ast_is(node, AST_Assert) ||
				    (ast_is(node, AST_If) && (stops(v->g, json_object_get(node, "body"), 0) ||
							      stops(v->g, json_object_get(node, "orelse"), 0)));
		if (!v->extract && fails_closed &&
		    (digest_compare(v->g, test, true, 0) || helper_check(v->g, test, 0)))
			keep_first(&v->check, line);
		/* check(path, PIN) as a statement: the helper raises itself */
		if (!v->extract && ast_is(node, AST_Expr) &&
		    helper_check(v->g, json_object_get(node, "value"), 0))
			keep_first(&v->check, line);
		if (v->extract && ast_is(node, AST_Call) && extraction(node))
			keep_first(&v->check, line);
		const char *r = ast_is(node, AST_Call) ? resolved(node) : NULL;
		if (v->extract && imports_code(r))
			keep_first(&v->use, line);
		unsigned sinks = r ? taint_labels_match(&v->g->rs->sinks, r) : 0;
		for (size_t i = 0; sinks && i < v->g->rs->sinks.n; i++)
			if ((sinks & (1u << i)) && (!strcmp(v->g->rs->sinks.label[i], "code") ||
						    !strcmp(v->g->rs->sinks.label[i], "process")))
				keep_first(&v->use, line);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		scan_body(v, child, false, depth + 1);
}

static void ng_start(struct ng *g, const struct ruleset *rs, const json_t *module,
		     struct tree_guard *guard)
{
	*g = (struct ng){ .rs = rs, .module = module, .guard = guard, .budget = NETGUARD_BUDGET,
			  .values = json_object(), .defs = json_object(), .none = json_array() };
	if (!g->values || !g->defs || !g->none)
		aura_oom();
	index_module(g, module, 0);
}

/* The answer `yes` of a question, if no walk was cut short (which proves nothing). */
static bool ng_end(struct ng *g, bool yes)
{
	json_decref(g->values);
	json_decref(g->defs);
	json_decref(g->none);
	return yes && g->budget > 0;
}

static bool verified_after(struct ng *g, const json_t *scope, long after)
{
	struct verify_scan v = { .g = g, .after = after };
	scan_body(&v, scope, true, 0);
	return v.check && (!v.use || v.use > v.check);
}

/* Unpacked after the download, and nothing of the body runs code or a program after it. */
static bool extracted_after(struct ng *g, const json_t *scope, long after)
{
	struct verify_scan v = { .g = g, .after = after, .extract = true };
	scan_body(&v, scope, true, 0);
	return v.check && !v.use;
}

/* ---- call sites of a def ---- */

typedef bool (*site_fn)(struct ng *g, const json_t *site, const json_t *scope, void *ctx);

struct sites {
	struct ng *g;
	const char *name;	/* the def called */
	site_fn fn;
	void *ctx;
	size_t n;		/* call sites seen */
	bool all;		/* fn said yes to every one */
};

/* A call of the def `name` of this module: name(...), self.name(...), cls.name(...). */
static bool calls_def(const json_t *call, const char *name)
{
	const json_t *func = json_object_get(call, "func");
	const char *s = short_name(call);
	if (!s || strcmp(s, name))
		return false;
	if (ast_is(func, AST_Name))
		return true;
	const char *owner = json_string_value(json_object_get(json_object_get(func, "value"), "id"));
	return owner && (!strcmp(owner, "self") || !strcmp(owner, "cls"));
}

/* Each call of def `name` with its innermost enclosing def. */
static void each_site(struct sites *k, const json_t *node, const json_t *scope, int depth)
{
	if (!k->all || !visit(k->g, depth))
		return;
	if (is_def(node))
		scope = node;
	if (ast_is(node, AST_Call) && calls_def(node, k->name)) {
		k->n++;
		k->all = k->fn(k->g, node, scope, k->ctx);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		each_site(k, child, scope, depth + 1);
}

/* fn for every call site of def `func` (at least one); a def nothing calls: false. */
static bool every_site(struct ng *g, const json_t *func, site_fn fn, void *ctx)
{
	const char *name = json_string_value(json_object_get(func, "name"));
	if (!name)
		return false;
	struct sites k = { .g = g, .name = name, .fn = fn, .ctx = ctx, .all = true };
	each_site(&k, g->module, g->module, 0);
	return k.n > 0 && k.all;
}

static bool site_verifies(struct ng *g, const json_t *site, const json_t *scope, void *ctx)
{
	(void)ctx;
	return verified_after(g, scope, line_of(site));
}

static bool site_extracts(struct ng *g, const json_t *site, const json_t *scope, void *ctx)
{
	(void)ctx;
	return extracted_after(g, scope, line_of(site));
}

bool netguard_extracted(const struct ruleset *rs, const json_t *module, const json_t *func,
			const json_t *call, struct tree_guard *guard)
{
	struct ng g;
	ng_start(&g, rs, module, guard);
	bool yes = extracted_after(&g, func ? func : module, line_of(call)) ||
		   (func && every_site(&g, func, site_extracts, NULL));
	return ng_end(&g, yes);
}

bool netguard_verified(const struct ruleset *rs, const json_t *module, const json_t *func,
		       const json_t *call, struct tree_guard *guard)
{
	struct ng g;
	ng_start(&g, rs, module, guard);
	bool yes = verified_after(&g, func ? func : module, line_of(call)) ||
		   (func && every_site(&g, func, site_verifies, NULL));
	return ng_end(&g, yes);
}

/* ---- an opt-in environment switch ---- */

/* A false default: absent, None, False, 0, "", "0", "false", "no", "off". */
static bool false_default(const json_t *e)
{
	if (!e)
		return true;
	const json_t *v = json_object_get(e, "value");
	if (!ast_is(e, AST_Constant))
		return false;
	if (json_is_null(v) || json_is_false(v) || (json_is_integer(v) && !json_integer_value(v)))
		return true;
	const char *s = json_string_value(v);
	return s && (!s[0] || !strcmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		     !strcasecmp(s, "off"));
}

/* An environment read that is empty unless the user sets the variable: its name, or NULL. */
static const char *env_read(struct ng *g, const json_t *e)
{
	const char *r = ast_is(e, AST_Call) ? resolved(e) : NULL;
	const json_t *args = json_object_get(e, "args");
	const json_t *key = NULL;
	if (r && (!strcmp(r, "os.environ.get") || !strcmp(r, "os.getenv")) && json_array_size(args) <= 2 &&
	    false_default(json_array_get(args, 1)) && !json_array_size(json_object_get(e, "keywords")))
		key = json_array_get(args, 0);
	if (ast_is(e, AST_Subscript)) {	/* os.environ["X"] */
		const char *b = json_string_value(json_object_get(json_object_get(e, "value"), "_resolved"));
		if (b && !strcmp(b, "os.environ"))
			key = json_object_get(e, "slice");
	}
	if (ast_is(e, AST_Call) && !r && ast_is(json_object_get(e, "func"), AST_Attribute)) {
		const char *s = short_name(e);	/* os.environ.get("X", "").lower() */
		if (s && (!strcmp(s, "lower") || !strcmp(s, "strip") || !strcmp(s, "casefold")))
			return env_read(g, json_object_get(json_object_get(e, "func"), "value"));
	}
	const char *name = ast_is(key, AST_Constant) ? json_string_value(json_object_get(key, "value")) : NULL;
	return name && !rules_env_is_ambient(g->rs, name) ? name : NULL;
}

static bool truthy_text(const json_t *e)
{
	const char *s = ast_is(e, AST_Constant) ? json_string_value(json_object_get(e, "value")) : NULL;
	if (s)
		return !strcmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
		       !strcasecmp(s, "on") || !strcasecmp(s, "y");
	const json_t *elts = ast_is(e, AST_Tuple) || ast_is(e, AST_List) || ast_is(e, AST_Set) ?
			     json_object_get(e, "elts") : NULL;
	size_t i;
	json_t *v;
	json_array_foreach(elts, i, v)
		if (!truthy_text(v))
			return false;
	return json_array_size(elts) > 0;
}

/* Is test `e` true only when the user sets an environment variable?  Its name into var. */
static bool switch_on(struct ng *g, const json_t *e, char *var, size_t len, int hops, int depth)
{
	if (!visit(g, depth))
		return false;
	const char *name = env_read(g, e);
	if (name) {
		snprintf(var, len, "%s", name);
		return true;
	}
	if (ast_is(e, AST_BoolOp)) {	/* a and b: one switch suffices; a or b: all must be */
		bool and = ast_is(json_object_get(e, "op"), AST_And);
		const json_t *values = json_object_get(e, "values");
		size_t i, on = 0;
		json_t *v;
		json_array_foreach(values, i, v)
			on += switch_on(g, v, var, len, hops, depth + 1);
		return and ? on > 0 : on == json_array_size(values) && on > 0;
	}
	if (ast_is(e, AST_Compare) && json_array_size(json_object_get(e, "comparators")) == 1) {
		const json_t *op = json_array_get(json_object_get(e, "ops"), 0);
		const json_t *left = json_object_get(e, "left");
		const json_t *right = json_array_get(json_object_get(e, "comparators"), 0);
		const char *rb = json_string_value(json_object_get(right, "_resolved"));
		const char *key = ast_is(left, AST_Constant) ? json_string_value(json_object_get(left, "value")) : NULL;
		if (ast_is(op, AST_In) && key && rb && !strcmp(rb, "os.environ") &&
		    !rules_env_is_ambient(g->rs, key)) {	/* "X" in os.environ */
			snprintf(var, len, "%s", key);
			return true;
		}
		if ((ast_is(op, AST_Eq) || ast_is(op, AST_In)) && truthy_text(right))
			return switch_on(g, left, var, len, hops, depth + 1);
		return false;
	}
	if (ast_is(e, AST_Call)) {	/* bool(...), int(...), strtobool(...) */
		const char *r = resolved(e), *s = short_name(e);
		bool wrap = (r && (!strcmp(r, "builtins.bool") || !strcmp(r, "builtins.int"))) ||
			    (s && !strcmp(s, "strtobool"));
		return wrap && json_array_size(json_object_get(e, "args")) == 1 &&
		       switch_on(g, json_array_get(json_object_get(e, "args"), 0), var, len, hops, depth + 1);
	}
	const char *id = ref_name(e);
	if (!id || hops >= NAME_HOPS)
		return false;
	const json_t *values = values_of(g, id);	/* self.static = os.environ.get("X") */
	bool all = json_array_size(values) > 0;
	size_t i;
	json_t *v;
	json_array_foreach(values, i, v)
		all = all && switch_on(g, v, var, len, hops + 1, depth + 1);
	return all;
}

struct guard_ctx {
	char *var;
	size_t len;
	int hops;
};

/*
 * `if not SWITCH: return` (or raise), `if os.environ.get("X", "0") != "1": return`: an
 * early exit when the user has not set the switch, so the statements after it run only
 * when it is on.  Its name into var.
 */
static bool exits_unless_on(struct ng *g, const json_t *stmt, char *var, size_t len)
{
	const json_t *body = json_object_get(stmt, "body");
	const json_t *last = json_array_get(body, json_array_size(body) - 1);
	if (!ast_is(stmt, AST_If) || json_array_size(json_object_get(stmt, "orelse")) ||
	    !(ast_is(last, AST_Return) || ast_is(last, AST_Raise)))
		return false;
	const json_t *test = json_object_get(stmt, "test");
	if (ast_is(test, AST_UnaryOp) && ast_is(json_object_get(test, "op"), AST_Not))
		return switch_on(g, json_object_get(test, "operand"), var, len, 0, 0);
	if (ast_is(test, AST_Compare) && json_array_size(json_object_get(test, "comparators")) == 1) {
		const json_t *op = json_array_get(json_object_get(test, "ops"), 0);
		const json_t *right = json_array_get(json_object_get(test, "comparators"), 0);
		if ((ast_is(op, AST_NotEq) || ast_is(op, AST_NotIn)) && truthy_text(right))
			return switch_on(g, json_object_get(test, "left"), var, len, 0, 0);
	}
	return false;
}

/* 1: target is in the body of an `if` with a switch on; 0: reached without one; -1: not here. */
static int guard_path(struct ng *g, const json_t *node, const json_t *target, bool on,
		      struct guard_ctx *c, int depth)
{
	if (node == target)
		return on;
	if (!visit(g, depth))
		return -1;
	if (json_is_array(node)) {	/* a block: an early exit turns the switch on for the rest */
		char var[128] = "";
		bool after = on;
		size_t i;
		json_t *stmt;
		json_array_foreach(node, i, stmt) {
			int r = guard_path(g, stmt, target, after, c, depth + 1);
			if (r == 1 && after && !on && !c->var[0])
				snprintf(c->var, c->len, "%s", var);
			if (r >= 0)
				return r;
			if (!after && exits_unless_on(g, stmt, var, sizeof var))
				after = true;
		}
		return -1;
	}
	char var[128] = "";	/* a test that is no switch may have named a variable */
	bool branch = ast_is(node, AST_If) &&
		      switch_on(g, json_object_get(node, "test"), var, sizeof var, 0, 0);
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));) {
		bool body = branch && it.key && !strcmp(it.key, "body");
		int r = guard_path(g, child, target, on || body, c, depth + 1);
		if (r == 1 && body && !c->var[0])	/* the innermost switch names it */
			snprintf(c->var, c->len, "%s", var);
		if (r >= 0)
			return r;
	}
	return -1;
}

static bool opt_in_at(struct ng *g, const json_t *site, const json_t *scope, void *ctx);

/* The call site of a def: switched on where it is, or its own def only ever is. */
static bool opt_in_at(struct ng *g, const json_t *site, const json_t *scope, void *ctx)
{
	struct guard_ctx *c = ctx;
	if (guard_path(g, scope, site, false, c, 0) == 1)
		return true;
	if (scope == g->module || c->hops >= CALLER_HOPS)
		return false;
	c->hops++;
	bool all = every_site(g, scope, opt_in_at, c);
	c->hops--;
	return all;
}

bool netguard_opt_in(const struct ruleset *rs, const json_t *module, const json_t *func,
		     const json_t *call, struct tree_guard *guard, char *var, size_t len)
{
	struct ng g;
	ng_start(&g, rs, module, guard);
	struct guard_ctx c = { .var = var, .len = len };
	var[0] = '\0';
	return ng_end(&g, opt_in_at(&g, call, func ? func : module, &c));
}
