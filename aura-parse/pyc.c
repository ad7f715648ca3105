/* pyc.c: a .pyc's marshalled code objects read back as Python-like source for the analysis. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyc.h"
#include "record.h"
#include "strbuf.h"

/*
 * Hostile input: every read is bounds-checked, the marshal reader's nesting is bounded
 * (MAX_DEPTH), so are the objects it builds (MAX_OBJECTS) and the text written (max_out);
 * references may form cycles (a tuple holding itself), so every walk over the objects is
 * bounded by depth or marks what it has visited.
 */
#define MAX_DEPTH 64		/* marshal nesting followed (CPython writes far less for real code) */
#define MAX_OBJECTS 500000	/* objects built from one file */
#define MAX_STACK 256		/* entries of the bytecode stack model */
#define MAX_CONST_DEPTH 8	/* nested constant tuples rendered */
#define EXPR_MAX (4u << 20)	/* one expression's text (rewrite's --max-value) */

enum okind { O_NULL, O_NONE, O_TRUE, O_FALSE, O_ELLIPSIS, O_INT, O_FLOAT, O_STR, O_BYTES,
	     O_TUPLE, O_CODE, O_OTHER };

struct code;

struct obj {
	enum okind kind;
	int64_t i;			/* O_INT */
	double f;			/* O_FLOAT */
	const unsigned char *s;		/* O_STR, O_BYTES: points into the input */
	size_t len;
	struct obj **items;		/* O_TUPLE (also lists, sets, frozensets) */
	size_t n;
	struct code *code;		/* O_CODE */
};

struct code {
	long argcount, kwonly, flags;
	struct obj *bytecode, *consts, *names, *locals, *cells, *name;
	bool rendered;			/* written once: references may repeat it */
	bool busy;			/* being rendered: a reference cycle stops here */
};

struct reader {
	const unsigned char *base, *p, *end;
	int minor;			/* 7 .. 13 */
	struct obj **refs;
	size_t nrefs, caprefs;
	struct obj **all;		/* everything allocated, freed at the end */
	size_t nall, capall;
	struct code **codes;
	size_t ncodes, capcodes;
	unsigned depth;
	char err[160];
};

