/* resolve.c: the rewrite walk: canonical names, constant values and payloads on a tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "builtins.h"
#include "err.h"
#include "eval.h"
#include "fold.h"
#include "marks.h"
#include "payload.h"
#include "resolve.h"
#include "scope.h"
#include "stagehits.h"
#include "strbuf.h"
#include "template.h"

/* Longest canonical name kept: a getattr chain of long strings must not grow without end. */
#define MAX_NAME 512
/* Biggest str/bytes written into the tree as `_value`; bigger ones are used, not copied. */
#define MAX_VALUE_ANNOTATION (64 * 1024)

/*
 * A function body runs after the code around it, usually once the module has finished
 * executing, so its free names are looked up in the module's final bindings: bodies are
 * queued while the enclosing code is walked in order, and walked afterwards.
 */
struct deferred {
	json_t *node;		/* FunctionDef, AsyncFunctionDef or Lambda */
	struct scope *parent;
	int depth;
	json_t *anchor;		/* the exec call whose payload holds it, or NULL */
	unsigned payload_depth;
};

/* A name bound inside an if/for/while/try/with/match: its value is not known after it. */
struct kill {
	struct scope *sc;
	const char *name;	/* borrowed from the tree */
};

struct resolver {
	struct scope_arena arena;
	struct deferred *queue;
	size_t nqueue, capqueue;
	struct kill *kills;
	size_t nkills, capkills;
	int compound;		/* compound statements around the current node */
	struct resolve_stats *stats;
	struct budget budget;
	struct evalctx ec;
	bool rerun;		/* the tree carries annotations of an earlier run */
	struct ast_guard guard;	/* started in resolve_tree: too_deep measures from there */
	bool budget_reported;	/* the "work limit reached" hit is given once */
	json_t *anchor;		/* inside a payload: the outer call, where hits are reported */
	unsigned payload_depth;
	json_t *defs;		/* def name -> its FunctionDef (the last one seen): decorators */
	/* Loops over constants (loop_values): name -> {"stores": n, "changed": bool,
	 * "added": [constants appended]}, from one scan of the tree; NULL until needed. */
	json_t *loopnames;
	const json_t *root;	/* the tree being rewritten, for that scan */
	bool loopnames_cut;	/* the scan did not see the whole tree: trust no name */
	json_t *classes;	/* class name -> its ClassDef (the last one seen) */
	const json_t *body;	/* the statements of the def being walked (NULL elsewhere) */
	/* A container bound once that the file only adds constants to (`L = []` then
	 * `L.append("c")`): not its value anywhere, but a loop over it takes these elements
	 * and the constants added (loop_values).  name -> value. */
	struct named_val { const char *name; struct val *v; } *growing;
	size_t ngrowing;
	unsigned templates;	/* template samples tried in this tree (on_template) */
};

/* What walking an expression found out: its canonical name and/or its constant value. */
struct res {
	char *name;
	struct val *v;
};

static const struct res NONE = { NULL, NULL };

static void res_free(struct res r)
{
	free(r.name);
	val_unref(r.v);
}

static struct res visit(struct resolver *rs, json_t *node, struct scope *sc, int depth);
static void bind_target(struct resolver *rs, json_t *t, struct scope *sc, const struct res *value,
			int depth);
static bool container_fixed(struct resolver *rs, const char *id, bool constants_added);
static void scan_tree(struct resolver *rs, const json_t *tree, int depth);

/* ---- small helpers on nodes ---- */

static const char *str_field(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(n, key));
}

/* Load context, or no context at all (hand-made trees): the only place a name is read. */
static bool is_load(const json_t *n)
{
	json_t *ctx = json_object_get(n, "ctx");
	return !ctx || ast_is(ctx, AST_Load);
}

static char *capped_dup(const char *s, size_t n)
{
	if (n > MAX_NAME)
		return NULL;
	char *out = xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* A value that is a str usable as a name (no NUL, not too long), else NULL. */
static const char *name_str(const struct val *v)
{
	if (!v || v->kind != V_STR || v->s.n == 0 || v->s.n > MAX_NAME || memchr(v->s.p, 0, v->s.n))
		return NULL;
	return v->s.p;
}

/* "base.attr", or NULL when that would be longer than MAX_NAME. */
static char *dotted(const char *base, const char *attr)
{
	size_t b = strlen(base), a = strlen(attr);
	if (b + 1 + a > MAX_NAME)
		return NULL;
	char *out = xmalloc(b + a + 2);
	memcpy(out, base, b);
	out[b] = '.';
	memcpy(out + b + 1, attr, a + 1);
	return out;
}

/* "os" of "os.path": the name `import os.path` binds. */
static char *first_component(const char *dotted_name)
{
	return capped_dup(dotted_name, strcspn(dotted_name, "."));
}

/* Internal pseudo-names ("<globals>") flow between handlers but never reach the tree. */
static bool pseudo(const char *name)
{
	return name && name[0] == '<';
}

static void annotate(struct resolver *rs, json_t *node, const char *canonical)
{
	json_t *v = canonical && !pseudo(canonical) ? json_string(canonical) : NULL;
	if (v) {
		json_object_set_new(node, "_resolved", v);
		rs->stats->annotated++;
	} else if (rs->rerun) {
		json_object_del(node, "_resolved");	/* stale, from an earlier run */
	}
}

/*
 * A node whose value the rules computed keeps its fields (so nothing the analysis looks
 * at disappears) and gains `_value` and `_origin` (docs/rewrite.md).  Values that are just
 * literals, with no rule applied, are not repeated in the tree.
 */
static void annotate_value(struct resolver *rs, json_t *node, const struct val *v)
{
	json_t *j = NULL;
	if (v && v->nrules && (!val_is_text(v) || v->s.n <= MAX_VALUE_ANNOTATION))
		j = val_to_json(v);
	if (j) {
		json_object_set_new(node, "_value", j);
		json_t *origin = json_object();
		json_object_set_new(origin, "rules", val_rules_json(v));
		json_object_set_new(node, "_origin", origin);
		rs->stats->folded++;
	} else if (rs->rerun) {
		json_object_del(node, "_value");
		json_object_del(node, "_origin");
	}
}

/* ---- findings ---- */

/* `detection, score, severity` come from data/stage-hits.tsv: HIT_REWRITE(name). */
static void add_hit(struct resolver *rs, const json_t *node, const char *detection, int score,
		    const char *severity, const char *message)
{
	if (json_array_size(rs->stats->hits) >= RESOLVE_MAX_HITS)
		return;
	const json_t *at = rs->anchor ? rs->anchor : node;	/* payload code has no lines of its own */
	json_t *h = json_object();
	json_object_set_new(h, "detection", json_string(detection));
	json_object_set_new(h, "severity", json_string(severity));
	json_object_set_new(h, "score", json_integer(score));
	json_object_set_new(h, "line", json_integer(json_integer_value(json_object_get(at, "lineno"))));
	json_object_set_new(h, "col", json_integer(json_integer_value(json_object_get(at, "col_offset"))));
	json_object_set_new(h, "end_line", json_integer(json_integer_value(json_object_get(at, "end_lineno"))));
	json_object_set_new(h, "end_col", json_integer(json_integer_value(json_object_get(at, "end_col_offset"))));
	json_object_set_new(h, "message", json_string(message));
	json_array_append_new(rs->stats->hits, h);
}

/* An evaluation crossed a limit: the node stays as it was, and the crossing is a finding. */
static void check_budget(struct resolver *rs, const json_t *node)
{
	if (!rs->budget.why)
		return;
	if (!rs->budget_reported)
		add_hit(rs, node, HIT_REWRITE(EvaluationBudget), rs->budget.why);
	if (rs->budget.exhausted)
		rs->budget_reported = true;
	budget_report_done(&rs->budget);
}

/* C stack the walks may use below the frame of resolve_tree (resolve_init sets it). */
static size_t stack_budget = 1u << 20;

void resolve_init(void)
{
	stack_budget = ast_stack_budget();
}

/*
 * May the walk go one level further down?  Not past RESOLVE_MAX_DEPTH JSON levels, nor
 * past the C stack budget, which is what really bounds a recursion whose frames differ in
 * size from node type to node type.  The first cut is reported at the node above it:
 * below it only names are resolved (resolve_flat), and nesting that deep is itself meant
 * to hide something.
 */
static bool too_deep(struct resolver *rs, int depth, const json_t *at)
{
	if (ast_guard_ok(&rs->guard, depth))
		return false;
	if (!rs->stats->too_deep) {
		rs->stats->too_deep = true;
		char *msg = xasprintf("code nested deeper than the rewrite follows (%d JSON levels): "
				      "below it names are resolved, but nothing is folded or decoded",
				      depth);
		if (json_is_array(at))	/* a body: its first statement has the lines */
			at = json_array_get(at, 0);
		add_hit(rs, at, HIT_REWRITE(DeepNesting), msg);
		free(msg);
	}
	return true;
}

/* ---- generic walking ---- */

static void visit_children(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
		res_free(visit(rs, child, sc, depth + 1));
}

static struct res visit_field(struct resolver *rs, json_t *node, const char *key,
			      struct scope *sc, int depth)
{
	json_t *child = json_object_get(node, key);
	return child ? visit(rs, child, sc, depth + 1) : NONE;
}

static void walk_field(struct resolver *rs, json_t *node, const char *key, struct scope *sc,
		       int depth)
{
	res_free(visit_field(rs, node, key, sc, depth));
}

/* ---- expressions: names ---- */

static struct res on_name(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	const char *id = str_field(node, "id");
	struct res r = NONE;
	if (id && is_load(node)) {
		r.name = scope_resolve(sc, id);
		if (!r.name)
			r.v = val_ref(scope_value(&rs->arena, sc, id));
	}
	annotate(rs, node, r.name);
	annotate_value(rs, node, r.v);
	return r;
}

static struct res on_attribute(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res base = visit_field(rs, node, "value", sc, depth);
	const char *attr = str_field(node, "attr");
	struct res r = NONE;
	if (base.name && !pseudo(base.name) && attr && is_load(node))
		r.name = dotted(base.name, attr);
	res_free(base);
	annotate(rs, node, r.name);
	return r;
}

/* ---- expressions: constants and folding ---- */

static struct res on_constant(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	return (struct res){ NULL, val_from_constant(json_object_get(node, "value")) };
}

static struct res folded(struct resolver *rs, json_t *node, struct val *v)
{
	check_budget(rs, node);
	annotate_value(rs, node, v);
	return (struct res){ NULL, v };
}

static struct res on_binop(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res l = visit_field(rs, node, "left", sc, depth);
	struct res r = visit_field(rs, node, "right", sc, depth);
	struct val *v = fold_binop(&rs->budget, ast_kind(json_object_get(node, "op")), l.v, r.v);
	res_free(l);
	res_free(r);
	return folded(rs, node, v);
}

static struct res on_unaryop(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res x = visit_field(rs, node, "operand", sc, depth);
	enum ast_kind op = ast_kind(json_object_get(node, "op"));
	struct val *v = NULL;
	if (op == AST_Not && x.v) {
		bool known, truth = val_truthy(x.v, &known);
		v = known ? val_bool(!truth) : NULL;
	} else {
		v = fold_unaryop(&rs->budget, op, x.v);
	}
	res_free(x);
	return folded(rs, node, v);
}

static struct res on_compare(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res l = visit_field(rs, node, "left", sc, depth);
	json_t *comps = json_object_get(node, "comparators"), *ops = json_object_get(node, "ops");
	struct res r = NONE;
	size_t i;
	json_t *c;
	json_array_foreach(comps, i, c) {
		if (i == 0)
			r = visit(rs, c, sc, depth + 2);
		else
			res_free(visit(rs, c, sc, depth + 2));
	}
	struct val *v = json_array_size(ops) == 1 ?
		eval_compare(&rs->budget, ast_kind(json_array_get(ops, 0)), l.v, r.v) : NULL;
	res_free(l);
	res_free(r);
	return (struct res){ NULL, v };
}

/* List, Tuple (load), Set: a sequence value when every element is known. */
static struct res on_sequence(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	json_t *elts = json_object_get(node, "elts");
	size_t n = json_array_size(elts);
	bool known = is_load(node) && !ast_is(node, AST_Set);
	struct val **items = known ? xmalloc((n + 1) * sizeof *items) : NULL;
	size_t i;
	json_t *e;
	json_array_foreach(elts, i, e) {
		struct res r = visit(rs, e, sc, depth + 2);	/* cut too deep: unknown */
		if (known && (!r.v || ast_is(e, AST_Starred)))
			known = false;
		if (known)
			items[i] = val_ref(r.v);
		else if (items) {
			/* Not `while (i--)`: i is the loop's index, and rewinding it re-walked
			 * every element before this one, doubling the work at each nesting level. */
			for (size_t j = 0; j < i; j++)
				val_unref(items[j]);
			free(items);
			items = NULL;
		}
		res_free(r);
	}
	if (!known || !items)
		return NONE;
	struct val *v = val_seq(ast_is(node, AST_List) ? V_LIST : V_TUPLE, items, n);
	for (i = 0; i < n; i++)
		val_merge_rules(v, items[i]);
	return (struct res){ NULL, v };
}

static struct res on_dict(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	json_t *keys = json_object_get(node, "keys"), *values = json_object_get(node, "values");
	size_t n = json_array_size(keys);
	bool known = n == json_array_size(values);
	struct val **items = xmalloc((2 * n + 1) * sizeof *items);
	size_t have = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *k = json_array_get(keys, i);
		struct res kr = json_is_object(k) ? visit(rs, k, sc, depth + 2) : NONE;
		struct res vr = visit(rs, json_array_get(values, i), sc, depth + 2);
		if (known && kr.v && vr.v) {
			items[have++] = val_ref(kr.v);
			items[have++] = val_ref(vr.v);
		} else {
			known = false;
		}
		res_free(kr);
		res_free(vr);
	}
	if (!known) {
		while (have--)
			val_unref(items[have]);
		free(items);
		return NONE;
	}
	return (struct res){ NULL, val_seq(V_DICT, items, have) };
}

