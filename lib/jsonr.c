/* jsonr.c: a fast JSON reader without recursion or depth limit, building jansson values. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "err.h"
#include "jsonlex.h"
#include "jsonr.h"

/*
 * One loop with an explicit stack of open containers: a value is parsed, then attached to
 * the container on top of the stack (or returned when the stack is empty).  A container is
 * attached to its parent only when it closes, so on error every open container on the
 * stack is freed, and everything already attached goes with them.  Object keys wait on a
 * LIFO byte stack of their own, since a value nested below a key is parsed in between.
 */

struct frame {
	json_t *box;		/* the open object or array */
	size_t key_off, key_len;	/* an object's pending key, in keys[] */
	size_t seen_base, seen_bytes_base;	/* its first keys, in seen[] and seen_bytes[] */
};

/*
 * A key already read in an open object, for the duplicate check: a syntax-tree node has a
 * handful of keys, and comparing a new one with each (length and first eight bytes first)
 * costs less than hashing it for jansson's lookup, which then hashes it again to insert
 * it.  An object's first SEEN_MAX keys are kept so; past them, its hashtable is asked.
 */
#define SEEN_MAX 16

struct seen_key {
	uint64_t head;		/* the first (up to) eight bytes, zero-padded */
	size_t len, off;	/* its length; the bytes after the eighth, in seen_bytes[] */
};

struct reader {
	const unsigned char *p, *start, *end;
	struct jsonr_error *err;
	struct frame *stack;
	size_t depth, cap;
	char *keys;		/* pending object keys, one per open object level at most */
	size_t keys_len, keys_cap;
	char *str;		/* scratch for strings with escapes */
	size_t str_cap;
	struct seen_key *seen;	/* the first keys of every open object (struct seen_key) */
	size_t nseen, seen_cap;
	char *seen_bytes;
	size_t seen_bytes_len, seen_bytes_cap;
	bool failed;
};

static void fail(struct reader *r, const unsigned char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct reader *r, const unsigned char *at, const char *fmt, ...)
{
	if (r->failed)
		return;
	r->failed = true;
	r->err->offset = (size_t)(at - r->start);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err->text, sizeof r->err->text, fmt, ap);
	va_end(ap);
}

/* Describe the byte at `at` for an error message (jansson says "near 'x'"). */
static void fail_near(struct reader *r, const unsigned char *at, const char *what)
{
	if (at >= r->end)
		fail(r, at, "%s near end of input", what);
	else if (*at >= 0x20 && *at < 0x7f)
		fail(r, at, "%s near '%c'", what, *at);
	else
		fail(r, at, "%s near byte 0x%02x", what, *at);
}

/* "duplicate object key 'type'", the key shown printable and cut, since it is hostile. */
static void fail_duplicate(struct reader *r, const unsigned char *at, const char *key, size_t n)
{
	char shown[48];
	size_t i;
	for (i = 0; i < n && i < sizeof shown - 1; i++)
		shown[i] = key[i] >= 0x20 && key[i] < 0x7f ? key[i] : '?';
	shown[i] = '\0';
	fail(r, at, "duplicate object key '%s'%s", shown, n > i ? "..." : "");
}

static inline void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
		r->p++;
}

/* ---- strings ---- */

static void str_reserve(struct reader *r, size_t n)
{
	if (n <= r->str_cap)
		return;
	r->str_cap = n > 2 * r->str_cap ? n : 2 * r->str_cap;
	r->str = xrealloc(r->str, r->str_cap);
}

/* Length of the UTF-8 sequence at s (strict: no overlongs, no surrogates, <= U+10FFFF), 0 if bad. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
	size_t avail = (size_t)(end - s);
	unsigned c = s[0];
	if (c >= 0xC2 && c <= 0xDF)
		return avail >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* A \uXXXX escape at p (pointing at the 'u'), with its low surrogate if any; -1 on error. */