static void fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct reader *r, const char *fmt, ...)
{
	if (r->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return v;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	*cap = c;
	return xrealloc(v, c * size);
}

static struct obj *new_obj(struct reader *r, enum okind k)
{
	if (r->nall >= MAX_OBJECTS) {
		fail(r, "more than %d objects", MAX_OBJECTS);
		return NULL;
	}
	struct obj *o = calloc(1, sizeof *o);
	if (!o)
		aura_die("out of memory");
	o->kind = k;
	r->all = grow(r->all, &r->capall, r->nall + 1, sizeof *r->all);
	r->all[r->nall++] = o;
	return o;
}

static bool take(struct reader *r, size_t n, const unsigned char **at)
{
	if ((size_t)(r->end - r->p) < n) {
		fail(r, "marshal data ends early (%zu bytes wanted at offset %td)", n, r->p - r->base);
		return false;
	}
	*at = r->p;
	r->p += n;
	return true;
}

static bool r_u8(struct reader *r, unsigned *v)
{
	const unsigned char *b;
	if (!take(r, 1, &b))
		return false;
	*v = b[0];
	return true;
}

static bool r_i32(struct reader *r, int32_t *v)
{
	const unsigned char *b;
	if (!take(r, 4, &b))
		return false;
	*v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
	return true;
}

/* A length that must fit in what is left of the input (each item takes a byte at least). */
static bool r_len(struct reader *r, size_t *n, bool u8)
{
	if (u8) {
		unsigned v;
		if (!r_u8(r, &v))
			return false;
		*n = v;
	} else {
		int32_t v;
		if (!r_i32(r, &v))
			return false;
		if (v < 0) {
			fail(r, "negative length %" PRId32, v);
			return false;
		}
		*n = (size_t)v;
	}
	if (*n > (size_t)(r->end - r->p)) {
		fail(r, "length %zu runs past the end of the data", *n);
		return false;
	}
	return true;
}

static struct obj *r_object(struct reader *r);

static bool r_sized(struct reader *r, struct obj *o, bool u8)
{
	size_t n;
	const unsigned char *b;
	if (!r_len(r, &n, u8) || !take(r, n, &b))
		return false;
	o->s = b;
	o->len = n;
	return true;
}

static bool r_items(struct reader *r, struct obj *o, bool u8)
{
	size_t n;
	if (!r_len(r, &n, u8))
		return false;
	o->items = n ? xmalloc(n * sizeof *o->items) : NULL;
	for (size_t i = 0; i < n; i++) {
		struct obj *it = r_object(r);
		if (!it)
			return false;
		o->items[o->n++] = it;
	}
	return true;
}

/* A field of a code object that CPython writes as a raw 32-bit int. */
static bool r_field(struct reader *r, long *v)
{
	int32_t x;
	if (!r_i32(r, &x))
		return false;
	*v = x;
	return true;
}

static bool r_code(struct reader *r, struct obj *o)
{
	struct code *c = calloc(1, sizeof *c);
	if (!c)
		aura_die("out of memory");
	r->codes = grow(r->codes, &r->capcodes, r->ncodes + 1, sizeof *r->codes);
	r->codes[r->ncodes++] = c;
	o->code = c;
	long posonly = 0, ignored;
	struct obj *skip;
	if (!r_field(r, &c->argcount) || (r->minor >= 8 && !r_field(r, &posonly)) ||
	    !r_field(r, &c->kwonly) || (r->minor <= 10 && !r_field(r, &ignored)) ||	/* nlocals */
	    !r_field(r, &ignored) || !r_field(r, &c->flags))	/* stacksize, flags */
		return false;
	if (!(c->bytecode = r_object(r)) || !(c->consts = r_object(r)) || !(c->names = r_object(r)) ||
	    !(c->locals = r_object(r)))
		return false;
	if (r->minor <= 10) {	/* varnames, then freevars and cellvars */
		struct obj *freevars = r_object(r), *cellvars = freevars ? r_object(r) : NULL;
		if (!cellvars)
			return false;
		/* LOAD_DEREF's index counts cellvars, then freevars */
		struct obj *cells = new_obj(r, O_TUPLE);
		if (!cells)
			return false;
		size_t nc = cellvars->kind == O_TUPLE ? cellvars->n : 0;
		size_t nf = freevars->kind == O_TUPLE ? freevars->n : 0;
		cells->items = nc + nf ? xmalloc((nc + nf) * sizeof *cells->items) : NULL;
		for (size_t i = 0; i < nc; i++)
			cells->items[cells->n++] = cellvars->items[i];
		for (size_t i = 0; i < nf; i++)
			cells->items[cells->n++] = freevars->items[i];
		c->cells = cells;
	} else if (!(skip = r_object(r))) {	/* localspluskinds */
		return false;
	}
	if (!(skip = r_object(r)) || !(c->name = r_object(r)))	/* filename, name */
		return false;
	if (r->minor >= 11 && !(skip = r_object(r)))	/* qualname */
		return false;
	if (!r_field(r, &ignored) || !(skip = r_object(r)))	/* firstlineno, line table */
		return false;
	if (r->minor >= 11 && !(skip = r_object(r)))	/* exception table */
		return false;
	return true;
}

/* A long ('l'): 15-bit digits, least significant first; O_OTHER beyond 62 bits. */
static bool r_long(struct reader *r, struct obj *o)
{
	int32_t n;
	if (!r_i32(r, &n))
		return false;
	size_t nd = n < 0 ? (size_t)(-(int64_t)n) : (size_t)n;
	if (nd > (size_t)(r->end - r->p) / 2) {
		fail(r, "long of %zu digits runs past the end of the data", nd);
		return false;
	}
	uint64_t v = 0;
	bool big = false;
	for (size_t i = 0; i < nd; i++) {
		const unsigned char *b;
		if (!take(r, 2, &b))
			return false;
		unsigned d = b[0] | (unsigned)b[1] << 8;
		if (d > 0x7fff) {
			fail(r, "long digit out of range");
			return false;
		}
		if ((i == 4 && d > 0x7) || (i > 4 && d))	/* past 63 bits */
			big = true;
		else if (i <= 4)
			v |= (uint64_t)d << (15 * i);
	}
	if (big || v > INT64_MAX) {
		o->kind = O_OTHER;
		return true;
	}
	o->i = n < 0 ? -(int64_t)v : (int64_t)v;
	return true;
}

static struct obj *r_object(struct reader *r)
{
	if (r->err[0])
		return NULL;
	if (r->depth >= MAX_DEPTH) {
		fail(r, "marshal data nested more than %d levels", MAX_DEPTH);
		return NULL;
	}
	unsigned code;
	if (!r_u8(r, &code))
		return NULL;
	bool flag = code & 0x80;
	code &= 0x7f;
	if (code == 'r') {
		int32_t idx;
		if (!r_i32(r, &idx))
			return NULL;
		if (idx < 0 || (size_t)idx >= r->nrefs || !r->refs[idx]) {
			fail(r, "bad reference %" PRId32 " (%zu known)", idx, r->nrefs);
			return NULL;
		}
		return r->refs[idx];
	}
	struct obj *o = new_obj(r, O_OTHER);
	if (!o)
		return NULL;
	if (flag) {	/* registered before its contents, as CPython does */
		r->refs = grow(r->refs, &r->caprefs, r->nrefs + 1, sizeof *r->refs);
		r->refs[r->nrefs++] = o;
	}
	r->depth++;
	bool ok = true;
	const unsigned char *b;
	switch (code) {
	case '0': o->kind = O_NULL; break;
	case 'N': o->kind = O_NONE; break;
	case 'T': o->kind = O_TRUE; break;
	case 'F': o->kind = O_FALSE; break;
	case '.': o->kind = O_ELLIPSIS; break;
	case 'S': break;	/* StopIteration */
	case 'i': {
		int32_t v;
		ok = r_i32(r, &v);
		o->kind = O_INT;
		o->i = v;
		break;
	}
	case 'l': o->kind = O_INT; ok = r_long(r, o); break;
	case 'g':
		if ((ok = take(r, 8, &b))) {
			uint64_t bits = 0;
			for (int i = 7; i >= 0; i--)
				bits = bits << 8 | b[i];
			memcpy(&o->f, &bits, sizeof o->f);
			o->kind = O_FLOAT;
		}
		break;
	case 'y': ok = take(r, 16, &b); break;	/* binary complex */
	case 'f': { struct obj t; ok = r_sized(r, &t, true); break; }
	case 'x': { struct obj t; ok = r_sized(r, &t, true) && r_sized(r, &t, true); break; }
	case 's': o->kind = O_BYTES; ok = r_sized(r, o, false); break;
	case 't': case 'u': case 'a': case 'A':
		o->kind = O_STR; ok = r_sized(r, o, false); break;
	case 'z': case 'Z': o->kind = O_STR; ok = r_sized(r, o, true); break;
	case '(': case '[': case '<': case '>': o->kind = O_TUPLE; ok = r_items(r, o, false); break;
	case ')': o->kind = O_TUPLE; ok = r_items(r, o, true); break;
	case '{':	/* key, value pairs up to a NULL key */
		for (;;) {
			struct obj *k = r_object(r);
			if (!k || k->kind == O_NULL) {
				ok = k != NULL;
				break;
			}
			if (!r_object(r)) {
				ok = false;
				break;
			}
		}
		break;
	case 'c': o->kind = O_CODE; ok = r_code(r, o); break;
	default:
		fail(r, "unknown marshal type 0x%02x at offset %td", code, r->p - 1 - r->base);
		ok = false;
	}
	r->depth--;
	return ok ? o : NULL;
}

/* ---- the bytecode model ---- */

/* The instructions the model knows, whatever their number in a given version. */
enum op {
	X_UNKNOWN, X_CACHE, X_NOP, X_POP_TOP, X_PUSH_NULL, X_RETURN_VALUE, X_RETURN_CONST,
	X_STORE_NAME, X_STORE_GLOBAL, X_STORE_FAST, X_STORE_DEREF, X_STORE_ATTR, X_STORE_SUBSCR,
	X_LOAD_CONST, X_LOAD_NAME, X_LOAD_GLOBAL, X_LOAD_FAST, X_LOAD_DEREF, X_LOAD_CLOSURE,
	X_LOAD_ATTR, X_LOAD_METHOD, X_IMPORT_NAME, X_IMPORT_FROM, X_IMPORT_STAR, X_BUILD_TUPLE,
	X_BUILD_LIST, X_BUILD_SET, X_BUILD_STRING, X_FORMAT_VALUE, X_FORMAT_SIMPLE,
	X_FORMAT_WITH_SPEC, X_CONVERT_VALUE, X_BINARY_OP, X_BINARY_ADD, X_BINARY_SUBSCR,
	X_CALL_FUNCTION, X_CALL_FUNCTION_KW, X_CALL_FUNCTION_EX, X_CALL, X_CALL_KW, X_PRECALL,
	X_KW_NAMES, X_MAKE_FUNCTION, X_SET_FUNCTION_ATTRIBUTE, X_LOAD_BUILD_CLASS, X_EXTENDED_ARG,
	X_DUP_TOP, X_COPY, X_LIST_EXTEND, X_LIST_TO_TUPLE, X_CALL_INTRINSIC_1, X_RESUME,
	X_LOAD_FAST_LOAD_FAST, X_STORE_FAST_LOAD_FAST, X_STORE_FAST_STORE_FAST, X_GET_ITER,
};

struct opnum { unsigned char num; unsigned char op; };

/* CPython 3.7-3.10 (Lib/opcode.py): the numbers the model uses did not move. */
static const struct opnum ops_37[] = {
	{ 1, X_POP_TOP }, { 4, X_DUP_TOP }, { 9, X_NOP }, { 20, X_BINARY_OP }, { 22, X_BINARY_OP },
	{ 23, X_BINARY_ADD }, { 25, X_BINARY_SUBSCR }, { 55, X_BINARY_ADD }, { 60, X_STORE_SUBSCR },
	{ 68, X_GET_ITER },
	{ 71, X_LOAD_BUILD_CLASS }, { 82, X_LIST_TO_TUPLE }, { 83, X_RETURN_VALUE },
	{ 84, X_IMPORT_STAR }, { 90, X_STORE_NAME }, { 95, X_STORE_ATTR }, { 97, X_STORE_GLOBAL },
	{ 100, X_LOAD_CONST }, { 101, X_LOAD_NAME }, { 102, X_BUILD_TUPLE }, { 103, X_BUILD_LIST },
	{ 104, X_BUILD_SET }, { 106, X_LOAD_ATTR }, { 108, X_IMPORT_NAME }, { 109, X_IMPORT_FROM },
	{ 116, X_LOAD_GLOBAL }, { 124, X_LOAD_FAST }, { 125, X_STORE_FAST },
	{ 131, X_CALL_FUNCTION }, { 132, X_MAKE_FUNCTION }, { 135, X_LOAD_CLOSURE },
	{ 136, X_LOAD_DEREF }, { 137, X_STORE_DEREF }, { 141, X_CALL_FUNCTION_KW },
	{ 142, X_CALL_FUNCTION_EX }, { 144, X_EXTENDED_ARG }, { 155, X_FORMAT_VALUE },
	{ 157, X_BUILD_STRING }, { 160, X_LOAD_METHOD }, { 161, X_CALL_FUNCTION },
	{ 162, X_LIST_EXTEND }, { 0, 0 },
};

/* CPython 3.11 */
static const struct opnum ops_311[] = {
	{ 0, X_CACHE }, { 1, X_POP_TOP }, { 2, X_PUSH_NULL }, { 9, X_NOP }, { 25, X_BINARY_SUBSCR },
	{ 60, X_STORE_SUBSCR }, { 68, X_GET_ITER }, { 71, X_LOAD_BUILD_CLASS },
	{ 82, X_LIST_TO_TUPLE }, { 83, X_RETURN_VALUE }, { 84, X_IMPORT_STAR }, { 90, X_STORE_NAME }, { 95, X_STORE_ATTR },
	{ 97, X_STORE_GLOBAL }, { 100, X_LOAD_CONST }, { 101, X_LOAD_NAME }, { 102, X_BUILD_TUPLE },
	{ 103, X_BUILD_LIST }, { 104, X_BUILD_SET }, { 106, X_LOAD_ATTR }, { 108, X_IMPORT_NAME },
	{ 109, X_IMPORT_FROM }, { 116, X_LOAD_GLOBAL }, { 120, X_COPY }, { 122, X_BINARY_OP },
	{ 124, X_LOAD_FAST }, { 125, X_STORE_FAST }, { 132, X_MAKE_FUNCTION },
	{ 136, X_LOAD_CLOSURE }, { 137, X_LOAD_DEREF }, { 138, X_STORE_DEREF },
	{ 142, X_CALL_FUNCTION_EX }, { 144, X_EXTENDED_ARG }, { 151, X_RESUME },
	{ 155, X_FORMAT_VALUE }, { 157, X_BUILD_STRING }, { 160, X_LOAD_METHOD },
	{ 162, X_LIST_EXTEND }, { 166, X_PRECALL }, { 171, X_CALL }, { 172, X_KW_NAMES }, { 0, 0 },
};

/* CPython 3.12 */
static const struct opnum ops_312[] = {
	{ 0, X_CACHE }, { 1, X_POP_TOP }, { 2, X_PUSH_NULL }, { 9, X_NOP }, { 25, X_BINARY_SUBSCR },
	{ 60, X_STORE_SUBSCR }, { 68, X_GET_ITER }, { 71, X_LOAD_BUILD_CLASS },
	{ 83, X_RETURN_VALUE }, { 90, X_STORE_NAME }, { 95, X_STORE_ATTR }, { 97, X_STORE_GLOBAL }, { 100, X_LOAD_CONST },
	{ 101, X_LOAD_NAME }, { 102, X_BUILD_TUPLE }, { 103, X_BUILD_LIST }, { 104, X_BUILD_SET },
	{ 106, X_LOAD_ATTR }, { 108, X_IMPORT_NAME }, { 109, X_IMPORT_FROM }, { 116, X_LOAD_GLOBAL },
	{ 120, X_COPY }, { 121, X_RETURN_CONST }, { 122, X_BINARY_OP }, { 124, X_LOAD_FAST },
	{ 125, X_STORE_FAST }, { 127, X_LOAD_FAST }, { 132, X_MAKE_FUNCTION },
	{ 136, X_LOAD_CLOSURE }, { 137, X_LOAD_DEREF }, { 138, X_STORE_DEREF },
	{ 142, X_CALL_FUNCTION_EX }, { 143, X_LOAD_FAST }, { 144, X_EXTENDED_ARG },
	{ 149, X_RESUME }, { 155, X_FORMAT_VALUE }, { 157, X_BUILD_STRING }, { 162, X_LIST_EXTEND },
	{ 171, X_CALL }, { 172, X_KW_NAMES }, { 173, X_CALL_INTRINSIC_1 }, { 0, 0 },
};

/* CPython 3.13 (renumbered: Include/opcode_ids.h) */
static const struct opnum ops_313[] = {
	{ 0, X_CACHE }, { 5, X_BINARY_SUBSCR }, { 14, X_FORMAT_SIMPLE }, { 15, X_FORMAT_WITH_SPEC },
	{ 19, X_GET_ITER },
	{ 24, X_LOAD_BUILD_CLASS }, { 26, X_MAKE_FUNCTION }, { 30, X_NOP }, { 32, X_POP_TOP },
	{ 34, X_PUSH_NULL }, { 36, X_RETURN_VALUE }, { 39, X_STORE_SUBSCR }, { 45, X_BINARY_OP },
	{ 47, X_BUILD_LIST }, { 49, X_BUILD_SET }, { 51, X_BUILD_STRING }, { 52, X_BUILD_TUPLE },
	{ 53, X_CALL }, { 54, X_CALL_FUNCTION_EX }, { 55, X_CALL_INTRINSIC_1 }, { 57, X_CALL_KW },
	{ 60, X_CONVERT_VALUE }, { 61, X_COPY }, { 71, X_EXTENDED_ARG }, { 74, X_IMPORT_FROM },
	{ 75, X_IMPORT_NAME }, { 81, X_LIST_EXTEND }, { 82, X_LOAD_ATTR }, { 83, X_LOAD_CONST },
	{ 84, X_LOAD_DEREF }, { 85, X_LOAD_FAST }, { 86, X_LOAD_FAST }, { 87, X_LOAD_FAST },
	{ 88, X_LOAD_FAST_LOAD_FAST }, { 91, X_LOAD_GLOBAL }, { 92, X_LOAD_NAME },
	{ 103, X_RETURN_CONST }, { 106, X_SET_FUNCTION_ATTRIBUTE }, { 108, X_STORE_ATTR },
	{ 109, X_STORE_DEREF }, { 110, X_STORE_FAST }, { 111, X_STORE_FAST_LOAD_FAST },
	{ 112, X_STORE_FAST_STORE_FAST }, { 113, X_STORE_GLOBAL }, { 114, X_STORE_NAME },
	{ 149, X_RESUME }, { 0, 0 },
};

/* BINARY_OP's argument (3.11+): Include/opcode.h's NB_* order. */
static const char *const nb_ops[] = { "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>",
				      "-", "/", "^" };

/* ---- text ---- */

static void sb_puts(struct strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }

static void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		strbuf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static char *sb_take(struct strbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	*b = (struct strbuf){ 0 };
	return s;
}

static bool is_keyword(const char *s, size_t n)
{
	static const char *const kw[] = { "False", "None", "True", "and", "as", "assert", "async",
		"await", "break", "class", "continue", "def", "del", "elif", "else", "except",
		"finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
		"nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
		"yield", NULL };
	for (const char *const *k = kw; *k; k++)
		if (strlen(*k) == n && !memcmp(*k, s, n))
			return true;
	return false;
}

/* An identifier as the source may spell it: ASCII names as they are, others as `_`-hex. */
static void put_ident(struct strbuf *b, const unsigned char *s, size_t n)
{
	bool ok = n > 0 && n <= 256 && !(s[0] >= '0' && s[0] <= '9');
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
	if (ok && !is_keyword((const char *)s, n)) {
		strbuf_add(b, (const char *)s, n);
		return;
	}
	sb_puts(b, "_x");
	for (size_t i = 0; i < n && i < 16; i++)
		sb_printf(b, "%02x", s[i]);
}

/* A dotted module name: each part an identifier. */
static void put_dotted(struct strbuf *b, const unsigned char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '.') {
			if (start)
				sb_puts(b, ".");
			put_ident(b, s + start, i - start);
			start = i + 1;
		}
}

