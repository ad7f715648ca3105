/* template.c: code text built from literal templates and counted integers: a sample of it. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astkind.h"
#include "astwalk.h"
#include "err.h"
#include "strbuf.h"
#include "template.h"

/*
 * f2py's `l_or(*f)` builds `lambda v,f0=f[0],f1=f[1]:f0(v) or f1(v)` from the literal
 * templates '%s,f%d=f[%d]' and 'f%d(v)' over `range(len(f))`: the code's shape is fixed by
 * the literals, the unknown count only supplies digits.  This file reads a def's
 * statements up to such an exec/eval with an abstract value per name — text (a sample and
 * where counted integers went into it), an integer (a sample, and whether a count the
 * code does not fix decides it), a list of texts, or unknown — and gives the text at the
 * call for counts 1, 2 and 3.  Whatever it does not understand makes the names it touches
 * unknown; it never guesses.
 */

#define SAMPLE_COUNTS 3		/* counts 1..3: each repetition shows up once, twice, thrice */
#define MAX_TEXT (16 * 1024)	/* a sample longer than this is not kept */
#define MAX_ITEMS 1024		/* items of a list built in a loop */
#define MAX_EXACT_LOOP 64	/* iterations of a loop over a literal range */
#define MAX_VARS 64
#define MAX_DEPTH 64		/* nesting of expressions and loops evaluated */
#define MAX_STEPS 100000	/* nodes evaluated per sample: a hostile def costs no more */

enum tkind { T_UNKNOWN, T_TEXT, T_INT, T_LIST };

struct tval {
	enum tkind kind;
	bool counted;		/* T_INT: a count the code does not fix decides it */
	int64_t i;
	struct strbuf text;	/* T_TEXT (text.s NULL while empty) */
	struct template_hole *holes;
	size_t nholes;
	struct tval *items;	/* T_LIST: each a T_TEXT */
	size_t nitems;
};

struct var {
	const char *name;	/* borrowed from the tree */
	struct tval v;
};

struct sim {
	struct var vars[MAX_VARS];
	size_t nvars;
	json_t *untracked;	/* names a nested def, lambda or class sees, global/nonlocal names */
	int64_t count;		/* the sample's count */
	size_t steps;
	bool failed;		/* give up: the text is not known */
};

static const struct tval UNKNOWN = { .kind = T_UNKNOWN };

static const char *str_field(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(n, key));
}

static void tv_clear(struct tval *v)
{
	free(v->text.s);
	free(v->holes);
	for (size_t i = 0; i < v->nitems; i++)
		tv_clear(&v->items[i]);
	free(v->items);
	*v = UNKNOWN;
}

static struct tval tv_int(int64_t i, bool counted)
{
	return (struct tval){ .kind = T_INT, .i = i, .counted = counted };
}

static struct tval tv_text(const char *p, size_t n)
{
	struct tval v = { .kind = T_TEXT };
	strbuf_add(&v.text, p, n);
	return v;
}

static bool ident_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

/*
 * Append `from` (text) to `to` (text), shifting its holes.  Two pieces that would make
 * one word (`'__impor' + 't'`) are refused, unless one side is a counted integer (`f0`,
 * checked by template_holes_ok): which pieces meet may change with the count, and a word
 * only some count spells must not hide from the samples.
 */
static bool text_append(struct tval *to, const struct tval *from)
{
	if (to->text.len + from->text.len > MAX_TEXT)
		return false;
	if (to->text.len && from->text.len && ident_byte(to->text.s[to->text.len - 1]) &&
	    ident_byte(from->text.s[0])) {
		bool hole_before = to->nholes && to->holes[to->nholes - 1].off +
						 to->holes[to->nholes - 1].len == to->text.len;
		bool hole_after = from->nholes && from->holes[0].off == 0;
		if (!hole_before && !hole_after)
			return false;
	}
	size_t base = to->text.len;
	strbuf_add(&to->text, from->text.s ? from->text.s : "", from->text.len);
	if (from->nholes) {
		to->holes = xrealloc(to->holes, (to->nholes + from->nholes) * sizeof *to->holes);
		for (size_t i = 0; i < from->nholes; i++)
			to->holes[to->nholes++] = (struct template_hole){ base + from->holes[i].off,
									 from->holes[i].len };
	}
	return true;
}

/* An integer written in decimal: a hole when a count decides it. */
static bool text_append_int(struct tval *to, const struct tval *n)
{
	char digits[32];
	int len = snprintf(digits, sizeof digits, "%" PRId64, n->i);
	struct tval d = tv_text(digits, (size_t)len);
	if (n->counted) {
		d.holes = xmalloc(sizeof *d.holes);
		d.holes[0] = (struct template_hole){ 0, (size_t)len };
		d.nholes = 1;
	}
	bool ok = text_append(to, &d);
	tv_clear(&d);
	return ok;
}

