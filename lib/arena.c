/* arena.c: records' JSON trees in a bump allocator, dropped whole: no malloc/free churn, no recursive free. */
#include <jansson.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "err.h"

/*
 * A stage builds each record's tree through lib/jsonr (jansson's constructors), reads or
 * annotates it, and drops it whole.  jansson allocates every node, key and hashtable
 * separately; measured on the standard library, malloc and free were a fifth of
 * aura-rewrite's time and a quarter of aura-analyze's (bench/README.md).  Here an
 * allocation is a pointer bump, free does nothing to an arena block, and the memory is
 * reused for the next record.  Dropping a tree is arena_reset, which also spares jansson's
 * release of a tree (it recursed once per JSON level).
 *
 * Two uses (arena.h): aura-rewrite keeps no JSON value across records, so every value is
 * the arena's (ARENA_EVERY_VALUE); aura-analyze keeps some (xref's hits and module table),
 * so only what is allocated between arena_begin and arena_end, while a record is read, is
 * the arena's, the rest malloc's (ARENA_WHILE_READING), and arena_free tells them apart by
 * address.  Such a stage only reads the record's tree (what it keeps is copied out of it),
 * so nothing malloc'd hangs off an arena value and nothing outlives arena_reset.
 */
#define CHUNK (1u << 20)

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

static struct chunk *chunks;	/* the newest first */
static struct chunk *spare;	/* one standard chunk kept across resets */
static bool scoped;		/* ARENA_WHILE_READING */
static bool reading;		/* between arena_begin and arena_end */

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c;
	if (size == CHUNK && spare) {
		c = spare;
		spare = NULL;
	} else {
		c = malloc(sizeof *c + size);
		if (!c)
			aura_oom();
		c->size = size;
	}
	c->used = 0;
	c->next = chunks;
	chunks = c;
	return c;
}

static void *arena_malloc(size_t n)
{
	if (scoped && !reading)
		return malloc(n);
	n = (n + alignof(max_align_t) - 1) & ~(size_t)(alignof(max_align_t) - 1);
	struct chunk *c = chunks;
	if (!c || c->size - c->used < n)
		c = chunk_new(n > CHUNK / 4 ? n : CHUNK);	/* a big block gets its own chunk */
	void *p = c->data + c->used;
	c->used += n;
	/* Keep filling the standard chunk after a big block was put in front of it. */
	if (c->size != CHUNK && c->next && c->next->size == CHUNK) {
		chunks = c->next;
		c->next = chunks->next;
		chunks->next = c;
	}
	return p;
}

/* Inside a chunk: freed with the record.  A record takes a chunk or two, seldom more. */
static bool in_arena(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	for (const struct chunk *c = chunks; c; c = c->next)
		if (a >= (uintptr_t)c->data && a < (uintptr_t)c->data + c->size)
			return true;
	return false;
}

static void arena_free(void *p)
{
	if (scoped && p && !in_arena(p))
		free(p);
}

void arena_install(enum arena_mode mode)
{
	scoped = mode == ARENA_WHILE_READING;
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void arena_begin(void)
{
	reading = true;
}

void arena_end(void)
{
	reading = false;
}

void arena_reset(void)
{
	reading = false;
	while (chunks) {
		struct chunk *next = chunks->next;
		if (chunks->size == CHUNK && !spare)
			spare = chunks;
		else
			free(chunks);
		chunks = next;
	}
}
