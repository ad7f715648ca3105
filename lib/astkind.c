/* astkind.c: `_type` name to node kind and back, from the one list in astkind.h. */
#include <stdint.h>
#include <string.h>

#include "astkind.h"

static const char *const names[AST_KIND_COUNT] = {
	[AST_NONE] = "",
	[AST_UNKNOWN] = "",
#define AST_KIND_NAME(name, class) [AST_##name] = #name,
	AST_KIND_LIST(AST_KIND_NAME)
#undef AST_KIND_NAME
};

static const unsigned char lengths[AST_KIND_COUNT] = {
#define AST_KIND_LEN(name, class) [AST_##name] = sizeof #name - 1,
	AST_KIND_LIST(AST_KIND_LEN)
#undef AST_KIND_LEN
};

static const unsigned char classes[AST_KIND_COUNT] = {
#define AST_KIND_CLASS(name, class) [AST_##name] = AST_CLASS_##class,
	AST_KIND_LIST(AST_KIND_CLASS)
#undef AST_KIND_CLASS
};

/*
 * An open-addressing table of the ~110 names, filled on first use.  Measured on the
 * standard library's node names (bench note in docs/ast.md): hashing the short name and
 * one or two probes beat a binary search over the sorted names by 2.5-3x, and cost
 * nothing to keep in step with the list, unlike a hand-written switch.
 */
#define SLOTS 512	/* a power of two, well over 3x the kinds: probes stay short */

static unsigned char slots[SLOTS];	/* enum ast_kind, 0 (AST_NONE) = empty */
static int filled;

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void fill(void)
{
	_Static_assert(AST_KIND_COUNT < 256, "kinds must fit the slots' bytes");
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++) {
		uint32_t i = name_hash(names[k], lengths[k]) & (SLOTS - 1);
		while (slots[i])
			i = (i + 1) & (SLOTS - 1);
		slots[i] = (unsigned char)k;
	}
	filled = 1;
}

enum ast_kind ast_kind_from_name(const char *name, size_t n)
{
	if (!filled)
		fill();
	for (uint32_t i = name_hash(name, n) & (SLOTS - 1); slots[i]; i = (i + 1) & (SLOTS - 1)) {
		int k = slots[i];
		if (lengths[k] == n && memcmp(names[k], name, n) == 0)
			return (enum ast_kind)k;
	}
	return AST_UNKNOWN;
}

const char *ast_kind_name(enum ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT ? names[k] : "";
}

enum ast_class ast_kind_class(enum ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT ? (enum ast_class)classes[k] : AST_CLASS_NONE;
}