static struct tval tv_copy(const struct tval *v)
{
	struct tval c = *v;
	c.text = (struct strbuf){ 0 };
	c.holes = NULL, c.nholes = 0, c.items = NULL, c.nitems = 0;
	if (v->kind == T_TEXT) {
		c.text.s = NULL;
		text_append(&c, v);
	}
	if (v->kind == T_LIST && v->nitems) {
		c.items = xmalloc(v->nitems * sizeof *c.items);
		for (size_t i = 0; i < v->nitems; i++)
			c.items[c.nitems++] = tv_copy(&v->items[i]);
	}
	return c;
}

/* ---- names ---- */

static struct var *find_var(struct sim *s, const char *name)
{
	for (size_t i = s->nvars; name && i-- > 0;)
		if (!strcmp(s->vars[i].name, name))
			return &s->vars[i];
	return NULL;
}

/* Bind `name` to `v` (taken over); an untracked name, or no room, is unknown. */
static void bind(struct sim *s, const char *name, struct tval v)
{
	if (!name || json_object_get(s->untracked, name))
		tv_clear(&v);
	struct var *x = find_var(s, name);
	if (x) {
		tv_clear(&x->v);
		x->v = v;
	} else if (name && s->nvars < MAX_VARS) {
		s->vars[s->nvars++] = (struct var){ name, v };
	} else {
		tv_clear(&v);
		if (name)
			s->failed = true;	/* no room to follow it: trust nothing */
	}
}

static void forget(struct sim *s, const char *name)
{
	struct var *x = find_var(s, name);
	if (x)
		tv_clear(&x->v);
}

static bool is_list_var(struct sim *s, const json_t *node)
{
	if (!ast_is(node, AST_Name))
		return false;
	struct var *x = find_var(s, str_field(node, "id"));
	return x && x->v.kind == T_LIST;
}

static bool resolved_is(const json_t *call, const char *name)
{
	const char *r = str_field(call, "_resolved");
	return r && !strcmp(r, name);
}

/* `len(x)`, `sep.join(x)` read x and nothing else: a list there stays as it is. */
static bool reads_only(const json_t *call)
{
	const json_t *func = json_object_get(call, "func");
	size_t n = json_array_size(json_object_get(call, "args"));
	if (n != 1 || json_array_size(json_object_get(call, "keywords")))
		return false;
	return resolved_is(call, "builtins.len") ||
	       (ast_is(func, AST_Attribute) && !strcmp(str_field(func, "attr") ? str_field(func, "attr") : "", "join"));
}

/*
 * Code not simulated: every name it binds, deletes or declares is unknown from now on, and
 * so is every list it may touch (any use but len(l) or sep.join(l)).
 */
static void kill_scan(struct sim *s, const json_t *node, int depth)
{
	if (!node || depth > 4 * MAX_DEPTH) {
		s->failed = s->failed || node;
		return;
	}
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			kill_scan(s, child, depth + 1);
		return;
	}
	switch (ast_kind(node)) {
	case AST_Name:
		if (!ast_is(json_object_get(node, "ctx"), AST_Load) || is_list_var(s, node))
			forget(s, str_field(node, "id"));
		return;
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef:
		forget(s, str_field(node, "name"));
		break;
	case AST_ExceptHandler: case AST_MatchAs: case AST_MatchStar:
		forget(s, str_field(node, "name"));
		break;
	case AST_MatchMapping:
		forget(s, str_field(node, "rest"));
		break;
	case AST_alias:
		forget(s, str_field(node, "asname") ? str_field(node, "asname") : str_field(node, "name"));
		return;
	case AST_Global: case AST_Nonlocal:
		s->failed = true;
		return;
	case AST_Call:
		if (reads_only(node) && is_list_var(s, json_array_get(json_object_get(node, "args"), 0))) {
			kill_scan(s, json_object_get(node, "func"), depth + 1);
			return;
		}
		break;
	default:
		break;
	}
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		kill_scan(s, child, depth + 1);
}

/*
 * Names a nested def, lambda, class or generator expression mentions (but a
 * comprehension's own target), and global/nonlocal names: code that runs at another time
 * may rebind or change them, so they are never followed.  A list comprehension runs where
 * it is, so kill_scan sees what it does (a walrus, an append).
 */
static void collect_untracked(json_t *set, const json_t *node, bool nested, const json_t *own,
			      int depth)
{
	if (!node || depth > 4 * MAX_DEPTH)
		return;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			collect_untracked(set, child, nested, own, depth + 1);
		return;
	}
	switch (ast_kind(node)) {
	case AST_Name:
		if (nested && str_field(node, "id") && !json_object_get(own, str_field(node, "id")))
			json_object_set_new(set, str_field(node, "id"), json_true());
		return;
	case AST_Global: case AST_Nonlocal:
		json_array_foreach(json_object_get(node, "names"), i, child)
			if (json_is_string(child))
				json_object_set_new(set, json_string_value(child), json_true());
		return;
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef: case AST_Lambda:
		nested = true;
		break;
	case AST_GeneratorExp: case AST_ListComp: case AST_SetComp: case AST_DictComp: {
		/* its targets are its own (a name target: what a comprehension binds in the
		 * enclosing def is a walrus, which kill_scan sees); a generator runs when it is
		 * consumed, not where it is, so what it mentions is untracked */
		json_t *mine = own ? json_copy((json_t *)own) : json_object();
		if (!mine)
			aura_oom();
		json_array_foreach(json_object_get(node, "generators"), i, child)
			if (ast_is(json_object_get(child, "target"), AST_Name))
				json_object_set_new(mine, str_field(json_object_get(child, "target"), "id"),
						    json_true());
		bool later = nested || ast_is(node, AST_GeneratorExp);
		struct ast_children it;
		for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
			collect_untracked(set, child, later, mine, depth + 1);
		json_decref(mine);
		return;
	}
	default:
		break;
	}
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		collect_untracked(set, child, nested, own, depth + 1);
}

