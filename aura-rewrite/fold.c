/* fold.c: constant folding: Python's operators, str/bytes methods and pure builtins on values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "err.h"
#include "fold.h"
#include "record.h"

/* ---- helpers ---- */

static struct val *ruled(struct val *v, const char *rule, const struct val *a, const struct val *b)
{
	if (!v)
		return NULL;
	if (a)
		val_merge_rules(v, a);
	if (b)
		val_merge_rules(v, b);
	val_add_rule(v, rule);
	return v;
}

static bool is_ascii(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return false;
	return true;
}

/* Code points of valid UTF-8 text (jansson guarantees it for strings from the tree). */
static uint32_t *code_points(const char *p, size_t n, size_t *count)
{
	uint32_t *out = xmalloc((n + 1) * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		uint32_t cp;
		size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (i + len > n)
			len = n - i;
		cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
		for (size_t j = 1; j < len; j++)
			cp = cp << 6 | ((unsigned char)p[i + j] & 0x3F);
		out[k++] = cp;
		i += len;
	}
	*count = k;
	return out;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) { o[0] = (char)cp; return 1; }
	if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static struct val *str_from_cps(const uint32_t *cp, size_t n)
{
	char *out = xmalloc(n * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += put_utf8(out + o, cp[i]);
	out[o] = '\0';
	return val_take(V_STR, out, o);
}

/* A growable byte buffer whose every growth is checked against the value limit. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static bool sb_add(struct budget *b, struct sbuf *s, const char *p, size_t n)
{
	if (s->failed)
		return false;
	if (s->len + n > b->max_value) {
		budget_size_ok(b, s->len + n, "string building");
		s->failed = true;
		return false;
	}
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	return budget_charge(b, n / 16 + 1) || (s->failed = true, false);
}

static struct val *sb_finish(struct sbuf *s, enum vkind kind)
{
	if (s->failed) {
		free(s->p);
		return NULL;
	}
	return val_take(kind, s->p, s->len);
}

static bool as_int(const struct val *v, int64_t *out)
{
	if (v && v->kind == V_INT) { *out = v->i; return true; }
	if (v && v->kind == V_BOOL) { *out = v->b; return true; }
	return false;
}

static bool is_str(const struct val *v) { return v && v->kind == V_STR; }
static bool is_path(const struct val *v);
static struct val *path_join(struct budget *b, struct val *const *parts, size_t n, const struct val *base);
static struct val *path_method(struct budget *b, const struct val *v, const char *m,
			       const struct call_args *a);
static bool is_bytes(const struct val *v) { return v && v->kind == V_BYTES; }
static bool is_seq(const struct val *v) { return v && (v->kind == V_LIST || v->kind == V_TUPLE); }

struct val *call_arg_val(const struct call_args *a, size_t index, const char *name)
{
	for (size_t i = 0; name && i < a->nkw; i++)
		if (a->kwname[i] && strcmp(a->kwname[i], name) == 0)
			return a->kw[i];
	return index < a->npos ? a->pos[index] : NULL;
}

bool call_has_arg(const struct call_args *a, size_t index, const char *name)
{
	for (size_t i = 0; name && i < a->nkw; i++)
		if (a->kwname[i] && strcmp(a->kwname[i], name) == 0)
			return true;
	return index < a->npos;
}

/* ---- operators ---- */

static struct val *concat(struct budget *b, const struct val *l, const struct val *r)
{
	if (val_is_text(l) && l->kind == r->kind) {
		size_t n = l->s.n + r->s.n;
		if (!budget_size_ok(b, n, "concatenation"))
			return NULL;
		char *out = xmalloc(n + 1);
		memcpy(out, l->s.p, l->s.n);
		memcpy(out + l->s.n, r->s.p, r->s.n);
		out[n] = '\0';
		struct val *v = val_take(l->kind, out, n);
		v->bytearray = l->bytearray;
		return v;
	}
	if (is_seq(l) && l->kind == r->kind) {
		size_t n = l->seq.n + r->seq.n;
		if (!budget_size_ok(b, n * sizeof(void *), "concatenation"))
			return NULL;
		struct val **items = xmalloc((n ? n : 1) * sizeof *items);
		for (size_t i = 0; i < l->seq.n; i++)
			items[i] = val_ref(l->seq.items[i]);
		for (size_t i = 0; i < r->seq.n; i++)
			items[l->seq.n + i] = val_ref(r->seq.items[i]);
		return val_seq(l->kind, items, n);
	}
	return NULL;
}

static struct val *repeat(struct budget *b, const struct val *s, int64_t times)
{
	if (times < 0)
		times = 0;
	size_t unit = val_is_text(s) ? s->s.n : is_seq(s) ? s->seq.n * sizeof(void *) : 0;
	if (!val_is_text(s) && !is_seq(s))
		return NULL;
	/* Checked before anything is built: 'a' * 10**9 costs nothing but the hit. */
	if (unit && (uint64_t)times > b->max_value / unit + 1) {
		budget_fail(b, "repetition would build %llu x %zu bytes, over the %zu-byte value limit",
			    (unsigned long long)times, unit, b->max_value);
		return NULL;
	}
	if (!budget_size_ok(b, unit * (size_t)times, "repetition"))
		return NULL;
	if (val_is_text(s)) {
		size_t n = s->s.n * (size_t)times;
		char *out = xmalloc(n + 1);
		for (int64_t i = 0; i < times; i++)
			memcpy(out + (size_t)i * s->s.n, s->s.p, s->s.n);
		out[n] = '\0';
		return val_take(s->kind, out, n);
	}
	size_t n = s->seq.n * (size_t)times;
	struct val **items = xmalloc((n ? n : 1) * sizeof *items);
	for (size_t i = 0; i < n; i++)
		items[i] = val_ref(s->seq.items[i % s->seq.n]);
	return val_seq(s->kind, items, n);
}

static int64_t floor_div(int64_t a, int64_t d)
{
	int64_t q = a / d;
	if ((a % d != 0) && ((a < 0) != (d < 0)))
		q--;
	return q;
}

static struct val *int_op(enum ast_kind op, int64_t x, int64_t y)
{
	int64_t r;
	switch (op) {
	case AST_Add:
		if (__builtin_add_overflow(x, y, &r))
			return NULL;
		break;
	case AST_Sub:
		if (__builtin_sub_overflow(x, y, &r))
			return NULL;
		break;
	case AST_Mult:
		if (__builtin_mul_overflow(x, y, &r))
			return NULL;
		break;
	case AST_FloorDiv:
		if (!y || (x == INT64_MIN && y == -1))
			return NULL;
		r = floor_div(x, y);
		break;
	case AST_Mod:
		if (!y || (x == INT64_MIN && y == -1))
			return NULL;
		r = x % y;
		if (r && ((r < 0) != (y < 0)))
			r += y;
		break;
	case AST_BitXor: r = x ^ y; break;
	case AST_BitAnd: r = x & y; break;
	case AST_BitOr: r = x | y; break;
	case AST_LShift:
		if (y < 0 || y > 62 || (x && (x > (INT64_MAX >> y) || x < (INT64_MIN >> y))))
			return NULL;
		r = x * ((int64_t)1 << y);
		break;
	case AST_RShift:
		if (y < 0)
			return NULL;
		r = y > 63 ? (x < 0 ? -1 : 0) : x >> y;
		break;
	case AST_Pow:
		if (y < 0)
			return NULL;
		r = 1;
		for (int64_t i = 0; i < y; i++) {
			if (__builtin_mul_overflow(r, x, &r))
				return NULL;
			if (r == 0 || r == 1)
				break;	/* 0**n, 1**n: done early */
		}
		if (x == -1)
			r = (y % 2) ? -1 : 1;
		break;
	default:
		return NULL;
	}
	return val_int(r);
}

static struct val *percent_format(struct budget *b, const struct val *fmt, const struct val *arg);

struct val *fold_binop(struct budget *b, enum ast_kind op, const struct val *l, const struct val *r)
{
	if (!l || !r || op == AST_NONE || !budget_charge(b, 1))
		return NULL;
	int64_t x, y;
	if (as_int(l, &x) && as_int(r, &y)) {
		/* Integer arithmetic is not obfuscation by itself: it keeps its operands' rules only. */
		struct val *v = int_op(op, x, y);
		if (v) {
			val_merge_rules(v, l);
			val_merge_rules(v, r);
		}
		return v;
	}
	if (op == AST_Add)
		return ruled(concat(b, l, r), "fold:concat", l, r);
	if (op == AST_Mult) {
		if (as_int(r, &y))
			return ruled(repeat(b, l, y), "fold:repeat", l, r);
		if (as_int(l, &x))
			return ruled(repeat(b, r, x), "fold:repeat", l, r);
		return NULL;
	}
	if (op == AST_Mod && val_is_text(l))
		return ruled(percent_format(b, l, r), "fold:format", l, r);
	if (op == AST_Div && is_path(l) && is_str(r))	/* Path.home() / ".bashrc" */
		return path_join(b, (struct val *const[]){ (struct val *)r }, 1, l);
	return NULL;
}

struct val *fold_unaryop(struct budget *b, enum ast_kind op, const struct val *v)
{
	int64_t x;
	if (!v || !as_int(v, &x))
		return NULL;
	struct val *r = NULL;	/* -1 is a literal: only its operand's rules carry over */
	if (op == AST_USub && x != INT64_MIN)
		r = val_int(-x);
	else if (op == AST_UAdd)
		r = val_int(x);
	else if (op == AST_Invert)
		r = val_int(~x);
	if (r)
		val_merge_rules(r, v);
	return r;
}

/* ---- indexing and slicing ---- */

/* Python's slice.indices(): start, stop, step and the number of items selected. */
static bool slice_indices(const struct val *sl, int64_t len, int64_t *start, int64_t *step,
			  int64_t *count)
{
	int64_t st = 1, lo, hi;
	if (sl->sl.step && sl->sl.step->kind != V_NONE && !as_int(sl->sl.step, &st))
		return false;
	if (st == 0 || st == INT64_MIN)
		return false;
	bool has_lo = sl->sl.lo && sl->sl.lo->kind != V_NONE, has_hi = sl->sl.hi && sl->sl.hi->kind != V_NONE;
	if ((has_lo && !as_int(sl->sl.lo, &lo)) || (has_hi && !as_int(sl->sl.hi, &hi)))
		return false;
	if (!has_lo) lo = st < 0 ? len - 1 : 0;
	else {
		if (lo < 0) lo += len;
		if (lo < 0) lo = st < 0 ? -1 : 0;
		if (lo >= len) lo = st < 0 ? len - 1 : len;
	}
	if (!has_hi) hi = st < 0 ? -1 : len;
	else {
		if (hi < 0) hi += len;
		if (hi < 0) hi = st < 0 ? -1 : 0;
		if (hi >= len) hi = st < 0 ? len - 1 : len;
	}
	int64_t n = 0;
	if (st > 0 && lo < hi) n = (hi - lo - 1) / st + 1;
	if (st < 0 && hi < lo) n = (lo - hi - 1) / (-st) + 1;
	*start = lo;
	*step = st;
	*count = n;
	return true;
}

static struct val *do_slice(struct budget *b, const struct val *v, const struct val *sl)
{
	int64_t start, step, n;
	if (val_is_text(v)) {
		bool ascii = v->kind == V_BYTES || is_ascii(v->s.p, v->s.n);
		if (!budget_charge(b, v->s.n / 8 + 1))
			return NULL;
		if (ascii) {
			if (!slice_indices(sl, (int64_t)v->s.n, &start, &step, &n))
				return NULL;
			char *out = xmalloc((size_t)n + 1);
			for (int64_t i = 0; i < n; i++)
				out[i] = v->s.p[start + i * step];
			out[n] = '\0';
			struct val *r = val_take(v->kind, out, (size_t)n);
			r->bytearray = v->bytearray;
			return r;
		}
		size_t ncp;
		uint32_t *cp = code_points(v->s.p, v->s.n, &ncp);
		struct val *r = NULL;
		if (slice_indices(sl, (int64_t)ncp, &start, &step, &n)) {
			uint32_t *sel = xmalloc(((size_t)n + 1) * sizeof *sel);
			for (int64_t i = 0; i < n; i++)
				sel[i] = cp[start + i * step];
			r = str_from_cps(sel, (size_t)n);
			free(sel);
		}
		free(cp);
		return r;
	}
	if (is_seq(v)) {
		if (!slice_indices(sl, (int64_t)v->seq.n, &start, &step, &n) ||
		    !budget_charge(b, (unsigned long)n + 1))
			return NULL;
		struct val **items = xmalloc(((size_t)n + 1) * sizeof *items);
		for (int64_t i = 0; i < n; i++)
			items[i] = val_ref(v->seq.items[start + i * step]);
		return val_seq(v->kind, items, (size_t)n);
	}
	return NULL;
}

struct val *fold_subscript(struct budget *b, const struct val *v, const struct val *index)
{
	if (!v || !index || !budget_charge(b, 1))
		return NULL;
	if (index->kind == V_SLICE)
		return ruled(do_slice(b, v, index), "fold:slice", v, index);
	if (v->kind == V_DICT) {
		for (size_t i = 0; i + 1 < v->seq.n; i += 2)
			if (val_equal(v->seq.items[i], index))
				return val_ref(v->seq.items[i + 1]);	/* shared: its rules stay its own */
		return NULL;
	}
	int64_t i;
	if (!as_int(index, &i))
		return NULL;
	if (v->kind == V_BYTES) {
		if (i < 0) i += (int64_t)v->s.n;
		if (i < 0 || i >= (int64_t)v->s.n) return NULL;
		return ruled(val_int((unsigned char)v->s.p[i]), "fold:index", v, NULL);
	}
	if (v->kind == V_STR) {
		size_t ncp;
		if (is_ascii(v->s.p, v->s.n)) {
			if (i < 0) i += (int64_t)v->s.n;
			if (i < 0 || i >= (int64_t)v->s.n) return NULL;
			return ruled(val_copy(V_STR, v->s.p + i, 1), "fold:index", v, NULL);
		}
		uint32_t *cp = code_points(v->s.p, v->s.n, &ncp);
		struct val *r = NULL;
		if (i < 0) i += (int64_t)ncp;
		if (i >= 0 && i < (int64_t)ncp)
			r = str_from_cps(cp + i, 1);
		free(cp);
		return ruled(r, "fold:index", v, NULL);
	}
	if (is_seq(v)) {
		if (i < 0) i += (int64_t)v->seq.n;
		if (i < 0 || i >= (int64_t)v->seq.n) return NULL;
		return val_ref(v->seq.items[i]);
	}
	return NULL;
}

/* ---- str(), formatting ---- */

struct val *fold_str(struct budget *b, const struct val *v)
{
	char buf[32];
	if (!v)
		return NULL;
	switch (v->kind) {
	case V_STR: return val_ref((struct val *)v);
	case V_INT: snprintf(buf, sizeof buf, "%lld", (long long)v->i); break;
	case V_BOOL: strcpy(buf, v->b ? "True" : "False"); break;
	case V_NONE: strcpy(buf, "None"); break;
	default: return NULL;	/* repr of floats, bytes, containers: not worth the risk */
	}
	struct val *r = val_copy(V_STR, buf, strlen(buf));
	val_merge_rules(r, v);
	return r;
}

struct val *fold_concat_parts(struct budget *b, struct val *const *parts, size_t n)
{
	struct sbuf s = { 0 };
	for (size_t i = 0; i < n; i++)
		if (!is_str(parts[i]) || !sb_add(b, &s, parts[i]->s.p, parts[i]->s.n)) {
			free(s.p);
			return NULL;
		}
	struct val *r = sb_finish(&s, V_STR);
	if (!r)
		r = val_copy(V_STR, "", 0);
	for (size_t i = 0; i < n; i++)
		val_merge_rules(r, parts[i]);
	return r;
}

static struct val *percent_format(struct budget *b, const struct val *fmt, const struct val *arg)
{
	struct val *const *args = (struct val *const *)&arg;
	size_t nargs = 1, used = 0;
	if (arg->kind == V_TUPLE) {
		args = arg->seq.items;
		nargs = arg->seq.n;
	}
	struct sbuf s = { 0 };
	for (size_t i = 0; i < fmt->s.n; i++) {
		char c = fmt->s.p[i];
		if (c != '%') {
			sb_add(b, &s, &c, 1);
			continue;
		}
		char conv = i + 1 < fmt->s.n ? fmt->s.p[++i] : 0;
		if (conv == '%') {
			sb_add(b, &s, "%", 1);
			continue;
		}
		if (used >= nargs) goto fail;
		const struct val *a = args[used++];
		int64_t x;
		char buf[32];
		struct val *t = NULL;
		if (conv == 's' && fmt->kind == V_STR) {
			if (!(t = fold_str(b, a))) goto fail;
			sb_add(b, &s, t->s.p, t->s.n);
			val_unref(t);
		} else if (conv == 's' && fmt->kind == V_BYTES && is_bytes(a)) {
			sb_add(b, &s, a->s.p, a->s.n);
		} else if ((conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') && as_int(a, &x)) {
			snprintf(buf, sizeof buf, conv == 'x' ? "%llx" : conv == 'X' ? "%llX" : conv == 'o' ? "%llo" : "%lld",
				 (long long)x);
			sb_add(b, &s, buf, strlen(buf));
		} else if (conv == 'c' && as_int(a, &x) && x >= 0 && x < 0x110000 && !(x >= 0xD800 && x < 0xE000)) {
			size_t k = fmt->kind == V_STR ? put_utf8(buf, (uint32_t)x) : (buf[0] = (char)x, 1);
			if (fmt->kind == V_BYTES && x > 255) goto fail;
			sb_add(b, &s, buf, k);
		} else if (conv == 'c' && is_str(a)) {
			sb_add(b, &s, a->s.p, a->s.n);
		} else {
			goto fail;
		}
	}
	if (used != nargs)
		goto fail;
	struct val *r = sb_finish(&s, fmt->kind);
	return r ? r : val_copy(fmt->kind, "", 0);
fail:
	free(s.p);
	return NULL;
}

/* 'a{}b{0}{name}'.format(...): plain fields only, no conversions or format specs. */
static struct val *str_format(struct budget *b, const struct val *fmt, const struct call_args *a)
{
	struct sbuf s = { 0 };
	size_t auto_index = 0;
	for (size_t i = 0; i < fmt->s.n; i++) {
		char c = fmt->s.p[i];
		if ((c == '{' || c == '}') && i + 1 < fmt->s.n && fmt->s.p[i + 1] == c) {
			sb_add(b, &s, &c, 1);
			i++;
			continue;
		}
		if (c == '}')
			goto fail;
		if (c != '{') {
			sb_add(b, &s, &c, 1);
			continue;
		}
		const char *end = memchr(fmt->s.p + i, '}', fmt->s.n - i);
		if (!end)
			goto fail;
		size_t flen = (size_t)(end - (fmt->s.p + i + 1));
		char field[64];
		if (flen >= sizeof field)
			goto fail;
		memcpy(field, fmt->s.p + i + 1, flen);
		field[flen] = '\0';
		const struct val *v;
		if (flen == 0)
			v = call_arg_val(a, auto_index++, NULL);
		else if (field[0] >= '0' && field[0] <= '9' && strspn(field, "0123456789") == flen)
			v = call_arg_val(a, (size_t)atoi(field), NULL);
		else if (strspn(field, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") == flen) {
			v = NULL;
			for (size_t k = 0; k < a->nkw; k++)
				if (a->kwname[k] && !strcmp(a->kwname[k], field))
					v = a->kw[k];
		} else
			goto fail;
		struct val *t = fold_str(b, v);
		if (!t)
			goto fail;
		sb_add(b, &s, t->s.p, t->s.n);
		val_unref(t);
		i += flen + 1;
	}
	struct val *r = sb_finish(&s, V_STR);
	return r ? r : val_copy(V_STR, "", 0);
fail:
	free(s.p);
	return NULL;
}

/* ---- iteration ---- */

bool fold_iter(struct budget *b, const struct val *v, struct val ***items, size_t *n)
{
	if (!v)
		return false;
	if (is_seq(v) || v->kind == V_DICT) {
		size_t step = v->kind == V_DICT ? 2 : 1, k = v->seq.n / step;
		if (!budget_charge(b, k + 1))
			return false;
		*items = xmalloc((k + 1) * sizeof **items);
		for (size_t i = 0; i < k; i++)
			(*items)[i] = val_ref(v->seq.items[i * step]);
		*n = k;
		return true;
	}
	if (v->kind == V_BYTES) {
		if (!budget_size_ok(b, v->s.n * sizeof(struct val), "iteration"))
			return false;
		*items = xmalloc((v->s.n + 1) * sizeof **items);
		for (size_t i = 0; i < v->s.n; i++)
			(*items)[i] = val_int((unsigned char)v->s.p[i]);
		*n = v->s.n;
		return true;
	}
	if (v->kind == V_STR) {
		if (!budget_size_ok(b, v->s.n * sizeof(struct val), "iteration"))
			return false;
		size_t ncp;
		uint32_t *cp = code_points(v->s.p, v->s.n, &ncp);
		*items = xmalloc((ncp + 1) * sizeof **items);
		for (size_t i = 0; i < ncp; i++)
			(*items)[i] = str_from_cps(cp + i, 1);
		free(cp);
		*n = ncp;
		return true;
	}
	return false;
}

static void free_items(struct val **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		val_unref(items[i]);
	free(items);
}

/* ---- str and bytes methods ---- */

static struct val *join(struct budget *b, const struct val *sep, const struct val *iterable)
{
	struct val **items;
	size_t n;
	if (!fold_iter(b, iterable, &items, &n))
		return NULL;
	struct sbuf s = { 0 };
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		ok = items[i]->kind == sep->kind;
		if (ok && i)
			ok = sb_add(b, &s, sep->s.p, sep->s.n);
		if (ok)
			ok = sb_add(b, &s, items[i]->s.p, items[i]->s.n);
	}
	struct val *r = NULL;
	if (ok) {
		r = sb_finish(&s, sep->kind);
		if (!r)
			r = val_copy(sep->kind, "", 0);
		for (size_t i = 0; i < n; i++)
			val_merge_rules(r, items[i]);
		val_merge_rules(r, iterable);
	} else {
		free(s.p);
	}
	free_items(items, n);
	return r;
}

static struct val *replace(struct budget *b, const struct val *v, const struct val *old,
			   const struct val *new, int64_t count)
{
	if (!old || !new || old->kind != v->kind || new->kind != v->kind)
		return NULL;
	if (old->s.n == 0)
		return NULL;	/* inserting between every character: rare, skip */
	struct sbuf s = { 0 };
	size_t i = 0;
	int64_t done = 0;
	while (i < v->s.n) {
		const char *hit = (count < 0 || done < count) ?
			memmem(v->s.p + i, v->s.n - i, old->s.p, old->s.n) : NULL;
		if (!hit) {
			sb_add(b, &s, v->s.p + i, v->s.n - i);
			break;
		}
		sb_add(b, &s, v->s.p + i, (size_t)(hit - (v->s.p + i)));
		sb_add(b, &s, new->s.p, new->s.n);
		i = (size_t)(hit - v->s.p) + old->s.n;
		done++;
	}
	struct val *r = sb_finish(&s, v->kind);
	return r ? r : s.failed ? NULL : val_copy(v->kind, "", 0);
}

static struct val *change_case(const struct val *v, bool upper)
{
	char *out = xmalloc(v->s.n + 1);
	for (size_t i = 0; i < v->s.n; i++) {
		char c = v->s.p[i];
		if (upper && c >= 'a' && c <= 'z') c -= 32;
		else if (!upper && c >= 'A' && c <= 'Z') c += 32;
		out[i] = c;
	}
	out[v->s.n] = '\0';
	return val_take(v->kind, out, v->s.n);
}

static struct val *strip(const struct val *v, const struct val *chars, bool left, bool right)
{
	const char *set = " \t\n\r\v\f";
	size_t setn = strlen(set);
	if (chars && chars->kind != V_NONE) {
		if (chars->kind != v->kind || !is_ascii(chars->s.p, chars->s.n))
			return NULL;
		set = chars->s.p;
		setn = chars->s.n;
	}
	size_t lo = 0, hi = v->s.n;
	while (left && lo < hi && memchr(set, v->s.p[lo], setn))
		lo++;
	while (right && hi > lo && memchr(set, v->s.p[hi - 1], setn))
		hi--;
	return val_copy(v->kind, v->s.p + lo, hi - lo);
}

static struct val *split(struct budget *b, const struct val *v, const struct val *sep, int64_t maxsplit)
{
	size_t cap = 16, n = 0;
	struct val **items = xmalloc(cap * sizeof *items);
	size_t i = 0;
	bool ws = !sep || sep->kind == V_NONE;
	if (!ws && (sep->kind != v->kind || sep->s.n == 0)) {
		free(items);
		return NULL;
	}
	while (i <= v->s.n) {
		if (!budget_charge(b, 1)) {
			free_items(items, n);
			return NULL;
		}
		if (n + 1 >= cap)
			items = xrealloc(items, (cap *= 2) * sizeof *items);
		if (ws) {
			while (i < v->s.n && strchr(" \t\n\r\v\f", v->s.p[i]) && v->s.p[i])
				i++;
			if (i >= v->s.n)
				break;
			size_t j = i;
			if (maxsplit >= 0 && (int64_t)n >= maxsplit) {
				size_t e = v->s.n;
				while (e > j && strchr(" \t\n\r\v\f", v->s.p[e - 1]) && v->s.p[e - 1])
					e--;
				items[n++] = val_copy(v->kind, v->s.p + j, e - j);
				break;
			}
			while (j < v->s.n && !(strchr(" \t\n\r\v\f", v->s.p[j]) && v->s.p[j]))
				j++;
			items[n++] = val_copy(v->kind, v->s.p + i, j - i);
			i = j;
		} else {
			const char *hit = (maxsplit < 0 || (int64_t)n < maxsplit) ?
				memmem(v->s.p + i, v->s.n - i, sep->s.p, sep->s.n) : NULL;
			size_t e = hit ? (size_t)(hit - v->s.p) : v->s.n;
			items[n++] = val_copy(v->kind, v->s.p + i, e - i);
			if (!hit)
				break;
			i = e + sep->s.n;
		}
	}
	return val_seq(V_LIST, items, n);
}

/* The codecs we evaluate, by their normalised names (lower case, '_' for '-' and ' '). */
enum codec { CODEC_ROT13, CODEC_UTF8, CODEC_ASCII, CODEC_LATIN1, CODEC_HEX, CODEC_BASE64,
	     CODEC_ZLIB, CODEC_BZ2 };

static const struct { const char *name; enum codec codec; } codecs[] = {
	{ "rot13", CODEC_ROT13 }, { "rot_13", CODEC_ROT13 },
	{ "utf_8", CODEC_UTF8 }, { "utf8", CODEC_UTF8 }, { "ascii", CODEC_ASCII },
	{ "latin_1", CODEC_LATIN1 }, { "latin1", CODEC_LATIN1 }, { "iso_8859_1", CODEC_LATIN1 },
	{ "hex", CODEC_HEX }, { "hex_codec", CODEC_HEX },
	{ "base64", CODEC_BASE64 }, { "base_64", CODEC_BASE64 }, { "base64_codec", CODEC_BASE64 },
	{ "zlib", CODEC_ZLIB }, { "zip", CODEC_ZLIB }, { "zlib_codec", CODEC_ZLIB },
	{ "bz2", CODEC_BZ2 }, { "bz2_codec", CODEC_BZ2 },
};

/* bytes.decode / str.encode with a text codec: checked, copied, never transcoded lossily. */
static struct val *text_codec(const struct val *v, enum codec codec, bool decoding)
{
	bool latin = codec == CODEC_LATIN1;
	if (decoding && is_bytes(v)) {
		if (!latin && !utf8_valid(v->s.p, v->s.n))
			return NULL;
		if (latin && !is_ascii(v->s.p, v->s.n)) {
			uint32_t *cp = xmalloc((v->s.n + 1) * sizeof *cp);
			for (size_t i = 0; i < v->s.n; i++)
				cp[i] = (unsigned char)v->s.p[i];
			struct val *r = str_from_cps(cp, v->s.n);
			free(cp);
			return ruled(r, "fold:decode", v, NULL);
		}
		return ruled(val_copy(V_STR, v->s.p, v->s.n), "fold:decode", v, NULL);
	}
	if (!decoding && is_str(v)) {
		if ((codec == CODEC_ASCII || latin) && !is_ascii(v->s.p, v->s.n))
			return NULL;
		return ruled(val_copy(V_BYTES, v->s.p, v->s.n), "fold:encode", v, NULL);
	}
	return NULL;
}

/* The codecs we evaluate; py2's 'x'.decode('base64') goes through here too. */
static struct val *run_codec(struct budget *b, const struct val *v, const char *codec, bool decoding)
{
	char name[32];
	size_t k = 0;
	for (const char *p = codec; *p && k + 1 < sizeof name; p++)
		name[k++] = *p == '-' || *p == ' ' ? '_' : (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	name[k] = '\0';
	size_t c = 0, n = sizeof codecs / sizeof *codecs;
	while (c < n && strcmp(codecs[c].name, name) != 0)
		c++;
	if (c == n)
		return NULL;
	switch (codecs[c].codec) {
	case CODEC_ROT13:
		return ruled(is_str(v) ? decode_rot13(b, v) : NULL, "decode:rot13", v, NULL);
	case CODEC_UTF8:
	case CODEC_ASCII:
	case CODEC_LATIN1:
		return text_codec(v, codecs[c].codec, decoding);
	case CODEC_HEX:
		return decoding ? ruled(decode_hex(b, v, false), "decode:hex", v, NULL) : NULL;
	case CODEC_BASE64:
		return decoding ? ruled(decode_base64(b, v, NULL, false), "decode:base64", v, NULL) : NULL;
	case CODEC_ZLIB:
		return decoding ? ruled(decompress_zlib(b, v, 15), "decode:zlib", v, NULL) : NULL;
	case CODEC_BZ2:
		return decoding ? ruled(decompress_bz2(b, v), "decode:bz2", v, NULL) : NULL;
	}
	return NULL;
}

static struct val *translate(struct budget *b, const struct val *v, const struct val *table)
{
	if (is_bytes(v) && is_bytes(table) && table->s.n == 256) {
		char *out = xmalloc(v->s.n + 1);
		for (size_t i = 0; i < v->s.n; i++)
			out[i] = table->s.p[(unsigned char)v->s.p[i]];
		out[v->s.n] = '\0';
		return val_take(V_BYTES, out, v->s.n);
	}
	if (!is_str(v) || !table || table->kind != V_DICT)
		return NULL;
	size_t ncp;
	uint32_t *cp = code_points(v->s.p, v->s.n, &ncp);
	struct sbuf s = { 0 };
	for (size_t i = 0; i < ncp; i++) {
		const struct val *to = NULL;
		bool found = false;
		for (size_t k = 0; k + 1 < table->seq.n; k += 2)
			if (table->seq.items[k]->kind == V_INT && table->seq.items[k]->i == cp[i]) {
				to = table->seq.items[k + 1];
				found = true;
				break;
			}
		char buf[4];
		if (!found)
			sb_add(b, &s, buf, put_utf8(buf, cp[i]));
		else if (to->kind == V_INT && to->i >= 0 && to->i < 0x110000)
			sb_add(b, &s, buf, put_utf8(buf, (uint32_t)to->i));
		else if (is_str(to))
			sb_add(b, &s, to->s.p, to->s.n);
		else if (to->kind != V_NONE)
			s.failed = true;
		if (!budget_charge(b, table->seq.n / 8 + 1))
			s.failed = true;
	}
	free(cp);
	struct val *r = sb_finish(&s, V_STR);
	return r ? r : s.failed ? NULL : val_copy(V_STR, "", 0);
}

/* str.maketrans(x, y[, z]) and bytes.maketrans(x, y). */
static struct val *maketrans(struct budget *b, const struct val *x, const struct val *y,
			     const struct val *z, bool bytes)
{
	if (bytes) {
		if (!is_bytes(x) || !is_bytes(y) || x->s.n != y->s.n)
			return NULL;
		char *t = xmalloc(257);
		for (int i = 0; i < 256; i++)
			t[i] = (char)i;
		for (size_t i = 0; i < x->s.n; i++)
			t[(unsigned char)x->s.p[i]] = y->s.p[i];
		return val_take(V_BYTES, t, 256);
	}
	if (x && x->kind == V_DICT && !y)
		return val_ref((struct val *)x);
	if (!is_str(x) || !is_str(y))
		return NULL;
	size_t nx, ny, nz = 0;
	uint32_t *cx = code_points(x->s.p, x->s.n, &nx), *cy = code_points(y->s.p, y->s.n, &ny);
	uint32_t *cz = is_str(z) ? code_points(z->s.p, z->s.n, &nz) : NULL;
	struct val *r = NULL;
	if (nx == ny && budget_charge(b, nx + nz)) {
		struct val **items = xmalloc((2 * (nx + nz) + 1) * sizeof *items);
		size_t n = 0;
		for (size_t i = 0; i < nx; i++) {
			items[n++] = val_int(cx[i]);
			items[n++] = val_int(cy[i]);
		}
		for (size_t i = 0; i < nz; i++) {
			items[n++] = val_int(cz[i]);
			items[n++] = val_new(V_NONE);
		}
		r = val_seq(V_DICT, items, n);
	}
	free(cx);
	free(cy);
	free(cz);
	return r;
}

struct val *fold_method(struct budget *b, const struct val *v, const char *m,
			const struct call_args *a)
{
	if (!v || !m || !a->complete || !budget_charge(b, 1))
		return NULL;
	if (v->kind == V_DICT && !strcmp(m, "get") && a->npos >= 1) {
		struct val *r = fold_subscript(b, v, a->pos[0]);
		return r ? r : a->npos >= 2 ? val_ref(a->pos[1]) : val_new(V_NONE);
	}
	if (is_path(v))
		return path_method(b, v, m, a);
	if (!val_is_text(v))
		return NULL;
	struct val *a0 = call_arg_val(a, 0, NULL), *a1 = call_arg_val(a, 1, NULL);
	if (a->npos >= 1 && !a0)
		return NULL;
	if (!budget_charge(b, v->s.n / 16 + 1))
		return NULL;
	int64_t count = -1;
	if (!strcmp(m, "join") && a->npos == 1)
		return ruled(join(b, v, a0), "fold:join", v, a0);
	if (!strcmp(m, "replace") && a->npos >= 2) {
		if (a->npos == 3 && !as_int(a->pos[2], &count))
			return NULL;
		return ruled(replace(b, v, a0, a1, count), "fold:replace", v, NULL);
	}
	if ((!strcmp(m, "lower") || !strcmp(m, "upper")) && a->npos == 0)
		return ruled(change_case(v, m[0] == 'u'), "fold:case", v, NULL);
	if (!strcmp(m, "strip") || !strcmp(m, "lstrip") || !strcmp(m, "rstrip"))
		return ruled(strip(v, a0, m[0] != 'r', m[0] != 'l'), "fold:strip", v, NULL);
	if (!strcmp(m, "split")) {
		struct val *sep = call_arg_val(a, 0, "sep"), *max = call_arg_val(a, 1, "maxsplit");
		if ((call_has_arg(a, 0, "sep") && !sep) || (max && !as_int(max, &count)))
			return NULL;
		return ruled(split(b, v, sep, count), "fold:split", v, NULL);
	}
	if (!strcmp(m, "encode") || !strcmp(m, "decode")) {
		struct val *enc = call_arg_val(a, 0, "encoding");
		if (call_has_arg(a, 0, "encoding") && !is_str(enc))
			return NULL;
		char codec[32] = "utf-8";
		if (enc && enc->s.n < sizeof codec) {
			memcpy(codec, enc->s.p, enc->s.n);
			codec[enc->s.n] = '\0';
		}
		return run_codec(b, v, codec, m[0] == 'd');
	}
	if (!strcmp(m, "translate") && a->npos >= 1)
		return ruled(translate(b, v, a0), "fold:translate", v, a0);
	if (!strcmp(m, "format") && is_str(v)) {
		for (size_t i = 0; i < a->npos; i++)
			if (!a->pos[i])
				return NULL;
		for (size_t i = 0; i < a->nkw; i++)
			if (!a->kw[i])
				return NULL;
		struct val *r = str_format(b, v, a);
		for (size_t i = 0; r && i < a->npos; i++)
			val_merge_rules(r, a->pos[i]);
		return ruled(r, "fold:format", v, NULL);
	}
	if (!strcmp(m, "hex") && is_bytes(v) && a->npos == 0 &&
	    budget_size_ok(b, v->s.n * 2, "bytes.hex")) {
		char *out = xmalloc(v->s.n * 2 + 1);
		for (size_t i = 0; i < v->s.n; i++)
			snprintf(out + 2 * i, 3, "%02x", (unsigned char)v->s.p[i]);
		return ruled(val_take(V_STR, out, v->s.n * 2), "fold:hex", v, NULL);
	}
	return NULL;
}

/* ---- builtins and library functions, by canonical name ---- */

static struct val *from_int_list(struct budget *b, const struct val *v, bool bytearray)
{
	if (val_is_text(v) && v->kind == V_BYTES) {
		struct val *r = val_copy(V_BYTES, v->s.p, v->s.n);
		r->bytearray = bytearray;
		return r;
	}
	struct val **items;
	size_t n;
	if (!is_seq(v) || !fold_iter(b, v, &items, &n))
		return NULL;
	char *out = xmalloc(n + 1);
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		int64_t x;
		ok = as_int(items[i], &x) && x >= 0 && x < 256;
		out[i] = ok ? (char)x : 0;
	}
	struct val *r = NULL;
	if (ok) {
		r = val_take(V_BYTES, out, n);
		r->bytearray = bytearray;
		for (size_t i = 0; i < n; i++)
			val_merge_rules(r, items[i]);
	} else {
		free(out);
	}
	free_items(items, n);
	return r;
}

static struct val *parse_int(const struct val *s, int64_t base)
{
	if (!val_is_text(s) || s->s.n > 80 || base == 1 || base < 0 || base > 36)
		return NULL;
	char buf[96];
	size_t k = 0;
	for (size_t i = 0; i < s->s.n; i++)
		if (s->s.p[i] != '_')
			buf[k++] = s->s.p[i];
	buf[k] = '\0';
	char *end;
	errno = 0;
	long long x = strtoll(buf, &end, (int)base);
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	if (errno || end == buf || *end)
		return NULL;
	return val_int(x);
}

static struct val *make_list(struct budget *b, const struct val *v, enum vkind kind, bool reverse)
{
	struct val **items;
	size_t n;
	if (!fold_iter(b, v, &items, &n))
		return NULL;
	if (reverse)
		for (size_t i = 0; i < n / 2; i++) {
			struct val *t = items[i];
			items[i] = items[n - 1 - i];
			items[n - 1 - i] = t;
		}
	return val_seq(kind, items, n);
}

static int compare_vals(const void *x, const void *y)
{
	const struct val *a = *(struct val *const *)x, *b = *(struct val *const *)y;
	if (a->kind == V_INT)
		return a->i < b->i ? -1 : a->i > b->i;
	size_t n = a->s.n < b->s.n ? a->s.n : b->s.n;
	int c = memcmp(a->s.p, b->s.p, n);
	return c ? c : (a->s.n > b->s.n) - (a->s.n < b->s.n);
}

static struct val *sorted(struct budget *b, const struct val *v, const struct val *reverse)
{
	struct val **items;
	size_t n;
	if (!fold_iter(b, v, &items, &n))
		return NULL;
	enum vkind k = n ? items[0]->kind : V_INT;
	for (size_t i = 0; i < n; i++)
		if (items[i]->kind != k || (k != V_INT && k != V_STR && k != V_BYTES)) {
			free_items(items, n);
			return NULL;
		}
	/* Stable for equal keys is irrelevant: equal ints/strings are indistinguishable. */
	qsort(items, n, sizeof *items, compare_vals);
	struct val *r = val_seq(V_LIST, items, n);
	bool known, rev = reverse && val_truthy(reverse, &known) && known;
	if (rev)
		for (size_t i = 0; i < n / 2; i++) {
			struct val *t = items[i];
			items[i] = items[n - 1 - i];
			items[n - 1 - i] = t;
		}
	return r;
}

static struct val *range(struct budget *b, const struct call_args *a)
{
	int64_t lo = 0, hi, st = 1;
	if (a->npos == 1 ? !as_int(a->pos[0], &hi)
	    : a->npos == 2 ? !as_int(a->pos[0], &lo) || !as_int(a->pos[1], &hi)
	    : a->npos == 3 ? !as_int(a->pos[0], &lo) || !as_int(a->pos[1], &hi) || !as_int(a->pos[2], &st)
	    : true)
		return NULL;
	if (st == 0)
		return NULL;
	int64_t n = 0;
	if (st > 0 && lo < hi) n = (hi - lo - 1) / st + 1;
	if (st < 0 && hi < lo) n = (lo - hi - 1) / (-st) + 1;
	if (!budget_size_ok(b, (size_t)n * sizeof(struct val), "range()"))
		return NULL;
	struct val **items = xmalloc(((size_t)n + 1) * sizeof *items);
	for (int64_t i = 0; i < n; i++)
		items[i] = val_int(lo + i * st);
	return val_seq(V_LIST, items, (size_t)n);
}

/* enumerate(x) and zip(x, y): lists of tuples, built eagerly under the budget. */
static struct val *tuples(struct budget *b, const struct call_args *a, bool enumerate)
{
	struct val **xs, **ys = NULL;
	size_t nx, ny = 0;
	if (a->npos != (enumerate ? 1u : 2u) || !fold_iter(b, a->pos[0], &xs, &nx))
		return NULL;
	if (!enumerate && !fold_iter(b, a->pos[1], &ys, &ny)) {
		free_items(xs, nx);
		return NULL;
	}
	size_t n = enumerate || nx < ny ? nx : ny;
	struct val **items = xmalloc((n + 1) * sizeof *items);
	for (size_t i = 0; i < n; i++) {
		struct val **pair = xmalloc(2 * sizeof *pair);
		pair[0] = enumerate ? val_int((int64_t)i) : val_ref(xs[i]);
		pair[1] = val_ref(enumerate ? xs[i] : ys[i]);
		items[i] = val_seq(V_TUPLE, pair, 2);
	}
	free_items(xs, nx);
	if (ys)
		free_items(ys, ny);
	return val_seq(V_LIST, items, n);
}

static const char *const single_arg_functions[] = {
	"builtins.chr", "builtins.ord", "builtins.str", "builtins.int", "builtins.bytes",
	"base64.b64decode", "base64.b32decode", "base64.b16decode", "base64.b85decode",
	"base64.a85decode", "base64.urlsafe_b64decode", "base64.decodebytes",
	"binascii.unhexlify", "binascii.a2b_hex", "binascii.a2b_base64", "zlib.decompress",
};

bool fold_known_function(const char *callee)
{
	for (size_t i = 0; callee && i < sizeof single_arg_functions / sizeof *single_arg_functions; i++)
		if (!strcmp(callee, single_arg_functions[i]))
			return true;
	return false;
}

/* map(f, xs) with f a function we can evaluate: a list, as Python 2 gave it. */
static struct val *map(struct budget *b, const struct call_args *a)
{
	const char *f = a->posname[0];
	struct val **items;
	size_t n;
	if (a->npos != 2 || !fold_known_function(f) || !fold_iter(b, a->pos[1], &items, &n))
		return NULL;
	struct val **out = xmalloc((n + 1) * sizeof *out);
	for (size_t i = 0; i < n; i++) {
		struct call_args one = { .npos = 1, .pos = { items[i] }, .complete = true };
		out[i] = fold_call(b, f, &one);
		if (!out[i]) {
			free_items(out, i);
			free_items(items, n);
			return NULL;
		}
	}
	free_items(items, n);
	struct val *r = val_seq(V_LIST, out, n);
	val_merge_rules(r, a->pos[1]);
	return r;
}

/* ---- calls by canonical name ---- */

/*
 * One entry per function fold_call evaluates.  `variant` tells apart the functions one
 * handler serves (bytes/bytearray, list/tuple, ...); a decoder's `rule` is the provenance
 * its result carries ("decode:b64decode").
 */
struct call_handler {
	const char *name;
	struct val *(*fn)(struct budget *b, const struct call_args *a, const struct call_handler *h);
	int variant;
	const char *rule;
};

enum { PLAIN, DECODE, ENCODE, BYTEARRAY, BYTES, LIST, TUPLE, ENUMERATE, ZIP, A85, B32 };

/* codecs.decode(x, 'rot13'), codecs.encode(x, 'base64'), ... */
static struct val *call_codecs(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL), *enc = call_arg_val(a, 1, "encoding");
	if (!a0 || !is_str(enc) || enc->s.n > 30)
		return NULL;
	char codec[32];
	memcpy(codec, enc->s.p, enc->s.n);
	codec[enc->s.n] = '\0';
	/* rot13 is its own inverse: codecs.encode(x, 'rot13') decodes too. */
	return run_codec(b, a0, codec, h->variant == DECODE || !strcmp(codec, "rot13") ||
					       !strcmp(codec, "rot_13"));
}

static struct val *call_attrgetter(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	return is_str(a0) && a->npos == 1 ? val_copy(V_GETTER, a0->s.p, a0->s.n) : NULL;
}

static struct val *call_chr(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	int64_t x;
	if (!as_int(a0, &x) || a->npos != 1 || x < 0 || x >= 0x110000 || (x >= 0xD800 && x < 0xE000))
		return NULL;
	char buf[4];
	return ruled(val_copy(V_STR, buf, put_utf8(buf, (uint32_t)x)), "fold:chr", a0, NULL);
}

static struct val *call_ord(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	if (!val_is_text(a0) || a->npos != 1)
		return NULL;
	if (a0->kind == V_BYTES)
		return a0->s.n == 1 ? ruled(val_int((unsigned char)a0->s.p[0]), "fold:ord", a0, NULL) : NULL;
	size_t ncp;
	uint32_t *cp = code_points(a0->s.p, a0->s.n, &ncp);
	struct val *r = ncp == 1 ? val_int(cp[0]) : NULL;
	free(cp);
	return ruled(r, "fold:ord", a0, NULL);
}

/* str(x), and str(b'...', encoding) as bytes.decode. */
static struct val *call_str(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL), *enc = call_arg_val(a, 1, "encoding");
	if (a->npos == 1 && a->nkw == 0)
		return fold_str(b, a0);
	if (is_bytes(a0) && is_str(enc))
		return fold_method(b, a0, "decode", &(struct call_args){
			.npos = 1, .pos = { enc }, .complete = true });
	return NULL;
}

