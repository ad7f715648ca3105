/* toml.c: a strict reader for the subset of TOML that pyproject.toml, poetry.lock and uv.lock use. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "toml.h"

/*
 * Debian 12 has no C TOML library.  What lock files and pyproject.toml need is small:
 * comments, bare/quoted/dotted keys, the four string forms, integers, floats, booleans,
 * arrays, inline tables, [tables] and [[arrays of tables]].  The rest of TOML 1.0 (dates,
 * times, 0x/0o/0b integers, inf/nan) is refused with the line, so that a file Aura reads
 * differently from pip or poetry can never pass as read.
 */

#define TOML_MAX_DEPTH 64	/* nested arrays and inline tables */
#define TOML_MAX_KEYS 32	/* parts of one dotted key */

/* What the reader knows about a table or array beyond its JSON value. */
enum { MARK_DEFINED = 1, MARK_SEALED = 2, MARK_TABLE_ARRAY = 4 };

struct mark {
	const void *ptr;
	int flags;
};

struct toml {
	const char *p, *end, *name;
	unsigned long line;
	char *err;
	size_t cap;
	bool failed;
	json_t *root;
	struct mark *marks;	/* open addressing, keyed by the json_t pointer */
	size_t nmarks, capmarks;
};

static void fail(struct toml *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct toml *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	t->failed = true;
	int n = snprintf(t->err, t->cap, "%s:%lu: ", t->name, t->line);
	if (n < 0 || (size_t)n >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err + n, t->cap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- marks: which tables were defined by a header, which values are closed ---- */

static size_t mark_slot(const struct toml *t, const void *ptr)
{
	size_t h = ((uintptr_t)ptr >> 4) * 0x9E3779B97F4A7C15ull;
	size_t i = h & (t->capmarks - 1);
	while (t->marks[i].ptr && t->marks[i].ptr != ptr)
		i = (i + 1) & (t->capmarks - 1);
	return i;
}

static int mark_get(const struct toml *t, const void *ptr)
{
	return t->capmarks ? t->marks[mark_slot(t, ptr)].flags : 0;
}

static void mark_set(struct toml *t, const void *ptr, int flags)
{
	if (2 * (t->nmarks + 1) > t->capmarks) {	/* keep the table at most half full */
		struct mark *old = t->marks;
		size_t oldcap = t->capmarks;
		t->capmarks = oldcap ? 2 * oldcap : 64;
		t->marks = xmalloc(t->capmarks * sizeof *t->marks);
		memset(t->marks, 0, t->capmarks * sizeof *t->marks);
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].ptr)
				t->marks[mark_slot(t, old[i].ptr)] = old[i];
		free(old);
	}
	size_t i = mark_slot(t, ptr);
	if (!t->marks[i].ptr)
		t->nmarks++;
	t->marks[i].ptr = ptr;
	t->marks[i].flags |= flags;
}

/* ---- a growing string ---- */

struct strbuf {
	char *s;
	size_t n, cap;
};

static void sb_init(struct strbuf *b)
{
	*b = (struct strbuf){ .s = NULL };
}

