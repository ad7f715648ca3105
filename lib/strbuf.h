/* strbuf.h: formatted strings of whatever length they need, instead of hand-sized buffers. */
#ifndef AURA_STRBUF_H
#define AURA_STRBUF_H

#include <stdarg.h>

/* A new string printf would print (free it); dies on allocation failure, like xmalloc. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
