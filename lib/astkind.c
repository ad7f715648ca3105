/* astkind.c: `_type` name to node kind and back, from the one list in astkind.h. */
#include <stdbool.h>
#include <stdint.h>

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
 * A perfect hash of the ~110 names, filled on first use.  The key is four bytes every name
 * has: its first two characters, its last one and its length (which together tell every
 * name in the list apart: AugAssign/AnnAssign differ in the second), multiplied by a
 * constant and cut to the top SLOT_BITS bits.  MULTIPLIER was searched for
 * (bench/astkind-hash.py) so that no two names share a slot: a lookup reads four bytes of
 * the name, one slot, and compares the one candidate, instead of hashing every byte and
 * probing.  Measured on aura-analyze over the standard library (bench/README.md): the name
 * lookup went from ~4% of the stage to under 1%.  A name added to the list that collides
 * still works (fill() probes on, and so does the lookup): it only costs a probe, until
 * the search is re-run and MULTIPLIER replaced.
 */
#define SLOT_BITS 9
#define SLOTS (1u << SLOT_BITS)	/* a power of two, over 4x the kinds */
#define MULTIPLIER 0x89fef461u
#define KIND_NAME_MIN 2	/* the shortest names ("If", "In", "Or"): s[1] exists */

/* The longest name's length, from the list: a union of one array per name, each its size. */
#define AST_KIND_SIZE(name, class) char name[sizeof #name];
union longest_name { AST_KIND_LIST(AST_KIND_SIZE) };
#undef AST_KIND_SIZE
#define KIND_NAME_MAX (sizeof(union longest_name) - 1)

#define AST_KIND_MIN(name, class) \
	_Static_assert(sizeof #name - 1 >= KIND_NAME_MIN, "the key reads a name's second byte");
AST_KIND_LIST(AST_KIND_MIN)
#undef AST_KIND_MIN
_Static_assert(KIND_NAME_MAX < 256, "the key holds the length in a byte");

static unsigned char slots[SLOTS];	/* enum ast_kind, 0 (AST_NONE) = empty */
static int filled;

/* n is KIND_NAME_MIN..KIND_NAME_MAX: the four key bytes exist and the length fits its byte. */
static inline uint32_t slot_of(const char *s, size_t n)
{
	uint32_t key = (uint32_t)(unsigned char)s[0] | (uint32_t)(unsigned char)s[1] << 8 |
		       (uint32_t)(unsigned char)s[n - 1] << 16 | (uint32_t)n << 24;
	return (key * MULTIPLIER) >> (32 - SLOT_BITS);
}

static void fill(void)
{
	_Static_assert(AST_KIND_COUNT < 256, "kinds must fit the slots' bytes");
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++) {
		uint32_t i = slot_of(names[k], lengths[k]);
		while (slots[i])	/* a collision: only after a name is added (above) */
			i = (i + 1) & (SLOTS - 1);
		slots[i] = (unsigned char)k;
	}
	filled = 1;
}

/* A name of n bytes (at most KIND_NAME_MAX) against kind k's: inline, where a call to
 * memcmp for a handful of bytes cost as much as the rest of the lookup. */
static inline bool same_name(int k, const char *name, size_t n)
{
	if (lengths[k] != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (names[k][i] != name[i])
			return false;
	return true;
}

enum ast_kind ast_kind_from_name(const char *name, size_t n)
{
	if (n < KIND_NAME_MIN || n > KIND_NAME_MAX)
		return AST_UNKNOWN;
	if (!filled)
		fill();
	for (uint32_t i = slot_of(name, n); slots[i]; i = (i + 1) & (SLOTS - 1)) {
		int k = slots[i];
		if (same_name(k, name, n))
			return (enum ast_kind)k;
	}
	return AST_UNKNOWN;
}

const char *ast_kind_name(enum ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT ? names[k] : "";
}

size_t ast_kind_name_len(enum ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT ? lengths[k] : 0;
}

enum ast_class ast_kind_class(enum ast_kind k)
{
	return (unsigned)k < AST_KIND_COUNT ? (enum ast_class)classes[k] : AST_CLASS_NONE;
}
