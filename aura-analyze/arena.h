/* arena.h: each record's tree in a bump allocator, dropped whole: no malloc/free churn, no recursive free. */
#ifndef ANALYZE_ARENA_H
#define ANALYZE_ARENA_H

/* Route jansson's allocations through the arena (malloc's outside arena_begin/end). */
void arena_install(void);
/* From here to arena_end, JSON values are built in the arena (a record being read). */
void arena_begin(void);
void arena_end(void);
/* Forget the arena's values: none of them may be used after. */
void arena_reset(void);

#endif