static struct val *call_int(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	int64_t x, base = 10;
	if (!a0)
		return NULL;
	if (call_has_arg(a, 1, "base") && !as_int(call_arg_val(a, 1, "base"), &base))
		return NULL;
	if (as_int(a0, &x) && !call_has_arg(a, 1, "base"))
		return val_int(x);
	return ruled(parse_int(a0, base), "fold:int", a0, NULL);
}

/* bytes('s', 'utf-8') encodes; bytes([104, 105]) and bytearray(...) build from ints. */
static struct val *call_bytes(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL), *a1 = call_arg_val(a, 1, NULL);
	if (a->npos < 1)
		return NULL;
	if (is_str(a0) && is_str(a1))
		return fold_method(b, a0, "encode", &(struct call_args){ .npos = 1, .pos = { a1 }, .complete = true });
	return a->npos == 1 ? ruled(from_int_list(b, a0, h->variant == BYTEARRAY), "fold:bytes", a0, NULL)
			    : NULL;
}

static struct val *call_maketrans(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	return maketrans(b, call_arg_val(a, 0, NULL), call_arg_val(a, 1, NULL), call_arg_val(a, 2, NULL),
			 h->variant == BYTES);
}

static struct val *call_list(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	return a->npos == 1 ? ruled(make_list(b, a0, h->variant == LIST ? V_LIST : V_TUPLE, false),
				    "fold:list", a0, NULL) : NULL;
}