static void put_string(struct strbuf *b, const struct obj *o)
{
	bool bytes = o->kind == O_BYTES;
	sb_puts(b, bytes ? "b'" : "'");
	for (size_t i = 0; i < o->len;) {
		unsigned char c = o->s[i];
		size_t seq = !bytes && c >= 0x80 ? utf8_sequence(o->s + i, o->len - i) : 0;
		if (seq) {
			strbuf_add(b, (const char *)o->s + i, seq);
			i += seq;
			continue;
		}
		if (c == '\\' || c == '\'')
			sb_printf(b, "\\%c", c);
		else if (c == '\n')
			sb_puts(b, "\\n");
		else if (c == '\r')
			sb_puts(b, "\\r");
		else if (c == '\t')
			sb_puts(b, "\\t");
		else if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
			sb_printf(b, "\\x%02x", c);
		else if (c >= 0x80)
			sb_puts(b, "\\ufffd");	/* a lone surrogate CPython allows in a str */
		else
			strbuf_add(b, (const char *)&c, 1);
		i++;
	}
	sb_puts(b, "'");
}

static void put_const(struct strbuf *b, const struct obj *o, unsigned depth)
{
	switch (o->kind) {
	case O_NONE: sb_puts(b, "None"); return;
	case O_TRUE: sb_puts(b, "True"); return;
	case O_FALSE: sb_puts(b, "False"); return;
	case O_ELLIPSIS: sb_puts(b, "..."); return;
	case O_INT: sb_printf(b, "%" PRId64, o->i); return;
	case O_FLOAT:
		/* whole numbers print without a point: add ".0" so the text stays a float
		 * (no floor(): aura-parse links no libm) */
		if (isfinite(o->f))
			sb_printf(b, "%.17g%s", o->f, o->f > -1e15 && o->f < 1e15 &&
				  o->f == (double)(int64_t)o->f ? ".0" : "");
		else
			sb_puts(b, "_");
		return;
	case O_STR: case O_BYTES: put_string(b, o); return;
	case O_TUPLE:
		if (depth >= MAX_CONST_DEPTH) {
			sb_puts(b, "()");
			return;
		}
		sb_puts(b, "(");
		for (size_t i = 0; i < o->n; i++) {
			put_const(b, o->items[i], depth + 1);
			sb_puts(b, ", ");
		}
		sb_puts(b, ")");
		return;
	default: sb_puts(b, "_"); return;
	}
}

