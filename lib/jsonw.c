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

void jw__grow(struct jsonw *w, size_t n)
{
	while (w->len + n > w->cap)
		w->cap *= 2;
	w->buf = xrealloc(w->buf, w->cap);
}

void jw__deeper(struct jsonw *w)
{
	w->depth_cap *= 2;
	w->first = xrealloc(w->first, w->depth_cap);
}

void jw_string(struct jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* jansson's escapes, byte for byte */
	const unsigned char *s = (const unsigned char *)str, *end = s + n;
	jw__before_value(w);
	jw__reserve(w, n + 2);
	w->buf[w->len++] = '"';
	for (;;) {
		/* Plain text goes in runs (lib/jsonlex.h), then one special byte is handled. */
		const unsigned char *plain = json_plain_end(s, end);
		jw__put(w, (const char *)s, (size_t)(plain - s));
		s = plain;
		if (s >= end)
			break;
		unsigned char c = *s;
		if (c >= 0x80) {
			size_t len = utf8_sequence(s, (size_t)(end - s));
			if (len) {
				jw__put(w, (const char *)s, len);
				s += len;
			} else {
				jw__put(w, "\xEF\xBF\xBD", 3);	/* U+FFFD for each bad byte */
				s++;
			}
			continue;
		}
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
		switch (c) {
		case '"': jw__put(w, "\\\"", 2); break;
		case '\\': jw__put(w, "\\\\", 2); break;
		case '\n': jw__put(w, "\\n", 2); break;
		case '\r': jw__put(w, "\\r", 2); break;
		case '\t': jw__put(w, "\\t", 2); break;
		case '\b': jw__put(w, "\\b", 2); break;
		case '\f': jw__put(w, "\\f", 2); break;
		default: jw__put(w, esc, 6); break;
		}
		s++;
	}
	jw__putc(w, '"');
}

void jw_cstring(struct jsonw *w, const char *s) { jw_string(w, s, strlen(s)); }

void jw_key_n(struct jsonw *w, const char *key, size_t n)
{
	jw_string(w, key, n);
	jw__putc(w, ':');
	w->after_key = true;
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
	jw__before_value(w);
	if (!isfinite(v)) {	/* JSON has no inf/nan; callers encode those themselves */
		jw__put(w, "null", 4);
		return;
	}
	jw__put(w, tmp, jw_format_double(tmp, v));
}

void jw_bool(struct jsonw *w, bool v)
{
	jw__before_value(w);
	v ? jw__put(w, "true", 4) : jw__put(w, "false", 5);
}

void jw_raw_value(struct jsonw *w, const char *json, size_t n)
{
	jw__before_value(w);
	jw__put(w, json, n);
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

void jw_kv_node_tag(struct jsonw *w, const char *key, const char *type_name)
{
	jw_key(w, key);
	jw_object_begin(w);
	jw_kv_cstring(w, "_type", type_name);
	jw_object_end(w);
}