static struct val *call_reversed(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	return a->npos == 1 ? ruled(make_list(b, a0, V_LIST, true), "fold:reversed", a0, NULL) : NULL;
}

static struct val *call_sorted(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	return a->npos == 1 ? ruled(sorted(b, a0, call_arg_val(a, 99, "reverse")), "fold:sorted", a0, NULL)
			    : NULL;
}

static struct val *call_map(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	return ruled(map(b, a), "fold:map", NULL, NULL);
}

static struct val *call_range(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	return range(b, a);
}

static struct val *call_tuples(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	return tuples(b, a, h->variant == ENUMERATE);
}

static struct val *call_len(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, NULL);
	if (a->npos != 1 || !a0)
		return NULL;
	if (a0->kind == V_BYTES)
		return val_int((int64_t)a0->s.n);
	if (is_str(a0)) {
		size_t ncp;
		free(code_points(a0->s.p, a0->s.n, &ncp));
		return val_int((int64_t)ncp);
	}
	if (is_seq(a0))
		return val_int((int64_t)a0->seq.n);
	return NULL;
}

/* ---- decoders: text in, bytes out, each with its provenance rule ---- */

/* The decoded text of the first argument, with the handler's rule; NULL when unknown. */
static struct val *decoded(struct val *r, const struct call_args *a, const struct call_handler *h)
{
	return ruled(r, h->rule, call_arg_val(a, 0, NULL), NULL);
}