static long unicode_escape(struct reader *r, const unsigned char **pp)
{
	uint32_t cp;
	switch (json_unicode_escape(pp, r->end, &cp)) {
	case JSON_U_OK:
		return (long)cp;
	case JSON_U_BAD:
		fail(r, *pp, "invalid \\u escape");
		break;
	case JSON_U_LONE_LOW:
		fail(r, *pp - 1, "invalid Unicode '\\u%04X' (a lone low surrogate)", (unsigned)cp);
		break;
	case JSON_U_UNPAIRED_HIGH:
		fail(r, *pp - 1, "invalid Unicode '\\u%04X' (a high surrogate without its pair)", (unsigned)cp);
		break;
	}
	return -1;
}

/*
 * The string whose opening quote is at r->p.  Sets *out and *len to its UTF-8 bytes: the input
 * itself when it has no escapes, else r->str.  Leaves r->p after the closing quote.
 */
static bool scan_string(struct reader *r, const char **out, size_t *len)
{
	const unsigned char *p = ++r->p, *end = r->end;
	/* Fast path: plain ASCII and valid UTF-8 up to the closing quote. */
	for (;;) {
		p = json_plain_end(p, end);
		if (p >= end) {
			fail(r, p, "premature end of input in a string");
			return false;
		}
		if (*p == '"') {
			*out = (const char *)r->p;
			*len = (size_t)(p - r->p);
			r->p = p + 1;
			return true;
		}
		if (*p < 0x80)
			break;	/* an escape or a control character */
		size_t n = utf8_len(p, end);
		if (!n) {
			fail(r, p, "invalid UTF-8: unable to decode byte 0x%02x", *p);
			return false;
		}
		p += n;
	}
	/* Slow path: copy what was scanned, then decode escapes into r->str. */
	size_t done = (size_t)(p - r->p);
	str_reserve(r, done + 256);
	memcpy(r->str, r->p, done);
	char *o = r->str + done;
	while (p < end) {
		unsigned c = *p;
		if ((size_t)(o - r->str) + 8 > r->str_cap) {	/* room for the longest step */
			size_t at = (size_t)(o - r->str);
			str_reserve(r, at + 8);
			o = r->str + at;
		}
		if (c == '"') {
			*out = r->str;
			*len = (size_t)(o - r->str);
			r->p = p + 1;
			return true;
		}
		if (c >= 0x80) {
			size_t n = utf8_len(p, end);
			if (!n) {
				fail(r, p, "invalid UTF-8: unable to decode byte 0x%02x", c);
				return false;
			}
			memcpy(o, p, n);
			o += n, p += n;
			continue;
		}
		if (c < 0x20) {
			fail(r, p, "control character 0x%02x in a string", c);
			return false;
		}
		if (c != '\\') {
			*o++ = (char)c;
			p++;
			continue;
		}
		if (++p >= end)
			break;
		switch (*p) {
		case '"': case '\\': case '/': *o++ = (char)*p; p++; break;
		case 'b': *o++ = '\b'; p++; break;
		case 'f': *o++ = '\f'; p++; break;
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'u': {
			long cp = unicode_escape(r, &p);
			if (cp < 0)
				return false;
			o += json_put_utf8((unsigned char *)o, (uint32_t)cp);	/* never longer than the escape it replaces */
			break;
		}
		default:
			fail(r, p - 1, "invalid escape '\\%c'", *p >= 0x20 && *p < 0x7f ? *p : '?');
			return false;
		}
	}
	fail(r, p, "premature end of input in a string");
	return false;
}

/* ---- numbers ---- */

/*
 * Integers 0..SHARED_INTS-1 are shared values, one per number, all made on first use in
 * a static pool and never freed: a syntax tree's positions (lineno, col_offset,
 * end_lineno, end_col_offset) are four of a node's eight-odd fields, and a value of their
 * own for each was a quarter of a tree's allocations and memory, which every walk then
 * reads through.  They have jansson's static reference count ((size_t)-1, as json_true()
 * has), so json_incref and json_decref leave them alone; being neither a stage's arena
 * (lib/arena.c) nor its heap, resets leave them too, and they fragment nothing (made one
 * by one on the heap, between a record's big blocks, they raised aura-rewrite's peak by
 * 12 MB).  Nothing may change one in place (json_integer_set is used nowhere in Aura): a
 * new value replaces it.
 */