/* ---- expressions ---- */

static struct tval eval(struct sim *s, const json_t *e, int depth);

static bool spend(struct sim *s, int depth)
{
	if (++s->steps > MAX_STEPS || depth > MAX_DEPTH)
		s->failed = true;
	return !s->failed;
}

/* text % args: only %s (text or integer), %d and %i (integer) and %%. */
static struct tval format(struct sim *s, const struct tval *fmt, const json_t *rhs, int depth)
{
	struct tval args[16];
	size_t nargs = 0, used = 0;
	const json_t *elts = ast_is(rhs, AST_Tuple) ? json_object_get(rhs, "elts") : NULL;
	size_t n = elts ? json_array_size(elts) : 1;
	if (n > 16)
		return UNKNOWN;
	for (; nargs < n; nargs++) {
		args[nargs] = eval(s, elts ? json_array_get(elts, nargs) : rhs, depth + 1);
		if (args[nargs].kind != T_TEXT && args[nargs].kind != T_INT) {
			nargs++;
			goto fail;
		}
	}
	struct tval out = { .kind = T_TEXT };
	const char *p = fmt->text.s ? fmt->text.s : "";
	size_t len = fmt->text.len, lit = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '%')
			continue;
		/* the literal run before this '%': its holes come along */
		struct tval run = { .kind = T_TEXT };
		strbuf_add(&run.text, p + lit, i - lit);
		for (size_t h = 0; h < fmt->nholes; h++)	/* digits hold no '%': each hole is in one run */
			if (fmt->holes[h].off >= lit && fmt->holes[h].off + fmt->holes[h].len <= i) {
				run.holes = xrealloc(run.holes, (run.nholes + 1) * sizeof *run.holes);
				run.holes[run.nholes++] = (struct template_hole){ fmt->holes[h].off - lit,
										  fmt->holes[h].len };
			}
		bool ok = text_append(&out, &run);
		tv_clear(&run);
		if (!ok) {
			used = SIZE_MAX;
			break;
		}
		if (i == len)
			break;
		char conv = i + 1 < len ? p[i + 1] : 0;
		if (conv == '%') {
			struct tval pct = tv_text("%", 1);
			ok = text_append(&out, &pct);
			tv_clear(&pct);
		} else if ((conv == 's' || conv == 'd' || conv == 'i') && used < nargs) {
			const struct tval *a = &args[used++];
			if (a->kind == T_INT)
				ok = text_append_int(&out, a);
			else
				ok = conv == 's' && text_append(&out, a);
		} else {
			ok = false;
		}
		if (!ok) {
			used = SIZE_MAX;
			break;
		}
		i++;
		lit = i + 1;
	}
	if (used != nargs) {
		tv_clear(&out);
		goto fail;
	}
	for (size_t k = 0; k < nargs; k++)
		tv_clear(&args[k]);
	return out;
fail:
	for (size_t k = 0; k < nargs; k++)
		tv_clear(&args[k]);
	return UNKNOWN;
}

static struct tval binop(struct sim *s, const json_t *e, int depth)
{
	enum ast_kind op = ast_kind(json_object_get(e, "op"));
	struct tval l = eval(s, json_object_get(e, "left"), depth + 1);
	if (op == AST_Mod && l.kind == T_TEXT) {
		struct tval out = format(s, &l, json_object_get(e, "right"), depth + 1);
		tv_clear(&l);
		return out;
	}
	struct tval r = eval(s, json_object_get(e, "right"), depth + 1);
	struct tval out = UNKNOWN;
	if (l.kind == T_INT && r.kind == T_INT) {
		bool counted = l.counted || r.counted;
		int64_t v;
		bool ok = op == AST_Add ? !__builtin_add_overflow(l.i, r.i, &v)
			: op == AST_Sub ? !__builtin_sub_overflow(l.i, r.i, &v)
			: op == AST_Mult ? !__builtin_mul_overflow(l.i, r.i, &v)
			: false;
		if (ok)
			out = tv_int(v, counted);
	} else if (op == AST_Add && l.kind == T_TEXT && r.kind == T_TEXT) {
		out = l, l = UNKNOWN;
		if (!text_append(&out, &r))
			tv_clear(&out);
	} else if (op == AST_Mult && ((l.kind == T_TEXT && r.kind == T_INT) ||
				      (l.kind == T_INT && r.kind == T_TEXT))) {
		const struct tval *t = l.kind == T_TEXT ? &l : &r, *n = l.kind == T_INT ? &l : &r;
		/* a counted repetition repeats as often as the sample's count, whatever
		 * arithmetic made it (`'t' * (len(f) - 3)` is not '' in every sample) */
		int64_t times = n->counted ? s->count : n->i;
		out = (struct tval){ .kind = T_TEXT };
		for (int64_t k = 0; k < times && out.kind == T_TEXT; k++)
			if (!spend(s, depth) || !text_append(&out, t))
				tv_clear(&out);
	}
	tv_clear(&l);
	tv_clear(&r);
	return out;
}