static struct val *decode_input(const struct call_args *a)
{
	struct val *in = call_arg_val(a, 0, NULL);
	return val_is_text(in) ? in : NULL;
}

static struct val *call_b64decode(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	struct val *alt = call_arg_val(a, 1, "altchars"), *validate = call_arg_val(a, 2, "validate");
	if (!in || (call_has_arg(a, 1, "altchars") && alt && alt->kind != V_NONE &&
		    (!val_is_text(alt) || alt->s.n != 2)))
		return NULL;
	bool known, strict = validate && val_truthy(validate, &known) && known;
	return decoded(decode_base64(b, in, alt && val_is_text(alt) ? alt->s.p : NULL, strict), a, h);
}

static struct val *call_urlsafe_b64decode(struct budget *b, const struct call_args *a,
					  const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in ? decoded(decode_base64(b, in, "-_", false), a, h) : NULL;
}

/* b32decode(s, casefold=False) and a85decode(s, adobe=False): one flag after the text. */
static struct val *call_flag_decoder(struct budget *b, const struct call_args *a,
				     const struct call_handler *h)
{
	bool a85 = h->variant == A85;
	struct val *in = decode_input(a), *flag = call_arg_val(a, 1, a85 ? "adobe" : "casefold");
	bool known, on = flag && val_truthy(flag, &known);
	if (!in)
		return NULL;
	return decoded(a85 ? decode_a85(b, in, on) : decode_base32(b, in, on), a, h);
}