static void sb_append(struct strbuf *b, const char *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, p, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static const char *sb_str(struct strbuf *b)
{
	return b->s ? b->s : "";
}

/* The string, now the caller's (never NULL). */
static char *sb_take(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	return s;
}

static void sb_free(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
}

/* ---- whitespace, comments, newlines ---- */

static bool at_end(const struct toml *t)
{
	return t->p >= t->end;
}

static void skip_blank(struct toml *t)
{
	while (!at_end(t) && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* A comment runs to the end of the line; control characters in it are not TOML. */
static void skip_comment(struct toml *t)
{
	if (at_end(t) || *t->p != '#')
		return;
	while (!at_end(t) && *t->p != '\n') {
		unsigned char c = (unsigned char)*t->p;
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			fail(t, "control character 0x%02x in a comment", c);
			return;
		}
		if (c == '\r' && (t->p + 1 >= t->end || t->p[1] != '\n')) {
			fail(t, "a carriage return not followed by a newline");
			return;
		}
		t->p++;
	}
}

/* Consume one newline ("\n" or "\r\n"); false when there is none here. */
static bool eat_newline(struct toml *t)
{
	if (!at_end(t) && *t->p == '\n') {
		t->p++;
		t->line++;
		return true;
	}
	if (t->end - t->p >= 2 && t->p[0] == '\r' && t->p[1] == '\n') {
		t->p += 2;
		t->line++;
		return true;
	}
	return false;
}

/* Blanks, comments and newlines (inside arrays). */
static void skip_space_lines(struct toml *t)
{
	for (;;) {
		skip_blank(t);
		skip_comment(t);
		if (t->failed || !eat_newline(t))
			return;
	}
}

/* After a key/value pair or a header: only a comment may follow on the line. */
static void end_of_line(struct toml *t)
{
	skip_blank(t);
	skip_comment(t);
	if (!t->failed && !at_end(t) && !eat_newline(t))
		fail(t, "unexpected '%c' after the value (one key = value per line)", *t->p);
}

/* ---- strings ---- */

static bool hexval(char c, unsigned *v)
{
	if (c >= '0' && c <= '9')
		*v = (unsigned)(c - '0');
	else if (c >= 'a' && c <= 'f')
		*v = (unsigned)(c - 'a' + 10);
	else if (c >= 'A' && c <= 'F')
		*v = (unsigned)(c - 'A' + 10);
	else
		return false;
	return true;
}

static void put_utf8(struct strbuf *b, unsigned long cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_append(b, u, n);
}

/* A backslash escape in a basic string (t->p is past the backslash). */
static void string_escape(struct toml *t, struct strbuf *b)
{
	if (at_end(t)) {
		fail(t, "unterminated string");
		return;
	}
	char c = *t->p++;
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *k = strchr(from, c);
	if (c && k) {
		sb_append(b, &to[k - from], 1);
		return;
	}
	if (c != 'u' && c != 'U') {
		fail(t, "unknown escape '\\%c' in a string", c);
		return;
	}
	int digits = c == 'u' ? 4 : 8;
	unsigned long cp = 0;
	for (int i = 0; i < digits; i++) {
		unsigned v;
		if (at_end(t) || !hexval(*t->p, &v)) {
			fail(t, "\\%c needs %d hexadecimal digits", c, digits);
			return;
		}
		cp = cp * 16 + v;
		t->p++;
	}
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		fail(t, "\\%c escape names no Unicode scalar value Aura keeps (U+%lX)", c, cp);
		return;
	}
	put_utf8(b, cp);
}

/*
 * "basic", 'literal', """multi-line basic""" or '''multi-line literal'''; t->p is on the
 * opening quote.  Returns a malloc'd NUL-terminated string (no NUL inside), NULL on error.
 */
static char *parse_string(struct toml *t, bool allow_multiline)
{
	char q = *t->p;
	bool multi = t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q;
	if (multi && !allow_multiline) {
		fail(t, "a multi-line string cannot be a key");
		return NULL;
	}
	t->p += multi ? 3 : 1;
	if (multi)	/* a newline right after the opening quotes is not part of the string */
		eat_newline(t);
	struct strbuf b;
	sb_init(&b);
	for (;;) {
		if (at_end(t)) {
			fail(t, "unterminated string");
			break;
		}
		char c = *t->p;
		if (c == q) {
			if (!multi) {
				t->p++;
				return sb_take(&b);
			}
			/* Up to two quotes may end the content before the closing three. */
			size_t run = 0;
			while (t->p + run < t->end && t->p[run] == q)
				run++;
			if (run >= 3) {
				if (run > 5) {
					fail(t, "too many quotes closing a multi-line string");
					break;
				}
				sb_append(&b, t->p, run - 3);
				t->p += run;
				return sb_take(&b);
			}
			sb_append(&b, t->p, run);
			t->p += run;
			continue;
		}
		if (c == '\n' || (c == '\r' && t->p + 1 < t->end && t->p[1] == '\n')) {
			if (!multi) {
				fail(t, "newline in a single-line string");
				break;
			}
			if (c == '\r')
				t->p++;
			t->p++;
			t->line++;
			sb_append(&b, "\n", 1);
			continue;
		}
		if (c == '\\' && q == '"') {
			t->p++;
			/* A line-ending backslash in """...""" trims the following whitespace. */
			const char *s = t->p;
			while (multi && s < t->end && (*s == ' ' || *s == '\t'))
				s++;
			if (multi && s < t->end && (*s == '\n' || *s == '\r')) {
				t->p = s;
				for (;;) {
					if (!at_end(t) && (*t->p == ' ' || *t->p == '\t'))
						t->p++;
					else if (!eat_newline(t))
						break;
				}
				continue;
			}
			string_escape(t, &b);
			if (t->failed)
				break;
			continue;
		}
		unsigned char u = (unsigned char)c;
		if ((u < 0x20 && u != '\t') || u == 0x7f) {
			fail(t, "control character 0x%02x in a string", u);
			break;
		}
		sb_append(&b, t->p, 1);
		t->p++;
	}
	sb_free(&b);
	return NULL;
}

/* ---- keys ---- */

static bool bare_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void free_keys(char **keys, int n)
{
	for (int i = 0; i < n; i++)
		free(keys[i]);
}

/* key ( '.' key )*: fills keys[], returns how many parts, -1 on error. */
static int parse_key(struct toml *t, char **keys)
{
	int n = 0;
	for (;;) {
		skip_blank(t);
		if (n == TOML_MAX_KEYS) {
			fail(t, "a dotted key with more than %d parts", TOML_MAX_KEYS);
			break;
		}
		char *k = NULL;
		if (!at_end(t) && (*t->p == '"' || *t->p == '\'')) {
			k = parse_string(t, false);
		} else {
			const char *s = t->p;
			while (!at_end(t) && bare_key_char(*t->p))
				t->p++;
			if (t->p == s)
				fail(t, "expected a key, found %s", at_end(t) ? "the end" : "another character");
			if (t->p != s) {
				struct strbuf b;
				sb_init(&b);
				sb_append(&b, s, (size_t)(t->p - s));
				k = sb_take(&b);
			}
		}
		if (!k)
			break;
		keys[n++] = k;
		skip_blank(t);
		if (at_end(t) || *t->p != '.')
			return n;
		t->p++;
	}
	free_keys(keys, n);
	return -1;
}

/* ---- values ---- */

static json_t *parse_value(struct toml *t, int depth);

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digits with single underscores between them; appends them (without '_') to out. */
static bool digit_run(struct toml *t, struct strbuf *out)
{
	if (at_end(t) || !is_digit(*t->p))
		return false;
	while (!at_end(t) && is_digit(*t->p)) {
		sb_append(out, t->p, 1);
		t->p++;
		if (!at_end(t) && *t->p == '_') {
			t->p++;
			if (at_end(t) || !is_digit(*t->p))
				return false;
		}
	}
	return true;
}

static json_t *parse_number(struct toml *t)
{
	const char *start = t->p;
	/* What Aura does not read: say so rather than read it as something else. */
	if (t->end - t->p >= 5 && is_digit(t->p[0]) && is_digit(t->p[1]) && is_digit(t->p[2]) &&
	    is_digit(t->p[3]) && t->p[4] == '-') {
		fail(t, "dates are not supported by Aura's TOML reader");
		return NULL;
	}
	if (t->end - t->p >= 3 && is_digit(t->p[0]) && is_digit(t->p[1]) && t->p[2] == ':') {
		fail(t, "times are not supported by Aura's TOML reader");
		return NULL;
	}
	struct strbuf num;
	sb_init(&num);
	if (*t->p == '+' || *t->p == '-')
		sb_append(&num, t->p++, 1);
	if (t->end - t->p >= 3 && (memcmp(t->p, "inf", 3) == 0 || memcmp(t->p, "nan", 3) == 0)) {
		fail(t, "inf and nan are not supported by Aura's TOML reader");
		sb_free(&num);
		return NULL;
	}
	if (t->end - t->p >= 2 && t->p[0] == '0' && (t->p[1] == 'x' || t->p[1] == 'o' || t->p[1] == 'b')) {
		fail(t, "hexadecimal, octal and binary integers are not supported by Aura's TOML reader");
		sb_free(&num);
		return NULL;
	}
	const char *int_start = t->p;
	bool ok = digit_run(t, &num), is_float = false;
	if (ok && *int_start == '0' && t->p - int_start > 1) {
		fail(t, "leading zero in a number");
		sb_free(&num);
		return NULL;
	}
	if (ok && !at_end(t) && *t->p == '.') {
		sb_append(&num, t->p++, 1);
		ok = digit_run(t, &num);
		is_float = true;
	}
	if (ok && !at_end(t) && (*t->p == 'e' || *t->p == 'E')) {
		sb_append(&num, t->p++, 1);
		if (!at_end(t) && (*t->p == '+' || *t->p == '-'))
			sb_append(&num, t->p++, 1);
		ok = digit_run(t, &num);
		is_float = true;
	}
	if (ok && !at_end(t) && (bare_key_char(*t->p) || *t->p == '.' || *t->p == ':'))
		ok = false;	/* "1.2.3", "12abc", a date-time: not a number */
	json_t *v = NULL;
	if (!ok) {
		t->p = start;
		fail(t, "malformed value (not a string, number, boolean, array or table)");
	} else if (is_float) {
		errno = 0;
		double d = strtod(sb_str(&num), NULL);
		if (errno == ERANGE)
			fail(t, "float out of range");
		else
			v = json_real(d);
	} else {
		errno = 0;
		long long i = strtoll(sb_str(&num), NULL, 10);
		if (errno == ERANGE)
			fail(t, "integer out of range (64 bits)");
		else
			v = json_integer((json_int_t)i);
	}
	sb_free(&num);
	return v;
}

static json_t *parse_array(struct toml *t, int depth)
{
	json_t *a = json_array();
	t->p++;	/* '[' */
	for (;;) {
		skip_space_lines(t);
		if (t->failed)
			break;
		if (!at_end(t) && *t->p == ']') {
			t->p++;
			mark_set(t, a, MARK_SEALED);
			return a;
		}
		json_t *v = parse_value(t, depth + 1);
		if (!v)
			break;
		json_array_append_new(a, v);
		skip_space_lines(t);
		if (t->failed)
			break;
		if (!at_end(t) && *t->p == ',') {
			t->p++;
			continue;
		}
		if (!at_end(t) && *t->p == ']')
			continue;
		fail(t, "expected ',' or ']' in an array");
		break;
	}
	json_decref(a);
	return NULL;
}

static bool set_dotted(struct toml *t, json_t *table, char **keys, int n, json_t *value);

/* { key = value, ... } on one line: closed once written (docs/targets.md). */
static json_t *parse_inline_table(struct toml *t, int depth)
{
	json_t *o = json_object();
	t->p++;	/* '{' */
	skip_blank(t);
	if (!at_end(t) && *t->p == '}') {
		t->p++;
		mark_set(t, o, MARK_SEALED);
		return o;
	}
	for (;;) {
		char *keys[TOML_MAX_KEYS];
		int n = parse_key(t, keys);
		if (n < 0)
			break;
		skip_blank(t);
		if (at_end(t) || *t->p != '=') {
			fail(t, "expected '=' after a key in an inline table");
			free_keys(keys, n);
			break;
		}
		t->p++;
		skip_blank(t);
		json_t *v = parse_value(t, depth + 1);
		bool ok = v && set_dotted(t, o, keys, n, v);
		free_keys(keys, n);
		if (!ok)
			break;
		skip_blank(t);
		if (!at_end(t) && *t->p == ',') {
			t->p++;
			continue;
		}
		if (!at_end(t) && *t->p == '}') {
			t->p++;
			mark_set(t, o, MARK_SEALED);
			return o;
		}
		fail(t, "expected ',' or '}' in an inline table (it must fit on one line)");
		break;
	}
	json_decref(o);
	return NULL;
}

static json_t *parse_value(struct toml *t, int depth)
{
	if (depth > TOML_MAX_DEPTH) {
		fail(t, "arrays and inline tables nested deeper than %d", TOML_MAX_DEPTH);
		return NULL;
	}
	if (at_end(t)) {
		fail(t, "expected a value, found the end");
		return NULL;
	}
	switch (*t->p) {
	case '"':
	case '\'': {
		char *s = parse_string(t, true);
		json_t *v = s ? json_string(s) : NULL;
		if (s && !v)
			fail(t, "string is not UTF-8");
		free(s);
		return v;
	}
	case '[':
		return parse_array(t, depth);
	case '{':
		return parse_inline_table(t, depth);
	}
	if (t->end - t->p >= 4 && memcmp(t->p, "true", 4) == 0 &&
	    (t->end - t->p == 4 || !bare_key_char(t->p[4]))) {
		t->p += 4;
		return json_true();
	}
	if (t->end - t->p >= 5 && memcmp(t->p, "false", 5) == 0 &&
	    (t->end - t->p == 5 || !bare_key_char(t->p[5]))) {
		t->p += 5;
		return json_false();
	}
	return parse_number(t);
}

/* ---- tables ---- */

/* The table a key path leads through: a table, or the last table of an array of tables. */
static json_t *descend(struct toml *t, json_t *v, const char *key)
{
	if (json_is_array(v) && (mark_get(t, v) & MARK_TABLE_ARRAY))
		v = json_array_get(v, json_array_size(v) - 1);
	if (!json_is_object(v) || (mark_get(t, v) & MARK_SEALED)) {
		fail(t, "key '%s' is already a value that cannot be extended", key);
		return NULL;
	}
	return v;
}

/* The table keys[0..n-2] name below `table`, made (implicit) where missing; NULL on failure. */
static json_t *descend_keys(struct toml *t, json_t *table, char **keys, int n)
{
	for (int i = 0; i < n - 1 && table; i++) {
		json_t *next = json_object_get(table, keys[i]);
		if (!next) {
			next = json_object();
			json_object_set_new(table, keys[i], next);
		}
		table = descend(t, next, keys[i]);
	}
	return table;
}

/* a.b.c = value inside `table`: a and b become (implicit) tables.  Takes `value`. */
static bool set_dotted(struct toml *t, json_t *table, char **keys, int n, json_t *value)
{
	table = descend_keys(t, table, keys, n);
	if (table && json_object_get(table, keys[n - 1])) {
		fail(t, "duplicate key '%s'", keys[n - 1]);
		table = NULL;
	}
	if (!table) {
		json_decref(value);
		return false;
	}
	json_object_set_new(table, keys[n - 1], value);
	return true;
}

/* [a.b] or [[a.b]]: returns the table that following key/value lines fill. */
static json_t *parse_header(struct toml *t)
{
	bool array = t->end - t->p >= 2 && t->p[1] == '[';
	t->p += array ? 2 : 1;
	char *keys[TOML_MAX_KEYS];
	int n = parse_key(t, keys);
	if (n < 0)
		return NULL;
	if (t->end - t->p < (array ? 2 : 1) || t->p[0] != ']' || (array && t->p[1] != ']')) {
		fail(t, "expected '%s' closing the table header", array ? "]]" : "]");
		free_keys(keys, n);
		return NULL;
	}
	t->p += array ? 2 : 1;
	json_t *table = descend_keys(t, t->root, keys, n);
	json_t *result = NULL;
	const char *last = keys[n - 1];
	json_t *existing = table ? json_object_get(table, last) : NULL;
	if (!table) {
		/* failed above */
	} else if (array) {
		if (!existing) {
			existing = json_array();
			json_object_set_new(table, last, existing);
			mark_set(t, existing, MARK_TABLE_ARRAY);
		}
		if (!json_is_array(existing) || !(mark_get(t, existing) & MARK_TABLE_ARRAY)) {
			fail(t, "[[%s]]: '%s' is already a value that is not an array of tables", last, last);
		} else {
			result = json_object();
			json_array_append_new(existing, result);
			mark_set(t, result, MARK_DEFINED);
		}
	} else if (!existing) {
		result = json_object();
		json_object_set_new(table, last, result);
		mark_set(t, result, MARK_DEFINED);
	} else if (!json_is_object(existing) || (mark_get(t, existing) & (MARK_DEFINED | MARK_SEALED))) {
		fail(t, "table [%s] defined twice", last);
	} else {
		result = existing;	/* made implicitly by [a.b.c] before: now defined */
		mark_set(t, result, MARK_DEFINED);
	}
	free_keys(keys, n);
	return result;
}

json_t *toml_parse(const char *text, size_t len, const char *name, char *err, size_t cap)
{
	struct toml t = { .p = text, .end = text + len, .name = name, .line = 1, .err = err,
			  .cap = cap };
	if (cap)
		err[0] = '\0';
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		t.p += 3;	/* a byte-order mark */
	/* Bytes first, line by line, so that the message names the line. */
	for (const char *s = text; s < t.end; t.line++) {
		const char *nl = memchr(s, '\n', (size_t)(t.end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(t.end - s);
		if (memchr(s, '\0', n) || !utf8_valid(s, n)) {
			fail(&t, "not UTF-8 text (or a NUL byte)");
			return NULL;
		}
		s += n + 1;
	}
	t.line = 1;
	t.root = json_object();
	json_t *current = t.root;
	while (!t.failed) {
		skip_space_lines(&t);
		if (t.failed || at_end(&t))
			break;
		if (*t.p == '[') {
			current = parse_header(&t);
			if (current)
				end_of_line(&t);
			continue;
		}
		char *keys[TOML_MAX_KEYS];
		int n = parse_key(&t, keys);
		if (n < 0)
			break;
		skip_blank(&t);
		if (at_end(&t) || *t.p != '=') {
			fail(&t, "expected '=' after key '%s'", keys[n - 1]);
			free_keys(keys, n);
			break;
		}
		t.p++;
		skip_blank(&t);
		json_t *v = parse_value(&t, 0);
		bool ok = v && set_dotted(&t, current, keys, n, v);
		free_keys(keys, n);
		if (ok)
			end_of_line(&t);
	}
	free(t.marks);
	if (t.failed) {
		json_decref(t.root);
		return NULL;
	}
	return t.root;
}