static struct res on_slice(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	static const char *const keys[] = { "lower", "upper", "step" };
	struct val *s = val_new(V_SLICE);
	struct val **slots[] = { &s->sl.lo, &s->sl.hi, &s->sl.step };
	bool known = true;
	for (int k = 0; k < 3; k++) {
		json_t *part = json_object_get(node, keys[k]);
		if (!part || json_is_null(part))
			continue;
		struct res r = visit(rs, part, sc, depth + 1);
		*slots[k] = val_ref(r.v);
		known = known && r.v;
		res_free(r);
	}
	if (!known) {
		val_unref(s);
		s = NULL;
	}
	return (struct res){ NULL, s };
}

/* f'...{x}...': the text when every part is known and formatted plainly. */
static struct res on_joined_str(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	json_t *values = json_object_get(node, "values");
	size_t n = json_array_size(values), k = 0;
	struct val **parts = xmalloc((n + 1) * sizeof *parts);
	bool known = true;
	size_t i;
	json_t *part;
	json_array_foreach(values, i, part) {
		struct val *x = NULL;
		if (ast_is(part, AST_FormattedValue)) {
			struct res inner = visit_field(rs, part, "value", sc, depth + 2);
			walk_field(rs, part, "format_spec", sc, depth + 2);
			json_int_t conv = json_integer_value(json_object_get(part, "conversion"));
			json_t *spec = json_object_get(part, "format_spec");
			if ((conv == -1 || conv == 's') && (!spec || json_is_null(spec)))
				x = fold_str(&rs->budget, inner.v);
			res_free(inner);
		} else {
			struct res r = visit(rs, part, sc, depth + 2);
			x = r.v;
			r.v = NULL;
			res_free(r);
		}
		if (x && known)
			parts[k++] = x;
		else {
			val_unref(x);
			known = false;
		}
	}
	struct val *v = known ? fold_concat_parts(&rs->budget, parts, k) : NULL;
	if (v)
		val_add_rule(v, "fold:fstring");
	for (i = 0; i < k; i++)
		val_unref(parts[i]);
	free(parts);
	return folded(rs, node, v);
}

/* ---- calls ---- */

/* __import__('a.b') returns package a, unless a fromlist asks for a.b itself. */
static bool fromlist_empty(const json_t *from, const struct val *v)
{
	if (!from || (v && v->kind == V_NONE))
		return true;
	if (v && (v->kind == V_LIST || v->kind == V_TUPLE))
		return v->seq.n == 0;
	return false;
}

static json_t *call_arg_node(json_t *call, size_t index, const char *kw)
{
	json_t *args = json_object_get(call, "args");
	if (index < json_array_size(args))
		return json_array_get(args, index);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(call, "keywords"), i, k) {
		const char *name = str_field(k, "arg");
		if (kw && name && strcmp(name, kw) == 0)
			return json_object_get(k, "value");
	}
	return NULL;
}

/*
 * eval('exec') and eval(compile('exec', '', 'eval')) are the builtin exec: the name of a
 * builtin evaluated as code is a way to hide which builtin a later call runs.
 */
static char *builtin_by_text(const json_t *call, const struct val *first)
{
	const char *text = name_str(first);	/* eval('ex' + 'ec') folded */
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	const char *inner = str_field(json_object_get(arg, "func"), "_resolved");
	if (!text && ast_is(arg, AST_Call) && inner && !strcmp(inner, "builtins.compile")) {
		arg = json_array_get(json_object_get(arg, "args"), 0);
		const json_t *v = json_object_get(arg, ast_is(arg, AST_Constant) ? "value" : "_value");
		text = json_string_value(v);
	}
	if (!text || !builtin_name(text) || !strcmp(text, "__builtins__"))
		return NULL;
	return dotted("builtins", text);
}

/*
 * What a call evaluates to, when it is one of the dynamic ways to reach a module or one
 * of its attributes: __import__('os'), importlib.import_module('os'), getattr(os, 'system'),
 * globals() (then ['eval']), vars(os) (then ['system']).
 */
/*
 * ctypes.WinDLL("kernel32.dll"), windll.LoadLibrary("KERNEL32"), CDLL("libc.so.6"): the
 * library object, named as ctypes' attribute loaders name it (ctypes.windll.kernel32,
 * ctypes.cdll.libc), so that `k = WinDLL("kernel32"); k.VirtualAlloc(...)` resolves to the
 * same canonical name as ctypes.windll.kernel32.VirtualAlloc and one rule sees both.  A
 * library given by a path, or whose name is not a plain word, stays unnamed.
 */
