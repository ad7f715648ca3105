/* arena.h: a per-record bump allocator for jansson, so a tree costs no malloc/free churn. */
#ifndef REWRITE_ARENA_H
#define REWRITE_ARENA_H

/* Route jansson's allocations to the arena; call before any JSON value exists. */
void arena_install(void);
/* Forget everything allocated since the last reset: no JSON value may be alive. */
void arena_reset(void);

#endif
