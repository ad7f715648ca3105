/* builtins.h: the names Python finds in its builtins module when nothing else binds them. */
#ifndef REWRITE_BUILTINS_H
#define REWRITE_BUILTINS_H

#include <stdbool.h>

/* True when `name` is a builtin function or type (Python 3, plus Python 2's execfile & co). */
bool builtin_name(const char *name);

/*
 * What str() or repr() of the builtin `name` prints ("<built-in function oct>",
 * "<class 'str'>", copyright's notice), malloc'd; NULL when it depends on more than the
 * name (Python 2 names, site's exit/help/credits/license).  Obfuscators index these
 * texts for letters: oct.__str__()[-3] is 'c'.
 */
char *builtin_text(const char *name);

#endif