/* ---- rendering one code object ---- */

enum ekind { E_VAL, E_FUNC, E_IMPORT, E_FROM, E_BUILD_CLASS, E_CLASS };

struct ex {
	enum ekind kind;
	char *text;		/* the expression (E_VAL), or the module / name imported */
	bool notable;		/* holds a call or a string: worth a statement when dropped */
	struct obj *cst;	/* the constant it is, when it is one (kwnames, code) */
	struct code *code;	/* E_FUNC, E_CLASS: the body */
	char *mod;		/* E_FROM: the module */
	char *bases;		/* E_CLASS */
};

struct render {
	struct reader *r;
	struct strbuf *out;
	size_t max_out;
	bool cut;
	unsigned nfunc;		/* names for functions that are no statement's (lambdas) */
	size_t work, max_work;	/* bytes of expression text built, and the most allowed */
};

struct frame {
	struct render *rd;
	const struct code *c;
	unsigned indent;
	bool module;
	bool inline_body;	/* a comprehension's body written where it runs: no `return` */
	struct ex st[MAX_STACK];
	size_t sp;
	struct obj *kwnames;
};

static void ex_free(struct ex *e)
{
	free(e->text);
	free(e->mod);
	free(e->bases);
	*e = (struct ex){ 0 };
}

static struct obj *tuple_item(const struct obj *t, size_t i)
{
	return t && t->kind == O_TUPLE && i < t->n ? t->items[i] : NULL;
}