static char *native_library(const char *callee, const char *lib)
{
	static const struct {
		const char *loader, *named_as;
	} loaders[] = {
		{ "ctypes.WinDLL", "ctypes.windll" }, { "ctypes.windll.LoadLibrary", "ctypes.windll" },
		{ "ctypes.OleDLL", "ctypes.windll" }, { "ctypes.oledll.LoadLibrary", "ctypes.windll" },
		{ "ctypes.CDLL", "ctypes.cdll" }, { "ctypes.cdll.LoadLibrary", "ctypes.cdll" },
		{ "ctypes.PyDLL", "ctypes.cdll" },
	};
	if (!lib)
		return NULL;
	for (size_t i = 0; i < sizeof loaders / sizeof *loaders; i++) {
		if (strcmp(callee, loaders[i].loader))
			continue;
		/* "kernel32.dll" -> kernel32, "libc.so.6" -> libc: the name before the first dot */
		size_t n = strcspn(lib, ".");
		if (n == 0 || n > 64)
			return NULL;
		char word[65];
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)lib[k];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			      c == '_'))
				return NULL;
			word[k] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		word[n] = '\0';
		return dotted(loaders[i].named_as, word);
	}
	return NULL;
}

static char *call_value(const char *callee, json_t *call, const struct call_args *a)
{
	if (!callee || !a->complete)
		return NULL;
	if (!strcmp(callee, "builtins.__import__") || !strcmp(callee, "importlib.__import__")) {
		const char *mod = name_str(call_arg_val(a, 0, "name"));
		if (!mod || mod[0] == '.')
			return NULL;
		json_t *from = call_arg_node(call, 3, "fromlist");
		return fromlist_empty(from, call_arg_val(a, 3, "fromlist")) ? first_component(mod)
									 : capped_dup(mod, strlen(mod));
	}
	if (!strcmp(callee, "importlib.import_module")) {
		const char *mod = name_str(call_arg_val(a, 0, "name"));
		return mod && mod[0] != '.' ? capped_dup(mod, strlen(mod)) : NULL;
	}
	if (!strcmp(callee, "builtins.getattr")) {
		const char *attr = name_str(call_arg_val(a, 1, NULL));
		const char *base = a->posname[0];
		return base && !pseudo(base) && attr ? dotted(base, attr) : NULL;
	}
	if ((!strcmp(callee, "builtins.globals") || !strcmp(callee, "builtins.locals") ||
	     !strcmp(callee, "builtins.vars")) && a->npos == 0)
		return xstrdup("<globals>");
	if (!strcmp(callee, "builtins.vars") && a->npos == 1 && a->posname[0] && !pseudo(a->posname[0]))
		return dotted(a->posname[0], "__dict__");
	if (!strcmp(callee, "builtins.eval") && a->npos == 1)
		return builtin_by_text(call, a->pos[0]);
	return native_library(callee, name_str(call_arg_val(a, 0, "name")));
}

/*
 * oct.__str__(), repr(hex), str(copyright): the text of a builtin object (builtins.c),
 * which obfuscators slice for letters.
 */
static struct val *builtin_str(const char *callee, const char *method, const struct call_args *a)
{
	const char *name = NULL;
	char *whole = NULL;
	if (!callee)
		return NULL;
	if (method && (!strcmp(method, "__str__") || !strcmp(method, "__repr__")) && a->npos == 0 &&
	    a->nkw == 0 && !strncmp(callee, "builtins.", 9)) {
		whole = capped_dup(callee + 9, strlen(callee + 9) - strlen(method) - 1);
		name = whole;
	} else if ((!strcmp(callee, "builtins.str") || !strcmp(callee, "builtins.repr")) &&
		   a->npos == 1 && a->nkw == 0 && !a->pos[0] && a->posname[0] &&
		   !strncmp(a->posname[0], "builtins.", 9)) {
		name = a->posname[0] + 9;
	}
	char *text = name && !strchr(name, '.') ? builtin_text(name) : NULL;
	free(whole);
	if (!text)
		return NULL;
	struct val *v = val_take(V_STR, text, strlen(text));
	val_add_rule(v, "fold:builtin_text");
	return v;
}

static bool is_code_runner(const char *callee)
{
	return callee && (!strcmp(callee, "builtins.exec") || !strcmp(callee, "builtins.eval") ||
			  !strcmp(callee, "builtins.compile"));
}

/*
 * Code given to exec/eval/compile as a known constant: attach its text and its tree,
 * and rewrite that tree like the file's own code, in a scope that sees the caller's names.
 */
static void on_payload(struct resolver *rs, json_t *call, const struct val *code,
		       struct scope *sc, int depth)
{
	/* `sc` is the scope whose names the payload sees: NULL for a new interpreter's. */
	if (!val_is_text(code))
		return;
	if (rs->payload_depth >= rs->budget.max_payload_depth) {
		budget_fail(&rs->budget, "payload nested more than %u layers deep: not followed",
			    rs->budget.max_payload_depth);
		check_budget(rs, call);
		/* Layer upon layer of exec is what packers do: a signal of its own (rules.yaml). */
		marks_add(call, MARK_PAYLOAD_TOO_DEEP);
		json_object_set_new(call, "_payload_source", json_string("…"));
		payload_detach(call);
		return;
	}
	json_t *tree = payload_attach(call, code, rs->payload_depth + 1);
	rs->stats->payloads++;
	if (!tree)
		return;
	json_t *origin = json_object();
	static const char *const span[] = { "lineno", "col_offset", "end_lineno", "end_col_offset" };
	for (size_t i = 0; i < 4; i++)
		json_object_set(origin, span[i], json_object_get(call, span[i]));
	json_object_set_new(origin, "rules", val_rules_json(code));
	json_object_set_new(origin, "depth", json_integer(rs->payload_depth + 1));
	json_object_set_new(tree, "_origin", origin);
	scan_tree(rs, tree, depth);	/* its names, for container_fixed */
	struct scope *ps = scope_new(&rs->arena, SCOPE_MODULE, sc);
	json_t *saved = rs->anchor;
	if (!rs->anchor)
		rs->anchor = call;
	rs->payload_depth++;
	const json_t *body = rs->body;	/* the payload's statements are no part of the def's */
	rs->body = NULL;
	res_free(visit(rs, tree, ps, depth + 2));
	rs->body = body;
	rs->payload_depth--;
	rs->anchor = saved;
}

/*
 * The interpreter run on code of its command line (`[sys.executable, "-c", CODE]`,
 * payload.c): CODE, when rewrite knows it, is a payload like exec's, run by a new
 * process that sees none of the caller's names.  `word` is the command's CODE word.
 */
static void on_interpreter_code(struct resolver *rs, json_t *call, json_t *word,
				struct scope *sc, int depth)
{
	struct val *code = NULL;
	const json_t *folded = json_object_get(word, "_value");
	if (ast_is(word, AST_Constant)) {
		code = val_from_constant(json_object_get(word, "value"));
	} else if (ast_is(word, AST_Name)) {	/* a name bound to a literal has no `_value` */
		struct res r = visit(rs, word, sc, depth + 1);
		code = val_ref(r.v);
		res_free(r);
	} else if (folded) {
		code = val_from_constant(folded);
		size_t i;
		json_t *rule;
		json_array_foreach(json_object_get(json_object_get(word, "_origin"), "rules"), i, rule)
			if (code && json_is_string(rule))
				val_add_rule(code, json_string_value(rule));
	}
	if (val_is_text(code))
		on_payload(rs, call, code, NULL, depth);
	else if (rs->rerun)
		json_object_del(call, "_payload_source"), payload_detach(call);
	val_unref(code);
}

/* Template samples tried per tree: each costs a pass over its def. */
#define TEMPLATE_MAX 32

/*
 * exec/eval of text a def builds from literal templates and counts it does not fix
 * (template.c): the samples, one per count, are the payload (rule `fold:template`), kept
 * only when they parse and their integers name the sample's own variables or index
 * values nobody computed.  False when there is no such payload.
 */
static bool on_template(struct resolver *rs, json_t *call, struct scope *sc, int depth)
{
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	struct template_sample t;
	if (!rs->body || rs->budget.exhausted || rs->templates >= TEMPLATE_MAX ||
	    rs->payload_depth >= rs->budget.max_payload_depth)
		return false;
	rs->templates++;
	if (!template_sample(rs->body, call, arg, &t))
		return false;
	bool clean = false;
	payload_parse_checked(t.text, t.len, &clean);	/* the tree is the arena's */
	bool kept = false;
	if (clean) {
		struct val *code = val_copy(V_STR, t.text, t.len);
		val_add_rule(code, "fold:template");
		on_payload(rs, call, code, sc, depth);
		val_unref(code);
		kept = template_holes_ok(json_object_get(call, "_payload"), &t);
	}
	if (!kept)
		json_object_del(call, "_payload_source"), payload_detach(call);
	template_sample_free(&t);
	return kept;
}

static void on_marshal(struct resolver *rs, json_t *call, const struct val *blob)
{
	/* A marshalled code object starts with TYPE_CODE ('c'), maybe with FLAG_REF (0x80). */
	if (!blob || blob->kind != V_BYTES || blob->s.n < 16 || (blob->s.p[0] & 0x7f) != 'c')
		return;
	char *msg = xasprintf("marshal.loads() of an embedded %zu-byte blob: a hidden code object "
			      "(not executed)", blob->s.n);
	add_hit(rs, call, HIT_REWRITE(MarshalPayload), msg);
	free(msg);
}

