/* jsonw.h: a streaming JSON writer into a growable buffer, for records too big or deep for jansson. */
#ifndef AURA_JSONW_H
#define AURA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * The writes every node makes (brackets, keys, integers) are inline below: a tree is
 * mostly those, and a call per token was a tenth of aura-parse's conversion.  What they
 * share is prefixed jw__ and not for callers.
 */
void jw__grow(struct jsonw *w, size_t n);	/* room for n more bytes (jsonw.c) */
void jw__deeper(struct jsonw *w);		/* one more level of `first` (jsonw.c) */

static inline void jw__reserve(struct jsonw *w, size_t n)
{
	if (w->len + n > w->cap)
		jw__grow(w, n);
}

static inline void jw__put(struct jsonw *w, const char *s, size_t n)
{
	jw__reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void jw__putc(struct jsonw *w, char c)
{
	jw__reserve(w, 1);
	w->buf[w->len++] = c;
}

/* Separator before a value: a comma unless first at this level or right after a key. */
static inline void jw__before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		jw__putc(w, ',');
	w->first[w->depth] = 0;
}

static inline void jw__push(struct jsonw *w, char open)
{
	jw__before_value(w);
	jw__putc(w, open);
	if (++w->depth >= w->depth_cap)
		jw__deeper(w);
	w->first[w->depth] = 1;
}

static inline void jw__pop(struct jsonw *w, char close)
{
	jw__putc(w, close);
	if (w->depth > 0)
		w->depth--;
}

void jw_init(struct jsonw *w);
void jw_free(struct jsonw *w);
void jw_reset(struct jsonw *w);

static inline void jw_object_begin(struct jsonw *w) { jw__push(w, '{'); }
static inline void jw_object_end(struct jsonw *w) { jw__pop(w, '}'); }
static inline void jw_array_begin(struct jsonw *w) { jw__push(w, '['); }
static inline void jw_array_end(struct jsonw *w) { jw__pop(w, ']'); }

/* key: plain ASCII, not escaped (a literal's length is known when this is inlined) */
static inline void jw_key(struct jsonw *w, const char *key)
{
	size_t n = strlen(key);
	jw__before_value(w);
	jw__reserve(w, n + 3);
	char *o = w->buf + w->len;
	o[0] = '"';
	memcpy(o + 1, key, n);
	o[n + 1] = '"';
	o[n + 2] = ':';
	w->len += n + 3;
	w->after_key = true;
}
void jw_key_n(struct jsonw *w, const char *key, size_t n);	/* any key, escaped */
void jw_string(struct jsonw *w, const char *s, size_t n);
void jw_cstring(struct jsonw *w, const char *s);

static inline void jw_int(struct jsonw *w, long long v)
{
	/* By hand: trees are mostly positions, and snprintf was 5% of aura-parse's time. */
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	jw__before_value(w);
	jw__put(w, p, (size_t)(tmp + sizeof tmp - p));
}
void jw_double(struct jsonw *w, double v);	/* formatted as jansson does; non-finite: null */
/* The text jw_double writes for a finite v, NUL-terminated; returns its length. */
size_t jw_format_double(char buf[40], double v);
void jw_bool(struct jsonw *w, bool v);
static inline void jw_null(struct jsonw *w)
{
	jw__before_value(w);
	jw__put(w, "null", 4);
}
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
static inline void jw_kv_int(struct jsonw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}
/* "key": s, where s is plain ASCII known to need no escape (a node kind's name) */
static inline void jw_kv_plain(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jw_key(w, key);
	jw__before_value(w);	/* clears after_key */
	jw__reserve(w, n + 2);
	char *o = w->buf + w->len;
	o[0] = '"';
	memcpy(o + 1, s, n);
	o[n + 1] = '"';
	w->len += n + 2;
}
/* {"_type": name} — an AST node with no fields (operators, contexts). */
void jw_kv_node_tag(struct jsonw *w, const char *key, const char *type_name);

#endif
