/* kindvalue-check.c: the shared values lib/jsonr builds (node kinds, small integers), and ast_kind on them (tests/03d-speed3.bats). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "astwalk.h"
#include "jsonr.h"

static int failures, checks;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		checks++;                                                       \
		if (!(cond)) {                                                  \
			printf("line %d: %s: ", __LINE__, #cond);               \
			printf(__VA_ARGS__);                                    \
			printf("\n");                                           \
			failures++;                                             \
		}                                                               \
	} while (0)

static json_t *parse(const char *s)
{
	struct jsonr_error err;
	json_t *v = jsonr_parse(s, strlen(s), &err);
	if (!v)
		printf("parse error at %zu: %s (%s)\n", err.offset, err.text, s);
	return v;
}

/* The `_type` value of node `v`, wherever its key is. */
static const json_t *type_of(const json_t *v)
{
	return json_object_get(v, "_type");
}

/* Kind `k`'s shared value still reads as its name (nothing wrote into it). */
static void shared_intact(enum ast_kind k)
{
	const json_t *s = ast_kind_value(k);
	CHECK(s && json_is_string(s) && strcmp(json_string_value(s), ast_kind_name(k)) == 0 &&
	      json_string_length(s) == ast_kind_name_len(k),
	      "kind %s: shared value reads '%s'", ast_kind_name(k), s ? json_string_value(s) : "(null)");
	CHECK(s && s->refcount == (size_t)-1, "kind %s: refcount %zu, not static", ast_kind_name(k),
	      s ? (size_t)s->refcount : 0);
}

static void plain_trees(void)
{
	json_t *t = parse("{\"_type\":\"Call\",\"func\":{\"_type\":\"Name\",\"id\":\"f\"},"
			  "\"args\":[{\"_type\":\"Call\",\"func\":{\"_type\":\"Name\",\"id\":\"g\"}}]}");
	if (!t)
		return;
	json_t *inner = json_array_get(json_object_get(t, "args"), 0);
	CHECK(ast_kind(t) == AST_Call, "outer call is kind %d", ast_kind(t));
	CHECK(ast_kind(inner) == AST_Call, "inner call is kind %d", ast_kind(inner));
	CHECK(type_of(t) == ast_kind_value(AST_Call) && type_of(inner) == type_of(t),
	      "two Call nodes do not share the one Call value");
	CHECK(ast_kind(json_object_get(t, "func")) == AST_Name, "func is not a Name");

	/* A later stage gives the node another kind: a new value, read by name. */
	json_object_set_new(t, "_type", json_string("Attribute"));
	CHECK(ast_kind(t) == AST_Attribute, "retyped node is kind %d, want Attribute", ast_kind(t));
	CHECK(ast_kind(inner) == AST_Call, "the other Call node changed with it: kind %d", ast_kind(inner));
	/* Members added and deleted around the shared value leave it as it was. */
	json_object_set_new(inner, "_resolved", json_string("g"));
	json_object_del(inner, "func");
	CHECK(ast_kind(inner) == AST_Call, "annotated node is kind %d", ast_kind(inner));
	json_object_del(inner, "_type");
	CHECK(ast_kind(inner) == AST_NONE, "node without _type is kind %d", ast_kind(inner));
	/* A copy has its own string: its kind is read by name. */
	json_t *copy = json_deep_copy(json_object_get(t, "func"));
	CHECK(ast_kind(copy) == AST_Name, "deep copy of a Name is kind %d", ast_kind(copy));
	json_decref(copy);
	json_decref(t);
	shared_intact(AST_Call);
	shared_intact(AST_Name);
}