static struct val *call_unhexlify(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in ? decoded(decode_hex(b, in, false), a, h) : NULL;
}

static struct val *call_fromhex(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in && is_str(in) ? decoded(decode_hex(b, in, true), a, h) : NULL;
}

static struct val *call_b85decode(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in ? decoded(decode_b85(b, in), a, h) : NULL;
}

/* zlib.decompress(data, wbits=15); gzip.decompress is wbits 31 (variant). */
static struct val *call_inflate(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	int64_t w = h->variant ? h->variant : 15;
	if (!in || (!h->variant && call_has_arg(a, 1, "wbits") && !as_int(call_arg_val(a, 1, "wbits"), &w)))
		return NULL;
	return decoded(decompress_zlib(b, in, (int)w), a, h);
}

static struct val *call_bz2(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in ? decoded(decompress_bz2(b, in), a, h) : NULL;
}

static struct val *call_lzma(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *in = decode_input(a);
	return in ? decoded(decompress_lzma(b, in), a, h) : NULL;
}

/* ---- paths: where a file goes, as a template the string rules can read ---- */

/*
 * A path built with os.path.join or pathlib from constants and the user's folders is a
 * str carrying the rule `fold:path`: `os.path.join(os.environ["APPDATA"], "Microsoft",
 * ...)` is "%APPDATA%/Microsoft/...", `Path.home() / ".bashrc"` is "~/.bashrc".  Only
 * the variables that name a user or system folder become a template; any other
 * environment variable stays unknown (its value is not the evaluator's to guess).
 */
