/* jsonscan.c: checking a record line and finding its type without building it (pass-through). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonlex.h"
#include "jsonr.h"
#include "jsonscan.h"
#include "record.h"

/*
 * The rules are jsonr.c's, one for one (jsonr is the reference: a fuzz harness and a test
 * compare the two on every input they get).  What jsonr learns by building a value, this
 * file learns by looking: a key is remembered as the span of the line it occupies, and an
 * object's keys are compared with each other when the object closes.
 */

/* An object key: its bytes between the quotes, still escaped. */
struct key {
	const unsigned char *raw;
	size_t len;
	uint64_t head;	/* its first (up to) eight bytes, zero-padded: most pairs differ there */
	bool escaped;	/* holds a backslash: compare it decoded */
};

/* An open container. */
struct level {
	size_t key_base;	/* an object's first key in keys[] */
	bool object;
};

struct jsonscan {
	struct level *levels;	/* open containers, outermost first */
	size_t levels_cap;
	struct key *keys;	/* the keys of every open object, innermost last */
	size_t keys_cap;
	char *number;		/* scratch for a real longer than a stack buffer */
	size_t number_cap;
};

/* One line's scan. */
struct scan {
	struct jsonscan *s;
	const unsigned char *p, *end;
	size_t depth;		/* open containers */
	size_t nkeys;		/* keys of open objects, in s->keys */
};

struct jsonscan *jsonscan_new(void)
{
	struct jsonscan *s = xmalloc(sizeof *s);
	*s = (struct jsonscan){ .levels_cap = 64, .keys_cap = 256 };
	s->levels = xmalloc(s->levels_cap * sizeof *s->levels);
	s->keys = xmalloc(s->keys_cap * sizeof *s->keys);
	return s;
}

void jsonscan_free(struct jsonscan *s)
{
	if (!s)
		return;
	free(s->levels);
	free(s->keys);
	free(s->number);
	free(s);
}

static inline void skip_ws(struct scan *c)
{
	if (c->p < c->end && *c->p > ' ')	/* compact JSON, as the stages write it */
		return;
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
		c->p++;
}

/* ---- decoded key bytes (for comparing keys and reading the type) ---- */

/* Walks the decoded bytes of a string that was already checked. */
struct decoder {
	const unsigned char *p, *end;
	unsigned char pending[4];	/* the rest of an escaped character's UTF-8 */
	unsigned npending, next;
};

static void decoder_init(struct decoder *d, const unsigned char *raw, size_t len)
{
	*d = (struct decoder){ .p = raw, .end = raw + len };
}

/* The next decoded byte, or -1 at the end. */
static int decoded_next(struct decoder *d)
{
	if (d->next < d->npending)
		return d->pending[d->next++];
	if (d->p >= d->end)
		return -1;
	unsigned c = *d->p++;
	if (c != '\\')
		return (int)c;
	c = *d->p;
	switch (c) {
	case 'b': d->p++; return '\b';
	case 'f': d->p++; return '\f';
	case 'n': d->p++; return '\n';
	case 'r': d->p++; return '\r';
	case 't': d->p++; return '\t';
	case 'u': {
		uint32_t cp = 0;
		(void)json_unicode_escape(&d->p, d->end, &cp);	/* checked when scanned */
		d->npending = (unsigned)json_put_utf8(d->pending, cp);
		d->next = 1;
		return d->pending[0];
	}
	default:	/* '"', '\\', '/' */
		d->p++;
		return (int)c;
	}
}

/* Order of two keys by their decoded bytes (memcmp order; a prefix first). */
static int key_order(const struct key *a, const struct key *b)
{
	if (!a->escaped && !b->escaped) {
		int o = memcmp(a->raw, b->raw, a->len < b->len ? a->len : b->len);
		return o ? o : (a->len > b->len) - (a->len < b->len);
	}
	struct decoder da, db;
	decoder_init(&da, a->raw, a->len);
	decoder_init(&db, b->raw, b->len);
	for (;;) {
		int x = decoded_next(&da), y = decoded_next(&db);
		if (x != y || x < 0)
			return x - y;
	}
}

static int key_order_qsort(const void *a, const void *b)
{
	return key_order(a, b);
}