static struct res on_call(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	json_t *func = json_object_get(node, "func");
	struct res f = NONE;
	struct val *recv = NULL;
	const char *method = NULL;
	if (ast_is(func, AST_Attribute)) {
		/* Walked here rather than by on_attribute: a method needs its receiver's value. */
		struct res base = visit_field(rs, func, "value", sc, depth + 1);
		method = str_field(func, "attr");
		if (base.name && !pseudo(base.name) && method && is_load(func))
			f.name = dotted(base.name, method);
		annotate(rs, func, f.name);
		recv = base.v;
		free(base.name);
	} else {
		f = visit_field(rs, node, "func", sc, depth);
	}

	struct call_args a = { .complete = true };
	char *posname[FOLD_MAX_ARGS] = { NULL };
	json_t *args = json_object_get(node, "args"), *kws = json_object_get(node, "keywords");
	size_t i;
	json_t *arg;
	json_array_foreach(args, i, arg) {
		struct res r = visit(rs, arg, sc, depth + 2);
		if (ast_is(arg, AST_Starred) || i >= FOLD_MAX_ARGS) {
			a.complete = false;
			res_free(r);
			continue;
		}
		a.pos[i] = r.v;
		a.posname[i] = posname[i] = r.name;
		a.npos = i + 1;
	}
	json_array_foreach(kws, i, arg) {
		struct res r = visit_field(rs, arg, "value", sc, depth + 2);
		const char *kw = str_field(arg, "arg");
		if (!kw || i >= FOLD_MAX_ARGS) {
			a.complete = false;
			res_free(r);
			continue;
		}
		free(r.name);
		a.kwname[i] = kw;
		a.kw[i] = r.v;
		a.nkw = i + 1;
	}

	const char *callee = f.name;
	struct res out = NONE;
	json_t *code_word;
	struct val *shell_code;
	if (f.v && f.v->kind == V_GETTER && a.npos == 1 && a.posname[0] && !pseudo(a.posname[0]))
		out.name = dotted(a.posname[0], f.v->s.p);	/* operator.attrgetter('system')(os) */
	else
		out.name = call_value(callee, node, &a);
	/* eval('exec') yields a builtin by its name: aura-analyze flags the call. */
	if (callee && !strcmp(callee, "builtins.eval") && out.name)
		json_object_set_new(node, "_evaluates_to", json_string(out.name));
	else
		json_object_del(node, "_evaluates_to");	/* stale, from an earlier run */
	annotate(rs, node, callee);
	if (rs->rerun)
		marks_clear(node);
	marks_call(node, callee, rs->defs);	/* command lines, callables handed on, builtins written */

	if (!rs->budget.exhausted)
		out.v = builtin_str(callee, method, &a);
	if (!rs->budget.exhausted && !out.v) {
		if (recv && method)
			out.v = fold_method(&rs->budget, recv, method, &a);
		else if (callee && !strcmp(callee, "builtins.map") && a.npos == 2 && a.pos[1] &&
			 ast_is(json_array_get(args, 0), AST_Lambda))
			out.v = eval_map_lambda(&rs->ec, json_array_get(args, 0), a.pos[1], sc, 0);
		else if (callee)
			out.v = fold_call(&rs->budget, callee, &a);
	}
	check_budget(rs, node);
	annotate_value(rs, node, out.v);

	if (is_code_runner(callee) && a.complete && a.npos >= 1 && val_is_text(a.pos[0]))
		on_payload(rs, node, a.pos[0], sc, depth);
	else if (is_code_runner(callee) && a.npos >= 1 && on_template(rs, node, sc, depth))
		;	/* built from literal templates and counts: a sample is the payload */
	else if (is_code_runner(callee) && rs->rerun)	/* a loop's may come back (on_for) */
		json_object_del(node, "_payload_source"), payload_detach(node);
	else if (callee && !strcmp(callee, "marshal.loads") && a.npos >= 1)
		on_marshal(rs, node, a.pos[0]);
	else if ((code_word = payload_interpreter_code(node, callee)))
		on_interpreter_code(rs, node, code_word, sc, depth);
	else if (a.npos >= 1 && (shell_code = payload_shell_code(node, callee, a.pos[0]))) {
		on_payload(rs, node, shell_code, NULL, depth);	/* a new interpreter's code */
		val_unref(shell_code);
	}
	else if (rs->rerun)
		json_object_del(node, "_payload_source"), payload_detach(node);

	for (i = 0; i < a.npos; i++) {
		val_unref(a.pos[i]);
		free(posname[i]);
	}
	for (i = 0; i < a.nkw; i++)
		val_unref(a.kw[i]);
	val_unref(recv);
	res_free(f);
	return out;
}

/* Python 2's `exec code in ns` statement: a payload like exec(code). */
static struct res on_exec_stmt(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res body = visit_field(rs, node, "body", sc, depth);
	walk_field(rs, node, "globals", sc, depth);
	walk_field(rs, node, "locals", sc, depth);
	if (body.v)
		on_payload(rs, node, body.v, sc, depth);
	res_free(body);
	return NONE;
}

/*
 * sys.modules['os'] is the module os; builtins.__dict__['eval'] and, in an imported module,
 * __builtins__['eval'] (there __builtins__ is the dict) are builtins.eval; globals()['x']
 * is whatever x is.  A constant container indexed by a constant folds.
 */
static struct res on_subscript(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res base = visit_field(rs, node, "value", sc, depth);
	struct res idx = visit_field(rs, node, "slice", sc, depth);
	const char *key = name_str(idx.v);
	struct res r = NONE;
	if (base.name && key && is_load(node)) {
		size_t n = strlen(base.name), suffix = strlen(".__dict__");
		if (strcmp(base.name, "sys.modules") == 0)
			r.name = capped_dup(key, strlen(key));
		else if (strcmp(base.name, "os.environ") == 0)	/* a folder's template, or unknown */
			r.v = fold_env_folder(key);
		else if (strcmp(base.name, "builtins") == 0)
			r.name = dotted(base.name, key);
		else if (strcmp(base.name, "<globals>") == 0) {
			r.name = scope_resolve(sc, key);
			if (!r.name)
				r.v = val_ref(scope_value(&rs->arena, sc, key));
		} else if (n > suffix && strcmp(base.name + n - suffix, ".__dict__") == 0) {
			base.name[n - suffix] = '\0';
			r.name = dotted(base.name, key);
		}
	}
	if (!r.name && !r.v && base.v && idx.v && is_load(node))
		r.v = fold_subscript(&rs->budget, base.v, idx.v);
	annotate(rs, node, r.name);
	res_free(base);
	res_free(idx);
	check_budget(rs, node);
	annotate_value(rs, node, r.v);
	return r;
}

/* `(x := os.system)` binds x like an assignment and has the value's name. */
static struct res on_named_expr(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res v = visit_field(rs, node, "value", sc, depth);
	bind_target(rs, json_object_get(node, "target"), sc, &v, depth + 1);
	return v;
}

/* Comprehensions have their own scope: the loop variables do not leak (Python 3). */
static struct res on_comprehension(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct scope *cs = scope_new(&rs->arena, SCOPE_COMPREHENSION, sc);
	size_t i;
	json_t *gen;
	json_array_foreach(json_object_get(node, "generators"), i, gen) {
		walk_field(rs, gen, "iter", i == 0 ? sc : cs, depth + 2);
		bind_target(rs, json_object_get(gen, "target"), cs, &NONE, depth + 3);
		walk_field(rs, gen, "ifs", cs, depth + 2);
	}
	walk_field(rs, node, "elt", cs, depth);
	walk_field(rs, node, "key", cs, depth);
	walk_field(rs, node, "value", cs, depth);
	/* Then, with every callee resolved, the comprehension itself when its input is known. */
	struct val *v = NULL;
	if (!ast_is(node, AST_SetComp) && !rs->budget.exhausted)
		v = eval_comprehension(&rs->ec, node, sc, NULL, 0);
	check_budget(rs, node);
	return (struct res){ NULL, v };
}

/* ---- binding statements ---- */

/* Inside a compound statement a binding may or may not happen: forget it on the way out. */
static void note_binding(struct resolver *rs, struct scope *sc, const char *name)
{
	if (!rs->compound)
		return;
	if (rs->nkills == rs->capkills) {
		rs->capkills = rs->capkills ? rs->capkills * 2 : 32;
		rs->kills = xrealloc(rs->kills, rs->capkills * sizeof *rs->kills);
	}
	rs->kills[rs->nkills++] = (struct kill){ sc, name };
}

/* A list, dict or bytearray: code may change it after it is bound. */
static bool mutable(const struct val *v)
{
	return v->kind == V_LIST || v->kind == V_DICT || (v->kind == V_BYTES && v->bytearray);
}

/*
 * Bind what an assignment target names: a plain name becomes an alias of the value's
 * canonical name (`s = os.system`), or stands for its constant value (`k = 'sys'+'tem'`),
 * or is unknown; unpacking a known tuple binds each name.  A list, dict or bytearray
 * stands for its value only when the file never changes a container of that name
 * (`x.append(v)`, `x[0] = v`, `fill(x)`: container_fixed).  Attribute and subscript
 * targets bind nothing but their parts are still read.
 */
static void bind_target(struct resolver *rs, json_t *t, struct scope *sc, const struct res *value,
			int depth)
{
	if (!json_is_object(t) || too_deep(rs, depth, t))
		return;
	if (ast_is(t, AST_Name)) {
		const char *id = str_field(t, "id");
		if (id) {
			if (value->name && !pseudo(value->name))
				scope_bind(sc, id, value->name);
			else if (value->v && !value->name && (!mutable(value->v) || container_fixed(rs, id, false)))
				scope_bind_value(&rs->arena, sc, id, value->v);
			else
				scope_bind(sc, id, NULL);
			if (value->v && !value->name && mutable(value->v) && !container_fixed(rs, id, false) &&
			    container_fixed(rs, id, true)) {
				rs->growing = xrealloc(rs->growing, (rs->ngrowing + 1) * sizeof *rs->growing);
				rs->growing[rs->ngrowing++] = (struct named_val){ id, val_ref(value->v) };
			}
			note_binding(rs, sc, id);
		}
		if (rs->rerun)
			json_object_del(t, "_resolved");
	} else if (ast_is(t, AST_Tuple) || ast_is(t, AST_List)) {
		json_t *elts = json_object_get(t, "elts");
		const struct val *v = value->v;
		bool unpack = v && (v->kind == V_TUPLE || v->kind == V_LIST) &&
			      v->seq.n == json_array_size(elts);
		size_t i;
		json_t *elt;
		json_array_foreach(elts, i, elt) {
			struct res item = { NULL, unpack && !ast_is(elt, AST_Starred) ? v->seq.items[i] : NULL };
			bind_target(rs, elt, sc, &item, depth + 2);
		}
	} else if (ast_is(t, AST_Starred)) {
		bind_target(rs, json_object_get(t, "value"), sc, &NONE, depth + 1);
	} else {
		res_free(visit(rs, t, sc, depth));
	}
}