static bool is_path(const struct val *v)
{
	if (!is_str(v))
		return false;
	for (unsigned i = 0; i < v->nrules; i++)
		if (!strcmp(v->rules[i], "fold:path"))
			return true;
	return false;
}

static struct val *path_value(struct val *v)
{
	if (v)
		val_add_rule(v, "fold:path");
	return v;
}

struct val *fold_env_folder(const char *name)
{
	static const struct { const char *var, *template; } folders[] = {
		{ "HOME", "~" }, { "USERPROFILE", "~" }, { "XDG_CONFIG_HOME", "~/.config" },
		{ "APPDATA", "%APPDATA%" }, { "LOCALAPPDATA", "%LOCALAPPDATA%" },
		{ "PROGRAMDATA", "%PROGRAMDATA%" }, { "ALLUSERSPROFILE", "%PROGRAMDATA%" },
		{ "WINDIR", "%WINDIR%" }, { "SYSTEMROOT", "%WINDIR%" },
	};
	for (size_t i = 0; name && i < sizeof folders / sizeof *folders; i++)
		if (!strcasecmp(name, folders[i].var))
			return path_value(val_copy(V_STR, folders[i].template, strlen(folders[i].template)));
	return NULL;
}

/* posixpath.join: an absolute part starts afresh; one '/' between parts. */
static struct val *path_join(struct budget *b, struct val *const *parts, size_t n, const struct val *base)
{
	size_t total = base ? base->s.n : 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_str(parts[i]))
			return NULL;
		total += parts[i]->s.n + 1;
	}
	if (!budget_size_ok(b, total, "path") || !budget_charge(b, total / 16 + 1))
		return NULL;
	char *out = xmalloc(total + 1);
	size_t len = 0;
	for (size_t i = 0; i < n + (base != NULL); i++) {
		const struct val *part = base ? (i ? parts[i - 1] : base) : parts[i];
		if (part->s.n && part->s.p[0] == '/')
			len = 0;
		else if (len && out[len - 1] != '/' && part->s.n)
			out[len++] = '/';
		memcpy(out + len, part->s.p, part->s.n);
		len += part->s.n;
	}
	struct val *v = val_take(V_STR, out, len);
	for (size_t i = 0; i < n; i++)
		val_merge_rules(v, parts[i]);
	if (base)
		val_merge_rules(v, base);
	return path_value(v);
}