#define SHARED_INTS 4096
#define INT_POOL_GRAIN 16

static json_t *shared_ints[SHARED_INTS];
static bool shared_ints_made;
/* A json_integer_t is 24 bytes in jansson 2.14: 32 with the grain.  Past the pool (a
 * bigger struct in another version), malloc: the values are the same, kept for good. */
static _Alignas(INT_POOL_GRAIN) unsigned char int_pool[SHARED_INTS * 32];
static size_t int_pool_used;

static void *int_pool_malloc(size_t n)
{
	n = (n + INT_POOL_GRAIN - 1) & ~(size_t)(INT_POOL_GRAIN - 1);
	if (n > sizeof int_pool - int_pool_used)
		return malloc(n);
	void *p = int_pool + int_pool_used;
	int_pool_used += n;
	return p;
}

static void int_pool_free(void *p)
{
	if ((uintptr_t)p - (uintptr_t)int_pool >= sizeof int_pool)
		free(p);
}

static void make_shared_ints(void)
{
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	json_set_alloc_funcs(int_pool_malloc, int_pool_free);
	for (json_int_t i = 0; i < SHARED_INTS; i++) {
		json_t *v = json_integer(i);
		if (v)	/* else (out of memory) that number gets values of its own */
			v->refcount = (size_t)-1;	/* static: never freed (jansson.h's json_incref) */
		shared_ints[i] = v;
	}
	json_set_alloc_funcs(saved_malloc, saved_free);
	shared_ints_made = true;
}

static json_t *shared_int(uint64_t n)
{
	if (!shared_ints_made)
		make_shared_ints();
	return shared_ints[n] ? shared_ints[n] : json_integer((json_int_t)n);
}

static json_t *parse_number(struct reader *r)
{
	const unsigned char *s = r->p;
	struct json_number n;
	switch (json_number_scan(s, r->end, &n)) {
	case JSON_NUM_OK:
		break;
	case JSON_NUM_NO_DIGIT:
		fail_near(r, s, "invalid token");
		return NULL;
	case JSON_NUM_NO_FRACTION:
		fail_near(r, n.end, "invalid number: digits expected after '.'");
		return NULL;
	case JSON_NUM_NO_EXPONENT:
		fail_near(r, n.end, "invalid number: exponent digits expected");
		return NULL;
	case JSON_NUM_LEADING_ZERO:
		fail_near(r, s, "invalid number");
		return NULL;
	}
	r->p = n.end;
	if (!n.real) {
		if (!json_integer_fits(&n)) {
			fail(r, s, n.negative ? "too big negative integer" : "too big integer");
			return NULL;
		}
		if (!n.negative && n.magnitude < SHARED_INTS)
			return shared_int(n.magnitude);
		return json_integer(n.negative ? (json_int_t)(0 - n.magnitude) : (json_int_t)n.magnitude);
	}
	char tmp[64], *buf = tmp;
	size_t len = (size_t)(n.end - s);
	if (len >= sizeof tmp)
		buf = xmalloc(len + 1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	double d;
	bool finite = json_real_read(buf, &d);
	if (buf != tmp)
		free(buf);
	if (!finite) {
		fail(r, s, "real number overflow");
		return NULL;
	}
	return json_real(d);
}

/* ---- values and containers ---- */

static bool literal(struct reader *r, const char *word, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
		fail_near(r, r->p, "invalid token");
		return false;
	}
	r->p += n;
	return true;
}

static bool push(struct reader *r, json_t *box)
{
	if (r->depth == JSONR_MAX_DEPTH) {
		json_decref(box);
		fail(r, r->p, "nested deeper than %d levels", JSONR_MAX_DEPTH);
		return false;
	}
	if (r->depth == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->stack = xrealloc(r->stack, r->cap * sizeof *r->stack);
	}
	r->stack[r->depth++] = (struct frame){ box, r->keys_len, 0, r->nseen, r->seen_bytes_len };
	return true;
}

/* The first eight bytes of a key, zero-padded. */
static inline uint64_t key_head(const char *k, size_t n)
{
	uint64_t h = 0;
	memcpy(&h, k, n < 8 ? n : 8);
	return h;
}