static void bind_targets_field(struct resolver *rs, json_t *node, const char *key,
			       struct scope *sc, const struct res *value, int depth)
{
	json_t *targets = json_object_get(node, key);
	if (!json_is_array(targets)) {
		bind_target(rs, targets, sc, value, depth + 1);
		return;
	}
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
		bind_target(rs, t, sc, value, depth + 2);
}

static struct res on_import(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	size_t i;
	json_t *alias;
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
		if (!name)
			continue;
		if (as) {	/* import os.path as p: p is os.path */
			char *canon = capped_dup(name, strlen(name));
			scope_bind(sc, as, canon);
			free(canon);
		} else {	/* import os.path: binds os, and os.path is reached through it */
			char *first = first_component(name);
			if (first)
				scope_bind(sc, first, first);
			free(first);
		}
	}
	return NONE;
}

static struct res on_import_from(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	const char *module = str_field(node, "module");
	json_int_t level = json_integer_value(json_object_get(node, "level"));
	size_t i;
	json_t *alias;
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
		if (!name || strcmp(name, "*") == 0)	/* star imports bind names we cannot see */
			continue;
		/* Relative imports name a module of the package itself: unknown, not os. */
		char *canon = module && level == 0 ? dotted(module, name) : NULL;
		scope_bind(sc, as ? as : name, canon);
		free(canon);
	}
	return NONE;
}

static void defer(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (rs->nqueue == rs->capqueue) {
		rs->capqueue = rs->capqueue ? rs->capqueue * 2 : 16;
		rs->queue = xrealloc(rs->queue, rs->capqueue * sizeof *rs->queue);
	}
	rs->queue[rs->nqueue++] = (struct deferred){ node, sc, depth, rs->anchor, rs->payload_depth };
}

/* The parameter names of a def or lambda, in a JSON object used as a set. */
static bool is_param(const json_t *args, const char *name)
{
	static const char *const lists[] = { "posonlyargs", "args", "kwonlyargs" };
	for (size_t l = 0; l < 3; l++) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(args, lists[l]), i, a)
			if (!strcmp(str_field(a, "arg") ? str_field(a, "arg") : "", name))
				return true;
	}
	const char *va = str_field(json_object_get(args, "vararg"), "arg");
	const char *kw = str_field(json_object_get(args, "kwarg"), "arg");
	return (va && !strcmp(va, name)) || (kw && !strcmp(kw, name));
}

/* An argument that only passes a parameter on: x, *args, **kwargs. */
static bool forwards_param(const json_t *e, const json_t *params)
{
	if (ast_is(e, AST_Starred))
		e = json_object_get(e, "value");
	return ast_is(e, AST_Name) && str_field(e, "id") && is_param(params, str_field(e, "id"));
}

/*
 * `lambda x: eval(x)` and `def run(c): return os.system(c)` only forward their
 * parameters to another call: calling them is calling that callee, whose canonical name
 * (as seen where the wrapper is defined) is returned.
 */
static char *forwarded_callee(const json_t *fn, const json_t *body, struct scope *sc)
{
	const json_t *params = json_object_get(fn, "args");
	if (json_is_array(body)) {
		if (json_array_size(body) != 1)
			return NULL;
		body = json_array_get(body, 0);
		if (!ast_is(body, AST_Return) && !ast_is(body, AST_Expr))
			return NULL;
		body = json_object_get(body, "value");
	}
	if (!ast_is(body, AST_Call))
		return NULL;
	size_t i;
	const json_t *a;
	json_array_foreach(json_object_get(body, "args"), i, a)
		if (!forwards_param(a, params))
			return NULL;
	json_array_foreach(json_object_get(body, "keywords"), i, a)
		if (!forwards_param(json_object_get(a, "value"), params))
			return NULL;
	/* The callee: a dotted chain whose first name is not a parameter. */
	const char *parts[16];
	int np = 0;
	const json_t *f = json_object_get(body, "func");
	while (ast_is(f, AST_Attribute) && np < 15) {
		parts[np++] = str_field(f, "attr");
		f = json_object_get(f, "value");
	}
	const char *id = str_field(f, "id");
	if (!ast_is(f, AST_Name) || !id || is_param(params, id))
		return NULL;
	char *name = scope_resolve(sc, id);
	while (name && np > 0) {
		const char *attr = parts[--np];
		char *longer = attr ? dotted(name, attr) : NULL;
		free(name);
		name = longer;
	}
	return name;
}

/*
 * A decorator that calls what it decorates (`@(lambda f: f())`) runs the body where the
 * def is: `_called_at_definition` tells aura-analyze's reachability (docs/rewrite.md).
 */
static void called_at_definition(struct resolver *rs, json_t *node)
{
	bool called = false;
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(node, "decorator_list"), i, d)
		called = called || marks_decorator_calls(d, rs->defs);
	if (called)
		json_object_set_new(node, "_called_at_definition", json_true());
	else if (rs->rerun)
		json_object_del(node, "_called_at_definition");
	const char *name = str_field(node, "name");
	if (name && ast_is(node, AST_FunctionDef))
		json_object_set(rs->defs, name, node);
	else if (name && ast_is(node, AST_ClassDef))
		json_object_set(rs->classes, name, node);
}

/* Decorators, defaults and annotations run at definition time; the body later. */
static struct res on_function_def(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "decorator_list", sc, depth);
	called_at_definition(rs, node);
	walk_field(rs, node, "args", sc, depth);
	walk_field(rs, node, "returns", sc, depth);
	const char *name = str_field(node, "name");
	if (name) {
		bool plain = json_array_size(json_object_get(node, "decorator_list")) == 0;
		char *fwd = plain ? forwarded_callee(node, json_object_get(node, "body"), sc) : NULL;
		scope_bind(sc, name, fwd);
		free(fwd);
	}
	defer(rs, node, sc, depth);
	return NONE;
}

static struct res on_lambda(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "args", sc, depth);
	defer(rs, node, sc, depth);
	return (struct res){ forwarded_callee(node, json_object_get(node, "body"), sc), NULL };
}

/* A class body runs at once, in its own scope, which its methods do not see. */
static struct res on_class_def(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "decorator_list", sc, depth);
	called_at_definition(rs, node);
	walk_field(rs, node, "bases", sc, depth);
	walk_field(rs, node, "keywords", sc, depth);
	struct scope *cs = scope_new(&rs->arena, SCOPE_CLASS, sc);
	walk_field(rs, node, "body", cs, depth);
	const char *name = str_field(node, "name");
	if (name)
		scope_bind(sc, name, NULL);
	return NONE;
}

static bool runs_code(const char *name)
{
	return name && (is_code_runner(name) || !strcmp(name, "builtins.__import__") ||
			!strcmp(name, "builtins.execfile"));
}

/*
 * `_a, _b = exec, str`: each name of the target stands for the element at its place, so
 * `_a(...)` is exec.  An obfuscator hides its exec this way; the assignment is marked when
 * it renames a builtin that runs code (MARK_BUILTIN_ALIAS).  Only for a single target whose
 * elements pair up one to one (no starred element).
 */
static bool bind_parallel(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	json_t *targets = json_object_get(node, "targets");
	json_t *t = json_array_get(targets, 0), *value = json_object_get(node, "value");
	if (json_array_size(targets) != 1 || !(ast_is(t, AST_Tuple) || ast_is(t, AST_List)) ||
	    !(ast_is(value, AST_Tuple) || ast_is(value, AST_List)))
		return false;
	json_t *names = json_object_get(t, "elts"), *values = json_object_get(value, "elts");
	size_t n = json_array_size(names), i;
	json_t *e;
	if (n != json_array_size(values))
		return false;
	json_array_foreach(names, i, e)
		if (ast_is(e, AST_Starred) || ast_is(json_array_get(values, i), AST_Starred))
			return false;
	/* Python evaluates every value before binding any name. */
	struct res *items = xmalloc((n + 1) * sizeof *items);
	json_array_foreach(values, i, e)
		items[i] = visit(rs, e, sc, depth + 2);
	bool alias = false;
	json_array_foreach(names, i, e) {
		const char *id = ast_is(e, AST_Name) ? str_field(e, "id") : NULL;
		alias = alias || (runs_code(items[i].name) && id &&
				  strcmp(id, strrchr(items[i].name, '.') + 1));
		bind_target(rs, e, sc, &items[i], depth + 2);
		res_free(items[i]);
	}
	free(items);
	if (rs->rerun)
		json_object_del(node, "_marks");
	if (alias)
		marks_add(node, MARK_BUILTIN_ALIAS);
	return true;
}

static struct res on_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (bind_parallel(rs, node, sc, depth))
		return NONE;
	struct res v = visit_field(rs, node, "value", sc, depth);
	bind_targets_field(rs, node, "targets", sc, &v, depth);
	res_free(v);
	if (rs->rerun)
		json_object_del(node, "_marks");
	marks_assign(node, rs->classes);
	return NONE;
}

