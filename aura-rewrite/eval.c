/* eval.c: evaluating an expression subtree on constants (comprehension bodies, lambdas). */
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "err.h"
#include "eval.h"
#include "fold.h"

static struct val *lookup(struct evalctx *ec, const struct scope *sc, const struct env *env,
			  const char *id)
{
	for (; env; env = env->next)
		if (!strcmp(env->name, id))
			return val_ref(env->v);
	return val_ref(scope_value(ec->arena, sc, id));
}

struct val *eval_compare(struct budget *b, enum ast_kind op, const struct val *l, const struct val *r)
{
	if (!l || !r || op == AST_NONE || !budget_charge(b, 1))
		return NULL;
	if (op == AST_Eq || op == AST_NotEq) {
		bool known_kinds = l->kind <= V_BYTES && r->kind <= V_BYTES;
		if (!known_kinds)
			return NULL;
		bool eq = val_equal(l, r);
		return val_bool(op == AST_Eq ? eq : !eq);
	}
	if (op == AST_In || op == AST_NotIn) {
		bool in;
		if (val_is_text(l) && val_is_text(r) && l->kind == r->kind)
			in = memmem(r->s.p, r->s.n, l->s.p, l->s.n) != NULL || l->s.n == 0;
		else if (r->kind == V_LIST || r->kind == V_TUPLE || r->kind == V_DICT) {
			size_t step = r->kind == V_DICT ? 2 : 1;
			in = false;
			for (size_t i = 0; i < r->seq.n && !in; i += step)
				in = val_equal(r->seq.items[i], l);
		} else
			return NULL;
		return val_bool(op == AST_In ? in : !in);
	}
	if (l->kind != V_INT || r->kind != V_INT)
		return NULL;
	switch (op) {
	case AST_Lt: return val_bool(l->i < r->i);
	case AST_LtE: return val_bool(l->i <= r->i);
	case AST_Gt: return val_bool(l->i > r->i);
	case AST_GtE: return val_bool(l->i >= r->i);
	default: return NULL;
	}
}

static struct val *eval_field(struct evalctx *ec, const json_t *n, const char *key,
			      const struct scope *sc, const struct env *env, int depth)
{
	return eval_expr(ec, json_object_get(n, key), sc, env, depth + 1);
}

static struct val *eval_list(struct evalctx *ec, const json_t *node, enum vkind kind,
			     const struct scope *sc, const struct env *env, int depth)
{
	const json_t *elts = json_object_get(node, "elts");
	size_t n = json_array_size(elts);
	struct val **items = xmalloc((n + 1) * sizeof *items);
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(elts, i);
		items[i] = ast_is(e, AST_Starred) ? NULL : eval_expr(ec, e, sc, env, depth + 1);
		if (!items[i]) {
			while (i--)
				val_unref(items[i]);
			free(items);
			return NULL;
		}
	}
	return val_seq(kind, items, n);
}

