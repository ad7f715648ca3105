/* seen.c: the member names met in one archive: duplicates, names differing only in case, hashes. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "unpack.h"

/* "./a" and "a" are the same file once extracted. */
static const char *canonical(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	return name;
}

/*
 * Case is folded for ASCII only: that is what every case-insensitive filesystem agrees
 * on, and it is where collisions like setup.py / Setup.py are made.
 */
static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static uint64_t hash(const char *s, bool folded)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ (folded ? fold(*p) : *p)) * 1099511628211ULL;
	return h;
}

static bool same(const char *a, const char *b, bool folded)
{
	if (!folded)
		return strcmp(a, b) == 0;
	for (; *a && fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++)
		;
	return fold((unsigned char)*a) == fold((unsigned char)*b);
}

/* The slot holding `name` in the table, or the empty slot where it would go. */
static uint32_t *slot(const struct seen *s, uint32_t *table, const char *name, bool folded)
{
	size_t mask = s->slots - 1;
	for (size_t i = hash(name, folded) & mask;; i = (i + 1) & mask)
		if (!table[i] || same(s->v[table[i] - 1].name, name, folded))
			return &table[i];
}

/* Keep the tables at most half full; slots is a power of two. */
static void grow(struct seen *s)
{
	if (s->slots && (s->n + 1) * 2 <= s->slots)
		return;
	size_t slots = s->slots ? s->slots * 2 : 256;
	free(s->exact);
	free(s->folded);
	s->slots = slots;
	s->exact = xmalloc(slots * sizeof *s->exact);
	s->folded = xmalloc(slots * sizeof *s->folded);
	memset(s->exact, 0, slots * sizeof *s->exact);
	memset(s->folded, 0, slots * sizeof *s->folded);
	for (size_t i = 0; i < s->n; i++) {
		uint32_t *e = slot(s, s->exact, s->v[i].name, false);
		if (!*e)
			*e = (uint32_t)i + 1;
		uint32_t *f = slot(s, s->folded, s->v[i].name, true);
		if (!*f)
			*f = (uint32_t)i + 1;
	}
}

struct seen_entry *seen_add(struct seen *s, const char *name, enum seen_result *res,
			    const char **other)
{
	name = canonical(name);
	grow(s);
	uint32_t *e = slot(s, s->exact, name, false);
	if (*e) {
		*res = SEEN_DUPLICATE;
		*other = s->v[*e - 1].name;
		return &s->v[*e - 1];
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct seen_entry *entry = &s->v[s->n];
	*entry = (struct seen_entry){ .name = xstrdup(name) };
	*e = (uint32_t)++s->n;
	uint32_t *f = slot(s, s->folded, name, true);
	if (*f) {
		*res = SEEN_CASE;
		*other = s->v[*f - 1].name;
	} else {
		*res = SEEN_NEW;
		*other = NULL;
		*f = (uint32_t)s->n;
	}
	return entry;
}

struct seen_entry *seen_find(const struct seen *s, const char *name)
{
	if (!s->slots)
		return NULL;
	uint32_t *e = slot(s, s->exact, canonical(name), false);
	return *e ? &s->v[*e - 1] : NULL;
}

void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	free(s->exact);
	free(s->folded);
	memset(s, 0, sizeof *s);
}