/* f"...{x}...": literal parts, and text or integers without a conversion or format spec. */
static struct tval fstring(struct sim *s, const json_t *e, int depth)
{
	struct tval out = { .kind = T_TEXT };
	size_t i;
	const json_t *part;
	json_array_foreach(json_object_get(e, "values"), i, part) {
		struct tval v = UNKNOWN;
		if (ast_is(part, AST_FormattedValue)) {
			json_int_t conv = json_integer_value(json_object_get(part, "conversion"));
			const json_t *spec = json_object_get(part, "format_spec");
			if ((conv == -1 || conv == 's') && (!spec || json_is_null(spec)))
				v = eval(s, json_object_get(part, "value"), depth + 1);
		} else {
			v = eval(s, part, depth + 1);
		}
		bool ok = v.kind == T_INT ? text_append_int(&out, &v)
			: v.kind == T_TEXT ? text_append(&out, &v) : false;
		tv_clear(&v);
		if (!ok) {
			tv_clear(&out);
			break;
		}
	}
	return out;
}

/* The indices a `range(...)` gives: a literal count is followed as it is (up to
 * MAX_EXACT_LOOP), a counted one takes the sample's count from its start. */
static bool range_of(struct sim *s, const json_t *call, int64_t *start, int64_t *n, bool *counted,
		     int depth)
{
	const json_t *args = json_object_get(call, "args");
	size_t nargs = json_array_size(args);
	if (!ast_is(call, AST_Call) || !resolved_is(call, "builtins.range") || nargs < 1 || nargs > 2 ||
	    json_array_size(json_object_get(call, "keywords")))
		return false;
	struct tval a = eval(s, json_array_get(args, 0), depth + 1);
	struct tval b = nargs == 2 ? eval(s, json_array_get(args, 1), depth + 1) : tv_int(0, false);
	bool ok = a.kind == T_INT && b.kind == T_INT;
	if (ok) {
		int64_t lo = nargs == 2 ? a.i : 0, hi = nargs == 2 ? b.i : a.i;
		*counted = a.counted || b.counted;
		*start = lo;
		*n = *counted ? s->count : hi > lo ? hi - lo : 0;
		ok = *n <= MAX_EXACT_LOOP;
	}
	tv_clear(&a);
	tv_clear(&b);
	return ok;
}

/* sep.join(x): x a list built here, a literal list or tuple, or a comprehension over a range. */
static struct tval join(struct sim *s, const struct tval *sep, const json_t *arg, int depth)
{
	struct tval out = { .kind = T_TEXT };
	bool ok = true;
	size_t k = 0;
	if (is_list_var(s, arg)) {
		const struct tval *l = &find_var(s, str_field(arg, "id"))->v;
		for (size_t i = 0; ok && i < l->nitems; i++)
			ok = (!i || text_append(&out, sep)) && text_append(&out, &l->items[i]);
		return ok ? out : (tv_clear(&out), UNKNOWN);
	}
	if (ast_is(arg, AST_List) || ast_is(arg, AST_Tuple)) {
		size_t i;
		const json_t *e;
		json_array_foreach(json_object_get(arg, "elts"), i, e) {
			struct tval v = eval(s, e, depth + 1);
			ok = ok && v.kind == T_TEXT && (!i || text_append(&out, sep)) && text_append(&out, &v);
			tv_clear(&v);
		}
		return ok ? out : (tv_clear(&out), UNKNOWN);
	}
	const json_t *gens = json_object_get(arg, "generators");
	const json_t *gen = json_array_get(gens, 0);
	const char *target = ast_is(json_object_get(gen, "target"), AST_Name)
			     ? str_field(json_object_get(gen, "target"), "id") : NULL;
	int64_t start, n;
	bool counted;
	if (!(ast_is(arg, AST_GeneratorExp) || ast_is(arg, AST_ListComp)) || json_array_size(gens) != 1 ||
	    !target || json_array_size(json_object_get(gen, "ifs")) || json_is_true(json_object_get(gen, "is_async")) ||
	    json_integer_value(json_object_get(gen, "is_async")) ||
	    !range_of(s, json_object_get(gen, "iter"), &start, &n, &counted, depth) || s->nvars >= MAX_VARS) {
		tv_clear(&out);
		return UNKNOWN;
	}
	/* the comprehension's own name, shadowing any other while it runs */
	size_t slot = s->nvars++;
	s->vars[slot] = (struct var){ target, UNKNOWN };
	for (k = 0; ok && k < (size_t)n; k++) {
		s->vars[slot].v = tv_int(start + (int64_t)k, counted);
		struct tval v = eval(s, json_object_get(arg, "elt"), depth + 1);
		ok = v.kind == T_TEXT && (!k || text_append(&out, sep)) && text_append(&out, &v);
		tv_clear(&v);
	}
	s->nvars--;
	return ok ? out : (tv_clear(&out), UNKNOWN);
}

