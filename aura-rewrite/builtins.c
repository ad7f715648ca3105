/* builtins.c: the names Python finds in its builtins module when nothing else binds them. */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "err.h"
#include "strbuf.h"

/*
 * Sorted (strcmp order) for bsearch.  Exception classes are left out: nothing calls them
 * for effect.  Python 2 names stay in because old malware still uses execfile and friends,
 * and `__builtins__` is here so getattr(__builtins__, 'eval') resolves.
 */
static const char *const names[] = {
	"__build_class__", "__builtins__", "__import__", "abs", "aiter", "all", "anext", "any",
	"apply", "ascii", "basestring", "bin", "bool", "breakpoint", "buffer", "bytearray",
	"bytes", "callable", "chr", "classmethod", "cmp", "compile", "complex", "copyright",
	"credits", "delattr", "dict", "dir", "divmod", "enumerate", "eval", "exec", "execfile",
	"exit", "file", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
	"hash", "help", "hex", "id", "input", "int", "intern", "isinstance", "issubclass", "iter",
	"len", "license", "list", "locals", "long", "map", "max", "memoryview", "min", "next",
	"object", "oct", "open", "ord", "pow", "print", "property", "quit", "range", "raw_input",
	"reduce", "reload", "repr", "reversed", "round", "set", "setattr", "slice", "sorted",
	"staticmethod", "str", "sum", "super", "tuple", "type", "unichr", "unicode", "vars",
	"xrange", "zip",
};

static int compare(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool builtin_name(const char *name)
{
	return bsearch(name, names, sizeof names / sizeof names[0], sizeof names[0], compare) != NULL;
}

/* Builtins that are classes: str() of one is "<class 'NAME'>". */
static const char *const classes[] = {
	"bool", "bytearray", "bytes", "classmethod", "complex", "dict", "enumerate", "filter",
	"float", "frozenset", "int", "list", "map", "memoryview", "object", "property", "range",
	"reversed", "set", "slice", "staticmethod", "str", "super", "tuple", "type", "zip",
};

/* Python 2 names and site's helpers (exit, help, credits, license: text varies). */
static const char *const no_text[] = {
	"__builtins__", "apply", "basestring", "buffer", "cmp", "credits", "execfile", "exit",
	"file", "help", "intern", "license", "long", "quit", "raw_input", "reduce", "reload",
	"unichr", "unicode", "xrange",
};

static bool listed(const char *name, const char *const *list, size_t n)
{
	return bsearch(name, list, n, sizeof list[0], compare) != NULL;
}

char *builtin_text(const char *name)
{
	if (!builtin_name(name) || listed(name, no_text, sizeof no_text / sizeof no_text[0]))
		return NULL;
	/* site's copyright object: its text as CPython 3.11 prints it (the first year range
	 * is the release's: 2001-2023 here; obfuscators index the stable start). */
	if (!strcmp(name, "copyright"))
		return xstrdup("Copyright (c) 2001-2023 Python Software Foundation.\nAll Rights Reserved.\n\n"
			      "Copyright (c) 2000 BeOpen.com.\nAll Rights Reserved.\n\n"
			      "Copyright (c) 1995-2001 Corporation for National Research Initiatives.\n"
			      "All Rights Reserved.\n\n"
			      "Copyright (c) 1991-1995 Stichting Mathematisch Centrum, Amsterdam.\n"
			      "All Rights Reserved.");
	if (listed(name, classes, sizeof classes / sizeof classes[0]))
		return xasprintf("<class '%s'>", name);
	return xasprintf("<built-in function %s>", name);
}