static void put_name_at(struct strbuf *b, const struct obj *t, size_t i)
{
	const struct obj *o = tuple_item(t, i);
	if (o && o->kind == O_STR)
		put_ident(b, o->s, o->len);
	else
		sb_puts(b, "_");
}

static void push(struct frame *f, struct ex e)
{
	/* Expressions copy their operands: bound the bytes built, or `x = x + x` doubles. */
	size_t n = e.text ? strlen(e.text) : 0;
	f->rd->work += n;
	if (n > EXPR_MAX || f->rd->work > f->rd->max_work) {
		f->rd->cut = true;
		free(e.text);
		e.text = xstrdup("_");
		e.notable = false;
	}
	if (f->sp == MAX_STACK) {	/* the model lost track: start afresh */
		for (size_t i = 0; i < f->sp; i++)
			ex_free(&f->st[i]);
		f->sp = 0;
	}
	f->st[f->sp++] = e;
}

static struct ex val(char *text, bool notable)
{
	return (struct ex){ .kind = E_VAL, .text = text, .notable = notable };
}

/* Pop into *e; an empty stack yields the unknown `_`. */
static struct ex pop(struct frame *f)
{
	if (f->sp == 0)
		return val(xstrdup("_"), false);
	return f->st[--f->sp];
}

static void indent(struct frame *f)
{
	for (unsigned i = 0; i < f->indent; i++)
		sb_puts(f->rd->out, "    ");
}

static void line(struct frame *f, const char *text)
{
	if (f->rd->out->len + strlen(text) + 4 * f->indent + 1 > f->rd->max_out) {
		f->rd->cut = true;
		return;
	}
	indent(f);
	sb_puts(f->rd->out, text);
	sb_puts(f->rd->out, "\n");
}

static void render_code(struct render *rd, struct code *c, unsigned ind, bool module, bool inl);

static void def_line(struct frame *f, const char *name, struct code *c, bool is_class, const char *bases)
{
	struct strbuf b = { 0 };
	if (is_class) {
		sb_printf(&b, "class ");
		sb_puts(&b, name);
		if (bases && *bases) {
			sb_puts(&b, "(");
			sb_puts(&b, bases);
			sb_puts(&b, ")");
		}
	} else {
		sb_puts(&b, "def ");
		sb_puts(&b, name);
		sb_puts(&b, "(");
		long nargs = !c ? 0 : c->argcount + c->kwonly + ((c->flags & 0x04) != 0) +
				      ((c->flags & 0x08) != 0);
		for (long i = 0; i < nargs && i < 255; i++) {
			if (i)
				sb_puts(&b, ", ");
			put_name_at(&b, c ? c->locals : NULL, (size_t)i);
		}
		sb_puts(&b, ")");
	}
	sb_puts(&b, ":");
	line(f, b.s);
	free(b.s);
	size_t before = f->rd->out->len;
	if (c && !c->rendered && !c->busy && f->indent < MAX_DEPTH)
		render_code(f->rd, c, f->indent + 1, false, false);
	if (f->rd->out->len == before) {
		f->indent++;
		line(f, "pass");
		f->indent--;
	}
}

/* A function object used as a value (a lambda argument, a decorated def): a def of its own. */
static char *func_value(struct frame *f, struct ex *e)
{
	if (e->kind == E_FUNC) {
		char *name = xasprintf("_f%u", ++f->rd->nfunc);
		def_line(f, name, e->code, false, NULL);
		return name;
	}
	if (e->kind == E_CLASS) {
		char *name = xasprintf("_C%u", ++f->rd->nfunc);
		def_line(f, name, e->code, true, e->bases);
		return name;
	}
	if (e->kind == E_IMPORT || e->kind == E_FROM) {	/* an import used as a value */
		char *s = xasprintf("__import__('%s')", e->kind == E_FROM ? e->mod : e->text);
		return s;
	}
	return xstrdup(e->text ? e->text : "_");
}

/* The expression text of an entry, writing what it needs first (defs); the entry is freed. */
static char *text_of(struct frame *f, struct ex *e, bool *notable)
{
	if (notable)
		*notable = *notable || e->notable || e->kind != E_VAL;
	char *t = func_value(f, e);
	ex_free(e);
	return t;
}

/* A dropped value worth keeping: a call, a string, a function. */
static void spill(struct frame *f)
{
	for (size_t i = 0; i < f->sp; i++) {
		struct ex *e = &f->st[i];
		if (e->notable || e->kind == E_FUNC || e->kind == E_CLASS) {
			char *t = text_of(f, e, NULL);
			char *s = xasprintf("_ = %s", t);
			line(f, s);
			free(s);
			free(t);
		} else {
			ex_free(e);
		}
	}
	f->sp = 0;
}

/* `target = value`, or the def, class or import the value stands for. */
static void store(struct frame *f, const char *target, bool plain)
{
	struct ex e = pop(f);
	if (plain && e.kind == E_FUNC) {
		def_line(f, target, e.code, false, NULL);
	} else if (plain && e.kind == E_CLASS) {
		def_line(f, target, e.code, true, e.bases);
	} else if (plain && e.kind == E_IMPORT) {
		size_t n = strlen(target);
		char *s = !strncmp(e.text, target, n) && (e.text[n] == '\0' || e.text[n] == '.') ?
			  xasprintf("import %s", e.text) : xasprintf("import %s as %s", e.text, target);
		line(f, s);
		free(s);
	} else if (plain && e.kind == E_FROM) {
		char *s = strcmp(e.text, target) ? xasprintf("from %s import %s as %s", e.mod, e.text, target)
						  : xasprintf("from %s import %s", e.mod, e.text);
		line(f, s);
		free(s);
	} else if (strcmp(target, "__doc__") && strcmp(target, "__module__") &&
		   strcmp(target, "__qualname__")) {
		bool notable = false;
		char *t = text_of(f, &e, &notable);
		char *s = xasprintf("%s = %s", target, t);
		line(f, s);
		free(s);
		free(t);
	}
	ex_free(&e);
}