static struct tval call(struct sim *s, const json_t *e, int depth)
{
	const json_t *func = json_object_get(e, "func"), *args = json_object_get(e, "args");
	const json_t *arg = json_array_get(args, 0);
	if (json_array_size(args) != 1 || json_array_size(json_object_get(e, "keywords")) ||
	    ast_is(arg, AST_Starred))
		return UNKNOWN;
	if (resolved_is(e, "builtins.len")) {	/* the length: a count the code does not fix */
		if (is_list_var(s, arg))
			return tv_int((int64_t)find_var(s, str_field(arg, "id"))->v.nitems, true);
		struct tval v = eval(s, arg, depth + 1);
		int64_t n = v.kind == T_TEXT ? (int64_t)v.text.len : s->count;
		tv_clear(&v);
		return tv_int(n, true);
	}
	if (resolved_is(e, "builtins.str")) {
		struct tval v = eval(s, arg, depth + 1), out = UNKNOWN;
		if (v.kind == T_TEXT)
			return v;
		if (v.kind == T_INT) {
			out = (struct tval){ .kind = T_TEXT };
			if (!text_append_int(&out, &v))
				tv_clear(&out);
		}
		tv_clear(&v);
		return out;
	}
	if (ast_is(func, AST_Attribute) && !strcmp(str_field(func, "attr") ? str_field(func, "attr") : "", "join")) {
		struct tval sep = eval(s, json_object_get(func, "value"), depth + 1);
		struct tval out = sep.kind == T_TEXT ? join(s, &sep, arg, depth + 1) : UNKNOWN;
		tv_clear(&sep);
		return out;
	}
	return UNKNOWN;
}

static struct tval eval(struct sim *s, const json_t *e, int depth)
{
	if (!spend(s, depth))
		return UNKNOWN;
	switch (ast_kind(e)) {
	case AST_Constant: {
		const json_t *v = json_object_get(e, "value");
		if (json_is_string(v))
			return tv_text(json_string_value(v), json_string_length(v));
		if (json_is_integer(v))
			return tv_int(json_integer_value(v), false);
		return UNKNOWN;
	}
	case AST_Name: {
		struct var *x = find_var(s, str_field(e, "id"));
		/* a list is read only where it is named (len, join, append): no alias of it */
		return x && x->v.kind != T_LIST ? tv_copy(&x->v) : UNKNOWN;
	}
	case AST_BinOp:
		return binop(s, e, depth);
	case AST_JoinedStr:
		return fstring(s, e, depth);
	case AST_Call:
		return call(s, e, depth);
	default:
		return UNKNOWN;	/* subscripts, conditions, attributes, any other call */
	}
}

/* ---- statements ---- */

static void run_body(struct sim *s, const json_t *body, int depth);

/* A statement that leaves a loop or the def early: a condition decides how often it ran. */
static bool leaves_early(const json_t *node, int depth)
{
	if (!node || depth > 4 * MAX_DEPTH)
		return node != NULL;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			if (leaves_early(child, depth + 1))
				return true;
		return false;
	}
	switch (ast_kind(node)) {
	case AST_Break: case AST_Continue: case AST_Return: case AST_Raise:
		return true;
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef: case AST_Lambda:
		return false;
	default:
		break;
	}
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (leaves_early(child, depth + 1))
			return true;
	return false;
}

/* `for i in range(n)` / `for i, x in enumerate(xs)` / `for x in xs`: the body run for each
 * index it takes (a count the code does not fix: the sample's). */
static void run_for(struct sim *s, const json_t *st, int depth)
{
	const json_t *target = json_object_get(st, "target"), *iter = json_object_get(st, "iter");
	const json_t *body = json_object_get(st, "body");
	int64_t start = 0, n = s->count;
	bool counted = true;
	const char *index = NULL, *item = NULL;
	if (ast_is(target, AST_Name) && range_of(s, iter, &start, &n, &counted, depth)) {
		index = str_field(target, "id");
	} else if (ast_is(target, AST_Tuple) && ast_is(iter, AST_Call) && resolved_is(iter, "builtins.enumerate") &&
		   json_array_size(json_object_get(target, "elts")) == 2 &&
		   json_array_size(json_object_get(iter, "args")) == 1 &&
		   ast_is(json_array_get(json_object_get(target, "elts"), 0), AST_Name) &&
		   ast_is(json_array_get(json_object_get(target, "elts"), 1), AST_Name)) {
		index = str_field(json_array_get(json_object_get(target, "elts"), 0), "id");
		item = str_field(json_array_get(json_object_get(target, "elts"), 1), "id");
	} else if (ast_is(target, AST_Name)) {
		item = str_field(target, "id");	/* whatever it holds: unknown */
	}
	kill_scan(s, iter, depth + 1);
	if ((!index && !item) || leaves_early(body, 0)) {
		kill_scan(s, st, depth + 1);	/* how often, or with what: not followed */
		return;
	}
	for (int64_t k = 0; k < n && !s->failed; k++) {
		if (index)
			bind(s, index, tv_int(start + k, counted));
		if (item)
			bind(s, item, UNKNOWN);
		run_body(s, body, depth + 1);
	}
	run_body(s, json_object_get(st, "orelse"), depth + 1);
}