static struct res on_ann_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "annotation", sc, depth);
	json_t *value = json_object_get(node, "value");
	if (!value || json_is_null(value))	/* `x: int` declares, binds nothing */
		return NONE;
	struct res v = visit(rs, value, sc, depth + 1);
	bind_targets_field(rs, node, "target", sc, &v, depth);
	res_free(v);
	return NONE;
}

/* x += 'b' on a known x is a simple reassignment; anything else makes x unknown. */
static struct res on_aug_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct res v = visit_field(rs, node, "value", sc, depth);
	json_t *t = json_object_get(node, "target");
	struct res now = NONE;
	if (ast_is(t, AST_Name) && str_field(t, "id") && v.v && !scope_resolve(sc, str_field(t, "id"))) {
		struct val *old = scope_value(&rs->arena, sc, str_field(t, "id"));
		now.v = fold_binop(&rs->budget, ast_kind(json_object_get(node, "op")), old, v.v);
		check_budget(rs, node);
	}
	bind_targets_field(rs, node, "target", sc, &now, depth);
	res_free(now);
	res_free(v);
	return NONE;
}

static struct res on_delete(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	bind_targets_field(rs, node, "targets", sc, &NONE, depth);
	return NONE;
}

/* ---- compound statements: what is bound inside is not known after ---- */

static void forget_since(struct resolver *rs, size_t mark)
{
	for (size_t i = mark; i < rs->nkills; i++)
		scope_forget_value(rs->kills[i].sc, rs->kills[i].name);
}

static void leave_compound(struct resolver *rs, size_t mark)
{
	rs->compound--;
	forget_since(rs, mark);
	if (!rs->compound)
		rs->nkills = 0;
}

/*
 * A loop body runs many times: a name it assigns has no single value anywhere in the
 * loop, not even before the assignment (the second time round).  Forget those names
 * before walking it.  Nested defs, classes, lambdas and comprehensions bind elsewhere.
 */
static void forget_assigned(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (too_deep(rs, depth, node))
		return;
	switch (json_is_array(node) ? AST_UNKNOWN : ast_kind(node)) {
	case AST_NONE:
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef: case AST_Lambda:
	case AST_ListComp: case AST_SetComp: case AST_DictComp: case AST_GeneratorExp:
	case AST_Constant:
		return;
	case AST_Name:
		if (!is_load(node) && str_field(node, "id"))
			scope_forget_value(sc, str_field(node, "id"));
		return;
	default:
		break;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
		forget_assigned(rs, child, sc, depth + 1);
}

static struct res on_compound(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	size_t mark = rs->nkills;
	rs->compound++;
	visit_children(rs, node, sc, depth);
	leave_compound(rs, mark);
	return NONE;
}

/* ---- loops over constants: the target takes each element in turn ---- */

#define EACH_MAX 64	/* elements (or combinations, for nested loops) followed, at most */

/* The scan's record of `id` (created). */
static json_t *loop_name(struct resolver *rs, const char *id)
{
	json_t *e = json_object_get(rs->loopnames, id);
	if (!e) {
		e = json_pack("{s:i, s:b, s:[], s:[]}", "stores", 0, "changed", 0, "added", "via");
		if (!e)
			aura_oom();
		json_object_set_new(rs->loopnames, id, e);
	}
	return e;
}

static void loop_name_changed(struct resolver *rs, const char *id)
{
	json_object_set_new(loop_name(rs, id), "changed", json_true());
}

/* The name `n` is, when it is a Name. */
static const char *name_id(const json_t *n)
{
	return ast_is(n, AST_Name) ? str_field(n, "id") : NULL;
}

/* Fields where a name is only read: a loop's iterable, `in`, an operand, an index. */
static bool field_reads(const json_t *node, const char *key)
{
	switch (ast_kind(node)) {
	case AST_For: case AST_AsyncFor: case AST_comprehension:
		return !strcmp(key, "iter");
	case AST_Compare:
		return !strcmp(key, "left") || !strcmp(key, "comparators");
	case AST_Subscript:
		return is_load(node) && (!strcmp(key, "value") || !strcmp(key, "slice"));
	case AST_BinOp:
		return !strcmp(key, "left") || !strcmp(key, "right");
	case AST_UnaryOp:
		return !strcmp(key, "operand");
	case AST_BoolOp:
		return !strcmp(key, "values");
	case AST_If: case AST_While: case AST_IfExp: case AST_Assert:
		return !strcmp(key, "test");
	case AST_Expr: case AST_FormattedValue:
		return !strcmp(key, "value");
	default:
		return false;
	}
}

/* Calls that only read the container they are given (when the file rebinds none of them). */
static bool reading_builtin(const char *id)
{
	static const char *const readers[] = { "set", "frozenset", "list", "tuple", "sorted", "len",
					       "enumerate", "reversed", "min", "max", "any", "all",
					       "iter", "zip", "str", "repr", "print", "isinstance" };
	for (size_t i = 0; id && i < sizeof readers / sizeof *readers; i++)
		if (!strcmp(id, readers[i]))
			return true;
	return false;
}

/* x.append("c"), x.insert(i, "c"), x.extend(("c", "d")): constants the container gains;
 * x.remove(...), x.sort(), x.index(...): it only shrinks or is read.  Anything else
 * changes it in a way not followed. */
static void scan_method(struct resolver *rs, const char *id, const char *method, const json_t *args)
{
	static const char *const readers[] = { "remove", "discard", "pop", "clear", "sort", "reverse",
					       "index", "count", "copy", "keys", "get", "__contains__" };
	for (size_t i = 0; method && i < sizeof readers / sizeof *readers; i++)
		if (!strcmp(method, readers[i]))
			return;
	const json_t *item = NULL, *items = NULL;
	size_t n = json_array_size(args);
	if (method && (!strcmp(method, "append") || !strcmp(method, "add")) && n == 1)
		item = json_array_get(args, 0);
	else if (method && !strcmp(method, "insert") && n == 2)
		item = json_array_get(args, 1);
	else if (method && (!strcmp(method, "extend") || !strcmp(method, "update")) && n == 1)
		items = json_object_get(json_array_get(args, 0), "elts");
	json_t *added = json_object_get(loop_name(rs, id), "added");
	if (ast_is(item, AST_Constant)) {
		json_array_append(added, json_object_get(item, "value"));
		return;
	}
	size_t i;
	const json_t *e;
	json_array_foreach(items, i, e) {
		if (!ast_is(e, AST_Constant))
			break;
		json_array_append(added, json_object_get(e, "value"));
	}
	if (!items || i < json_array_size(items))
		loop_name_changed(rs, id);
}

/*
 * One scan of the tree, by name and blind to scopes (so it errs on the side of "changed"):
 * how often each name is bound, whether its container may change (an item stored, an
 * unknown method, handed to a call or to another name), and the constants appended.
 */
static void scan_names(struct resolver *rs, const json_t *node, bool read_ok, int depth)
{
	if (!node || rs->loopnames_cut)
		return;
	if (!ast_guard_ok(&rs->guard, depth)) {
		rs->loopnames_cut = true;
		return;
	}
	size_t i;
	const json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			scan_names(rs, child, read_ok, depth + 1);
		return;
	}
	const char *id = name_id(node);
	if (id) {
		json_t *e = loop_name(rs, id);
		if (ast_is(json_object_get(node, "ctx"), AST_Store))
			json_object_set_new(e, "stores", json_integer(json_integer_value(json_object_get(e, "stores")) + 1));
		else if (!read_ok)
			loop_name_changed(rs, id);
		return;
	}
	if (ast_is(node, AST_Call)) {
		const json_t *func = json_object_get(node, "func"), *args = json_object_get(node, "args");
		const json_t *recv = ast_is(func, AST_Attribute) ? json_object_get(func, "value") : NULL;
		const char *method = recv ? str_field(func, "attr") : NULL;
		const char *builtin = reading_builtin(name_id(func)) ? name_id(func) : NULL;
		/* a str or bytes literal's method ("".join(x), "xs".translate(t)) only reads x */
		bool joins = method && ast_is(recv, AST_Constant);
		if (name_id(recv))
			scan_method(rs, name_id(recv), method, args);
		else
			scan_names(rs, recv ? recv : func, false, depth + 1);
		json_array_foreach(args, i, child)	/* sorted(x): only if sorted is the builtin */
			if (builtin && name_id(child))
				json_array_append_new(json_object_get(loop_name(rs, name_id(child)), "via"),
						      json_string(builtin));
		scan_names(rs, args, builtin || joins, depth + 1);
		scan_names(rs, json_object_get(node, "keywords"), false, depth + 1);
		return;
	}
	/* Other bindings of a name: def, class, parameter, import. */
	const char *bound = ast_is(node, AST_FunctionDef) || ast_is(node, AST_AsyncFunctionDef) ||
			    ast_is(node, AST_ClassDef) ? str_field(node, "name")
			    : ast_is(node, AST_arg) ? str_field(node, "arg")
			    : ast_is(node, AST_alias) ? (str_field(node, "asname") ? str_field(node, "asname")
							  : str_field(node, "name"))
			    : NULL;
	if (bound) {
		json_t *e = loop_name(rs, bound);
		json_object_set_new(e, "stores", json_integer(json_integer_value(json_object_get(e, "stores")) + 1));
	}
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)node, key, value)
		if (key[0] != '_' && (json_is_object(value) || json_is_array(value)))
			scan_names(rs, value, field_reads(node, key), depth + 1);
}

