/* jsonr.h: a fast JSON reader without recursion or depth limit, building jansson values. */
#ifndef AURA_JSONR_H
#define AURA_JSONR_H

#include <jansson.h>
#include <stddef.h>

/*
 * jansson's json_loadb refuses documents nested deeper than 2048 levels, and syntax trees
 * can nest deeper than that; jansson's *values* have no such limit, only its parser and
 * dumper (both recursive).  jsonr parses with an explicit stack on the heap, so the depth
 * of a document is bounded only by JSONR_MAX_DEPTH, and builds the same json_t tree jansson
 * would (object keys in order).  Unlike jansson's default, a key repeated in one object is
 * an error ("duplicate object key", as with JSON_REJECT_DUPLICATES): which of two values a
 * reader keeps differs between readers, and a record must mean the same thing to all.
 *
 * Strictness is json_loadb(JSON_ALLOW_NUL | JSON_DECODE_ANY)'s: RFC 8259 syntax only; strings
 * must be valid UTF-8 without raw control characters; \u escapes must pair surrogates
 * correctly; \u0000 is allowed in strings (json_string_length() counts it) but not in object
 * keys.  Numbers without fraction or exponent are integers; one beyond int64 is an error
 * ("too big integer"), as in jansson, never silently a real.  A real that overflows a double
 * is an error too.  Whitespace may surround the value; anything else after it is an error,
 * including a raw NUL byte (where json_loadb silently stops reading).
 */
/*
 * Deepest nesting accepted.  Not a parser limit: jansson frees (json_decref), compares and
 * copies values recursively, and crashes somewhere past 100,000 levels on an 8 MB stack.
 * aura-parse writes at most 2 levels per AST level, and --max-depth is at most 10000.
 */
#define JSONR_MAX_DEPTH 25000

struct jsonr_error {
	size_t offset;		/* 0-based byte offset in the input where the error was found */
	char text[120];		/* what is wrong, one line */
};

/*
 * Parse the JSON value making up s[0, len); NULL (and *err filled) when it is not valid.
 * Integers 0..4095 and every object's `_type` that names a node kind are shared, static
 * values (jsonr.c, lib/astwalk.h's ast_kind_value): never change a value in place
 * (json_string_set, json_integer_set), set a new one.  The first call makes them while
 * jansson's allocator is switched to a static pool: not while another thread uses jansson.
 */
json_t *jsonr_parse(const char *s, size_t len, struct jsonr_error *err);

#endif