/* `f(a, b, k=v)`: argc entries, the last len(kwnames) of them keywords. */
static void call(struct frame *f, size_t argc, struct obj *kwnames)
{
	size_t nkw = kwnames && kwnames->kind == O_TUPLE ? kwnames->n : 0;
	if (argc > MAX_STACK)
		argc = MAX_STACK;
	bool notable = true;
	struct ex *given = xmalloc((argc + 1) * sizeof *given);
	for (size_t i = argc; i > 0; i--)
		given[i - 1] = pop(f);
	struct ex callee = pop(f);
	if (callee.kind == E_FUNC && callee.code && callee.code->name &&
	    callee.code->name->kind == O_STR && callee.code->name->len && callee.code->name->s[0] == '<') {
		/* a comprehension (3.7-3.11) or a lambda called on the spot: its body runs here */
		for (size_t i = 0; i < argc; i++)
			ex_free(&given[i]);
		if (!callee.code->rendered && !callee.code->busy && f->indent < MAX_DEPTH)
			render_code(f->rd, callee.code, f->indent, false, true);
		ex_free(&callee);
		free(given);
		push(f, val(xstrdup("_"), true));
		return;
	}
	if (callee.kind == E_BUILD_CLASS && argc >= 2 && given[0].kind == E_FUNC) {
		struct strbuf bases = { 0 };
		for (size_t i = 2; i < argc; i++) {
			char *t = text_of(f, &given[i], NULL);
			if (i > 2)
				sb_puts(&bases, ", ");
			sb_puts(&bases, t);
			free(t);
		}
		struct ex cls = { .kind = E_CLASS, .code = given[0].code, .bases = sb_take(&bases) };
		ex_free(&given[0]);
		ex_free(&given[1]);
		ex_free(&callee);
		free(given);
		push(f, cls);
		return;
	}
	char *fn = text_of(f, &callee, NULL);
	struct strbuf b = { 0 };
	sb_puts(&b, fn);
	sb_puts(&b, "(");
	for (size_t i = 0; i < argc; i++) {
		char *t = text_of(f, &given[i], &notable);
		if (i)
			sb_puts(&b, ", ");
		if (i + nkw >= argc) {
			const struct obj *k = tuple_item(kwnames, i + nkw - argc);
			if (k && k->kind == O_STR) {
				put_ident(&b, k->s, k->len);
				sb_puts(&b, "=");
			}
		}
		sb_puts(&b, t);
		free(t);
	}
	sb_puts(&b, ")");
	free(fn);
	free(given);
	push(f, val(sb_take(&b), true));
}

static void build(struct frame *f, size_t n, const char *open, const char *sep, const char *close)
{
	if (n > MAX_STACK)
		n = MAX_STACK;
	struct ex *items = xmalloc((n + 1) * sizeof *items);
	bool notable = false;
	for (size_t i = n; i > 0; i--)
		items[i - 1] = pop(f);
	struct strbuf b = { 0 };
	sb_puts(&b, open);
	for (size_t i = 0; i < n; i++) {
		char *t = text_of(f, &items[i], &notable);
		if (i)
			sb_puts(&b, sep);
		sb_puts(&b, t);
		free(t);
	}
	if (n == 1 && !strcmp(open, "("))
		sb_puts(&b, ",");
	sb_puts(&b, close);
	free(items);
	if (!b.s || !strcmp(b.s, "("))	/* BUILD_STRING 0 */
		sb_puts(&b, "''");
	push(f, val(sb_take(&b), notable));
}

static void binary(struct frame *f, const char *op)
{
	struct ex rhs = pop(f), lhs = pop(f);
	bool notable = false;
	char *a = text_of(f, &lhs, &notable), *c = text_of(f, &rhs, &notable);
	push(f, val(op ? xasprintf("(%s %s %s)", a, op, c) : xasprintf("%s[%s]", a, c), notable));
	free(a);
	free(c);
}

static void wrap(struct frame *f, const char *fn)
{
	struct ex e = pop(f);
	bool notable = false;
	char *t = text_of(f, &e, &notable);
	push(f, val(xasprintf("%s(%s)", fn, t), notable));
	free(t);
}

/* The name of a local (LOAD_FAST) or cell (LOAD_DEREF) slot. */
static char *local_name(struct frame *f, unsigned arg, bool cell)
{
	struct strbuf b = { 0 };
	const struct obj *t = cell && f->rd->r->minor <= 10 ? f->c->cells : f->c->locals;
	put_name_at(&b, t, arg);
	return sb_take(&b);
}

static char *name_at(struct frame *f, unsigned arg)
{
	struct strbuf b = { 0 };
	put_name_at(&b, f->c->names, arg);
	return sb_take(&b);
}

static void load_const(struct frame *f, unsigned arg)
{
	struct obj *o = tuple_item(f->c->consts, arg);
	if (o && o->kind == O_CODE) {
		push(f, (struct ex){ .kind = E_FUNC, .code = o->code, .cst = o });
		return;
	}
	struct strbuf b = { 0 };
	if (o)
		put_const(&b, o, 0);
	else
		sb_puts(&b, "_");
	struct ex e = val(sb_take(&b), o && (o->kind == O_STR || o->kind == O_BYTES || o->kind == O_TUPLE));
	e.cst = o;
	push(f, e);
}

