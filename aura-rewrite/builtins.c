/* builtins.c: the names Python finds in its builtins module when nothing else binds them. */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"

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