/* os.path.join(a, *p), pathlib.Path(*parts) (no part: "."). */
static struct val *call_path_join(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	if (a->nkw)
		return NULL;
	if (a->npos == 0)
		return h->variant ? path_value(val_copy(V_STR, ".", 1)) : NULL;
	return path_join(b, a->pos, a->npos, NULL);
}

/* os.path.expanduser("~/x") keeps the "~" (the template of the home folder). */
static struct val *call_expanduser(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, "path");
	return a->npos + a->nkw == 1 && is_str(a0) ? path_value(val_copy(V_STR, a0->s.p, a0->s.n)) : NULL;
}

static struct val *call_home(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	return a->npos + a->nkw == 0 ? fold_env_folder("HOME") : NULL;
}

/* os.getenv("APPDATA"), os.environ.get("APPDATA"): a folder's template, else unknown. */
static struct val *call_getenv(struct budget *b, const struct call_args *a, const struct call_handler *h)
{
	struct val *a0 = call_arg_val(a, 0, "key");
	if (!is_str(a0) || a0->s.n > 64 || memchr(a0->s.p, '\0', a0->s.n))
		return NULL;
	char name[65];
	memcpy(name, a0->s.p, a0->s.n);
	name[a0->s.n] = '\0';
	return fold_env_folder(name);
}