static void step(struct frame *f, enum op op, unsigned arg, unsigned raw)
{
	int minor = f->rd->r->minor;
	struct ex a, b;
	char *t;
	switch (op) {
	case X_CACHE: case X_NOP: case X_PUSH_NULL: case X_RESUME: case X_PRECALL:
	case X_EXTENDED_ARG: case X_CONVERT_VALUE:
		break;
	case X_POP_TOP:
		a = pop(f);
		if (a.notable && a.kind == E_VAL && strcmp(a.text, "_"))
			line(f, a.text);
		ex_free(&a);	/* also the module `from m import x` leaves behind */
		break;
	case X_RETURN_VALUE: case X_RETURN_CONST:
		if (op == X_RETURN_CONST)
			load_const(f, arg);
		a = pop(f);
		if (!f->module && !f->inline_body && !(a.cst && a.cst->kind == O_NONE)) {
			bool notable = false;
			char *v = text_of(f, &a, &notable);
			t = xasprintf("return %s", v);
			line(f, t);
			free(t);
			free(v);
		}
		ex_free(&a);
		spill(f);
		break;
	case X_STORE_NAME: case X_STORE_GLOBAL:
		t = name_at(f, arg);
		store(f, t, true);
		free(t);
		break;
	case X_STORE_FAST: case X_STORE_DEREF:
		t = local_name(f, arg, op == X_STORE_DEREF);
		store(f, t, true);
		free(t);
		break;
	case X_STORE_FAST_STORE_FAST:
		t = local_name(f, arg >> 4, false);
		store(f, t, true);
		free(t);
		t = local_name(f, arg & 15, false);
		store(f, t, true);
		free(t);
		break;
	case X_STORE_FAST_LOAD_FAST:
		t = local_name(f, arg >> 4, false);
		store(f, t, true);
		free(t);
		push(f, val(local_name(f, arg & 15, false), false));
		break;
	case X_STORE_ATTR: {
		a = pop(f);	/* the object; the value is below it */
		char *obj = text_of(f, &a, NULL), *attr = name_at(f, arg);
		t = xasprintf("%s.%s", obj, attr);
		store(f, t, false);
		free(t);
		free(obj);
		free(attr);
		break;
	}
	case X_STORE_SUBSCR: {
		a = pop(f);	/* key */
		b = pop(f);	/* container; the value is below */
		char *k = text_of(f, &a, NULL), *o = text_of(f, &b, NULL);
		t = xasprintf("%s[%s]", o, k);
		store(f, t, false);
		free(t);
		free(k);
		free(o);
		break;
	}
	case X_LOAD_CONST:
		load_const(f, arg);
		break;
	case X_LOAD_NAME:
		push(f, val(name_at(f, arg), false));
		break;
	case X_LOAD_GLOBAL:
		push(f, val(name_at(f, minor >= 11 ? arg >> 1 : arg), false));
		break;
	case X_LOAD_FAST: case X_LOAD_CLOSURE: case X_LOAD_DEREF:
		push(f, val(local_name(f, arg, op != X_LOAD_FAST), false));
		break;
	case X_LOAD_FAST_LOAD_FAST:
		push(f, val(local_name(f, arg >> 4, false), false));
		push(f, val(local_name(f, arg & 15, false), false));
		break;
	case X_LOAD_ATTR: case X_LOAD_METHOD: {
		a = pop(f);
		bool notable = false;
		char *o = text_of(f, &a, &notable), *attr = name_at(f, op == X_LOAD_ATTR && minor >= 12 ? arg >> 1 : arg);
		push(f, val(xasprintf("%s.%s", o, attr), notable));
		free(o);
		free(attr);
		break;
	}
	case X_IMPORT_NAME: {
		a = pop(f);	/* fromlist */
		b = pop(f);	/* level */
		ex_free(&a);
		ex_free(&b);
		const struct obj *m = tuple_item(f->c->names, arg);
		struct strbuf s = { 0 };
		if (m && m->kind == O_STR && m->len)
			put_dotted(&s, m->s, m->len);
		else
			sb_puts(&s, "_");
		push(f, (struct ex){ .kind = E_IMPORT, .text = sb_take(&s) });
		break;
	}
	case X_IMPORT_FROM: {
		const char *mod = f->sp && f->st[f->sp - 1].kind == E_IMPORT ? f->st[f->sp - 1].text : "_";
		push(f, (struct ex){ .kind = E_FROM, .text = name_at(f, arg), .mod = xstrdup(mod) });
		break;
	}
	case X_IMPORT_STAR:
		a = pop(f);
		if (a.kind == E_IMPORT) {
			t = xasprintf("from %s import *", a.text);
			line(f, t);
			free(t);
		}
		ex_free(&a);
		break;
	case X_CALL_INTRINSIC_1:
		if (arg == 2)	/* INTRINSIC_IMPORT_STAR */
			step(f, X_IMPORT_STAR, 0, raw);
		else if (arg != 1 && arg != 5 && arg != 6)	/* print, +x, list to tuple keep one value */
			spill(f);
		break;
	case X_BUILD_TUPLE: build(f, arg, "(", ", ", ")"); break;
	case X_BUILD_LIST: build(f, arg, "[", ", ", "]"); break;
	case X_BUILD_SET: build(f, arg, "{", ", ", "}"); break;
	case X_BUILD_STRING: build(f, arg, "(", " + ", ")"); break;
	case X_LIST_TO_TUPLE: break;
	case X_LIST_EXTEND:	/* [a, *b] and constant lists: list + what extends it */
		if (minor >= 9)
			binary(f, "+");
		else	/* 3.8's CALL_FINALLY, 3.7's nothing */
			spill(f);
		break;
	case X_FORMAT_VALUE:
		if (arg & 4) {	/* a format spec above the value */
			a = pop(f);
			ex_free(&a);
		}
		wrap(f, "str");
		break;
	case X_FORMAT_SIMPLE: wrap(f, "str"); break;
	case X_FORMAT_WITH_SPEC:
		a = pop(f);
		ex_free(&a);
		wrap(f, "str");
		break;
	case X_BINARY_ADD: binary(f, "+"); break;
	case X_BINARY_SUBSCR: binary(f, NULL); break;
	case X_BINARY_OP:
		if (minor >= 11)
			binary(f, arg < 13 ? nb_ops[arg] : arg < 26 ? nb_ops[arg - 13] : "+");
		else
			binary(f, raw == 20 ? "*" : "%");
		break;
	case X_CALL_FUNCTION:
		call(f, arg, NULL);
		break;
	case X_CALL_FUNCTION_KW: case X_CALL_KW:
		a = pop(f);
		call(f, arg, a.cst);
		ex_free(&a);
		break;
	case X_GET_ITER:
		break;
	case X_CALL:
		/* 3.11 calls a comprehension with its iterator in the `self` slot: CALL 0 */
		if (minor == 11 && arg == 0 && f->sp >= 2 && f->st[f->sp - 2].kind == E_FUNC)
			arg = 1;
		call(f, arg, f->kwnames);
		f->kwnames = NULL;
		break;
	case X_KW_NAMES:
		f->kwnames = tuple_item(f->c->consts, arg);
		break;
	case X_CALL_FUNCTION_EX: {
		struct ex kw = { 0 };
		bool has_kw = arg & 1;
		if (has_kw)
			kw = pop(f);
		a = pop(f);
		b = pop(f);
		bool notable = true;
		char *fn = text_of(f, &b, NULL), *args = text_of(f, &a, &notable);
		char *kws = has_kw ? text_of(f, &kw, &notable) : NULL;
		push(f, val(kws ? xasprintf("%s(*%s, **%s)", fn, args, kws) : xasprintf("%s(*%s)", fn, args), true));
		free(fn);
		free(args);
		free(kws);
		break;
	}
	case X_MAKE_FUNCTION: {
		if (minor <= 10) {	/* the qualified name above the code */
			a = pop(f);
			ex_free(&a);
		}
		struct ex code = pop(f);
		unsigned extra = minor >= 13 ? 0 : (arg & 1) + !!(arg & 2) + !!(arg & 4) + !!(arg & 8);
		for (unsigned i = 0; i < extra; i++) {	/* defaults, annotations, closure */
			a = pop(f);
			if (a.notable) {	/* a default runs where the def is */
				char *v = text_of(f, &a, NULL);
				t = xasprintf("_ = %s", v);
				line(f, t);
				free(t);
				free(v);
			}
			ex_free(&a);
		}
		push(f, code);
		break;
	}
	case X_SET_FUNCTION_ATTRIBUTE:
		a = pop(f);	/* the function */
		b = pop(f);	/* the attribute */
		ex_free(&b);
		push(f, a);
		break;
	case X_LOAD_BUILD_CLASS:
		push(f, (struct ex){ .kind = E_BUILD_CLASS, .text = xstrdup("__build_class__") });
		break;
	case X_DUP_TOP: case X_COPY:
		if (f->sp && (op == X_DUP_TOP || arg == 1) && f->st[f->sp - 1].kind == E_VAL)
			push(f, val(xstrdup(f->st[f->sp - 1].text), false));
		else
			spill(f);
		break;
	default:
		spill(f);
	}
}