/* The scan of the file (made once, when first needed), joined by the payload `tree` if any. */
static void scan_tree(struct resolver *rs, const json_t *tree, int depth)
{
	if (!rs->loopnames) {
		rs->loopnames = json_object();
		if (!rs->loopnames)
			aura_oom();
		scan_names(rs, rs->root, false, 0);
	}
	if (tree)
		scan_names(rs, tree, false, depth);
}

/*
 * Whether the file binds `id` once and never changes a container of that name: no item
 * stored, no method but those that read (or, with `constants_added`, add constants:
 * they are elements of a loop's iterable too), never handed to a call that may change it.
 * The scan is made once per tree (payload trees join it as they are attached).
 */
static bool container_fixed(struct resolver *rs, const char *id, bool constants_added)
{
	scan_tree(rs, NULL, 0);
	const json_t *rec = json_object_get(rs->loopnames, id);
	bool ok = !rs->loopnames_cut && json_integer_value(json_object_get(rec, "stores")) == 1 &&
		  !json_is_true(json_object_get(rec, "changed")) &&
		  (constants_added || !json_array_size(json_object_get(rec, "added")));
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(rec, "via"), i, e)	/* the readers it is given */
		if (json_integer_value(json_object_get(json_object_get(rs->loopnames,
					json_string_value(e)), "stores")))
			ok = false;
	return ok;
}

/* A Constant value of the scan, as an evaluator value. */
static bool push_constant(struct val ***items, size_t *n, struct val *v)
{
	if (!v || v->kind > V_BYTES || v->kind == V_FLOAT || *n >= EACH_MAX) {
		val_unref(v);
		return false;
	}
	*items = xrealloc(*items, (*n + 1) * sizeof **items);
	(*items)[(*n)++] = v;
	return true;
}

/*
 * The elements a `for` over `iter` takes, when the code writes them: a tuple, list, set or
 * dict literal (its keys; `.keys()` too), or a name bound once to such a container that
 * the file never changes but by appending constants (which are elements too).  Each must
 * be a str, bytes, int, bool or None; 1 to EACH_MAX of them.  A V_LIST, or NULL.
 */
static struct val *loop_values(struct resolver *rs, const json_t *iter, struct scope *sc)
{
	const json_t *func = ast_is(iter, AST_Call) ? json_object_get(iter, "func") : NULL;
	if (ast_is(func, AST_Attribute) && !json_array_size(json_object_get(iter, "args")) &&
	    !strcmp(str_field(func, "attr") ? str_field(func, "attr") : "", "keys"))
		iter = json_object_get(func, "value");
	struct val **items = NULL;
	size_t n = 0, i;
	bool ok = true;
	const json_t *e;
	const char *id = name_id(iter);
	if (id) {
		const struct val *v = scope_value(&rs->arena, sc, id);
		for (i = rs->ngrowing; !v && i-- > 0;)	/* bound once in the file: one of that name */
			if (!strcmp(rs->growing[i].name, id))
				v = rs->growing[i].v;
		char *alias = scope_resolve(sc, id);
		ok = container_fixed(rs, id, true) && !alias && v &&
		     (v->kind == V_LIST || v->kind == V_TUPLE || v->kind == V_DICT);
		free(alias);
		const json_t *rec = json_object_get(rs->loopnames, id);
		size_t step = ok && v->kind == V_DICT ? 2 : 1;
		for (i = 0; ok && i < v->seq.n; i += step)
			ok = push_constant(&items, &n, val_ref(v->seq.items[i]));
		json_array_foreach(json_object_get(rec, "added"), i, e)
			if (ok)
				ok = push_constant(&items, &n, val_from_constant(e));
	} else if (ast_is(iter, AST_Tuple) || ast_is(iter, AST_List) || ast_is(iter, AST_Set) ||
		   ast_is(iter, AST_Dict)) {
		json_array_foreach(json_object_get(iter, ast_is(iter, AST_Dict) ? "keys" : "elts"), i, e)
			if (ok)
				ok = !ast_is(e, AST_Starred) &&
				     push_constant(&items, &n, eval_expr(&rs->ec, e, sc, NULL, 0));
	} else {
		ok = false;
	}
	if (!ok || !n) {
		for (i = 0; i < n; i++)
			val_unref(items[i]);
		free(items);
		return NULL;
	}
	return val_seq(V_LIST, items, n);
}

/*
 * exec/eval/compile inside loops over constants, whose code is not known as one value:
 * its argument evaluated once for each combination of the loops' targets (`envs`).  When
 * every one is text, the texts, one per line, are the payload (rule `fold:each`), so
 * eval("_%s_aliases" % flavor) for flavor in ("numpy", "python") runs the code
 * `_numpy_aliases` and `_python_aliases`, analysed like any payload.
 */
static void loop_payloads(struct resolver *rs, json_t *node, struct scope *sc,
			  const struct env *const *envs, size_t nenvs, int depth)
{
	if (!node || too_deep(rs, depth, node))
		return;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			loop_payloads(rs, child, sc, envs, nenvs, depth + 1);
		return;
	}
	switch (ast_kind(node)) {
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_Lambda: case AST_ClassDef:
		return;	/* runs later, or in a scope of its own */
	case AST_For: case AST_AsyncFor: {
		const char *id = name_id(json_object_get(node, "target"));
		struct val *inner = id ? loop_values(rs, json_object_get(node, "iter"), sc) : NULL;
		if (!inner || nenvs * inner->seq.n > EACH_MAX) {
			val_unref(inner);
			loop_payloads(rs, json_object_get(node, "body"), sc, envs, nenvs, depth + 1);
			return;
		}
		size_t m = nenvs * inner->seq.n;
		struct env *more = xmalloc(m * sizeof *more);
		const struct env **envs2 = xmalloc(m * sizeof *envs2);
		for (size_t k = 0; k < m; k++) {
			more[k] = (struct env){ id, inner->seq.items[k % inner->seq.n], envs[k / inner->seq.n] };
			envs2[k] = &more[k];
		}
		loop_payloads(rs, json_object_get(node, "body"), sc, envs2, m, depth + 1);
		free(envs2);
		free(more);
		val_unref(inner);
		return;
	}
	default:
		break;
	}
	const json_t *arg = json_array_get(json_object_get(node, "args"), 0);
	if (ast_is(node, AST_Call) && is_code_runner(str_field(node, "_resolved")) && arg &&
	    !ast_is(arg, AST_Starred) && !json_object_get(node, "_payload_source")) {
		char *text = NULL;
		size_t len = 0;
		enum vkind kind = V_NONE;
		struct val *joined = val_new(V_STR);
		size_t k;
		for (k = 0; k < nenvs; k++) {
			struct val *v = eval_expr(&rs->ec, arg, sc, envs[k], 0);
			bool fits = val_is_text(v) && (kind == V_NONE || v->kind == kind);
			if (fits) {
				kind = v->kind;
				text = xrealloc(text, len + v->s.n + 2);
				if (k)
					text[len++] = '\n';
				memcpy(text + len, v->s.p, v->s.n);
				len += v->s.n;
				val_merge_rules(joined, v);
			}
			val_unref(v);
			if (!fits)
				break;
		}
		check_budget(rs, node);
		if (k == nenvs) {
			struct val *code = val_take(kind, text, len);
			val_add_rule(code, "fold:each");
			val_merge_rules(code, joined);
			on_payload(rs, node, code, sc, depth);
			val_unref(code);
		} else {
			free(text);
		}
		val_unref(joined);
	}
	struct ast_children it;
	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
		loop_payloads(rs, child, sc, envs, nenvs, depth + 1);
}

static struct res on_for(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "iter", sc, depth);
	size_t mark = rs->nkills;
	rs->compound++;
	forget_assigned(rs, json_object_get(node, "body"), sc, depth + 1);
	bind_targets_field(rs, node, "target", sc, &NONE, depth);
	walk_field(rs, node, "body", sc, depth);
	walk_field(rs, node, "orelse", sc, depth);
	leave_compound(rs, mark);
	/* Code run in the loop, built from its target: once per element (loop_payloads). */
	const char *id = name_id(json_object_get(node, "target"));
	struct val *each = id ? loop_values(rs, json_object_get(node, "iter"), sc) : NULL;
	if (each) {
		struct env *envs = xmalloc(each->seq.n * sizeof *envs);
		const struct env **ptrs = xmalloc(each->seq.n * sizeof *ptrs);
		for (size_t k = 0; k < each->seq.n; k++) {
			envs[k] = (struct env){ id, each->seq.items[k], NULL };
			ptrs[k] = &envs[k];
		}
		loop_payloads(rs, json_object_get(node, "body"), sc, ptrs, each->seq.n, depth + 1);
		free(ptrs);
		free(envs);
		val_unref(each);
	}
	return NONE;
}

static struct res on_while(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	size_t mark = rs->nkills;
	rs->compound++;
	forget_assigned(rs, json_object_get(node, "body"), sc, depth + 1);
	visit_children(rs, node, sc, depth);
	leave_compound(rs, mark);
	return NONE;
}

static struct res on_withitem(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "context_expr", sc, depth);
	bind_targets_field(rs, node, "optional_vars", sc, &NONE, depth);
	return NONE;
}

/* except E as name, case ... as name, *rest, **rest: bind to something unknown. */
static struct res on_name_binder(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	visit_children(rs, node, sc, depth);
	const char *key = ast_is(node, AST_MatchMapping) ? "rest" : "name";	/* the binder field */
	const char *name = str_field(node, key);
	if (name)
		scope_bind(sc, name, NULL);
	return NONE;
}