/* `name.append(x)` on a list built here. */
static bool run_append(struct sim *s, const json_t *st, int depth)
{
	const json_t *c = json_object_get(st, "value");
	const json_t *func = json_object_get(c, "func");
	const json_t *recv = json_object_get(func, "value");
	if (!ast_is(c, AST_Call) || !ast_is(func, AST_Attribute) || !is_list_var(s, recv) ||
	    strcmp(str_field(func, "attr") ? str_field(func, "attr") : "", "append") ||
	    json_array_size(json_object_get(c, "args")) != 1 || json_array_size(json_object_get(c, "keywords")))
		return false;
	const json_t *arg = json_array_get(json_object_get(c, "args"), 0);
	kill_scan(s, arg, depth + 1);
	struct tval v = eval(s, arg, depth + 1);
	struct var *l = find_var(s, str_field(recv, "id"));
	if (!l || l->v.kind != T_LIST || v.kind != T_TEXT || l->v.nitems >= MAX_ITEMS) {
		tv_clear(&v);
		if (l)
			tv_clear(&l->v);
		return true;
	}
	l->v.items = xrealloc(l->v.items, (l->v.nitems + 1) * sizeof *l->v.items);
	l->v.items[l->v.nitems++] = v;
	return true;
}

/* The value bound by `name = value`: a list literal of texts is a list. */
static struct tval assigned(struct sim *s, const json_t *value, int depth)
{
	if (!ast_is(value, AST_List))
		return eval(s, value, depth + 1);
	struct tval l = { .kind = T_LIST };
	size_t i;
	const json_t *e;
	json_array_foreach(json_object_get(value, "elts"), i, e) {
		struct tval v = eval(s, e, depth + 1);
		if (v.kind != T_TEXT) {
			tv_clear(&v);
			tv_clear(&l);
			return UNKNOWN;
		}
		l.items = xrealloc(l.items, (l.nitems + 1) * sizeof *l.items);
		l.items[l.nitems++] = v;
	}
	return l;
}

static void run_assign(struct sim *s, const json_t *st, int depth)
{
	const json_t *targets = json_object_get(st, "targets"), *value = json_object_get(st, "value");
	const json_t *t = ast_is(st, AST_AnnAssign) ? json_object_get(st, "target") : json_array_get(targets, 0);
	size_t ntargets = ast_is(st, AST_AnnAssign) ? 1 : json_array_size(targets);
	kill_scan(s, value, depth + 1);
	if (ntargets == 1 && ast_is(t, AST_Name)) {
		bind(s, str_field(t, "id"), assigned(s, value, depth));
		return;
	}
	/* a, b = x, y: each name its own element */
	const json_t *names = json_object_get(t, "elts"), *vals = json_object_get(value, "elts");
	if (ntargets == 1 && (ast_is(t, AST_Tuple) || ast_is(t, AST_List)) &&
	    (ast_is(value, AST_Tuple) || ast_is(value, AST_List)) &&
	    json_array_size(names) == json_array_size(vals)) {
		size_t i;
		const json_t *n;
		struct tval got[16];
		size_t m = json_array_size(names);
		bool ok = m <= 16;
		json_array_foreach(names, i, n)
			ok = ok && ast_is(n, AST_Name);
		for (i = 0; ok && i < m; i++)	/* all values first, as Python does */
			got[i] = assigned(s, json_array_get(vals, i), depth);
		for (i = 0; ok && i < m; i++)
			bind(s, str_field(json_array_get(names, i), "id"), got[i]);
		if (ok)
			return;
	}
	kill_scan(s, st, depth + 1);
}

