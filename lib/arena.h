/* arena.h: records' JSON trees in a bump allocator, dropped whole (aura-rewrite, aura-analyze). */
#ifndef AURA_ARENA_H
#define AURA_ARENA_H

enum arena_mode {
	ARENA_EVERY_VALUE,	/* every JSON value is the arena's: none outlives a reset */
	ARENA_WHILE_READING,	/* only those built between arena_begin and arena_end */
};

/* Route jansson's allocations through the arena; call before any JSON value exists. */
void arena_install(enum arena_mode mode);
/* ARENA_WHILE_READING: from here to arena_end, JSON values are built in the arena. */
void arena_begin(void);
void arena_end(void);
/* Forget the arena's values: none of them may be used after. */
void arena_reset(void);

#endif
