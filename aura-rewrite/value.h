/* value.h: the constant Python values the partial evaluator computes (str, bytes, int, ...). */
#ifndef REWRITE_VALUE_H
#define REWRITE_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vkind {
	V_NONE,
	V_BOOL,
	V_INT,		/* 64-bit only: an operation that would overflow gives "unknown" */
	V_FLOAT,
	V_STR,		/* UTF-8 text without lone surrogates */
	V_BYTES,	/* also bytearray (flag `bytearray`) */
	V_TUPLE,
	V_LIST,
	V_DICT,		/* items[2k] is a key, items[2k+1] its value, in insertion order */
	V_SLICE,	/* the index of x[a:b:c] */
	V_GETTER,	/* operator.attrgetter('name'): s holds the attribute name */
};

/* Provenance: the rules that built a value, oldest first (docs/rewrite.md). */
#define VAL_MAX_RULES 8

/*
 * A value is reference-counted because scopes, comprehension bindings and containers share
 * it.  Text and bytes are either owned (`own`) or borrowed from a jansson string of the
 * tree (`borrow`, which we hold a reference on), so a docstring costs no copy.
 */
struct val {
	unsigned refs;
	enum vkind kind;
	bool bytearray;
	unsigned char nrules;
	const char *rules[VAL_MAX_RULES];	/* static strings, "fold:concat" */
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			const char *p;
			size_t n;
			char *own;
			json_t *borrow;
		} s;
		struct {
			struct val **items;
			size_t n;
		} seq;
		struct {
			struct val *lo, *hi, *step;	/* NULL when omitted */
		} sl;
	};
};

struct val *val_new(enum vkind kind);
struct val *val_ref(struct val *v);	/* NULL-safe */
void val_unref(struct val *v);		/* NULL-safe */

struct val *val_int(int64_t i);
struct val *val_bool(bool b);
/* Str or bytes that take ownership of `buf` (malloc'd, n bytes, NUL after them is not needed). */
struct val *val_take(enum vkind kind, char *buf, size_t n);
struct val *val_copy(enum vkind kind, const char *p, size_t n);
/* A sequence of `n` values (references taken over); `items` malloc'd or NULL when n == 0. */
struct val *val_seq(enum vkind kind, struct val **items, size_t n);

/* The value of a Constant node's "value" (docs/ast.md); NULL when not representable. */
struct val *val_from_constant(const json_t *value);
/* The Constant-value JSON of a scalar (str, bytes, int, float, bool, None); else NULL. */
json_t *val_to_json(const struct val *v);

/* Provenance: append rule `r` (deduplicating a repeat of the last one). */
void val_add_rule(struct val *v, const char *r);
/* Append the rules of `from` that `v` does not have yet. */
void val_merge_rules(struct val *v, const struct val *from);
/* ["fold:concat", ...] */
json_t *val_rules_json(const struct val *v);

bool val_is_text(const struct val *v);	/* str or bytes */
bool val_truthy(const struct val *v, bool *known);
/* Python equality for scalars and sequences; false when unsure (too deep, too much work). */
bool val_equal(const struct val *a, const struct val *b);

#endif