static struct val *eval_call(struct evalctx *ec, const json_t *node, const struct scope *sc,
			     const struct env *env, int depth)
{
	const json_t *func = json_object_get(node, "func");
	const char *callee = json_string_value(json_object_get(node, "_resolved"));
	struct call_args a = { .complete = true };
	const json_t *args = json_object_get(node, "args"), *kws = json_object_get(node, "keywords");
	struct val *recv = NULL, *r = NULL;
	if (json_array_size(args) > FOLD_MAX_ARGS || json_array_size(kws) > FOLD_MAX_ARGS)
		return NULL;
	if (callee && !strcmp(callee, "builtins.map") && json_array_size(args) == 2 &&
	    ast_is(json_array_get(args, 0), AST_Lambda)) {
		struct val *it = eval_expr(ec, json_array_get(args, 1), sc, env, depth + 1);
		r = it ? eval_map_lambda(ec, json_array_get(args, 0), it, sc, depth + 1) : NULL;
		val_unref(it);
		return r;
	}
	if (!callee && ast_is(func, AST_Attribute)) {
		recv = eval_field(ec, func, "value", sc, env, depth);
		if (!recv)
			return NULL;
	}
	if (!callee && !recv)
		return NULL;
	size_t i;
	const json_t *arg;
	json_array_foreach(args, i, arg) {
		if (ast_is(arg, AST_Starred)) {
			a.complete = false;
			break;
		}
		a.posname[i] = json_string_value(json_object_get(arg, "_resolved"));
		a.pos[i] = eval_expr(ec, arg, sc, env, depth + 1);
		a.npos = i + 1;
	}
	json_array_foreach(kws, i, arg) {
		a.kwname[i] = json_string_value(json_object_get(arg, "arg"));
		if (!a.kwname[i])
			a.complete = false;
		a.kw[i] = eval_field(ec, arg, "value", sc, env, depth);
		a.nkw = i + 1;
	}
	if (a.complete)
		r = recv ? fold_method(ec->b, recv, json_string_value(json_object_get(func, "attr")), &a)
			 : fold_call(ec->b, callee, &a);
	for (i = 0; i < a.npos; i++)
		val_unref(a.pos[i]);
	for (i = 0; i < a.nkw; i++)
		val_unref(a.kw[i]);
	val_unref(recv);
	return r;
}

static struct val *eval_joined(struct evalctx *ec, const json_t *node, const struct scope *sc,
			       const struct env *env, int depth)
{
	const json_t *values = json_object_get(node, "values");
	size_t n = json_array_size(values);
	struct val **parts = xmalloc((n + 1) * sizeof *parts);
	size_t k = 0;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		const json_t *v = json_array_get(values, i);
		struct val *x;
		if (ast_is(v, AST_FormattedValue)) {
			json_int_t conv = json_integer_value(json_object_get(v, "conversion"));
			const json_t *spec = json_object_get(v, "format_spec");
			struct val *inner = eval_field(ec, v, "value", sc, env, depth);
			x = (conv == -1 || conv == 's') && (!spec || json_is_null(spec)) ?
				fold_str(ec->b, inner) : NULL;
			val_unref(inner);
		} else {
			x = eval_expr(ec, v, sc, env, depth + 1);
		}
		ok = x != NULL;
		if (ok)
			parts[k++] = x;
	}
	struct val *r = ok ? fold_concat_parts(ec->b, parts, k) : NULL;
	if (r)
		val_add_rule(r, "fold:fstring");
	for (size_t i = 0; i < k; i++)
		val_unref(parts[i]);
	free(parts);
	return r;
}