static void run_stmt(struct sim *s, const json_t *st, int depth)
{
	if (!spend(s, depth))
		return;
	switch (ast_kind(st)) {
	case AST_Assign:
		run_assign(s, st, depth);
		return;
	case AST_AnnAssign:
		if (json_object_get(st, "value") && !json_is_null(json_object_get(st, "value")))
			run_assign(s, st, depth);
		else
			kill_scan(s, st, depth + 1);
		return;
	case AST_AugAssign: {
		const json_t *t = json_object_get(st, "target");
		struct var *x = ast_is(t, AST_Name) ? find_var(s, str_field(t, "id")) : NULL;
		enum ast_kind op = ast_kind(json_object_get(st, "op"));
		if (x && x->v.kind != T_LIST && (op == AST_Add || op == AST_Mult || op == AST_Mod)) {
			/* x += v is x = x + v: build that BinOp's value from the two parts */
			kill_scan(s, json_object_get(st, "value"), depth + 1);
			struct tval v = eval(s, json_object_get(st, "value"), depth + 1), out = UNKNOWN;
			x = find_var(s, str_field(t, "id"));
			if (x && op == AST_Add && x->v.kind == T_TEXT && v.kind == T_TEXT) {
				out = tv_copy(&x->v);
				if (!text_append(&out, &v))
					tv_clear(&out);
			} else if (x && op == AST_Add && x->v.kind == T_INT && v.kind == T_INT &&
				   !__builtin_add_overflow(x->v.i, v.i, &out.i)) {
				out = tv_int(out.i, x->v.counted || v.counted);
			}
			tv_clear(&v);
			bind(s, str_field(t, "id"), out);
			return;
		}
		kill_scan(s, st, depth + 1);
		return;
	}
	case AST_Expr:
		if (!run_append(s, st, depth))
			kill_scan(s, st, depth + 1);
		return;
	case AST_For:
		run_for(s, st, depth);
		return;
	case AST_Pass:
		return;
	case AST_Return: case AST_Raise: case AST_Break: case AST_Continue:
		s->failed = true;	/* the call is reached some other way than straight on */
		return;
	default:
		kill_scan(s, st, depth + 1);	/* if, while, try, with, ...: what they bind is unknown */
		return;
	}
}

static void run_body(struct sim *s, const json_t *body, int depth)
{
	size_t i;
	const json_t *st;
	json_array_foreach(body, i, st)
		if (!s->failed)
			run_stmt(s, st, depth);
}

/* ---- the path to the call ---- */

/* Whether `node` holds `target` in code that runs with it (not in a nested def, lambda,
 * class or comprehension, which run at another time or bind names of their own). */
static bool holds(const json_t *node, const json_t *target, int depth)
{
	if (node == target)
		return true;
	if (!node || depth > 4 * MAX_DEPTH)
		return false;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			if (holds(child, target, depth + 1))
				return true;
		return false;
	}
	switch (ast_kind(node)) {
	case AST_FunctionDef: case AST_AsyncFunctionDef: case AST_ClassDef: case AST_Lambda:
	case AST_ListComp: case AST_SetComp: case AST_DictComp: case AST_GeneratorExp:
		return false;
	default:
		break;
	}
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (holds(child, target, depth + 1))
			return true;
	return false;
}

/* Run `body` up to the statement holding `call`, going into an `if` or `with` on the way;
 * then the text of `arg`.  A call in a loop, a try or a nested def is not followed. */
static struct tval run_to(struct sim *s, const json_t *body, const json_t *call, const json_t *arg,
			  int depth)
{
	size_t i;
	const json_t *st;
	json_array_foreach(body, i, st) {
		if (s->failed)
			return UNKNOWN;
		if (!holds(st, call, 0)) {
			run_stmt(s, st, depth);
			continue;
		}
		switch (ast_kind(st)) {
		case AST_If:
			if (holds(json_object_get(st, "test"), call, 0))
				break;
			kill_scan(s, json_object_get(st, "test"), depth + 1);
			return run_to(s, holds(json_object_get(st, "body"), call, 0) ? json_object_get(st, "body")
				      : json_object_get(st, "orelse"), call, arg, depth + 1);
		case AST_With:
			if (!holds(json_object_get(st, "body"), call, 0))
				break;
			kill_scan(s, json_object_get(st, "items"), depth + 1);
			return run_to(s, json_object_get(st, "body"), call, arg, depth + 1);
		case AST_For: case AST_AsyncFor: case AST_While: case AST_Try: case AST_AsyncWith:
		case AST_Match:
			return UNKNOWN;
		default:
			break;
		}
		/* the statement itself: what it binds or touches before the call is unknown */
		kill_scan(s, st, depth + 1);
		return eval(s, arg, depth + 1);
	}
	return UNKNOWN;
}

bool template_sample(const json_t *body, const json_t *call, const json_t *arg,
		     struct template_sample *out)
{
	*out = (struct template_sample){ 0 };
	if (!json_is_array(body) || !call || !arg)
		return false;
	json_t *untracked = json_object();
	if (!untracked)
		aura_oom();
	collect_untracked(untracked, body, false, NULL, 0);
	struct tval all = { .kind = T_TEXT };
	bool ok = true;
	for (int64_t count = 1; ok && count <= SAMPLE_COUNTS; count++) {
		struct sim s = { .untracked = untracked, .count = count };
		struct tval v = run_to(&s, body, call, arg, 0);
		ok = !s.failed && v.kind == T_TEXT;
		if (ok && count > 1) {
			struct tval nl = tv_text("\n", 1);
			ok = text_append(&all, &nl);
			tv_clear(&nl);
		}
		ok = ok && text_append(&all, &v);
		tv_clear(&v);
		for (size_t i = 0; i < s.nvars; i++)
			tv_clear(&s.vars[i].v);
	}
	json_decref(untracked);
	if (!ok || !all.text.s) {
		tv_clear(&all);
		return false;
	}
	out->text = all.text.s;
	out->len = all.text.len;
	out->holes = all.holes;
	out->nholes = all.nholes;
	return true;
}