/* global/nonlocal were handled when the function's locals were collected. */
static struct res on_nothing(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	return NONE;
}

typedef struct res (*visit_fn)(struct resolver *rs, json_t *node, struct scope *sc, int depth);

/* Node kinds with their own handling; the rest (NULL) are walked. */
static const visit_fn handlers[AST_KIND_COUNT] = {
	[AST_AnnAssign] = on_ann_assign,
	[AST_Assign] = on_assign,
	[AST_AsyncFor] = on_for,
	[AST_AsyncFunctionDef] = on_function_def,
	[AST_AsyncWith] = on_compound,
	[AST_Attribute] = on_attribute,
	[AST_AugAssign] = on_aug_assign,
	[AST_BinOp] = on_binop,
	[AST_Call] = on_call,
	[AST_ClassDef] = on_class_def,
	[AST_Compare] = on_compare,
	[AST_Constant] = on_constant,
	[AST_Delete] = on_delete,
	[AST_Dict] = on_dict,
	[AST_DictComp] = on_comprehension,
	[AST_ExceptHandler] = on_name_binder,
	[AST_Exec] = on_exec_stmt,
	[AST_For] = on_for,
	[AST_FunctionDef] = on_function_def,
	[AST_GeneratorExp] = on_comprehension,
	[AST_Global] = on_nothing,
	[AST_If] = on_compound,
	[AST_Import] = on_import,
	[AST_ImportFrom] = on_import_from,
	[AST_JoinedStr] = on_joined_str,
	[AST_Lambda] = on_lambda,
	[AST_List] = on_sequence,
	[AST_ListComp] = on_comprehension,
	[AST_Match] = on_compound,
	[AST_MatchAs] = on_name_binder,
	[AST_MatchMapping] = on_name_binder,
	[AST_MatchStar] = on_name_binder,
	[AST_Name] = on_name,
	[AST_NamedExpr] = on_named_expr,
	[AST_Nonlocal] = on_nothing,
	[AST_Set] = on_sequence,
	[AST_SetComp] = on_comprehension,
	[AST_Slice] = on_slice,
	[AST_Subscript] = on_subscript,
	[AST_Try] = on_compound,
	[AST_TryStar] = on_compound,
	[AST_Tuple] = on_sequence,
	[AST_UnaryOp] = on_unaryop,
	[AST_While] = on_while,
	[AST_With] = on_compound,
	[AST_withitem] = on_withitem,
};

/*
 * Below the cut, names are still resolved, without recursion: an explicit stack walks the
 * subtree, and in post-order a Name gets what it means in `sc`, an Attribute its base's
 * name and the attribute, a Call its callee's name.  Bindings inside the subtree are not
 * seen and nothing is folded: code nested that deeply is hostile, and a hit says so, but
 * `os.system` must not vanish from the analysis because it is buried deep.
 */
static void resolve_flat(struct resolver *rs, json_t *root, struct scope *sc)
{
	struct pending {
		json_t *node;
		bool children_done;
	} *stack = NULL;
	size_t n = 0, cap = 0;	/* at most the subtree's node count: bounded by the record */
#define PUSH(x, d) do { \
		if (n == cap) { \
			cap = cap ? cap * 2 : 256; \
			stack = xrealloc(stack, cap * sizeof *stack); \
		} \
		stack[n++] = (struct pending){ (x), (d) }; \
	} while (0)
	PUSH(root, false);
	while (n > 0) {
		struct pending p = stack[--n];
		if (!p.children_done) {
			/* Itself after its children (siblings in any order: none reads another's). */
			if (json_is_object(p.node))
				PUSH(p.node, true);
			struct ast_children it;
			json_t *child;
			for (ast_children_init(&it, p.node); (child = ast_children_next(&it));)
				PUSH(child, false);
			continue;
		}
		char *name = NULL;
		const char *id, *base, *attr, *callee;
		switch (ast_kind(p.node)) {
		case AST_Name:
			id = str_field(p.node, "id");
			name = id && is_load(p.node) ? scope_resolve(sc, id) : NULL;
			break;
		case AST_Attribute:
			base = str_field(json_object_get(p.node, "value"), "_resolved");
			attr = str_field(p.node, "attr");
			name = base && attr && is_load(p.node) ? dotted(base, attr) : NULL;
			break;
		case AST_Call:
			callee = str_field(json_object_get(p.node, "func"), "_resolved");
			name = callee ? xstrdup(callee) : NULL;
			break;
		default:
			continue;
		}
		annotate(rs, p.node, name);
		free(name);
	}
#undef PUSH
	free(stack);
}

/* Walk one node (or array of nodes); returns its canonical name and value, if known. */
static struct res visit(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (too_deep(rs, depth, node)) {
		resolve_flat(rs, node, sc);
		return NONE;
	}
	visit_fn handler = handlers[ast_kind(node)];
	if (handler)
		return handler(rs, node, sc, depth);
	visit_children(rs, node, sc, depth);	/* an array, or a node with nothing of its own */
	return NONE;
}

/* ---- function bodies ---- */

static void declare_arg(struct scope *fs, const json_t *arg)
{
	const char *name = str_field(arg, "arg");
	if (name)
		scope_declare_local(fs, name);
}

static void declare_params(struct scope *fs, const json_t *args)
{
	static const char *const lists[] = { "posonlyargs", "args", "kwonlyargs" };
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		size_t i;
		json_t *arg;
		json_array_foreach(json_object_get(args, lists[l]), i, arg)
			declare_arg(fs, arg);
	}
	declare_arg(fs, json_object_get(args, "vararg"));
	declare_arg(fs, json_object_get(args, "kwarg"));
}

/*
 * Python decides at compile time that a name assigned anywhere in a function is local to
 * all of it: collect those names (not descending into nested scopes) before the walk.
 */
static void collect_locals(struct resolver *rs, json_t *node, struct scope *fs, int depth)
{
	if (too_deep(rs, depth, node))
		return;
	enum ast_kind kind = json_is_array(node) ? AST_UNKNOWN : ast_kind(node);
	size_t i;
	json_t *alias;
	const char *binder = NULL;
	switch (kind) {
	case AST_NONE: case AST_Constant:
		return;
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef:
		if (str_field(node, "name"))
			scope_declare_local(fs, str_field(node, "name"));
		return;
	case AST_Lambda: case AST_ListComp: case AST_SetComp: case AST_DictComp:
	case AST_GeneratorExp:
		return;
	case AST_Global: case AST_Nonlocal:
		json_array_foreach(json_object_get(node, "names"), i, alias)
			if (json_is_string(alias))
				scope_declare_global(fs, json_string_value(alias));
		return;
	case AST_Name:
		if (!is_load(node) && str_field(node, "id"))
			scope_declare_local(fs, str_field(node, "id"));
		return;
	case AST_Import: case AST_ImportFrom:
		json_array_foreach(json_object_get(node, "names"), i, alias) {
			const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
			if (as)
				scope_declare_local(fs, as);
			else if (name && strcmp(name, "*") != 0) {
				char *first = kind == AST_Import ? first_component(name)
								 : capped_dup(name, strlen(name));
				if (first)
					scope_declare_local(fs, first);
				free(first);
			}
		}
		return;
	case AST_MatchMapping:
		binder = "rest";
		break;
	case AST_ExceptHandler: case AST_MatchAs: case AST_MatchStar:
		binder = "name";
		break;
	default:
		break;
	}
	if (binder && str_field(node, binder))
		scope_declare_local(fs, str_field(node, binder));
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
		collect_locals(rs, child, fs, depth + 1);
}

static void run_function(struct resolver *rs, struct deferred d)
{
	struct scope *fs = scope_new(&rs->arena, SCOPE_FUNCTION, d.parent);
	json_t *body = json_object_get(d.node, "body");
	declare_params(fs, json_object_get(d.node, "args"));
	collect_locals(rs, body, fs, d.depth + 1);
	rs->anchor = d.anchor;
	rs->payload_depth = d.payload_depth;
	rs->body = json_is_array(body) ? body : NULL;	/* a lambda's is an expression */
	res_free(visit(rs, body, fs, d.depth + 1));
	rs->body = NULL;
	rs->anchor = NULL;
	rs->payload_depth = 0;
}

void resolve_tree(json_t *tree, struct resolve_stats *stats)
{
	struct resolver rs = { .stats = stats, .defs = json_object(), .classes = json_object() };
	if (!rs.defs || !rs.classes)
		aura_oom();
	ast_guard_start(&rs.guard, stack_budget, RESOLVE_MAX_DEPTH);
	*stats = (struct resolve_stats){ .hits = json_array() };
	budget_init(&rs.budget);
	rs.ec = (struct evalctx){ &rs.budget, &rs.arena };
	rs.rerun = json_is_true(json_object_get(tree, "_rewritten"));
	rs.root = tree;
	struct scope *module = scope_new(&rs.arena, SCOPE_MODULE, NULL);
	res_free(visit(&rs, tree, module, 0));
	/* The queue grows while it is drained: nested functions are queued by their parents. */
	for (size_t i = 0; i < rs.nqueue; i++)
		run_function(&rs, rs.queue[i]);
	if (json_is_object(tree))
		json_object_set_new(tree, "_rewritten", json_true());
	budget_report_done(&rs.budget);	/* a reason nobody reported */
	free(rs.queue);
	free(rs.kills);
	json_decref(rs.defs);
	json_decref(rs.classes);
	json_decref(rs.loopnames);
	for (size_t i = 0; i < rs.ngrowing; i++)
		val_unref(rs.growing[i].v);
	free(rs.growing);
	scope_arena_free(&rs.arena);
}
