/* err.h: error reporting in the "aura-X: message" form on stderr. */
#ifndef AURA_ERR_H
#define AURA_ERR_H

#include <stdarg.h>

extern const char *aura_progname;

void aura_set_progname(const char *argv0);
void aura_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* noreturn spelled twice: _Noreturn for the compilers, the attribute for cppcheck 2.10. */
_Noreturn void aura_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Like aura_die, for allocation failure: there is nothing sensible left to do. */
_Noreturn void aura_oom(void) __attribute__((noreturn));
void *xmalloc(size_t n);
/*
 * For a stage that reads a stream of records: keep freed heap memory for the next record
 * instead of handing it back to the kernel (see err.c).  Call once, first thing in main.
 */
void aura_malloc_keep(void);
void *xrealloc(void *p, size_t n);
/* Double a stack of `size`-byte elements that starts in the caller's storage `local`: the
 * first growth moves it to the heap, later ones reallocate; *cap is updated.  The caller
 * frees it when it is no longer `local`. */
void *grow_stack(void *stack, const void *local, size_t *cap, size_t size);
char *xstrdup(const char *s);

#endif