/*
 * Whether key k (n bytes) was read before in the object of frame f; when not, it is
 * remembered while the object has fewer than SEEN_MAX keys.
 */
static bool key_repeated(struct reader *r, const struct frame *f, const char *k, size_t n)
{
	size_t have = r->nseen - f->seen_base;
	if (have >= SEEN_MAX)	/* a big object: its hashtable holds every key so far */
		return json_object_getn(f->box, k, n) != NULL;
	uint64_t head = key_head(k, n);
	for (size_t i = f->seen_base; i < r->nseen; i++) {
		const struct seen_key *e = &r->seen[i];
		if (e->head == head && e->len == n &&
		    (n <= 8 || memcmp(r->seen_bytes + e->off, k + 8, n - 8) == 0))
			return true;
	}
	if (r->nseen == r->seen_cap) {
		r->seen_cap = r->seen_cap ? 2 * r->seen_cap : 64;
		r->seen = xrealloc(r->seen, r->seen_cap * sizeof *r->seen);
	}
	size_t tail = n > 8 ? n - 8 : 0;
	if (r->seen_bytes_len + tail > r->seen_bytes_cap || !r->seen_bytes) {
		r->seen_bytes_cap = 2 * (r->seen_bytes_len + tail) + 256;
		r->seen_bytes = xrealloc(r->seen_bytes, r->seen_bytes_cap);
	}
	if (tail)
		memcpy(r->seen_bytes + r->seen_bytes_len, k + 8, tail);
	r->seen[r->nseen++] = (struct seen_key){ head, n, r->seen_bytes_len };
	r->seen_bytes_len += tail;
	return false;
}

/* Read an object key (at '"') and its ':' into the top frame. */
static bool object_key(struct reader *r)
{
	if (r->p >= r->end || *r->p != '"') {
		fail_near(r, r->p, "string or '}' expected");
		return false;
	}
	const unsigned char *key_at = r->p;
	const char *k;
	size_t n;
	if (!scan_string(r, &k, &n))
		return false;
	if (memchr(k, '\0', n)) {
		fail(r, r->p - 1, "NUL byte in object key not supported");
		return false;
	}
	struct frame *f = &r->stack[r->depth - 1];
	/*
	 * A repeated key is an error, not "the last one wins": readers disagree on which one
	 * counts (jansson keeps the last, others the first), so a record like
	 * {"type":"file","type":"artifact_end"} could mean one thing to the stage that relays it
	 * and another to the stage that acts on it.  The earlier keys of this object are
	 * already attached (key_repeated: compared with each, or one hash lookup).
	 */
	if (key_repeated(r, f, k, n)) {
		fail_duplicate(r, key_at, k, n);
		return false;
	}
	if (!r->keys || r->keys_len + n > r->keys_cap) {	/* never NULL, even for "" */
		r->keys_cap = r->keys_len + n > 2 * r->keys_cap ? r->keys_len + n + 64 : 2 * r->keys_cap;
		r->keys = xrealloc(r->keys, r->keys_cap);
	}
	memcpy(r->keys + r->keys_len, k, n);
	f->key_off = r->keys_len;
	f->key_len = n;
	r->keys_len += n;
	skip_ws(r);
	if (r->p >= r->end || *r->p != ':') {
		fail_near(r, r->p, "':' expected");
		return false;
	}
	r->p++;
	return true;
}

/*
 * The value of an object's `_type` key naming a node kind: the kind's one shared value
 * (lib/astwalk.h, ast_kind_value), which costs no allocation here and lets ast_kind
 * tell the kind from its address; NULL for any other string.  The string read is the same
 * either way, escapes decoded ("\u0043all" is "Call").
 */
static json_t *shared_type_value(const struct reader *r, const char *s, size_t n)
{
	if (r->depth == 0)
		return NULL;
	const struct frame *f = &r->stack[r->depth - 1];
	if (f->key_len != 5 || memcmp(r->keys + f->key_off, "_type", 5) != 0 || !json_is_object(f->box))
		return NULL;
	return ast_kind_value(ast_kind_from_name(s, n));
}

