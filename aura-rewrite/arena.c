/* arena.c: a per-record bump allocator for jansson, so a tree costs no malloc/free churn. */
#include <jansson.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "err.h"

/*
 * A record's tree is built by lib/jsonr (through jansson's constructors), annotated,
 * written by lib/jsonw and dropped as a whole.  jansson allocates every node, key and
 * hashtable separately; measured on the standard library, malloc and free were a fifth
 * of the stage's time.  Here an allocation is a
 * pointer bump, free does nothing, and the memory is reused for the next record.  The
 * arena never holds more than one record's allocations, which jansson would have held
 * at once anyway.
 */
#define CHUNK (1u << 20)

struct chunk {
	struct chunk *next;
	size_t used, size;
	alignas(max_align_t) unsigned char data[];
};

static struct chunk *chunks;	/* the newest first */
static struct chunk *spare;	/* one standard chunk kept across resets */

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

static void arena_free(void *p)
{
	(void)p;
}

void arena_install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

void arena_reset(void)
{
	while (chunks) {
		struct chunk *next = chunks->next;
		if (chunks->size == CHUNK && !spare)
			spare = chunks;
		else
			free(chunks);
		chunks = next;
	}
}
