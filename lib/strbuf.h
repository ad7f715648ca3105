/* strbuf.h: strings of whatever length they need (formatted, or grown piece by piece), instead of hand-sized buffers. */
#ifndef AURA_STRBUF_H
#define AURA_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* A new string printf would print (free it); dies on allocation failure, like xmalloc. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A string grown by appending: start from { 0 }; `s` is NUL-terminated once anything was
 * added (NULL before), `len` bytes long (it may hold NUL bytes); free(s) when done. */
struct strbuf {
	char *s;
	size_t len, cap;
};

/* Append `n` bytes of `p`; dies on allocation failure, like xmalloc. */
void strbuf_add(struct strbuf *b, const void *p, size_t n);

#endif