struct val *eval_expr(struct evalctx *ec, const json_t *node, const struct scope *sc,
		      const struct env *env, int depth)
{
	if (depth > EVAL_MAX_DEPTH || !json_is_object(node) || !budget_charge(ec->b, 1))
		return NULL;
	enum ast_kind kind = ast_kind(node);
	switch (kind) {
	case AST_Constant:
		return val_from_constant(json_object_get(node, "value"));
	case AST_Name: {
		const char *id = json_string_value(json_object_get(node, "id"));
		return id ? lookup(ec, sc, env, id) : NULL;
	}
	case AST_BinOp:
	case AST_Compare: {
		bool cmp = kind == AST_Compare;
		const json_t *ops = json_object_get(node, "ops"), *rights = json_object_get(node, "comparators");
		if (cmp && (json_array_size(ops) != 1 || json_array_size(rights) != 1))
			return NULL;
		struct val *l = eval_field(ec, node, "left", sc, env, depth);
		struct val *r = l ? (cmp ? eval_expr(ec, json_array_get(rights, 0), sc, env, depth + 1)
				     : eval_field(ec, node, "right", sc, env, depth)) : NULL;
		enum ast_kind op = ast_kind(cmp ? json_array_get(ops, 0) : json_object_get(node, "op"));
		struct val *v = cmp ? eval_compare(ec->b, op, l, r) : fold_binop(ec->b, op, l, r);
		val_unref(l);
		val_unref(r);
		return v;
	}
	case AST_UnaryOp: {
		struct val *x = eval_field(ec, node, "operand", sc, env, depth);
		enum ast_kind op = ast_kind(json_object_get(node, "op"));
		struct val *v;
		bool known;
		if (op == AST_Not && x) {
			bool truth = val_truthy(x, &known);
			v = known ? val_bool(!truth) : NULL;
		} else {
			v = fold_unaryop(ec->b, op, x);
		}
		val_unref(x);
		return v;
	}
	case AST_Subscript: {
		struct val *x = eval_field(ec, node, "value", sc, env, depth);
		struct val *i = x ? eval_field(ec, node, "slice", sc, env, depth) : NULL;
		struct val *v = fold_subscript(ec->b, x, i);
		val_unref(x);
		val_unref(i);
		return v;
	}
	case AST_Slice: {
		struct val *s = val_new(V_SLICE);
		static const char *const keys[] = { "lower", "upper", "step" };
		struct val **slots[] = { &s->sl.lo, &s->sl.hi, &s->sl.step };
		for (int k = 0; k < 3; k++) {
			const json_t *part = json_object_get(node, keys[k]);
			if (!part || json_is_null(part))
				continue;
			*slots[k] = eval_expr(ec, part, sc, env, depth + 1);
			if (!*slots[k]) {
				val_unref(s);
				return NULL;
			}
		}
		return s;
	}
	case AST_Call:
		return eval_call(ec, node, sc, env, depth);
	case AST_List:
	case AST_Tuple:
		return eval_list(ec, node, kind == AST_List ? V_LIST : V_TUPLE, sc, env, depth);
	case AST_JoinedStr:
		return eval_joined(ec, node, sc, env, depth);
	case AST_IfExp: {
		struct val *test = eval_field(ec, node, "test", sc, env, depth);
		bool known = false, truth = test && val_truthy(test, &known);
		val_unref(test);
		return known ? eval_field(ec, node, truth ? "body" : "orelse", sc, env, depth) : NULL;
	}
	case AST_ListComp:
	case AST_GeneratorExp:
	case AST_DictComp:
		return eval_comprehension(ec, node, sc, env, depth);
	default:
		return NULL;
	}
}

/* ---- comprehensions ---- */

struct comp {
	struct evalctx *ec;
	const json_t *node;
	const struct scope *sc;
	bool dict;
	struct val **out;
	size_t n, cap;
	bool failed;
};

/* Bind a comprehension target (a name, or a tuple of names) to `v` on top of `env`. */
static bool bind(const json_t *target, struct val *v, struct env *slots, size_t nslots,
		 size_t *used, const struct env **env)
{
	if (ast_is(target, AST_Name)) {
		const char *id = json_string_value(json_object_get(target, "id"));
		if (!id || *used == nslots)
			return false;
		slots[*used] = (struct env){ id, v, *env };
		*env = &slots[(*used)++];
		return true;
	}
	if ((ast_is(target, AST_Tuple) || ast_is(target, AST_List)) &&
	    (v->kind == V_TUPLE || v->kind == V_LIST)) {
		const json_t *elts = json_object_get(target, "elts");
		if (json_array_size(elts) != v->seq.n)
			return false;
		for (size_t i = 0; i < v->seq.n; i++)
			if (!bind(json_array_get(elts, i), v->seq.items[i], slots, nslots, used, env))
				return false;
		return true;
	}
	return false;
}

static void emit(struct comp *c, struct val *v)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->out = xrealloc(c->out, c->cap * sizeof *c->out);
	}
	c->out[c->n++] = v;
}