/* Strings that are no known kind's `_type`, or not under `_type`, are not shared. */
static void not_shared(void)
{
	static const struct { const char *json; enum ast_kind kind; } cases[] = {
		{ "{\"_type\":\"Callz\"}", AST_UNKNOWN },
		{ "{\"_type\":\"Call\\u0000\"}", AST_UNKNOWN },
		{ "{\"_type\":\"\"}", AST_UNKNOWN },
		{ "{\"_type\":5}", AST_NONE },
		{ "{\"_type\":[\"Call\"]}", AST_NONE },
		{ "{\"_type\":null}", AST_NONE },
		{ "{\"type\":\"Call\"}", AST_NONE },
		{ "{\"_typ\":\"Call\"}", AST_NONE },
		{ "{\"_types\":\"Call\"}", AST_NONE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *v = parse(cases[i].json);
		if (!v)
			continue;
		CHECK(ast_kind(v) == cases[i].kind, "%s: kind %d, want %d", cases[i].json, ast_kind(v),
		      cases[i].kind);
		void *it = json_object_iter(v);
		const json_t *first = it ? json_object_iter_value(it) : NULL;
		for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++)
			CHECK(first != ast_kind_value(k), "%s: holds kind %s's shared value", cases[i].json,
			      ast_kind_name(k));
		json_decref(v);
	}
	/* A "Call" that is no `_type` (an element, another key's value) is a string of its own. */
	json_t *v = parse("{\"id\":\"Call\",\"names\":[\"Call\"],\"_type\":\"Name\"}");
	if (v) {
		CHECK(json_object_get(v, "id") != ast_kind_value(AST_Call), "\"id\" holds the shared Call");
		CHECK(json_array_get(json_object_get(v, "names"), 0) != ast_kind_value(AST_Call),
		      "an array element holds the shared Call");
		CHECK(ast_kind(v) == AST_Name, "_type after other keys: kind %d", ast_kind(v));
		CHECK(type_of(v) == ast_kind_value(AST_Name), "_type after other keys is not shared");
		json_decref(v);
	}
	/* Escapes are decoded before the name is looked up: the same kind, the same value. */
	v = parse("{\"_type\":\"\\u0043all\"}");
	if (v) {
		CHECK(ast_kind(v) == AST_Call && type_of(v) == ast_kind_value(AST_Call),
		      "an escaped \"Call\" is kind %d", ast_kind(v));
		json_decref(v);
	}
	CHECK(ast_kind_value(AST_NONE) == NULL && ast_kind_value(AST_UNKNOWN) == NULL &&
	      ast_kind_value(AST_KIND_COUNT) == NULL, "a shared value for no kind");
}

/* Every kind: its name read under `_type` gives its shared value and its kind. */
static void every_kind(void)
{
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++) {
		char buf[64];
		snprintf(buf, sizeof buf, "{\"_type\":\"%s\"}", ast_kind_name(k));
		json_t *v = parse(buf);
		if (!v)
			continue;
		CHECK(ast_kind(v) == (enum ast_kind)k, "%s: kind %d", ast_kind_name(k), ast_kind(v));
		CHECK(type_of(v) == ast_kind_value(k) && ast_kind_value(k) != NULL, "%s: not shared",
		      ast_kind_name(k));
		json_decref(v);
		shared_intact(k);
	}
}

/* Integers 0..4095 are shared and static; others, negative ones and reals are values of their own. */
static void small_ints(void)
{
	json_t *v = parse("{\"lineno\":5,\"end_lineno\":5,\"big\":4096,\"top\":4095,\"neg\":-5,"
			  "\"zero\":-0,\"real\":5.0,\"list\":[5,0]}");
	if (!v)
		return;
	const json_t *a = json_object_get(v, "lineno"), *b = json_object_get(v, "end_lineno");
	CHECK(a == b && json_integer_value(a) == 5 && a->refcount == (size_t)-1,
	      "two 5s: %p and %p, refcount %zu", (const void *)a, (const void *)b, (size_t)a->refcount);
	CHECK(json_array_get(json_object_get(v, "list"), 0) == a, "a 5 in an array is not the shared 5");
	const json_t *top = json_object_get(v, "top"), *big = json_object_get(v, "big");
	CHECK(json_integer_value(top) == 4095 && top->refcount == (size_t)-1, "4095 not shared");
	CHECK(json_integer_value(big) == 4096 && big->refcount != (size_t)-1, "4096 shared");
	CHECK(json_integer_value(json_object_get(v, "neg")) == -5 &&
	      json_object_get(v, "neg")->refcount != (size_t)-1, "-5 wrong or shared");
	CHECK(json_is_integer(json_object_get(v, "zero")) && json_integer_value(json_object_get(v, "zero")) == 0,
	      "-0 is not the integer 0");
	CHECK(json_is_real(json_object_get(v, "real")) && json_real_value(json_object_get(v, "real")) == 5.0,
	      "5.0 is not a real");
	/* Replacing a shared integer, or dropping the tree, leaves it as it was. */
	json_object_set_new(v, "lineno", json_integer(7));
	json_decref(v);
	CHECK(json_integer_value(a) == 5 && a->refcount == (size_t)-1, "the shared 5 changed: %lld",
	      (long long)json_integer_value(a));
}

int main(int argc, char **argv)
{
	/*
	 * `arena` first: as in aura-rewrite, every value is the arena's and records are dropped
	 * with arena_reset; the shared values, made during the first parse, must not be.
	 */
	if (argc > 1 && strcmp(argv[1], "arena") == 0) {
		arena_install(ARENA_EVERY_VALUE);
		plain_trees();
		small_ints();
		arena_reset();
		/* Fill the reused arena with other bytes, then look again. */
		for (int i = 0; i < 200; i++) {
			json_t *v = parse("{\"_type\":\"Constant\",\"value\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
					  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
			(void)v;
		}
		arena_reset();
	}
	plain_trees();
	small_ints();
	not_shared();
	every_kind();
	printf("%d checks, %d failures\n", checks, failures);
	return failures != 0;
}
