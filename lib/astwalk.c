/* astwalk.c: walking an `ast` tree held as jansson values: node kinds, children, depth guard. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "astwalk.h"

/* ---- one shared `_type` value per kind ---- */

/*
 * lib/jsonr gives every node's `_type` whose name is a kind the same json_t: one per kind,
 * made once, never freed, never changed.  ast_kind then knows a node's kind from the
 * value's address, without reading the string: the string and its bytes are two more
 * cache lines per node, and the name lookup was ~6% of aura-analyze (bench/README.md).
 * The values are allocated in kind_pool (jansson's allocator switched to it while they are
 * made), so "is this one of them, and which" is a subtraction and a table read.  They have
 * jansson's static reference count ((size_t)-1, as json_true() has): json_incref and
 * json_decref leave them alone, so every tree may hold them and arena resets never touch
 * them.  Nothing may change one in place (json_string_set is used nowhere in Aura): a stage
 * that gives a node another kind replaces the value (json_object_set_new), which ast_kind
 * then reads by name.
 */
#define KIND_POOL_GRAIN 16	/* allocations are rounded to this: one kind_at byte each */
#define KIND_POOL_BYTES 16384	/* ~120 kinds x (a json_string_t + its name's bytes) */

static _Alignas(KIND_POOL_GRAIN) unsigned char kind_pool[KIND_POOL_BYTES];
static size_t kind_pool_used;
static unsigned char kind_at[KIND_POOL_BYTES / KIND_POOL_GRAIN];	/* kind of the value there */
static json_t *kind_values[AST_KIND_COUNT];
static bool kind_values_made;

_Static_assert(AST_KIND_COUNT < 256, "kind_at holds a kind in a byte");

static bool in_kind_pool(const void *p)
{
	return (uintptr_t)p - (uintptr_t)kind_pool < sizeof kind_pool;
}

/* jansson's allocator while the shared values are made: the pool, then malloc if it is full. */
static void *kind_pool_malloc(size_t n)
{
	n = (n + KIND_POOL_GRAIN - 1) & ~(size_t)(KIND_POOL_GRAIN - 1);
	if (n > sizeof kind_pool - kind_pool_used)
		return malloc(n);
	void *p = kind_pool + kind_pool_used;
	kind_pool_used += n;
	return p;
}

static void kind_pool_free(void *p)
{
	if (!in_kind_pool(p))
		free(p);
}

static void make_kind_values(void)
{
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	json_set_alloc_funcs(kind_pool_malloc, kind_pool_free);
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++) {
		json_t *s = json_stringn_nocheck(ast_kind_name(k), ast_kind_name_len(k));
		if (!s)
			continue;	/* out of memory: nodes of this kind get their own strings */
		if (!in_kind_pool(s)) {	/* the pool was too small: the same */
			json_decref(s);
			continue;
		}
		s->refcount = (size_t)-1;	/* static: never freed (jansson.h's json_incref) */
		kind_at[((unsigned char *)s - kind_pool) / KIND_POOL_GRAIN] = (unsigned char)k;
		kind_values[k] = s;
	}
	json_set_alloc_funcs(saved_malloc, saved_free);
	kind_values_made = true;
}

json_t *ast_kind_value(enum ast_kind k)
{
	if ((unsigned)k <= AST_UNKNOWN || (unsigned)k >= AST_KIND_COUNT)
		return NULL;
	if (!kind_values_made)
		make_kind_values();
	return kind_values[k];
}

enum ast_kind ast_kind(const json_t *v)
{
	if (!json_is_object(v))
		return AST_NONE;
	/* The first field in insertion order: `_type` in every node aura-parse writes.  The
	 * name is compared a byte at a time: a call to strcmp here was half of
	 * aura-analyze's strcmp time on the standard library. */
	void *first = json_object_iter((json_t *)v);
	const char *key = first ? json_object_iter_key(first) : NULL;
	bool is_type = key && key[0] == '_' && key[1] == 't' && key[2] == 'y' && key[3] == 'p' &&
		       key[4] == 'e' && key[5] == '\0';
	const json_t *type = is_type ? json_object_iter_value(first) : json_object_get(v, "_type");
	if (in_kind_pool(type))	/* a shared value (above): its kind, the string unread */
		return (enum ast_kind)kind_at[((const unsigned char *)type - kind_pool) / KIND_POOL_GRAIN];
	if (!json_is_string(type))
		return AST_NONE;
	return ast_kind_from_name(json_string_value(type), json_string_length(type));
}

/* ---- children ---- */

void ast_children_init(struct ast_children *it, json_t *v)
{
	*it = (struct ast_children){ .parent = v };
	if (json_is_object(v))
		it->field = json_object_iter(v);
}

static bool holds_nodes(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

json_t *ast_children_next(struct ast_children *it)
{
	if (json_is_array(it->parent)) {
		while (it->index < json_array_size(it->parent)) {
			json_t *child = json_array_get(it->parent, it->index++);
			if (holds_nodes(child))
				return child;
		}
		return NULL;
	}
	while (it->field) {
		const char *key = json_object_iter_key(it->field);
		json_t *child = json_object_iter_value(it->field);
		it->field = json_object_iter_next(it->parent, it->field);
		if (key[0] != '_' && holds_nodes(child)) {
			it->key = key;
			return child;
		}
	}
	return NULL;
}

/* ---- the depth guard ---- */

#define WANT_STACK ((rlim_t)64 << 20)	/* address space, not memory: only a deep tree touches it */

size_t ast_stack_budget(void)
{
	struct rlimit rl;
	size_t lim = 8u << 20;
	if (getrlimit(RLIMIT_STACK, &rl) == 0) {
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < WANT_STACK) {
			rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > WANT_STACK ?
				WANT_STACK : rl.rlim_max;
			struct rlimit raised = { want, rl.rlim_max };
			if (want > rl.rlim_cur && setrlimit(RLIMIT_STACK, &raised) == 0)
				rl.rlim_cur = want;
		}
		lim = rl.rlim_cur == RLIM_INFINITY ? WANT_STACK : (size_t)rl.rlim_cur;
	}
	/*
	 * A quarter: the payload parser (lib/pyparse) takes up to half the limit from wherever
	 * it is called, and jansson and libc need some more below the deepest frame.  Measured
	 * in aura-rewrite: a Call costs about 400 bytes of stack per JSON level (the deepest
	 * kind), a List 110, so 2 MB (an 8 MB limit) follows 5,000 levels and 16 MB all 25,000.
	 */
	lim /= 4;
	return lim > (16u << 20) ? 16u << 20 : lim;
}