static void run_generators(struct comp *c, size_t gi, const struct env *env, int depth)
{
	const json_t *gens = json_object_get(c->node, "generators");
	if (c->failed)
		return;
	if (gi == json_array_size(gens)) {
		if (c->dict) {
			struct val *k = eval_field(c->ec, c->node, "key", c->sc, env, depth);
			struct val *v = k ? eval_field(c->ec, c->node, "value", c->sc, env, depth) : NULL;
			if (!v) {
				val_unref(k);
				c->failed = true;
				return;
			}
			emit(c, k);
			emit(c, v);
			return;
		}
		struct val *v = eval_field(c->ec, c->node, "elt", c->sc, env, depth);
		if (!v)
			c->failed = true;
		else
			emit(c, v);
		return;
	}
	const json_t *gen = json_array_get(gens, gi);
	if (json_is_true(json_object_get(gen, "is_async"))) {
		c->failed = true;
		return;
	}
	struct val *iter = eval_field(c->ec, gen, "iter", c->sc, env, depth);
	struct val **items;
	size_t n;
	if (!iter || !fold_iter(c->ec->b, iter, &items, &n)) {
		val_unref(iter);
		c->failed = true;
		return;
	}
	val_unref(iter);
	for (size_t i = 0; i < n && !c->failed; i++) {
		struct env slots[16];
		size_t used = 0;
		const struct env *inner = env;
		if (!budget_charge(c->ec->b, 1) ||
		    !bind(json_object_get(gen, "target"), items[i], slots, 16, &used, &inner)) {
			c->failed = true;
			break;
		}
		bool keep = true;
		size_t k;
		const json_t *cond;
		json_array_foreach(json_object_get(gen, "ifs"), k, cond) {
			struct val *t = eval_expr(c->ec, cond, c->sc, inner, depth + 1);
			bool known = false, truth = t && val_truthy(t, &known);
			val_unref(t);
			if (!known) {
				c->failed = true;
				break;
			}
			if (!truth) {
				keep = false;
				break;
			}
		}
		if (keep && !c->failed)
			run_generators(c, gi + 1, inner, depth + 1);
	}
	for (size_t i = 0; i < n; i++)
		val_unref(items[i]);
	free(items);
}

struct val *eval_comprehension(struct evalctx *ec, const json_t *node, const struct scope *sc,
			       const struct env *env, int depth)
{
	if (depth > EVAL_MAX_DEPTH || json_array_size(json_object_get(node, "generators")) > 8)
		return NULL;
	struct comp c = { .ec = ec, .node = node, .sc = sc, .dict = ast_is(node, AST_DictComp) };
	run_generators(&c, 0, env, depth + 1);
	if (c.failed || (c.n > ec->b->max_value / sizeof(struct val) &&
			 !budget_size_ok(ec->b, c.n * sizeof(struct val), "comprehension"))) {
		for (size_t i = 0; i < c.n; i++)
			val_unref(c.out[i]);
		free(c.out);
		return NULL;
	}
	struct val *r = val_seq(c.dict ? V_DICT : V_LIST, c.out, c.n);
	for (size_t i = 0; i < c.n; i++)
		val_merge_rules(r, c.out[i]);
	val_add_rule(r, "fold:comprehension");
	return r;
}

struct val *eval_map_lambda(struct evalctx *ec, const json_t *lambda, const struct val *iterable,
			    const struct scope *sc, int depth)
{
	const json_t *params = json_object_get(json_object_get(lambda, "args"), "args");
	const char *p = json_string_value(json_object_get(json_array_get(params, 0), "arg"));
	if (json_array_size(params) != 1 || !p || depth > EVAL_MAX_DEPTH)
		return NULL;
	struct val **items;
	size_t n;
	if (!fold_iter(ec->b, iterable, &items, &n))
		return NULL;
	struct val **out = xmalloc((n + 1) * sizeof *out);
	size_t k = 0;
	for (; k < n; k++) {
		struct env e = { p, items[k], NULL };
		out[k] = eval_expr(ec, json_object_get(lambda, "body"), sc, &e, depth + 1);
		if (!out[k])
			break;
	}
	struct val *r = NULL;
	if (k == n) {
		r = val_seq(V_LIST, out, n);
		val_merge_rules(r, iterable);
		val_add_rule(r, "fold:map");
	} else {
		for (size_t i = 0; i < k; i++)
			val_unref(out[i]);
		free(out);
	}
	for (size_t i = 0; i < n; i++)
		val_unref(items[i]);
	free(items);
	return r;
}