static const struct opnum *table_for(int minor)
{
	return minor <= 10 ? ops_37 : minor == 11 ? ops_311 : minor == 12 ? ops_312 : ops_313;
}

static void render_code(struct render *rd, struct code *c, unsigned ind, bool module, bool inl)
{
	c->busy = true;
	c->rendered = true;
	struct frame *f = xmalloc(sizeof *f);
	*f = (struct frame){ .rd = rd, .c = c, .indent = ind, .module = module, .inline_body = inl };
	unsigned char map[256] = { 0 };
	for (const struct opnum *o = table_for(rd->r->minor); o->op; o++)
		map[o->num] = o->op;
	const struct obj *bc = c->bytecode;
	unsigned ext = 0;
	for (size_t i = 0; bc && bc->kind == O_BYTES && i + 1 < bc->len && !rd->cut; i += 2) {
		unsigned num = bc->s[i], arg = bc->s[i + 1] | ext;
		enum op op = map[num];
		if (op == X_EXTENDED_ARG) {
			ext = arg << 8;
			if (ext > 0xffffff)
				ext = 0;
			continue;
		}
		ext = 0;
		if (op == X_UNKNOWN && num == 0 && rd->r->minor >= 11)
			op = X_CACHE;
		step(f, op, arg, num);
	}
	spill(f);
	free(f);
	c->busy = false;
}

static int minor_of(unsigned magic)
{
	static const struct { unsigned lo, hi; int minor; } magics[] = {
		{ 3390, 3399, 7 }, { 3400, 3419, 8 }, { 3420, 3429, 9 }, { 3430, 3449, 10 },
		{ 3450, 3499, 11 }, { 3500, 3549, 12 }, { 3550, 3599, 13 },
	};
	for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
		if (magic >= magics[i].lo && magic <= magics[i].hi)
			return magics[i].minor;
	return 0;
}

static void reader_free(struct reader *r)
{
	for (size_t i = 0; i < r->nall; i++) {
		free(r->all[i]->items);
		free(r->all[i]);
	}
	for (size_t i = 0; i < r->ncodes; i++)
		free(r->codes[i]);
	free(r->all);
	free(r->codes);
	free(r->refs);
}

char *pyc_recover(const unsigned char *p, size_t n, size_t max_out, struct pyc_report *rep)
{
	*rep = (struct pyc_report){ 0 };
	if (n < 16 || p[2] != '\r' || p[3] != '\n') {
		snprintf(rep->error, sizeof rep->error, "no .pyc header (%zu bytes)", n);
		return NULL;
	}
	unsigned magic = p[0] | (unsigned)p[1] << 8;
	int minor = minor_of(magic);
	if (!minor) {
		snprintf(rep->error, sizeof rep->error, "magic number %u is no CPython 3.7-3.13 .pyc", magic);
		return NULL;
	}
	snprintf(rep->version, sizeof rep->version, "3.%d", minor);
	struct reader r = { .base = p, .p = p + 16, .end = p + n, .minor = minor };
	struct obj *top = r_object(&r);
	if (!top || top->kind != O_CODE) {
		rep->malformed = true;
		snprintf(rep->error, sizeof rep->error, "%s", r.err[0] ? r.err : "the marshal data holds no code object");
		reader_free(&r);
		return NULL;
	}
	if (r.p != r.end) {
		rep->malformed = true;
		snprintf(rep->error, sizeof rep->error, "%td bytes after the code object", r.end - r.p);
	}
	struct strbuf out = { 0 };
	struct render rd = { .r = &r, .out = &out, .max_out = max_out,
			     .max_work = 8 * n + (64u << 20) };
	char *head = xasprintf("# recovered from CPython %s bytecode: names, constants and calls, not the original source\n",
			       rep->version);
	sb_puts(&out, head);
	free(head);
	render_code(&rd, top->code, 0, true, false);
	/* code objects no instruction reached (a model that lost track) still say what they hold */
	for (size_t i = 0; i < r.ncodes && !rd.cut; i++)
		if (!r.codes[i]->rendered) {
			struct frame f = { .rd = &rd, .c = r.codes[i], .module = false };
			char *name = xasprintf("_unreached%zu", i);
			def_line(&f, name, r.codes[i], false, NULL);
			free(name);
		}
	rep->code_objects = (unsigned)r.ncodes;
	rep->cut = rd.cut;
	if (rd.cut && !rep->error[0])
		snprintf(rep->error, sizeof rep->error, "recovered text cut at %zu bytes", max_out);
	reader_free(&r);
	return sb_take(&out);
}