/* Path methods that keep or extend the path: joinpath, expanduser, resolve, absolute. */
static struct val *path_method(struct budget *b, const struct val *v, const char *m,
			       const struct call_args *a)
{
	if (!strcmp(m, "joinpath") && !a->nkw)
		return path_join(b, a->pos, a->npos, v);
	if ((!strcmp(m, "expanduser") || !strcmp(m, "resolve") || !strcmp(m, "absolute")) &&
	    !a->npos && !a->nkw)
		return path_value(val_copy(V_STR, v->s.p, v->s.n));
	return NULL;
}

/* Sorted by name (strcmp) for bsearch. */
static const struct call_handler call_handlers[] = {
	{ "base64.a85decode", call_flag_decoder, A85, "decode:a85decode" },
	{ "base64.b16decode", call_unhexlify, PLAIN, "decode:b16decode" },
	{ "base64.b32decode", call_flag_decoder, B32, "decode:b32decode" },
	{ "base64.b64decode", call_b64decode, PLAIN, "decode:b64decode" },
	{ "base64.b85decode", call_b85decode, PLAIN, "decode:b85decode" },
	{ "base64.decodebytes", call_b64decode, PLAIN, "decode:decodebytes" },
	{ "base64.decodestring", call_b64decode, PLAIN, "decode:other" },
	{ "base64.urlsafe_b64decode", call_urlsafe_b64decode, PLAIN, "decode:urlsafe_b64decode" },
	{ "binascii.a2b_base64", call_b64decode, PLAIN, "decode:a2b_base64" },
	{ "binascii.a2b_hex", call_unhexlify, PLAIN, "decode:a2b_hex" },
	{ "binascii.unhexlify", call_unhexlify, PLAIN, "decode:unhexlify" },
	{ "builtins.bytearray", call_bytes, BYTEARRAY, NULL },
	{ "builtins.bytearray.fromhex", call_fromhex, PLAIN, "decode:fromhex" },
	{ "builtins.bytes", call_bytes, BYTES, NULL },
	{ "builtins.bytes.fromhex", call_fromhex, PLAIN, "decode:fromhex" },
	{ "builtins.bytes.maketrans", call_maketrans, BYTES, NULL },
	{ "builtins.chr", call_chr, PLAIN, NULL },
	{ "builtins.enumerate", call_tuples, ENUMERATE, NULL },
	{ "builtins.int", call_int, PLAIN, NULL },
	{ "builtins.len", call_len, PLAIN, NULL },
	{ "builtins.list", call_list, LIST, NULL },
	{ "builtins.map", call_map, PLAIN, NULL },
	{ "builtins.ord", call_ord, PLAIN, NULL },
	{ "builtins.range", call_range, PLAIN, NULL },
	{ "builtins.reversed", call_reversed, PLAIN, NULL },
	{ "builtins.sorted", call_sorted, PLAIN, NULL },
	{ "builtins.str", call_str, PLAIN, NULL },
	{ "builtins.str.maketrans", call_maketrans, PLAIN, NULL },
	{ "builtins.tuple", call_list, TUPLE, NULL },
	{ "builtins.zip", call_tuples, ZIP, NULL },
	{ "bz2.decompress", call_bz2, PLAIN, "decode:bz2" },
	{ "codecs.decode", call_codecs, DECODE, NULL },
	{ "codecs.encode", call_codecs, ENCODE, NULL },
	{ "gzip.decompress", call_inflate, 31, "decode:gzip" },
	{ "lzma.decompress", call_lzma, PLAIN, "decode:lzma" },
	{ "ntpath.join", call_path_join, 0, NULL },
	{ "operator.attrgetter", call_attrgetter, PLAIN, NULL },
	{ "os.environ.get", call_getenv, 0, NULL },
	{ "os.getenv", call_getenv, 0, NULL },
	{ "os.path.expanduser", call_expanduser, 0, NULL },
	{ "os.path.join", call_path_join, 0, NULL },
	{ "pathlib.Path", call_path_join, 1, NULL },
	{ "pathlib.Path.home", call_home, 0, NULL },
	{ "pathlib.PosixPath", call_path_join, 1, NULL },
	{ "pathlib.PurePath", call_path_join, 1, NULL },
	{ "pathlib.PurePosixPath", call_path_join, 1, NULL },
	{ "pathlib.PureWindowsPath", call_path_join, 1, NULL },
	{ "pathlib.WindowsPath", call_path_join, 1, NULL },
	{ "posixpath.join", call_path_join, 0, NULL },
	{ "zlib.decompress", call_inflate, PLAIN, "decode:zlib" },
};

static int compare_call_handler(const void *key, const void *elem)
{
	return strcmp(key, ((const struct call_handler *)elem)->name);
}

struct val *fold_call(struct budget *b, const char *f, const struct call_args *a)
{
	if (!f || !a->complete || !budget_charge(b, 1))
		return NULL;
	const struct call_handler *h = bsearch(f, call_handlers, sizeof call_handlers / sizeof *call_handlers,
					       sizeof *call_handlers, compare_call_handler);
	return h ? h->fn(b, a, h) : NULL;
}
