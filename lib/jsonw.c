/* jsonw.c: a streaming JSON writer into a growable buffer, for records too big or deep for jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
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
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	before_value(w);
	reserve(w, n + 2);
	putc_(w, '"');
	size_t run = 0;	/* bytes copied verbatim in one go */
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		put(w, (const char *)s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			size_t len = utf8_sequence(s + i, n - i);
			if (len) {
				put(w, (const char *)s + i, len);
				i += len;
			} else {
				put(w, "\xEF\xBF\xBD", 3);	/* U+FFFD for each bad byte */
				i++;
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
		default: put(w, esc, 6); break;
		}
		i++;
	}
	put(w, (const char *)s + n - run, run);
	putc_(w, '"');
}

void jw_cstring(struct jsonw *w, const char *s) { jw_string(w, s, strlen(s)); }

void jw_int(struct jsonw *w, long long v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%lld", v);
	before_value(w);
	put(w, tmp, (size_t)n);
}

void jw_double(struct jsonw *w, double v)
{
	char tmp[40];
	before_value(w);
	if (!isfinite(v)) {	/* JSON has no inf/nan; callers encode those themselves */
		put(w, "null", 4);
		return;
	}
	int n = snprintf(tmp, sizeof tmp, "%.17g", v);
	/* Keep it a float on the wire: 1e+20 and 3.0 must not read back as integers. */
	if (!strpbrk(tmp, ".eEn"))
		tmp[n++] = '.', tmp[n++] = '0';
	put(w, tmp, (size_t)n);
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