static inline __attribute__((always_inline)) bool keys_equal(const struct key *a, const struct key *b)
{
	if (!a->escaped && !b->escaped) {	/* the common case, mostly decided by the heads */
		if (a->len != b->len || a->head != b->head)
			return false;
		return a->len <= 8 || memcmp(a->raw + 8, b->raw + 8, a->len - 8) == 0;
	}
	return key_order(a, b) == 0;
}

/* The first (up to) eight bytes of raw[0, len), zero-padded; `end` bounds what may be read. */
static inline uint64_t key_head(const unsigned char *raw, size_t len, const unsigned char *end)
{
	uint64_t w = 0;
	if (end - raw >= 8) {
		memcpy(&w, raw, 8);
		w = htole64(w);
		return len >= 8 ? w : w & ((1ULL << (8 * len)) - 1);
	}
	for (size_t i = 0; i < len && i < 8; i++)
		w |= (uint64_t)raw[i] << (8 * i);
	return w;
}

/*
 * No two of an object's n keys are the same.  A syntax-tree node has a handful of keys:
 * compare each pair.  A big object (hostile, or a registry's metadata) is sorted instead,
 * so the work stays n log n.
 */
#define PAIRWISE_MAX 16

static bool keys_distinct(struct key *k, size_t n)
{
	if (n <= PAIRWISE_MAX) {
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < i; j++)
				if (keys_equal(&k[i], &k[j]))
					return false;
		return true;
	}
	qsort(k, n, sizeof *k, key_order_qsort);
	for (size_t i = 1; i < n; i++)
		if (key_order(&k[i - 1], &k[i]) == 0)
			return false;
	return true;
}

/* ---- scalars ---- */

/*
 * The string whose opening quote is at c->p, checked as jsonr's scan_string checks it;
 * c->p is left after the closing quote.  *escaped: it holds an escape; *nul: one of them
 * is \u0000.
 */
static bool string(struct scan *c, bool *escaped, bool *nul)
{
	const unsigned char *p = c->p + 1, *end = c->end;
	*escaped = *nul = false;
	for (;;) {
		p = json_plain_end(p, end);	/* file contents are long plain strings */
		if (p >= end)
			return false;
		unsigned ch = *p;
		if (ch == '"') {
			c->p = p + 1;
			return true;
		}
		if (ch >= 0x80) {
			size_t n = utf8_sequence(p, (size_t)(end - p));
			if (!n)
				return false;
			p += n;
			continue;
		}
		if (ch < 0x20)
			return false;
		if (ch != '\\') {
			p++;
			continue;
		}
		*escaped = true;
		if (++p >= end)
			return false;
		switch (*p) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p++;
			break;
		case 'u': {
			uint32_t cp;
			if (json_unicode_escape(&p, end, &cp) != JSON_U_OK)
				return false;
			*nul |= cp == 0;
			break;
		}
		default:
			return false;
		}
	}
}

/* A real jsonr would refuse: one that overflows a double. */
static bool real_fits(struct jsonscan *s, const unsigned char *num, size_t n)
{
	char tmp[64], *buf = tmp;
	if (n >= sizeof tmp) {
		if (n + 1 > s->number_cap) {
			s->number_cap = n + 1 > 2 * s->number_cap ? n + 1 : 2 * s->number_cap;
			s->number = xrealloc(s->number, s->number_cap);
		}
		buf = s->number;
	}
	memcpy(buf, num, n);
	buf[n] = '\0';
	double d;
	return json_real_read(buf, &d);
}

/* A number at c->p, as jsonr's parse_number reads it. */
static bool number(struct scan *c)
{
	/*
	 * Most numbers are line and column numbers: an integer of at most 18 digits fits in
	 * int64 whatever its digits, so it needs no value.  Anything else takes the full path.
	 */
	const unsigned char *p = c->p + (c->p < c->end && *c->p == '-'), *q = p;
	if (q < c->end && *q >= '1' && *q <= '9') {
		while (++q < c->end && *q >= '0' && *q <= '9')
			;
		if (q - p <= 18 && (q == c->end || (*q != '.' && (*q | 0x20) != 'e'))) {
			c->p = q;
			return true;
		}
	}
	struct json_number n;
	if (json_number_scan(c->p, c->end, &n) != JSON_NUM_OK)
		return false;
	const unsigned char *s = c->p;
	c->p = n.end;
	return n.real ? real_fits(c->s, s, (size_t)(n.end - s)) : json_integer_fits(&n);
}

