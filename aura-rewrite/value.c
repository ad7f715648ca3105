/* value.c: the constant Python values the partial evaluator computes (str, bytes, int, ...). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "value.h"

struct val *val_new(enum vkind kind)
{
	struct val *v = xmalloc(sizeof *v);
	memset(v, 0, sizeof *v);
	v->refs = 1;
	v->kind = kind;
	return v;
}

struct val *val_ref(struct val *v)
{
	if (v)
		v->refs++;
	return v;
}

/*
 * Containers can nest without bound (`x = [x]` repeated a million times builds a million
 * levels on a shallow stack), so releasing one must not recurse: the values whose count
 * drops to zero wait on an explicit stack, on the heap once it outgrows a small array.
 */
void val_unref(struct val *v)
{
	if (!v || --v->refs > 0)
		return;
	struct val *inline_stack[64], **stack = inline_stack;
	size_t n = 0, cap = sizeof inline_stack / sizeof inline_stack[0];
	stack[n++] = v;
	while (n > 0) {
		v = stack[--n];
		struct val *kids[3] = { NULL, NULL, NULL };
		struct val **items = kids;
		size_t nkids = 0;
		switch (v->kind) {
		case V_STR:
		case V_BYTES:
		case V_GETTER:
			free(v->s.own);
			json_decref(v->s.borrow);
			break;
		case V_TUPLE:
		case V_LIST:
		case V_DICT:
			items = v->seq.items;
			nkids = v->seq.n;
			break;
		case V_SLICE:
			kids[0] = v->sl.lo, kids[1] = v->sl.hi, kids[2] = v->sl.step;
			nkids = 3;
			break;
		default:
			break;
		}
		for (size_t i = 0; i < nkids; i++) {
			struct val *k = items[i];
			if (!k || --k->refs > 0)
				continue;
			if (n == cap)
				stack = grow_stack(stack, inline_stack, &cap, sizeof *stack);
			stack[n++] = k;
		}
		if (items != kids)
			free(items);
		free(v);
	}
	if (stack != inline_stack)
		free(stack);
}

struct val *val_int(int64_t i)
{
	struct val *v = val_new(V_INT);
	v->i = i;
	return v;
}

struct val *val_bool(bool b)
{
	struct val *v = val_new(V_BOOL);
	v->b = b;
	return v;
}

struct val *val_take(enum vkind kind, char *buf, size_t n)
{
	struct val *v = val_new(kind);
	v->s.own = buf;
	v->s.p = buf ? buf : "";
	v->s.n = n;
	return v;
}

struct val *val_copy(enum vkind kind, const char *p, size_t n)
{
	char *buf = xmalloc(n + 1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return val_take(kind, buf, n);
}

struct val *val_seq(enum vkind kind, struct val **items, size_t n)
{
	struct val *v = val_new(kind);
	v->seq.items = items;
	v->seq.n = n;
	return v;
}

struct val *val_from_constant(const json_t *value)
{
	if (json_is_string(value)) {
		struct val *v = val_new(V_STR);
		v->s.borrow = json_incref((json_t *)value);
		v->s.p = json_string_value(value);
		v->s.n = json_string_length(value);
		return v;
	}
	if (json_is_integer(value))
		return val_int(json_integer_value(value));
	if (json_is_real(value)) {
		struct val *v = val_new(V_FLOAT);
		v->f = json_real_value(value);
		return v;
	}
	if (json_is_boolean(value))
		return val_bool(json_is_true(value));
	if (json_is_null(value))
		return val_new(V_NONE);
	const char *b64 = json_string_value(json_object_get(value, "$bytes"));
	if (b64) {
		size_t n;
		unsigned char *p = base64_decode(b64, strlen(b64), &n);
		return p ? val_take(V_BYTES, (char *)p, n) : NULL;
	}
	return NULL;	/* big ints, complex, inf/nan, surrogates: left alone */
}

json_t *val_to_json(const struct val *v)
{
	switch (v->kind) {
	case V_NONE:
		return json_null();
	case V_BOOL:
		return json_boolean(v->b);
	case V_INT:
		return json_integer(v->i);
	case V_FLOAT:
		return isfinite(v->f) ? json_real(v->f) : NULL;
	case V_STR:
		return json_stringn(v->s.p, v->s.n);
	case V_BYTES: {
		char *b64 = base64_encode(v->s.p, v->s.n);
		json_t *o = json_pack("{s:s}", "$bytes", b64);
		free(b64);
		return o;
	}
	default:
		return NULL;
	}
}

void val_add_rule(struct val *v, const char *r)
{
	for (unsigned i = 0; i < v->nrules; i++)
		if (v->rules[i] == r || strcmp(v->rules[i], r) == 0)
			return;
	if (v->nrules < VAL_MAX_RULES)
		v->rules[v->nrules++] = r;
}

void val_merge_rules(struct val *v, const struct val *from)
{
	for (unsigned i = 0; from && i < from->nrules; i++)
		val_add_rule(v, from->rules[i]);
}

json_t *val_rules_json(const struct val *v)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < v->nrules; i++)
		json_array_append_new(a, json_string(v->rules[i]));
	return a;
}

bool val_is_text(const struct val *v)
{
	return v && (v->kind == V_STR || v->kind == V_BYTES);
}

bool val_truthy(const struct val *v, bool *known)
{
	*known = true;
	switch (v->kind) {
	case V_NONE: return false;
	case V_BOOL: return v->b;
	case V_INT: return v->i != 0;
	case V_FLOAT: return v->f != 0;
	case V_STR: case V_BYTES: return v->s.n != 0;
	case V_TUPLE: case V_LIST: case V_DICT: return v->seq.n != 0;
	default: *known = false; return false;
	}
}

/*
 * Containers nested deeper than this, or comparisons visiting more values than that,
 * are "unsure" (false): values may share items (`x = [x, x]` doubles at each step), so
 * neither the recursion nor the work may follow the size of the unfolded value.
 */
#define VAL_EQUAL_MAX_DEPTH 64
#define VAL_EQUAL_MAX_WORK 100000

static bool equal_at(const struct val *a, const struct val *b, int depth, unsigned long *work)
{
	if (++*work > VAL_EQUAL_MAX_WORK)
		return false;
	if ((a->kind == V_INT || a->kind == V_BOOL) && (b->kind == V_INT || b->kind == V_BOOL)) {
		int64_t x = a->kind == V_INT ? a->i : a->b, y = b->kind == V_INT ? b->i : b->b;
		return x == y;
	}
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case V_NONE: return true;
	case V_FLOAT: return a->f == b->f;
	case V_STR: case V_BYTES:
		return a->s.n == b->s.n && memcmp(a->s.p, b->s.p, a->s.n) == 0;
	case V_TUPLE: case V_LIST:
		if (a->seq.n != b->seq.n || depth >= VAL_EQUAL_MAX_DEPTH)
			return false;
		for (size_t i = 0; i < a->seq.n; i++)
			if (!equal_at(a->seq.items[i], b->seq.items[i], depth + 1, work))
				return false;
		return true;
	default:
		return false;
	}
}

bool val_equal(const struct val *a, const struct val *b)
{
	unsigned long work = 0;
	return equal_at(a, b, 0, &work);
}
