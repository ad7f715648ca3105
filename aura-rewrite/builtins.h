/* builtins.h: the names Python finds in its builtins module when nothing else binds them. */
#ifndef REWRITE_BUILTINS_H
#define REWRITE_BUILTINS_H

#include <stdbool.h>

/* True when `name` is a builtin function or type (Python 3, plus Python 2's execfile & co). */
bool builtin_name(const char *name);

#endif