static bool literal(struct scan *c, const char *word, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* ---- containers ---- */

static bool open_level(struct scan *c, bool object)
{
	struct jsonscan *s = c->s;
	if (c->depth == JSONR_MAX_DEPTH)
		return false;
	if (c->depth == s->levels_cap) {
		s->levels_cap *= 2;
		s->levels = xrealloc(s->levels, s->levels_cap * sizeof *s->levels);
	}
	s->levels[c->depth++] = (struct level){ .key_base = c->nkeys, .object = object };
	return true;
}

/* Close the innermost container (its closing bracket already read): false on a repeated key. */
static bool close_level(struct scan *c)
{
	struct level *l = &c->s->levels[--c->depth];
	if (!l->object)
		return true;
	bool distinct = keys_distinct(c->s->keys + l->key_base, c->nkeys - l->key_base);
	c->nkeys = l->key_base;
	return distinct;
}

/* An object key at c->p and its ':'.  *is_type: the record's own "type" key (depth 1). */
static bool object_key(struct scan *c, bool *is_type)
{
	struct jsonscan *s = c->s;
	if (c->p >= c->end || *c->p != '"')
		return false;
	if (c->nkeys == s->keys_cap) {
		s->keys_cap *= 2;
		s->keys = xrealloc(s->keys, s->keys_cap * sizeof *s->keys);
	}
	/* Filled in place: a copy from a struct on the stack stalls on store forwarding. */
	struct key *k = &s->keys[c->nkeys++];
	bool nul;
	k->raw = c->p + 1;
	if (!string(c, &k->escaped, &nul) || nul)	/* jsonr refuses a NUL in a key */
		return false;
	k->len = (size_t)(c->p - 1 - k->raw);
	k->head = key_head(k->raw, k->len, c->end);
	static const struct key type_key = { (const unsigned char *)"type", 4, 0x65707974, false };
	*is_type = c->depth == 1 && keys_equal(k, &type_key);
	skip_ws(c);
	if (c->p >= c->end || *c->p != ':')
		return false;
	c->p++;
	return true;
}

/* The decoded value of the type string whose bytes (between the quotes) are raw[0, len). */
static void type_read(struct jsonscan_type *t, const unsigned char *raw, size_t len)
{
	struct decoder d;
	decoder_init(&d, raw, len);
	*t = (struct jsonscan_type){ 0 };
	for (int b; (b = decoded_next(&d)) >= 0; t->len++) {
		if (t->len < JSONSCAN_TYPE_MAX)
			t->name[t->len] = (char)b;
		t->has_nul |= b == 0;
	}
}

bool jsonscan_type_is(const struct jsonscan_type *type, const char *name)
{
	size_t n = strlen(name);
	return !type->has_nul && type->len == n && n <= JSONSCAN_TYPE_MAX &&
	       memcmp(type->name, name, n) == 0;
}

static bool type_wanted(const struct jsonscan_type *type, const char *const *wanted)
{
	for (size_t i = 0; wanted && wanted[i]; i++)
		if (jsonscan_type_is(type, wanted[i]))
			return true;
	return false;
}

/*
 * A value at c->p: a scalar is read whole (*opened 0); a non-empty container is opened
 * (*opened 1 for an object, whose first key comes next, 2 for an array).  An empty one
 * is read whole: jsonr does not count it as a level either.
 */
static bool value(struct scan *c, int *opened)
{
	bool escaped, nul;
	*opened = 0;
	skip_ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
	case '[': {
		bool object = *c->p == '{';
		c->p++;
		skip_ws(c);
		if (c->p < c->end && *c->p == (object ? '}' : ']')) {
			c->p++;
			return true;
		}
		*opened = object ? 1 : 2;
		return open_level(c, object);
	}
	case '"':
		return string(c, &escaped, &nul);
	case 't':
		return literal(c, "true", 4);
	case 'f':
		return literal(c, "false", 5);
	case 'n':
		return literal(c, "null", 4);
	default:
		return number(c);
	}
}