void template_sample_free(struct template_sample *s)
{
	free(s->text);
	free(s->holes);
	*s = (struct template_sample){ 0 };
}

/* ---- what the integers became in the sample's code ---- */

struct spanctx {
	size_t *line_start;	/* byte offset of each line (1-based: line_start[line - 1]) */
	size_t nlines;
};

/* The node's [start, end) in the sample's bytes; false when it has no position. */
static bool node_span(const struct spanctx *c, const json_t *n, size_t *start, size_t *end)
{
	json_t *l = json_object_get(n, "lineno"), *el = json_object_get(n, "end_lineno");
	json_t *col = json_object_get(n, "col_offset"), *ecol = json_object_get(n, "end_col_offset");
	if (!json_is_integer(l) || !json_is_integer(el) || !json_is_integer(col) || !json_is_integer(ecol))
		return false;
	json_int_t a = json_integer_value(l), b = json_integer_value(el);
	if (a < 1 || b < 1 || (size_t)a > c->nlines || (size_t)b > c->nlines)
		return false;
	*start = c->line_start[a - 1] + (size_t)json_integer_value(col);
	*end = c->line_start[b - 1] + (size_t)json_integer_value(ecol);
	return true;
}

/* The innermost node whose span holds [off, off+len), and its parent. */
static bool innermost(const struct spanctx *c, const json_t *node, const json_t *parent,
		      const struct template_hole *h, const json_t **found, const json_t **fparent, int depth)
{
	if (depth > 4 * MAX_DEPTH)
		return false;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			if (innermost(c, child, parent, h, found, fparent, depth + 1))
				return true;
		return false;
	}
	size_t a, b;
	bool positioned = node_span(c, node, &a, &b);
	if (positioned && !(a <= h->off && h->off + h->len <= b))
		return false;
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (innermost(c, child, positioned ? node : parent, h, found, fparent, depth + 1))
			return true;
	if (!positioned)
		return false;
	*found = node, *fparent = parent;
	return true;
}

/* The names the sample binds itself: parameters of its lambdas and defs, assigned names. */
static void bound_names(json_t *set, const json_t *node, int depth)
{
	if (!node || depth > 4 * MAX_DEPTH)
		return;
	size_t i;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			bound_names(set, child, depth + 1);
		return;
	}
	const char *id = ast_is(node, AST_arg) ? str_field(node, "arg")
			 : ast_is(node, AST_Name) && ast_is(json_object_get(node, "ctx"), AST_Store)
			 ? str_field(node, "id") : NULL;
	if (id)
		json_object_set_new(set, id, json_true());
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		bound_names(set, child, depth + 1);
}

bool template_holes_ok(const json_t *tree, const struct template_sample *s)
{
	if (!json_is_object(tree))
		return false;	/* no tree: nothing was checked */
	if (!s->nholes)
		return true;
	struct spanctx c = { NULL, 0 };
	c.line_start = xmalloc((s->len + 1) * sizeof *c.line_start);	/* at most one line a byte */
	c.line_start[c.nlines++] = 0;
	for (size_t i = 0; i < s->len; i++)
		if (s->text[i] == '\n')
			c.line_start[c.nlines++] = i + 1;
	json_t *bound = json_object();
	if (!bound)
		aura_oom();
	bound_names(bound, tree, 0);
	bool ok = true;
	for (size_t h = 0; ok && h < s->nholes; h++) {
		const json_t *n = NULL, *parent = NULL;
		ok = innermost(&c, json_object_get(tree, "body"), NULL, &s->holes[h], &n, &parent, 0);
		if (!ok)
			break;	/* a comment, or no code: nothing we can vouch for */
		switch (ast_kind(n)) {
		case AST_arg:	/* a parameter of its own */
			break;
		case AST_Name:	/* a name it binds itself: f0, f1 */
			ok = json_object_get(bound, str_field(n, "id") ? str_field(n, "id") : "") != NULL;
			break;
		case AST_Constant:	/* f[0]: the index of a value nobody computed */
			ok = json_is_integer(json_object_get(n, "value")) && ast_is(parent, AST_Subscript) &&
			     json_object_get(parent, "slice") == n && !json_object_get(parent, "_value") &&
			     !json_object_get(parent, "_resolved") &&
			     !json_object_get(json_object_get(parent, "value"), "_value") &&
			     ast_is(json_object_get(parent, "value"), AST_Name);
			break;
		default:	/* inside a string, an attribute, a keyword, an import: not only digits */
			ok = false;
		}
	}
	json_decref(bound);
	free(c.line_start);
	return ok;
}
