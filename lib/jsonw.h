/* jsonw.h: a streaming JSON writer into a growable buffer, for records too big or deep for jansson. */
#ifndef AURA_JSONW_H
#define AURA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Syntax trees are written straight from the walk that produces them: no intermediate
 * object tree (building one costs about three times the parse).  Depth is tracked with a
 * growable bit stack, so any nesting is fine.  Strings are escaped as JSON requires;
 * invalid UTF-8 in a string is written as U+FFFD so the output is always valid.
 */
struct jsonw {
	char *buf;
	size_t len, cap;
	uint8_t *first;		/* per depth: nothing written yet at this level */
	size_t depth, depth_cap;
	bool after_key;
};

void jw_init(struct jsonw *w);
void jw_free(struct jsonw *w);
void jw_reset(struct jsonw *w);

void jw_object_begin(struct jsonw *w);
void jw_object_end(struct jsonw *w);
void jw_array_begin(struct jsonw *w);
void jw_array_end(struct jsonw *w);
void jw_key(struct jsonw *w, const char *key);	/* key: plain ASCII, not escaped */
void jw_key_n(struct jsonw *w, const char *key, size_t n);	/* any key, escaped */
void jw_string(struct jsonw *w, const char *s, size_t n);
void jw_cstring(struct jsonw *w, const char *s);
void jw_int(struct jsonw *w, long long v);
void jw_double(struct jsonw *w, double v);	/* formatted as jansson does; non-finite: null */
/* The text jw_double writes for a finite v, NUL-terminated; returns its length. */
size_t jw_format_double(char buf[40], double v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
/*
 * Write a jansson value, without recursion: the same bytes as json_dumps(v, JSON_COMPACT)
 * (keys in the object's order, jansson's escapes and number formats), at any depth.
 * A NULL `v` is written as null.  Defined in jsonw_dump.c.
 */
struct json_t;
void jw_json(struct jsonw *w, const struct json_t *v);
/* Insert already-serialised JSON as one value. */
void jw_raw_value(struct jsonw *w, const char *json, size_t n);

/* Common shapes: "key": value inside an object. */
void jw_kv_string(struct jsonw *w, const char *key, const char *s, size_t n);
void jw_kv_cstring(struct jsonw *w, const char *key, const char *s);
void jw_kv_int(struct jsonw *w, const char *key, long long v);
/* {"_type": name} — an AST node with no fields (operators, contexts). */
void jw_kv_node_tag(struct jsonw *w, const char *key, const char *type_name);

#endif