/*
 * A scalar, or the opening of a container (pushed on the stack; NULL returned with no
 * error, and *opened set).  An empty container is returned whole.
 */
static json_t *value_start(struct reader *r, bool *opened)
{
	*opened = false;
	skip_ws(r);
	if (r->p >= r->end) {
		fail(r, r->p, "a value expected near end of input");
		return NULL;
	}
	const char *s;
	size_t n;
	switch (*r->p) {
	case '{':
		r->p++;
		skip_ws(r);
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return json_object();
		}
		*opened = push(r, json_object()) && object_key(r);
		return NULL;
	case '[':
		r->p++;
		skip_ws(r);
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return json_array();
		}
		*opened = push(r, json_array());
		return NULL;
	case '"': {
		if (!scan_string(r, &s, &n))
			return NULL;
		json_t *shared = shared_type_value(r, s, n);
		return shared ? shared : json_stringn_nocheck(s, n);
	}
	case 't':
		return literal(r, "true", 4) ? json_true() : NULL;
	case 'f':
		return literal(r, "false", 5) ? json_false() : NULL;
	case 'n':
		return literal(r, "null", 4) ? json_null() : NULL;
	default:
		return parse_number(r);
	}
}

/* Attach `v` to the open container on top; false when the stack is empty (v is the result). */
static bool attach(struct reader *r, json_t *v)
{
	if (r->depth == 0)
		return false;
	struct frame *f = &r->stack[r->depth - 1];
	if (json_is_object(f->box)) {
		json_object_setn_new_nocheck(f->box, r->keys + f->key_off, f->key_len, v);
		r->keys_len = f->key_off;
	} else {
		json_array_append_new(f->box, v);
	}
	return true;
}

enum after { AFTER_VALUE, AFTER_CLOSE, AFTER_ERROR };

/* After a value inside the container on top: ',' (and the next key) or the closing bracket. */
static enum after separator(struct reader *r)
{
	struct frame *f = &r->stack[r->depth - 1];
	bool obj = json_is_object(f->box);
	skip_ws(r);
	if (r->p < r->end && *r->p == ',') {
		r->p++;
		if (obj) {
			skip_ws(r);
			if (!object_key(r))
				return AFTER_ERROR;
		}
		return AFTER_VALUE;
	}
	if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
		r->p++;
		return AFTER_CLOSE;
	}
	fail_near(r, r->p, obj ? "',' or '}' expected" : "',' or ']' expected");
	return AFTER_ERROR;
}

static json_t *run(struct reader *r)
{
	for (;;) {
		bool opened;
		json_t *v = value_start(r, &opened);
		if (opened)
			continue;
		if (!v) {
			if (!r->failed)
				fail(r, r->p, "out of memory");
			return NULL;
		}
		/* Attach v, then close every container that ends right after it. */
		for (;;) {
			if (!attach(r, v))
				return v;
			enum after a = separator(r);
			if (a == AFTER_ERROR)
				return NULL;
			if (a == AFTER_VALUE)
				break;
			struct frame *closed = &r->stack[--r->depth];
			r->nseen = closed->seen_base;	/* its keys, if an object */
			r->seen_bytes_len = closed->seen_bytes_base;
			v = closed->box;
		}
	}
}

json_t *jsonr_parse(const char *s, size_t len, struct jsonr_error *err)
{
	struct reader r = { .p = (const unsigned char *)s, .start = (const unsigned char *)s,
			    .end = (const unsigned char *)s + len, .err = err };
	*err = (struct jsonr_error){ 0 };
	json_t *v = run(&r);
	if (v) {
		skip_ws(&r);
		if (r.p < r.end) {
			fail_near(&r, r.p, "end of input expected");
			json_decref(v);
			v = NULL;
		}
	}
	while (r.depth > 0)	/* after an error: the open containers, with all they hold */
		json_decref(r.stack[--r.depth].box);
	free(r.stack);
	free(r.keys);
	free(r.str);
	free(r.seen);
	free(r.seen_bytes);
	return v;
}
