/* jsonw.c: a streaming JSON writer into a growable buffer, for records too big or deep for jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonlex.h"
#include "jsonw.h"
#include "record.h"

void jw_init(struct jsonw *w)
{
	*w = (struct jsonw){ 0 };
	w->cap = 4096;
	w->buf = xmalloc(w->cap);
	w->depth_cap = 64;
	w->first = xmalloc(w->depth_cap);
	w->first[0] = 1;
}

void jw_free(struct jsonw *w)
{
	free(w->buf);
	free(w->first);
	*w = (struct jsonw){ 0 };
}

void jw_reset(struct jsonw *w)
{
	w->len = 0;
	w->depth = 0;
	w->first[0] = 1;
	w->after_key = false;
}

static inline void reserve(struct jsonw *w, size_t n)
{
	if (w->len + n <= w->cap)
		return;
	while (w->len + n > w->cap)
		w->cap *= 2;
	w->buf = xrealloc(w->buf, w->cap);
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putc_(struct jsonw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
}

/* Separator before a value: a comma unless first at this level or right after a key. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		putc_(w, ',');
	w->first[w->depth] = 0;
}

static void push(struct jsonw *w, char open)
{
	before_value(w);
	putc_(w, open);
	if (++w->depth >= w->depth_cap) {
		w->depth_cap *= 2;
		w->first = xrealloc(w->first, w->depth_cap);
	}
	w->first[w->depth] = 1;
}

static void pop(struct jsonw *w, char close)
{
	putc_(w, close);
	if (w->depth > 0)
		w->depth--;
}

void jw_object_begin(struct jsonw *w) { push(w, '{'); }
void jw_object_end(struct jsonw *w) { pop(w, '}'); }
void jw_array_begin(struct jsonw *w) { push(w, '['); }
void jw_array_end(struct jsonw *w) { pop(w, ']'); }

void jw_key(struct jsonw *w, const char *key)
{
	before_value(w);
	putc_(w, '"');
	put(w, key, strlen(key));
	put(w, "\":", 2);
	w->after_key = true;
}

void jw_string(struct jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* jansson's escapes, byte for byte */
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	before_value(w);
	reserve(w, n + 2);
	w->buf[w->len++] = '"';
	for (;;) {
		/* Plain text goes in runs (lib/jsonlex.h), then one special byte is handled. */
		const unsigned char *plain = json_plain_end(s, end);
		put(w, (const char *)s, (size_t)(plain - s));
		s = plain;
		if (s >= end)
			break;
		unsigned char c = *s;
		if (c >= 0x80) {
			size_t len = utf8_sequence(s, (size_t)(end - s));
			if (len) {
				put(w, (const char *)s, len);
				s += len;
			} else {
				put(w, "\xEF\xBF\xBD", 3);	/* U+FFFD for each bad byte */
				s++;
			}
			continue;
		}
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		default: put(w, esc, 6); break;
		}
		s++;
	}
	putc_(w, '"');
}

void jw_cstring(struct jsonw *w, const char *s) { jw_string(w, s, strlen(s)); }

void jw_key_n(struct jsonw *w, const char *key, size_t n)
{
	jw_string(w, key, n);
	putc_(w, ':');
	w->after_key = true;
}

void jw_int(struct jsonw *w, long long v)
{
	/* By hand: trees are mostly positions, and snprintf was 5% of aura-parse's time. */
	char tmp[24], *p = tmp + sizeof tmp;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	before_value(w);
	put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* A double as jansson writes it (jsonp_dtostr): %.17g, ".0" when it would read back as an
 * integer, no '+' and no leading zeros in the exponent. */
size_t jw_format_double(char buf[40], double v)
{
	int n = snprintf(buf, 40, "%.17g", v);
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		buf[n++] = '.', buf[n++] = '0';
		buf[n] = '\0';
	}
	char *e = strchr(buf, 'e');
	if (e) {
		char *digits = e + 1 + (e[1] == '-'), *from = e + 1;
		if (*from == '+' || *from == '-')
			from++;
		while (*from == '0' && from[1])
			from++;
		memmove(digits, from, strlen(from) + 1);
		n = (int)strlen(buf);
	}
	return (size_t)n;
}

void jw_double(struct jsonw *w, double v)
{
	char tmp[40];
	before_value(w);
	if (!isfinite(v)) {	/* JSON has no inf/nan; callers encode those themselves */
		put(w, "null", 4);
		return;
	}
	put(w, tmp, jw_format_double(tmp, v));
}

void jw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	v ? put(w, "true", 4) : put(w, "false", 5);
}

void jw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jw_raw_value(struct jsonw *w, const char *json, size_t n)
{
	before_value(w);
	put(w, json, n);
}

void jw_kv_string(struct jsonw *w, const char *key, const char *s, size_t n)
{
	jw_key(w, key);
	jw_string(w, s, n);
}

void jw_kv_cstring(struct jsonw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_cstring(w, s);
}

void jw_kv_int(struct jsonw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kv_node_tag(struct jsonw *w, const char *key, const char *type_name)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_cstring(w, "_type", type_name);
	jw_object_end(w);
}