/* After a value inside the innermost container: 1 another value follows, 0 it closed, -1 bad. */
static int separator(struct scan *c, bool *key_next)
{
	bool object = c->s->levels[c->depth - 1].object;
	skip_ws(c);
	if (c->p < c->end && *c->p == ',') {
		c->p++;
		if (object)
			skip_ws(c);
		*key_next = object;
		return 1;
	}
	if (c->p < c->end && *c->p == (object ? '}' : ']')) {
		c->p++;
		return close_level(c) ? 0 : -1;
	}
	return -1;
}

/* The value of the record's "type" key: must be a string (else it is no record). */
static bool type_value(struct scan *c, struct jsonscan_type *type)
{
	bool escaped, nul;
	skip_ws(c);
	if (c->p >= c->end || *c->p != '"')
		return false;
	const unsigned char *raw = c->p + 1;
	if (!string(c, &escaped, &nul))
		return false;
	type_read(type, raw, (size_t)(c->p - 1 - raw));
	return true;
}

/* The field of `fields` whose key is k (a key of the record's own object), or NULL. */
static struct jsonscan_field *field_of(const struct key *k, struct jsonscan_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(fields[i].key);
		const unsigned char *raw = (const unsigned char *)fields[i].key;
		struct key want = { raw, len, key_head(raw, len, raw + len), false };
		if (keys_equal(k, &want))
			return &fields[i];
	}
	return NULL;
}

enum jsonscan_result jsonscan_line(struct jsonscan *s, const char *line, size_t len,
				   const char *const *wanted, struct jsonscan_type *type)
{
	return jsonscan_line_fields(s, line, len, wanted, type, NULL, 0);
}

enum jsonscan_result jsonscan_line_fields(struct jsonscan *s, const char *line, size_t len,
					  const char *const *wanted, struct jsonscan_type *type,
					  struct jsonscan_field *fields, size_t n)
{
	struct scan c = { .s = s, .p = (const unsigned char *)line,
			  .end = (const unsigned char *)line + len };
	bool type_seen = false, key_next = false;
	struct jsonscan_field *capture = NULL;	/* the field whose value is being read */
	*type = (struct jsonscan_type){ 0 };
	for (size_t i = 0; i < n; i++) {
		fields[i].value = NULL;
		fields[i].len = 0;
	}
	skip_ws(&c);
	if (c.p >= c.end || *c.p != '{')	/* valid JSON perhaps, but not a record */
		return JSONSCAN_INVALID;
	for (;;) {
		bool value_read = false;
		if (key_next) {
			bool is_type;
			if (!object_key(&c, &is_type))
				return JSONSCAN_INVALID;
			if (is_type) {
				/* A second "type" is caught when the object closes (a repeated key). */
				if (!type_value(&c, type))
					return JSONSCAN_INVALID;
				if (type_wanted(type, wanted))
					return JSONSCAN_WANTED;
				type_seen = true;
				value_read = true;
			} else if (n && c.depth == 1 &&
				   (capture = field_of(&s->keys[c.nkeys - 1], fields, n))) {
				skip_ws(&c);
				capture->value = (const char *)c.p;
			}
		}
		if (!value_read) {
			int opened;
			if (!value(&c, &opened))
				return JSONSCAN_INVALID;
			if (opened) {
				key_next = opened == 1;
				continue;
			}
		}
		/* A value was read: close every container that ends right after it. */
		int next = 0;
		for (;;) {
			if (capture && c.depth == 1) {	/* the field's value ends here */
				capture->len = (size_t)((const char *)c.p - capture->value);
				capture = NULL;
			}
			if (c.depth == 0 || (next = separator(&c, &key_next)) != 0)
				break;
		}
		if (next < 0)
			return JSONSCAN_INVALID;
		if (c.depth == 0)
			break;
	}
	skip_ws(&c);
	return c.p == c.end && type_seen ? JSONSCAN_RECORD : JSONSCAN_INVALID;
}
